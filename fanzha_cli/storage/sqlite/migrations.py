"""The schema, as named migrations applied in order when a database opens (sqlite-utils ``Migrations``).

Never edit a migration that has shipped: add a new one, and raise ``SCHEMA_VERSION`` (storage.sqlite.connect)
to the new count.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from fanzha_cli.storage.shipped import STATIONS_AS_SHIPPED as _STATIONS_AS_SHIPPED

migrations = Migrations("fanzha")


@migrations(name="0001_core_tables")
def _core_tables(db: Database) -> None:
    for statement in _CORE_TABLES:
        db.execute(statement)


_CORE_TABLES = (
    """CREATE TABLE batches (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        sha256 TEXT,
        imported_at TEXT NOT NULL,
        officer TEXT NOT NULL,
        rows INTEGER,
        new INTEGER,
        duplicate INTEGER,
        rejected INTEGER
    )""",
    "CREATE INDEX batches_sha256 ON batches (sha256)",
    """CREATE TABLE warnings (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        risk_level INTEGER NOT NULL CHECK (risk_level BETWEEN 1 AND 3),
        fraud_type TEXT,
        name TEXT NOT NULL,
        phone TEXT NOT NULL,
        station TEXT NOT NULL,
        address TEXT,
        clue TEXT,
        id_card TEXT,
        batch_id INTEGER NOT NULL REFERENCES batches (id),
        -- OR, not IN: SQLite evaluates an IN list in a CHECK far more slowly, and import checks every row
        status TEXT NOT NULL DEFAULT 'new' CHECK (
            status = 'new' OR status = 'taken' OR status = 'retry' OR status = 'escalated' OR status = 'closed'
        ),
        holder TEXT,
        held_since TEXT,
        due_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
    )""",
    # The open queue in its own order (SPEC §3: most urgent first, then oldest, then as imported): `next` reads
    # one row of it.
    """CREATE INDEX warnings_queue ON warnings (risk_level DESC, time)
        WHERE status = 'new' OR status = 'retry'""",
    # Per-day totals count warnings by their own time.
    "CREATE INDEX warnings_time ON warnings (time)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        warning_id TEXT NOT NULL REFERENCES warnings (id),
        at TEXT NOT NULL,
        logged_at TEXT NOT NULL,
        officer TEXT NOT NULL,
        action TEXT NOT NULL,
        details TEXT
    )""",
    "CREATE INDEX events_warning ON events (warning_id, id)",
    # Per-day totals count actions by the time they were done.
    "CREATE INDEX events_at ON events (at)",
    # The event log is append-only: history is corrected by new events (undo), never rewritten.
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END""",
    """CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE stations (
        name TEXT PRIMARY KEY,
        duty_phone TEXT,
        wechat_group TEXT
    )""",
)


@migrations(name="0002_seed_stations")
def _seed_stations(db: Database) -> None:
    db.conn.executemany(
        "INSERT OR REPLACE INTO stations (name, duty_phone, wechat_group) VALUES (?, ?, ?)", _STATIONS_AS_SHIPPED
    )


@migrations(name="0003_desk")
def _desk(db: Database) -> None:
    for statement in _DESK:
        db.execute(statement)


_DESK = (
    # The station's side of a warning: set by the first escalation, moved by a visit 'moved'.
    "ALTER TABLE warnings ADD COLUMN escalated_at TEXT",
    "ALTER TABLE warnings ADD COLUMN escalated_to TEXT",
    # When the station handling it took it, or last reported 'not-found': its clock for a visit result.
    "ALTER TABLE warnings ADD COLUMN station_since TEXT",
    "ALTER TABLE warnings ADD COLUMN visits INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE warnings ADD COLUMN visit_result TEXT",
    "ALTER TABLE warnings ADD COLUMN closed_at TEXT",
    # The first call outcome's time: the clock of SPEC §7 and, with escalated_at, what makes a warning disposed.
    "ALTER TABLE warnings ADD COLUMN first_call_at TEXT",
    # Columns of the event log that the totals count by, so that they need no JSON functions.
    "ALTER TABLE events ADD COLUMN outcome TEXT",
    "ALTER TABLE events ADD COLUMN station TEXT",
    "ALTER TABLE events ADD COLUMN channels TEXT",
    # The events one command wrote share the id of its first event; an undo names that id.
    "ALTER TABLE events ADD COLUMN act INTEGER",
    "ALTER TABLE events ADD COLUMN undoes INTEGER REFERENCES events (id)",
    "CREATE INDEX events_officer ON events (officer, id)",
    "CREATE UNIQUE INDEX events_undoes ON events (undoes) WHERE undoes IS NOT NULL",
    # The warning in an officer's hand: `next` looks it up on every call.
    "CREATE INDEX warnings_holder ON warnings (holder) WHERE holder IS NOT NULL",
    # Supervision (store.OVERDUE): retries by due time, and warnings waiting for a station's result.
    "CREATE INDEX warnings_retry ON warnings (due_at) WHERE status = 'retry'",
    """CREATE INDEX warnings_at_station ON warnings (station_since)
        WHERE station_since IS NOT NULL AND closed_at IS NULL""",
)


@migrations(name="0004_stop_payments")
def _stop_payments(db: Database) -> None:
    for statement in _STOP_PAYMENTS:
        db.execute(statement)


_STOP_PAYMENTS = (
    # AUTOINCREMENT: a request's number is read out to a bank, so a withdrawn one's number is never given again.
    """CREATE TABLE stop_payments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        warning_id TEXT NOT NULL REFERENCES warnings (id),
        bank TEXT NOT NULL,
        account TEXT NOT NULL,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        requested_at TEXT NOT NULL,
        officer TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open'
            CHECK (status = 'open' OR status = 'frozen' OR status = 'partial' OR status = 'failed'),
        kept_fen INTEGER CHECK (kept_fen >= 0),
        result_at TEXT,
        reason TEXT,
        note TEXT
    )""",
    "CREATE INDEX stop_payments_warning ON stop_payments (warning_id)",
    "CREATE INDEX stop_payments_requested ON stop_payments (requested_at)",
    "CREATE INDEX stop_payments_result ON stop_payments (result_at) WHERE result_at IS NOT NULL",
    "CREATE INDEX stop_payments_open ON stop_payments (requested_at) WHERE status = 'open'",
)


@migrations(name="0005_find_and_skip")
def _find_and_skip(db: Database) -> None:
    for statement in _FIND_AND_SKIP:
        db.execute(statement)
    _one_form_per_officer(db.conn)


def _one_form_per_officer(conn: sqlite3.Connection) -> None:
    """Officers are named in one form from now on (``Alice``, ``alice `` and ``ａｌｉｃｅ`` are ``alice``): a warning
    in the hand of an ``Alice`` recorded before stays in her hand; where two spellings of one officer each held one,
    the one taken last stays and the other goes back to the queue. (The event log keeps names as written.) The
    normalising is written out here as it shipped, not borrowed from the program, which may change."""
    import unicodedata

    def one_form(name: str) -> str:
        name = unicodedata.normalize("NFKC", name)
        name = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in name)
        return " ".join(name.split()).lower()

    holds = conn.execute(
        "SELECT id, holder, attempts FROM warnings WHERE holder IS NOT NULL ORDER BY held_since DESC, rowid DESC"
    ).fetchall()
    seen = set()
    for warning_id, holder, attempts in holds:
        name = one_form(holder)
        if name in seen:
            back = "retry" if attempts else "new"
            conn.execute(
                "UPDATE warnings SET status = ?, holder = NULL, held_since = NULL, due_at = NULL WHERE id = ?",
                (back, warning_id),
            )
        elif name != holder:
            conn.execute("UPDATE warnings SET holder = ? WHERE id = ?", (name, warning_id))
        seen.add(name)


_FIND_AND_SKIP = (
    # `find` by the last four digits of a phone, and an id typed as its tail (SPEC §3): both look the last four
    # characters up in an index, then check the rest of the tail on the few rows found. Each index ends with the
    # warning's time, so that what is found comes out newest first without a sort (store, "find and take").
    "CREATE INDEX warnings_phone_tail ON warnings (substr(phone, -4), time)",
    "CREATE INDEX warnings_id_tail ON warnings (lower(substr(id, -4)), time)",
    "CREATE INDEX warnings_name ON warnings (name, time)",
    # A warning an officer released (skipped) is not handed to that officer again until `until`, while anything
    # else is due for them; one row per officer and warning.
    """CREATE TABLE skips (
        officer TEXT NOT NULL,
        warning_id TEXT NOT NULL REFERENCES warnings (id),
        until TEXT NOT NULL,
        PRIMARY KEY (officer, warning_id)
    )""",
)


@migrations(name="0006_city_scale")
def _city_scale(db: Database) -> None:
    for statement in _CITY_SCALE:
        db.execute(statement)


_CITY_SCALE = (
    # `list` reads each status it shows in queue order and merges them (store.list_warnings): the first rows of
    # any view cost what they show, even with two million warnings, most of them closed.
    "CREATE INDEX warnings_status ON warnings (status, risk_level DESC, time)",
    # `list --overdue` reads the warnings waiting for a station's result in queue order, most of what can be
    # overdue; no warning is imported waiting, so an import never writes to it.
    """CREATE INDEX warnings_waiting ON warnings (risk_level DESC, time)
        WHERE station_since IS NOT NULL AND closed_at IS NULL""",
    # A range's escalations, counted by warning and station, read from this index alone.
    "CREATE INDEX events_escalations ON events (at, station, warning_id, act) WHERE action = 'escalate'",
    # Each day's figures, once a summary has computed them (store, "figures kept per day"); ``version`` is the
    # form of ``figures``, which the report reads only in the form it writes.
    """CREATE TABLE day_figures (
        day TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        figures TEXT NOT NULL
    ) WITHOUT ROWID""",
    # Warnings added since the kept figures were last checked are those past ``upto`` (their rowid): a summary
    # looks at their days only, and takes those days' figures afresh. (A trigger on each warning added would do
    # it too, but any row trigger on warnings triples the time of an import.)
    "CREATE TABLE day_figures_checked (upto INTEGER NOT NULL)",
    "INSERT INTO day_figures_checked (upto) SELECT coalesce(max(rowid), 0) FROM warnings",
    # Any other write that touches a day drops its kept figures, whoever writes: a change to a warning counts on
    # the day of its own time; an event on the day it was done and on its warning's day; an undo on the days of
    # what it undid; a stop-payment on the days of its request and of its result.
    """CREATE TRIGGER day_figures_warning_changed AFTER UPDATE ON warnings
        BEGIN DELETE FROM day_figures WHERE day IN (substr(OLD.time, 1, 10), substr(NEW.time, 1, 10)); END""",
    # The desk never moves a warning's time nor deletes a warning; another program might. The days of its events
    # counted it as received on its old day; and a row id freed may be taken again, at or below the last check.
    """CREATE TRIGGER day_figures_warning_moved AFTER UPDATE OF time ON warnings
        BEGIN DELETE FROM day_figures WHERE day IN (SELECT substr(at, 1, 10) FROM events WHERE warning_id = OLD.id);
        END""",
    """CREATE TRIGGER day_figures_warning_removed AFTER DELETE ON warnings
        BEGIN
            DELETE FROM day_figures WHERE day = substr(OLD.time, 1, 10)
                OR day IN (SELECT substr(at, 1, 10) FROM events WHERE warning_id = OLD.id);
            UPDATE day_figures_checked SET upto = coalesce((SELECT max(rowid) FROM warnings), 0)
                WHERE upto > coalesce((SELECT max(rowid) FROM warnings), 0);
        END""",
    """CREATE TRIGGER day_figures_event_added AFTER INSERT ON events
        BEGIN
            DELETE FROM day_figures WHERE day IN (
                substr(NEW.at, 1, 10), (SELECT substr(time, 1, 10) FROM warnings WHERE id = NEW.warning_id));
            DELETE FROM day_figures WHERE NEW.undoes IS NOT NULL AND day IN (
                SELECT substr(at, 1, 10) FROM events WHERE id >= NEW.undoes AND id < NEW.id AND act = NEW.undoes);
        END""",
    """CREATE TRIGGER day_figures_stop_payment_added AFTER INSERT ON stop_payments
        BEGIN
            DELETE FROM day_figures WHERE day IN (substr(NEW.requested_at, 1, 10), substr(NEW.result_at, 1, 10));
        END""",
    """CREATE TRIGGER day_figures_stop_payment_changed AFTER UPDATE ON stop_payments
        BEGIN
            DELETE FROM day_figures WHERE day IN (substr(OLD.requested_at, 1, 10), substr(OLD.result_at, 1, 10),
                substr(NEW.requested_at, 1, 10), substr(NEW.result_at, 1, 10));
        END""",
    """CREATE TRIGGER day_figures_stop_payment_removed AFTER DELETE ON stop_payments
        BEGIN
            DELETE FROM day_figures WHERE day IN (substr(OLD.requested_at, 1, 10), substr(OLD.result_at, 1, 10));
        END""",
)


@migrations(name="0007_event_ids_by_default")
def _event_ids_by_default(db: Database) -> None:
    """Nothing to do here: SQLite's INTEGER PRIMARY KEY already numbers an event that another program writes. The
    name is kept so that both engines count the same migrations (on PostgreSQL the id takes its sequence)."""


@migrations(name="0008_station_acknowledgements")
def _station_acknowledgements(db: Database) -> None:
    # When the station that has the warning acknowledged it (签收, SPEC §9): unset at each hand-over, so that a
    # station taking it over acknowledges it again; a hand-over left unacknowledged past ack_minutes is overdue.
    # Hand-overs made before acknowledgements existed count as acknowledged when made (the state only: no event,
    # so that no minutes are measured for them), or every one of them would be overdue on the day of the upgrade.
    db.execute("ALTER TABLE warnings ADD COLUMN acked_at TEXT")
    db.execute("UPDATE warnings SET acked_at = station_since WHERE station_since IS NOT NULL")


@migrations(name="0009_open_hand_overs_covered")
def _open_hand_overs_covered(db: Database) -> None:
    # `next` counts what is late with the stations on every call (no acknowledgement, no visit result in time), and
    # a summary counts it by day and station: the index of the open hand-overs (a few thousand in a city) now holds
    # every column those counts read, so that they never look a warning up in the table.
    db.execute("DROP INDEX warnings_at_station")
    db.execute(
        """CREATE INDEX warnings_at_station
        ON warnings (station_since, risk_level, acked_at, visit_result, time, escalated_to)
        WHERE station_since IS NOT NULL AND closed_at IS NULL"""
    )


@migrations(name="0010_first_caller")
def _first_caller(db: Database) -> None:
    # Who made a warning's first call, beside when (first_call_at): the summary's figures by officer read both in
    # the one pass over a day's warnings that the first-call figures make. Earlier warnings from the event log.
    db.execute("ALTER TABLE warnings ADD COLUMN first_call_by TEXT")
    db.execute(
        """UPDATE warnings SET first_call_by = (SELECT e.officer FROM events e WHERE e.warning_id = warnings.id
            AND e.action = 'call' AND e.at = warnings.first_call_at ORDER BY e.id LIMIT 1)
        WHERE first_call_at IS NOT NULL"""
    )


@migrations(name="0011_roles")
def _roles(db: Database) -> None:
    # The roles of SPEC §9 are the server's (logins, privileges, row-level security): on one file, which anyone who
    # can open it can change, they are a convention (--station), not a protection. What both engines keep: the
    # station that passed a warning on (a visit 'moved'), which on the server still reads what it passed on. Earlier
    # moves from the event log (a visit's own word, or, before visits said it, the station it had before the move).
    db.execute("ALTER TABLE warnings ADD COLUMN moved_from TEXT")
    db.execute(
        """UPDATE warnings SET moved_from = (SELECT coalesce(json_extract(e.details, '$.moved_from'),
                json_extract(e.details, '$.before.escalated_to')) FROM events e
            WHERE e.warning_id = warnings.id AND e.action = 'visit' AND e.outcome = 'moved'
                AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.act)
            ORDER BY e.id DESC LIMIT 1)
        WHERE escalated_to IS NOT NULL"""
    )


@migrations(name="0012_holds")
def _holds(db: Database) -> None:
    # The life of a hold (SPEC §7, 银发〔2016〕86号): a stop-payment that took effect holds the account until
    # hold_until (48 hours; an extension adds as much again, once), unless the account is formally frozen (冻结, until
    # the freeze ends) or the hold released. Holds that took effect before: 48 hours from the bank's answer.
    for column in ("hold_until", "extended_at", "freeze_at", "released_at"):
        db.execute(f"ALTER TABLE stop_payments ADD COLUMN {column} TEXT")
    db.execute(
        "UPDATE stop_payments SET hold_until = strftime('%Y-%m-%d %H:%M:%S', result_at, '+48 hours')"
        " WHERE status IN ('frozen', 'partial')"
    )
    # `next` counts the holds about to end on every call: those that can still end are few, and read by their end
    db.execute(
        """CREATE INDEX stop_payments_holds ON stop_payments (hold_until, warning_id)
        WHERE hold_until IS NOT NULL AND freeze_at IS NULL AND released_at IS NULL"""
    )
    # an extension, a freeze or a release counts on the day it was done: its kept figures go with it
    db.execute("DROP TRIGGER day_figures_stop_payment_changed")
    days = ", ".join(
        f"substr({row}.{column}, 1, 10)"
        for row in ("OLD", "NEW")
        for column in ("requested_at", "result_at", "extended_at", "freeze_at", "released_at")
    )
    db.execute(
        f"""CREATE TRIGGER day_figures_stop_payment_changed AFTER UPDATE ON stop_payments
        BEGIN DELETE FROM day_figures WHERE day IN ({days}); END"""
    )


@migrations(name="0013_access_log")
def _access_log(db: Database) -> None:
    # The access log (SPEC §10): each time a full phone, ID number or account number is shown, who, when, which
    # warning, which field and by which command. Append-only, like the event log; it holds no value itself.
    db.execute(
        """CREATE TABLE access_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            officer TEXT NOT NULL,
            warning_id TEXT NOT NULL REFERENCES warnings (id),
            field TEXT NOT NULL CHECK (field IN ('phone', 'id_card', 'account')),
            command TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX access_log_at ON access_log (at)")
    db.execute("CREATE INDEX access_log_warning ON access_log (warning_id, at)")
    db.execute("CREATE INDEX access_log_officer ON access_log (officer, at)")
    for change in ("UPDATE", "DELETE"):
        db.execute(
            f"""CREATE TRIGGER access_log_no_{change.lower()} BEFORE {change} ON access_log
            BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END"""
        )


@migrations(name="0014_purge")
def _purge(db: Database) -> None:
    # Purge (SPEC §10): a closed warning older than the limit loses its person's data; a keyed hash of the phone
    # stays (phone_hash), so that `find` still knows a person who comes back. The key is made once, kept here.
    db.execute("ALTER TABLE warnings ADD COLUMN phone_hash TEXT")
    db.execute("ALTER TABLE warnings ADD COLUMN purged_at TEXT")
    db.execute("CREATE INDEX warnings_phone_hash ON warnings (phone_hash, time) WHERE phone_hash IS NOT NULL")
    db.execute("CREATE TABLE fanzha_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)")


def migrate(conn: sqlite3.Connection) -> None:
    """Apply every pending migration inside the caller's transaction (each one in a savepoint of it)."""
    migrations.apply(Database(conn, execute_plugins=False))
