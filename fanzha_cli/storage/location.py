"""Where the data is: ``--db``, else ``FANZHA_DB``, else the per-user data directory (SPEC §4)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from fanzha_cli.domain.errors import DatabaseError

# A location with a scheme is a server's, not a file: never a folder named `postgresql:` made in the current one.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


SERVER_SCHEMES = ("postgresql", "postgres")


def is_server(location: str | Path) -> bool:
    """A PostgreSQL server's URL (centre mode, SPEC §8), not a file's path."""
    text = str(location).strip()
    return bool(_URL.match(text)) and text.split("://", 1)[0].lower() in SERVER_SCHEMES


def refuse_a_url(source: str, location: str) -> None:
    """An address of anything but a PostgreSQL server is not a file's path: refused in one line that never
    repeats it (it may carry a password)."""
    if _URL.match(location.strip()) and not is_server(location):
        scheme = location.strip().split("://", 1)[0].lower()
        raise DatabaseError(f"{source} is a {scheme}:// address, not a database file nor a PostgreSQL server")


def default_db_path() -> Path:
    """The per-user data directory's database, by each platform's convention."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "fanzha" / "fanzha.db"


def resolve_db_path(option: str | None = None) -> Path | str:
    """``--db``, else ``FANZHA_DB``, else the per-user default (SPEC §4): a file's path, or a PostgreSQL server's
    URL as given (libpq reads it, with its environment and files).

    Refuses what cannot hold the officer's work: an empty ``--db``, and ``:memory:``, which would import and keep
    nothing. (The library's own ``open_store(":memory:")`` stays open to tests.)
    """
    if option is not None:
        source, chosen = "--db", option
    else:
        source, chosen = "FANZHA_DB", os.environ.get("FANZHA_DB") or None  # an empty variable counts as unset
    if chosen is not None and not chosen.strip():
        raise DatabaseError(f"{source} is empty: name the database file")
    if chosen is not None and chosen.strip() == ":memory:":
        raise DatabaseError(f"{source} :memory: would keep nothing once the command ends: name a database file")
    if chosen is not None:
        refuse_a_url(source, chosen)
        if is_server(chosen):
            return chosen.strip()
    try:
        return Path(chosen).expanduser() if chosen else default_db_path()
    except (RuntimeError, KeyError, OSError) as exc:  # ~nosuchuser, or no home directory to be found
        raise DatabaseError(f"cannot find the database path {shown(chosen or '~')}: {exc}") from None


def shown(path: Path | str) -> str:
    """A path for a message: in full unless it is absurdly long."""
    text = str(path)
    return text if len(text) <= 160 else f"{text[:60]}…{text[-60:]} ({len(text):,} characters)"
