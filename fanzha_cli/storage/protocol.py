"""The one interface through which the domain and the commands reach fanzha's data (issue 12).

Every engine implements it: today SQLite (``storage.sqlite``), next PostgreSQL (SPEC §8). Its methods take and
return plain values (str, int, dict, list); times are text ``YYYY-MM-DD HH:MM:SS``; a warning is a dict keyed by
the fields of ``domain.model``. Errors of the engine come out as the program's own (``domain.errors``:
DatabaseBusy, DatabaseUnreachable, NotADatabase, SchemaTooNew). Imported for its types only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol


class Store(Protocol):
    """fanzha's data: warnings and their events, batches, stations, settings, stop-payments, kept figures."""

    def close(self) -> None:
        """Close the connection; the store is not used after."""
        ...

    def describe(self) -> dict:
        """The engine (``sqlite``, ``postgresql``), where the data is (no password), the schema's version (the
        migrations applied) and the rows of each table of ``domain.model.TABLES``."""
        ...

    def table_rows(self, table: str) -> Iterator[tuple]:
        """Every row of one of ``domain.model.TABLES``, in ``TABLE_COLUMNS``' order, as written (for `db copy`)."""
        ...

    def load_rows(self, table: str, rows: Iterable[tuple], *, merge: bool) -> int:
        """Add rows as ``table_rows`` gives them, ids kept; returns how many were added. ``merge``: a row whose key
        is there already is left as it is; else the stations' and settings' rows replace those there."""
        ...

    def after_load(self) -> None:
        """After ``load_rows``: whatever numbers new rows (ids, the order of import) goes on past the rows added."""
        ...

    def work_signal(self) -> int | None:
        """A file descriptor that becomes readable when new work may have come (an import by any desk), for an
        idle desk to wait on beside its keyboard; None when the engine has none (then the desk polls)."""
        ...

    def clear_signal(self) -> bool:
        """Read what made ``work_signal`` readable, so that it waits again; whether there was a notice."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc_info) -> None: ...

    @property
    def where(self) -> str:
        """Where the data is, for a message (a file's path; a server's host and database, never a password)."""
        ...

    @property
    def login(self) -> str | None:
        """The server's login acting (SPEC §9): in centre mode it is the officer on every event, whatever the officer
        says. None on one file, where the officer is whoever the desk says it is."""
        ...

    def login_station(self) -> str | None:
        """The station the server's login acts for (its station's group role), None for any other login and on one
        file (where --station says it, a convention)."""
        ...

    def logins(self) -> list[dict]:
        """Centre mode: each login of this database (name, role, station), by role then name."""
        ...

    def add_login(self, name: str, role: str, station: str | None, password: str | None) -> None:
        """Centre mode: a login for one person in the group role of ``role`` (and of ``station``); the password is
        sent to the server hashed, never as written. Raises DatabaseError when the server refuses it."""
        ...

    def remove_login(self, name: str) -> bool:
        """Centre mode: the login leaves this database's roles; dropped from the server when it has no other.
        Whether it was dropped. Its events keep its name."""
        ...

    def purge_candidates(self, before: str) -> list[str]:
        """The closed warnings of before ``before`` (their time and their closing), not purged yet (SPEC §10)."""
        ...

    def purge_key(self, *, create: bool = True) -> str | None:
        """The key of the phones' hashes, made once (``create``) and kept in the database."""
        ...

    def purge_warnings(self, ids: list[str], hash_of, clean, at: str) -> dict:
        """In the caller's transaction: those warnings lose their person's data (``hash_of(phone)`` stays), their
        events' details pass through ``clean``, their stop-payments lose account and note; counts of each."""
        ...

    def count_purged_before(self, phone_hash: str, time: str) -> int:
        """Purged warnings of that phone's hash before ``time``."""
        ...

    def compact(self) -> None:
        """After a purge: no stored page keeps a purged value (SQLite: VACUUM, the WAL emptied)."""
        ...

    def log_access(self, rows: list[dict]) -> None:
        """Add rows to the access log ({"at", "officer", "warning_id", "field", "command"}) in a transaction of their
        own, not waiting for the disk; not counted as the command's own write (the exit code when its output is lost:
        showing again the warning in hand stores no act)."""
        ...

    def access_entries(self, *, officer=None, warning_id=None, start=None, end=None) -> list[dict]:
        """The access log's rows (``ACCESS_ROW``) by time, filtered by officer, warning and [start, end)."""
        ...

    def write_backup(self, path: Path) -> None:
        """A whole, consistent copy of the data into the new, empty file at ``path`` while others keep working
        (storage.backups names it, renames it and rotates the copies)."""
        ...

    def check_backup(self, path: Path) -> dict:
        """What a backup holds ({"schema", "counts"}), once checked as whole and of a schema this fanzha reads;
        raises DatabaseError (NotADatabase, SchemaTooNew) otherwise, having changed nothing."""
        ...

    def restore_backup(self, path: Path) -> None:
        """The backup's data in place of this database's, all of it or none (a checked backup; the caller keeps
        what it replaces first). Open it again after: an older schema is then brought up to date."""
        ...

    def transaction(self, *, durable: bool = True) -> AbstractContextManager:
        """One write transaction: all of it is stored, or none of it. ``durable=False``: harmless to lose in a power
        cut (a take)."""
        ...

    def rehearsal(self) -> AbstractContextManager:
        """A transaction always rolled back: a dry run does all the work and keeps none of it."""
        ...

    def snapshot(self) -> AbstractContextManager:
        """One read transaction, so that all the figures of a report come from one state of the data."""
        ...

    def bulk_insert(self) -> AbstractContextManager:
        """Around an import's transaction: the engine set for a bulk insert, and set back after."""
        ...

    def indexes_built_after(self, rows_expected: int) -> AbstractContextManager:
        """Inside an import's transaction: indexes rebuilt after the insert when that is faster."""
        ...

    def begin_batch(self, *, file: str, officer: str, at: str) -> int:
        """The batch row comes first so that every warning of the file can point to it."""
        ...

    def finish_batch(self, batch_id: int, *, sha256: str, counts: dict[str, int]) -> None: ...

    def insert_new_warnings(self, rows: Iterable[tuple]) -> int:
        """Insert the rows (``domain.model.WARNING_COLUMNS``, then the batch id) whose id is not stored yet;
        returns how many. An optional field (``OPTIONAL_COLUMNS``) given as an empty text is stored as none."""
        ...

    def batches_of_file(self, sha256: str) -> list[dict]:
        """Earlier imports of a file with the same content."""
        ...

    def queue_head(self, now: str, limit: int = 1) -> list[str]:
        """The ids of the most urgent warnings due at ``now``, in the order ``next`` hands them out."""
        ...

    def count_received(self, day: str) -> int:
        """Warnings whose own time falls on ``day`` (YYYY-MM-DD): the day's 'received'."""
        ...

    def get_warning(self, warning_id: str) -> dict | None: ...

    def held_by(self, officer: str) -> dict | None:
        """The warning in this officer's hand, if any."""
        ...

    def station_inbox(self, station: str) -> list[dict]:
        """The warnings handed to ``station`` that wait for its visit result (not closed, not dissuaded), the most
        urgent first, then the longest waiting."""
        ...

    def take_head(self, officer: str, now: str) -> str | None:
        """Hand the head of the queue to ``officer`` in one statement, so that two officers never get the same one."""
        ...

    def queue_outlook(self) -> dict:
        """What an empty queue is waiting for: anything at all, the next retry, the stations, other hands (each an
        index read)."""
        ...

    def skip(self, officer: str, warning_id: str, now: str, until: str) -> None:
        """Not to be handed to ``officer`` again before ``until`` while anything else is due; old skips go."""
        ...

    def stale_holds(self, cutoff: str) -> list[dict]: ...

    def set_state(self, warning_id: str, state: dict, *, edit: bool = False) -> None:
        """Write the state columns given in ``state``; with ``edit``, also the data fields of ``EDITABLE`` (an edit, or
        the undo of one). Any other key is ignored."""
        ...

    def add_events(self, events: list[dict], *, undoes: int | None = None) -> int:
        """Append the events of one act (the officer's one command); returns the act's id, its first event's."""
        ...

    def last_act(self, officer: str) -> dict | None:
        """The officer's latest act that still stands and can be undone (taking a warning is not one)."""
        ...

    def standing_events_after(self, warning_id: str, act: int) -> list[dict]:
        """Events on a warning that came after an act, from other acts that still stand."""
        ...

    def warning_events(self, warning_id: str) -> list[dict]:
        """A warning's whole timeline, undone acts and undos included (the log keeps everything)."""
        ...

    def batch_of(self, batch_id: int) -> dict: ...

    def oldest_open_requests(self, warning_ids: list[str]) -> dict[str, str]:
        """Each listed warning's oldest stop-payment still waiting for the bank: when it was requested."""
        ...

    def ending_holds(self, warning_ids: list[str]) -> dict[str, str]:
        """Each listed warning's first hold to end with no formal freeze nor release: when it ends."""
        ...

    def count_overdue(self, limits: dict[str, str]) -> dict[str, int]:
        """How many warnings are overdue, by kind; ``limits`` as made by supervision.overdue_limits."""
        ...

    def list_warnings(
        self,
        *,
        statuses: list[str] | None = None,
        risk_level: int | None = None,
        station: str | None = None,
        day: str | None = None,
        overdue: dict[str, str] | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Warnings in queue order, filtered; open ones (not closed) when no status nor overdue is asked for."""
        ...

    def get_station(self, name: str) -> dict | None: ...

    def list_stations(self) -> list[dict]: ...

    def station_names(self) -> list[str]: ...

    def save_stations(self, stations: Iterable[dict]) -> int:
        """Add stations, or update the contacts of those already listed; returns how many were written."""
        ...

    def get_settings(self) -> dict[str, str]: ...

    def put_setting(self, key: str, value: str) -> None: ...

    def add_stop_payment(self, request: dict) -> int: ...

    def get_stop_payment(self, request_id: int) -> dict | None: ...

    def set_stop_payment_result(self, request_id: int, result: dict) -> None: ...

    def set_stop_payment_hold(self, request_id: int, hold: dict) -> None:
        """Write the columns of ``domain.model.STOP_PAY_HOLD`` (missing keys: NULL): an extension, a freeze, a
        release, or the undo of one."""
        ...

    def withdraw_stop_payment(self, request_id: int) -> None:
        """Undo of a request: the row goes; the event log keeps that it was made and withdrawn."""
        ...

    def list_stop_payments(self, *, warning_id: str | None = None, open_only: bool = False, account=None):
        """Open requests first, oldest first; then the decided ones, newest first. ``account``: that account's only,
        whichever warning."""
        ...

    def day_counts(self, start: str, end: str) -> dict[str, list | int]:
        """Every count the figures of [start, end) are made of (storage.day_counts.COUNTS says each), from one read
        of its warnings and one of its standing events: plain lists and numbers."""
        ...

    def escalated_warnings(self, start: str, end: str) -> tuple[int, list[tuple]]:
        """(warnings handed to a station, [(station, warnings), ...]), from one read of the index."""
        ...

    def overdue_by_day(self, start: str, end: str, limits: dict) -> list[tuple]:
        """(day, warnings of that day overdue now): never kept, since it changes with the clock; few, from indexes."""
        ...

    def station_overdue_by_day(self, start: str, end: str, limits: dict) -> list[tuple]:
        """(day, station, warnings): the warnings of [start, end) with a station that are overdue now on the
        station's side (not acknowledged, or no visit result, in time), by day and by the station that has them."""
        ...

    def stop_payment_accounts(self, warning_ids: list[str]) -> dict[str, list[str]]:
        """The receiving accounts of each warning's requests (in full: the caller masks them)."""
        ...

    def export_rows(self, start: str, end: str) -> list[tuple]:
        """Each warning of [start, end) with its disposition, for reporting back to the platform: tuples in
        ``model.EXPORT_ROW``'s order."""
        ...

    def stop_payment_seconds(self, start: str, end: str) -> list[tuple]:
        """(seconds, results): how many results recorded in [start, end) came how many whole seconds after the
        request."""
        ...

    def stop_payment_counts(self, start: str, end: str) -> list[tuple]:
        """(status, requests, kept fen): requests made in [start, end) under 'requested', results recorded in it
        under their status, and holds extended, formally frozen and released in it under 'extended',
        'formally_frozen' and 'released'."""
        ...

    def expired_holds_by_day(self, start: str, end: str, now: str) -> list[tuple]:
        """(day, holds that ended that day, before ``now``, with no formal freeze nor release): never kept, since it
        changes with the clock."""
        ...

    def kept_figures(self, first: str, last: str, version: int) -> tuple[dict[str, str], dict]:
        """The kept figures (JSON) of the days from ``first`` to ``last`` that still hold, as kept by ``version`` of
        their form; and what the check found, for keep_figures: the days with warnings added since, and the newest."""
        ...

    def keep_figures(self, days: list[tuple[str, str]], version: int, checked: dict) -> bool:
        """At the end of a snapshot, keep the figures computed in it and what kept_figures checked, if nothing was
        written since it began; else keep nothing. A database this user may not write, or one busy, is left as it
        is: keeping is only ever a saving."""
        ...

    def acted_on_export_rows(self, start: str, end: str) -> list[tuple]:
        """Each warning acted on in [start, end), in export_rows' form, with ``actions`` after EXPORT_ROW's columns:
        its dispositions in the range."""
        ...

    def earlier_acted_on(self, start: str, end: str, received: list[str] | None = None) -> list:
        """(day received, warnings, calls, escalated): the warnings received before ``start``, or on one of the days
        ``received`` (YYYY-MM-DD, each before ``start``), that were acted on in [start, end); the standing calls on
        them; and how many of them were handed to a station."""
        ...

    def find_warnings(self, kind: str, limit: int | None = None, **params: str) -> list[dict]:
        """The warnings of one kind, newest first (by time, then as imported: ``rowid`` says the order), each with
        ``earlier_warnings`` (the same phone's before it); ``limit`` None for all. The kinds and their parameters:
        ``phone_tail`` (tail: 4 digits), ``phone`` (phone), ``name`` (name), ``name_start`` (name), ``id_tail``
        (tail), ``id`` (typed, id: as typed and as stored)."""
        ...

    def last_take_details(self, warning_id: str) -> str | None:
        """The details of the latest take of a warning (`take` keeps there the state it was taken from)."""
        ...
