"""Every SQL statement of fanzha, behind plain functions that take a connection and return plain data.

This is the only module that knows the database is SQLite. The commands an officer runs all day open it with the
standard library's ``sqlite3`` alone; the migration machinery (sqlite-utils) is imported only when
``PRAGMA user_version`` says the schema is behind.
"""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from fanzha_cli.domain.errors import DatabaseBusy, DatabaseError, DatabaseUnreachable, NotADatabase, SchemaTooNew

# The number of migrations (storage.sqlite.migrations); kept here so that opening an up-to-date database does
# not import them. tests/test_store.py checks that the two agree.
SCHEMA_VERSION = 6

BUSY_TIMEOUT_SECONDS = 30.0

# Transactions committed by this process: whether a command stored something even if its report cannot be shown.
writes_committed = 0


# A location with a scheme is a server's, not a file: never a folder named `postgresql:` made in the current one.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _not_a_path(source: str, location: str) -> str:
    """Why a URL is refused, without repeating it: it may carry a password."""
    scheme = location.split("://", 1)[0].lower()
    if scheme in ("postgresql", "postgres"):
        return (
            f"{source} names a PostgreSQL server: centre mode (SPEC §8) is not in this version of fanzha yet;"
            " give the path of a database file"
        )
    return f"{source} is a {scheme}:// address, not a database file: give the path of one"


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
    """``--db``, else ``FANZHA_DB``, else the per-user default (SPEC §4).

    Refuses what cannot hold the officer's work: an empty ``--db``, and ``:memory:``, which would import and keep
    nothing. (The library's own ``connect(":memory:")`` stays open to tests.)
    """
    if option is not None:
        source, chosen = "--db", option
    else:
        source, chosen = "FANZHA_DB", os.environ.get("FANZHA_DB") or None  # an empty variable counts as unset
    if chosen is not None and not chosen.strip():
        raise DatabaseError(f"{source} is empty: name the database file")
    if chosen is not None and chosen.strip() == ":memory:":
        raise DatabaseError(f"{source} :memory: would keep nothing once the command ends: name a database file")
    if chosen is not None and _URL.match(chosen.strip()):
        raise DatabaseError(_not_a_path(source, chosen.strip()))
    try:
        return Path(chosen).expanduser() if chosen else default_db_path()
    except (RuntimeError, KeyError, OSError) as exc:  # ~nosuchuser, or no home directory to be found
        raise DatabaseError(f"cannot find the database path {_shown(chosen or '~')}: {exc}") from None


def _shown(path: Path | str) -> str:
    """A path for a message: in full unless it is absurdly long."""
    text = str(path)
    return text if len(text) <= 160 else f"{text[:60]}…{text[-60:]} ({len(text):,} characters)"


# The one line for each way SQLite can fail to store, by the primary code of ``sqlite3.Error.sqlite_errorname``.
def database_error(exc: sqlite3.Error, path: Path | str | None = None) -> DatabaseError:
    """The program's own exception for an error of SQLite: what happened in the officer's terms, and what to do."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    where = _shown(path) if path is not None else "the database"
    primary = _primary(exc)
    return _KINDS.get(primary, DatabaseError)(_worded(exc, primary, name, where))


def _worded(exc: sqlite3.Error, primary: str, name: str, where: str) -> str:
    if primary == "FULL":
        text = "the disk is full (or the database reached its size limit): nothing was stored; free space and try again"
    elif primary == "IOERR":
        text = f"disk I/O error on {where} ({name}): nothing was stored; is the disk full or failing?"
    elif primary == "NOTADB":
        text = f"{where} is not a fanzha database (not a SQLite file at all); nothing was changed"
    elif primary == "CORRUPT":
        text = f"{where} is damaged ({exc}); nothing was changed: restore it from a backup"
    elif primary in ("BUSY", "LOCKED"):
        text = "the database is busy: another fanzha (or another program) kept it locked; try again"
    elif primary == "READONLY":
        text = f"{where} is read-only (the file or its folder is not writable): nothing was stored"
    elif primary == "CANTOPEN":
        text = f"cannot open {where}: the file or its folder is missing or not writable"
    elif primary in ("PERM", "AUTH"):
        text = f"{where}: not permitted ({exc})"
    elif primary == "NOMEM":
        text = "out of memory: nothing was stored"
    else:
        text = f"database error on {where}: {exc}"
    return text


_KINDS = {
    "BUSY": DatabaseBusy,
    "LOCKED": DatabaseBusy,
    "FULL": DatabaseUnreachable,
    "IOERR": DatabaseUnreachable,
    "CANTOPEN": DatabaseUnreachable,
    "READONLY": DatabaseUnreachable,
    "NOTADB": NotADatabase,
    "CORRUPT": NotADatabase,
}


# Errors of the disk, the file or other processes, as opposed to a statement's own (a constraint, a typo in SQL):
# those a transaction turns into a DatabaseError; the others stay what they are, for the code that raised them.
_ENVIRONMENT = frozenset(
    ("FULL", "IOERR", "NOTADB", "CORRUPT", "BUSY", "LOCKED", "READONLY", "CANTOPEN", "PERM", "NOMEM")
)


def _primary(exc: sqlite3.Error) -> str:
    """``SQLITE_IOERR_WRITE`` → ``IOERR``; empty when Python does not say (before 3.11)."""
    name = getattr(exc, "sqlite_errorname", None) or ""
    return name.split("_")[1] if name.startswith("SQLITE_") else ""


def _of_environment(exc: sqlite3.Error) -> bool:
    return _primary(exc) in _ENVIRONMENT


def _os_error(exc: OSError, path: Path) -> DatabaseUnreachable:
    """The one line for a database path the system refused."""
    code = exc.errno
    shown = _shown(path)
    if code == errno.ENAMETOOLONG:
        return DatabaseUnreachable(
            f"the database path is too long for the system (at most 255 bytes a name, 4,096 in all): {shown}"
        )
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DatabaseUnreachable(f"cannot create or open {shown}: its folder is not writable ({exc.strerror})")
    if code in (errno.ENOTDIR, errno.EEXIST):
        return DatabaseUnreachable(f"cannot create {shown}: a part of its folder path is a file, not a folder")
    if code in (errno.ENOSPC, errno.EDQUOT):
        return DatabaseUnreachable(f"cannot create {shown}: the disk is full; free space and try again")
    if code == errno.ELOOP:
        return DatabaseUnreachable(f"cannot open {shown}: its symbolic links go round in a loop")
    return DatabaseUnreachable(f"cannot open database {shown}: {exc.strerror or exc}")


def _create_private(path: Path) -> None:
    """Create the database file readable and writable by its owner only; SQLite gives its -wal and -shm the same.

    A symbolic link to a file not made yet is followed: its target is created, private, where the link points
    (``O_EXCL`` never follows a link, and SQLite would create the target with the umask's mode).
    """
    if os.path.islink(path):
        path = path.resolve()  # RuntimeError on a loop of links; the caller reports it
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _prepare_file(path: Path, create: bool) -> None:
    """An existing regular file is used as it is; a missing one is created private (when ``create``); anything
    else is refused."""
    try:
        mode = os.stat(path).st_mode  # follows a link
    except FileNotFoundError:  # a new path, or a link to a file not made yet
        if not create:
            raise NoDatabase(
                f"there is no database at {_shown(path)}: check --db or FANZHA_DB, or start one by importing an"
                " export (`fanzha import FILE`)"
            ) from None
        _create_private(path)
        return
    if stat.S_ISDIR(mode):
        raise NotADatabase(f"database path {_shown(path)} is a directory")
    if not stat.S_ISREG(mode):  # a device, a pipe: SQLite would block on it or write into it
        raise NotADatabase(f"database path {_shown(path)} is not a regular file")


class Connection(sqlite3.Connection):
    """A connection to fanzha's database. A failure of the disk, the file or a lock (busy, full, read-only, not a
    database) comes out of any statement as the program's own exception (errors.DatabaseBusy, ...), whoever runs
    it; a statement's own error (a constraint, a typo in SQL) stays SQLite's, for the code that ran it."""

    path: str | None = None

    def execute(self, sql: str, parameters=(), /) -> sqlite3.Cursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as exc:
            raise _own(exc, self.path) from None

    def executemany(self, sql: str, parameters, /) -> sqlite3.Cursor:
        try:
            return super().executemany(sql, parameters)
        except sqlite3.Error as exc:
            raise _own(exc, self.path) from None


def _own(exc: sqlite3.Error, path: str | None) -> Exception:
    """A failure of the disk, the file or a lock as the program's own exception; a statement's own error as is."""
    return database_error(exc, path) if _of_environment(exc) else exc


class NoDatabase(DatabaseError):
    """A command that only reads was pointed at a path with no database: a typo must not look like an empty queue."""


def connect(path: Path | str, *, create: bool = True) -> sqlite3.Connection:
    """Open the database at ``path`` (creating it if need be and ``create``), migrated to the current schema."""
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:", isolation_level=None, factory=Connection)
    else:
        path = Path(path)
        try:
            _prepare_file(path, create)
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, factory=Connection)
            conn.path = str(path)
        except OSError as exc:
            raise _os_error(exc, path) from None
        except RuntimeError:  # pathlib's word for a loop of symbolic links
            raise DatabaseUnreachable(f"cannot open {_shown(path)}: its symbolic links go round in a loop") from None
        except ValueError as exc:  # a NUL in the path
            raise DatabaseError(f"cannot open database {_shown(path)}: {exc}") from None
        except sqlite3.Error as exc:
            raise database_error(exc, path) from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error as exc:
        conn.close()
        raise database_error(exc, path) from None
    except DatabaseError:
        conn.close()
        raise
    if version != SCHEMA_VERSION:
        _upgrade(conn, version, path)
    return conn


# The bookkeeping table of sqlite-utils' migrations, and the table every fanzha schema has had since the first.
_OURS = ("_sqlite_migrations", "warnings")


def _foreign_tables(conn: sqlite3.Connection) -> tuple[int, list[str] | None]:
    """The schema version, and the names in the file when they are another program's (None when they are ours,
    or when there are none). One statement, so that both come from the same moment: another fanzha may be
    creating this very file."""
    rows = conn.execute(
        "SELECT v.user_version, m.name FROM pragma_user_version AS v LEFT JOIN (SELECT name, type FROM sqlite_master"
        " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\') AS m ORDER BY m.type != 'table', m.name"
    ).fetchall()
    version = rows[0][0]
    names = [name for _, name in rows if name is not None]
    if not names and version == 0:
        return version, None  # a new, empty file
    if all(table in names for table in _OURS):
        ours = conn.execute("SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'fanzha' LIMIT 1").fetchone()
        if ours:
            return version, None
    return version, names


def _upgrade(conn: sqlite3.Connection, version: int, path: Path | str) -> None:
    """Bring a database to the current schema; refuse, before changing anything, one that fanzha cannot use."""
    try:
        version, foreign = _foreign_tables(conn)
        if foreign is not None:
            shown = ", ".join(foreign[:8]) + (", …" if len(foreign) > 8 else "") if foreign else "none"
            raise NotADatabase(
                f"{_shown(path)} is a SQLite database of another program (tables: {shown}); fanzha will not change it"
            )
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"{_shown(path)} was written by a newer fanzha (schema {version}); upgrade fanzha to use it"
            )
        if version == 0:
            # Only a new, empty file takes a page size. 16 KiB pages cut a large import's time by a tenth (fewer,
            # fuller B-tree pages to keep in order) and cost a single action nothing it would notice.
            conn.execute("PRAGMA page_size = 16384")
        if str(path) != ":memory:":
            # Persistent, so set once: readers never block the writer, and two commands at once wait, not fail.
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")  # another process may be migrating the same file right now
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                from fanzha_cli.storage.sqlite.migrations import migrate

                migrate(conn)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
    except sqlite3.Error as exc:
        conn.close()
        raise database_error(exc, path) from None
    except BaseException:
        conn.close()
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if one is still open: SQLite ends some itself when a write fails (a full disk,
    an I/O error). A rollback that fails in turn must not hide the error that called for it."""
    if conn.in_transaction:
        with suppress(sqlite3.Error, DatabaseError):
            conn.execute("ROLLBACK")


@contextmanager
def transaction(conn: sqlite3.Connection, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
    """One write transaction: all of it is stored, or none of it. Taken at once so a reader cannot deadlock us.

    A durable one is on disk when it commits (an fsync, some milliseconds). ``durable=False`` is for writes that
    are harmless to lose in a power cut, such as taking a warning from the queue: in WAL mode the database stays
    sound either way, and the next durable commit carries it to disk.

    A failure of the disk, the file or a lock (a full disk, an I/O error, a read-only file, a database kept busy)
    is raised as a ``DatabaseError`` with its one line; nothing of the transaction is kept.
    """
    with _database_errors(conn):
        if not durable:
            conn.execute("PRAGMA synchronous = NORMAL")
        try:
            conn.execute("BEGIN IMMEDIATE")
            changes = conn.total_changes
            try:
                yield conn
            except BaseException:
                _rollback(conn)
                raise
            conn.execute("COMMIT")
            if conn.total_changes > changes:  # `next` showing the warning already in hand changes nothing
                global writes_committed
                writes_committed += 1
        finally:
            if not durable:
                _restore_synchronous(conn)


@contextmanager
def _database_errors(conn: sqlite3.Connection) -> Iterator[None]:
    """An error of the disk, the file or a lock, as the program's own exception, after the rollback; a statement's
    own error (a constraint) stays what it is, for the code that raised it."""
    try:
        yield
    except sqlite3.Error as exc:
        _rollback(conn)
        if not _of_environment(exc):
            raise
        raise database_error(exc, _main_file(conn)) from None
    except DatabaseError:  # already worded by the connection
        _rollback(conn)
        raise


def _restore_synchronous(conn: sqlite3.Connection) -> None:
    with suppress(sqlite3.Error, DatabaseError):  # the error that brought us here, if any, is the one to report
        conn.execute("PRAGMA synchronous = FULL")


def _main_file(conn: sqlite3.Connection) -> str | None:
    """The file of the connection, for a message; None when it cannot be told."""
    try:
        rows = conn.execute("PRAGMA database_list").fetchall()
    except (sqlite3.Error, DatabaseError):
        return None
    return next((file for _, name, file in rows if name == "main" and file), None)


@contextmanager
def rehearsal(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A transaction that is always rolled back: a dry run does all the work and keeps none of it."""
    with _database_errors(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        finally:
            _rollback(conn)


BULK_CACHE_KIB = 64 * 1024


@contextmanager
def bulk_insert(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Around an import's bulk insert, entered outside its transaction (SQLite ignores the pragma inside one):
    foreign keys unchecked, since every row points to the batch row the same transaction has just made (a lookup
    per row saved, ~2% of an import); and a page cache of 64 MiB instead of 2, since the lookup indexes of `find`
    (a phone's and an id's last four, the name) take rows in no order and would otherwise reread their pages
    (a fifth less time for half a million rows)."""
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield conn
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


@contextmanager
def indexes_built_after(conn: sqlite3.Connection, rows_expected: int) -> Iterator[None]:
    """Inside an import's transaction: when the rows to add outnumber those stored (a first load, a catch-up on
    months of exports), the indexes of the warnings are dropped and built again after the insert, by one sort
    each, which takes a third of the time of adding every row to each of them. All inside the transaction, so
    that a failed import leaves them as they were; the indexes are those the database has (their own SQL)."""
    stored = conn.execute("SELECT coalesce(max(rowid), 0) FROM warnings").fetchone()[0]  # fanzha deletes none
    if rows_expected <= stored:  # a morning's file into months of warnings: each row into each index
        yield
        return
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'warnings' AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        conn.execute(sql)


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


# --- the desk: warnings in hand, state changes, the event log ------------------------------------------------

# What an action may change on a warning; an event's snapshot of these is what undo restores.
WARNING_STATE = (
    "status",
    "holder",
    "held_since",
    "due_at",
    "attempts",
    "escalated_at",
    "escalated_to",
    "station_since",
    "visits",
    "visit_result",
    "closed_at",
    "first_call_at",
)
# What `edit` may correct of what the platform sent (SPEC §3); only an edit's snapshot of these is restored by undo.
EDITABLE = ("phone", "name", "station", "address", "fraud_type")
_WARNING_ROW = (*WARNING_COLUMNS, "batch_id", *WARNING_STATE)
_EVENT_ROW = ("id", "warning_id", "at", "logged_at", "officer", "action", "outcome", "station", "channels", "details")
# An event stands unless an undo names the act it belongs to.
_STANDS = "NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.act)"


def _warning(row) -> dict | None:
    return None if row is None else dict(zip(_WARNING_ROW, row, strict=True))


def get_warning(conn: sqlite3.Connection, warning_id: str) -> dict | None:
    return _warning(
        conn.execute(f"SELECT {', '.join(_WARNING_ROW)} FROM warnings WHERE id = ?", (warning_id,)).fetchone()
    )


_HELD_BY = "holder = ? AND status = 'taken'"


def held_by(conn: sqlite3.Connection, officer: str) -> dict | None:
    """The warning in this officer's hand, if any."""
    return _warning(
        conn.execute(f"SELECT {', '.join(_WARNING_ROW)} FROM warnings WHERE {_HELD_BY}", (officer,)).fetchone()
    )


# The head of the queue for one officer: the first due warning this officer has not skipped lately, else (nothing
# else being due) the first due one even so; skipping never hides a warning from the rest of the desk (SPEC §3).
_HEAD_FOR = (
    "coalesce((SELECT id FROM warnings WHERE (status = 'new' OR status = 'retry')"
    " AND (due_at IS NULL OR due_at <= :now)"
    " AND id NOT IN (SELECT warning_id FROM skips WHERE officer = :officer AND until > :now)"
    " ORDER BY risk_level DESC, time LIMIT 1),"
    f" (SELECT id {_QUEUE.replace('?', ':now')} LIMIT 1))"
)
_TAKE_HEAD = (
    f"UPDATE warnings SET status = 'taken', holder = :officer, held_since = :now WHERE id = {_HEAD_FOR} RETURNING id"
)


def take_head(conn: sqlite3.Connection, officer: str, now: str) -> str | None:
    """Hand the head of the queue to ``officer`` in one statement, so that two officers never get the same one."""
    row = conn.execute(_TAKE_HEAD, {"officer": officer, "now": now}).fetchone()
    if row:
        conn.execute("DELETE FROM skips WHERE officer = ? AND warning_id = ?", (officer, row[0]))
    return row and row[0]


def queue_outlook(conn: sqlite3.Connection) -> dict:
    """What an empty queue is waiting for: anything at all, the next retry, the stations, other hands (each an
    index read)."""
    return {
        "any": conn.execute("SELECT EXISTS (SELECT 1 FROM warnings)").fetchone()[0] == 1,
        "next_retry": conn.execute("SELECT min(due_at) FROM warnings WHERE status = 'retry'").fetchone()[0],
        "at_stations": conn.execute(
            "SELECT count(*) FROM warnings WHERE station_since IS NOT NULL AND closed_at IS NULL"
        ).fetchone()[0],
        "in_hands": conn.execute(
            "SELECT count(*) FROM warnings WHERE holder IS NOT NULL AND status = 'taken'"
        ).fetchone()[0],
    }


def skip(conn: sqlite3.Connection, officer: str, warning_id: str, now: str, until: str) -> None:
    """Not to be handed to ``officer`` again before ``until`` while anything else is due; old skips go."""
    conn.execute("DELETE FROM skips WHERE officer = ? AND until <= ?", (officer, now))
    conn.execute(
        "INSERT INTO skips (officer, warning_id, until) VALUES (?, ?, ?)"
        " ON CONFLICT (officer, warning_id) DO UPDATE SET until = excluded.until",
        (officer, warning_id, until),
    )


# A hold is a lease (SPEC §3): taken before the cutoff, and nothing logged on the warning since the cutoff (an
# escalation or a note renews it; a desk that crashed after one still lets the warning go in time).
_STALE_HOLDS = (
    "SELECT id, holder, attempts FROM warnings w WHERE holder IS NOT NULL AND status = 'taken' AND held_since < :cutoff"
    " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.warning_id = w.id AND e.logged_at >= :cutoff)"
)


def stale_holds(conn: sqlite3.Connection, cutoff: str) -> list[dict]:
    rows = conn.execute(_STALE_HOLDS, {"cutoff": cutoff})
    return [dict(zip(("id", "holder", "attempts"), row, strict=True)) for row in rows]


def set_state(conn: sqlite3.Connection, warning_id: str, state: dict, *, edit: bool = False) -> None:
    """Write the state columns given in ``state``; with ``edit``, also the data fields of ``EDITABLE`` (an edit,
    or the undo of one). Any other key is ignored."""
    allowed = (*WARNING_STATE, *EDITABLE) if edit else WARNING_STATE
    columns = [key for key in allowed if key in state]
    if not columns:
        return
    conn.execute(
        f"UPDATE warnings SET {', '.join(f'{key} = ?' for key in columns)} WHERE id = ?",
        (*(state[key] for key in columns), warning_id),
    )


def add_events(conn: sqlite3.Connection, events: list[dict], *, undoes: int | None = None) -> int:
    """Append the events of one act (the officer's one command); returns the act's id, its first event's.

    Ids are given here, inside the write transaction, so that every event can carry its act from the start: the
    log is append-only and is never updated afterwards.
    """
    first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM events").fetchone()[0]
    conn.executemany(
        "INSERT INTO events (id, warning_id, at, logged_at, officer, action, outcome, station, channels, details,"
        " act, undoes) VALUES (:id, :warning_id, :at, :logged_at, :officer, :action, :outcome, :station,"
        " :channels, :details, :act, :undoes)",
        [
            {"outcome": None, "station": None, "channels": None, "details": None}
            | event
            | {"id": first + n, "act": first, "undoes": undoes if n == 0 else None}
            for n, event in enumerate(events)
        ],
    )
    return first


def last_act(conn: sqlite3.Connection, officer: str) -> dict | None:
    """The officer's latest act that still stands and can be undone (taking a warning is not one)."""
    row = conn.execute(
        f"SELECT {', '.join(_EVENT_ROW)} FROM events e WHERE officer = ? AND id = act"
        f" AND action NOT IN ('take', 'undo', 'reclaimed') AND {_STANDS} ORDER BY id DESC LIMIT 1",
        (officer,),
    ).fetchone()
    return row and dict(zip(_EVENT_ROW, row, strict=True))


def standing_events_after(conn: sqlite3.Connection, warning_id: str, act: int) -> list[dict]:
    """Events on a warning that came after an act, from other acts that still stand."""
    cursor = conn.execute(
        f"SELECT {', '.join(_EVENT_ROW)} FROM events e WHERE warning_id = ? AND id > ? AND act != ?"
        f" AND action != 'undo' AND {_STANDS} ORDER BY id",
        (warning_id, act, act),
    )
    return [dict(zip(_EVENT_ROW, row, strict=True)) for row in cursor]


def warning_events(conn: sqlite3.Connection, warning_id: str) -> list[dict]:
    """A warning's whole timeline, undone acts and undos included (the log keeps everything)."""
    cursor = conn.execute(
        f"SELECT {', '.join(_EVENT_ROW)}, act, undoes, NOT {_STANDS} AS undone FROM events e"
        " WHERE warning_id = ? ORDER BY id",
        (warning_id,),
    )
    return [dict(zip((*_EVENT_ROW, "act", "undoes", "undone"), row, strict=True)) for row in cursor]


def batch_of(conn: sqlite3.Connection, batch_id: int) -> dict:
    row = conn.execute("SELECT id, file, imported_at, officer FROM batches WHERE id = ?", (batch_id,)).fetchone()
    return dict(zip(("id", "file", "imported_at", "officer"), row, strict=True))


# SPEC §3 supervision, one indexed query per kind of overdue (a partial index each), so that even `next` can count
# them on every call: in hand too long, a retry past its time, a station without a result past its limit, a
# stop-payment without the bank's answer past its limit. Each is a condition on a warning's row, which `list
# --overdue` also reads in queue order.
_OVERDUE_WHERE = {
    "in_hand": "holder IS NOT NULL AND status = 'taken' AND held_since < :hold_cutoff",
    "retry": "status = 'retry' AND due_at < :now",
    "station": (
        "station_since IS NOT NULL AND closed_at IS NULL"
        " AND station_since < CASE WHEN risk_level >= 2 THEN :station_cutoff_urgent ELSE :station_cutoff END"
        " AND (visit_result IS NULL OR visit_result != 'dissuaded')"
    ),
    "stop_pay": (
        "id IN (SELECT warning_id FROM stop_payments WHERE status = 'open' AND requested_at < :stop_pay_cutoff)"
    ),
}
# Listed, those waiting for a station are read in queue order (else, with a filter, SQLite may sort them all).
_OVERDUE_INDEX = {"station": "warnings_waiting"}
# The statuses a warning overdue of each kind can have (one waiting for a station is not closed, closed_at unset).
_OVERDUE_STATUSES = {"in_hand": {"taken"}, "retry": {"retry"}, "station": {"new", "taken", "retry", "escalated"}}
OVERDUE = {kind: f"SELECT id FROM warnings WHERE {where}" for kind, where in _OVERDUE_WHERE.items()}
# counted, the waiting ones are a range of warnings_at_station: the later of the two cutoffs bounds it
OVERDUE["station"] += " AND station_since < max(:station_cutoff_urgent, :station_cutoff)"
OVERDUE["stop_pay"] = (
    "SELECT warning_id AS id FROM stop_payments WHERE status = 'open' AND requested_at < :stop_pay_cutoff"
)
_OVERDUE_IDS = " UNION ".join(OVERDUE.values())


def oldest_open_requests(conn: sqlite3.Connection, warning_ids: list[str]) -> dict[str, str]:
    """Each listed warning's oldest stop-payment still waiting for the bank: when it was requested."""
    if not warning_ids:
        return {}
    marks = ", ".join("?" * len(warning_ids))
    sql = (
        f"SELECT warning_id, min(requested_at) FROM stop_payments WHERE status = 'open' AND warning_id IN ({marks})"
        " GROUP BY warning_id"
    )
    return dict(conn.execute(sql, warning_ids).fetchall())


def count_overdue(conn: sqlite3.Connection, limits: dict[str, str]) -> dict[str, int]:
    """How many warnings are overdue, by kind; ``limits`` as made by supervision.overdue_limits."""
    # distinct: a warning with two unanswered stop-payments is one overdue warning
    return {
        kind: conn.execute(f"SELECT count(DISTINCT o.id) FROM ({sql}) AS o", limits).fetchone()[0]
        for kind, sql in OVERDUE.items()
    }


OPEN_STATUSES = ("new", "taken", "retry", "escalated")


def list_warnings(
    conn: sqlite3.Connection,
    *,
    statuses: list[str] | None = None,
    risk_level: int | None = None,
    station: str | None = None,
    day: str | None = None,
    overdue: dict[str, str] | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Warnings in queue order, filtered; open ones (not closed) when no status nor overdue is asked for.

    The first ``limit`` rows cost what they show, not what the table holds: each status is read on its own through
    warnings_status (status, risk_level DESC, time), already in queue order, and the lists merged; overdue ones,
    each kind in queue order (those waiting for a station through warnings_waiting, the others few); a day's,
    through warnings_time."""
    where, params = [], {}
    if risk_level is not None:
        where.append("risk_level = :risk_level")
        params["risk_level"] = risk_level
    if station is not None:
        where.append("(station = :station OR escalated_to = :station)")
        params["station"] = station
    if day is not None:
        where.append("time >= :day_start AND time < :day_end")
        params |= {"day_start": f"{day} 00:00:00", "day_end": f"{day} 24:00:00"}
    if statuses and (overdue is not None or day is not None):
        where.append(f"status IN ({', '.join(f':s{n}' for n in range(len(statuses)))})")
        params |= {f"s{n}": status for n, status in enumerate(statuses)}
    if overdue is not None:  # closed or not (a stop-payment may wait on a closed warning): each kind in queue order
        params |= overdue
        lists = [
            _listed(conn, [*where, condition], params, limit, index=_OVERDUE_INDEX.get(kind))
            for kind, condition in _OVERDUE_WHERE.items()
            if not statuses or set(statuses) & _OVERDUE_STATUSES.get(kind, set(statuses))
        ]
    elif day is not None:  # a day's warnings through warnings_time: a sort of one day at most
        if not statuses:
            where.append("status != 'closed'")
        return _listed(conn, where, params, limit)
    else:
        lists = [
            _listed(conn, [*where, "status = :status"], params | {"status": status}, limit)
            for status in dict.fromkeys(statuses or OPEN_STATUSES)
        ]
    return _merged(lists, limit)


def _merged(lists: list[list[dict]], limit: int | None) -> list[dict]:
    """Lists each in queue order, as one in queue order; a warning in two of them (overdue twice) once."""
    import heapq
    import itertools

    merged = heapq.merge(*lists, key=lambda row: (-row["risk_level"], row["time"]))
    seen: set[str] = set()
    once = (row for row in merged if row["id"] not in seen and not seen.add(row["id"]))
    return list(itertools.islice(once, limit or None))


def _listed(conn: sqlite3.Connection, where: list[str], params: dict, limit: int | None, index=None) -> list[dict]:
    indexed = f" INDEXED BY {index}" if index else ""
    sql = f"SELECT {', '.join(_WARNING_ROW)} FROM warnings{indexed} WHERE {' AND '.join(where) or '1'}"
    sql += " ORDER BY risk_level DESC, time" + (f" LIMIT {int(limit)}" if limit else "")
    return [_warning(row) for row in conn.execute(sql, params)]


def get_station(conn: sqlite3.Connection, name: str) -> dict | None:
    row = conn.execute(f"SELECT {', '.join(STATION_COLUMNS)} FROM stations WHERE name = ?", (name,)).fetchone()
    return row and dict(zip(STATION_COLUMNS, row, strict=True))


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


# --- settings -------------------------------------------------------------------------------------------------


def get_settings(conn: sqlite3.Connection) -> dict[str, str]:
    return dict(conn.execute("SELECT key, value FROM settings"))


def put_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


# --- stop-payments (SPEC §7) ---------------------------------------------------------------------------------

STOP_PAY_ROW = (
    "id",
    "warning_id",
    "bank",
    "account",
    "amount_fen",
    "requested_at",
    "officer",
    "status",
    "kept_fen",
    "result_at",
    "reason",
    "note",
)
STOP_PAY_RESULT = ("status", "kept_fen", "result_at", "reason")


def add_stop_payment(conn: sqlite3.Connection, request: dict) -> int:
    columns = [key for key in STOP_PAY_ROW if key in request]
    cursor = conn.execute(
        f"INSERT INTO stop_payments ({', '.join(columns)}) VALUES ({', '.join(f':{c}' for c in columns)})", request
    )
    return cursor.lastrowid


def get_stop_payment(conn: sqlite3.Connection, request_id: int) -> dict | None:
    row = conn.execute(f"SELECT {', '.join(STOP_PAY_ROW)} FROM stop_payments WHERE id = ?", (request_id,)).fetchone()
    return row and dict(zip(STOP_PAY_ROW, row, strict=True))


def set_stop_payment_result(conn: sqlite3.Connection, request_id: int, result: dict) -> None:
    conn.execute(
        f"UPDATE stop_payments SET {', '.join(f'{key} = :{key}' for key in STOP_PAY_RESULT)} WHERE id = :id",
        {key: result.get(key) for key in STOP_PAY_RESULT} | {"id": request_id},
    )


def withdraw_stop_payment(conn: sqlite3.Connection, request_id: int) -> None:
    """Undo of a request: the row goes; the event log keeps that it was made and withdrawn."""
    conn.execute("DELETE FROM stop_payments WHERE id = ?", (request_id,))


def list_stop_payments(conn: sqlite3.Connection, *, warning_id: str | None = None, open_only: bool = False):
    """Open requests first, oldest first; then the decided ones, newest first."""
    where = ["1 = 1"]
    if warning_id is not None:
        where.append("warning_id = :warning_id")
    if open_only:
        where.append("status = 'open'")
    sql = (
        f"SELECT {', '.join(STOP_PAY_ROW)} FROM stop_payments WHERE {' AND '.join(where)} ORDER BY"
        " CASE WHEN status = 'open' THEN 0 ELSE 1 END,"
        " CASE WHEN status = 'open' THEN requested_at END, requested_at DESC, id DESC"
    )
    return [dict(zip(STOP_PAY_ROW, row, strict=True)) for row in conn.execute(sql, {"warning_id": warning_id})]


# --- the day's totals (SPEC §6) -------------------------------------------------------------------------------
# Figures about warnings count the warnings of [start, end) by their own time; figures about actions count the
# standing events done in [start, end). A summary computes them for one day at a time and keeps each day's in
# day_figures (below), so that a range adds kept days up instead of reading months of rows again.


def warning_totals(conn: sqlite3.Connection, start: str, end: str) -> dict:
    """The figures about warnings, in one pass over the time index."""
    keys = ("received", "disposed", "closed", "open", "high_not_escalated", "medium", "high", "urgent")
    sql = """
        SELECT count(*),
            sum(CASE WHEN first_call_at IS NOT NULL OR escalated_at IS NOT NULL THEN 1 ELSE 0 END),
            sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END),
            sum(CASE WHEN status != 'closed' THEN 1 ELSE 0 END),
            sum(CASE WHEN risk_level >= 2 AND escalated_at IS NULL THEN 1 ELSE 0 END),
            sum(CASE WHEN risk_level = 1 THEN 1 ELSE 0 END),
            sum(CASE WHEN risk_level = 2 THEN 1 ELSE 0 END),
            sum(CASE WHEN risk_level = 3 THEN 1 ELSE 0 END)
        FROM warnings WHERE time >= ? AND time < ?"""
    row = conn.execute(sql, (start, end)).fetchone()
    return dict(zip(keys, (value or 0 for value in row), strict=True))


def fraud_type_counts(conn: sqlite3.Connection, start: str, end: str) -> list[tuple]:
    """(fraud type, warnings)."""
    sql = "SELECT fraud_type, count(*) FROM warnings WHERE time >= ? AND time < ? GROUP BY fraud_type"
    return conn.execute(sql, (start, end)).fetchall()


def action_counts(conn: sqlite3.Connection, start: str, end: str) -> list[tuple]:
    """(action, outcome, events) of the standing calls, SMS and visits."""
    sql = f"""
        SELECT action, outcome, count(*) FROM events e
        WHERE at >= ? AND at < ? AND action IN ('call', 'sms', 'visit') AND {_STANDS} GROUP BY action, outcome"""
    return conn.execute(sql, (start, end)).fetchall()


# The standing escalations of a range through the partial index events_escalations, which holds all that is read:
# a warning counts once however many channels or moves, and once under each station it was handed to.
_ESCALATED = f"""
    SELECT station, warning_id FROM events e INDEXED BY events_escalations
    WHERE action = 'escalate' AND at >= :start AND at < :end AND {_STANDS}"""


def escalated_warnings(conn: sqlite3.Connection, start: str, end: str) -> tuple[int, list[tuple]]:
    """(warnings handed to a station, [(station, warnings), ...]), from one read of the index."""
    sql = f"""
        WITH handed AS MATERIALIZED ({_ESCALATED})
        SELECT NULL, count(DISTINCT warning_id) FROM handed
        UNION ALL
        SELECT station, count(DISTINCT warning_id) FROM handed GROUP BY station"""
    (_, total), *by_station = conn.execute(sql, {"start": start, "end": end}).fetchall()
    return total, by_station


def escalations_by_channel(conn: sqlite3.Connection, start: str, end: str) -> tuple[int, int, int]:
    """(platform, wechat, phone): escalation events that used each channel."""
    uses = ", ".join(
        f"coalesce(sum(CASE WHEN ',' || channels || ',' LIKE '%,{channel},%' THEN 1 ELSE 0 END), 0)"
        for channel in ("platform", "wechat", "phone")
    )
    sql = f"SELECT {uses} FROM events e WHERE at >= ? AND at < ? AND action = 'escalate' AND {_STANDS}"
    return conn.execute(sql, (start, end)).fetchone()


def overdue_by_day(conn: sqlite3.Connection, start: str, end: str, limits: dict) -> list[tuple]:
    """(day, warnings of that day overdue now): never kept, since it changes with the clock; few, from indexes."""
    sql = (
        "SELECT substr(time, 1, 10) AS day, count(*) FROM warnings"
        f" WHERE time >= :start AND time < :end AND id IN ({_OVERDUE_IDS}) GROUP BY day"
    )
    return conn.execute(sql, {"start": start, "end": end, **limits}).fetchall()


def stop_payment_accounts(conn: sqlite3.Connection, warning_ids: list[str]) -> dict[str, list[str]]:
    """The receiving accounts of each warning's requests (in full: the caller masks them)."""
    accounts: dict[str, list[str]] = {}
    for start in range(0, len(warning_ids), 500):
        chunk = warning_ids[start : start + 500]
        sql = f"SELECT warning_id, account FROM stop_payments WHERE warning_id IN ({', '.join('?' * len(chunk))})"
        for warning_id, account in conn.execute(sql + " ORDER BY id", chunk):
            accounts.setdefault(warning_id, []).append(account)
    return accounts


def export_rows(conn: sqlite3.Connection, start: str, end: str) -> list[dict]:
    """Each warning of [start, end) with its disposition, for reporting back to the platform."""
    cursor = conn.execute(_EXPORT_ROWS, {"start": start, "end": end})
    return [dict(zip(_EXPORT_KEYS, row, strict=True)) for row in cursor]


# Minutes between two stored times: julianday and a two-argument max are SQLite's (PostgreSQL: GREATEST(0,
# EXTRACT(EPOCH FROM b - a) / 60)).
def _minutes(start: str, end: str) -> str:
    # never below 0: a warning stamped ahead of this desk's clock, or a call logged --at before its import
    return f"max(0, round((julianday({end}) - julianday({start})) * 1440, 1))"


def first_call_minutes(conn: sqlite3.Connection, start: str, end: str) -> list[tuple]:
    """(risk level, minutes, warnings): how many warnings of [start, end) were first called after how many minutes
    from their own time. Counts of each value, from which any median or P90 is exact, and which add up over days."""
    sql = f"""
        SELECT risk_level, {_minutes("time", "first_call_at")} AS minutes, count(*) FROM warnings
        WHERE time >= ? AND time < ? AND first_call_at IS NOT NULL GROUP BY risk_level, minutes"""
    return conn.execute(sql, (start, end)).fetchall()


def stop_payment_minutes(conn: sqlite3.Connection, start: str, end: str) -> list[tuple]:
    """(minutes, results): how many results recorded in [start, end) came how many minutes after the request."""
    sql = f"""
        SELECT {_minutes("requested_at", "result_at")} AS minutes, count(*) FROM stop_payments
        WHERE result_at >= ? AND result_at < ? GROUP BY minutes"""
    return conn.execute(sql, (start, end)).fetchall()


def stop_payment_counts(conn: sqlite3.Connection, start: str, end: str) -> list[tuple]:
    """(status, requests, kept fen): requests made in [start, end) under 'requested', and results recorded in it
    under their status."""
    sql = """
        SELECT 'requested', count(*), 0 FROM stop_payments WHERE requested_at >= :start AND requested_at < :end
        UNION ALL
        SELECT status, count(*), sum(kept_fen) FROM stop_payments
        WHERE result_at >= :start AND result_at < :end GROUP BY status"""
    return [row for row in conn.execute(sql, {"start": start, "end": end}) if row[1]]


# --- figures kept per day ---------------------------------------------------------------------------------------
# A day's figures, once computed, are kept in day_figures until a write touches that day: the triggers of
# migration 0006 delete a day's row whenever a warning of that day is changed (or moved or deleted, by another
# program), an event is logged on it or done that day (or an act of that day is undone), or a stop-payment of
# that day is made or answered; and the days of the warnings added since the last check (rowid past
# day_figures_checked.upto) are taken afresh. Any writer, this program or another, keeps them true. Figures are
# kept optimistically: computed in a read transaction and kept only if nothing was written since it began;
# otherwise they are shown and not kept.


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction, so that all the figures of a report come from one state of the database."""
    with _database_errors(conn):
        conn.execute("BEGIN DEFERRED")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            _rollback(conn)


def kept_figures(conn: sqlite3.Connection, first: str, last: str, version: int) -> tuple[dict[str, str], dict]:
    """The kept figures (JSON) of the days from ``first`` to ``last`` that still hold, as kept by ``version`` of
    their form; and what the check found, for keep_figures: the days with warnings added since, and the newest."""
    upto = conn.execute("SELECT coalesce(max(upto), 0) FROM day_figures_checked").fetchone()[0]
    added = "SELECT DISTINCT substr(time, 1, 10) FROM warnings WHERE rowid > ?"
    stale = {row[0] for row in conn.execute(added, (upto,))}
    newest = conn.execute("SELECT coalesce(max(rowid), 0) FROM warnings").fetchone()[0]
    sql = "SELECT day, figures FROM day_figures WHERE day >= ? AND day <= ? AND version = ?"
    kept = {day: figures for day, figures in conn.execute(sql, (first, last, version)) if day not in stale}
    return kept, {"stale": sorted(stale), "newest": newest, "upto": upto}


def keep_figures(conn: sqlite3.Connection, days: list[tuple[str, str]], version: int, checked: dict) -> bool:
    """At the end of a snapshot, keep the figures computed in it and what kept_figures checked, if nothing was
    written since it began; else keep nothing. A database this user may not write, or one busy, is left as it
    is: keeping is only ever a saving."""
    if not (days or checked["newest"] != checked["upto"]) or not conn.in_transaction:
        return False
    try:
        conn.execute("PRAGMA busy_timeout = 0")  # a writer at work means the snapshot is outdated: no use waiting
        conn.executemany("DELETE FROM day_figures WHERE day = ?", [(day,) for day in checked["stale"]])
        conn.execute("DELETE FROM day_figures_checked")
        conn.execute("INSERT INTO day_figures_checked (upto) VALUES (?)", (checked["newest"],))
        conn.executemany(
            "INSERT OR REPLACE INTO day_figures (day, version, figures) VALUES (?, ?, ?)",
            [(day, version, figures) for day, figures in days],
        )
        conn.execute("COMMIT")
        return True
    except (sqlite3.OperationalError, DatabaseError):  # busy, outdated snapshot, read-only file, full disk
        _rollback(conn)
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")


# --- query plans ----------------------------------------------------------------------------------------------


class _Recorder:
    """A connection that notes every statement run through it with its parameters (for plans_of)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn, self.statements = conn, []

    def execute(self, sql: str, params=()):
        self.statements.append((sql, params))
        return self._conn.execute(sql, params)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def plans_of(
    conn: sqlite3.Connection, call: Callable[[sqlite3.Connection], object], *, writes: bool = False
) -> list[tuple[str, list[str]]]:
    """The plan of every statement that ``call(conn)`` runs through ``execute``, as run (its text and its
    parameters bound, as SQLite plans it): the real statements, never a restatement. The call is made once for
    real; one that ``writes`` (and opens no transaction of its own) runs inside a savepoint rolled back after."""
    recorder = _Recorder(conn)
    if writes:
        conn.execute("SAVEPOINT plans_of")
    try:
        call(recorder)  # type: ignore[arg-type]
        return [
            (sql, [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)])
            for sql, params in recorder.statements
            if sql.lstrip().upper().startswith(("SELECT", "WITH", "UPDATE", "DELETE", "INSERT"))
        ]
    finally:
        if writes and conn.in_transaction:
            conn.execute("ROLLBACK TO plans_of")
            conn.execute("RELEASE plans_of")


# The queries `next`, `log` and the reminder run on every call, as they run: their plans are read on a large
# database by tests (tests/test_store.py) and the benchmark (bench/bench_commands.py).
_AT = "2026-11-24 12:00:00"
_CUTOFFS = dict.fromkeys(("now", "hold_cutoff", "station_cutoff", "station_cutoff_urgent", "stop_pay_cutoff"), _AT)
HOT_QUERIES: dict[str, Callable[[sqlite3.Connection], object]] = {
    "queue_head": lambda conn: queue_head(conn, _AT),
    "take_head": lambda conn: take_head(conn, "o", _AT),
    "stale_holds": lambda conn: stale_holds(conn, _AT),
    "held_by": lambda conn: held_by(conn, "o"),
    "count_received": lambda conn: count_received(conn, _AT[:10]),
    "count_overdue": lambda conn: count_overdue(conn, _CUTOFFS),
}


def query_plan(conn: sqlite3.Connection, name: str) -> list[str]:
    """The plan of one of the hot queries, every statement's steps in turn."""
    return [step for _, plan in plans_of(conn, HOT_QUERIES[name], writes=True) for step in plan]


# --- export by action -----------------------------------------------------------------------------------------
# The warnings acted on in [start, end), whatever their own time: `export --by action` (a day spent on the
# backlog, reported back to the platform) and the summary's earlier warnings. Found from the standing events of
# the range through the index events_at, then each warning by its id: never a read of all warnings.
# Acting on a warning is a disposition: a call, an SMS, an escalation, a visit result, a stop-payment (request or
# result). A take, a release (a skip), a note, an edit of the imported data, a reclaim and an undo are not.

DISPOSITIONS = ("call", "sms", "escalate", "visit", "stop-pay")
_DISPOSING = ", ".join(f"'{action}'" for action in DISPOSITIONS)
_DISPOSED_IN_RANGE = f"e.at >= :start AND e.at < :end AND e.action IN ({_DISPOSING}) AND {_STANDS}"
# The columns of an export: a warning's whole disposition as it stands now, for the warnings a query chose. The
# events and stop-payments of the chosen warnings are each read once, by the warning (INDEXED BY: with the
# statistics of a small database SQLite would rather walk all events by time), and counted per warning; its last
# call is the greatest of its calls' time and id, which carries the outcome after them. MATERIALIZED and CROSS
# JOIN keep SQLite to this order even where ORDER BY w.time would tempt it to walk the whole time index instead.
_EXPORT_KEYS = (
    *_WARNING_ROW,
    "calls",
    "last_outcome",
    "escalations",
    "visit_count",
    "stop_pays",
    "stop_fen",
    "kept_fen",
)
# the time padded to 32 characters (fanzha writes 19; another program may write fewer or more), the id to 20:
# the outcome from the 53rd character
_LAST_CALL = "printf('%!-32.32s%020d', e.at, e.id) || coalesce(e.outcome, '')"  # !: characters, not bytes


def _export_sql(chosen: str, *more: str) -> str:
    """The export's rows for the warnings ``chosen`` names (a query of their ``id``, and of ``more`` columns)."""
    return f"""
        WITH chosen AS MATERIALIZED ({chosen}),
        acts AS MATERIALIZED (
            SELECT e.warning_id,
                sum(CASE WHEN e.action = 'call' THEN 1 ELSE 0 END) AS calls,
                max(CASE WHEN e.action = 'call' THEN {_LAST_CALL} END) AS last_call,
                sum(CASE WHEN e.action = 'escalate' THEN 1 ELSE 0 END) AS escalations,
                sum(CASE WHEN e.action = 'visit' THEN 1 ELSE 0 END) AS visits
            FROM chosen c CROSS JOIN events e INDEXED BY events_warning ON e.warning_id = c.id
            WHERE e.action IN ('call', 'escalate', 'visit') AND {_STANDS} GROUP BY e.warning_id
        ),
        pays AS MATERIALIZED (
            SELECT s.warning_id, count(*) AS requests, sum(s.amount_fen) AS fen, sum(s.kept_fen) AS kept
            FROM chosen c CROSS JOIN stop_payments s ON s.warning_id = c.id GROUP BY s.warning_id
        )
        SELECT {", ".join(f"w.{column}" for column in _WARNING_ROW)}, coalesce(a.calls, 0), substr(a.last_call, 53),
            coalesce(a.escalations, 0), coalesce(a.visits, 0), coalesce(p.requests, 0), p.fen, p.kept
            {"".join(f", c.{column}" for column in more)}
        FROM chosen c CROSS JOIN warnings w ON w.id = c.id
            LEFT JOIN acts a ON a.warning_id = c.id LEFT JOIN pays p ON p.warning_id = c.id
        ORDER BY w.time, w.id"""


_EXPORT_ROWS = _export_sql("SELECT id FROM warnings WHERE time >= :start AND time < :end")
_ACTED_ON_ROWS = _export_sql(
    f"SELECT e.warning_id AS id, count(*) AS actions FROM events e WHERE {_DISPOSED_IN_RANGE} GROUP BY e.warning_id",
    "actions",
)


def export_query() -> str:
    """The text of export_rows' query (named parameters :start and :end), for the benchmark's sqlite3 shell."""
    return _EXPORT_ROWS


def acted_on_export_rows(conn: sqlite3.Connection, start: str, end: str) -> list[dict]:
    """Each warning acted on in [start, end), in export_rows' form, with ``actions``: its dispositions in the range."""
    keys = (*_EXPORT_KEYS, "actions")
    return [dict(zip(keys, row, strict=True)) for row in conn.execute(_ACTED_ON_ROWS, {"start": start, "end": end})]


# The warnings received before [start, end) and acted on in it, by the day they were received: driven by the
# range's events (a day's summary), or by the warnings of given days of receipt (a range's total, which looks up
# only the days its kept days name).
_EARLIER_COUNTS = """substr(w.time, 1, 10) AS received, count(DISTINCT e.warning_id),
    sum(CASE WHEN e.action = 'call' THEN 1 ELSE 0 END),
    count(DISTINCT CASE WHEN e.action = 'escalate' THEN e.warning_id END)"""
_EARLIER_BY_EVENTS = f"""
    SELECT {_EARLIER_COUNTS} FROM events e CROSS JOIN warnings w ON w.id = e.warning_id
    WHERE {_DISPOSED_IN_RANGE} AND w.time < :start GROUP BY received"""
_EARLIER_BY_WARNINGS = f"""
    SELECT {_EARLIER_COUNTS} FROM warnings w CROSS JOIN events e INDEXED BY events_warning ON e.warning_id = w.id
    WHERE w.time >= :received AND w.time < :received_end AND {_DISPOSED_IN_RANGE} GROUP BY received"""


def earlier_acted_on(conn: sqlite3.Connection, start: str, end: str, received: list[str] | None = None) -> list:
    """(day received, warnings, calls, escalated): the warnings received before ``start``, or on one of the days
    ``received`` (YYYY-MM-DD, each before ``start``), that were acted on in [start, end); the standing calls on
    them; and how many of them were handed to a station."""
    params = {"start": start, "end": end}
    if received is None:
        return conn.execute(_EARLIER_BY_EVENTS, params).fetchall()
    rows = []
    for day in received:
        bounds = {"received": f"{day} 00:00:00", "received_end": f"{day} 24:00:00"}
        rows += conn.execute(_EARLIER_BY_WARNINGS, params | bounds).fetchall()
    return rows


# --- find and take (SPEC §3) ---------------------------------------------------------------------------------
# A person calls back after the SMS: `find` looks the warning up by phone (all of it, or its last four digits),
# name (as written, or its start) or id (as typed, or a tail of it, any case), open and closed; a warning id is
# typed anywhere as such a tail too (desk.Desk.get). Each kind reads one index of migration 0005, written here in
# exactly the index's expression, and (but a name's start) comes out newest first in the index's own order.

_FOUND_ROW = ("rowid", *_WARNING_ROW, "earlier_warnings")
# The same phone's warnings before this one (by time, then as imported): "known: N earlier warnings".
_EARLIER = (
    "(SELECT count(*) FROM warnings o WHERE substr(o.phone, -4) = substr(w.phone, -4) AND o.phone = w.phone"
    " AND o.time <= w.time AND (o.time < w.time OR o.rowid < w.rowid))"
)
_FOUND_SELECT = f"SELECT w.rowid, {', '.join(f'w.{column}' for column in _WARNING_ROW)}, {_EARLIER} FROM warnings w"
_NEWEST_FIRST = "ORDER BY w.time DESC, w.rowid DESC LIMIT :limit"
_ID_TAIL = "lower(substr(w.id, -4)) = lower(substr(:tail, -4)) AND substr(lower(w.id), -length(:tail)) = lower(:tail)"
FIND = {
    # the last four digits of the phone
    "phone_tail": f"{_FOUND_SELECT} WHERE substr(w.phone, -4) = :tail {_NEWEST_FIRST}",
    # all eleven digits: the same index, then the whole number on the few rows found (the + keeps SQLite from
    # putting the number itself into substr(phone, -4), which would leave no term for the index to read)
    "phone": f"{_FOUND_SELECT} WHERE substr(w.phone, -4) = substr(:phone, -4) AND +w.phone = :phone {_NEWEST_FIRST}",
    "name": f"{_FOUND_SELECT} WHERE w.name = :name {_NEWEST_FIRST}",
    # names that start with it (not the name itself): a range of the same index, which may be long (a surname,
    # 周: a twentieth of all), so sorted on the index alone and only the newest rows read from the table
    "name_start": (
        f"{_FOUND_SELECT} WHERE w.rowid IN (SELECT rowid FROM warnings WHERE name > :name AND name < :name_end"
        f" ORDER BY time DESC, rowid DESC LIMIT :limit) ORDER BY w.time DESC, w.rowid DESC"
    ),
    # an id tail of four characters or more, any case; the whole id is a tail of itself
    "id_tail": f"{_FOUND_SELECT} WHERE {_ID_TAIL} {_NEWEST_FIRST}",
    # an id exactly as typed, or as it is stored (an id shorter than a tail, one stored with invisible characters)
    "id": f"{_FOUND_SELECT} WHERE w.id IN (:typed, :id) LIMIT :limit",  # two at most: sorted by the caller
}


def find_warnings(conn: sqlite3.Connection, kind: str, limit: int | None = None, **params: str) -> list[dict]:
    """The warnings of one kind of ``FIND``, newest first, each with ``rowid`` and ``earlier_warnings``;
    ``limit`` None for all of them."""
    params["limit"] = -1 if limit is None else limit
    if kind == "name_start":
        params["name_end"] = params["name"] + "\U0010ffff"  # every name that starts with it sorts below this
    return [dict(zip(_FOUND_ROW, row, strict=True)) for row in conn.execute(FIND[kind], params)]


def find_plan(conn: sqlite3.Connection, kind: str) -> list[str]:
    """The plan of one kind of ``FIND``, as find_warnings runs it, for tests and benchmarks."""
    params = {"tail": "0008", "phone": "10012340008", "name": "周某", "typed": "wh0008", "id": "WH0008"}
    return [step for _, plan in plans_of(conn, lambda c: find_warnings(c, kind, 20, **params)) for step in plan]


def last_take_details(conn: sqlite3.Connection, warning_id: str) -> str | None:
    """The details of the latest take of a warning (`take` keeps there the state it was taken from)."""
    row = conn.execute(
        "SELECT details FROM events WHERE warning_id = ? AND action = 'take' ORDER BY id DESC LIMIT 1", (warning_id,)
    ).fetchone()
    return row and row[0]
