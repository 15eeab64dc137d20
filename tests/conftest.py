"""Every test gets its own database (FANZHA_DB) and officer, and the CLI runner."""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner

from fanzha_cli.cli import app
from fanzha_cli.cli.application import officer_name

# No hypothesis deadline: many property tests read and write files or a database, and a busy machine is not a bug.
settings.register_profile("fanzha", deadline=None)
settings.load_profile("fanzha")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/pg_cluster.py
CORPUS = REPO.parent / "shared" / "corpus"
SAMPLE = REPO / "data" / "2026-11-24-预警.csv"

HEADER_ZH = ["预警编号", "预警时间", "风险等级", "诈骗类型", "姓名", "手机号码", "辖区派出所", "住址", "线索描述"]


@contextmanager
def deadline(seconds: float):
    """A hang (a deadlock, a lock never released, an endless read) fails the test instead of blocking the run."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: a hang?")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


ON_SERVER = os.environ.get("FANZHA_TEST_ENGINE") == "postgresql"


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL run, the tests that look into the SQLite file itself are left out (deselected, not
    skipped: they ran on the SQLite run); every other test runs its commands on the server."""
    if not ON_SERVER:
        return
    kept = [item for item in items if item.get_closest_marker("sqlite_only") is None]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


@pytest.fixture(autouse=True)
def db_path(request, tmp_path, monkeypatch) -> Path:
    """The test's own database: a SQLite file; with FANZHA_TEST_ENGINE=postgresql, the commands the test runs
    through FANZHA_DB go to a new database on the test server instead (the file's path is still returned, for
    the tests that look into the file itself)."""
    path = tmp_path / "fanzha.db"
    monkeypatch.setenv("FANZHA_DB", str(path))
    if ON_SERVER:
        import pg_cluster

        url = pg_cluster.database_url(request.getfixturevalue("pg_server"), f"fanzha_suite_{next(_databases)}")
        monkeypatch.setenv("FANZHA_DB", as_officer(url, "test-officer"))
    monkeypatch.setenv("FANZHA_OFFICER", "test-officer")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))  # a server's backups go there, never to ~
    monkeypatch.delenv("NO_COLOR", raising=False)
    return path


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server for the tests: FANZHA_TEST_PG, else a throwaway cluster of this run (tests/pg_cluster)."""
    import pg_cluster

    reason = pg_cluster.available()
    if reason:
        pytest.skip(reason)
    with pg_cluster.server() as url:
        yield url


_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, db_path, monkeypatch) -> str:
    """The test runs once on each engine: FANZHA_DB is a new SQLite file, or a new database on the server."""
    if request.param == "sqlite":
        monkeypatch.setenv("FANZHA_DB", str(db_path))  # a SQLite file, on the PostgreSQL run too
        return str(db_path)
    import pg_cluster

    url = as_officer(pg_cluster.database_url(request.getfixturevalue("pg_server"), f"fanzha_test_{next(_databases)}"))
    monkeypatch.setenv("FANZHA_DB", url)
    return url


def as_officer(location: str, officer: str = "test-officer") -> str:
    """Where ``officer`` works: on one file, the file (the officer says who they are, --officer); on the server,
    the database through the officer's own login, since there the login is the officer (SPEC §9). The tests' logins
    are the server's superusers, held by no role: the roles themselves are tested with logins `admin user add`
    makes."""
    if not location.startswith("postgresql://"):
        return location
    from urllib.parse import quote, urlsplit, urlunsplit

    import psycopg2

    name = officer_name(officer)
    try:
        conn = psycopg2.connect(location)
    except psycopg2.Error:  # a location a test makes unreachable or malformed on purpose: as it is
        return location
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (name,))
            found = cur.fetchone()
            quoted = psycopg2.extensions.quote_ident(name, conn)
            if not found:
                cur.execute(f"CREATE ROLE {quoted} LOGIN SUPERUSER")
            elif not found[0]:  # a server kept between runs (FANZHA_TEST_PG) may hold it from elsewhere
                cur.execute(f"ALTER ROLE {quoted} LOGIN SUPERUSER")
    except psycopg2.errors.DuplicateObject:  # another test made it meanwhile
        pass
    finally:
        conn.close()
    parts = urlsplit(location)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(name, safe='')}@{host}"))


def _global_options(args: list[str]) -> dict[str, str]:
    """The global options given before the command word, and their values."""
    given, words = {}, iter(args)
    for word in words:
        if word not in ("--db", "--officer", "--station"):
            break
        given[word] = next(words, "")
    return given


def _officer_args(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """On the server, the officer the test names (`--officer NAME`, else FANZHA_OFFICER) works through NAME's own
    login (FANZHA_DB, and --db if given): the program refuses an officer who is not the login there."""
    given = _global_options(args)  # before the command word: a command's own --officer (audit's) is its own
    location = given.get("--db", os.environ.get("FANZHA_DB", ""))
    officer = given.get("--officer", os.environ.get("FANZHA_OFFICER", ""))
    if not location.startswith("postgresql://") or not officer_name(officer):
        return args, {}  # (an empty name is refused on either engine)
    if "--officer" in given:
        at = args.index("--officer")
        args = args[:at] + args[at + 2 :]
    if "--db" in given:
        args[args.index("--db") + 1] = as_officer(location, officer)
    return args, {"FANZHA_DB": as_officer(location, officer), "FANZHA_OFFICER": officer}


@pytest.fixture
def run():
    """Run the CLI; stdout and stderr kept apart, as a shell would see them."""
    runner = CliRunner()

    def invoke(*args: str):
        words, env = _officer_args([str(arg) for arg in args])
        return runner.invoke(app, words, catch_exceptions=False, env=env or None)

    return invoke


@pytest.fixture
def location(db_path) -> str:
    """Where the test's commands keep their data (FANZHA_DB): the SQLite file, or its database on the server."""
    return os.environ["FANZHA_DB"]


def on_server() -> bool:
    """Whether the test's commands keep their data on the PostgreSQL server (FANZHA_DB a URL), not in a file."""
    return os.environ["FANZHA_DB"].startswith("postgresql://")


def _sql(sql: str, params=()) -> list[tuple]:
    """One statement on the test's database, whichever the engine (`?` placeholders), as another program would."""
    location = os.environ["FANZHA_DB"]
    if on_server():  # FANZHA_TEST_ENGINE=postgresql: the same look, on the server
        import psycopg2

        conn = psycopg2.connect(location)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(sql.replace("?", "%s"), params or None)  # no parameters: a % is itself (LIKE '%所')
                return [tuple(row) for row in cur.fetchall()] if cur.description else []
        finally:
            conn.close()
    conn = sqlite3.connect(location)
    try:
        with conn:
            return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def db(db_path):
    """A look at the test's database, as SQL rows; ``db.write(sql, params)`` changes it as another program would
    (committed before it returns)."""

    def query(sql: str, params=()):
        return _sql(sql, params)

    query.write = query  # the same statement, named for what the test means by it
    return query


def integrity_problems() -> list[str]:
    """What is wrong inside the test's database, on its engine (empty when sound): SQLite's integrity and foreign-key
    checks; on a server, amcheck's check of every index of the schema against its table (every row in its indexes,
    every index in order); the server holds foreign keys itself."""
    if not on_server():
        problems = [row[0] for row in _sql("PRAGMA integrity_check") if row != ("ok",)]
        return problems + [repr(row) for row in _sql("PRAGMA foreign_key_check")]
    import psycopg2

    _sql("CREATE EXTENSION IF NOT EXISTS amcheck")
    try:  # amcheck's error names the index it found wrong
        checked = _sql(
            "SELECT c.relname, bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE a.amname = 'btree' AND n.nspname = current_schema()"
        )
    except psycopg2.Error as exc:
        return [str(exc)]
    assert checked, "no index to check: not a fanzha database?"
    return []


def write_export(path: Path, rows, *, header=None, encoding="utf-8", delimiter=",", newline="\n") -> Path:
    """An export written as the platform or Excel would: quoted where needed, chosen encoding and line ends."""
    import csv

    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header or HEADER_ZH)
        writer.writerows(rows)
    return path


def warning_row(n: int, **changes) -> list[str]:
    """A valid row in HEADER_ZH order; keyword changes by field name."""
    row = {
        "id": f"WH2026112400{n:04d}",
        "time": f"2026-11-24 {8 + n % 12:02d}:{n % 60:02d}:00",
        "risk": ["中风险", "高风险", "紧急"][n % 3],
        "fraud_type": "刷单返利",
        "name": f"周某{n}",
        "phone": f"100{n:08d}",
        "station": "阳逻派出所",
        "address": "新洲区阳逻街1号",
        "clue": "接到疑似诈骗电话",
    }
    row.update(changes)
    return list(row.values())


def first_release_database(path: Path) -> Path:
    """A database as the first release left it: migration 0001 only (no stations), one batch."""
    from sqlite_utils import Database

    from fanzha_cli.storage.sqlite.migrations import migrations

    old = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Database(old, execute_plugins=False), stop_before="0002_seed_stations")
    old.execute("PRAGMA user_version = 1")
    old.execute("INSERT INTO batches (file, imported_at, officer) VALUES ('f', 't', 'o')")
    old.close()
    return path


def synthetic_database(folder: Path, *, days: int, per_day: int, first_day: int):
    """A database of ``days`` synthetic exports of ``per_day`` warnings from 2026-11-``first_day`` (bench/synth.py),
    imported as the desk would; the caller gathers statistics (ANALYZE) once it has shaped it."""
    import sys
    from datetime import datetime

    sys.path.insert(0, str(REPO / "bench"))
    from synth import write_csv

    from fanzha_cli.files.importer import import_file
    from fanzha_cli.storage import open_store

    conn = open_store(folder / "big.db", create=True)
    for day in range(days):
        path = folder / f"day{day}.csv"
        write_csv(path, per_day, day=datetime(2026, 11, first_day + day), seed=day)
        import_file(conn, path, officer="bench", now=datetime(2026, 11, 25))
    return conn


def day_rows(day: list[tuple[str, str, str]]) -> list[list[str]]:
    """Rows of an export from (id, time, risk) triples, each named 周某<id>."""
    return [warning_row(n, id=wid, time=time, risk=risk, name=f"周某{wid}") for n, (wid, time, risk) in enumerate(day)]
