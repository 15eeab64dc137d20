"""`fanzha db copy`: a whole history from one store to another, either engine to either (SPEC §8), through the
Store protocol alone; then checked: every table's rows counted on both sides, and the event log's checksum."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.model import TABLE_COLUMNS, TABLE_KEYS, TABLES

if TYPE_CHECKING:
    from fanzha_cli.storage.protocol import Store

# Rows the destination may hold beyond the source's: its own station list and settings.
_UNION_TABLES = ("stations", "settings")


class CopyRefused(FanzhaError):
    """The destination already holds warnings and --merge was not given."""


class CopyMismatch(FanzhaError):
    """After the copy, the two sides do not agree."""


def copy(source: Store, dest: Store, *, merge: bool = False) -> dict:
    """Every row of the source into the destination, in one transaction of the destination; returns what was
    added per table and the event log's checksum. Refuses a destination that holds warnings unless ``merge``
    (which adds only the rows whose key is not there)."""
    held = dest.describe()["counts"]["warnings"]
    if held and not merge:
        raise CopyRefused(
            f"{dest.where} already holds {held:,} warnings: nothing copied (--merge adds only what is missing)"
        )
    with source.snapshot(), dest.transaction():
        added = {table: dest.load_rows(table, source.table_rows(table), merge=merge) for table in TABLES}
        dest.after_load()
        checked = _checked(source, dest, merge)  # before the commit: a mismatch keeps nothing
    return {"added": added, **checked}


def _checked(source: Store, dest: Store, merge: bool) -> dict:
    counts, there = source.describe()["counts"], dest.describe()["counts"]
    for table in TABLES:
        short = there[table] < counts[table]
        if short or (not merge and table not in _UNION_TABLES and there[table] != counts[table]):
            raise CopyMismatch(
                f"after the copy {dest.where} holds {there[table]:,} {table} rows against {counts[table]:,} in the"
                " source: check both"
            )
    if merge:
        for table in TABLES:
            if table not in _UNION_TABLES and table != "events":
                _same_where_both(source, dest, table)
    checksum, ids = _event_log(source)
    if _event_log(dest, ids if merge else None)[0] != checksum:
        if merge:  # the ids were there already, with other contents: another history, not an earlier copy of this
            raise CopyMismatch(_another_history(dest, "events"))
        raise CopyMismatch(f"the event log in {dest.where} differs from the source's after the copy: check both")
    return {"counts": counts, "event_log_sha256": checksum}


def _same_where_both(source: Store, dest: Store, table: str) -> None:
    """Under --merge, a row whose key both sides hold must be the same row: the destination kept its own, so a
    different one (another desk's batch 1, a warning worked further on one side) would leave the copy wrong."""
    keys = [TABLE_COLUMNS[table].index(column) for column in TABLE_KEYS[table]]
    theirs = {tuple(row[i] for i in keys): _digest(row) for row in source.table_rows(table)}  # not the rows: a city's
    for row in dest.table_rows(table):
        key = tuple(row[i] for i in keys)
        if key in theirs and theirs[key] != _digest(row):
            raise CopyMismatch(_another_history(dest, table, key))


def _digest(row) -> bytes:
    return hashlib.blake2b(repr(tuple(row)).encode(), digest_size=16).digest()


def _another_history(dest: Store, table: str, key: tuple | None = None) -> str:
    which = f" (first: {', '.join(map(str, key))})" if key else ""
    return (
        f"{dest.where} holds other {table} rows under the source's keys{which}: another desk's history, or one"
        " worked on since the last copy? --merge only completes an earlier copy of the same history, adding what"
        " is missing; nothing copied"
    )


def _event_log(store: Store, only: set | None = None) -> tuple[str, set]:
    """SHA-256 of every event (only those of ``only``'s ids, when given), column by column, in the order of their
    ids; and the ids summed up, so that the source's log is read once."""
    digest, ids = hashlib.sha256(), set()
    for row in store.table_rows("events"):  # in the order of their ids, on every engine
        if only is None or row[0] in only:
            digest.update(repr(tuple(row)).encode())
            ids.add(row[0])
    return digest.hexdigest(), ids
