"""The desk (SPEC §3) end to end through the CLI, and its rules one by one through the library."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from conftest import day_rows, warning_row, write_export

from fanzha_cli.domain.desk import Desk, DeskError
from fanzha_cli.files.importer import import_file
from fanzha_cli.storage import open_store

DAY = [
    # id, time, risk: the queue order is W3 W6 (urgent, oldest first), W5 W2 (high), W4 W1 (medium)
    ("W1", "2026-11-24 08:00:00", "中风险"),
    ("W2", "2026-11-24 09:00:00", "高风险"),
    ("W3", "2026-11-24 10:00:00", "紧急"),
    ("W4", "2026-11-24 07:00:00", "中"),
    ("W5", "2026-11-24 08:30:00", "high"),
    ("W6", "2026-11-24 11:00:00", "urgent"),
]


@pytest.fixture
def day(tmp_path, run):
    assert run("import", write_export(tmp_path / "day.csv", day_rows(DAY))).exit_code == 0


def next_id(run, officer=None):
    args = ("--officer", officer) if officer else ()
    data = json.loads(run(*args, "next", "--json").stdout)
    return data and data["id"]


def state(db, wid):
    return db(
        "SELECT status, holder, attempts, escalated_to IS NOT NULL, escalated_to, visits FROM warnings WHERE id = ?",
        (wid,),
    )[0]


def standing(db, action, wid=None):
    sql = (
        "SELECT count(*) FROM events e WHERE action = ? AND NOT EXISTS (SELECT 1 FROM events u WHERE u.undoes = e.act)"
    )
    params = (action,)
    if wid:
        sql += " AND warning_id = ?"
        params += (wid,)
    return db(sql, params)[0][0]


def test_a_scripted_day(run, db, day):
    # 1. urgent first; a high/urgent card says to dispatch now; escalating keeps the call in hand
    card = run("next")
    assert card.stdout.startswith("W3") and "dispatch to the station now" in card.stdout
    assert "周某W3" in card.stdout and "话术 script" in card.stdout
    assert run("escalate", "--via", "微信,phone").exit_code == 0
    assert next_id(run) == "W3"
    assert "dispatch to the station now" not in run("next").stdout  # it was dispatched
    assert "→ escalated" in run("log", "已接通").stdout  # reached, but the station has not reported yet
    assert state(db, "W3") == ("escalated", None, 0, 1, "阳逻派出所", 0)

    # 2. urgent, unreachable: SMS, and to the station at once
    assert next_id(run) == "W6"
    result = run("log", "unreachable")
    assert "短信预警" in result.stdout and "周某W6您好" in result.stdout and "handed to 阳逻派出所" in result.stdout
    assert state(db, "W6") == ("escalated", None, 1, 1, "阳逻派出所", 0)

    # 3. high: skipped (released), so the next one comes to me; another officer takes it: distrustful → station
    assert next_id(run) == "W5"
    assert "back in the queue" in run("release").stdout
    assert state(db, "W5")[:2] == ("new", None)
    assert next_id(run) == "W2"  # SPEC §3: not handed back to the officer who skipped it while others are due
    assert json.loads(run("--officer", "second", "next", "--json").stdout)["id"] == "W5"  # never hidden from others
    assert run("--officer", "second", "log", "不信任").exit_code == 0
    assert state(db, "W5")[:4] == ("escalated", None, 0, 1)

    # 4. high, reached, never escalated: closed by phone, which the officer is told to look at (exit 1)
    reached = run("log", "reached")
    assert reached.exit_code == 1 and "never handed to its station" in reached.stderr
    assert state(db, "W2")[:2] == ("closed", None)

    # 5. medium, unreachable: retry later; the next medium comes meanwhile
    assert next_id(run) == "W4"
    run("log", "unreachable")
    assert state(db, "W4")[:3] == ("retry", None, 1)
    assert next_id(run) == "W1"
    run("log", "打不通")
    assert next_id(run) is None  # both medium ones wait for their retry time
    assert "nothing is due" in run("next").stdout

    # 6. the second failed call of a medium warning sends it to its station; undo takes that back
    assert "handed to" in run("log", "W4", "unreachable").stdout
    assert state(db, "W4")[:4] == ("escalated", None, 2, 1)
    undone = run("undo")
    assert undone.stdout.startswith("undone: call unreachable on W4")
    assert state(db, "W4") == ("retry", None, 1, 0, None, 0)
    run("log", "W4", "unreachable")
    assert state(db, "W4")[:4] == ("escalated", None, 2, 1)

    # 7. the stations report back; one passes it on to another station
    assert "→ closed" in run("visit", "W3", "dissuaded").stdout
    run("visit", "W6", "未找到")
    assert state(db, "W6") == ("escalated", None, 1, 1, "阳逻派出所", 1)
    assert run("visit", "W6", "moved", "--to", "邾城").exit_code == 0
    assert state(db, "W6")[4] == "邾城派出所"
    run("visit", "W6", "劝阻")

    # the day's end state and its events
    states = dict(db("SELECT id, status FROM warnings"))
    assert states == {
        "W1": "retry",
        "W2": "closed",
        "W3": "closed",
        "W4": "escalated",
        "W5": "escalated",
        "W6": "closed",
    }
    assert standing(db, "take") == 7
    assert standing(db, "call") == 7 and db("SELECT count(*) FROM events WHERE action = 'call'") == [(8,)]
    assert standing(db, "sms") == 4
    assert standing(db, "escalate") == 4  # W3 by hand; W6, W5, W4 automatically
    assert standing(db, "visit") == 4
    assert standing(db, "release") == 1
    timeline = json.loads(run("show", "W4", "--json").stdout)["events"]
    actions = ["import", "take", "call", "sms", "call", "sms", "escalate", "undo", "call", "sms", "escalate"]
    assert [e["action"] for e in timeline] == actions
    assert [e.get("undone", False) for e in timeline[4:7]] == [True, True, True]
    assert timeline[6]["auto"] == "2 calls"


def test_mistakes_are_one_line_and_change_nothing(run, db, day):
    before = db("SELECT * FROM warnings ORDER BY id"), db("SELECT count(*) FROM events")
    cases = [
        (("log", "reached"), "nothing in hand"),
        (("log", "W9", "reached"), "no warning 'W9'"),
        (("log", "W1", "maybe"), "unknown call outcome 'maybe'"),
        (("visit", "W1", "dissuaded"), "never handed to a station"),
        (("escalate", "W1", "--station", "火星"), "not in the station list"),
        (("escalate", "W1", "--via", "fax"), "unknown channel 'fax'"),
        (("release",), "nothing in hand"),
        (("undo",), "nothing to undo"),
        (("show", "W9"), "no warning 'W9'"),
        (("log", "W1", "reached", "--at", "2099-01-01 10:00"), "in the future"),
        (("log", "W1", "reached", "--at", "2026-11-23 10:00"), "before the warning itself"),
        (("log", "W1", "reached", "--at", "25:99"), "--at"),
        (("list", "--status", "lost"), "unknown status 'lost': use one of closed, escalated, new, open, retry, taken"),
        (("list", "--date", "someday"), "not a day"),
        (("config", "retry_minutes", "soon"), "whole number"),
        (("config", "colour", "red"), "unknown setting"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert (db("SELECT * FROM warnings ORDER BY id"), db("SELECT count(*) FROM events")) == before
    run("log", "W2", "reached")
    closed = run("log", "W2", "reached")
    assert closed.exit_code == 2 and "already closed" in closed.stderr
    assert run("visit", "W3", "moved").exit_code == 2  # moved needs --to


def test_warnings_in_hand_belong_to_their_officer(run, db, day):
    assert next_id(run, "li") == "W3"
    assert next_id(run, "wang") == "W6"
    assert next_id(run, "li") == "W3"  # shown again until its outcome is logged
    refused = run("--officer", "wang", "log", "W3", "reached")
    assert refused.exit_code == 2 and "in li's hand" in refused.stderr
    freed = run("--officer", "wang", "release", "W3")  # a supervisor frees what an absent officer holds
    assert "was in li's hand" in freed.stdout
    assert state(db, "W3")[:2] == ("new", None)


def test_list_masks_phones_and_filters(run, day):
    run("next")
    listed = run("list")
    assert "13812345678" not in listed.stdout and "100****0002" in listed.stdout
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [row[0] for row in rows] == ["W3", "W6", "W5", "W2", "W4", "W1"]
    assert rows[0][3] == "taken"
    data = json.loads(run("list", "--risk", "紧急", "--json").stdout)
    assert [item["id"] for item in data] == ["W3", "W6"]
    assert all(item["phone"].count("*") == 4 and item["script"] is None for item in data)
    assert [i["id"] for i in json.loads(run("list", "--status", "处理中", "--json").stdout)] == ["W3"]
    assert json.loads(run("list", "--date", "2026-11-23", "--json").stdout) == []
    assert len(json.loads(run("list", "--date", "2026-11-24", "--station", "阳逻", "--json").stdout)) == 6


def test_next_json_has_the_keys_of_the_spec(run, day):
    data = json.loads(run("next", "--json").stdout)
    for key in ("id", "time", "risk", "fraud_type", "name", "phone", "station", "status", "attempts", "escalated"):
        assert key in data
    assert data["phone"] == "10000000002" and data["risk"] == "urgent" and data["status"] == "taken"
    assert "你好，请问是周某W3吗？这里是新洲区公安分局" in data["script"]
    assert data["station_contact"] == {"duty_phone": "027-0000-0102", "wechat_group": "新洲反诈·阳逻所"}
    shown = json.loads(run("show", "W3", "--json").stdout)
    assert shown["events"][0]["action"] == "import" and shown["events"][1]["action"] == "take"
    assert all({"at", "action"} <= set(event) for event in shown["events"])


def test_empty_queue_is_calm(run):
    assert "no database" in run("next").stderr  # nothing made yet: a typo in FANZHA_DB must not look like calm
    run("config", "district", "新洲区")  # a database to read: reads never create one
    result = run("next")
    assert result.exit_code == 0 and "nothing imported yet" in result.stdout
    assert run("next", "--json").stdout.strip() == "null"


def test_an_empty_queue_says_what_it_waits_for(run, day):
    for _ in range(6):  # high and urgent ones go to their station; medium ones wait for their retry
        run("next")
        run("log", "unreachable")
    said = run("next").stdout
    assert "nothing is due now" in said and "the next retry is due at" in said
    assert "wait for their station's visit" in said


def test_config_show_and_set(run):
    assert run("config").exit_code == 2  # no database yet, and showing settings makes none
    run("config", "district", "新洲区")  # a database to read: reads never create one
    assert "retry_minutes = 15" in run("config").stdout
    assert run("config", "district", "黄陂区").stdout.strip() == "district = 黄陂区"
    assert json.loads(run("config", "district", "--json").stdout) == {"district": "黄陂区"}
    assert run("config", "max_attempts", "0").exit_code == 2


# --- the rules, through the library with a controlled clock ---------------------------------------------------


@pytest.fixture
def conn(db_path, tmp_path):
    conn = open_store(db_path, create=True)
    rows = [warning_row(n, id=wid, time=time, risk=risk) for n, (wid, time, risk) in enumerate(DAY)]
    import_file(conn, write_export(tmp_path / "d.csv", rows), officer="t", now=datetime(2026, 11, 24, 12))
    return conn


NOON = datetime(2026, 11, 24, 12, 0)


def test_retry_is_due_after_its_delay_and_then_competes(conn):
    desk = Desk(conn, "li", NOON)
    for wid in ("W3", "W6", "W5", "W2"):
        desk.log("reached", wid)
    assert desk.take_next()[0]["id"] == "W4"
    desk.log("unreachable")
    assert conn.get_warning("W4")["due_at"] == "2026-11-24 12:15:00"
    assert Desk(conn, "li", NOON + timedelta(minutes=14)).take_next()[0]["id"] == "W1"
    Desk(conn, "li", NOON + timedelta(minutes=14)).release()
    later = Desk(conn, "li", NOON + timedelta(minutes=15))
    assert later.take_next()[0]["id"] == "W4"  # due again, and older than W1


def test_medium_escalates_on_the_configured_attempt(conn):
    from fanzha_cli.domain import settings

    settings.change(conn, "max_attempts", "3")
    settings.change(conn, "retry_minutes", "0")
    desk = Desk(conn, "li", NOON)
    for _attempt in (1, 2):
        desk.log("unreachable", "W1")
        assert conn.get_warning("W1")["status"] == "retry"
    desk.log("unreachable", "W1")
    warning = conn.get_warning("W1")
    assert (warning["status"], warning["attempts"], warning["escalated_to"]) == ("escalated", 3, "阳逻派出所")


def test_visit_while_the_call_is_in_hand_leaves_the_call_to_finish(conn):
    desk = Desk(conn, "li", NOON)
    assert desk.take_next()[0]["id"] == "W3"
    desk.escalate()
    desk.visit("W3", "dissuaded")
    assert conn.get_warning("W3")["status"] == "taken"
    assert desk.log("reached")["status"] == "closed"  # the station has reported: nothing waits any more


def test_undo_refuses_to_overwrite_another_officers_later_work(conn):
    li, wang = Desk(conn, "li", NOON), Desk(conn, "wang", NOON)
    li.escalate("W1")
    wang.visit("W1", "not-found")
    with pytest.raises(DeskError, match="wang has since recorded a visit"):
        li.undo()
    wang.undo()
    assert li.undo()["undid"] == "escalate"
    assert conn.get_warning("W1")["escalated_at"] is None


def test_undo_of_a_call_gives_back_the_warning_and_returns_the_one_taken_since(conn):
    desk = Desk(conn, "li", NOON)
    assert desk.take_next()[0]["id"] == "W3"
    desk.log("reached")
    assert desk.take_next()[0]["id"] == "W6"
    result = desk.undo()
    assert (result["warning"], result["status"], result["released"]) == ("W3", "taken", "W6")
    assert desk.in_hand()["id"] == "W3"
    assert conn.get_warning("W6")["status"] == "new"


def test_overdue_in_hand_retry_and_station(conn, run):
    from fanzha_cli.domain.supervision import overdue_limits

    li = Desk(conn, "li", NOON)
    li.take_next()  # W3 in hand from noon
    li2 = Desk(conn, "wang", NOON)
    li2.log("unreachable", "W1")  # retry due 12:15
    li2.escalate("W4")  # medium with a station since noon
    li2.escalate("W2")  # high with a station since noon
    for warning in ("W4", "W2"):  # each station acknowledges it in time (see the test of acknowledgements below)
        Desk(conn, "station", NOON + timedelta(minutes=5)).ack(warning)

    def overdue(at):
        desk = Desk(conn, "x", at)
        return [w["id"] for w in conn.list_warnings(overdue=overdue_limits(desk))]

    assert overdue(NOON + timedelta(minutes=10)) == []
    assert overdue(NOON + timedelta(minutes=20)) == ["W1"]
    assert overdue(NOON + timedelta(minutes=31)) == ["W3", "W1"]
    assert overdue(NOON + timedelta(hours=3)) == ["W3", "W2", "W1"]
    assert overdue(NOON + timedelta(hours=25)) == ["W3", "W2", "W4", "W1"]
    Desk(conn, "x", NOON + timedelta(hours=20)).visit("W4", "not-found")
    assert "W4" not in overdue(NOON + timedelta(hours=25))  # the station has reported: its clock starts again
    assert "W4" in overdue(NOON + timedelta(hours=44, minutes=1))  # and runs out again while it stays there


def test_a_hand_over_not_acknowledged_in_time_is_overdue_and_an_acknowledgement_ends_it(conn):
    """SPEC §9: 10 minutes for a high or urgent warning, 60 for a medium one (ack_minutes); a hand-over to
    another station (moved) must be acknowledged anew."""
    from fanzha_cli.domain.supervision import overdue_limits, overdue_reasons

    wang = Desk(conn, "wang", NOON)
    wang.escalate("W4")  # medium
    wang.escalate("W2")  # high

    def overdue(at):
        desk = Desk(conn, "x", at)
        return [w["id"] for w in conn.list_warnings(overdue=overdue_limits(desk))]

    def counted(at):
        return Desk(conn, "x", at).store.count_overdue(overdue_limits(Desk(conn, "x", at)))["ack"]

    assert overdue(NOON + timedelta(minutes=10)) == [] and counted(NOON + timedelta(minutes=10)) == 0
    assert overdue(NOON + timedelta(minutes=11)) == ["W2"] and counted(NOON + timedelta(minutes=11)) == 1
    late = Desk(conn, "x", NOON + timedelta(minutes=61))
    assert overdue(NOON + timedelta(minutes=61)) == ["W2", "W4"]
    (reason,) = overdue_reasons(late, conn.get_warning("W4"), ({}, {}))
    assert (reason["reason"], reason["limit_minutes"], reason["minutes_over"]) == ("ack", 60, 1)
    done = Desk(conn, "阳逻", NOON + timedelta(minutes=62)).ack("W4")
    assert done == {"warning": "W4", "station": conn.get_warning("W4")["escalated_to"], "minutes": 62.0}
    assert overdue(NOON + timedelta(minutes=63)) == ["W2"]
    Desk(conn, "阳逻", NOON + timedelta(minutes=70)).visit("W4", "moved", to="仓埠")
    assert conn.get_warning("W4")["acked_at"] is None  # the station taking it over acknowledges it anew
    assert "W4" in overdue(NOON + timedelta(minutes=131))


def test_an_acknowledgement_is_refused_where_it_makes_no_sense_and_is_undone_like_any_act(conn):
    wang = Desk(conn, "wang", NOON)
    with pytest.raises(DeskError, match="never handed to a station"):
        wang.ack("W4")
    wang.escalate("W4")
    station = conn.get_warning("W4")["escalated_to"]
    with pytest.raises(DeskError, match=f"W4 is with {station}, not 仓埠派出所"):
        wang.ack("W4", station="仓埠派出所")
    with pytest.raises(DeskError, match="before the station had it"):
        Desk(conn, "s", NOON + timedelta(minutes=5)).ack("W4", at="2026-11-24 11:00:00")
    clerk = Desk(conn, "clerk", NOON + timedelta(minutes=5))
    clerk.ack("W4", station=station)
    with pytest.raises(DeskError, match=r"was acknowledged by .* already"):
        clerk.ack("W4")
    assert clerk.undo()["undid"] == "ack"
    assert conn.get_warning("W4")["acked_at"] is None


def test_desk_mode_works_a_queue_by_keys(run, db, day):
    from typer.testing import CliRunner

    from fanzha_cli.cli import app

    keys = "r\ny\nu\nd\nz\ns\nn\n家属已到场\ne\nr\nq\n"  # y: close W3, never handed over (asked first)
    result = CliRunner().invoke(app, ["desk"], input=keys)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "W3: reached → closed" in out
    assert "W6: unreachable → escalated" in out and "短信预警" in out
    assert "W5: distrustful → escalated" in out
    assert "undone: call distrustful on W5" in out
    assert "W5: back in the queue" in out
    assert "W2: note added" in out  # the skipped W5 is not handed back while others are due
    assert "W2: handed to 阳逻派出所" in out
    assert "W2: reached → escalated" in out
    assert out.rstrip().splitlines()[-1] == (
        "本班 shift: 3 calls — 2 reached, 1 unreachable, 0 distrustful · 2 escalated · 1 skipped"
    )
    assert "W4 is still in your hand" in out
    assert db("SELECT status FROM warnings WHERE id = 'W4'") == [("taken",)]


# --- found in review: each once a bug ------------------------------------------------------------------------


@pytest.mark.parametrize("then", ["unreachable", "distrustful", "release"])
def test_a_station_dissuading_during_the_call_closes_it_whatever_the_call_did(conn, then):
    desk = Desk(conn, "li", NOON)
    desk.take_next()  # W3
    desk.escalate()
    desk.visit("W3", "dissuaded")
    result = desk.release() if then == "release" else desk.log(then)
    assert result["status"] == "closed"
    assert result.get("sms") is None  # no SMS to someone the station has already dissuaded
    assert conn.get_warning("W3")["status"] == "closed"
    assert Desk(conn, "wang", NOON).take_next()[0]["id"] != "W3"


def test_a_warning_escalated_alongside_the_call_stays_in_the_call_queue(conn):
    desk = Desk(conn, "li", NOON)
    desk.escalate("W1", via="wechat")  # a medium one, handed over in parallel
    assert desk.log("unreachable", "W1")["status"] == "retry"  # attempt 1 of 2: still to be called
    result = desk.log("unreachable", "W1")
    assert (result["status"], result["escalated_to"]) == ("escalated", None)  # out of the queue; no second hand-over


def test_undo_of_a_note_leaves_a_later_take_alone(conn):
    desk = Desk(conn, "li", NOON)
    desk.note("家属来电", "W3")
    assert desk.take_next()[0]["id"] == "W3"
    desk.undo()
    warning = conn.get_warning("W3")
    assert (warning["status"], warning["holder"]) == ("taken", "li")
    assert Desk(conn, "wang", NOON).take_next()[0]["id"] == "W6"


def test_undo_of_a_call_keeps_the_warning_taken_since_in_hand(conn):
    from fanzha_cli.domain import settings

    settings.change(conn, "retry_minutes", "0")
    desk = Desk(conn, "li", NOON)
    desk.log("unreachable", "W1")
    for wid in ("W3", "W6", "W5", "W2", "W4"):
        desk.log("reached", wid)
    desk.take_next()  # W1 again, due at once
    with pytest.raises(DeskError, match="W1 is in li's hand"):
        Desk(conn, "wang", NOON).log("reached", "W1")
    for _ in range(5):
        desk.undo()  # the five reached calls
    desk.undo()  # the unreachable call on W1
    warning = conn.get_warning("W1")
    assert (warning["status"], warning["holder"], warning["attempts"]) == ("taken", "li", 0)


def test_undo_of_a_release_is_refused_over_a_later_take(conn):
    li, wang = Desk(conn, "li", NOON), Desk(conn, "wang", NOON)
    assert wang.take_next()[0]["id"] == "W3"
    li.release("W3")
    assert wang.take_next()[0]["id"] == "W3"
    with pytest.raises(DeskError, match="wang has since recorded a take"):
        li.undo()


def test_undo_will_not_give_another_officer_a_second_warning(conn, tmp_path):
    li, wang = Desk(conn, "li", NOON), Desk(conn, "wang", NOON)
    assert wang.take_next()[0]["id"] == "W3"
    li.release("W3")
    earlier = [warning_row(9, id="W0", time="2026-11-24 06:00:00", risk="紧急")]
    import_file(conn, write_export(tmp_path / "more.csv", earlier), officer="t", now=NOON)
    assert wang.take_next()[0]["id"] == "W0"
    with pytest.raises(DeskError, match="would go back to wang, who holds W0"):
        li.undo()
    assert conn.held_by("wang")["id"] == "W0"
    assert conn.get_warning("W3")["status"] == "new"


def test_escalation_needs_a_channel(conn):
    with pytest.raises(DeskError, match="no channel"):
        Desk(conn, "li", NOON).escalate("W1", via=",")


def test_list_overdue_says_why_and_by_how_much(run, day, db):
    run("next")  # W3 in hand
    taken = (datetime.now() - timedelta(minutes=45)).strftime("%Y-%m-%d %H:%M:%S")
    db.write("UPDATE warnings SET held_since = ? WHERE id = 'W3'", (taken,))  # 15 past the 30-minute limit
    listed = json.loads(run("list", "--overdue", "--json").stdout)
    [reason] = next(item for item in listed if item["id"] == "W3")["overdue"]
    assert reason["reason"] == "in_hand" and reason["limit_minutes"] == 30 and 14 <= reason["minutes_over"] <= 15
    text = run("list", "--overdue").stdout
    assert "in hand 1" in text and "over (limit 30 min)" in text
    assert all(item["overdue"] == [] for item in json.loads(run("list", "--json").stdout) if item["id"] != "W3")


def test_the_first_caller_is_who_made_the_earliest_call_even_logged_later_and_undo_puts_it_back(conn):
    Desk(conn, "li", NOON).log("unreachable", "W5", at="2026-11-24 11:00:00")
    assert conn.get_warning("W5")["first_call_by"] == "li"
    wang = Desk(conn, "wang", NOON)
    wang.log("unreachable", "W5", at="2026-11-24 11:30:00")  # later: li's stays the first
    assert conn.get_warning("W5")["first_call_by"] == "li"
    wang.log("unreachable", "W5", at="2026-11-24 10:30:00")  # logged now, made earlier: wang's is the first
    assert (conn.get_warning("W5")["first_call_at"], conn.get_warning("W5")["first_call_by"]) == (
        "2026-11-24 10:30:00",
        "wang",
    )
    wang.undo()
    assert conn.get_warning("W5")["first_call_by"] == "li"
