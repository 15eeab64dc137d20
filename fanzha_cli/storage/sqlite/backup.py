"""SQLite's side of backups (SPEC §10): SQLite's own backup API, which copies a consistent state of the file while
desks keep working (the copy reads one snapshot; writers go on in the WAL), and the checks a copy must pass before
it replaces anything."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

from fanzha_cli.domain.errors import DatabaseError, NotADatabase, SchemaTooNew
from fanzha_cli.domain.model import TABLES


def write(conn: sqlite3.Connection, path: Path) -> None:
    """A copy of the whole database into the (empty) file at ``path``, in one step: one snapshot of the source.
    The copy keeps its own rollback journal (no WAL beside a backup) and is checked before it is kept."""
    copy = sqlite3.connect(path, isolation_level=None)
    try:
        conn.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        checked = copy.execute("PRAGMA quick_check").fetchone()[0]
        if checked != "ok":
            raise DatabaseError(f"the copy did not pass SQLite's check ({checked}): nothing kept")
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot copy the database: {exc}") from None
    finally:
        copy.close()


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, isolation_level=None)


def check(path: Path, newest_schema: int, schema_of) -> dict:
    """What a backup holds ({"schema", "counts"}), once it has passed SQLite's integrity check and shown itself a
    fanzha database this fanzha can read (``schema_of``: connect's reading of a file's version and foreign tables);
    else one line saying why not, and nothing changed."""
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder: name one backup in it (`ls {path}`)")
    if not path.is_file():
        raise DatabaseError(f"there is no backup at {path}")
    try:
        conn = _read_only(path)
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot read {path}: {exc}") from None
    try:
        checked = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if checked != ["ok"]:
            raise NotADatabase(f"{path} is damaged ({checked[0]}): not restored")
        version, foreign = schema_of(conn)
        if foreign is not None or version == 0:
            raise NotADatabase(f"{path} is not a fanzha backup (no fanzha tables in it): not restored")
        if version > newest_schema:
            raise SchemaTooNew(f"{path} was written by a newer fanzha (schema {version}): upgrade fanzha to restore it")
        present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES if t in present}
        return {"schema": version, "counts": counts}
    except sqlite3.DatabaseError as exc:  # not a database at all: a text file, a pg_dump archive
        raise NotADatabase(f"{path} is not a fanzha backup ({exc}): not restored") from None
    finally:
        conn.close()


def restore(path: Path, into: sqlite3.Connection | Path) -> None:
    """The backup's pages into the database (an open one, locked by SQLite for the copy; or a new file)."""
    source = _read_only(path)
    target = sqlite3.connect(into, isolation_level=None) if isinstance(into, Path) else into
    try:
        source.backup(target)
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc) or "page size" in str(exc):  # WAL: the page size cannot change under it
            raise DatabaseError(
                f"{path} has pages of another size than the database: restore it into a new file"
                " (`fanzha --db NEW.db restore PATH`), then use that file"
            ) from None
        raise DatabaseError(f"cannot restore {path}: {exc}") from None
    finally:
        source.close()
        if target is not into:
            target.close()
