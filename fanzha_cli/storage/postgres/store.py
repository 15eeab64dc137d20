"""The PostgreSQL store: every statement of fanzha in PostgreSQL's words, behind the same ``Store`` protocol as
the SQLite store, taking plain values and returning the same plain data.

Times are text in the stored form, compared as text, as on SQLite; ``seq`` is the order of import (SQLite's
rowid), the last key of the queue's order and of `find`'s.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fanzha_cli.domain.errors import NotPermitted
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
    TABLE_KEYS,
    TABLES,
    WARNING_COLUMNS,
    WARNING_ROW,
    WARNING_STATE,
)
from fanzha_cli.storage.events_sql import DISPOSING, STANDS
from fanzha_cli.storage.postgres import connect as pg

_COLUMNS = ", ".join(WARNING_ROW)
# The queue order of SPEC §3 in the terms of the partial index warnings_queue: the head is one index read.
_DUE = "(status = 'new' OR status = 'retry') AND (due_at IS NULL OR due_at <= %(now)s)"
_QUEUE_ORDER = "ORDER BY risk_level DESC, time, seq"
# The head for one officer: the first due one not skipped by this officer lately, else the first due one even so;
# taken with SKIP LOCKED, so that desks never get the same warning nor wait for each other (SPEC §8). The choice is
# one scalar subquery, so that the update reads the row by its key: under row-level security (a desk's login) a
# condition the server cannot prove leak-proof, such as a bare coalesce, would be checked on every row instead.
# The head taken, and the officer's skip of it (if any) forgotten, in one statement: one round trip to the server.
_TAKE_HEAD = f"""
    WITH taken AS (
        UPDATE warnings SET status = 'taken', holder = %(officer)s, held_since = %(now)s
        WHERE id = (SELECT coalesce(
            (SELECT id FROM warnings WHERE {_DUE}
                AND id NOT IN (SELECT warning_id FROM skips WHERE officer = %(officer)s AND until > %(now)s)
                {_QUEUE_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED),
            (SELECT id FROM warnings WHERE {_DUE} {_QUEUE_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED)))
        RETURNING id),
    unskipped AS (DELETE FROM skips WHERE officer = %(officer)s AND warning_id IN (SELECT id FROM taken))
    SELECT id FROM taken"""
_STALE_HOLDS = """
    SELECT id, holder, attempts FROM warnings w
    WHERE holder IS NOT NULL AND status = 'taken' AND held_since < %(cutoff)s
        AND NOT EXISTS (SELECT 1 FROM events e WHERE e.warning_id = w.id AND e.logged_at >= %(cutoff)s)
    FOR UPDATE SKIP LOCKED"""  # one desk reclaims each; the others go on
_STOP_PAY_OVERDUE = "status = 'open' AND requested_at < %(stop_pay_cutoff)s"  # a stop-payment's, unanswered too long
# a hold ending soon (or ended) with no formal freeze nor release (SPEC §7); first, so that it heads the reminder
_HELD = "hold_until IS NOT NULL AND freeze_at IS NULL AND released_at IS NULL"  # (stop_payments_holds' own terms)
_HOLD_ENDING = f"{_HELD} AND hold_until < %(hold_warn_cutoff)s"
_HOLD_ACTS = " UNION ALL ".join(
    f"SELECT '{kind}', count(*), 0 FROM stop_payments WHERE {column} >= %(start)s AND {column} < %(end)s"
    for kind, column in (("extended", "extended_at"), ("formally_frozen", "freeze_at"), ("released", "released_at"))
)
# a hold that ran out with no freeze (a release recorded after its end changes nothing of that)
_ENDED_UNFROZEN = (
    "hold_until IS NOT NULL AND freeze_at IS NULL AND (released_at IS NULL OR released_at >= hold_until)"
    " AND hold_until < %(now)s"
)
_OVERDUE_WHERE = {
    "hold_ending": f"id IN (SELECT warning_id FROM stop_payments WHERE {_HOLD_ENDING})",
    "in_hand": "holder IS NOT NULL AND status = 'taken' AND held_since < %(hold_cutoff)s",
    "retry": "status = 'retry' AND due_at < %(now)s",
    "ack": (
        "station_since IS NOT NULL AND closed_at IS NULL AND acked_at IS NULL AND station_since <"
        " GREATEST(%(ack_cutoff_urgent)s, %(ack_cutoff)s) AND station_since < CASE WHEN risk_level >= 2 THEN"
        " %(ack_cutoff_urgent)s ELSE %(ack_cutoff)s END"
    ),
    "station": (
        "station_since IS NOT NULL AND closed_at IS NULL AND station_since < GREATEST(%(station_cutoff_urgent)s,"
        " %(station_cutoff)s) AND station_since < CASE WHEN risk_level >= 2 THEN %(station_cutoff_urgent)s"
        " ELSE %(station_cutoff)s END AND (visit_result IS NULL OR visit_result != 'dissuaded')"
    ),
    "stop_pay": f"id IN (SELECT warning_id FROM stop_payments WHERE {_STOP_PAY_OVERDUE})",
}
_OVERDUE_COUNT = {kind: f"SELECT count(*) FROM warnings WHERE {where}" for kind, where in _OVERDUE_WHERE.items()}
_OVERDUE_COUNT["stop_pay"] = f"SELECT count(DISTINCT warning_id) FROM stop_payments WHERE {_STOP_PAY_OVERDUE}"
_OVERDUE_COUNT["hold_ending"] = f"SELECT count(DISTINCT warning_id) FROM stop_payments WHERE {_HOLD_ENDING}"
# Every kind's count in one statement: one round trip to the server instead of one a kind, for each `next`'s reminder.
_OVERDUE_COUNTS = "SELECT " + ", ".join(f"({sql})" for sql in _OVERDUE_COUNT.values())
_OVERDUE_IDS = " UNION ".join(f"SELECT id FROM warnings WHERE {where}" for where in _OVERDUE_WHERE.values())
# The warnings late on their station's side (not acknowledged, or no visit result, in time): by station in a summary
_LATE_AT_STATION = " UNION ".join(
    f"SELECT id, time, escalated_to FROM warnings WHERE {_OVERDUE_WHERE[kind]}" for kind in ("ack", "station")
)


def _seconds(start: str, end: str) -> str:
    """Whole seconds between two stored times: the report makes minutes of them, the same on every engine."""
    return f"round(EXTRACT(EPOCH FROM ({end}::timestamp - {start}::timestamp)))::bigint"


def day_counts_sql() -> str:
    """The statement of a day's counts (storage.day_counts) in PostgreSQL's words."""
    import fanzha_cli.storage.day_counts as counts

    details = "(details::json ->> '{}')".format
    return counts.statement("%({})s".format, "json_build_array", "json_agg", _seconds, details)


_DISPOSED_IN_RANGE = f"e.at >= %(start)s AND e.at < %(end)s AND e.action IN ({DISPOSING}) AND {STANDS}"


def _export_sql(chosen: str, *more: str) -> str:
    """The export's rows for the warnings ``chosen`` names: each warning's calls (the last one's outcome by the
    greatest time and id), hand-overs, visits and stop-payments, counted per warning."""
    last_call = "rpad(e.at, 32) || lpad(e.id::text, 20, '0') || coalesce(e.outcome, '')"
    return f"""
        WITH chosen AS MATERIALIZED ({chosen}),
        acts AS MATERIALIZED (
            SELECT e.warning_id, count(*) FILTER (WHERE e.action = 'call') AS calls,
                max(CASE WHEN e.action = 'call' THEN {last_call} END) AS last_call,
                count(*) FILTER (WHERE e.action = 'escalate') AS escalations,
                count(*) FILTER (WHERE e.action = 'visit') AS visits
            FROM chosen c JOIN events e ON e.warning_id = c.id
            WHERE e.action IN ('call', 'escalate', 'visit') AND {STANDS} GROUP BY e.warning_id
        ),
        pays AS MATERIALIZED (
            SELECT s.warning_id, count(*) AS requests, sum(s.amount_fen)::bigint AS fen, sum(s.kept_fen)::bigint AS kept
            FROM chosen c JOIN stop_payments s ON s.warning_id = c.id GROUP BY s.warning_id
        )
        SELECT {", ".join(f"w.{column}" for column in EXPORTED_COLUMNS)}, coalesce(a.calls, 0), substr(a.last_call, 53),
            coalesce(a.escalations, 0), coalesce(a.visits, 0), coalesce(p.requests, 0), p.fen, p.kept
            {"".join(f", c.{column}" for column in more)}
        FROM chosen c JOIN warnings w ON w.id = c.id
            LEFT JOIN acts a ON a.warning_id = c.id LEFT JOIN pays p ON p.warning_id = c.id
        ORDER BY w.time, w.id"""


_FOUND_ROW = ("rowid", *WARNING_ROW, "earlier_warnings")
# The same phone's warnings before this one (by time, then as imported): "known: N earlier warnings".
_EARLIER = (
    "(SELECT count(*) FROM warnings o WHERE right(o.phone, 4) = right(w.phone, 4) AND o.phone = w.phone"
    " AND o.time <= w.time AND (o.time < w.time OR o.seq < w.seq))"
)
_FOUND_SELECT = f"SELECT w.seq, {', '.join(f'w.{column}' for column in WARNING_ROW)}, {_EARLIER} FROM warnings w"
_NEWEST_FIRST = "ORDER BY w.time DESC, w.seq DESC LIMIT %(limit)s"
_ID_TAIL = (
    'lower(right(w.id, 4)) = lower(right(%(tail)s COLLATE "C", 4))'
    ' AND right(lower(w.id), length(%(tail)s)) = lower(%(tail)s COLLATE "C")'
)
_FIND = {
    "phone_tail": f"{_FOUND_SELECT} WHERE right(w.phone, 4) = %(tail)s {_NEWEST_FIRST}",
    "phone": f"{_FOUND_SELECT} WHERE right(w.phone, 4) = right(%(phone)s, 4) AND w.phone = %(phone)s {_NEWEST_FIRST}",
    "name": f"{_FOUND_SELECT} WHERE w.name = %(name)s {_NEWEST_FIRST}",
    "name_start": f"{_FOUND_SELECT} WHERE w.name > %(name)s AND w.name < %(name_end)s {_NEWEST_FIRST}",
    "id_tail": f"{_FOUND_SELECT} WHERE {_ID_TAIL} {_NEWEST_FIRST}",
    "id": f"{_FOUND_SELECT} WHERE w.id IN (%(typed)s, %(id)s) LIMIT %(limit)s",
}


# `audit`'s filters: by officer, by warning, from and to a time
_ACCESS_FILTERS = {
    "officer": "officer = %(officer)s",
    "warning_id": "warning_id = %(warning_id)s",
    "start": "at >= %(start)s",
    "end": "at < %(end)s",
}


def _warning(row) -> dict | None:
    return None if row is None else dict(zip(WARNING_ROW, row, strict=True))


class _Rows(io.TextIOBase):
    """Rows as COPY's text format, read on demand: an import of any size is never held in memory."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self._lines = (_copy_line(row) for row in rows)
        self._buffer = ""
        self.failure: BaseException | None = None  # the rows' own error (a damaged file), raised after the COPY

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        while self.failure is None and (size < 0 or len(self._buffer) < size):
            try:
                line = next(self._lines, None)
            except BaseException as failure:  # the driver would word it as its own: keep it for the caller
                self.failure = failure
                break
            if line is None:
                break
            self._buffer += line
        if size < 0:
            size = len(self._buffer)
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk


# PostgreSQL's text cannot hold a NUL (SQLite's can): a NUL in an export, always damage, is stored as U+FFFD.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": "\ufffd"})


def _copy_line(row: tuple) -> str:
    """One row in COPY's text format. Most rows need no escape: joined as they are, and checked once."""
    line = "\t".join(map(str, row))
    if (
        None in row
        or "\\" in line
        or "\n" in line
        or "\r" in line
        or "\x00" in line
        or line.count("\t") != len(row) - 1
    ):
        line = "\t".join("\\N" if value is None else str(value).translate(_ESCAPES) for value in row)
    return line + "\n"


def _no_nul(value):
    """PostgreSQL's text cannot hold a NUL (SQLite's can): stored as U+FFFD, as an import does."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


def _chunks(rows: Iterable[tuple], size: int) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class PostgresStore:
    """fanzha's data on a PostgreSQL server (SPEC §8)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self._writing = False  # inside a write transaction: the warnings read are locked until it ends
        self._listening = False

    @classmethod
    def open(cls, url: str, *, create: bool = False) -> PostgresStore:
        return cls(pg.connect(url, create=create))

    def close(self) -> None:
        self.conn.close()

    def describe(self) -> dict:
        counts = {table: self._one(f"SELECT count(*) FROM {table}")[0] for table in TABLES}
        version = self._one("SELECT count(*) FROM fanzha_migrations")[0]
        return {"engine": "postgresql", "where": self.where, "schema": version, "counts": counts}

    def table_rows(self, table: str) -> Iterator[tuple]:
        order = "seq" if table in ("warnings", "stations") else ", ".join(TABLE_KEYS[table])
        with pg.errors_of(self.conn), self.conn.cursor(name=f"rows_of_{table}", withhold=True) as cur:
            cur.itersize = 5000  # a server-side cursor: a city's history is never held in memory at once
            cur.execute(f"SELECT {', '.join(TABLE_COLUMNS[table])} FROM {table} ORDER BY {order}")
            yield from cur

    def load_rows(self, table: str, rows: Iterable[tuple], *, merge: bool) -> int:
        from psycopg2.extras import execute_values

        columns, keys = TABLE_COLUMNS[table], TABLE_KEYS[table]
        conflict = ""
        if merge:
            conflict = " ON CONFLICT DO NOTHING"
        elif table in ("stations", "settings"):
            updated = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
            conflict = f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updated}"
        added = 0
        with pg.errors_of(self.conn), self.conn.cursor() as cur:
            for chunk in _chunks(rows, 2000):
                chunk = [tuple(_no_nul(value) for value in row) for row in chunk]
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s{conflict}"
                execute_values(cur, sql, chunk, page_size=len(chunk))  # one page: rowcount counts all of it
                added += cur.rowcount
        return added

    def after_load(self) -> None:
        for table, column in (("batches", "id"), ("warnings", "seq"), ("stop_payments", "id"), ("access_log", "id")):
            self._one(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), coalesce(max({column}), 0) + 1,"
                f" false) FROM {table}"
            )
        self._one("SELECT setval('events_id_seq', coalesce(max(id), 0) + 1, false) FROM events")

    def work_signal(self) -> int | None:
        """LISTEN on the server's channel of new work (once): an import NOTIFYs it as it commits."""
        if not self._listening:
            self._run("LISTEN fanzha_work")
            self._listening = True
        return self.conn.fileno()

    def clear_signal(self) -> bool:
        with pg.errors_of(self.conn):
            self.conn.poll()  # what came on the socket; a query's results may have brought some already
        noticed = bool(self.conn.notifies)
        self.conn.notifies.clear()
        return noticed

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def where(self) -> str:
        return pg.where(self.conn)

    # --- purge (SPEC §10): domain.purge decides what goes; here, how ----------------------------------------------

    def purge_candidates(self, before: str) -> list[str]:
        owner = "pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'events'::regclass), 'USAGE')"
        if not self._one(f"SELECT {owner}")[0]:  # the event log's trigger is set aside by its owner only
            raise NotPermitted(f"a purge is the centre admin's, the login that owns the tables: not {self.login}")
        sql = "SELECT id FROM warnings WHERE time < %s AND status = 'closed' AND closed_at < %s AND purged_at IS NULL"
        return [row[0] for row in self._all(sql, (before, before))]

    def purge_key(self, *, create: bool = True) -> str | None:
        row = self._one("SELECT value FROM fanzha_keys WHERE name = 'phone_hash'")
        if row is None and create:
            import secrets

            self._run(
                "INSERT INTO fanzha_keys (name, value) VALUES ('phone_hash', %s) ON CONFLICT DO NOTHING",
                (secrets.token_hex(32),),
            )
            return self.purge_key(create=False)
        return row and row[0]

    def purge_warnings(self, ids: list[str], hash_of, clean, at: str) -> dict:
        from psycopg2.extras import execute_values

        counts = {"warnings": 0, "events": 0, "stop_payments": 0}
        self._run("ALTER TABLE events DISABLE TRIGGER events_no_change")  # for this transaction only, as on SQLite
        for chunk in _chunks(ids, 2000):
            phones = self._all("SELECT id, phone FROM warnings WHERE id = ANY(%s)", (chunk,))
            with pg.errors_of(self.conn), self.conn.cursor() as cur:
                execute_values(
                    cur,
                    "UPDATE warnings w SET phone_hash = v.hash, purged_at = v.at, name = '', phone = '',"
                    " address = NULL, id_card = NULL, clue = NULL FROM (VALUES %s) AS v (id, hash, at)"
                    " WHERE w.id = v.id",
                    [(warning_id, hash_of(phone) if phone else None, at) for warning_id, phone in phones],
                )
                counts["warnings"] += len(phones)
                events = self._all(
                    "SELECT id, details FROM events WHERE warning_id = ANY(%s) AND details IS NOT NULL", (chunk,)
                )
                changed = [(event_id, new) for event_id, details in events if (new := clean(details)) != details]
                if changed:
                    execute_values(
                        cur,
                        "UPDATE events e SET details = v.details FROM (VALUES %s) AS v (id, details) WHERE e.id = v.id",
                        changed,
                    )
                counts["events"] += len(changed)
                counts["stop_payments"] += self._run(
                    "UPDATE stop_payments SET account = '', note = NULL WHERE warning_id = ANY(%s)", (chunk,)
                )
        self._run("ALTER TABLE events ENABLE TRIGGER events_no_change")
        return counts

    def count_purged_before(self, phone_hash: str, time: str) -> int:
        return self._one("SELECT count(*) FROM warnings WHERE phone_hash = %s AND time < %s", (phone_hash, time))[0]

    def compact(self) -> None:
        """Nothing to do: a purged value is gone from every table at once (the server reuses the old rows' space)."""

    # --- the access log (SPEC §10) ----------------------------------------------------------------------------------

    def log_access(self, rows: list[dict]) -> None:
        """The rows in one round trip to the server: their transaction sent as one text, its commit not waiting
        for the disk (as a take's), and not counted as the command's write (as on SQLite)."""
        with pg.errors_of(self.conn), self.conn.cursor() as cur:
            values = b", ".join(
                cur.mogrify("(%(at)s, %(officer)s, %(warning_id)s, %(field)s, %(command)s)", row) for row in rows
            )
            insert = f"{pg.BEGIN_NOT_WAITING}; INSERT INTO access_log (at, officer, warning_id, field, command) VALUES "
            try:
                cur.execute(insert.encode() + values + b"; COMMIT")
            except BaseException:
                pg.rollback(self.conn)  # a statement refused leaves its transaction open
                raise

    def access_entries(self, *, officer=None, warning_id=None, start=None, end=None) -> list[dict]:
        where, params = ["TRUE"], {"officer": officer, "warning_id": warning_id, "start": start, "end": end}
        where += [condition for key, condition in _ACCESS_FILTERS.items() if params[key] is not None]
        sql = f"SELECT {', '.join(ACCESS_ROW)} FROM access_log WHERE {' AND '.join(where)} ORDER BY at, id"
        return [dict(zip(ACCESS_ROW, row, strict=True)) for row in self._all(sql, params)]

    # --- backups (SPEC §10): pg_dump and pg_restore (storage.postgres.backup) -------------------------------------

    def write_backup(self, path: Path) -> None:
        from fanzha_cli.storage.postgres import backup

        backup.write(self.conn, path)

    def check_backup(self, path: Path) -> dict:
        from fanzha_cli.storage.postgres import backup
        from fanzha_cli.storage.postgres.migrations import MIGRATIONS

        return backup.check(self.conn, path, len(MIGRATIONS))

    def restore_backup(self, path: Path) -> None:
        from fanzha_cli.storage.postgres import backup

        backup.restore(self.conn, path)

    # --- logins (SPEC §9): the server knows who is acting, and what they may do -------------------------------------

    @property
    def login(self) -> str:
        return self.conn.info.user  # the login libpq connected as: the server's current_user (no round trip)

    def login_station(self) -> str | None:
        return self._one("SELECT fanzha_login_station()")[0]

    def logins(self) -> list[dict]:
        from fanzha_cli.storage.postgres import logins

        return logins.listed(self.conn)

    def add_login(self, name: str, role: str, station: str | None, password: str | None) -> None:
        from fanzha_cli.storage.postgres import logins

        logins.add(self.conn, name, role, station, password)

    def remove_login(self, name: str) -> bool:
        from fanzha_cli.storage.postgres import logins

        return logins.remove(self.conn, name)

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[None]:
        with pg.transaction(self.conn, durable=durable):
            self._writing = True
            try:
                yield
            finally:
                self._writing = False

    def rehearsal(self):
        return pg.rehearsal(self.conn)

    def snapshot(self):
        return pg.snapshot(self.conn)

    @contextmanager
    def bulk_insert(self) -> Iterator[None]:
        yield  # COPY into a staging table is the bulk path already

    @contextmanager
    def indexes_built_after(self, rows_expected: int) -> Iterator[None]:
        """Inside an import's transaction: when the rows to add outnumber those stored (a first load), the warnings'
        indexes are dropped and built again after the insert, by one sort each, a fraction of the time of adding
        every row to each (the key and the order of import stay: ON CONFLICT and `seq` need them)."""
        # only into an empty table: dropping an index locks the whole table until the import ends, and desks at
        # work on a table that holds warnings must not wait for a catch-up load
        stored, owner = self._one(  # an index read (fanzha deletes none); whether this login may drop the indexes
            "SELECT (SELECT coalesce(max(seq), 0) FROM warnings),"
            " pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'warnings'::regclass), 'USAGE')"
        )
        if stored or rows_expected <= stored or not owner:
            yield
            return
        indexes = self._all(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " WHERE i.indrelid = 'warnings'::regclass AND NOT i.indisunique"
        )
        for name, _ in indexes:
            self._run(f'DROP INDEX "{name}"')
        yield
        for _, definition in indexes:
            self._run(definition)

    def _all(self, sql: str, params=None) -> list[tuple]:
        with pg.errors_of(self.conn), self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def _one(self, sql: str, params=None) -> tuple | None:
        with pg.errors_of(self.conn), self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()

    def _run(self, sql: str, params=None) -> int:
        with pg.errors_of(self.conn), self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.rowcount

    # --- import batches and warnings ---------------------------------------------------------------------------

    def begin_batch(self, *, file: str, officer: str, at: str) -> int:
        sql = "INSERT INTO batches (file, imported_at, officer) VALUES (%s, %s, %s) RETURNING id"
        return self._one(sql, (file, at, officer))[0]

    def finish_batch(self, batch_id: int, *, sha256: str, counts: dict[str, int]) -> None:
        self._run(
            "UPDATE batches SET sha256 = %s, rows = %s, new = %s, duplicate = %s, rejected = %s WHERE id = %s",
            (sha256, counts["rows"], counts["new"], counts["duplicate"], counts["rejected"], batch_id),
        )

    def insert_new_warnings(self, rows: Iterable[tuple]) -> int:
        """COPY into a staging table, then one INSERT … SELECT … ON CONFLICT DO NOTHING (SPEC §8), in file order."""
        columns = (*WARNING_COLUMNS, "batch_id")
        chosen = ", ".join(f"nullif({c}, '')" if c in OPTIONAL_COLUMNS else c for c in columns)
        with pg.errors_of(self.conn), self.conn.cursor() as cur:
            cur.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS staging (n BIGSERIAL, id TEXT, time TEXT, risk_level INTEGER,"
                " name TEXT, phone TEXT, station TEXT, fraud_type TEXT, address TEXT, clue TEXT, id_card TEXT,"
                " batch_id BIGINT) ON COMMIT DELETE ROWS"
            )
            source = _Rows(rows)
            cur.copy_expert(f"COPY staging ({', '.join(columns)}) FROM STDIN", source)
            if source.failure is not None:
                raise source.failure  # the caller's transaction rolls back what the COPY took
            cur.execute(
                f"INSERT INTO warnings ({', '.join(columns)}) SELECT {chosen} FROM staging ORDER BY n"
                " ON CONFLICT (id) DO NOTHING"
            )
            added = cur.rowcount
            cur.execute("TRUNCATE staging")
            if added:
                cur.execute("SELECT pg_notify('fanzha_work', '')")  # delivered when the import commits: idle desks wake
            return added

    def batches_of_file(self, sha256: str) -> list[dict]:
        rows = self._all("SELECT id, file, imported_at, new FROM batches WHERE sha256 = %s ORDER BY id", (sha256,))
        return [dict(zip(("id", "file", "imported_at", "new"), row, strict=True)) for row in rows]

    # --- the queue and the day ---------------------------------------------------------------------------------

    def queue_head(self, now: str, limit: int = 1) -> list[str]:
        rows = self._all(
            f"SELECT id FROM warnings WHERE {_DUE} {_QUEUE_ORDER} LIMIT %(limit)s", {"now": now, "limit": limit}
        )
        return [row[0] for row in rows]

    def count_received(self, day: str) -> int:
        sql = "SELECT count(*) FROM warnings WHERE time >= %s AND time < %s"
        return self._one(sql, (f"{day} 00:00:00", f"{day} 24:00:00"))[0]

    # --- the desk ------------------------------------------------------------------------------------------------

    def _locked(self) -> str:
        """A warning read to be changed is locked until the transaction ends: two desks acting on one warning
        take turns, and each decides on what the other left (SQLite has one writer at a time for this)."""
        return " FOR UPDATE" if self._writing else ""

    def get_warning(self, warning_id: str) -> dict | None:
        row = self._one(f"SELECT {_COLUMNS} FROM warnings WHERE id = %s{self._locked()}", (warning_id,))
        if row is None and self._writing and self._one("SELECT 1 FROM warnings WHERE id = %s", (warning_id,)):
            self._refuse_change(warning_id)  # this login reads it but may not change it: the server's rule (SPEC §9)
        return _warning(row)

    def _refuse_change(self, warning_id: str):
        raise NotPermitted(f"the server refused {self.login} a change to {warning_id}: not its to change")

    def held_by(self, officer: str) -> dict | None:
        sql = f"SELECT {_COLUMNS} FROM warnings WHERE holder = %s AND status = 'taken'{self._locked()}"
        row = self._one(sql, (officer,))
        return _warning(row)

    def station_inbox(self, station: str) -> list[dict]:
        sql = (
            f"SELECT {_COLUMNS} FROM warnings WHERE station_since IS NOT NULL AND closed_at IS NULL"
            " AND escalated_to = %(station)s AND (visit_result IS NULL OR visit_result != 'dissuaded')"
            " ORDER BY risk_level DESC, station_since, seq"
        )
        return [_warning(row) for row in self._all(sql, {"station": station})]

    def take_head(self, officer: str, now: str) -> str | None:
        row = self._one(_TAKE_HEAD, {"officer": officer, "now": now})
        return row and row[0]

    def queue_outlook(self) -> dict:
        row = self._one(
            "SELECT EXISTS (SELECT 1 FROM warnings), (SELECT min(due_at) FROM warnings WHERE status = 'retry'),"
            " (SELECT count(*) FROM warnings WHERE station_since IS NOT NULL AND closed_at IS NULL),"
            " (SELECT count(*) FROM warnings WHERE holder IS NOT NULL AND status = 'taken')"
        )
        return dict(zip(("any", "next_retry", "at_stations", "in_hands"), row, strict=True))

    def skip(self, officer: str, warning_id: str, now: str, until: str) -> None:
        self._run("DELETE FROM skips WHERE officer = %s AND until <= %s", (officer, now))
        self._run(
            "INSERT INTO skips (officer, warning_id, until) VALUES (%s, %s, %s)"
            " ON CONFLICT (officer, warning_id) DO UPDATE SET until = excluded.until",
            (officer, warning_id, until),
        )

    def stale_holds(self, cutoff: str) -> list[dict]:
        rows = self._all(_STALE_HOLDS, {"cutoff": cutoff})
        return [dict(zip(("id", "holder", "attempts"), row, strict=True)) for row in rows]

    def set_state(self, warning_id: str, state: dict, *, edit: bool = False) -> None:
        allowed = (*WARNING_STATE, *EDITABLE) if edit else WARNING_STATE
        columns = [key for key in allowed if key in state]
        if columns:
            assignments = ", ".join(f"{key} = %s" for key in columns)
            changed = self._run(
                f"UPDATE warnings SET {assignments} WHERE id = %s", (*(state[key] for key in columns), warning_id)
            )
            if not changed:  # the server's row-level security hid the row from this login's update (SPEC §9)
                self._refuse_change(warning_id)

    def add_events(self, events: list[dict], *, undoes: int | None = None) -> int:
        """Ids from the events' sequence, increasing, the act's the first of them."""
        ids = [
            row[0] for row in self._all("SELECT nextval('events_id_seq') FROM generate_series(1, %s)", (len(events),))
        ]
        first = ids[0]
        rows = [
            {"outcome": None, "station": None, "channels": None, "details": None}
            | event
            | {"id": ids[n], "act": first, "undoes": undoes if n == 0 else None}
            for n, event in enumerate(events)
        ]
        with pg.errors_of(self.conn), self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO events (id, warning_id, at, logged_at, officer, action, outcome, station, channels,"
                " details, act, undoes) VALUES (%(id)s, %(warning_id)s, %(at)s, %(logged_at)s, %(officer)s,"
                " %(action)s, %(outcome)s, %(station)s, %(channels)s, %(details)s, %(act)s, %(undoes)s)",
                rows,
            )
        return first

    def last_act(self, officer: str) -> dict | None:
        row = self._one(
            f"SELECT {', '.join(EVENT_ROW)} FROM events e WHERE officer = %s AND id = act"
            f" AND action NOT IN ('take', 'undo', 'reclaimed') AND {STANDS} ORDER BY id DESC LIMIT 1",
            (officer,),
        )
        return row and dict(zip(EVENT_ROW, row, strict=True))

    def standing_events_after(self, warning_id: str, act: int) -> list[dict]:
        rows = self._all(
            f"SELECT {', '.join(EVENT_ROW)} FROM events e WHERE warning_id = %s AND id > %s AND act != %s"
            f" AND action != 'undo' AND {STANDS} ORDER BY id",
            (warning_id, act, act),
        )
        return [dict(zip(EVENT_ROW, row, strict=True)) for row in rows]

    def warning_events(self, warning_id: str) -> list[dict]:
        rows = self._all(
            f"SELECT {', '.join(EVENT_ROW)}, act, undoes, NOT {STANDS} AS undone FROM events e"
            " WHERE warning_id = %s ORDER BY id",
            (warning_id,),
        )
        return [dict(zip((*EVENT_ROW, "act", "undoes", "undone"), row, strict=True)) for row in rows]

    def batch_of(self, batch_id: int) -> dict:
        row = self._one("SELECT id, file, imported_at, officer FROM batches WHERE id = %s", (batch_id,))
        return dict(zip(("id", "file", "imported_at", "officer"), row, strict=True))

    def last_take_details(self, warning_id: str) -> str | None:
        row = self._one(
            "SELECT details FROM events WHERE warning_id = %s AND action = 'take' ORDER BY id DESC LIMIT 1",
            (warning_id,),
        )
        return row and row[0]

    # --- overdue, and the lists of `list` ------------------------------------------------------------------------

    def oldest_open_requests(self, warning_ids: list[str]) -> dict[str, str]:
        return self._earliest_per_warning("requested_at", "status = 'open'", warning_ids)

    def ending_holds(self, warning_ids: list[str]) -> dict[str, str]:
        return self._earliest_per_warning("hold_until", _HELD, warning_ids)

    def _earliest_per_warning(self, column: str, where: str, warning_ids: list[str]) -> dict[str, str]:
        """Each listed warning's least ``column`` among its stop-payments that meet ``where``."""
        if not warning_ids:
            return {}
        sql = f"SELECT warning_id, min({column}) FROM stop_payments WHERE {where} AND warning_id = ANY(%s) GROUP BY 1"
        return dict(self._all(sql, (list(warning_ids),)))

    def count_overdue(self, limits: dict[str, str]) -> dict[str, int]:
        return dict(zip(_OVERDUE_COUNT, self._one(_OVERDUE_COUNTS, limits), strict=True))

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
        where, params = [], dict(overdue or {})
        if risk_level is not None:
            where.append("risk_level = %(risk_level)s")
            params["risk_level"] = risk_level
        if station is not None:
            where.append("(station = %(station)s OR escalated_to = %(station)s)")
            params["station"] = station
        if day is not None:
            where.append("time >= %(day_start)s AND time < %(day_end)s")
            params |= {"day_start": f"{day} 00:00:00", "day_end": f"{day} 24:00:00"}
        if statuses or overdue is None:
            where.append("status = ANY(%(statuses)s)")
            params["statuses"] = list(statuses or OPEN_STATUSES)
        if overdue is not None:
            where.append(f"({' OR '.join(f'({condition})' for condition in _OVERDUE_WHERE.values())})")
        sql = f"SELECT {_COLUMNS} FROM warnings WHERE {' AND '.join(where) or 'TRUE'} {_QUEUE_ORDER}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [_warning(row) for row in self._all(sql, params)]

    # --- stations ----------------------------------------------------------------------------------------------

    def get_station(self, name: str) -> dict | None:
        row = self._one(f"SELECT {', '.join(STATION_COLUMNS)} FROM stations WHERE name = %s", (name,))
        return row and dict(zip(STATION_COLUMNS, row, strict=True))

    def list_stations(self) -> list[dict]:
        rows = self._all(f"SELECT {', '.join(STATION_COLUMNS)} FROM stations ORDER BY seq")
        return [dict(zip(STATION_COLUMNS, row, strict=True)) for row in rows]

    def station_names(self) -> list[str]:
        return [row[0] for row in self._all("SELECT name FROM stations ORDER BY seq")]

    def save_stations(self, stations: Iterable[dict]) -> int:
        written = 0
        for station in stations:
            written += self._run(
                "INSERT INTO stations (name, duty_phone, wechat_group) VALUES (%(name)s, %(duty_phone)s,"
                " %(wechat_group)s) ON CONFLICT (name) DO UPDATE SET duty_phone = excluded.duty_phone,"
                " wechat_group = excluded.wechat_group",
                station,
            )
        return written

    # --- settings ----------------------------------------------------------------------------------------------

    def get_settings(self) -> dict[str, str]:
        return dict(self._all("SELECT key, value FROM settings"))

    def put_setting(self, key: str, value: str) -> None:
        self._run(
            "INSERT INTO settings (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- stop-payments (SPEC §7) ---------------------------------------------------------------------------------

    def add_stop_payment(self, request: dict) -> int:
        columns = [key for key in STOP_PAY_ROW if key in request]
        values = ", ".join(f"%({c})s" for c in columns)
        return self._one(f"INSERT INTO stop_payments ({', '.join(columns)}) VALUES ({values}) RETURNING id", request)[0]

    def get_stop_payment(self, request_id: int) -> dict | None:
        row = self._one(f"SELECT {', '.join(STOP_PAY_ROW)} FROM stop_payments WHERE id = %s", (request_id,))
        return row and dict(zip(STOP_PAY_ROW, row, strict=True))

    def set_stop_payment_result(self, request_id: int, result: dict) -> None:
        self._run(
            f"UPDATE stop_payments SET {', '.join(f'{key} = %({key})s' for key in STOP_PAY_RESULT)} WHERE id = %(id)s",
            {key: result.get(key) for key in STOP_PAY_RESULT} | {"id": request_id},
        )

    def set_stop_payment_hold(self, request_id: int, hold: dict) -> None:
        self._run(
            f"UPDATE stop_payments SET {', '.join(f'{key} = %({key})s' for key in STOP_PAY_HOLD)} WHERE id = %(id)s",
            {key: hold.get(key) for key in STOP_PAY_HOLD} | {"id": request_id},
        )

    def withdraw_stop_payment(self, request_id: int) -> None:
        self._run("DELETE FROM stop_payments WHERE id = %s", (request_id,))

    def list_stop_payments(self, *, warning_id: str | None = None, open_only: bool = False, account=None):
        where = ["TRUE"]
        if warning_id is not None:
            where.append("warning_id = %(warning_id)s")
        if account is not None:
            where.append("account = %(account)s")
        if open_only:
            where.append("status = 'open'")
        sql = (
            f"SELECT {', '.join(STOP_PAY_ROW)} FROM stop_payments WHERE {' AND '.join(where)} ORDER BY"
            " CASE WHEN status = 'open' THEN 0 ELSE 1 END,"
            " CASE WHEN status = 'open' THEN requested_at END, requested_at DESC, id DESC"
        )
        params = {"warning_id": warning_id, "account": account}
        return [dict(zip(STOP_PAY_ROW, row, strict=True)) for row in self._all(sql, params)]

    # --- the day's totals (SPEC §6) ----------------------------------------------------------------------------
    # Figures are computed from the rows each time on PostgreSQL: the days' kept figures of SQLite are not kept
    # here (kept_figures finds none, keep_figures keeps none), which changes the time a range takes, not its
    # figures. Kept ones would have to know who asked: under row-level security a station's login counts only its
    # own station's warnings.

    def day_counts(self, start: str, end: str) -> dict[str, list | int]:
        import fanzha_cli.storage.day_counts as counts

        return counts.read(self._one(day_counts_sql(), counts.params(start, end)))

    def escalated_warnings(self, start: str, end: str) -> tuple[int, list[tuple]]:
        sql = f"""WITH handed AS MATERIALIZED (
                SELECT station, warning_id FROM events e
                WHERE action = 'escalate' AND at >= %(start)s AND at < %(end)s AND {STANDS})
            SELECT NULL, count(DISTINCT warning_id) FROM handed
            UNION ALL
            (SELECT station, count(DISTINCT warning_id) FROM handed GROUP BY station ORDER BY station NULLS FIRST)"""
        (_, total), *by_station = self._all(sql, {"start": start, "end": end})
        return total, by_station

    def overdue_by_day(self, start: str, end: str, limits: dict) -> list[tuple]:
        sql = (
            "SELECT left(time, 10) AS day, count(*) FROM warnings"
            f" WHERE time >= %(start)s AND time < %(end)s AND id IN ({_OVERDUE_IDS}) GROUP BY day"
        )
        return self._all(sql, {"start": start, "end": end, **limits})

    def station_overdue_by_day(self, start: str, end: str, limits: dict) -> list[tuple]:
        sql = (
            f"SELECT left(time, 10), escalated_to, count(*) FROM ({_LATE_AT_STATION}) AS late"
            " WHERE time >= %(start)s AND time < %(end)s GROUP BY 1, 2"
        )
        return self._all(sql, {"start": start, "end": end, **limits})

    def stop_payment_seconds(self, start: str, end: str) -> list[tuple]:
        sql = f"""SELECT {_seconds("requested_at", "result_at")} AS seconds, count(*) FROM stop_payments
            WHERE result_at >= %s AND result_at < %s GROUP BY seconds"""
        return self._all(sql, (start, end))

    def stop_payment_counts(self, start: str, end: str) -> list[tuple]:
        sql = f"""SELECT 'requested', count(*), 0 FROM stop_payments
                WHERE requested_at >= %(start)s AND requested_at < %(end)s
            UNION ALL
            SELECT status, count(*), sum(kept_fen)::bigint FROM stop_payments
                WHERE result_at >= %(start)s AND result_at < %(end)s GROUP BY status
            UNION ALL
            {_HOLD_ACTS}"""
        return [row for row in self._all(sql, {"start": start, "end": end}) if row[1]]

    def expired_holds_by_day(self, start: str, end: str, now: str) -> list[tuple]:
        sql = f"""SELECT left(hold_until, 10), count(*) FROM stop_payments WHERE {_ENDED_UNFROZEN}
            AND hold_until >= %(start)s AND hold_until < %(end)s GROUP BY 1"""
        return self._all(sql, {"start": start, "end": end, "now": now})

    def kept_figures(self, first: str, last: str, version: int) -> tuple[dict[str, str], dict]:
        return {}, {"stale": [], "newest": 0, "upto": 0}

    def keep_figures(self, days: list[tuple[str, str]], version: int, checked: dict) -> bool:
        return False

    def earlier_acted_on(self, start: str, end: str, received: list[str] | None = None) -> list:
        """(day received, warnings, calls, escalated) of the warnings received before ``start`` (or on the days
        ``received``) and acted on in [start, end)."""
        counts = """left(w.time, 10) AS received, count(DISTINCT e.warning_id),
            count(*) FILTER (WHERE e.action = 'call'),
            count(DISTINCT CASE WHEN e.action = 'escalate' THEN e.warning_id END)"""
        where = f"{_DISPOSED_IN_RANGE} AND w.time < %(start)s"
        params = {"start": start, "end": end, "received": received}
        if received is not None:
            where += " AND left(w.time, 10) = ANY(%(received)s)"
        sql = f"SELECT {counts} FROM events e JOIN warnings w ON w.id = e.warning_id WHERE {where} GROUP BY received"
        return self._all(sql, params)

    # --- export ------------------------------------------------------------------------------------------------

    def stop_payment_accounts(self, warning_ids: list[str]) -> dict[str, list[str]]:
        accounts: dict[str, list[str]] = {}
        sql = "SELECT warning_id, account FROM stop_payments WHERE warning_id = ANY(%s) ORDER BY id"
        for warning_id, account in self._all(sql, (list(warning_ids),)):
            accounts.setdefault(warning_id, []).append(account)
        return accounts

    def export_rows(self, start: str, end: str) -> list[tuple]:
        chosen = "SELECT id FROM warnings WHERE time >= %(start)s AND time < %(end)s"
        return self._all(_export_sql(chosen), locals())

    def acted_on_export_rows(self, start: str, end: str) -> list[tuple]:
        chosen = (
            f"SELECT e.warning_id AS id, count(*) AS actions FROM events e WHERE {_DISPOSED_IN_RANGE}"
            " GROUP BY e.warning_id"
        )
        return self._all(_export_sql(chosen, "actions"), {"start": start, "end": end})

    # --- find and take (SPEC §3) -------------------------------------------------------------------------------

    def find_warnings(self, kind: str, limit: int | None = None, **params: str) -> list[dict]:
        params["limit"] = limit  # None: LIMIT NULL, all of them
        if kind == "name_start":
            params["name_end"] = params["name"] + "\U0010ffff"
        return [dict(zip(_FOUND_ROW, row, strict=True)) for row in self._all(_FIND[kind], params)]
