"""The schema on PostgreSQL: the same named migrations as on SQLite, in PostgreSQL's words, applied in order on
open inside one transaction under an advisory lock, so that eleven desks starting at once do not collide; the
names applied are kept in ``fanzha_migrations``.

Never edit a migration that has shipped: add a new one at the end (and one of the same name for SQLite).
Times are text in the stored form (``YYYY-MM-DD HH:MM:SS``), as on SQLite, and every text compares as SQLite's
does, byte by byte (``COLLATE "C"``, whatever the database's own locale), so that both engines order, compare and
show alike. ``seq`` numbers the warnings as imported (SQLite's rowid).
"""

from __future__ import annotations

from fanzha_cli.storage.shipped import STATIONS_AS_SHIPPED

_CORE_TABLES = (
    """CREATE TABLE batches (
        id BIGSERIAL PRIMARY KEY,
        file TEXT COLLATE "C" NOT NULL,
        sha256 TEXT COLLATE "C",
        imported_at TEXT COLLATE "C" NOT NULL,
        officer TEXT COLLATE "C" NOT NULL,
        rows INTEGER,
        new INTEGER,
        duplicate INTEGER,
        rejected INTEGER
    )""",
    "CREATE INDEX batches_sha256 ON batches (sha256)",
    """CREATE TABLE warnings (
        id TEXT COLLATE "C" PRIMARY KEY,
        time TEXT COLLATE "C" NOT NULL,
        risk_level INTEGER NOT NULL CHECK (risk_level BETWEEN 1 AND 3),
        fraud_type TEXT COLLATE "C",
        name TEXT COLLATE "C" NOT NULL,
        phone TEXT COLLATE "C" NOT NULL,
        station TEXT COLLATE "C" NOT NULL,
        address TEXT COLLATE "C",
        clue TEXT COLLATE "C",
        id_card TEXT COLLATE "C",
        batch_id BIGINT NOT NULL REFERENCES batches (id),
        status TEXT COLLATE "C" NOT NULL DEFAULT 'new'
            CHECK (status IN ('new', 'taken', 'retry', 'escalated', 'closed')),
        holder TEXT COLLATE "C",
        held_since TEXT COLLATE "C",
        due_at TEXT COLLATE "C",
        attempts INTEGER NOT NULL DEFAULT 0,
        seq BIGSERIAL NOT NULL UNIQUE
    )""",
    """CREATE INDEX warnings_queue ON warnings (risk_level DESC, time, seq)
        WHERE status = 'new' OR status = 'retry'""",
    "CREATE INDEX warnings_time ON warnings (time)",
    """CREATE TABLE events (
        id BIGINT PRIMARY KEY,
        warning_id TEXT COLLATE "C" NOT NULL REFERENCES warnings (id),
        at TEXT COLLATE "C" NOT NULL,
        logged_at TEXT COLLATE "C" NOT NULL,
        officer TEXT COLLATE "C" NOT NULL,
        action TEXT COLLATE "C" NOT NULL,
        details TEXT COLLATE "C"
    )""",
    "CREATE SEQUENCE events_id_seq",
    "CREATE INDEX events_warning ON events (warning_id, id)",
    "CREATE INDEX events_at ON events (at)",
    # The event log is append-only: history is corrected by new events (undo), never rewritten.
    """CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$""",
    """CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
        FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    'CREATE TABLE settings (key TEXT COLLATE "C" PRIMARY KEY, value TEXT COLLATE "C" NOT NULL)',
    """CREATE TABLE stations (
        name TEXT COLLATE "C" PRIMARY KEY, duty_phone TEXT COLLATE "C", wechat_group TEXT COLLATE "C",
        seq BIGSERIAL NOT NULL  -- the order they were listed in (SQLite's rowid); an update keeps it
    )""",
)

_SEED_STATIONS = (
    (
        "INSERT INTO stations (name, duty_phone, wechat_group) VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE"
        " SET duty_phone = excluded.duty_phone, wechat_group = excluded.wechat_group",
        STATIONS_AS_SHIPPED,
    ),
)

_DESK = (
    'ALTER TABLE warnings ADD COLUMN escalated_at TEXT COLLATE "C"',
    'ALTER TABLE warnings ADD COLUMN escalated_to TEXT COLLATE "C"',
    'ALTER TABLE warnings ADD COLUMN station_since TEXT COLLATE "C"',
    "ALTER TABLE warnings ADD COLUMN visits INTEGER NOT NULL DEFAULT 0",
    'ALTER TABLE warnings ADD COLUMN visit_result TEXT COLLATE "C"',
    'ALTER TABLE warnings ADD COLUMN closed_at TEXT COLLATE "C"',
    'ALTER TABLE warnings ADD COLUMN first_call_at TEXT COLLATE "C"',
    'ALTER TABLE events ADD COLUMN outcome TEXT COLLATE "C"',
    'ALTER TABLE events ADD COLUMN station TEXT COLLATE "C"',
    'ALTER TABLE events ADD COLUMN channels TEXT COLLATE "C"',
    "ALTER TABLE events ADD COLUMN act BIGINT",
    "ALTER TABLE events ADD COLUMN undoes BIGINT REFERENCES events (id)",
    "CREATE INDEX events_officer ON events (officer, id)",
    "CREATE UNIQUE INDEX events_undoes ON events (undoes) WHERE undoes IS NOT NULL",
    "CREATE INDEX warnings_holder ON warnings (holder) WHERE holder IS NOT NULL",
    "CREATE INDEX warnings_retry ON warnings (due_at) WHERE status = 'retry'",
    """CREATE INDEX warnings_at_station ON warnings (station_since)
        WHERE station_since IS NOT NULL AND closed_at IS NULL""",
)

_STOP_PAYMENTS = (
    """CREATE TABLE stop_payments (
        id BIGSERIAL PRIMARY KEY,
        warning_id TEXT COLLATE "C" NOT NULL REFERENCES warnings (id),
        bank TEXT COLLATE "C" NOT NULL,
        account TEXT COLLATE "C" NOT NULL,
        amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
        requested_at TEXT COLLATE "C" NOT NULL,
        officer TEXT COLLATE "C" NOT NULL,
        status TEXT COLLATE "C" NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'frozen', 'partial', 'failed')),
        kept_fen BIGINT CHECK (kept_fen >= 0),
        result_at TEXT COLLATE "C",
        reason TEXT COLLATE "C",
        note TEXT COLLATE "C"
    )""",
    "CREATE INDEX stop_payments_warning ON stop_payments (warning_id)",
    "CREATE INDEX stop_payments_requested ON stop_payments (requested_at)",
    "CREATE INDEX stop_payments_result ON stop_payments (result_at) WHERE result_at IS NOT NULL",
    "CREATE INDEX stop_payments_open ON stop_payments (requested_at) WHERE status = 'open'",
)

# (SQLite's 0005 also brought the officers' names of older databases to one form; a PostgreSQL database is made
# by a release that always wrote them so.)
_FIND_AND_SKIP = (
    "CREATE INDEX warnings_phone_tail ON warnings (right(phone, 4), time)",
    "CREATE INDEX warnings_id_tail ON warnings (lower(right(id, 4)), time)",
    "CREATE INDEX warnings_name ON warnings (name, time)",
    """CREATE TABLE skips (
        officer TEXT COLLATE "C" NOT NULL,
        warning_id TEXT COLLATE "C" NOT NULL REFERENCES warnings (id),
        until TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (officer, warning_id)
    )""",
)

_CITY_SCALE = (
    "CREATE INDEX warnings_status ON warnings (status, risk_level DESC, time)",
    """CREATE INDEX warnings_waiting ON warnings (risk_level DESC, time)
        WHERE station_since IS NOT NULL AND closed_at IS NULL""",
    "CREATE INDEX events_escalations ON events (at, station, warning_id, act) WHERE action = 'escalate'",
)

# An event written by another program (a repair, a station's own tool) takes its id from the sequence the desks
# draw from, as SQLite's INTEGER PRIMARY KEY gives one; an id of its own choosing would be taken by a desk later.
_EVENT_IDS_BY_DEFAULT = (
    "ALTER SEQUENCE events_id_seq OWNED BY events.id",
    "ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq')",
)

# When the station that has the warning acknowledged it (签收, SPEC §9), as on SQLite: hand-overs made before
# acknowledgements existed count as acknowledged when made.
_STATION_ACKNOWLEDGEMENTS = (
    'ALTER TABLE warnings ADD COLUMN acked_at TEXT COLLATE "C"',
    "UPDATE warnings SET acked_at = station_since WHERE station_since IS NOT NULL",
)

# The index of the open hand-overs holds every column the counts of what is late with the stations read, as on SQLite.
_OPEN_HAND_OVERS_COVERED = (
    "DROP INDEX warnings_at_station",
    """CREATE INDEX warnings_at_station
        ON warnings (station_since, risk_level, acked_at, visit_result, time, escalated_to)
        WHERE station_since IS NOT NULL AND closed_at IS NULL""",
)

# Who made a warning's first call, as on SQLite.
_FIRST_CALLER = (
    'ALTER TABLE warnings ADD COLUMN first_call_by TEXT COLLATE "C"',
    """UPDATE warnings SET first_call_by = (SELECT e.officer FROM events e WHERE e.warning_id = warnings.id
            AND e.action = 'call' AND e.at = warnings.first_call_at ORDER BY e.id LIMIT 1)
        WHERE first_call_at IS NOT NULL""",
)

# The roles of SPEC §9, enforced by the server itself (privileges and row-level security), never by the program
# alone. Four group roles per database, named after it (a server may hold several centres' databases and a role is
# the whole server's): <db>_desk, <db>_station, <db>_supervisor, <db>_admin; and one per station a login acts for,
# <db>_station_<seq>, whose members read and report on what was handed to that station. `fanzha admin user add`
# makes each person's login a member of them. The login that owns the tables (who made the schema) is not held by
# the policies: it is the centre's first admin.
_ROLE_FUNCTIONS = (
    # The name of one of this database's group roles: kept under PostgreSQL's 63 bytes for a long database name.
    """CREATE FUNCTION fanzha_role(kind text) RETURNS name LANGUAGE sql STABLE AS $$
        SELECT (CASE WHEN octet_length(current_database()) <= 40 THEN current_database()
            ELSE 'fanzha_' || left(md5(current_database()), 12) END || '_' || kind)::name $$""",
    # The station the login acts for: the listed station whose group role it is a member of (none: NULL, which
    # matches no warning).
    """CREATE FUNCTION fanzha_login_station() RETURNS text LANGUAGE sql STABLE AS $$
        SELECT s.name FROM stations s JOIN pg_roles r ON r.rolname = fanzha_role('station_' || s.seq)
        WHERE pg_has_role(current_user, r.oid, 'MEMBER') ORDER BY s.seq LIMIT 1 $$""",
    # A hold older than reclaim_minutes is a lease run out (SPEC §3): any desk may take it back. By the server's
    # clock, in the stored form of a time.
    """CREATE FUNCTION fanzha_stale_holds_before() RETURNS text LANGUAGE sql STABLE AS $$
        SELECT to_char(localtimestamp - make_interval(mins => coalesce((SELECT CASE WHEN value ~ '^[0-9]{1,6}$'
            THEN value::int END FROM settings WHERE key = 'reclaim_minutes'), 60)), 'YYYY-MM-DD HH24:MI:SS') $$""",
    # The station that passed a warning on, as on SQLite; earlier moves from the event log.
    'ALTER TABLE warnings ADD COLUMN moved_from TEXT COLLATE "C"',
    """UPDATE warnings SET moved_from = (SELECT coalesce(e.details::json ->> 'moved_from',
            e.details::json -> 'before' ->> 'escalated_to') FROM events e
            WHERE e.warning_id = warnings.id AND e.action = 'visit' AND e.outcome = 'moved'
                AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.act)
            ORDER BY e.id DESC LIMIT 1)
        WHERE escalated_to IS NOT NULL""",
    # What was handed to a station, and what it passed on: its login reads those warnings through these indexes.
    "CREATE INDEX warnings_escalated_to ON warnings (escalated_to) WHERE escalated_to IS NOT NULL",
    "CREATE INDEX warnings_moved_from ON warnings (moved_from) WHERE moved_from IS NOT NULL",
)

_ROLES_AND_POLICIES = r"""DO $roles$
DECLARE
    desk name := fanzha_role('desk');
    station name := fanzha_role('station');
    supervisor name := fanzha_role('supervisor');
    admin name := fanzha_role('admin');
    everyone text;
    mine text := '(escalated_to = (SELECT fanzha_login_station()))';
    -- what was handed to the station, and what it passed on to another (a visit 'moved'), which it still reads
    handed text := '(escalated_to = (SELECT fanzha_login_station()) OR moved_from = (SELECT fanzha_login_station()))';
    visible text := '(warning_id IN (SELECT id FROM warnings))';  -- the warnings this login may read
    has_it text := '(warning_id IN (SELECT id FROM warnings WHERE escalated_to = (SELECT fanzha_login_station())))';
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[desk, station, supervisor, admin] LOOP
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', t);
        EXCEPTION WHEN duplicate_object THEN NULL;  -- made for this database before (a database made again)
        END;
    END LOOP;
    everyone := format('%I, %I, %I, %I', desk, station, supervisor, admin);
    -- nobody else on the server reaches this database
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %s', current_database(), everyone);
    EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM PUBLIC', current_schema());
    EXECUTE format('REVOKE ALL ON FUNCTION events_append_only() FROM PUBLIC');
    EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO %I', current_schema(), admin);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %s', current_schema(), everyone);
    EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), admin);  -- db copy sets them
    EXECUTE format('GRANT SELECT ON fanzha_migrations, settings, stations, batches, warnings, events,'
        ' stop_payments TO %s', everyone);
    -- the desk: imports, works the queue, hands over, asks banks to stop payments
    EXECUTE format('GRANT INSERT, UPDATE ON batches, warnings TO %I', desk);
    EXECUTE format('GRANT INSERT ON events TO %I', desk);
    EXECUTE format('GRANT INSERT, UPDATE, DELETE ON stop_payments, skips TO %I', desk);
    EXECUTE format('GRANT SELECT ON skips TO %s', everyone);  -- (db info counts them: each login its own)
    -- the station: acknowledgements and visit results on what was handed to it, nothing else of a warning
    EXECUTE format('GRANT UPDATE (status, escalated_to, escalated_at, station_since, visits, visit_result,'
        ' closed_at, acked_at, moved_from) ON warnings TO %I', station);
    EXECUTE format('GRANT INSERT ON events TO %I', station);
    -- the supervisor writes notes only; the right to update one column lets it lock the warning it notes on (FOR
    -- UPDATE), and its policy lets no row be changed
    EXECUTE format('GRANT UPDATE (status) ON warnings TO %I', supervisor);
    EXECUTE format('GRANT INSERT ON events TO %I', supervisor);

    FOREACH t IN ARRAY ARRAY['batches', 'warnings', 'events', 'stop_payments', 'skips'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY admin_all ON %I TO %I USING (true) WITH CHECK (true)', t, admin);
    END LOOP;
    EXECUTE format('CREATE POLICY read_all ON batches FOR SELECT TO %s USING (true)', everyone);
    EXECUTE format('CREATE POLICY desk_imports ON batches FOR INSERT TO %I WITH CHECK (officer = current_user)', desk);
    EXECUTE format('CREATE POLICY desk_counts ON batches FOR UPDATE TO %I USING (officer = current_user)', desk);

    EXECUTE format('CREATE POLICY read_all ON warnings FOR SELECT TO %I, %I USING (true)', desk, supervisor);
    EXECUTE format('CREATE POLICY handed_to_station ON warnings FOR SELECT TO %I USING %s', station, handed);
    EXECUTE format('CREATE POLICY desk_imports ON warnings FOR INSERT TO %I WITH CHECK (holder IS NULL)', desk);
    -- a desk changes no warning in another desk's hand, unless the hold has run out; nor puts one in another's
    EXECUTE format('CREATE POLICY desk_works ON warnings FOR UPDATE TO %I USING (holder IS NULL'
        ' OR holder = current_user OR status <> ''taken'' OR held_since < fanzha_stale_holds_before())'
        ' WITH CHECK (holder IS NULL OR holder = current_user)', desk);
    -- a station may pass its warning on to another station (a visit 'moved'), never take the hand-over back (a
    -- row it passes on stays readable: the server checks the new row against the read policy too)
    EXECUTE format('CREATE POLICY station_reports ON warnings FOR UPDATE TO %I USING %s'
        ' WITH CHECK (escalated_to IS NOT NULL AND station_since IS NOT NULL)', station, mine);
    EXECUTE format('CREATE POLICY supervisor_locks ON warnings FOR UPDATE TO %I USING (true) WITH CHECK (false)',
        supervisor);

    -- every event is recorded under the login that wrote it (SPEC §9)
    EXECUTE format('CREATE POLICY read_all ON events FOR SELECT TO %I, %I USING (true)', desk, supervisor);
    EXECUTE format('CREATE POLICY handed_to_station ON events FOR SELECT TO %I USING %s', station, visible);
    EXECUTE format('CREATE POLICY desk_records ON events FOR INSERT TO %I WITH CHECK (officer = current_user)', desk);
    EXECUTE format('CREATE POLICY station_reports ON events FOR INSERT TO %I WITH CHECK (officer = current_user'
        ' AND action IN (''ack'', ''visit'', ''note'', ''undo'') AND %s)', station, has_it);
    EXECUTE format('CREATE POLICY supervisor_notes ON events FOR INSERT TO %I WITH CHECK (officer = current_user'
        ' AND action IN (''note'', ''undo''))', supervisor);

    EXECUTE format('CREATE POLICY read_all ON stop_payments FOR SELECT TO %I, %I USING (true)', desk, supervisor);
    EXECUTE format('CREATE POLICY handed_to_station ON stop_payments FOR SELECT TO %I USING %s', station, visible);
    EXECUTE format('CREATE POLICY desk_requests ON stop_payments FOR INSERT TO %I'
        ' WITH CHECK (officer = current_user)', desk);
    EXECUTE format('CREATE POLICY desk_results ON stop_payments FOR UPDATE TO %I USING (true)', desk);
    EXECUTE format('CREATE POLICY desk_withdraws ON stop_payments FOR DELETE TO %I USING (officer = current_user)',
        desk);

    EXECUTE format('CREATE POLICY own_skips ON skips TO %I USING (officer = current_user)'
        ' WITH CHECK (officer = current_user)', desk);
    EXECUTE format('CREATE POLICY own_skips_read ON skips FOR SELECT TO %I, %I USING (officer = current_user)',
        station, supervisor);
END
$roles$"""

# No change to a warning without its trail: a login other than an admin (or the tables' owner) that changes a
# warning must have written an event on it, under its own name, in the same transaction (checked as it commits).
# At psql too: a station that closes a warning by hand leaves a record of it in the event log, as fanzha does.
# (An event of this transaction: its xmin is the transaction's id, which pg_current_xact_id() gives with its epoch.)
_EVERY_CHANGE_HAS_AN_EVENT = (
    """CREATE FUNCTION fanzha_change_has_an_event() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF pg_has_role((SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE')
                OR pg_has_role(fanzha_role('admin'), 'MEMBER') THEN
            RETURN NULL;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM events e WHERE e.warning_id = NEW.id AND e.officer = current_user
                AND e.xmin::text::bigint = pg_current_xact_id()::text::bigint % 4294967296) THEN
            RAISE EXCEPTION 'warning % was changed with no event of %: every change is recorded', NEW.id, current_user
                USING ERRCODE = '42501';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER warnings_changed_with_an_event AFTER UPDATE ON warnings
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fanzha_change_has_an_event()""",
)


# The life of a hold (SPEC §7), as on SQLite.
_HOLDS = (
    *(
        f'ALTER TABLE stop_payments ADD COLUMN {column} TEXT COLLATE "C"'
        for column in ("hold_until", "extended_at", "freeze_at", "released_at")
    ),
    """UPDATE stop_payments SET hold_until = to_char(result_at::timestamp + interval '48 hours',
        'YYYY-MM-DD HH24:MI:SS') WHERE status IN ('frozen', 'partial')""",
    """CREATE INDEX stop_payments_holds ON stop_payments (hold_until, warning_id)
        WHERE hold_until IS NOT NULL AND freeze_at IS NULL AND released_at IS NULL""",
)

# The access log (SPEC §10), as on SQLite; each login writes its own rows, reads its own, and a supervisor or an
# admin reads them all.
_ACCESS_LOG = (
    """CREATE TABLE access_log (
        id BIGSERIAL PRIMARY KEY,
        at TEXT COLLATE "C" NOT NULL,
        officer TEXT COLLATE "C" NOT NULL,
        warning_id TEXT COLLATE "C" NOT NULL REFERENCES warnings (id),
        field TEXT COLLATE "C" NOT NULL CHECK (field IN ('phone', 'id_card', 'account')),
        command TEXT COLLATE "C" NOT NULL
    )""",
    "CREATE INDEX access_log_at ON access_log (at)",
    "CREATE INDEX access_log_warning ON access_log (warning_id, at)",
    "CREATE INDEX access_log_officer ON access_log (officer, at)",
    """CREATE TRIGGER access_log_no_change BEFORE UPDATE OR DELETE ON access_log
        FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    r"""DO $access$
    DECLARE
        everyone text := format('%I, %I, %I, %I', fanzha_role('desk'), fanzha_role('station'),
            fanzha_role('supervisor'), fanzha_role('admin'));
    BEGIN
        EXECUTE 'REVOKE ALL ON access_log FROM PUBLIC';
        EXECUTE format('GRANT SELECT, INSERT ON access_log TO %s', everyone);
        EXECUTE format('GRANT USAGE ON SEQUENCE access_log_id_seq TO %s', everyone);
        EXECUTE format('GRANT ALL ON access_log, access_log_id_seq TO %I', fanzha_role('admin'));
        EXECUTE 'ALTER TABLE access_log ENABLE ROW LEVEL SECURITY';
        EXECUTE format('CREATE POLICY own_rows ON access_log TO %s USING (officer = current_user)'
            ' WITH CHECK (officer = current_user)', everyone);
        EXECUTE format('CREATE POLICY read_all ON access_log FOR SELECT TO %I, %I USING (true)',
            fanzha_role('supervisor'), fanzha_role('admin'));
    END
    $access$""",
)

# Purge (SPEC §10), as on SQLite. The key is read by the desks and the supervisor (`find` hashes a phone with it).
_PURGE = (
    'ALTER TABLE warnings ADD COLUMN phone_hash TEXT COLLATE "C"',
    'ALTER TABLE warnings ADD COLUMN purged_at TEXT COLLATE "C"',
    "CREATE INDEX warnings_phone_hash ON warnings (phone_hash, time) WHERE phone_hash IS NOT NULL",
    'CREATE TABLE fanzha_keys (name TEXT COLLATE "C" PRIMARY KEY, value TEXT COLLATE "C" NOT NULL)',
    r"""DO $keys$
    BEGIN
        EXECUTE 'REVOKE ALL ON fanzha_keys FROM PUBLIC';
        EXECUTE format('GRANT SELECT ON fanzha_keys TO %I, %I, %I', fanzha_role('desk'), fanzha_role('supervisor'),
            fanzha_role('station'));
        EXECUTE format('GRANT ALL ON fanzha_keys TO %I', fanzha_role('admin'));
    END
    $keys$""",
)

MIGRATIONS = (
    ("0001_core_tables", _CORE_TABLES),
    ("0002_seed_stations", _SEED_STATIONS),
    ("0003_desk", _DESK),
    ("0004_stop_payments", _STOP_PAYMENTS),
    ("0005_find_and_skip", _FIND_AND_SKIP),
    ("0006_city_scale", _CITY_SCALE),
    ("0007_event_ids_by_default", _EVENT_IDS_BY_DEFAULT),
    ("0008_station_acknowledgements", _STATION_ACKNOWLEDGEMENTS),
    ("0009_open_hand_overs_covered", _OPEN_HAND_OVERS_COVERED),
    ("0010_first_caller", _FIRST_CALLER),
    ("0011_roles", (*_ROLE_FUNCTIONS, _ROLES_AND_POLICIES, *_EVERY_CHANGE_HAS_AN_EVENT)),
    ("0012_holds", _HOLDS),
    ("0013_access_log", _ACCESS_LOG),
    ("0014_purge", _PURGE),
)


def migrate(conn, lock: int) -> None:
    """Inside the caller's transaction: wait for the migration lock, then apply what another desk has not."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
        cur.execute(
            'CREATE TABLE IF NOT EXISTS fanzha_migrations (name TEXT COLLATE "C" PRIMARY KEY, applied_at TEXT NOT NULL)'
        )
        cur.execute("SELECT name FROM fanzha_migrations")
        applied = {row[0] for row in cur.fetchall()}
        for name, statements in MIGRATIONS:
            if name in applied:
                continue
            for statement in statements:
                if isinstance(statement, tuple):
                    cur.executemany(*statement)
                else:
                    cur.execute(statement)
            cur.execute(
                "INSERT INTO fanzha_migrations (name, applied_at) VALUES (%s, to_char(now(), 'YYYY-MM-DD HH24:MI:SS'))",
                (name,),
            )
