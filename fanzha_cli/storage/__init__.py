"""Storage: the ``Store`` interface (storage.protocol), the one place that knows an engine, and ``open_store``,
which picks the engine from where the data is. Nothing outside this package imports a driver or holds SQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fanzha_cli.storage.protocol import Store


def open_store(location: str | Path, *, create: bool = False) -> Store:
    """The store at ``location``: a file's path (SQLite), created if need be when ``create``. A server's URL is
    refused by ``storage.location.resolve`` until centre mode comes (SPEC §8)."""
    from fanzha_cli.storage.sqlite.store import SqliteStore

    return SqliteStore.open(location, create=create)
