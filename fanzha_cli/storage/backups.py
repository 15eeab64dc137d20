"""Backups (SPEC §10): a whole, consistent copy of the data, written where no reader can mistake half of one for a
backup, and rotated.

The engine writes the copy (Store.write_backup: SQLite's backup API, PostgreSQL's pg_dump); this module gives it a
name, writes it under a temporary name readable by its owner only, makes it durable, and only then renames it to
its final name, so that a copy cut short (a kill, a full disk, a power cut) is never found under a backup's name.
The newest ``backup_keep`` copies of a database are kept in a folder; older ones go.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

from fanzha_cli.domain.errors import DatabaseError

# a temporary copy, and SQLite's journal beside it
_PARTIAL = re.compile(r"^\.(fanzha-.+)\.partial-(\d+)(-journal|-wal|-shm)?$")


def default_folder(location: Path | str) -> Path:
    """Beside a database file, in ``backups/``; for a server, in the per-user data directory's ``backups/``."""
    from fanzha_cli.storage.location import default_db_path, is_server

    return (default_db_path().parent if is_server(location) else Path(location).parent) / "backups"


def _suffix(location: Path | str) -> str:
    """A SQLite file's copy is a database file; a server's, pg_dump's own format."""
    from fanzha_cli.storage.location import is_server

    return ".dump" if is_server(location) else ".db"


def name_of(location: Path | str) -> str:
    """The database's own name in its backups' names: the file's stem, or the server's database."""
    from fanzha_cli.storage.location import is_server

    if is_server(location):
        name = str(location).split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "postgres"
    else:
        name = Path(location).stem
    return re.sub(r"[^\w.-]", "_", name) or "fanzha"


def target(folder_or_file: Path | None, location: Path | str, *, label: str = "") -> tuple[Path, bool]:
    """Where a backup goes, and whether it is one of a folder's rotated copies (a file named by the officer is
    not): ``fanzha-<name>-<YYYYMMDD-HHMMSS><label><suffix>`` in the folder, a second one in the same second
    numbered."""
    chosen = folder_or_file or default_folder(location)
    if chosen.exists() and not chosen.is_dir():
        raise DatabaseError(f"{chosen} exists already: name a new file, or a folder for the backups")
    if not chosen.is_dir() and chosen.suffix:  # a new file the officer named
        return chosen, False
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base, suffix = f"fanzha-{name_of(location)}-{stamp}{label}", _suffix(location)
    path, n = chosen / f"{base}{suffix}", 1
    while path.exists():
        n += 1
        path = chosen / f"{base}-{n}{suffix}"
    return path, True


def write(write_copy, final: Path) -> Path:
    """``write_copy(path)`` (a store's write_backup) into a temporary name beside ``final`` (mode 600), made durable,
    then renamed to ``final``."""
    folder = final.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _clear_abandoned(folder)
        temporary = folder / f".{final.name}.partial-{os.getpid()}"
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise DatabaseError(f"cannot write a backup in {folder}: {exc.strerror or exc}") from None
    try:
        write_copy(temporary)
        os.chmod(temporary, 0o600)  # whatever the engine's tool did to it
        _sync(temporary)
        os.replace(temporary, final)
        _sync(folder)
    except OSError as exc:
        _remove(temporary)
        raise DatabaseError(f"cannot write the backup {final}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(temporary)
        raise
    return final


def _remove(temporary: Path) -> None:
    for path in (temporary, *(temporary.with_name(temporary.name + end) for end in ("-journal", "-wal", "-shm"))):
        path.unlink(missing_ok=True)


def before_upgrade(write_copy, location: Path | str, schema: int, keep: int) -> Path:
    """The copy made before a migration changes anything (SPEC §10), among the rotated ones."""
    final, _ = target(None, location, label=f"-before-schema-{schema}")
    write(write_copy, final)
    rotate(final.parent, location, keep)
    return final


def rotate(folder: Path, location: Path | str, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups of this database in ``folder``; the removed ones. Only its plain
    ones, named by time: never another database's (``fanzha-fz-old-…`` is not ``fz``'s), nor a copy made before a
    migration or kept by a restore (``-before-schema-N``, ``-replaced``), which stay until removed by hand."""
    plain = re.compile(rf"fanzha-{re.escape(name_of(location))}-\d{{8}}-\d{{6}}(-\d+)?{re.escape(_suffix(location))}")
    mine = sorted(
        (path for path in folder.iterdir() if plain.fullmatch(path.name) and path.is_file()),
        key=lambda path: (path.stat().st_mtime, path.name),
    )
    gone = mine[: max(0, len(mine) - keep)]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def _clear_abandoned(folder: Path) -> None:
    """Temporary copies left by a backup that was killed: their process is gone."""
    for path in folder.iterdir():
        match = _PARTIAL.match(path.name)
        if match and not _alive(int(match.group(2))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
