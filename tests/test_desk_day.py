"""What a new officer tripped over in a real day at the desk (issue 10): each test failed before its fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import day_rows, warning_row, write_export

from fanzha_cli.domain.desk import Desk
from fanzha_cli.storage import open_store

DAY = [
    ("W1", "2026-11-24 08:00:00", "中风险"),
    ("W2", "2026-11-24 09:00:00", "高风险"),
    ("W3", "2026-11-24 10:00:00", "紧急"),
]


@pytest.fixture
def day(tmp_path, run):
    assert run("import", write_export(tmp_path / "day.csv", day_rows(DAY))).exit_code == 0


@pytest.fixture
def conn(tmp_path):
    """The same day through the library, for rules that need a clock of their own."""
    from fanzha_cli.files.importer import import_file

    conn = open_store(tmp_path / "f.db", create=True)
    rows = [warning_row(n, id=wid, time=time, risk=risk) for n, (wid, time, risk) in enumerate(DAY)]
    import_file(conn, write_export(tmp_path / "d.csv", rows), officer="x", now=datetime(2026, 11, 25))
    return conn


def taken(run, officer=None) -> str | None:
    data = json.loads(run(*(("--officer", officer) if officer else ()), "next", "--json").stdout)
    return data and data["id"]


# 1. skipping skips, for the officer who skipped, and hides nothing from the rest of the desk


def test_a_skipped_warning_is_not_handed_back_while_others_are_due(run, day):
    assert taken(run) == "W3"
    run("release")
    assert taken(run) == "W2"
    run("log", "distrustful")
    assert taken(run) == "W1"
    run("log", "distrustful")
    assert taken(run) == "W3"  # nothing else is due for me: the skipped one comes back


def test_a_skip_never_hides_a_warning_from_another_officer(run, day):
    assert taken(run) == "W3"
    run("release")
    assert taken(run, "second") == "W3"


def test_a_skip_lasts_skip_minutes(conn):
    noon = datetime(2026, 11, 24, 12, 0)
    desk = Desk(conn, "li", noon)
    assert desk.take_next()[0]["id"] == "W3"
    desk.release()
    assert Desk(conn, "li", noon + timedelta(minutes=9)).take_next()[0]["id"] == "W2"
    Desk(conn, "li", noon + timedelta(minutes=9)).release()
    assert Desk(conn, "li", noon + timedelta(minutes=11)).take_next()[0]["id"] == "W3"  # its skip is over


# 15. a hold is a lease


def test_a_stranded_hold_is_reclaimed_by_the_next_take_of_anyone(conn):
    noon = datetime(2026, 11, 24, 12, 0)
    assert Desk(conn, "crashed", noon).take_next()[0]["id"] == "W3"
    assert Desk(conn, "li", noon + timedelta(minutes=59)).take_next()[0]["id"] == "W2"  # not yet
    Desk(conn, "li", noon + timedelta(minutes=59)).log("distrustful")
    assert Desk(conn, "li", noon + timedelta(minutes=61)).take_next()[0]["id"] == "W3"  # taken back, handed on
    actions = [e["action"] for e in conn.warning_events("W3")]
    assert actions == ["take", "reclaimed", "take"]
    assert Desk(conn, "crashed", noon + timedelta(minutes=62)).in_hand() is None


def test_an_action_renews_the_lease_and_its_age_ends_it(conn):
    noon = datetime(2026, 11, 24, 12, 0)
    Desk(conn, "busy", noon).take_next()
    Desk(conn, "busy", noon + timedelta(minutes=50)).escalate()  # working on it: the call goes on
    Desk(conn, "li", noon + timedelta(minutes=90)).take_next()  # 40 minutes since the escalation: still held
    assert Desk(conn, "busy", noon + timedelta(minutes=90)).in_hand()["id"] == "W3"
    Desk(conn, "li", noon + timedelta(minutes=90)).log("distrustful")
    # the desk crashed after escalating: an hour after its last action the warning goes back (to the call queue:
    # a parallel escalation keeps it there), and on to the next officer who asks
    assert Desk(conn, "li", noon + timedelta(minutes=111)).take_next()[0]["id"] == "W3"
    assert Desk(conn, "busy", noon + timedelta(minutes=111)).in_hand() is None


# 3. reads never create


@pytest.mark.parametrize("command", [["list"], ["summary"], ["next"], ["show", "W1"], ["export"], ["config"]])
def test_a_read_of_a_missing_database_says_so_and_creates_nothing(run, tmp_path, command):
    missing = tmp_path / "typo" / "fanzha.db"
    result = run("--db", missing, *command)
    assert result.exit_code == 2 and "no database" in result.stderr and "fanzha import" in result.stderr
    assert not missing.parent.exists()


# 4. the timeline in the order things happened


def test_show_orders_the_timeline_by_when_and_marks_what_was_logged_later(run, day):
    taken(run)
    run("note", "后补: 上午已电话联系家属", "--at", "2026-11-24 10:30")
    run("escalate", "--at", "2026-11-24 10:10")
    events = json.loads(run("show", "W3", "--json").stdout)["events"]
    assert [event["at"] for event in events[1:]] == sorted(event["at"] for event in events[1:])
    lines = [line for line in run("show", "W3").stdout.splitlines() if line.startswith("  2026-11-24 10:")]
    assert "(logged " in lines[0] and "escalate" in lines[0] and "note" in lines[1]


# 5. the id first, or last


def test_note_takes_the_id_first_like_the_others(run, day):
    assert run("note", "W2", "家属称已报警").stdout.startswith("W2: note added")
    assert run("note", "W2", "a", "b").exit_code == 2


def test_log_with_the_outcome_first_is_understood(run, day):
    assert run("log", "reached", "W1").stdout.startswith("W1: reached")


# 6. one rule for stations


def test_the_warnings_own_unlisted_station_is_accepted_by_name_too(run, tmp_path):
    run("import", write_export(tmp_path / "x.csv", [warning_row(1, id="U1", station="张店派出所")]))
    assert run("escalate", "U1", "--station", "张店派出所").exit_code == 0
    assert run("escalate", "U1", "--station", "张店").exit_code == 2  # another unlisted name: a typo until added


# 7. NO_COLOR on a terminal drops the colour, not the table


def test_no_color_on_a_terminal_keeps_the_table(run, day, monkeypatch):
    monkeypatch.setattr("fanzha_cli.output.is_terminal", lambda stream=None: True)
    monkeypatch.setenv("NO_COLOR", "1")
    text = run("list").stdout
    assert text.splitlines()[0].split() == ["id", "time", "risk", "status", "name", "phone", "station", "tries"]
    assert "\x1b[" not in text


def test_list_on_an_80_column_terminal_never_cuts_an_id_nor_a_phone(run, tmp_path, monkeypatch):
    """The officer types an id's last four from `list`: on an ordinary terminal the id (and the masked phone) stay
    whole, the other columns fold; with --overdue's long reasons too."""
    monkeypatch.setattr("fanzha_cli.output.is_terminal", lambda stream=None: True)
    monkeypatch.setenv("COLUMNS", "80")
    rows = [warning_row(n, id=f"WH20261124000{n:04d}", risk="紧急") for n in range(1, 4)]
    run("import", write_export(tmp_path / "long.csv", rows))
    run("escalate", "WH202611240000001", "--at", "2026-11-24 10:00")  # not acknowledged since: overdue
    for words in (("list",), ("list", "--overdue")):
        text = run(*words).stdout
        shown = [f"WH20261124000{n:04d}" for n in range(1, 4) if f"WH20261124000{n:04d}" in text]
        assert shown == (["WH202611240000001"] if "--overdue" in words else [row[0] for row in rows]), text
        assert all(len(line) <= 80 for line in text.splitlines()), text
        assert "100****" in text and "100…" not in text, text
        assert "11-24 " in text  # the time whole, without its year: not folded over five lines
    # why it is overdue on lines of their own under its row, readable, not a column a few characters wide
    lines = run("list", "--overdue").stdout.splitlines()
    [first] = [n for n, line in enumerate(lines) if line.startswith("    with 阳逻派出所 ")]
    assert "not acknowledged by" in lines[first] + lines[first + 1], lines


# 11. small things


def test_small_things(run, day, db):
    assert run("escalate", "W1", "--via", "").exit_code == 2  # an empty --via is not "all"
    assert run("stations", "add", "阳逻", "--phone", "123").exit_code == 2
    assert run("stations", "add", "阳逻", "--phone", "027-8695-1234").exit_code == 0
    run("escalate", "W1")
    assert "already" in run("visit", "W1", "moved", "--to", "阳逻").stderr
    assert "'25:00' is not a time of day" in run("log", "W2", "reached", "--at", "25:00").stderr
    assert "--at: --at" not in run("log", "W2", "reached", "--at", "25:00").stderr
    assert taken(run) == "W3"
    run("log", "unreachable")
    assert db("SELECT status, due_at FROM warnings WHERE id = 'W3'") == [("escalated", None)]
    assert "urgent risk, not reached" in run("show", "W3").stdout
    assert "住址 address" in run("next").stdout  # the card shows where the person lives


def test_shell_completion_offers_the_words(tmp_path):
    env = {**os.environ, "_FANZHA_COMPLETE": "complete_bash", "COMP_WORDS": "fanzha log un", "COMP_CWORD": "2"}
    env["FANZHA_DB"] = str(tmp_path / "none.db")
    fanzha = [Path(sys.executable).with_name("fanzha")]
    result = subprocess.run(fanzha, env=env, capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["unreachable"]
    env |= {"COMP_WORDS": "fanzha escalate --station 阳", "COMP_CWORD": "3"}
    result = subprocess.run(fanzha, env=env, capture_output=True, text=True, timeout=120)
    assert "阳逻派出所" in result.stdout.split()
    assert not (tmp_path / "none.db").exists()


def test_an_old_hold_in_the_database_is_reclaimed_through_the_cli(run, day, location):
    two_hours_ago = datetime.now() - timedelta(hours=2)
    assert Desk(open_store(location, create=True), "walked-away", two_hours_ago).take_next()[0]["id"] == "W3"
    assert taken(run) == "W3"
    assert "reclaimed" in run("show", "W3").stdout


def test_a_warning_taken_back_from_its_station_stays_with_it_whatever_the_call(run, day, db):
    run("log", "W1", "distrustful")  # medium: to its station, out of the call queue
    run("take", "W1")
    run("log", "unreachable")
    assert db("SELECT status, due_at FROM warnings WHERE id = 'W1'") == [("escalated", None)]
    assert taken(run, "second") != "W1"


def test_a_call_leaves_no_retry_time_behind(run, day, db):
    assert taken(run) == "W3"
    run("escalate")
    run("log", "reached")
    assert db("SELECT status, due_at FROM warnings WHERE id = 'W3'") == [("escalated", None)]


def test_undo_says_where_the_warning_taken_since_went(run, day):
    run("log", "W2", "distrustful")  # with its station
    assert taken(run) == "W3"
    run("take", "W2")  # W3 back to the queue, W2 taken from its station
    run("log", "reached")
    assert taken(run) == "W3"
    said = run("undo").stdout  # the call on W2 undone: W2 back in hand, W3 back to the queue
    assert "W3, taken since, went back to the queue" in said


def test_from_a_new_officers_second_day(run, day, db):
    """What the second trial found: each was once wrong."""
    run("escalate", "W1", "--at", "2026-11-24 10:00")
    assert "before the station had it" in run("visit", "W1", "未找到", "--at", "2026-11-24 09:30").stderr
    run("edit", "W2", "--name", "13912345678")  # a phone in the name column: listed masked, like the phone
    assert "13912345678" not in run("list").stdout and "139****5678" in run("list").stdout
    assert "at least 4 characters" in run("show", "X9").stderr
    run("log", "W1", "distrustful")
    run("take", "W1")
    assert "W1: back with its station" in run("release").stdout
    assert run("note", "W3", "后补", "--at", "00:00:30").exit_code == 0  # a time of day with its seconds
    assert "/ find" in run("desk", "--help").stdout and "p stop-payment" in run("desk", "--help").stdout


def test_the_import_takes_its_place_in_the_timeline(run, day):
    events = json.loads(run("show", "W3", "--json").stdout)["events"]
    run("note", "W3", "电话前已联系", "--at", "2026-11-24 10:05")
    events = json.loads(run("show", "W3", "--json").stdout)["events"]
    assert [event["action"] for event in events] == ["note", "import"]  # the note was before the export came
