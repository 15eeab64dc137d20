"""The SQLite store: every SQL statement of fanzha, as methods that take plain values and return plain data.

The domain and the commands reach it through ``storage.Store``; nothing outside ``storage`` holds SQL or knows
the engine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from fanzha_cli.domain.errors import DatabaseError
from fanzha_cli.domain.model import (
    ACCESS_ROW,
    EDITABLE,
    EVENT_ROW,
    EXPORTED_COLUMNS,
    OPEN_STATUSES,
    OPTIONAL_COLUMNS,
    STATION_COLUMNS,
    STOP_PAY_HOLD,
    STOP_PAY_RESULT,
    STOP_PAY_ROW,
    TABLE_COLUMNS,
    TABLES,
    WARNING_COLUMNS,
    WARNING_ROW,
    WARNING_STATE,
)
from fanzha_cli.storage.events_sql import DISPOSING, STANDS
from fanzha_cli.storage.sqlite import connect as sqlite_connect
from fanzha_cli.storage.sqlite.connect import _rollback

# --- the queue and the day --------------------------------------------------------------------------------------

# The queue order of SPEC §3, in the terms of the partial index warnings_queue, so that the head is one index read.
_QUEUE = (
    "FROM warnings WHERE (status = 'new' OR status = 'retry') AND (due_at IS NULL OR due_at <= ?)"
    " ORDER BY risk_level DESC, time"
)


# --- the desk: warnings in hand, state changes, the event log ------------------------------------------------


def _warning(row) -> dict | None:
    return None if row is None else dict(zip(WARNING_ROW, row, strict=True))


_HELD_BY = "holder = ? AND status = 'taken'"


# What waits at a station for its visit (SPEC §9): handed to it, not closed, not dissuaded (a call still in hand)
_INBOX = (
    "station_since IS NOT NULL AND closed_at IS NULL AND escalated_to = :station"
    " AND (visit_result IS NULL OR visit_result != 'dissuaded') ORDER BY risk_level DESC, station_since, rowid"
)


# The head of the queue for one officer: the first due warning this officer has not skipped lately, else (nothing
# else being due) the first due one even so; skipping never hides a warning from the rest of the desk (SPEC §3).
_HEAD_FOR = (
    "coalesce((SELECT id FROM warnings WHERE (status = 'new' OR status = 'retry')"
    " AND (due_at IS NULL OR due_at <= :now)"
    " AND id NOT IN (SELECT warning_id FROM skips WHERE officer = :officer AND until > :now)"
    " ORDER BY risk_level DESC, time LIMIT 1),"
    f" (SELECT id {_QUEUE.replace('?', ':now')} LIMIT 1))"
)


_TAKE_HEAD = (
    f"UPDATE warnings SET status = 'taken', holder = :officer, held_since = :now WHERE id = {_HEAD_FOR} RETURNING id"
)


# A hold is a lease (SPEC §3): taken before the cutoff, and nothing logged on the warning since the cutoff (an
# escalation or a note renews it; a desk that crashed after one still lets the warning go in time).
_STALE_HOLDS = (
    "SELECT id, holder, attempts FROM warnings w WHERE holder IS NOT NULL AND status = 'taken' AND held_since < :cutoff"
    " AND NOT EXISTS (SELECT 1 FROM events e WHERE e.warning_id = w.id AND e.logged_at >= :cutoff)"
)


# SPEC §3 supervision, one indexed query per kind of overdue (a partial index each), so that even `next` can count
# them on every call: in hand too long, a retry past its time, a station without a result past its limit, a
# stop-payment without the bank's answer past its limit. Each is a condition on a warning's row, which `list
# --overdue` also reads in queue order.
_STOP_PAY_OVERDUE = "status = 'open' AND requested_at < :stop_pay_cutoff"  # a stop-payment's, unanswered too long
# a hold ending soon (or ended) with no formal freeze nor release: the money goes if nobody acts (SPEC §7); first,
# so that it heads the reminder
_HELD = "hold_until IS NOT NULL AND freeze_at IS NULL AND released_at IS NULL"  # (stop_payments_holds' own terms)
_HOLD_ENDING = f"{_HELD} AND hold_until < :hold_warn_cutoff"
# The acts on holds done in [start, end), by kind (the day's totals)
_HOLD_ACTS = " UNION ALL ".join(
    f"SELECT '{kind}', count(*), 0 FROM stop_payments WHERE {column} >= :start AND {column} < :end"
    for kind, column in (("extended", "extended_at"), ("formally_frozen", "freeze_at"), ("released", "released_at"))
)
# a hold that ran out with no freeze (a release recorded after its end changes nothing of that)
_ENDED_UNFROZEN = (
    "hold_until IS NOT NULL AND freeze_at IS NULL AND (released_at IS NULL OR released_at >= hold_until)"
    " AND hold_until < :now"
)
_OVERDUE_WHERE = {
    "hold_ending": f"id IN (SELECT warning_id FROM stop_payments WHERE {_HOLD_ENDING})",
    "in_hand": "holder IS NOT NULL AND status = 'taken' AND held_since < :hold_cutoff",
    "retry": "status = 'retry' AND due_at < :now",
    "ack": (
        "station_since IS NOT NULL AND closed_at IS NULL AND acked_at IS NULL"
        " AND station_since < CASE WHEN risk_level >= 2 THEN :ack_cutoff_urgent ELSE :ack_cutoff END"
        " AND station_since < max(:ack_cutoff_urgent, :ack_cutoff)"
    ),
    "station": (
        "station_since IS NOT NULL AND closed_at IS NULL"
        " AND station_since < CASE WHEN risk_level >= 2 THEN :station_cutoff_urgent ELSE :station_cutoff END"
        " AND (visit_result IS NULL OR visit_result != 'dissuaded')"
    ),
    "stop_pay": f"id IN (SELECT warning_id FROM stop_payments WHERE {_STOP_PAY_OVERDUE})",
}


# Listed, those waiting for a station are read in queue order (else, with a filter, SQLite may sort them all).
# Those not acknowledged are few (a station acknowledges within minutes), and the index of the open hand-overs
# holds all their condition reads: a bounded range of it, the few found sorted, never a look at every one waiting.
_OVERDUE_INDEX = {"ack": "warnings_at_station", "station": "warnings_waiting"}


# The statuses a warning overdue of each kind can have (one waiting for a station is not closed, closed_at unset).
_AT_STATION = {"new", "taken", "retry", "escalated"}
_OVERDUE_STATUSES = {"in_hand": {"taken"}, "retry": {"retry"}, "ack": _AT_STATION, "station": _AT_STATION}


# Counted, those with a station are a range of warnings_at_station: the later of the two cutoffs bounds it.
_COUNTED_WHERE = {
    **_OVERDUE_WHERE,
    "station": _OVERDUE_WHERE["station"] + " AND station_since < max(:station_cutoff_urgent, :station_cutoff)",
}
OVERDUE = {kind: f"SELECT id FROM warnings WHERE {where}" for kind, where in _COUNTED_WHERE.items()}
OVERDUE["stop_pay"] = f"SELECT warning_id AS id FROM stop_payments WHERE {_STOP_PAY_OVERDUE}"
OVERDUE["hold_ending"] = f"SELECT warning_id AS id FROM stop_payments WHERE {_HOLD_ENDING}"
# Each overdue warning with its time, each kind read by its own index, a warning told by its rowid: a day's count
# then looks no warning up in the table (those with a station, thousands in a city, are read from the index of the
# open hand-overs alone, which holds every column these read).
_OVERDUE_TIMES = " UNION ".join(f"SELECT rowid, time FROM warnings WHERE {where}" for where in _COUNTED_WHERE.values())
# The warnings late on their station's side (not acknowledged, or no visit result, in time): by station in a summary
_LATE_AT_STATION = " UNION ".join(
    f"SELECT rowid, time, escalated_to FROM warnings WHERE {_COUNTED_WHERE[kind]}" for kind in ("ack", "station")
)


def _merged(lists: list[list[tuple]], limit: int | None) -> list[dict]:
    """Lists each in queue order (the most urgent, the oldest, then as imported: (rowid, warning) pairs), as one in
    queue order; a warning in two of them (overdue twice) once."""
    import heapq
    import itertools

    merged = heapq.merge(*lists, key=lambda pair: (-pair[1]["risk_level"], pair[1]["time"], pair[0]))
    seen: set[str] = set()
    once = (row for _, row in merged if row["id"] not in seen and not seen.add(row["id"]))
    return list(itertools.islice(once, limit or None))


# The standing escalations of a range through the partial index events_escalations, which holds all that is read:
# a warning counts once however many channels or moves, and once under each station it was handed to.
_ESCALATED = f"""
    SELECT station, warning_id FROM events e INDEXED BY events_escalations
    WHERE action = 'escalate' AND at >= :start AND at < :end AND {STANDS}"""


# Whole seconds between two stored times (julianday is SQLite's; the rounding takes its float error away): the
# report makes minutes of them, the same on every engine.
def _seconds(start: str, end: str) -> str:
    return f"CAST(round((julianday({end}) - julianday({start})) * 86400) AS INTEGER)"


# --- export by action -----------------------------------------------------------------------------------------
# The warnings acted on in [start, end), whatever their own time: `export --by action` (a day spent on the
# backlog, reported back to the platform) and the summary's earlier warnings. Found from the standing events of
# the range through the index events_at, then each warning by its id: never a read of all warnings.
# Acting on a warning is a disposition: a call, an SMS, an escalation, a visit result, a stop-payment (request or
# result). A take, a release (a skip), a note, an edit of the imported data, a reclaim and an undo are not.


_DISPOSED_IN_RANGE = f"e.at >= :start AND e.at < :end AND e.action IN ({DISPOSING}) AND {STANDS}"


# The columns of an export: a warning's whole disposition as it stands now, for the warnings a query chose. The
# events and stop-payments of the chosen warnings are each read once, by the warning (INDEXED BY: with the
# statistics of a small database SQLite would rather walk all events by time), and counted per warning; its last
# call is the greatest of its calls' time and id, which carries the outcome after them. MATERIALIZED and CROSS
# JOIN keep SQLite to this order even where ORDER BY w.time would tempt it to walk the whole time index instead.


# the time padded to 32 characters (fanzha writes 19; another program may write fewer or more), the id to 20:
# the outcome from the 53rd character
_LAST_CALL = "printf('%!-32.32s%020d', e.at, e.id) || coalesce(e.outcome, '')"  # !: characters, not bytes


def _export_sql(chosen: str, *more: str) -> str:
    """The export's rows for the warnings ``chosen`` names (a query of their ``id``, and of ``more`` columns)."""
    return f"""
        WITH chosen AS MATERIALIZED ({chosen}),
        acts AS MATERIALIZED (
            SELECT e.warning_id,
                sum(CASE WHEN e.action = 'call' THEN 1 ELSE 0 END) AS calls,
                max(CASE WHEN e.action = 'call' THEN {_LAST_CALL} END) AS last_call,
                sum(CASE WHEN e.action = 'escalate' THEN 1 ELSE 0 END) AS escalations,
                sum(CASE WHEN e.action = 'visit' THEN 1 ELSE 0 END) AS visits
            FROM chosen c CROSS JOIN events e INDEXED BY events_warning ON e.warning_id = c.id
            WHERE e.action IN ('call', 'escalate', 'visit') AND {STANDS} GROUP BY e.warning_id
        ),
        pays AS MATERIALIZED (
            SELECT s.warning_id, count(*) AS requests, sum(s.amount_fen) AS fen, sum(s.kept_fen) AS kept
            FROM chosen c CROSS JOIN stop_payments s ON s.warning_id = c.id GROUP BY s.warning_id
        )
        SELECT {", ".join(f"w.{column}" for column in EXPORTED_COLUMNS)}, coalesce(a.calls, 0), substr(a.last_call, 53),
            coalesce(a.escalations, 0), coalesce(a.visits, 0), coalesce(p.requests, 0), p.fen, p.kept
            {"".join(f", c.{column}" for column in more)}
        FROM chosen c CROSS JOIN warnings w ON w.id = c.id
            LEFT JOIN acts a ON a.warning_id = c.id LEFT JOIN pays p ON p.warning_id = c.id
        ORDER BY w.time, w.id"""


_EXPORT_ROWS = _export_sql("SELECT id FROM warnings WHERE time >= :start AND time < :end")


_ACTED_ON_ROWS = _export_sql(
    f"SELECT e.warning_id AS id, count(*) AS actions FROM events e WHERE {_DISPOSED_IN_RANGE} GROUP BY e.warning_id",
    "actions",
)


def export_query() -> str:
    """The text of export_rows' query (named parameters :start and :end), for the benchmark's sqlite3 shell."""
    return _EXPORT_ROWS


# The warnings received before [start, end) and acted on in it, by the day they were received: driven by the
# range's events (a day's summary), or by the warnings of given days of receipt (a range's total, which looks up
# only the days its kept days name).
_EARLIER_COUNTS = """substr(w.time, 1, 10) AS received, count(DISTINCT e.warning_id),
    sum(CASE WHEN e.action = 'call' THEN 1 ELSE 0 END),
    count(DISTINCT CASE WHEN e.action = 'escalate' THEN e.warning_id END)"""


_EARLIER_BY_EVENTS = f"""
    SELECT {_EARLIER_COUNTS} FROM events e CROSS JOIN warnings w ON w.id = e.warning_id
    WHERE {_DISPOSED_IN_RANGE} AND w.time < :start GROUP BY received"""


_EARLIER_BY_WARNINGS = f"""
    SELECT {_EARLIER_COUNTS} FROM warnings w CROSS JOIN events e INDEXED BY events_warning ON e.warning_id = w.id
    WHERE w.time >= :received AND w.time < :received_end AND {_DISPOSED_IN_RANGE} GROUP BY received"""


# --- find and take (SPEC §3) ---------------------------------------------------------------------------------
# A person calls back after the SMS: `find` looks the warning up by phone (all of it, or its last four digits),
# name (as written, or its start) or id (as typed, or a tail of it, any case), open and closed; a warning id is
# typed anywhere as such a tail too (desk.Desk.get). Each kind reads one index of migration 0005, written here in
# exactly the index's expression, and (but a name's start) comes out newest first in the index's own order.

_FOUND_ROW = ("rowid", *WARNING_ROW, "earlier_warnings")


# The same phone's warnings before this one (by time, then as imported): "known: N earlier warnings".
_EARLIER = (
    "(SELECT count(*) FROM warnings o WHERE substr(o.phone, -4) = substr(w.phone, -4) AND o.phone = w.phone"
    " AND o.time <= w.time AND (o.time < w.time OR o.rowid < w.rowid))"
)


_FOUND_SELECT = f"SELECT w.rowid, {', '.join(f'w.{column}' for column in WARNING_ROW)}, {_EARLIER} FROM warnings w"


_NEWEST_FIRST = "ORDER BY w.time DESC, w.rowid DESC LIMIT :limit"


_ID_TAIL = "lower(substr(w.id, -4)) = lower(substr(:tail, -4)) AND substr(lower(w.id), -length(:tail)) = lower(:tail)"


FIND = {
    # the last four digits of the phone
    "phone_tail": f"{_FOUND_SELECT} WHERE substr(w.phone, -4) = :tail {_NEWEST_FIRST}",
    # all eleven digits: the same index, then the whole number on the few rows found (the + keeps SQLite from
    # putting the number itself into substr(phone, -4), which would leave no term for the index to read)
    "phone": f"{_FOUND_SELECT} WHERE substr(w.phone, -4) = substr(:phone, -4) AND +w.phone = :phone {_NEWEST_FIRST}",
    "name": f"{_FOUND_SELECT} WHERE w.name = :name {_NEWEST_FIRST}",
    # names that start with it (not the name itself): a range of the same index, which may be long (a surname,
    # 周: a twentieth of all), so sorted on the index alone and only the newest rows read from the table
    "name_start": (
        f"{_FOUND_SELECT} WHERE w.rowid IN (SELECT rowid FROM warnings WHERE name > :name AND name < :name_end"
        f" ORDER BY time DESC, rowid DESC LIMIT :limit) ORDER BY w.time DESC, w.rowid DESC"
    ),
    # an id tail of four characters or more, any case; the whole id is a tail of itself
    "id_tail": f"{_FOUND_SELECT} WHERE {_ID_TAIL} {_NEWEST_FIRST}",
    # an id exactly as typed, or as it is stored (an id shorter than a tail, one stored with invisible characters)
    "id": f"{_FOUND_SELECT} WHERE w.id IN (:typed, :id) LIMIT :limit",  # two at most: sorted by the caller
}


# `audit`'s filters: by officer, by warning, from and to a time
_ACCESS_FILTERS = {
    "officer": "officer = :officer",
    "warning_id": "warning_id = :warning_id",
    "start": "at >= :start",
    "end": "at < :end",
}


def _no_logins() -> DatabaseError:
    return DatabaseError(
        "logins are for centre mode (a PostgreSQL server): on one SQLite file anyone who can open it can change it,"
        " and the roles are a convention (--officer, --station)"
    )


class SqliteStore:
    """fanzha's data in one SQLite file (or ``:memory:``, for tests)."""

    def __init__(self, conn: sqlite_connect.Connection) -> None:
        self.conn = conn

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False) -> SqliteStore:
        return cls(sqlite_connect.connect(path, create=create))

    def close(self) -> None:
        self.conn.close()

    def describe(self) -> dict:
        counts = {table: self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        return {"engine": "sqlite", "where": self.where, "schema": version, "counts": counts}

    def table_rows(self, table: str) -> Iterator[tuple]:
        return iter(self.conn.execute(f"SELECT {', '.join(TABLE_COLUMNS[table])} FROM {table} ORDER BY rowid"))

    def load_rows(self, table: str, rows: Iterable[tuple], *, merge: bool) -> int:
        columns = TABLE_COLUMNS[table]
        verb = "INSERT OR IGNORE" if merge else "INSERT OR REPLACE" if table in ("stations", "settings") else "INSERT"
        sql = f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        before = self.conn.total_changes
        self.conn.executemany(sql, rows)
        return self.conn.total_changes - before

    def after_load(self) -> None:
        """Row ids go on by themselves."""

    def work_signal(self) -> int | None:
        return None  # a file tells no one: an idle desk polls

    def clear_signal(self) -> bool:
        return False  # nothing to read

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def where(self) -> str:
        """The file, for a message."""
        return self.conn.path or ":memory:"

    @property
    def login(self) -> None:
        """On one file there are no logins: anyone who can open it can change it (SPEC §9)."""
        return None

    def login_station(self) -> str | None:
        return None

    # --- purge (SPEC §10): domain.purge decides what goes; here, how ----------------------------------------------

    def purge_candidates(self, before: str) -> list[str]:
        sql = "SELECT id FROM warnings WHERE time < ? AND status = 'closed' AND closed_at < ? AND purged_at IS NULL"
        return [row[0] for row in self.conn.execute(sql, (before, before))]

    def purge_key(self, *, create: bool = True) -> str | None:
        row = self.conn.execute("SELECT value FROM fanzha_keys WHERE name = 'phone_hash'").fetchone()
        if row is None and create:
            import secrets

            self.conn.execute(
                "INSERT INTO fanzha_keys (name, value) VALUES ('phone_hash', ?)", (secrets.token_hex(32),)
            )
            return self.purge_key(create=False)
        return row and row[0]

    def purge_warnings(self, ids: list[str], hash_of, clean, at: str) -> dict:
        counts = {"warnings": 0, "events": 0, "stop_payments": 0}
        # the event log is append-only for every writer but this: its trigger goes for the transaction, and comes
        # back as the schema has it
        guard = self.conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'events_no_update'")
        guard = guard.fetchone()[0]
        self.conn.execute("DROP TRIGGER events_no_update")
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            phones = self.conn.execute(f"SELECT id, phone FROM warnings WHERE id IN ({marks})", chunk).fetchall()
            self.conn.executemany(
                "UPDATE warnings SET phone_hash = ?, purged_at = ?, name = '', phone = '', address = NULL,"
                " id_card = NULL, clue = NULL WHERE id = ?",
                [(hash_of(phone) if phone else None, at, warning_id) for warning_id, phone in phones],
            )
            counts["warnings"] += len(phones)
            events = self.conn.execute(
                f"SELECT id, details FROM events WHERE warning_id IN ({marks}) AND details IS NOT NULL", chunk
            ).fetchall()
            changed = [(new, event_id) for event_id, details in events if (new := clean(details)) != details]
            self.conn.executemany("UPDATE events SET details = ? WHERE id = ?", changed)
            counts["events"] += len(changed)
            cursor = self.conn.execute(
                f"UPDATE stop_payments SET account = '', note = NULL WHERE warning_id IN ({marks})", chunk
            )
            counts["stop_payments"] += cursor.rowcount
        self.conn.execute(guard)
        return counts

    def count_purged_before(self, phone_hash: str, time: str) -> int:
        sql = "SELECT count(*) FROM warnings WHERE phone_hash = ? AND time < ?"
        return self.conn.execute(sql, (phone_hash, time)).fetchone()[0]

    def compact(self) -> None:
        """No page keeps a purged value: the file rewritten (VACUUM), the WAL written back and emptied."""
        self.conn.execute("VACUUM")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- the access log (SPEC §10) ----------------------------------------------------------------------------------

    def log_access(self, rows: list[dict]) -> None:
        with sqlite_connect.transaction(self.conn, durable=False, counted=False):
            self.conn.executemany(
                "INSERT INTO access_log (at, officer, warning_id, field, command)"
                " VALUES (:at, :officer, :warning_id, :field, :command)",
                rows,
            )

    def access_entries(self, *, officer=None, warning_id=None, start=None, end=None) -> list[dict]:
        params = {"officer": officer, "warning_id": warning_id, "start": start, "end": end}
        where = ["1 = 1", *(condition for key, condition in _ACCESS_FILTERS.items() if params[key] is not None)]
        sql = f"SELECT {', '.join(ACCESS_ROW)} FROM access_log WHERE {' AND '.join(where)} ORDER BY at, id"
        return [dict(zip(ACCESS_ROW, row, strict=True)) for row in self.conn.execute(sql, params)]

    # --- backups (SPEC §10): SQLite's backup API (storage.sqlite.backup) ------------------------------------------

    def write_backup(self, path: Path) -> None:
        from fanzha_cli.storage.sqlite import backup

        backup.write(self.conn, path)

    def check_backup(self, path: Path) -> dict:
        from fanzha_cli.storage.sqlite import backup

        return backup.check(path, sqlite_connect.SCHEMA_VERSION, sqlite_connect._foreign_tables)

    def restore_backup(self, path: Path) -> None:
        from fanzha_cli.storage.sqlite import backup

        try:
            backup.restore(path, self.conn)
        except DatabaseError:
            if self.conn.execute("SELECT 1 FROM warnings LIMIT 1").fetchone():
                raise
            # a database new or empty, of another page size than the backup's: no other connection to mind, so
            # out of WAL for the copy (WAL cannot change the page size), and back
            self.conn.execute("PRAGMA journal_mode = DELETE")
            backup.restore(path, self.conn)
            self.conn.execute("PRAGMA journal_mode = WAL")

    def logins(self) -> list[dict]:
        raise _no_logins()

    def add_login(self, name: str, role: str, station: str | None, password: str | None) -> None:
        raise _no_logins()

    def remove_login(self, name: str) -> bool:
        raise _no_logins()

    def transaction(self, *, durable: bool = True):
        return sqlite_connect.transaction(self.conn, durable=durable)

    def rehearsal(self):
        return sqlite_connect.rehearsal(self.conn)

    def snapshot(self):
        return sqlite_connect.snapshot(self.conn)

    def bulk_insert(self):
        return sqlite_connect.bulk_insert(self.conn)

    def indexes_built_after(self, rows_expected: int):
        return sqlite_connect.indexes_built_after(self.conn, rows_expected)

    # --- import batches and warnings ------------------------------------------------------------------------------

    def begin_batch(self, *, file: str, officer: str, at: str) -> int:
        """The batch row comes first so that every warning of the file can point to it."""
        cursor = self.conn.execute(
            "INSERT INTO batches (file, imported_at, officer) VALUES (?, ?, ?)", (file, at, officer)
        )
        return cursor.lastrowid

    def finish_batch(self, batch_id: int, *, sha256: str, counts: dict[str, int]) -> None:
        self.conn.execute(
            "UPDATE batches SET sha256 = ?, rows = ?, new = ?, duplicate = ?, rejected = ? WHERE id = ?",
            (sha256, counts["rows"], counts["new"], counts["duplicate"], counts["rejected"], batch_id),
        )

    def insert_new_warnings(self, rows: Iterable[tuple]) -> int:
        """Insert the rows (``WARNING_COLUMNS`` then the batch id) whose id is not stored yet; returns how many.
        An optional field given empty is stored as none.

        Stored warnings are left untouched. ``rows`` is consumed as a stream, so a file of any size is never held in
        memory.
        """
        values = ", ".join("nullif(?, '')" if column in OPTIONAL_COLUMNS else "?" for column in WARNING_COLUMNS)
        # ON CONFLICT DO NOTHING is spoken by both SQLite and PostgreSQL; the id's uniqueness does the de-duplication.
        cursor = self.conn.executemany(
            f"INSERT INTO warnings ({', '.join(WARNING_COLUMNS)}, batch_id) VALUES ({values}, ?)"
            " ON CONFLICT (id) DO NOTHING",
            rows,
        )
        return cursor.rowcount

    def batches_of_file(self, sha256: str) -> list[dict]:
        """Earlier imports of a file with the same content."""
        cursor = self.conn.execute(
            "SELECT id, file, imported_at, new FROM batches WHERE sha256 = ? ORDER BY id", (sha256,)
        )
        return [dict(zip(("id", "file", "imported_at", "new"), row, strict=True)) for row in cursor]

    # --- the queue and the day ------------------------------------------------------------------------------------

    def queue_head(self, now: str, limit: int = 1) -> list[str]:
        """The ids of the most urgent warnings due at ``now``, in the order ``next`` hands them out."""
        return [row[0] for row in self.conn.execute(f"SELECT id {_QUEUE} LIMIT ?", (now, limit))]

    def count_received(self, day: str) -> int:
        """Warnings whose own time falls on ``day`` (YYYY-MM-DD): the day's 'received'."""
        return self.conn.execute(
            "SELECT count(*) FROM warnings WHERE time >= ? AND time < ?", (f"{day} 00:00:00", f"{day} 24:00:00")
        ).fetchone()[0]

    # --- the desk: warnings in hand, state changes, the event log -------------------------------------------------

    def get_warning(self, warning_id: str) -> dict | None:
        return _warning(
            self.conn.execute(f"SELECT {', '.join(WARNING_ROW)} FROM warnings WHERE id = ?", (warning_id,)).fetchone()
        )

    def held_by(self, officer: str) -> dict | None:
        """The warning in this officer's hand, if any."""
        return _warning(
            self.conn.execute(f"SELECT {', '.join(WARNING_ROW)} FROM warnings WHERE {_HELD_BY}", (officer,)).fetchone()
        )

    def station_inbox(self, station: str) -> list[dict]:
        """A station's few, from the partial index of those with a station (warnings_waiting)."""
        sql = f"SELECT {', '.join(WARNING_ROW)} FROM warnings INDEXED BY warnings_waiting WHERE {_INBOX}"
        return [_warning(row) for row in self.conn.execute(sql, {"station": station})]

    def take_head(self, officer: str, now: str) -> str | None:
        """Hand the head of the queue to ``officer`` in one statement, so that two officers never get the same one."""
        row = self.conn.execute(_TAKE_HEAD, {"officer": officer, "now": now}).fetchone()
        if row:
            self.conn.execute("DELETE FROM skips WHERE officer = ? AND warning_id = ?", (officer, row[0]))
        return row and row[0]

    def queue_outlook(self) -> dict:
        """What an empty queue is waiting for: anything at all, the next retry, the stations, other hands (each an
        index read)."""
        return {
            "any": self.conn.execute("SELECT EXISTS (SELECT 1 FROM warnings)").fetchone()[0] == 1,
            "next_retry": self.conn.execute("SELECT min(due_at) FROM warnings WHERE status = 'retry'").fetchone()[0],
            "at_stations": self.conn.execute(
                "SELECT count(*) FROM warnings WHERE station_since IS NOT NULL AND closed_at IS NULL"
            ).fetchone()[0],
            "in_hands": self.conn.execute(
                "SELECT count(*) FROM warnings WHERE holder IS NOT NULL AND status = 'taken'"
            ).fetchone()[0],
        }

    def skip(self, officer: str, warning_id: str, now: str, until: str) -> None:
        """Not to be handed to ``officer`` again before ``until`` while anything else is due; old skips go."""
        self.conn.execute("DELETE FROM skips WHERE officer = ? AND until <= ?", (officer, now))
        self.conn.execute(
            "INSERT INTO skips (officer, warning_id, until) VALUES (?, ?, ?)"
            " ON CONFLICT (officer, warning_id) DO UPDATE SET until = excluded.until",
            (officer, warning_id, until),
        )

    def stale_holds(self, cutoff: str) -> list[dict]:
        rows = self.conn.execute(_STALE_HOLDS, {"cutoff": cutoff})
        return [dict(zip(("id", "holder", "attempts"), row, strict=True)) for row in rows]

    def set_state(self, warning_id: str, state: dict, *, edit: bool = False) -> None:
        """Write the state columns given in ``state``; with ``edit``, also the data fields of ``EDITABLE`` (an edit,
        or the undo of one). Any other key is ignored."""
        allowed = (*WARNING_STATE, *EDITABLE) if edit else WARNING_STATE
        columns = [key for key in allowed if key in state]
        if not columns:
            return
        self.conn.execute(
            f"UPDATE warnings SET {', '.join(f'{key} = ?' for key in columns)} WHERE id = ?",
            (*(state[key] for key in columns), warning_id),
        )

    def add_events(self, events: list[dict], *, undoes: int | None = None) -> int:
        """Append the events of one act (the officer's one command); returns the act's id, its first event's.

        Ids are given here, inside the write transaction, so that every event can carry its act from the start: the
        log is append-only and is never updated afterwards.
        """
        first = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM events").fetchone()[0]
        self.conn.executemany(
            "INSERT INTO events (id, warning_id, at, logged_at, officer, action, outcome, station, channels, details,"
            " act, undoes) VALUES (:id, :warning_id, :at, :logged_at, :officer, :action, :outcome, :station,"
            " :channels, :details, :act, :undoes)",
            [
                {"outcome": None, "station": None, "channels": None, "details": None}
                | event
                | {"id": first + n, "act": first, "undoes": undoes if n == 0 else None}
                for n, event in enumerate(events)
            ],
        )
        return first

    def last_act(self, officer: str) -> dict | None:
        """The officer's latest act that still stands and can be undone (taking a warning is not one)."""
        row = self.conn.execute(
            f"SELECT {', '.join(EVENT_ROW)} FROM events e WHERE officer = ? AND id = act"
            f" AND action NOT IN ('take', 'undo', 'reclaimed') AND {STANDS} ORDER BY id DESC LIMIT 1",
            (officer,),
        ).fetchone()
        return row and dict(zip(EVENT_ROW, row, strict=True))

    def standing_events_after(self, warning_id: str, act: int) -> list[dict]:
        """Events on a warning that came after an act, from other acts that still stand."""
        cursor = self.conn.execute(
            f"SELECT {', '.join(EVENT_ROW)} FROM events e WHERE warning_id = ? AND id > ? AND act != ?"
            f" AND action != 'undo' AND {STANDS} ORDER BY id",
            (warning_id, act, act),
        )
        return [dict(zip(EVENT_ROW, row, strict=True)) for row in cursor]

    def warning_events(self, warning_id: str) -> list[dict]:
        """A warning's whole timeline, undone acts and undos included (the log keeps everything)."""
        cursor = self.conn.execute(
            f"SELECT {', '.join(EVENT_ROW)}, act, undoes, NOT {STANDS} AS undone FROM events e"
            " WHERE warning_id = ? ORDER BY id",
            (warning_id,),
        )
        return [dict(zip((*EVENT_ROW, "act", "undoes", "undone"), row, strict=True)) for row in cursor]

    def batch_of(self, batch_id: int) -> dict:
        row = self.conn.execute(
            "SELECT id, file, imported_at, officer FROM batches WHERE id = ?", (batch_id,)
        ).fetchone()
        return dict(zip(("id", "file", "imported_at", "officer"), row, strict=True))

    # --- overdue, and the lists of `list` -------------------------------------------------------------------------

    def oldest_open_requests(self, warning_ids: list[str]) -> dict[str, str]:
        """Each listed warning's oldest stop-payment still waiting for the bank: when it was requested."""
        return self._earliest_per_warning("requested_at", "status = 'open'", warning_ids)

    def ending_holds(self, warning_ids: list[str]) -> dict[str, str]:
        """Each listed warning's first hold to end with no formal freeze nor release: when it ends."""
        return self._earliest_per_warning("hold_until", _HELD, warning_ids)

    def _earliest_per_warning(self, column: str, where: str, warning_ids: list[str]) -> dict[str, str]:
        """Each listed warning's least ``column`` among its stop-payments that meet ``where``."""
        if not warning_ids:
            return {}
        marks = ", ".join("?" * len(warning_ids))
        sql = (
            f"SELECT warning_id, min({column}) FROM stop_payments WHERE {where} AND warning_id IN ({marks})"
            " GROUP BY warning_id"
        )
        return dict(self.conn.execute(sql, warning_ids).fetchall())

    def count_overdue(self, limits: dict[str, str]) -> dict[str, int]:
        """How many warnings are overdue, by kind; ``limits`` as made by supervision.overdue_limits."""
        # distinct: a warning with two unanswered stop-payments is one overdue warning
        return {
            kind: self.conn.execute(f"SELECT count(DISTINCT o.id) FROM ({sql}) AS o", limits).fetchone()[0]
            for kind, sql in OVERDUE.items()
        }

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
        """Warnings in queue order, filtered; open ones (not closed) when no status nor overdue is asked for.

        The first ``limit`` rows cost what they show, not what the table holds: each status is read on its own through
        warnings_status (status, risk_level DESC, time), already in queue order, and the lists merged; overdue ones,
        each kind in queue order (those waiting for a station through warnings_waiting, the others few); a day's, each
        status's part of that day the same way, by seeks to each risk level's stretch of the day (not the day's rows
        from warnings_time and a sort: a closed day's thirteen thousand read to show none open)."""
        where, params = [], {}
        if risk_level is not None:
            where.append("risk_level = :risk_level")
            params["risk_level"] = risk_level
        if station is not None:
            where.append("(station = :station OR escalated_to = :station)")
            params["station"] = station
        if day is not None:
            where.append("time >= :day_start AND time < :day_end")
            params |= {"day_start": f"{day} 00:00:00", "day_end": f"{day} 24:00:00"}
            if risk_level is None:  # each risk level's part of the day, in time order, read from a status's index
                where.append("risk_level IN (3, 2, 1)")
        if statuses and overdue is not None:
            where.append(f"status IN ({', '.join(f':s{n}' for n in range(len(statuses)))})")
            params |= {f"s{n}": status for n, status in enumerate(statuses)}
        if overdue is not None:  # closed or not (a stop-payment may wait on a closed warning): each kind in queue order
            params |= overdue
            lists = [
                self._listed([*where, condition], params, limit, index=_OVERDUE_INDEX.get(kind))
                for kind, condition in _OVERDUE_WHERE.items()
                if not statuses or set(statuses) & _OVERDUE_STATUSES.get(kind, set(statuses))
            ]
        else:
            # A day's retries from the queue's index would be found among the day's new warnings, row by row.
            index = "warnings_status" if day is not None else None
            lists = [
                self._listed([*where, "status = :status"], params | {"status": status}, limit, index=index)
                for status in dict.fromkeys(statuses or OPEN_STATUSES)
            ]
        return _merged(lists, limit)

    def _listed(self, where: list[str], params: dict, limit: int | None, index=None) -> list[tuple]:
        """(rowid, warning) pairs in queue order: the rowid is the index's own last key, so no sort is added."""
        indexed = f" INDEXED BY {index}" if index else ""
        sql = f"SELECT rowid, {', '.join(WARNING_ROW)} FROM warnings{indexed} WHERE {' AND '.join(where) or '1'}"
        sql += " ORDER BY risk_level DESC, time, rowid" + (f" LIMIT {int(limit)}" if limit else "")
        return [(row[0], _warning(row[1:])) for row in self.conn.execute(sql, params)]

    # --- stations -------------------------------------------------------------------------------------------------

    def get_station(self, name: str) -> dict | None:
        row = self.conn.execute(f"SELECT {', '.join(STATION_COLUMNS)} FROM stations WHERE name = ?", (name,)).fetchone()
        return row and dict(zip(STATION_COLUMNS, row, strict=True))

    def list_stations(self) -> list[dict]:
        cursor = self.conn.execute(f"SELECT {', '.join(STATION_COLUMNS)} FROM stations ORDER BY rowid")
        return [dict(zip(STATION_COLUMNS, row, strict=True)) for row in cursor]

    def station_names(self) -> list[str]:
        return [row[0] for row in self.conn.execute("SELECT name FROM stations ORDER BY rowid")]

    def save_stations(self, stations: Iterable[dict]) -> int:
        """Add stations, or update the contacts of those already listed; returns how many were written."""
        cursor = self.conn.executemany(
            "INSERT INTO stations (name, duty_phone, wechat_group) VALUES (:name, :duty_phone, :wechat_group)"
            " ON CONFLICT (name) DO UPDATE SET duty_phone = excluded.duty_phone,"
            " wechat_group = excluded.wechat_group",
            stations,
        )
        return cursor.rowcount

    # --- settings -------------------------------------------------------------------------------------------------

    def get_settings(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM settings"))

    def put_setting(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- stop-payments (SPEC §7) ----------------------------------------------------------------------------------

    def add_stop_payment(self, request: dict) -> int:
        columns = [key for key in STOP_PAY_ROW if key in request]
        cursor = self.conn.execute(
            f"INSERT INTO stop_payments ({', '.join(columns)}) VALUES ({', '.join(f':{c}' for c in columns)})", request
        )
        return cursor.lastrowid

    def get_stop_payment(self, request_id: int) -> dict | None:
        row = self.conn.execute(
            f"SELECT {', '.join(STOP_PAY_ROW)} FROM stop_payments WHERE id = ?", (request_id,)
        ).fetchone()
        return row and dict(zip(STOP_PAY_ROW, row, strict=True))

    def set_stop_payment_result(self, request_id: int, result: dict) -> None:
        self.conn.execute(
            f"UPDATE stop_payments SET {', '.join(f'{key} = :{key}' for key in STOP_PAY_RESULT)} WHERE id = :id",
            {key: result.get(key) for key in STOP_PAY_RESULT} | {"id": request_id},
        )

    def set_stop_payment_hold(self, request_id: int, hold: dict) -> None:
        self.conn.execute(
            f"UPDATE stop_payments SET {', '.join(f'{key} = :{key}' for key in STOP_PAY_HOLD)} WHERE id = :id",
            {key: hold.get(key) for key in STOP_PAY_HOLD} | {"id": request_id},
        )

    def withdraw_stop_payment(self, request_id: int) -> None:
        """Undo of a request: the row goes; the event log keeps that it was made and withdrawn."""
        self.conn.execute("DELETE FROM stop_payments WHERE id = ?", (request_id,))

    def list_stop_payments(self, *, warning_id: str | None = None, open_only: bool = False, account=None):
        """Open requests first, oldest first; then the decided ones, newest first."""
        where = ["1 = 1"]
        if warning_id is not None:
            where.append("warning_id = :warning_id")
        if account is not None:
            where.append("account = :account")
        if open_only:
            where.append("status = 'open'")
        sql = (
            f"SELECT {', '.join(STOP_PAY_ROW)} FROM stop_payments WHERE {' AND '.join(where)} ORDER BY"
            " CASE WHEN status = 'open' THEN 0 ELSE 1 END,"
            " CASE WHEN status = 'open' THEN requested_at END, requested_at DESC, id DESC"
        )
        params = {"warning_id": warning_id, "account": account}
        return [dict(zip(STOP_PAY_ROW, row, strict=True)) for row in self.conn.execute(sql, params)]

    # --- the day's totals (SPEC §6) -------------------------------------------------------------------------------
    # Figures about warnings count the warnings of [start, end) by their own time; figures about actions count the
    # standing events done in [start, end). A summary computes them for one day at a time and keeps each day's in
    # day_figures (below), so that a range adds kept days up instead of reading months of rows again.

    # A day's figures, once computed, are kept in day_figures until a write touches that day: the triggers of
    # migration 0006 delete a day's row whenever a warning of that day is changed (or moved or deleted, by another
    # program), an event is logged on it or done that day (or an act of that day is undone), or a stop-payment of
    # that day is made or answered; and the days of the warnings added since the last check (rowid past
    # day_figures_checked.upto) are taken afresh. Any writer, this program or another, keeps them true. Figures are
    # kept optimistically: computed in a read transaction and kept only if nothing was written since it began;
    # otherwise they are shown and not kept.

    def day_counts(self, start: str, end: str) -> dict[str, list | int]:
        import fanzha_cli.storage.day_counts as counts

        details = "json_extract(details, '$.{}')".format
        sql = counts.statement(":{}".format, "json_array", "json_group_array", _seconds, details)
        return counts.read(self.conn.execute(sql, counts.params(start, end)).fetchone())

    def escalated_warnings(self, start: str, end: str) -> tuple[int, list[tuple]]:
        """(warnings handed to a station, [(station, warnings), ...]), from one read of the index."""
        sql = f"""
            WITH handed AS MATERIALIZED ({_ESCALATED})
            SELECT NULL, count(DISTINCT warning_id) FROM handed
            UNION ALL
            SELECT station, count(DISTINCT warning_id) FROM handed GROUP BY station"""
        (_, total), *by_station = self.conn.execute(sql, {"start": start, "end": end}).fetchall()
        return total, by_station

    def overdue_by_day(self, start: str, end: str, limits: dict) -> list[tuple]:
        """(day, warnings of that day overdue now): never kept, since it changes with the clock; few, from indexes."""
        sql = (
            f"SELECT substr(time, 1, 10) AS day, count(*) FROM ({_OVERDUE_TIMES})"
            " WHERE time >= :start AND time < :end GROUP BY day"
        )
        return self.conn.execute(sql, {"start": start, "end": end, **limits}).fetchall()

    def station_overdue_by_day(self, start: str, end: str, limits: dict) -> list[tuple]:
        sql = (
            f"SELECT substr(time, 1, 10), escalated_to, count(*) FROM ({_LATE_AT_STATION})"
            " WHERE time >= :start AND time < :end GROUP BY 1, 2"
        )
        return self.conn.execute(sql, {"start": start, "end": end, **limits}).fetchall()

    def stop_payment_accounts(self, warning_ids: list[str]) -> dict[str, list[str]]:
        """The receiving accounts of each warning's requests (in full: the caller masks them)."""
        accounts: dict[str, list[str]] = {}
        for start in range(0, len(warning_ids), 500):
            chunk = warning_ids[start : start + 500]
            sql = f"SELECT warning_id, account FROM stop_payments WHERE warning_id IN ({', '.join('?' * len(chunk))})"
            for warning_id, account in self.conn.execute(sql + " ORDER BY id", chunk):
                accounts.setdefault(warning_id, []).append(account)
        return accounts

    def export_rows(self, start: str, end: str) -> list[tuple]:
        """Each warning of [start, end) with its disposition, for reporting back to the platform."""
        return self.conn.execute(_EXPORT_ROWS, {"start": start, "end": end}).fetchall()

    def stop_payment_seconds(self, start: str, end: str) -> list[tuple]:
        """(minutes, results): how many results recorded in [start, end) came how many minutes after the request."""
        sql = f"""
            SELECT {_seconds("requested_at", "result_at")} AS seconds, count(*) FROM stop_payments
            WHERE result_at >= ? AND result_at < ? GROUP BY seconds"""
        return self.conn.execute(sql, (start, end)).fetchall()

    def stop_payment_counts(self, start: str, end: str) -> list[tuple]:
        """(status, requests, kept fen): requests made in [start, end) under 'requested', and results recorded in it
        under their status."""
        sql = f"""
            SELECT 'requested', count(*), 0 FROM stop_payments WHERE requested_at >= :start AND requested_at < :end
            UNION ALL
            SELECT status, count(*), sum(kept_fen) FROM stop_payments
            WHERE result_at >= :start AND result_at < :end GROUP BY status
            UNION ALL
            {_HOLD_ACTS}"""
        return [row for row in self.conn.execute(sql, {"start": start, "end": end}) if row[1]]

    def expired_holds_by_day(self, start: str, end: str, now: str) -> list[tuple]:
        """(day, holds that ended that day, before ``now``, with no formal freeze nor release): never kept."""
        sql = f"""SELECT substr(hold_until, 1, 10), count(*) FROM stop_payments WHERE {_ENDED_UNFROZEN}
            AND hold_until >= :start AND hold_until < :end GROUP BY 1"""
        return self.conn.execute(sql, {"start": start, "end": end, "now": now}).fetchall()

    def kept_figures(self, first: str, last: str, version: int) -> tuple[dict[str, str], dict]:
        """The kept figures (JSON) of the days from ``first`` to ``last`` that still hold, as kept by ``version`` of
        their form; and what the check found, for keep_figures: the days with warnings added since, and the newest."""
        upto = self.conn.execute("SELECT coalesce(max(upto), 0) FROM day_figures_checked").fetchone()[0]
        added = "SELECT DISTINCT substr(time, 1, 10) FROM warnings WHERE rowid > ?"
        stale = {row[0] for row in self.conn.execute(added, (upto,))}
        newest = self.conn.execute("SELECT coalesce(max(rowid), 0) FROM warnings").fetchone()[0]
        sql = "SELECT day, figures FROM day_figures WHERE day >= ? AND day <= ? AND version = ?"
        kept = {day: figures for day, figures in self.conn.execute(sql, (first, last, version)) if day not in stale}
        return kept, {"stale": sorted(stale), "newest": newest, "upto": upto}

    def keep_figures(self, days: list[tuple[str, str]], version: int, checked: dict) -> bool:
        """At the end of a snapshot, keep the figures computed in it and what kept_figures checked, if nothing was
        written since it began; else keep nothing. A database this user may not write, or one busy, is left as it
        is: keeping is only ever a saving."""
        if not (days or checked["newest"] != checked["upto"]) or not self.conn.in_transaction:
            return False
        try:
            # a writer at work means the snapshot is outdated: no use waiting
            self.conn.execute("PRAGMA busy_timeout = 0")
            self.conn.executemany("DELETE FROM day_figures WHERE day = ?", [(day,) for day in checked["stale"]])
            self.conn.execute("DELETE FROM day_figures_checked")
            self.conn.execute("INSERT INTO day_figures_checked (upto) VALUES (?)", (checked["newest"],))
            self.conn.executemany(
                "INSERT OR REPLACE INTO day_figures (day, version, figures) VALUES (?, ?, ?)",
                [(day, version, figures) for day, figures in days],
            )
            self.conn.execute("COMMIT")
            return True
        except (sqlite3.OperationalError, DatabaseError):  # busy, outdated snapshot, read-only file, full disk
            _rollback(self.conn)
            return False
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {int(sqlite_connect.BUSY_TIMEOUT_SECONDS * 1000)}")

    def acted_on_export_rows(self, start: str, end: str) -> list[tuple]:
        """Each warning acted on in [start, end), in export_rows' form, with ``actions``: its dispositions in the
        range."""
        return self.conn.execute(_ACTED_ON_ROWS, {"start": start, "end": end}).fetchall()

    def earlier_acted_on(self, start: str, end: str, received: list[str] | None = None) -> list:
        """(day received, warnings, calls, escalated): the warnings received before ``start``, or on one of the days
        ``received`` (YYYY-MM-DD, each before ``start``), that were acted on in [start, end); the standing calls on
        them; and how many of them were handed to a station."""
        params = {"start": start, "end": end}
        if received is None:
            return self.conn.execute(_EARLIER_BY_EVENTS, params).fetchall()
        rows = []
        for day in received:
            bounds = {"received": f"{day} 00:00:00", "received_end": f"{day} 24:00:00"}
            rows += self.conn.execute(_EARLIER_BY_WARNINGS, params | bounds).fetchall()
        return rows

    # --- find and take (SPEC §3) ----------------------------------------------------------------------------------

    def find_warnings(self, kind: str, limit: int | None = None, **params: str) -> list[dict]:
        """The warnings of one kind of ``FIND``, newest first, each with ``rowid`` and ``earlier_warnings``;
        ``limit`` None for all of them."""
        params["limit"] = -1 if limit is None else limit
        if kind == "name_start":
            params["name_end"] = params["name"] + "\U0010ffff"  # every name that starts with it sorts below this
        return [dict(zip(_FOUND_ROW, row, strict=True)) for row in self.conn.execute(FIND[kind], params)]

    def last_take_details(self, warning_id: str) -> str | None:
        """The details of the latest take of a warning (`take` keeps there the state it was taken from)."""
        row = self.conn.execute(
            "SELECT details FROM events WHERE warning_id = ? AND action = 'take' ORDER BY id DESC LIMIT 1",
            (warning_id,),
        ).fetchone()
        return row and row[0]
