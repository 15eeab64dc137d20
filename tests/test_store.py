"""The database: created private, in WAL mode, migrated on open (new and old files), hot queries on indexes."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from conftest import first_release_database, synthetic_database, write_export

from fanzha_cli.domain import model, supervision
from fanzha_cli.domain.errors import DatabaseError
from fanzha_cli.storage import open_store
from fanzha_cli.storage.sqlite import connect as sqlite_connect
from fanzha_cli.storage.sqlite import plans as sqlite_plans
from fanzha_cli.storage.sqlite.migrations import migrations


def test_schema_version_counts_the_migrations():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    from fanzha_cli.storage.sqlite.migrations import migrate

    migrate(conn)
    applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert applied == [m.name for m in migrations.pending(__import__("sqlite_utils").Database(":memory:"))]
    assert len(applied) == sqlite_connect.SCHEMA_VERSION


def test_in_memory_database_is_migrated():
    conn = open_store(":memory:", create=True)
    assert conn.conn.execute("PRAGMA user_version").fetchone() == (sqlite_connect.SCHEMA_VERSION,)
    assert len(conn.list_stations()) == 16


def test_new_database_is_private_and_in_wal_mode(tmp_path):
    path = tmp_path / "deep" / "er" / "f.db"
    conn = open_store(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert conn.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.conn.execute("PRAGMA page_size").fetchone() == (16384,)
    with conn.transaction():
        conn.conn.execute("INSERT INTO settings VALUES ('k', 'v')")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0


def test_busy_timeout_lets_a_second_writer_wait(tmp_path):
    path = tmp_path / "f.db"
    open_store(path, create=True)
    second = open_store(path, create=True)
    assert second.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_old_database_is_migrated_on_open(tmp_path):
    """A file made by the first release (migration 0001 only, no stations) gains what came after."""
    path = first_release_database(tmp_path / "old.db")
    conn = open_store(path, create=True)
    assert conn.conn.execute("PRAGMA user_version").fetchone() == (sqlite_connect.SCHEMA_VERSION,)
    assert len(conn.list_stations()) == 16
    assert conn.conn.execute("SELECT count(*) FROM batches").fetchone() == (1,)  # nothing lost on the way


def test_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.db"
    open_store(path, create=True).conn.execute(f"PRAGMA user_version = {sqlite_connect.SCHEMA_VERSION + 1}")
    with pytest.raises(DatabaseError, match="newer fanzha"):
        open_store(path, create=True)


def test_a_file_that_is_not_a_database_is_refused(tmp_path, run, monkeypatch):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database" * 100)
    monkeypatch.setenv("FANZHA_DB", str(path))
    result = run("stations")
    assert result.exit_code == 2
    assert "not a fanzha database" in result.stderr
    assert path.read_text().startswith("these are my notes")


def test_event_log_is_append_only():
    conn = open_store(":memory:", create=True)
    conn.conn.execute("INSERT INTO batches (id, file, imported_at, officer) VALUES (1, 'f', 't', 'o')")
    conn.conn.execute(
        "INSERT INTO warnings (id, time, risk_level, name, phone, station, batch_id)"
        " VALUES ('W1', '2026-11-24 08:00:00', 2, 'n', '13800000000', 's', 1)"
    )
    conn.conn.execute(
        "INSERT INTO events (warning_id, at, logged_at, officer, action) VALUES ('W1', 'a', 'a', 'o', 'x')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.conn.execute("UPDATE events SET action = 'y'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.conn.execute("DELETE FROM events")


def test_schema_refuses_impossible_values():
    conn = open_store(":memory:", create=True)
    conn.conn.execute("INSERT INTO batches (id, file, imported_at, officer) VALUES (1, 'f', 't', 'o')")
    bad = [
        "INSERT INTO warnings (id, time, risk_level, name, phone, station, batch_id)"
        " VALUES ('a', 't', 4, 'n', 'p', 's', 1)",
        "INSERT INTO warnings (id, time, risk_level, name, phone, station, batch_id, status)"
        " VALUES ('b', 't', 1, 'n', 'p', 's', 1, 'lost')",
        "INSERT INTO warnings (id, time, risk_level, name, phone, station, batch_id)"
        " VALUES ('c', 't', 1, 'n', 'p', 's', 9)",
    ]
    for sql in bad:
        with pytest.raises(sqlite3.IntegrityError):
            conn.conn.execute(sql)


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    """200,000 warnings of ten days, with a part of them already worked, as the plans must be read on."""
    conn = synthetic_database(tmp_path_factory.mktemp("big"), days=10, per_day=20_000, first_day=10)
    conn.conn.execute("UPDATE warnings SET status = 'closed' WHERE time < '2026-11-18'")
    conn.conn.execute("ANALYZE")
    return conn


def test_queue_head_reads_the_partial_index_in_order(big_db):
    plan = " | ".join(sqlite_plans.query_plan(big_db, "queue_head"))
    assert "USING INDEX warnings_queue" in plan
    assert "TEMP B-TREE" not in plan  # no sort of the queue
    head = big_db.queue_head("2026-11-25 00:00:00", limit=50)
    rows = [big_db.conn.execute("SELECT risk_level, time FROM warnings WHERE id = ?", (i,)).fetchone() for i in head]
    assert rows == sorted(rows, key=lambda r: (-r[0], r[1]))
    assert rows[0][0] == 3


@pytest.mark.parametrize("name", sqlite_plans.HOT_QUERIES)
def test_every_hot_query_reads_an_index_and_sorts_nothing(big_db, name):
    """Read from the statements as they run (storage.sqlite.plans), a write rolled back. The overdue counts read each
    kind from its partial index, and count each warning once (a warning with two stop-payments waiting): that
    b-tree holds the few overdue ones, never the table."""
    plan = sqlite_plans.query_plan(big_db, name)
    known = ("USING", "SUBQUERY", "count(DISTINCT)")
    assert plan and all(any(word in step for word in known) or step.startswith("SCAN o") for step in plan), plan
    assert not any("TEMP B-TREE" in step and "count(DISTINCT)" not in step for step in plan), plan
    assert not any(step.startswith(("SCAN warnings", "SCAN events")) and "INDEX" not in step for step in plan), plan


def test_the_overdue_counts_read_a_bounded_range_of_those_waiting_and_the_open_requests_directly(big_db):
    """`next` counts the overdue on every call: those waiting for a station are a range of warnings_at_station
    bounded on both sides (the later cutoff), and the stop-payments waiting for a bank, or whose hold ends unfrozen,
    come from their own indexes, not through the warnings."""
    plan = " | ".join(sqlite_plans.query_plan(big_db, "count_overdue"))
    assert "warnings_at_station (station_since>? AND station_since<?)" in plan, plan
    assert "SEARCH stop_payments USING INDEX stop_payments_open" in plan, plan
    assert "INDEX stop_payments_holds (hold_until>? AND hold_until<?)" in plan, plan


def test_reading_a_plan_leaves_nothing_written(big_db):
    before = big_db.conn.execute("SELECT count(*) FROM warnings WHERE status = 'taken'").fetchone()
    assert any(
        "UPDATE" in sql for sql, _ in sqlite_plans.plans_of(big_db, sqlite_plans.HOT_QUERIES["take_head"], writes=True)
    )
    assert big_db.conn.execute("SELECT count(*) FROM warnings WHERE status = 'taken'").fetchone() == before


def test_a_days_figures_read_its_warnings_and_its_events_once_each_by_their_time(big_db):
    """A summary's day (storage.day_counts): its warnings read once by warnings_time and its events once by
    events_at, each kept (materialized) for the counts; only warnings received earlier are looked up, by their key."""
    [(_, plan)] = sqlite_plans.plans_of(big_db, lambda s: s.day_counts("2026-11-18 00:00:00", "2026-11-19 00:00:00"))
    reads = [step for step in plan if step.startswith(("SEARCH", "SCAN")) and "USING" in step]
    assert plan.count("MATERIALIZE received") == 1 and plan.count("MATERIALIZE acted") == 1, plan
    assert reads == [
        "SEARCH warnings USING INDEX warnings_time (time>? AND time<?)",
        "SEARCH e USING INDEX events_at (at>? AND at<?)",
        "SEARCH u USING COVERING INDEX events_undoes (undoes=?)",
        "SEARCH w USING INDEX sqlite_autoindex_warnings_1 (id=?)",
    ], plan
    assert not [
        step for step in plan if step.startswith("SCAN") and step.split()[1] in ("warnings", "events", "e", "w")
    ]


def test_received_per_day_uses_the_time_index(big_db):
    plan = " | ".join(sqlite_plans.query_plan(big_db, "count_received"))
    assert "warnings_time" in plan
    assert big_db.count_received("2026-11-12") == 20_000


def test_queue_order_urgent_then_high_then_medium_then_oldest(tmp_path):
    rows = [
        ["M-old", "2026-11-24 07:00:00", "中风险", "", "a", "13800000001", "阳逻派出所", "", ""],
        ["H-new", "2026-11-24 09:00:00", "高风险", "", "b", "13800000002", "阳逻派出所", "", ""],
        ["U-new", "2026-11-24 09:30:00", "紧急", "", "c", "13800000003", "阳逻派出所", "", ""],
        ["H-old", "2026-11-24 08:00:00", "高风险", "", "d", "13800000004", "阳逻派出所", "", ""],
        ["M-new", "2026-11-24 10:00:00", "中风险", "", "e", "13800000005", "阳逻派出所", "", ""],
    ]
    conn = open_store(tmp_path / "q.db", create=True)
    from fanzha_cli.files.importer import import_file

    import_file(conn, write_export(tmp_path / "q.csv", rows), officer="t")
    assert conn.queue_head("2026-11-24 12:00:00", limit=10) == ["U-new", "H-old", "H-new", "M-old", "M-new"]
    conn.conn.execute("UPDATE warnings SET status = 'retry', due_at = '2026-11-24 13:00:00' WHERE id = 'U-new'")
    assert conn.queue_head("2026-11-24 12:00:00") == ["H-old"]  # a retry not yet due waits
    assert conn.queue_head("2026-11-24 13:00:00") == ["U-new"]  # and competes again once due


LIST_VIEWS = {
    "open": {},
    "closed": {"statuses": ["closed"]},
    "several": {"statuses": ["new", "closed"]},
    "urgent": {"risk_level": 3},
    "a station": {"station": "阳逻派出所"},
    "a closed day": {"day": "2026-11-12", "statuses": ["closed", "new"]},
    "an open day": {"day": "2026-11-19", "risk_level": 2},
    "a day's open ones": {"day": "2026-11-19"},
}


@pytest.mark.parametrize("view", LIST_VIEWS)
def test_list_reads_each_status_in_queue_order_and_merges_them(big_db, view):
    """`list` costs what it shows (issue 11): each status is read through warnings_status, already in queue order,
    and the merge is the order one ORDER BY over all of them would give."""
    filters = LIST_VIEWS[view]
    read = sqlite_plans.plans_of(big_db, lambda conn: conn.list_warnings(limit=20, **filters))
    plans = [" | ".join(plan) for _, plan in read]
    # in queue order from an index (warnings_status, or the queue's own); a day's by seeks to each risk level's
    # stretch of it: never a read of the whole table, nor of a whole day, never a sort
    assert plans and all("SEARCH warnings USING INDEX" in plan and "SCAN" not in plan for plan in plans), plans
    assert all("TEMP B-TREE" not in plan and "warnings_time" not in plan for plan in plans), plans
    if "day" in filters:
        assert all("risk_level=? AND time>? AND time<?" in plan for plan in plans), plans
    listed = big_db.list_warnings(limit=20, **filters)
    everything = big_db.list_warnings(limit=None, **filters)
    order = [(-row["risk_level"], row["time"]) for row in everything]
    assert order == sorted(order) and listed == everything[:20]
    statuses = set(filters.get("statuses", model.OPEN_STATUSES))
    assert listed and {row["status"] for row in everything} <= statuses
    if "station" in filters:
        assert all(filters["station"] in (row["station"], row["escalated_to"]) for row in everything)


CUTOFFS = supervision.CUTOFF_KEYS
OVERDUE_VIEWS = [{}, {"risk_level": 2}, {"statuses": ["escalated"]}, {"day": "2026-11-15"}, {"statuses": ["closed"]}]


@pytest.mark.parametrize("filters", OVERDUE_VIEWS, ids=["all", "high", "escalated", "a day", "closed"])
def test_list_overdue_reads_each_kind_in_queue_order(big_db, filters):
    """`list --overdue` on thousands of warnings waiting for a station reads the first of them in queue order
    (warnings_waiting), merged with the few overdue of the other kinds: the same rows as sorting them all."""
    limits = dict.fromkeys(CUTOFFS, "2026-11-25 00:00:00")
    big_db.conn.execute("BEGIN")
    try:
        big_db.conn.execute(  # one in fifty of the past handed to its station, no result yet
            "UPDATE warnings SET status = 'escalated', closed_at = NULL, escalated_at = time, escalated_to = station,"
            " station_since = time WHERE rowid % 50 = 0 AND time < '2026-11-18'"
        )
        big_db.conn.execute("UPDATE warnings SET status = 'retry', due_at = '2026-11-19' WHERE rowid % 997 = 0")
        listed = big_db.list_warnings(overdue=limits, limit=20, **filters)
        everything = big_db.list_warnings(overdue=limits, limit=None, **filters)
        plans = sqlite_plans.plans_of(big_db, lambda conn: conn.list_warnings(overdue=limits, limit=20, **filters))
    finally:
        big_db.conn.execute("ROLLBACK")
    order = [(-row["risk_level"], row["time"]) for row in everything]
    assert order == sorted(order) and listed == everything[:20] and len({row["id"] for row in everything}) == len(order)
    assert bool(listed) == (filters != {"statuses": ["closed"]})
    waiting = [" | ".join(plan) for sql, plan in plans if "visit_result IS NULL OR" in sql]
    assert all("warnings_waiting" in plan and "TEMP B-TREE" not in plan for plan in waiting), waiting
    # those not acknowledged: a bounded range of the index of open hand-overs, which holds all their condition reads
    unacked = [" | ".join(plan) for sql, plan in plans if "acked_at IS NULL" in sql]
    assert bool(unacked) == (filters != {"statuses": ["closed"]}), plans  # a closed warning is never unacknowledged
    assert all("warnings_at_station (station_since>? AND station_since<?)" in plan for plan in unacked), unacked
    assert not any(step.startswith("SCAN warnings") and "INDEX" not in step for _, plan in plans for step in plan)


def test_overdue_counted_and_listed_agree_whichever_station_limit_is_longer(tmp_path):
    """A medium warning two hours past its station's limit is overdue, counted and listed alike, even where the
    limit for high and urgent ones is set longer than the medium one (a review found the count left it out)."""
    from fanzha_cli.files.importer import import_file

    conn = open_store(tmp_path / "o.db", create=True)
    rows = [["W1", "2026-11-24 07:00:00", "中风险", "", "a", "13800000001", "阳逻派出所", "", ""]]
    import_file(conn, write_export(tmp_path / "o.csv", rows), officer="t")
    conn.conn.execute(
        "UPDATE warnings SET status = 'escalated', escalated_at = '2026-11-24 08:00:00', escalated_to = station,"
        " station_since = '2026-11-24 08:00:00' WHERE id = 'W1'"
    )
    limits = {
        "now": "2026-11-24 12:00:00",
        "hold_cutoff": "2026-11-24 11:00:00",
        "station_cutoff": "2026-11-24 10:00:00",  # station_hours 2
        "station_cutoff_urgent": "2026-11-22 12:00:00",  # station_hours_urgent 48
        "ack_cutoff": "2026-11-24 07:00:00",  # acknowledged or not, not overdue for it here
        "ack_cutoff_urgent": "2026-11-24 07:00:00",
        "stop_pay_cutoff": "2026-11-24 11:00:00",
        "hold_warn_cutoff": "2026-11-24 18:00:00",
    }
    assert conn.count_overdue(limits)["station"] == 1
    assert [row["id"] for row in conn.list_warnings(overdue=limits)] == ["W1"]


def test_plans_of_a_call_that_opens_its_own_transaction(tmp_path):
    """A summary opens its own snapshot: its plans are read all the same, and nothing is left open (a review)."""
    from datetime import date

    from fanzha_cli.domain import report

    conn = open_store(tmp_path / "p.db", create=True)
    limits = dict.fromkeys(CUTOFFS, "2026-11-25 00:00:00")
    plans = sqlite_plans.plans_of(conn, lambda c: report.summary(c, date(2026, 11, 24), date(2026, 11, 24), limits))
    assert plans and not conn.conn.in_transaction


def _busy_error() -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("database is locked")
    exc.sqlite_errorname = "SQLITE_BUSY"  # as SQLite names it on a lock held too long
    return exc


def test_storage_errors_are_the_program_s_own_kinds(tmp_path):
    """Busy, unreachable, not a database, schema too new: each its own exception (issue 12), whatever its words,
    so that a caller (and the store of another engine) can tell them apart."""
    from fanzha_cli.domain.errors import DatabaseBusy, DatabaseUnreachable, NotADatabase, SchemaTooNew

    assert isinstance(sqlite_connect.database_error(_busy_error()), DatabaseBusy)
    garbage = tmp_path / "notes.db"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(NotADatabase):
        open_store(garbage, create=True)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE photos (id)").connection.close()
    with pytest.raises(NotADatabase, match="another program"):
        open_store(other, create=True)
    newer = tmp_path / "newer.db"
    open_store(newer, create=True).conn.execute(f"PRAGMA user_version = {sqlite_connect.SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNew):
        open_store(newer, create=True)
    with pytest.raises(DatabaseUnreachable):
        open_store(garbage / "under-a-file.db", create=True)  # a folder path through a file
    with pytest.raises(NotADatabase):
        open_store(tmp_path, create=True)  # a directory


def test_a_read_that_meets_a_damaged_file_raises_the_program_s_own_error(tmp_path):
    """Outside any transaction too (a `list`, a `show`): the connection words it, no caller catches SQLite's."""
    from fanzha_cli.domain.errors import NotADatabase

    path = tmp_path / "fanzha.db"
    open_store(path, create=True).close()
    with open(path, "r+b") as handle:
        handle.write(b"this is no longer a database header")
    conn = sqlite3.connect(path, factory=sqlite_connect.Connection, isolation_level=None)  # as connect() opens it
    with pytest.raises(NotADatabase, match="not a fanzha database"):
        conn.execute("SELECT count(*) FROM warnings")
    with pytest.raises(sqlite3.OperationalError, match="no such table"):  # a statement's own error stays SQLite's
        open_store(":memory:", create=True).conn.execute("SELECT * FROM no_such_table")
