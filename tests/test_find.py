"""A person calls back (SPEC §3, issue 10 item 12): `find` by phone, name or id; `take` that warning; short ids
everywhere an id is typed. Each lookup reads an index, never the table."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO, synthetic_database, warning_row, write_export

from fanzha_cli.storage import open_store
from fanzha_cli.storage.sqlite import plans as sqlite_plans
from fanzha_cli.storage.sqlite import store as sqlite_store

# id, time, risk, name, phone. W…0008 and W…0108 share no tail of four; X…0008 makes `0008` ambiguous (below).
ROWS = [
    ("WH202611240000008", "2026-11-24 08:00:00", "中风险", "周某甲", "10012345678"),
    ("WH202611240000009", "2026-11-24 09:00:00", "高风险", "周某乙", "10087650008"),
    ("WH202611240000108", "2026-11-24 10:00:00", "紧急", "李某", "10012345678"),  # the same phone, later
    ("WH202611230000777", "2026-11-23 07:00:00", "中风险", "周某甲", "10055550777"),  # the same name, earlier
    ("WH202611250000001", "2026-11-25 01:00:00", "中风险", "王某", "10012345678"),  # the same phone, latest
]
FULL_PHONES = {row[4] for row in ROWS}


@pytest.fixture
def desk(tmp_path, run):
    rows = [
        warning_row(n, id=wid, time=time, risk=risk, name=name, phone=phone)
        for n, (wid, time, risk, name, phone) in enumerate(ROWS)
    ]
    result = run("import", write_export(tmp_path / "day.csv", rows))
    assert result.exit_code == 0, result.stderr


def state(db, wid):
    return db("SELECT status, holder, attempts, escalated_to FROM warnings WHERE id = ?", (wid,))[0]


def found_ids(result) -> list[str]:
    return [line.split("\t")[0] for line in result.stdout.splitlines()]


def events(db, wid):
    return [row[0] for row in db("SELECT action FROM events WHERE warning_id = ? ORDER BY id", (wid,))]


def no_full_phone(result) -> None:
    for phone in FULL_PHONES:
        assert phone not in result.stdout and phone not in result.stderr


# --- short ids -------------------------------------------------------------------------------------------------


def test_an_id_is_typed_as_any_unique_tail_in_any_case(run, desk):
    for typed in ("0009", "00009", "wh202611240000009", "Wh202611240000009", "ＷＨ２０２６１１２４００００００９"):
        result = run("show", typed, "--json")
        assert result.exit_code == 0, (typed, result.stderr)
        assert json.loads(result.stdout)["id"] == "WH202611240000009"
    assert run("log", "0777", "reached").exit_code == 0  # an action, too
    assert run("show", "777").exit_code == 2  # three characters are not a tail
    assert "no warning '777'" in run("show", "777").stderr
    assert "no warning '4242'" in run("show", "4242").stderr


def test_a_whole_id_wins_over_the_ids_it_is_the_tail_of(tmp_path, run):
    rows = [warning_row(1, id="W1234"), warning_row(2, id="XW1234", time="2026-11-24 11:00:00")]
    assert run("import", write_export(tmp_path / "short.csv", rows)).exit_code == 0
    assert json.loads(run("show", "W1234", "--json").stdout)["id"] == "W1234"
    assert json.loads(run("show", "xw1234", "--json").stdout)["id"] == "XW1234"
    assert run("show", "1234").exit_code == 2  # the tail of both


def test_an_ambiguous_tail_lists_the_candidates_and_does_nothing(tmp_path, run, db, desk):
    more = [warning_row(9, id="XY202611240000008", time="2026-11-24 11:30:00")]
    assert run("import", write_export(tmp_path / "more.csv", more)).exit_code == 0
    result = run("log", "0008", "reached")
    assert result.exit_code == 2
    assert "WH202611240000008 (2026-11-24 08:00)" in result.stderr and "XY202611240000008" in result.stderr
    assert "type more of the id" in result.stderr and len(result.stderr.splitlines()) == 1
    assert state(db, "WH202611240000008")[0] == state(db, "XY202611240000008")[0] == "new"
    assert db("SELECT count(*) FROM events")[0][0] == 0
    assert run("log", "h202611240000008", "reached").exit_code == 0  # a longer tail tells them apart
    assert state(db, "WH202611240000008")[0] == "closed"
    assert run("show", "XY202611240000008").exit_code == 0  # a whole id is always exact
    assert run("take", "0008").exit_code == 2  # still ambiguous for take


def test_a_tail_that_fits_many_names_the_newest_ten(tmp_path, run):
    rows = [warning_row(n, id=f"D{n:02d}-0042", time=f"2026-11-24 {n % 24:02d}:00:00") for n in range(12)]
    assert run("import", write_export(tmp_path / "many.csv", rows)).exit_code == 0
    result = run("show", "0042")
    assert result.exit_code == 2 and "more than 10 warning ids, the newest" in result.stderr
    assert result.stderr.count("-0042 (") == 10 and "D11-0042" in result.stderr and "D00-0042" not in result.stderr


def test_an_id_that_is_not_utf8_is_one_line(run, desk):
    result = run("show", "WH\udcff0008")
    assert result.exit_code == 2 and "no warning" in result.stderr
    assert run("find", "WH\udcff0008").exit_code == 0


# --- find ---------------------------------------------------------------------------------------------------------


def test_find_by_the_last_four_digits_newest_first_phones_masked(run, desk):
    result = run("find", "5678")
    assert result.exit_code == 0, result.stderr
    assert found_ids(result) == ["WH202611250000001", "WH202611240000108", "WH202611240000008"]
    assert "100****5678" in result.stdout
    no_full_phone(result)


def test_find_by_the_whole_phone_as_officers_type_it(run, desk):
    for typed in ("10012345678", "100 1234 5678", "100-1234-5678", "+86 100 1234 5678"):
        result = run("find", typed)
        assert found_ids(result) == ["WH202611250000001", "WH202611240000108", "WH202611240000008"], typed
        no_full_phone(result)
    assert found_ids(run("find", "10012349999")) == []


def test_four_digits_are_a_phone_end_and_an_id_end(run, desk):
    result = run("find", "0008")
    assert found_ids(result) == ["WH202611240000009", "WH202611240000008"]
    lines = {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines()}
    assert lines["WH202611240000009"][-1] == "phone" and lines["WH202611240000008"][-1] == "id"


def test_four_digits_that_end_many_ids_list_the_phones_only(tmp_path, run, desk):
    more = [warning_row(9, id="XY202611240000008", time="2026-11-24 11:30:00")]
    assert run("import", write_export(tmp_path / "more.csv", more)).exit_code == 0
    result = run("find", "0008")
    assert found_ids(result) == ["WH202611240000009"]  # the phone ending 0008; not strangers' ids
    assert "also the end of 2 warning ids, not listed: type more of the id" in result.stderr
    assert found_ids(run("find", "0000008")) == ["XY202611240000008", "WH202611240000008"]  # no phone: all ids


def test_find_by_name_exact_and_by_its_start(run, desk):
    assert found_ids(run("find", "周某甲")) == ["WH202611240000008", "WH202611230000777"]
    assert found_ids(run("find", "周某")) == ["WH202611240000009", "WH202611240000008", "WH202611230000777"]
    assert found_ids(run("find", " 李某 ")) == ["WH202611240000108"]


def test_find_by_id_in_any_case_and_closed_warnings_too(run, desk):
    assert run("log", "WH202611240000108", "reached").exit_code in (0, 1)  # 1: urgent, never handed over
    result = run("find", "wh202611240000108")
    assert found_ids(result) == ["WH202611240000108"] and "\tclosed\t" in result.stdout
    assert found_ids(run("find", "0000108")) == ["WH202611240000108"]


def test_find_says_how_many_earlier_warnings_the_same_phone_had(run, desk):
    data = json.loads(run("find", "5678", "--json").stdout)
    assert [(item["id"], item["earlier_warnings"]) for item in data] == [
        ("WH202611250000001", 2),
        ("WH202611240000108", 1),
        ("WH202611240000008", 0),
    ]
    assert [line.split("\t")[9] for line in run("find", "5678").stdout.splitlines()] == ["2", "1", "0"]


def test_find_json_keys_are_list_json_keys_and_two_more(run, desk):
    listed = json.loads(run("list", "--json").stdout)
    found = json.loads(run("find", "10012345678", "--json").stdout)
    assert len(found) == 3
    for item in found:
        assert set(item) == set(listed[0]) | {"earlier_warnings", "matched_by"}
        assert item["phone"] == "100****5678" and item["script"] is None and item["matched_by"] == ["phone"]
    assert json.loads(run("find", "0008", "--json").stdout)[1]["matched_by"] == ["id"]


def test_nothing_found_is_a_line_on_stderr_and_exit_0(run, desk):
    result = run("find", "赵某")
    assert result.exit_code == 0 and result.stdout == ""
    assert "nothing found for '赵某'" in result.stderr
    result = run("find", "10099998888")
    assert result.exit_code == 0 and "100****8888" in result.stderr and "10099998888" not in result.stderr
    assert "all 11 digits or the last 4" in run("find", "100123").stderr
    result = run("find", "赵某", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_find_of_nothing_is_refused(run, desk):
    result = run("find", "  ")
    assert result.exit_code == 2 and "find needs something to look for" in result.stderr


def test_find_limit_says_when_more_match(run, desk):
    result = run("find", "5678", "--limit", "2")
    assert found_ids(result) == ["WH202611250000001", "WH202611240000108"]
    assert "more match" in result.stderr
    result = run("find", "5678", "--limit", "0")
    assert len(found_ids(result)) == 3 and "more match" not in result.stderr


def test_find_on_a_terminal_is_a_table_with_the_phone_masked(run, desk, monkeypatch):
    from fanzha_cli import output

    monkeypatch.setattr(output, "is_terminal", lambda stream=None: True)
    monkeypatch.setattr("fanzha_cli.cli.find.is_terminal", lambda stream=None: True)
    monkeypatch.setenv("COLUMNS", "200")
    result = run("find", "5678")
    assert "WH202611250000001" in result.stdout and "100****5678" in result.stdout
    assert "earlier" in result.stdout and "\t" not in result.stdout
    no_full_phone(result)


def test_find_shows_names_as_text(tmp_path, run):
    rows = [warning_row(1, id="WH202611240000001", name="[bold]周\x1b]0;x\x07某")]
    assert run("import", write_export(tmp_path / "odd.csv", rows)).exit_code in (0, 1)
    result = run("find", "0001")
    assert "\x1b" not in result.stdout


# --- take ---------------------------------------------------------------------------------------------------------


def test_take_log_reached_closes_it(run, db, desk):
    result = run("take", "0108")
    assert result.exit_code == 0, result.stderr
    assert "WH202611240000108: in your hand now" in result.stdout and "100****5678" in result.stdout
    no_full_phone(result)
    assert state(db, "WH202611240000108") == ("taken", "test-officer", 0, None)
    assert json.loads(run("next", "--json").stdout)["id"] == "WH202611240000108"  # next shows the one in hand
    assert run("log", "reached").exit_code in (0, 1)  # 1: an urgent one never handed over (SPEC §3)
    assert state(db, "WH202611240000108")[:2] == ("closed", None)
    assert events(db, "WH202611240000108") == ["take", "call"]


def test_take_sends_the_one_in_hand_back_to_the_queue(run, db, desk):
    held = json.loads(run("next", "--json").stdout)["id"]
    assert held == "WH202611240000108"  # the urgent one
    result = run("take", "0009")
    assert f"{held}: back in the queue" in result.stdout
    assert state(db, held) == ("new", None, 0, None)
    assert state(db, "WH202611240000009")[:2] == ("taken", "test-officer")
    assert events(db, held) == ["take", "release"]
    assert db("SELECT count(*) FROM warnings WHERE holder = 'test-officer'")[0][0] == 1


def test_take_of_another_officers_warning_is_refused(run, db, desk):
    assert run("--officer", "alice", "take", "0009").exit_code == 0
    result = run("take", "0009")
    assert result.exit_code == 2 and "in alice's hand" in result.stderr
    assert state(db, "WH202611240000009")[:2] == ("taken", "alice")
    result = run("--officer", "ALICE", "take", "0009")  # her own, however she writes her name
    assert result.exit_code == 0 and "already in your hand" in result.stdout
    assert events(db, "WH202611240000009") == ["take"]  # the no-op wrote nothing


def test_a_second_officer_never_gets_the_taken_one(run, db, desk):
    assert run("take", "0108").exit_code == 0  # the head of the queue (urgent)
    seen = set()
    for officer in ("bob", "carol", "dave", "erin"):
        card = json.loads(run("--officer", officer, "next", "--json").stdout)
        assert card["id"] != "WH202611240000108"
        seen.add(card["id"])
    assert len(seen) == 4  # each got another one
    assert run("--officer", "frank", "next", "--json").stdout.strip() == "null"  # nothing left, not ours either


def test_take_of_a_closed_warning_is_refused(run, db, desk):
    run("log", "0009", "reached")
    result = run("take", "0009")
    assert result.exit_code == 2 and "is closed" in result.stderr
    assert state(db, "WH202611240000009")[:2] == ("closed", None)


def test_take_of_a_warning_waiting_for_its_station(run, db, desk):
    assert run("log", "0009", "distrustful").exit_code == 0  # to its station at once
    assert state(db, "WH202611240000009") == ("escalated", None, 0, "阳逻派出所")
    result = run("take", "0009")
    assert (
        result.exit_code == 0 and "it was escalated" in result.stdout and "stays handed to 阳逻派出所" in result.stdout
    )
    assert state(db, "WH202611240000009") == ("taken", "test-officer", 0, "阳逻派出所")
    assert db("SELECT escalated_at IS NOT NULL FROM warnings WHERE id = 'WH202611240000009'") == [(1,)]
    assert run("log", "reached").exit_code == 0  # the person was reached; the station's visit still stands
    assert state(db, "WH202611240000009") == ("escalated", None, 0, "阳逻派出所")
    assert run("take", "0009").exit_code == 0
    assert run("log", "unreachable").exit_code == 0
    assert state(db, "WH202611240000009") == ("escalated", None, 1, "阳逻派出所")


def test_a_warning_taken_from_its_station_goes_back_to_it(run, db, desk):
    run("log", "0009", "distrustful")
    run("take", "0009")
    result = run("take", "0777")
    assert "WH202611240000009: back with its station" in result.stdout
    assert state(db, "WH202611240000009") == ("escalated", None, 0, "阳逻派出所")


# --- undo after take ---------------------------------------------------------------------------------------------


def test_undo_after_a_take_that_sent_one_back_puts_it_back_in_hand(run, db, desk):
    held = json.loads(run("next", "--json").stdout)["id"]
    run("take", "0009")
    result = run("undo")
    assert result.exit_code == 0, result.stderr
    assert f"undone: release on {held}" in result.stdout and "WH202611240000009" in result.stdout
    assert state(db, held)[:2] == ("taken", "test-officer")
    assert state(db, "WH202611240000009")[:2] == ("new", None)
    assert db("SELECT count(*) FROM warnings WHERE holder = 'test-officer' AND status = 'taken'")[0][0] == 1
    result = run("undo")
    assert result.exit_code == 2 and "nothing to undo" in result.stderr  # the take itself is no act to undo


def test_undo_after_a_plain_take_reverses_the_act_before_it(run, db, desk):
    run("log", "0777", "unreachable")  # a call, not in hand: to retry
    assert state(db, "WH202611230000777")[:3] == ("retry", None, 1)
    run("take", "0009")
    result = run("undo")
    assert result.exit_code == 0 and "undone: call unreachable on WH202611230000777" in result.stdout
    assert state(db, "WH202611230000777")[:3] == ("new", None, 0)
    assert state(db, "WH202611240000009")[:2] == ("taken", "test-officer")  # the take stands


def test_undo_of_a_call_on_the_warning_taken_since_keeps_it_in_hand(run, db, desk):
    run("log", "0777", "unreachable")
    run("take", "0777")
    assert run("undo").exit_code == 0
    assert state(db, "WH202611230000777")[:3] == ("taken", "test-officer", 0)


def test_undo_of_a_take_by_another_officer_is_refused(run, db, desk):
    run("log", "0777", "unreachable")
    run("--officer", "bob", "take", "0777")
    result = run("undo")
    assert result.exit_code == 2 and "bob has since recorded a take" in result.stderr
    assert state(db, "WH202611230000777")[:3] == ("taken", "bob", 1)


# --- start-up and plans ---------------------------------------------------------------------------------------------

HEAVY = ("pydantic", "csv", "openpyxl", "dateutil", "sqlite_utils")


@pytest.mark.parametrize("args", [("find", "5678"), ("find", "周某"), ("take", "0009"), ("show", "0009")])
def test_find_and_take_stay_light(run, desk, args):
    probe = (
        "import atexit, sys\n"
        f"atexit.register(lambda: print('LOADED', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr))\n"
        "from fanzha_cli.cli import main\n"
        f"sys.argv = ['fanzha', *{list(args)!r}]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "LOADED []" in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [(("next",), "[taken]"), (("list", "--overdue"), "no warnings match"), (("log", "0009", "unreachable"), "→")],
)
def test_the_desks_commands_compile_none_of_the_patterns_of_times_and_phones(run, desk, args, said):
    """Each pattern of domain.values is compiled when first used: compiling them all took 3-4 ms of every start."""
    probe = (
        "import atexit, sys\n"
        "def report():\n"
        "    from fanzha_cli.domain import values\n"
        "    made = [n for n, v in vars(values).items() if hasattr(v, 'cache_info') and v.cache_info().currsize]\n"
        "    lazy = [n for n, v in vars(values).items() if hasattr(v, 'cache_info')]\n"
        "    print('COMPILED', made, len(lazy), file=sys.stderr)\n"
        "atexit.register(report)\n"
        "from fanzha_cli.cli import main\n"
        f"sys.argv = ['fanzha', *{list(args)!r}]\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ, cwd=REPO)
    assert result.returncode == 0 and said in result.stdout + result.stderr, result.stderr  # the command did its work
    assert "COMPILED [] 7" in result.stderr, result.stderr


def _assert_indexed(plan: list[str], index: str, *, sorted_by_index: bool = True) -> None:
    assert any(f"INDEX {index}" in step for step in plan), plan
    assert not any(step.startswith("SCAN") for step in plan), plan  # never a read of the whole table
    if sorted_by_index:
        assert not any("TEMP B-TREE" in step for step in plan), plan


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    """40,000 warnings of four days, the statistics gathered."""
    conn = synthetic_database(tmp_path_factory.mktemp("big"), days=4, per_day=10_000, first_day=20)
    conn.conn.execute("ANALYZE")
    return conn


@pytest.mark.parametrize("analyzed", [True, False])
def test_find_and_short_ids_read_their_index(big_db, tmp_path, analyzed):
    conn = big_db
    if not analyzed:  # a desk's file that never ran ANALYZE
        conn = open_store(tmp_path / "fresh.db", create=True)
    _assert_indexed(sqlite_plans.find_plan(conn, "phone_tail"), "warnings_phone_tail")
    _assert_indexed(sqlite_plans.find_plan(conn, "phone"), "warnings_phone_tail")
    _assert_indexed(sqlite_plans.find_plan(conn, "name"), "warnings_name")
    _assert_indexed(
        sqlite_plans.find_plan(conn, "name_start"), "warnings_name", sorted_by_index=False
    )  # a range: sorted
    _assert_indexed(sqlite_plans.find_plan(conn, "id_tail"), "warnings_id_tail")
    _assert_indexed(sqlite_plans.find_plan(conn, "id"), "sqlite_autoindex_warnings_1")
    for kind in sqlite_store.FIND:  # earlier warnings of the same phone: through the phone's index as well
        assert any("SEARCH o USING INDEX warnings_phone_tail" in step for step in sqlite_plans.find_plan(conn, kind))


def test_find_on_many_warnings(big_db):
    from fanzha_cli.domain.finding import by_id_tail, find

    phone, name = big_db.conn.execute("SELECT phone, name FROM warnings LIMIT 1 OFFSET 12345").fetchone()
    rows, _, _ = find(big_db, phone[-4:])
    assert phone in {row["phone"] for row in rows}
    times = [row["time"] for row in rows]
    assert times == sorted(times, reverse=True)
    rows, more, _ = find(big_db, name[:1], limit=5)  # a surname: thousands
    assert len(rows) == 5 and more and all(row["name"].startswith(name[:1]) for row in rows)
    assert [row["time"] for row in rows] == sorted((row["time"] for row in rows), reverse=True)
    assert by_id_tail(big_db, "wh202611220001234")["id"] == "WH202611220001234"
