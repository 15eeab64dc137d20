"""Storage: the ``Store`` interface (storage.protocol), the one place that knows an engine, and ``open_store``,
which picks the engine from where the data is. Nothing outside this package imports a driver or holds SQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fanzha_cli.storage.protocol import Store


def open_store(location: str | Path, *, create: bool = False) -> Store:
    """The store at ``location``: a PostgreSQL server's URL (``postgresql://`` or ``postgres://``: centre mode,
    SPEC §8), or a file's path (SQLite), created if need be when ``create``. Any other address is refused, never
    taken for a file's path, its password never repeated."""
    from fanzha_cli.storage.location import is_server, refuse_a_url

    refuse_a_url("the database location", str(location))
    if is_server(location):
        from fanzha_cli.storage.postgres.store import PostgresStore

        return PostgresStore.open(str(location).strip(), create=create)
    from fanzha_cli.storage.sqlite.store import SqliteStore

    return SqliteStore.open(location, create=create)
