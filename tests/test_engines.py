"""The same commands give the same results on both engines (issue 13, SPEC §8): a scripted day at the desk, every
output compared between SQLite and PostgreSQL; the PostgreSQL store's own contract; a server that cannot be
reached is one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from conftest import as_officer, deadline, warning_row, write_export

from fanzha_cli.domain.errors import DatabaseUnreachable
from fanzha_cli.storage import open_store
from fanzha_cli.storage.sqlite import connect as sqlite_connect

TODAY = datetime.now().strftime("%Y-%m-%d")


def scripted_day(run, folder) -> list[tuple[str, int, str]]:
    """Import, calls of every outcome, escalations, visits, a move, stop-payments, undo, `--at`: each command's
    exit code and output."""
    rows = [warning_row(n, id=f"WH2026112400{n:04d}") for n in range(12)]
    rows.append(warning_row(3, id="WH20261124000003"))  # a duplicate
    rows.append(warning_row(99, id="", name=""))  # a reject
    export = write_export(folder / "day.csv", rows)
    script = [
        ("import", export.name, "--json", "--rejects", "rejects.csv"),  # in the current folder: the same name
        ("--officer", "a", "next", "--json"),
        ("--officer", "a", "log", "unreachable", "--at", "2026-11-24 22:00"),
        ("--officer", "b", "next", "--json"),
        ("--officer", "b", "log", "reached", "--at", "2026-11-24 22:05"),
        ("--officer", "a", "next", "--json"),
        ("--officer", "a", "log", "distrustful", "--at", "2026-11-24 22:10"),
        ("--officer", "a", "escalate", "0002", "--via", "wechat,phone", "--at", "2026-11-24 22:11"),
        ("--officer", "a", "visit", "0002", "moved", "--to", "汪集派出所", "--at", "2026-11-24 23:20"),
        ("--officer", "a", "visit", "0002", "dissuaded", "--at", "2026-11-24 23:30"),
        (
            "--officer",
            "b",
            "stop-pay",
            "add",
            "0005",
            "--bank",
            "工商银行",
            "--account",
            "6222020200000000001",
            "--amount",
            "4.5万",
            "--at",
            "2026-11-24 22:30",
            "--json",
        ),
        ("--officer", "b", "stop-pay", "result", "1", "frozen", "--at", "2026-11-24 23:00", "--json"),
        ("--officer", "b", "next", "--json"),
        ("--officer", "b", "log", "已接通", "--note", "已劝阻", "--at", "2026-11-24 22:40"),
        ("--officer", "b", "undo"),
        ("--officer", "b", "log", "未接通", "--at", "2026-11-24 22:41"),
        ("--officer", "c", "take", "0007"),
        ("--officer", "c", "release"),
        ("show", "0002", "--json"),
        ("show", "0005", "--json"),
        ("list", "--json"),
        ("list", "--status", "closed", "--json"),
        ("list", "--overdue", "--json"),
        ("list", "--station", "阳逻派出所", "--limit", "3"),
        ("find", "0001", "--json"),
        ("find", "周某3", "--json"),
        ("stop-pay", "list", "--json"),
        ("summary", "--date", "2026-11-24", "--json"),
        ("summary", "--from", "2026-11-23", "--to", TODAY, "--json"),
        ("summary", "--date", "2026-11-24", "--csv"),
        ("export", "--date", "2026-11-24"),
        ("export", "--date", "2026-11-24", "--by", "action"),
        ("stations", "--json"),
        ("config", "--json"),
    ]
    said = []
    for args in script:
        result = run(*args)
        said.append((" ".join(args[:4]), result.exit_code, _steady(result.stdout)))
    return said


def _steady(text: str) -> str:
    """An output with what depends on the moment it ran taken out: today's times, minutes waited so far."""
    text = re.sub(rf"{TODAY} \d\d:\d\d:\d\d", "<now>", text)
    text = re.sub(r'"(waiting_minutes|late|minutes_over)": [^,\n]+', r'"\1": "<now>"', text)
    return re.sub(r"等待 [^·]*·", "等待 <now> ·", text)


@pytest.fixture
def days(run, tmp_path, monkeypatch, pg_server, db_path):
    import pg_cluster

    outputs = {}
    for name, location in (("sqlite", str(db_path)), ("postgresql", None)):
        location = location or pg_cluster.database_url(pg_server, "fanzha_scripted_day")
        monkeypatch.setenv("FANZHA_DB", location)
        folder = tmp_path / name
        folder.mkdir()
        monkeypatch.chdir(folder)
        outputs[name] = scripted_day(run, folder)
    return outputs


def test_a_scripted_day_gives_the_same_output_on_both_engines_command_by_command(days):
    for (command, code, said), (_, pg_code, pg_said) in zip(days["sqlite"], days["postgresql"], strict=True):
        assert (command, pg_code) == (command, code), (command, pg_said)
        if said.lstrip().startswith(("{", "[")):
            assert json.loads(pg_said) == json.loads(said), command
        else:
            assert pg_said == said, command
    assert all(code in (0, 1) for _, code, _ in days["sqlite"])  # the script did its work (1: a partial import, a note)


@pytest.mark.parametrize(
    "written",
    [
        "POSTGRESQL://desk:s3cret@127.0.0.1:1/fanzha",  # a scheme libpq knows only in lower case
        "postgresql://desk:s3cr%zzet@127.0.0.1:1/fanzha",  # a broken escape, which libpq would quote
        "postgresql://desk:pa@s3cret@127.0.0.1:1/fanzha",  # an @ in the password, not escaped
    ],
)
def test_a_location_written_oddly_never_shows_its_password(run, monkeypatch, written):
    monkeypatch.setenv("FANZHA_DB", written)
    result = run("list")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "s3cr" not in result.stderr + result.stdout


def test_a_server_that_cannot_be_reached_is_one_line_naming_host_and_port_never_the_password(run, monkeypatch):
    url = "postgresql://desk:s3cret@127.0.0.1:1/fanzha"
    with pytest.raises(DatabaseUnreachable, match=r"127\.0\.0\.1:1") as refused:
        open_store(url)
    assert "s3cret" not in str(refused.value)
    monkeypatch.setenv("FANZHA_DB", url)
    result = run("list")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "s3cret" not in result.stderr + result.stdout


def test_db_copy_from_nowhere_names_its_source_and_makes_no_destination(run, tmp_path):
    result = run("db", "copy", str(tmp_path / "typo.db"), str(tmp_path / "copy.db"))
    assert result.exit_code == 2
    assert result.stderr == f"fanzha: there is no database to copy at {tmp_path / 'typo.db'}: check SRC\n"
    assert not (tmp_path / "copy.db").exists()


def test_a_login_the_server_refuses_is_one_line_saying_so_not_an_outage(pg_server, run, monkeypatch):
    """A login that does not exist, or a database that does not: the server answered, so the line says it refused
    the login (exit 2) instead of "cannot reach", and names the place, never a password."""
    import pg_cluster

    monkeypatch.delenv("FANZHA_DB", raising=False)
    real = pg_cluster.database_url(pg_server, "fanzha_login")
    for url, reason in (
        (real + ("&" if "?" in real else "?") + "user=nobody&password=s3cret", 'role "nobody"'),
        (real.replace("/fanzha_login", "/no_such_database"), 'database "no_such_database" does not exist'),
    ):
        result = run("--db", url, "list")
        assert result.exit_code == 2, result.stderr
        assert result.stderr.count("\n") == 1 and "refused the login" in result.stderr and reason in result.stderr
        assert "s3cret" not in result.stderr and "cannot reach" not in result.stderr


def test_every_command_reads_and_writes_on_the_engine_it_is_given(run, engine, tmp_path):
    export = write_export(tmp_path / "d.csv", [warning_row(n) for n in range(5)])
    assert run("import", export).exit_code == 0
    taken = json.loads(run("--officer", "a", "next", "--json").stdout)
    assert run("--officer", "a", "log", "reached").exit_code in (0, 1)  # 1: a note (closed without its station)
    with open_store(engine) as store:
        assert store.get_warning(taken["id"])["status"] == "closed"
        assert [event["action"] for event in store.warning_events(taken["id"])][:2] == ["take", "call"]


def test_sixteen_desks_on_one_server_are_handed_800_different_warnings_and_none_fails(pg_server, tmp_path):
    """SPEC §8: the head of the queue is taken with SKIP LOCKED; sixteen processes, each a loop of `next` then
    `log` through the library, all started by one signal."""
    import pg_cluster
    from conftest import deadline
    from test_concurrency import TEST_TIMEOUT, import_warnings, run_workers

    url = pg_cluster.database_url(pg_server, "fanzha_sixteen_desks")
    expected = import_warnings(url, tmp_path, 800)
    officers = [f"desk{n:02d}" for n in range(16)]
    with deadline(TEST_TIMEOUT):
        handed = run_workers(url, officers, "work", 50, tmp_path)
    every = [warning_id for ids in handed.values() for warning_id in ids]
    assert sorted(every) == sorted(expected)  # each handed out once, none lost
    assert {officer: len(ids) for officer, ids in handed.items()} == dict.fromkeys(officers, 50)
    with open_store(url) as store:
        assert len(store.list_warnings(statuses=["closed"], limit=None)) == 800
        assert store.list_warnings(limit=None) == []
        events = [store.warning_events(warning_id) for warning_id in expected[:50]]
    assert all([event["action"] for event in timeline][:2] == ["take", "call"] for timeline in events)


def test_a_server_stopped_mid_shift_is_one_line_and_the_next_command_after_its_restart_works(
    pg_server, run, tmp_path, monkeypatch
):
    """SPEC §8: host, port and the reason, exit 2, nothing lost; the server back, the desk goes on."""
    import pg_cluster

    cluster = pg_cluster.Cluster()
    try:
        url = pg_cluster.database_url(cluster.start(), "fanzha_restart")
        monkeypatch.setenv("FANZHA_DB", url)
        assert run("import", write_export(tmp_path / "d.csv", [warning_row(n) for n in range(3)])).exit_code == 0
        taken = json.loads(run("--officer", "a", "next", "--json").stdout)
        cluster.halt()
        for command in (("--officer", "a", "log", "reached"), ("list",), ("summary", "--json")):
            result = run(*command)
            assert result.exit_code == 2, (command, result.stdout, result.stderr)
            assert result.stderr.count("\n") == 1 and "cannot reach the database at" in result.stderr
            assert str(cluster.base) in result.stderr and ":5432/fanzha_restart" in result.stderr
        cluster.start()
        assert run("--officer", "a", "log", "reached").exit_code in (0, 1)
        with open_store(url) as store:
            assert store.get_warning(taken["id"])["status"] == "closed"  # nothing lost, nothing half-written
            assert len(store.list_warnings(limit=None)) == 2
    finally:
        cluster.stop()


def test_db_info_says_the_engine_the_place_the_schema_and_the_counts_never_a_password(run, engine, tmp_path):
    assert run("import", write_export(tmp_path / "d.csv", [warning_row(n) for n in range(4)])).exit_code == 0
    described = json.loads(run("db", "info", "--json").stdout)
    assert described["engine"] == ("sqlite" if engine.endswith(".db") else "postgresql")
    assert described["schema"] == sqlite_connect.SCHEMA_VERSION  # the same migrations, counted alike
    assert described["counts"] | {"stations": 0} == {
        "warnings": 4,
        "events": 0,
        "batches": 1,
        "stations": 0,
        "settings": 0,
        "stop_payments": 0,
        "skips": 0,
        "access_log": 0,
        "fanzha_keys": 0,
    }
    assert described["counts"]["stations"] == 16 and "password" not in json.dumps(described)
    shown = run("db", "info").stdout
    assert shown.startswith(f"engine  {described['engine']}") and "warnings" in shown


def test_a_first_load_on_the_server_builds_the_indexes_again_every_one_as_it_was(pg_server, run, tmp_path, monkeypatch):
    import pg_cluster
    import psycopg2

    url = pg_cluster.database_url(pg_server, "fanzha_first_load")
    monkeypatch.setenv("FANZHA_DB", url)

    def indexes() -> list[tuple]:
        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'warnings' ORDER BY 1")
                return cur.fetchall()
        finally:
            conn.close()

    assert run("config", "district", "新洲区").exit_code == 0  # the schema, no warnings
    before = indexes()
    assert len(before) > 10
    rows = [warning_row(n, id=f"L{n:05d}") for n in range(300)]
    assert run("import", write_export(tmp_path / "first.csv", rows)).exit_code == 0  # more rows than stored
    assert indexes() == before
    bad = write_export(tmp_path / "bad.csv", [warning_row(n, id=f"M{n:05d}") for n in range(900)] + [["x"] * 9])
    assert run("import", bad, "--strict").exit_code == 2  # refused whole, its transaction rolled back
    assert indexes() == before
    with open_store(url) as store:
        assert store.describe()["counts"]["warnings"] == 300
        assert [w["id"] for w in store.find_warnings("id_tail", 5, tail="L00042")] == ["L00042"]


@pytest.fixture(scope="module")
def big_server_db(pg_server):
    """200,000 warnings on the server, made by SQL (the import is not what is measured here), most of them closed
    (each taken and called), a day's worth open, analyzed as autovacuum would."""
    import pg_cluster
    import psycopg2

    url = pg_cluster.database_url(pg_server, "fanzha_big")
    open_store(url, create=True).close()  # the schema
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("INSERT INTO batches (file, imported_at, officer) VALUES ('big', '2026-11-24 00:00:00', 'b')")
        cur.execute(
            """INSERT INTO warnings (id, time, risk_level, name, phone, station, batch_id, status, closed_at)
            SELECT 'B' || lpad(n::text, 7, '0'),
                to_char(timestamp '2026-09-01' + n * interval '37 seconds', 'YYYY-MM-DD HH24:MI:SS'),
                1 + n % 3, '周某' || n, '1' || lpad((n * 7919 % 10000000000)::text, 10, '0'), '阳逻派出所', 1,
                CASE WHEN n > 197000 THEN 'new' ELSE 'closed' END,
                CASE WHEN n > 197000 THEN NULL ELSE '2026-11-01 00:00:00' END
            FROM generate_series(1, 200000) AS n"""
        )
        for action, outcome in (("take", None), ("call", "reached")):  # each closed one taken and called
            cur.execute(
                """INSERT INTO events (warning_id, at, logged_at, officer, action, outcome)
                SELECT id, time, time, 'o', %s, %s FROM warnings WHERE status = 'closed' ORDER BY seq""",
                (action, outcome),
            )
        cur.execute("ANALYZE")
    conn.close()
    return url


def _plan(url: str, sql: str, params: dict) -> str:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("EXPLAIN " + sql, params)
            return "\n".join(row[0] for row in cur.fetchall())
    finally:
        conn.rollback()
        conn.close()


def test_the_head_of_the_queue_on_the_server_is_one_read_of_its_partial_index_never_a_sort(big_server_db):
    """As the tables' owner and as a desk's own login, whose every statement the row-level security policies of
    SPEC §9 join: the head one read of the queue's index, the row updated read by its key, never the table."""
    from urllib.parse import urlsplit, urlunsplit

    from fanzha_cli.storage.postgres import store as pg_store

    with open_store(big_server_db) as store:
        if "plan-desk" not in {row["login"] for row in store.logins()}:
            store.add_login("plan-desk", "desk", None, None)
    parts = urlsplit(big_server_db)
    desk = urlunsplit(parts._replace(netloc="plan-desk@" + parts.netloc.rpartition("@")[2]))
    params = {"officer": "plan-desk", "now": "2026-11-26 12:00:00"}
    for url in (big_server_db, desk):
        plan = _plan(url, pg_store._TAKE_HEAD, params)
        assert "Index Scan using warnings_queue on warnings" in plan and "LockRows" in plan, plan
        assert "Sort" not in plan and "Seq Scan on warnings" not in plan, plan
        assert re.search(r"Index Scan using warnings_pkey on warnings\s", plan), plan  # the update, by its key
    params["officer"] = "o"
    with open_store(big_server_db) as store:
        head = store.queue_head(params["now"])
        with store.transaction():
            assert [store.take_head("o", params["now"])] == head  # the most urgent, the oldest of them
        assert store.held_by("o")["id"] == head[0]


@pytest.mark.parametrize(
    ("name", "sql", "index"),
    [
        # the few in hands: by holder, or by the rare status (the planner's choice, both an index of few rows)
        (
            "held_by",
            "SELECT * FROM warnings WHERE holder = %(officer)s AND status = 'taken'",
            "warnings_(holder|status)",
        ),
        ("a day", "SELECT count(*) FROM warnings WHERE time >= %(start)s AND time < %(end)s", "warnings_time"),
        ("phone tail", "SELECT * FROM warnings w WHERE right(w.phone, 4) = %(tail)s", "warnings_phone_tail"),
    ],
)
def test_the_hot_reads_on_the_server_read_their_index(big_server_db, name, sql, index):
    params = {"officer": "o", "start": "2026-11-24 00:00:00", "end": "2026-11-24 24:00:00", "tail": "0008"}
    plan = _plan(big_server_db, sql, params)
    assert re.search(f"Index (Only )?Scan using {index} on warnings|Bitmap Index Scan on {index}", plan), (name, plan)
    assert "Seq Scan on warnings" not in plan, (name, plan)


def test_a_days_figures_read_its_warnings_and_its_events_once_each_by_their_time(big_server_db):
    """A summary's day (storage.day_counts): its warnings read once by warnings_time and its events once by
    events_at, each kept for the counts; only warnings received earlier are then looked up, by their key."""
    import fanzha_cli.storage.day_counts as counts
    from fanzha_cli.storage.postgres import store as pg_store

    plan = _plan(big_server_db, pg_store.day_counts_sql(), counts.params("2026-11-24 00:00:00", "2026-11-25 00:00:00"))
    reads = re.findall(r"(?:Index|Index Only|Bitmap Index|Bitmap Heap|Seq) Scan (?:using|on) (\w+)", plan)
    assert reads.count("warnings_time") == 1 and reads.count("events_at") == 1, plan
    assert set(reads) <= {"warnings_time", "events_at", "events_undoes", "warnings_pkey"}, plan
    assert "Seq Scan" not in plan, plan


def test_db_copy_moves_a_whole_history_to_the_server_and_back_and_shows_the_same(pg_server, run, tmp_path, monkeypatch):
    import pg_cluster

    first = tmp_path / "desk.db"
    monkeypatch.setenv("FANZHA_DB", str(first))
    monkeypatch.chdir(tmp_path)
    scripted_day(run, tmp_path)
    server = pg_cluster.database_url(pg_server, "fanzha_copy")
    back = tmp_path / "back.db"
    reads = [("summary", "--date", "2026-11-24", "--json"), ("list", "--json"), ("show", "0005", "--json")]
    reads += [("stop-pay", "list", "--json"), ("export", "--date", "2026-11-24"), ("db", "info", "--json")]

    def shown(location) -> list[str]:
        said = [run("--db", str(location), *command).stdout for command in reads]
        return [re.sub(r'"(engine|where)": "[^"]*"', "", text) for text in said]

    copied = run("db", "copy", str(first), server, "--json")
    assert copied.exit_code == 0, copied.stderr
    report = json.loads(copied.stdout)
    assert report["added"]["warnings"] == 12 and report["added"]["events"] == report["counts"]["events"] > 20
    assert run("db", "copy", server, str(back)).exit_code == 0
    assert shown(server) == shown(first) == shown(back)
    # a destination that holds warnings: refused; with --merge, only what is missing is added
    refused = run("db", "copy", str(first), server)
    assert refused.exit_code == 2 and "already holds 12 warnings" in refused.stderr
    later = [warning_row(n, id=f"WH2026112500{n:04d}") for n in range(2)]  # the desk's next batch, after the copy
    assert run("--db", str(first), "import", write_export(tmp_path / "later.csv", later)).exit_code == 0
    merged = json.loads(run("db", "copy", str(first), server, "--merge", "--json").stdout)
    assert merged["added"] == dict.fromkeys(merged["added"], 0) | {"batches": 1, "warnings": 2}
    assert shown(server) == shown(first)
    # worked on since the copy (a warning taken: its row changed), or another desk's file (its own batch 1): the
    # destination would keep rows that are not the source's; refused, nothing copied
    assert run("--db", str(first), "--officer", "z", "next").exit_code == 0
    other = tmp_path / "other.db"
    rows = [warning_row(n, id=f"WH2026112499{n:04d}") for n in range(3)]
    assert run("--db", str(other), "import", write_export(tmp_path / "other.csv", rows)).exit_code == 0
    before = run("--db", server, "db", "info", "--json").stdout
    for source, table in ((first, "warnings"), (other, "batches")):
        clash = run("db", "copy", str(source), server, "--merge")
        assert clash.exit_code == 2 and f"holds other {table} rows" in clash.stderr, clash.stderr
        assert "nothing copied" in clash.stderr
        assert run("--db", server, "db", "info", "--json").stdout == before


def test_an_error_of_the_rows_during_an_import_is_the_rows_own_and_leaves_nothing(run, engine, tmp_path):
    """A file found damaged half-way (the reader raises as the rows stream in): its own error, not the engine's
    (PostgreSQL's COPY would call it a failed read of its input), and nothing of it stored."""
    assert run("db", "info").exit_code in (0, 2)
    with open_store(engine, create=True) as store:

        def rows():
            yield ("W1", "2026-11-24 08:00:00", 3, "周某", "13800001111", "阳逻派出所", "", "", "", "", batch)
            raise ValueError("the file was cut short")

        with pytest.raises(ValueError, match="cut short"), store.transaction():
            batch = store.begin_batch(file="f.csv", officer="o", at="2026-11-24 09:00:00")
            store.insert_new_warnings(rows())
        assert store.describe()["counts"]["warnings"] == 0 and store.get_warning("W1") is None


KILLED_DESK = r"""
import sys, time
from datetime import datetime
from pathlib import Path
from fanzha_cli.domain.desk import Desk
from fanzha_cli.storage import open_store

store = open_store(sys.argv[1])
desk = Desk(store, "crashed", datetime(2026, 11, 24, 12, 0))
warning, _ = desk.take_next()
real = store.add_events

def stalled(events, **kwargs):  # inside the call's transaction, its state written, its events not yet
    if events[0]["action"] == "call":
        print(warning["id"], flush=True)
        time.sleep(600)
    return real(events, **kwargs)

store.add_events = stalled
desk.log("reached")
"""


def test_a_desk_killed_mid_transaction_leaves_nothing_half_written_and_its_warning_comes_back(engine, run, tmp_path):
    """SPEC §3 and §8: kill -9 in the middle of logging a call: the call is all there or not at all, and the lease
    gives the warning back to the queue."""
    from fanzha_cli.domain.desk import Desk

    assert run("import", write_export(tmp_path / "d.csv", [warning_row(n) for n in range(3)])).exit_code == 0
    desk = subprocess.Popen([sys.executable, "-c", KILLED_DESK, engine], stdout=subprocess.PIPE, text=True)
    try:
        held = desk.stdout.readline().strip()
        assert held, "the desk did not get to its call"
        desk.kill()
        desk.wait(timeout=60)
    finally:
        if desk.poll() is None:
            desk.kill()
    with open_store(engine) as store:
        warning = store.get_warning(held)
        assert (warning["status"], warning["holder"], warning["attempts"]) == ("taken", "crashed", 0)
        assert [event["action"] for event in store.warning_events(held)] == ["take"]  # no call, no half of one
        later = Desk(store, "li", datetime(2026, 11, 24, 13, 1))  # past the lease (reclaim_minutes, 60)
        assert later.take_next()[0]["id"] == held
        assert [event["action"] for event in store.warning_events(held)] == ["take", "reclaimed", "take"]


def test_minutes_to_a_tenth_are_the_same_on_both_engines_even_at_an_exact_half(run, engine, tmp_path):
    """A first call 3 seconds after the warning is 0.05 minutes: a tenth rounded half up, 0.1, on every engine
    (each store gives whole seconds; the report makes the minutes)."""
    rows = [warning_row(n, id=f"H{n}", time=f"2026-11-24 08:00:0{n}", risk="中风险") for n in range(3)]
    assert run("import", write_export(tmp_path / "h.csv", rows)).exit_code == 0
    for n, after in enumerate(("08:00:03", "08:00:10", "08:01:31")):  # 3 s, 9 s, 89 s after each warning's time
        assert run("--officer", "a", "log", f"H{n}", "reached", "--at", f"2026-11-24 {after}").exit_code in (0, 1)
    figures = json.loads(run("summary", "--date", "2026-11-24", "--json").stdout)
    assert figures["first_call_minutes"]["median"] == 0.2  # 0.05 → 0.1, 0.15 → 0.2, 1.483… → 1.5
    assert figures["first_call_minutes"]["p90"] == 1.5


def test_a_list_orders_equal_urgency_and_time_as_imported_on_both_engines(run, engine, tmp_path):
    """SPEC §3's order — the most urgent, the oldest, then as imported — whatever the statuses in between."""
    same = {"time": "2026-11-24 08:00:00", "risk": "中风险"}
    rows = [warning_row(1, id="TIE-A", **same), warning_row(2, id="TIE-B", **same)]
    assert run("import", write_export(tmp_path / "t.csv", rows)).exit_code == 0
    assert json.loads(run("--officer", "a", "next", "--json").stdout)["id"] == "TIE-A"
    assert run("--officer", "a", "log", "unreachable").exit_code in (0, 1)  # A: a retry now, B still new
    for status in ([], ["--status", "retry,new"], ["--status", "new,retry"]):
        listed = json.loads(run("list", *status, "--json").stdout)
        assert [card["id"] for card in listed] == ["TIE-A", "TIE-B"], status


def test_next_on_the_server_loads_only_the_driver_not_pythons_ssl_and_ssl_still_imports_after(run, pg_server, tmp_path):
    """psycopg2 imports `ssl` (8 ms) only to hand OpenSSL's callbacks to libpq; the store takes the driver's own
    fallback instead. Nothing the SQLite path avoids is loaded, and a later `import ssl` still works."""

    import pg_cluster

    url = pg_cluster.database_url(pg_server, "fanzha_light_next")
    run("--db", url, "import", str(write_export(tmp_path / "day.csv", [warning_row(n) for n in range(3)])))
    heavy = ("ssl", "pydantic", "csv", "openpyxl", "dateutil", "sqlite_utils", "rich.table")
    probe = (
        "import atexit, sys\n"
        "def report():\n"
        f"    print('LOADED', [m for m in {heavy!r} if m in sys.modules], file=sys.stderr)\n"
        "    import ssl\n"
        "    print('SSL', ssl.OPENSSL_VERSION[:7], file=sys.stderr)\n"
        "atexit.register(report)\n"
        "from fanzha_cli.cli import main\n"
        f"sys.argv = ['fanzha', '--db', {as_officer(url, 'light')!r}, '--officer', 'light', 'next']\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stderr and "SSL OpenSSL" in result.stderr, result.stderr
    assert "WH" in result.stdout  # a warning was handed out over the connection


def test_next_on_the_server_takes_fourteen_round_trips(run, pg_server, tmp_path, monkeypatch):
    """Each statement is a round trip to the server, which over a centre's network costs more than the statement.
    `next` (it took twenty-six): the schema's count; the take's transaction begun with its setting in one text, the
    settings, stale holds, the hand's warning, the head taken with its skip forgotten in one statement, the take's
    event (its id, its row), the warning, the changed-rows check, the commit; the phone's showing recorded in one
    text; every kind of overdue counted in one statement; the station's contacts."""
    import pg_cluster
    import psycopg2
    import psycopg2.extensions

    from fanzha_cli.storage.postgres import connect as pg_connect

    url = pg_cluster.database_url(pg_server, "fanzha_round_trips")
    run("--db", url, "import", str(write_export(tmp_path / "day.csv", [warning_row(n) for n in range(3)])))
    sent = []

    class Counted(psycopg2.extensions.cursor):
        def execute(self, sql, params=None):
            sent.append(sql)
            return super().execute(sql, params)

        def executemany(self, sql, rows):
            rows = list(rows)
            sent.extend([sql] * len(rows))  # psycopg2 sends each row on its own
            return super().executemany(sql, rows)

    plain = psycopg2.connect

    def connect(*args, **kwargs):  # fanzha's own connections (not the test harness's making the login)
        return (
            plain(*args, cursor_factory=Counted, **kwargs)
            if kwargs.get("application_name") == "fanzha"
            else plain(*args, **kwargs)
        )

    monkeypatch.setattr(pg_connect.psycopg2, "connect", connect)
    result = run("--db", as_officer(url, "trips"), "--officer", "trips", "next")
    assert result.exit_code == 0 and "WH" in result.stdout, result.stderr
    assert len(sent) == 14, "\n".join(s if isinstance(s, str) else s.decode() for s in sent)


def test_both_engines_count_the_same_named_migrations_in_the_same_order():
    from sqlite_utils import Database

    from fanzha_cli.storage.postgres.migrations import MIGRATIONS
    from fanzha_cli.storage.sqlite.migrations import migrations

    assert [name for name, _ in MIGRATIONS] == [m.name for m in migrations.pending(Database(memory=True))]


def test_a_server_database_of_the_last_release_upgrades_and_another_programs_event_takes_the_next_id(
    pg_server, run, tmp_path, monkeypatch
):
    """A database at 0006 (the release before event ids had a default) upgrades on open, its rows kept; an event
    written by another program then takes its id from the desks' sequence, and the desk's next one follows it."""
    import pg_cluster
    import psycopg2

    from fanzha_cli.storage.postgres import migrations

    url = pg_cluster.database_url(pg_server, "fanzha_release_0006")
    every = migrations.MIGRATIONS
    monkeypatch.setattr(migrations, "MIGRATIONS", every[:6])
    run("--db", url, "import", str(write_export(tmp_path / "day.csv", [warning_row(n) for n in range(3)])))
    conn = psycopg2.connect(url)  # a desk of that release took the first warning (its columns only)
    with conn, conn.cursor() as cur:
        cur.execute(
            "UPDATE warnings SET status = 'taken', holder = 'a', held_since = time"
            " WHERE seq = (SELECT min(seq) FROM warnings)"
        )
    conn.close()
    # this release's migrations back; the test's own environment kept (undo() would also send the copy made before
    # the upgrade to the real ~/.local/share)
    monkeypatch.setattr(migrations, "MIGRATIONS", every)
    monkeypatch.setenv("FANZHA_DB", url)
    assert run("--officer", "a", "log", "unreachable").exit_code == 0  # opens, upgrades, writes
    copies = list((tmp_path / "data-home" / "fanzha" / "backups").glob("fanzha-fanzha_release_0006-*-before-schema-*"))
    assert len(copies) == 1, copies  # in the test's own data folder
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM fanzha_migrations")
        assert cur.fetchone()[0] == len(migrations.MIGRATIONS)
        cur.execute(
            "INSERT INTO events (warning_id, at, logged_at, officer, action) SELECT id, time, time, 'repair', 'note'"
            " FROM warnings ORDER BY seq LIMIT 1 RETURNING id"
        )
        written = cur.fetchone()[0]
        cur.execute("SELECT max(id) FROM events WHERE officer <> 'repair'")
        assert written > cur.fetchone()[0]
    conn.close()
    assert run("--officer", "b", "next").exit_code == 0  # the desk's next event: after the repair's, no collision
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT min(id) FROM events WHERE officer = 'b'")
        assert cur.fetchone()[0] > written
    conn.close()


def test_a_read_of_a_database_with_no_fanzha_tables_says_so_and_makes_none(run, engine, db):
    """A typo in FANZHA_DB (a wrong database on the right server) must not look like an empty queue, and a read
    makes nothing: the same on both engines."""
    for read in (("next",), ("list",), ("summary",), ("db", "info"), ("config",)):
        result = run(*read)
        assert result.exit_code == 2 and "there is no database at" in result.stderr, (read, result.stderr)
    if engine.startswith("postgresql://"):
        assert db("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == [(0,)]
    else:
        assert not Path(engine).exists()
    assert run("config", "district", "新洲区").exit_code == 0  # a write makes it
    assert "nothing imported yet" in run("next").stdout


@contextmanager
def _desk_on_a_server_of_its_own(run, tmp_path, monkeypatch, name: str):
    """`fanzha desk` (keys piped in) at its first card, on a cluster of the test's own that the test may stop and
    start again: (the cluster, the URL, the desk's process, the card's line with the warning's id)."""
    import pg_cluster

    cluster = pg_cluster.Cluster()
    try:
        url = pg_cluster.database_url(cluster.start(), name)
        monkeypatch.setenv("FANZHA_DB", url)
        rows = [warning_row(n, risk="中风险") for n in range(3)]  # closed by a call with no question asked
        assert run("import", write_export(tmp_path / "d.csv", rows)).exit_code == 0
        desk = subprocess.Popen(
            [sys.executable, "-m", "fanzha_cli", "desk"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            env={**os.environ, "FANZHA_DB": as_officer(url, "desk-1"), "FANZHA_OFFICER": "desk-1"},
        )  # fmt: skip
        with deadline(120):
            first = desk.stdout.readline()
            while "WH2026" not in first:  # the first card is up: a warning is in hand
                first = desk.stdout.readline()
            yield cluster, url, desk, first
    finally:
        cluster.stop()


def _ended(desk) -> tuple[str, str]:
    """What the desk printed from here to its end, and on stderr; it ended with exit 0."""
    desk.stdin.close()
    rest, errors = desk.stdout.read(), desk.stderr.read()
    assert desk.wait() == 0, errors
    return rest, errors


def test_desk_mode_outlives_a_server_restart_and_goes_on_with_the_same_hand(pg_server, run, tmp_path, monkeypatch):
    """SPEC §8: a restart mid-shift is one line and a wait, not the end of the shift; the key that failed changed
    nothing, the warning in hand is still the officer's, and the next keys work on the server come back."""
    with _desk_on_a_server_of_its_own(run, tmp_path, monkeypatch, "fanzha_desk_restart") as (cluster, url, desk, first):
        cluster.halt()
        desk.stdin.write("r\n")  # reached: fails, the server is down
        desk.stdin.flush()
        said = desk.stdout.readline()
        while "Waiting for the database" not in said:
            said = desk.stdout.readline()
        cluster.start()
        desk.stdin.write("x\nr\nq\n")  # any key tries again; then reached, on the card shown again; quit
        rest, errors = _ended(desk)
        with open_store(url) as store:
            calls = store.list_warnings(limit=None, statuses=["closed"])
    assert errors.count("cannot reach the database at") + errors.count("lost the database at") == 1, errors
    assert "The database answers again" in rest
    # one call logged, after the restart, once, on the warning that was in hand when the server went
    assert [warning["id"] for warning in calls] == re.findall(r"WH\d{14}", first)


def test_desk_mode_waiting_for_the_server_quits_on_q_with_the_shift_line(pg_server, run, tmp_path, monkeypatch):
    with _desk_on_a_server_of_its_own(run, tmp_path, monkeypatch, "fanzha_desk_quit") as (cluster, _, desk, _):
        cluster.halt()
        desk.stdin.write("u\nq\n")  # unreachable: fails; then quit while waiting
        rest, errors = _ended(desk)
    assert "Waiting for the database" in rest and "本班 shift: 0 calls" in rest
    assert errors.count("\n") == 1, errors
