"""The package's shape (issue 12): no import goes both ways, and a migration depends on nothing that may change."""

from __future__ import annotations

import ast
from pathlib import Path

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
    assert imports_of(PACKAGE / "storage" / "sqlite" / "migrations.py") == set()
