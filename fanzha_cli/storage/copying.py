"""`fanzha db copy`: a whole history from one store to another, either engine to either (SPEC §8), through the
Store protocol alone; then checked: every table's rows counted on both sides, and the event log's checksum."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.model import TABLE_COLUMNS, TABLE_KEYS, TABLES

if TYPE_CHECKING:
    from fanzha_cli.storage.protocol import Store

# Rows the destination may hold beyond the source's: its own station list and settings.
_UNION_TABLES = ("stations", "settings")
# Each database's own record of what it showed (the access log), numbered on each side independently after a copy:
# under --merge, where both hold a number the destination keeps its own row (the source's stays in the source).
_OWN_TO_EACH = ("access_log",)


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
    passed = _Passed(merge)
    with source.snapshot(), dest.transaction():
        added = {
            table: dest.load_rows(table, passed.noted(table, source.table_rows(table)), merge=merge) for table in TABLES
        }
        dest.after_load()
        checked = _checked(source, dest, passed)  # before the commit: a mismatch keeps nothing
    return {"added": added, **checked}


class _Passed:
    """The source's rows summed up as they pass into the destination, so that the source is read once: the event
    log's SHA-256 (every event, column by column, in the order of their ids) and, under --merge, a 16-byte digest
    of each row by its key (not the rows themselves: a city's history is not held in memory)."""

    def __init__(self, merge: bool) -> None:
        self.merge = merge
        self.event_log = hashlib.sha256()
        self.digests: dict[str, dict[tuple, bytes]] = {table: {} for table in TABLES}

    def noted(self, table: str, rows: Iterable) -> Iterator[tuple]:
        keys = [TABLE_COLUMNS[table].index(column) for column in TABLE_KEYS[table]]
        digests = self.digests[table]
        for row in rows:
            if table == "events":
                self.event_log.update(repr(tuple(row)).encode())
            if self.merge:
                digests[tuple(row[i] for i in keys)] = _digest(row)
            yield row


def _checked(source: Store, dest: Store, passed: _Passed) -> dict:
    counts, there = source.describe()["counts"], dest.describe()["counts"]
    for table in TABLES:
        short = there[table] < counts[table]
        if short or (not passed.merge and table not in _UNION_TABLES and there[table] != counts[table]):
            raise CopyMismatch(
                f"after the copy {dest.where} holds {there[table]:,} {table} rows against {counts[table]:,} in the"
                " source: check both"
            )
    if passed.merge:
        for table in TABLES:
            if table not in (*_UNION_TABLES, *_OWN_TO_EACH, "events"):
                _same_where_both(passed.digests[table], dest, table)
    checksum = passed.event_log.hexdigest()
    if _event_log(dest, passed.digests["events"].keys() if passed.merge else None) != checksum:
        if passed.merge:  # the ids were there already, with other contents: another history, not an earlier copy
            raise CopyMismatch(_another_history(dest, "events"))
        raise CopyMismatch(f"the event log in {dest.where} differs from the source's after the copy: check both")
    return {"counts": counts, "event_log_sha256": checksum}


def _same_where_both(theirs: dict[tuple, bytes], dest: Store, table: str) -> None:
    """Under --merge, a row whose key both sides hold must be the same row: the destination kept its own, so a
    different one (another desk's batch 1, a warning worked further on one side) would leave the copy wrong."""
    keys = [TABLE_COLUMNS[table].index(column) for column in TABLE_KEYS[table]]
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


def _event_log(store: Store, only=None) -> str:
    """SHA-256 of the store's events (only those whose ids are in ``only``, when given), as ``_Passed`` sums the
    source's: column by column, in the order of their ids."""
    digest = hashlib.sha256()
    for row in store.table_rows("events"):  # in the order of their ids, on every engine
        if only is None or (row[0],) in only:
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
