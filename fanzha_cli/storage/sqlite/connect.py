"""SQLite's side of the storage: where the file is made (private to its owner), how it is opened (WAL, the
pragmas, the migrations when the schema is behind), the transactions, and SQLite's errors in the program's words.

The commands an officer runs all day open the database with the standard library's ``sqlite3`` alone; the
migration machinery (sqlite-utils) is imported only when ``PRAGMA user_version`` says the schema is behind.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from fanzha_cli.domain.errors import (
    DatabaseBusy,
    DatabaseError,
    DatabaseUnreachable,
    NoDatabase,
    NotADatabase,
    SchemaTooNew,
)
from fanzha_cli.storage.location import shown as _shown
from fanzha_cli.storage.writes import note_commit

# The number of migrations (storage.sqlite.migrations); kept here so that opening an up-to-date database does
# not import them. tests/test_store.py checks that the two agree.
SCHEMA_VERSION = 14


BUSY_TIMEOUT_SECONDS = 30.0


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
            raise NoDatabase(_shown(path)) from None
        _create_private(path)
        return
    if stat.S_ISDIR(mode):
        raise NotADatabase(f"database path {_shown(path)} is a directory")
    if not stat.S_ISREG(mode):  # a device, a pipe: SQLite would block on it or write into it
        raise NotADatabase(f"database path {_shown(path)} is not a regular file")


class Connection(sqlite3.Connection):
    """A connection to fanzha's database. A failure of the disk, the file or a lock (busy, full, read-only, not a
    database) comes out of any statement as the program's own exception (domain.errors.DatabaseBusy, ...), whoever runs
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


def connect(path: Path | str, *, create: bool = True) -> Connection:
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
        if version > 0 and str(path) != ":memory:":
            _copy_before_upgrade(conn, Path(path))
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


def _copy_before_upgrade(conn: sqlite3.Connection, path: Path) -> None:
    """A backup before the migrations change anything (SPEC §10), beside the file in backups/; none, no upgrade."""
    import fanzha_cli.storage.backups as backups
    from fanzha_cli.domain.settings import SETTINGS
    from fanzha_cli.storage.sqlite import backup

    keep = SETTINGS["backup_keep"][0]
    with suppress(sqlite3.Error, ValueError, TypeError):  # a database from before settings, or a value not a number
        keep = int(conn.execute("SELECT value FROM settings WHERE key = 'backup_keep'").fetchone()[0])
    try:
        backups.before_upgrade(lambda copy: backup.write(conn, copy), path, SCHEMA_VERSION, keep)
    except DatabaseError as exc:
        raise DatabaseError(f"{_shown(path)} was not upgraded: no copy of it could be made first ({exc})") from None


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if one is still open: SQLite ends some itself when a write fails (a full disk,
    an I/O error). A rollback that fails in turn must not hide the error that called for it."""
    if conn.in_transaction:
        with suppress(sqlite3.Error, DatabaseError):
            conn.execute("ROLLBACK")


@contextmanager
def transaction(conn: sqlite3.Connection, *, durable: bool = True, counted: bool = True) -> Iterator[None]:
    """One write transaction: all of it is stored, or none of it. Taken at once so a reader cannot deadlock us.

    A durable one is on disk when it commits (an fsync, some milliseconds). ``durable=False`` is for writes that
    are harmless to lose in a power cut, such as taking a warning from the queue: in WAL mode the database stays
    sound either way, and the next durable commit carries it to disk.

    A failure of the disk, the file or a lock (a full disk, an I/O error, a read-only file, a database kept busy)
    is raised as a ``DatabaseError`` with its one line; nothing of the transaction is kept. ``counted=False``: a
    record of a showing (the access log), not the command's own act, for the exit code when the output is lost.
    """
    with _database_errors(conn):
        if not durable:
            conn.execute("PRAGMA synchronous = NORMAL")
        try:
            conn.execute("BEGIN IMMEDIATE")
            changes = conn.total_changes
            try:
                yield
            except BaseException:
                _rollback(conn)
                raise
            conn.execute("COMMIT")
            if conn.total_changes > changes and counted:  # `next` showing the warning in hand changes nothing
                note_commit()
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
def rehearsal(conn: sqlite3.Connection) -> Iterator[None]:
    """A transaction that is always rolled back: a dry run does all the work and keeps none of it."""
    with _database_errors(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            _rollback(conn)


BULK_CACHE_KIB = 64 * 1024


@contextmanager
def bulk_insert(conn: sqlite3.Connection) -> Iterator[None]:
    """Around an import's bulk insert, entered outside its transaction (SQLite ignores the pragma inside one):
    foreign keys unchecked, since every row points to the batch row the same transaction has just made (a lookup
    per row saved, ~2% of an import); and a page cache of 64 MiB instead of 2, since the lookup indexes of `find`
    (a phone's and an id's last four, the name) take rows in no order and would otherwise reread their pages
    (a fifth less time for half a million rows)."""
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
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


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction, so that all the figures of a report come from one state of the database."""
    with _database_errors(conn):
        conn.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        if conn.in_transaction:
            _rollback(conn)
