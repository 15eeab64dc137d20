"""Every SQL statement of fanzha, behind plain functions that take a connection and return plain data.

This is the only module that knows the database is SQLite. The commands an officer runs all day open it with the
standard library's ``sqlite3`` alone; the migration machinery (sqlite-utils) is imported only when
``PRAGMA user_version`` says the schema is behind.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fanzha_cli.errors import DatabaseError

# The number of migrations in fanzha_cli.migrations; kept here so that opening an up-to-date database does not
# import them. tests/test_store.py checks that the two agree.
SCHEMA_VERSION = 2

BUSY_TIMEOUT_SECONDS = 30.0


def default_db_path() -> Path:
    """The per-user data directory's database, by each platform's convention."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "fanzha" / "fanzha.db"


def resolve_db_path(option: str | None = None) -> Path:
    """``--db``, else ``FANZHA_DB``, else the per-user default (SPEC §4)."""
    chosen = option or os.environ.get("FANZHA_DB")
    return Path(chosen).expanduser() if chosen else default_db_path()


def _create_private(path: Path) -> None:
    """Create the database file readable and writable by its owner only; SQLite gives its -wal and -shm the same."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if need be) the database at ``path``, migrated to the current schema."""
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:", isolation_level=None)
    else:
        path = Path(path)
        if path.is_dir():
            raise DatabaseError(f"database path {path} is a directory")
        try:
            _create_private(path)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"cannot open database {path}: {exc}") from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{path} is not a fanzha database: {exc}") from None
    if version != SCHEMA_VERSION:
        _upgrade(conn, version, path)
    return conn


def _upgrade(conn: sqlite3.Connection, version: int, path: Path | str) -> None:
    if version > SCHEMA_VERSION:
        conn.close()
        raise DatabaseError(f"{path} was written by a newer fanzha (schema {version}); upgrade fanzha to use it")
    if str(path) != ":memory:":
        # Persistent, so set once: readers never block the writer, and two commands at once wait, not fail.
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file right now
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            from fanzha_cli.migrations import migrate

            migrate(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: all of it is stored, or none of it. Taken at once so a reader cannot deadlock us."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def rehearsal(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A transaction that is always rolled back: a dry run does all the work and keeps none of it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")


# --- import batches and warnings -----------------------------------------------------------------------------

WARNING_COLUMNS = (
    "id",
    "time",
    "risk_level",
    "fraud_type",
    "name",
    "phone",
    "station",
    "address",
    "clue",
    "id_card",
)


def begin_batch(conn: sqlite3.Connection, *, file: str, officer: str, at: str) -> int:
    """The batch row comes first so that every warning of the file can point to it."""
    cursor = conn.execute("INSERT INTO batches (file, imported_at, officer) VALUES (?, ?, ?)", (file, at, officer))
    return cursor.lastrowid


def finish_batch(conn: sqlite3.Connection, batch_id: int, *, sha256: str, counts: dict[str, int]) -> None:
    conn.execute(
        "UPDATE batches SET sha256 = ?, rows = ?, new = ?, duplicate = ?, rejected = ? WHERE id = ?",
        (sha256, counts["rows"], counts["new"], counts["duplicate"], counts["rejected"], batch_id),
    )


def insert_new_warnings(conn: sqlite3.Connection, rows: Iterable[tuple]) -> int:
    """Insert the rows (``WARNING_COLUMNS`` then the batch id) whose id is not stored yet; returns how many.

    Stored warnings are left untouched. ``rows`` is consumed as a stream, so a file of any size is never held in
    memory.
    """
    placeholders = ", ".join("?" * (len(WARNING_COLUMNS) + 1))
    # ON CONFLICT DO NOTHING is spoken by both SQLite and PostgreSQL; the id's uniqueness does the de-duplication.
    cursor = conn.executemany(
        f"INSERT INTO warnings ({', '.join(WARNING_COLUMNS)}, batch_id) VALUES ({placeholders})"
        " ON CONFLICT (id) DO NOTHING",
        rows,
    )
    return cursor.rowcount


def batches_of_file(conn: sqlite3.Connection, sha256: str) -> list[dict]:
    """Earlier imports of a file with the same content."""
    cursor = conn.execute("SELECT id, file, imported_at, new FROM batches WHERE sha256 = ? ORDER BY id", (sha256,))
    return [dict(zip(("id", "file", "imported_at", "new"), row, strict=True)) for row in cursor]


def count_warnings(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM warnings").fetchone()[0]


# --- the queue and the day --------------------------------------------------------------------------------------

# The queue order of SPEC §3, in the terms of the partial index warnings_queue, so that the head is one index read.
_QUEUE = (
    "FROM warnings WHERE (status = 'new' OR status = 'retry') AND (due_at IS NULL OR due_at <= ?)"
    " ORDER BY risk_level DESC, time"
)


def queue_head(conn: sqlite3.Connection, now: str, limit: int = 1) -> list[str]:
    """The ids of the most urgent warnings due at ``now``, in the order ``next`` hands them out."""
    return [row[0] for row in conn.execute(f"SELECT id {_QUEUE} LIMIT ?", (now, limit))]


def count_received(conn: sqlite3.Connection, day: str) -> int:
    """Warnings whose own time falls on ``day`` (YYYY-MM-DD): the day's 'received'."""
    return conn.execute(
        "SELECT count(*) FROM warnings WHERE time >= ? AND time < ?", (f"{day} 00:00:00", f"{day} 24:00:00")
    ).fetchone()[0]


def query_plan(conn: sqlite3.Connection, name: str) -> list[str]:
    """The plan SQLite chooses for one of the hot queries above, for tests and benchmarks."""
    statements = {
        "queue_head": (f"SELECT id {_QUEUE} LIMIT 1", ("2026-11-24 12:00:00",)),
        "count_received": (
            "SELECT count(*) FROM warnings WHERE time >= ? AND time < ?",
            ("2026-11-24 00:00:00", "2026-11-24 24:00:00"),
        ),
    }
    sql, params = statements[name]
    return [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


# --- stations ------------------------------------------------------------------------------------------------

STATION_COLUMNS = ("name", "duty_phone", "wechat_group")


def list_stations(conn: sqlite3.Connection) -> list[dict]:
    cursor = conn.execute(f"SELECT {', '.join(STATION_COLUMNS)} FROM stations ORDER BY rowid")
    return [dict(zip(STATION_COLUMNS, row, strict=True)) for row in cursor]


def station_names(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT name FROM stations ORDER BY rowid")]


def save_stations(conn: sqlite3.Connection, stations: Iterable[dict]) -> int:
    """Add stations, or update the contacts of those already listed; returns how many were written."""
    cursor = conn.executemany(
        "INSERT INTO stations (name, duty_phone, wechat_group) VALUES (:name, :duty_phone, :wechat_group)"
        " ON CONFLICT (name) DO UPDATE SET duty_phone = excluded.duty_phone,"
        " wechat_group = excluded.wechat_group",
        stations,
    )
    return cursor.rowcount
