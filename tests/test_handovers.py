"""The station's side of a hand-over (issue 14, SPEC §9): `inbox`, `ack`, `visit` for one's own station, the
hand-over message, and a hand-over not acknowledged in time counted as overdue. On both engines (the suite's
parity run)."""

from __future__ import annotations

import json

import pytest
from conftest import warning_row, write_export
from pydantic import TypeAdapter

from fanzha_cli.cli import schemas

# 阳逻: an urgent one handed over first, a medium one, a high one handed over last; 仓埠: one of its own
ROWS = [
    warning_row(1, id="WH202611240000001", time="2026-11-24 08:00:00", risk="中风险", station="阳逻派出所"),
    warning_row(2, id="WH202611240000002", time="2026-11-24 08:10:00", risk="高风险", station="阳逻派出所"),
    warning_row(3, id="WH202611240000003", time="2026-11-24 08:20:00", risk="紧急", station="阳逻派出所"),
    warning_row(4, id="WH202611240000004", time="2026-11-24 08:30:00", risk="中风险", station="仓埠派出所"),
]


@pytest.fixture
def handed(run, tmp_path):
    assert run("import", write_export(tmp_path / "day.csv", ROWS)).exit_code == 0
    for warning, at in (("0003", "09:00"), ("0001", "09:10"), ("0002", "09:20"), ("0004", "09:30")):
        result = run("escalate", warning, "--at", f"2026-11-24 {at}")
        assert result.exit_code == 0, result.stderr


def shaped(shape, result):
    assert result.exit_code == 0, result.stderr
    return TypeAdapter(shape).validate_python(json.loads(result.stdout), strict=True)


def test_an_inbox_is_its_own_station_s_most_urgent_first_with_the_person_in_full(run, handed):
    inbox = shaped(schemas.Inbox, run("--station", "阳逻", "inbox", "--json"))
    assert inbox.station == "阳逻派出所"
    assert [row.id for row in inbox.warnings] == ["WH202611240000003", "WH202611240000002", "WH202611240000001"]
    first = inbox.warnings[0]
    assert first.phone == ROWS[2][5] and first.address == ROWS[2][7]  # the station must reach the person
    assert first.since == "2026-11-24 09:00:00" and first.ack_due == "2026-11-24 09:10:00" and first.risk == "urgent"
    assert first.ack_late and first.visit_late and first.acked_at is None  # the day is long past
    plain = run("inbox", "--station", "仓埠派出所")
    assert plain.exit_code == 0 and "WH202611240000004" in plain.stdout and "0000001" not in plain.stdout
    assert "签收 ack LATE since 11-24 10:30" in plain.stdout and ROWS[3][5] in plain.stdout
    card = run("--officer", "desk", "next")  # the desk calls in parallel, and sees the station has not signed
    assert "WH202611240000003" in card.stdout and "阳逻派出所  " in card.stdout
    assert "未签收 not acknowledged" in card.stdout


def test_an_inbox_needs_a_station_in_the_list(run, handed, monkeypatch):
    monkeypatch.delenv("FANZHA_STATION", raising=False)
    refused = run("inbox")
    assert refused.exit_code == 2 and "say which station's inbox" in refused.stderr
    unknown = run("inbox", "--station", "外星派出所")
    assert unknown.exit_code == 2 and "'外星派出所' is not in the station list" in unknown.stderr
    monkeypatch.setenv("FANZHA_STATION", "仓埠")
    assert [row.id for row in shaped(schemas.Inbox, run("inbox", "--json")).warnings] == ["WH202611240000004"]


def test_a_station_acknowledges_its_own_hand_over_and_the_minutes_are_measured(run, handed, db):
    assert "未签收 not acknowledged" in run("show", "0003").stdout
    done = shaped(schemas.Acknowledged, run("--station", "阳逻", "ack", "0003", "--at", "2026-11-24 09:07", "--json"))
    assert done == schemas.Acknowledged(warning="WH202611240000003", station="阳逻派出所", minutes=7.0)
    assert db("SELECT acked_at FROM warnings WHERE id = 'WH202611240000003'") == [("2026-11-24 09:07:00",)]
    assert "已签收 acknowledged 2026-11-24 09:07:00" in run("show", "0003").stdout
    assert shaped(schemas.Shown, run("show", "0003", "--json")).acked_at == "2026-11-24 09:07:00"
    assert db("SELECT action, station FROM events WHERE warning_id = 'WH202611240000003' ORDER BY id")[-1] == (
        "ack",
        "阳逻派出所",
    )
    other = run("--station", "仓埠", "ack", "0001")
    assert other.exit_code == 2 and "WH202611240000001 is with 阳逻派出所, not 仓埠派出所" in other.stderr
    again = run("--station", "阳逻", "ack", "0003")
    assert again.exit_code == 2 and "acknowledged by 阳逻派出所 at 2026-11-24 09:07:00 already" in again.stderr
    visit = run("--station", "仓埠", "visit", "0003", "dissuaded")
    assert visit.exit_code == 2 and "is with 阳逻派出所, not 仓埠派出所" in visit.stderr
    assert run("--station", "阳逻", "visit", "0003", "dissuaded").exit_code == 0
    inbox = shaped(schemas.Inbox, run("--station", "阳逻", "inbox", "--json"))
    assert "WH202611240000003" not in [row.id for row in inbox.warnings]  # visited: no longer waiting


def test_a_hand_over_not_acknowledged_in_time_is_listed_overdue_with_that_reason(run, handed):
    overdue = shaped(schemas.Listed, run("list", "--overdue", "--json"))
    reasons = {card.id: {reason.reason for reason in card.overdue} for card in overdue}
    assert reasons["WH202611240000003"] == {"ack", "station"}
    assert run("--station", "阳逻", "ack", "0003", "--at", "2026-11-24 09:05").exit_code == 0
    overdue = shaped(schemas.Listed, run("list", "--overdue", "--json"))
    assert {reason.reason for card in overdue if card.id == "WH202611240000003" for reason in card.overdue} == {
        "station"
    }
    piped = run("list", "--overdue")
    assert "not acknowledged by 仓埠派出所" in piped.stdout  # the station that owes it, named
    assert run("visit", "0004", "not-found", "--station", "仓埠", "--at", "2026-11-24 12:00").exit_code == 0
    overdue = shaped(schemas.Listed, run("list", "--overdue", "--json"))
    late = {
        reason.reason: reason.station for card in overdue if card.id == "WH202611240000004" for reason in card.overdue
    }
    assert late == {"station": "仓埠派出所"}  # a station that reports a visit has the hand-over: acknowledged


def test_the_hand_over_message_masks_the_person_unless_full_and_escalate_prints_it(run, tmp_path):
    rows = [warning_row(1, id="WH202611240000009", name="欧阳\n伪造一行", risk="紧急", station="阳逻派出所")]
    assert run("import", write_export(tmp_path / "odd.csv", rows)).exit_code == 0
    escalated = run("escalate", "0009")
    assert escalated.exit_code == 0 and "【反诈预警移交】阳逻派出所" in escalated.stdout
    message = shaped(schemas.Handover, run("handover", "0009", "--json")).message
    phone, address = rows[0][5], rows[0][7]
    assert phone not in message and f"{phone[:3]}****{phone[-4:]}" in message and address not in message
    assert "对象：欧阳*****　电话" in message and "伪造" not in message  # a line break in a name forges no line
    assert "请于10分钟内（" in message and "前）签收，2小时内（" in message
    assert "fanzha ack WH202611240000009" in message
    full = run("handover", "0009", "--full")
    assert full.exit_code == 0 and phone in full.stdout and address in full.stdout


def test_the_summary_says_which_station_is_slow_and_who_is_overloaded(run, handed):
    """Issue 14: per station, hand-overs received and acknowledged, the median minutes to acknowledge, the
    visits by result and how many are late now; per officer, calls, reached, hand-overs, stop-payments and the
    median minutes from the warning to the first calls they made. A range adds its days up to the same."""
    for warning, at in (("0003", "09:04"), ("0001", "09:40")):
        assert run("--station", "阳逻", "ack", warning, "--at", f"2026-11-24 {at}").exit_code == 0
    assert run("--station", "阳逻", "visit", "0001", "not-found", "--at", "2026-11-24 11:00").exit_code == 0
    assert run("--officer", "li", "log", "0002", "reached", "--at", "2026-11-24 09:50").exit_code == 0
    assert run("--officer", "li", "log", "0004", "unreachable", "--at", "2026-11-24 10:00").exit_code == 0
    assert run("--officer", "wang", "log", "0001", "reached", "--at", "2026-11-24 12:00").exit_code == 0
    day = json.loads(run("summary", "--date", "2026-11-24", "--json").stdout)
    yangluo, cangbu = day["stations"]["阳逻派出所"], day["stations"]["仓埠派出所"]
    assert (yangluo["received"], yangluo["acknowledged"], yangluo["median_minutes_to_ack"]) == (3, 2, 17)
    assert yangluo["visits"] == {"dissuaded": 0, "not-found": 1, "moved": 0}
    assert yangluo["overdue"] == 3 and cangbu["overdue"] == 1  # the day is long past: every visit result late
    assert (cangbu["received"], cangbu["acknowledged"], cangbu["median_minutes_to_ack"]) == (1, 0, None)
    li, wang = day["by_officer"]["li"], day["by_officer"]["wang"]
    assert (li["calls"], li["reached"], li["escalations"], li["stop_payments"]) == (2, 1, 0, 0)
    assert li["median_first_call_minutes"] == 95  # 0002 (08:10 → 09:50) and 0004 (08:30 → 10:00): 100 and 90
    assert (wang["calls"], wang["reached"], wang["median_first_call_minutes"]) == (1, 1, 240)
    text = run("summary", "--date", "2026-11-24").stdout  # the same, for a supervisor reading it
    assert "station 阳逻派出所: received 3, acknowledged 2, median ack 17 min, dissuaded 0, not found 1" in text
    assert "officer li: calls 2, reached 1, handed over 0, stop-payments 0, median first call 1 h 35 min" in text
    ranged = json.loads(run("summary", "--from", "2026-11-23", "--to", "2026-11-24", "--json").stdout)
    assert ranged["total"]["stations"] == day["stations"] and ranged["total"]["by_officer"] == day["by_officer"]


def test_an_acknowledgement_another_program_wrote_counts_without_its_minutes(run, handed, db):
    db.write(
        "INSERT INTO events (warning_id, at, logged_at, officer, action, station) VALUES (?, ?, ?, ?, 'ack', ?)",
        ("WH202611240000004", "2026-11-24 09:45:00", "2026-11-24 09:45:00", "station-app", "仓埠派出所"),
    )
    day = json.loads(run("summary", "--date", "2026-11-24", "--json").stdout)
    assert day["stations"]["仓埠派出所"]["acknowledged"] == 1
    assert day["stations"]["仓埠派出所"]["median_minutes_to_ack"] is None  # it did not say when it was handed over


def test_an_automatic_hand_over_prints_the_message_and_it_names_its_deadlines(run, tmp_path):
    rows = [warning_row(1, id="WH202611240000041", time="2026-11-24 08:00:00", risk="紧急", station="阳逻派出所")]
    assert run("import", write_export(tmp_path / "day.csv", rows)).exit_code == 0
    logged = run("log", "0041", "distrustful", "--at", "2026-11-24 09:00")
    assert logged.exit_code == 0 and "【反诈预警移交】阳逻派出所" in logged.stdout
    assert "请于10分钟内（11-24 09:10前）签收，2小时内（11-24 11:00前）上门" in logged.stdout


def test_the_hand_over_message_is_refused_for_a_closed_warning_or_another_station_and_notes_one_not_handed_yet(
    run, handed, tmp_path
):
    assert run("--station", "阳逻", "visit", "0003", "dissuaded").exit_code == 0
    closed = run("handover", "0003")
    assert closed.exit_code == 2 and "is closed" in closed.stderr
    other = run("--station", "阳逻", "handover", "0004")
    assert other.exit_code == 2 and "WH202611240000004 is with 仓埠派出所, not 阳逻派出所" in other.stderr
    assert run("import", write_export(tmp_path / "late.csv", [warning_row(8, station="仓埠派出所")])).exit_code == 0
    early = run("handover", "0008")
    assert early.exit_code == 0 and "【反诈预警移交】仓埠派出所" in early.stdout
    assert "WH20261124000008 is not handed over yet: `fanzha escalate WH20261124000008`" in early.stderr


def test_a_station_not_in_the_list_that_warnings_name_has_an_inbox_too(run, tmp_path):
    """A warning is handed to its own station as the platform wrote it, listed or not: that station can work it."""
    rows = [warning_row(1, id="WH202611240000031", time="2026-11-24 08:00:00", station="张店派出所", risk="紧急")]
    assert run("import", write_export(tmp_path / "day.csv", rows)).exit_code == 0
    assert run("escalate", "0031", "--at", "2026-11-24 09:00").exit_code == 0
    inbox = shaped(schemas.Inbox, run("--station", "张店派出所", "inbox", "--json"))
    assert [row.id for row in inbox.warnings] == ["WH202611240000031"]
    assert run("--station", "张店派出所", "ack", "0031").exit_code == 0
    typo = run("--station", "张点派出所", "inbox")
    assert typo.exit_code == 2 and "not in the station list" in typo.stderr


def test_a_visit_without_an_acknowledgement_counts_as_one_and_a_move_counts_for_both_stations(run, handed):
    """The summary follows the desk's rule: a station that reports a visit has the hand-over (acknowledged then);
    a move is a result of the station that passes it on and a hand-over received by the one taking it."""
    assert run("--station", "阳逻", "visit", "0001", "moved", "--to", "仓埠", "--at", "2026-11-24 09:40").exit_code == 0
    assert run("--station", "仓埠", "visit", "0004", "dissuaded", "--at", "2026-11-24 10:00").exit_code == 0
    day = json.loads(run("summary", "--date", "2026-11-24", "--json").stdout)
    yangluo, cangbu = day["stations"]["阳逻派出所"], day["stations"]["仓埠派出所"]
    assert yangluo["visits"]["moved"] == 1 and cangbu["visits"]["moved"] == 0
    assert (yangluo["acknowledged"], yangluo["median_minutes_to_ack"]) == (1, 30)  # 0001: handed 09:10, moved 09:40
    assert (cangbu["received"], cangbu["acknowledged"], cangbu["median_minutes_to_ack"]) == (2, 1, 30)  # 0004
    assert run("undo").exit_code == 0  # the dissuaded visit, and the acknowledgement it made, go together
    cangbu = json.loads(run("summary", "--date", "2026-11-24", "--json").stdout)["stations"]["仓埠派出所"]
    assert (cangbu["acknowledged"], cangbu["visits"]["dissuaded"]) == (0, 0)
