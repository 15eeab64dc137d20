"""Storage: the ``Store`` interface (storage.protocol), the one place that knows an engine, and ``open_store``,
which picks the engine from where the data is. Nothing outside this package imports a driver or holds SQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fanzha_cli.storage.protocol import Store


def open_store(location: str | Path, *, create: bool = False) -> Store:
    """The store at ``location``: a file's path (SQLite), created if need be when ``create``. A server's URL is
    refused, its password never repeated, until centre mode comes (SPEC §8): never taken for a file's path."""
    from fanzha_cli.storage.location import refuse_a_url
    from fanzha_cli.storage.sqlite.store import SqliteStore

    refuse_a_url("the database location", str(location))

    return SqliteStore.open(location, create=create)
