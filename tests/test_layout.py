"""The package's shape (issue 12): no import goes both ways, and a migration depends on nothing that may change."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fanzha_cli"


def imports_of(path: Path) -> set[str]:
    """Every module of the program a file imports, at its top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fanzha_cli"):
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("fanzha_cli")}
    return found


def modules() -> dict[str, Path]:
    named = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        named[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return named


def test_the_import_graph_has_no_cycle():
    named = modules()
    edges = {
        name: {target for target in imports_of(path) if target in named and target != name}
        for name, path in named.items()
    }
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        assert name not in path, " → ".join([*path[path.index(name) :], name])
        if name in done:
            return
        for target in sorted(edges[name]):
            visit(target, [*path, name])
        done.add(name)

    for name in sorted(named):
        visit(name, [])


def test_a_migration_imports_nothing_of_the_program():
    """A migration that has shipped is frozen: it must not follow the program's code as that changes."""
    frozen = {"fanzha_cli.storage.shipped", "fanzha_cli.storage.shipped.STATIONS_AS_SHIPPED"}  # data, as it shipped
    for engine in ("sqlite", "postgres"):
        assert imports_of(PACKAGE / "storage" / engine / "migrations.py") <= frozen, engine
    assert imports_of(PACKAGE / "storage" / "shipped.py") == set()


ENGINES = ("sqlite3", "sqlite_utils", "psycopg", "psycopg2", "pg8000")
SQL = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", "CREATE INDEX", "PRAGMA ", "BEGIN ")


def test_only_the_storage_package_knows_the_engine_and_holds_sql():
    """Issue 12: a driver imported, or a statement written (SQL keywords in capitals, as fanzha writes them),
    outside fanzha_cli/storage is the engine leaking."""
    for name, path in modules().items():
        if name.startswith("fanzha_cli.storage"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not [a.name for a in node.names if a.name.split(".")[0] in ENGINES], (name, node.lineno)
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in ENGINES, (name, node.lineno)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not any(word in node.value for word in SQL), (name, node.lineno, node.value[:60])


def test_nothing_outside_the_storage_package_reaches_into_a_store_s_connection():
    for name, path in modules().items():
        if name.startswith("fanzha_cli.storage"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        reaching = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "conn"]
        assert not reaching, (name, reaching)


def test_open_store_never_takes_an_address_for_a_file_nor_repeats_its_password(tmp_path, monkeypatch):
    from fanzha_cli.domain.errors import DatabaseError, DatabaseUnreachable
    from fanzha_cli.storage import open_store

    monkeypatch.chdir(tmp_path)
    for create in (False, True):
        with pytest.raises(DatabaseUnreachable, match="cannot reach") as refused:
            open_store("postgresql://desk:s3cret@127.0.0.1:1/fanzha", create=create)
        assert "s3cret" not in str(refused.value)
        with pytest.raises(DatabaseError, match="not a database file") as refused:
            open_store("mysql://desk:s3cret@centre/fanzha", create=create)
        assert "s3cret" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []  # no folder named postgresql: or mysql: made here


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_each_store_has_every_method_of_the_store_protocol_as_it_is_declared(engine):
    import importlib
    import inspect

    from fanzha_cli.storage.protocol import Store

    module = importlib.import_module(f"fanzha_cli.storage.{engine}.store")
    implementation = next(cls for name, cls in vars(module).items() if name.endswith("Store") and name != "Store")
    declared = {name for name, _ in inspect.getmembers(Store) if not name.startswith("_")} | {"__enter__", "__exit__"}
    declared -= set(dir(object))
    assert len(declared) > 40
    for name in sorted(declared):
        if isinstance(inspect.getattr_static(Store, name), property):
            assert isinstance(inspect.getattr_static(implementation, name), property), name
            continue
        wanted = [(p.name, p.kind, p.default) for p in inspect.signature(getattr(Store, name)).parameters.values()]
        got = [
            (p.name, p.kind, p.default) for p in inspect.signature(getattr(implementation, name)).parameters.values()
        ]
        assert got == wanted, name
