"""A day spent on the backlog (issue 10, items 9 and 10): `export --by action` lists the warnings acted on in the
days, whenever they were received; the summary says when the day's actions were on earlier warnings, and what its
`overdue` counts."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import warning_row, write_export

DAY1, DAY2 = "2026-11-24", "2026-11-25"

# Warnings of day 1, worked on day 2 (or not, or not in a way that counts), and two warnings of day 2.
CALLED = "WH20261124000001"  # called (reached) on day 2
UNDONE = "WH20261124000002"  # called on day 2, then undone (in the test that needs it)
NOTED = "WH20261124000003"  # only a note on day 2: not a disposition
OLD = "WH20261124000004"  # called on day 1 only
STOPPED = "WH20261124000005"  # a stop-payment requested on day 2
VISITED = "WH20261124000006"  # handed to its station on day 1, its visit result on day 2
HIGH = "WH20261124000007"  # high risk, unreachable on day 2: a call, an SMS and an escalation
TODAYS = "WH20261125000008"  # a warning of day 2, called on day 2
UNTOUCHED = "WH20261125000009"  # a warning of day 2, nothing done on it


def ids(csv_text: str) -> list[str]:
    return [row["预警编号"] for row in csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))]


def header(csv_text: str) -> list[str]:
    return next(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))


@pytest.fixture
def backlog(run, tmp_path):
    rows = [
        warning_row(n, id=warning_id, time=f"{DAY1} 0{n}:00:00", risk="中风险")
        for n, warning_id in enumerate((CALLED, UNDONE, NOTED, OLD, STOPPED, VISITED), start=1)
    ]
    rows.append(warning_row(7, id=HIGH, time=f"{DAY1} 07:00:00", risk="高风险"))
    rows.append(warning_row(8, id=TODAYS, time=f"{DAY2} 08:00:00", risk="中风险"))
    rows.append(warning_row(9, id=UNTOUCHED, time=f"{DAY2} 09:00:00", risk="中风险"))
    assert run("import", write_export(tmp_path / "backlog.csv", rows)).exit_code == 0
    steps = [
        ("log", OLD, "reached", "--at", f"{DAY1} 10:00"),
        ("escalate", VISITED, "--at", f"{DAY1} 11:00"),
        ("log", CALLED, "reached", "--at", f"{DAY2} 09:00"),
        ("note", "家属来电, 明天再打", "--id", NOTED, "--at", f"{DAY2} 09:10"),
        ("stop-pay", "add", STOPPED, "--bank", "工商银行", "--account", "6222020200112233445", "--amount", "1000",
         "--at", f"{DAY2} 09:20"),
        ("visit", VISITED, "dissuaded", "--at", f"{DAY2} 09:30"),
        ("log", HIGH, "unreachable", "--at", f"{DAY2} 09:40"),
        ("log", TODAYS, "reached", "--at", f"{DAY2} 10:00"),
    ]  # fmt: skip
    for step in steps:
        done = run(*step)
        assert done.exit_code == 0, (step, done.stderr)


def test_a_warning_of_day1_acted_on_day2_is_in_the_export_by_action_only(run, backlog):
    by_action = run("export", "--by", "action", "--date", DAY2)
    assert by_action.exit_code == 0, by_action.stderr
    assert ids(by_action.stdout) == [CALLED, STOPPED, VISITED, HIGH, TODAYS]  # by the warnings' own time
    by_warning = run("export", "--by", "warning", "--date", DAY2).stdout
    assert ids(by_warning) == [TODAYS, UNTOUCHED]
    assert run("export", "--date", DAY2).stdout == by_warning  # the default stays by the warnings' own time
    # day 1: the one call of that day; its other warnings were worked later (or not at all)
    assert ids(run("export", "--by", "action", "--date", DAY1).stdout) == [OLD, VISITED]
    # a range: each warning once, however many days it was acted on
    assert ids(run("export", "--by", "action", "--from", DAY1, "--to", DAY2).stdout) == [
        CALLED, OLD, STOPPED, VISITED, HIGH, TODAYS,
    ]  # fmt: skip


def test_a_day_that_received_nothing_exports_a_header_and_says_where_its_work_is(run, backlog):
    """Worked on, nothing received: the header alone on stdout (a file the platform still takes), and a note on
    stderr pointing at --by action, which lists that day's work; not a silent header that looks like a failure."""
    day3 = "2026-11-26"
    assert run("log", UNTOUCHED, "reached", "--at", f"{day3} 09:00").exit_code == 0
    empty = run("export", "--date", day3)
    assert empty.exit_code == 0 and ids(empty.stdout) == [] and header(empty.stdout)
    assert empty.stderr.startswith(f"no warnings of {day3}: `--by action` exports the warnings worked on"), empty.stderr
    assert ids(run("export", "--by", "action", "--date", day3).stdout) == [UNTOUCHED]


def test_the_by_words_in_english_and_chinese(run, backlog):
    by_action = run("export", "--by", "action", "--date", DAY2).stdout
    by_warning = run("export", "--by", "warning", "--date", DAY2).stdout
    for word in ("按处置", "处置", "Actions", "ACTION"):
        assert run("export", "--by", word, "--date", DAY2).stdout == by_action, word
    for word in ("按预警", "预警", "warnings"):
        assert run("export", "--by", word, "--date", DAY2).stdout == by_warning, word
    refused = run("export", "--by", "day", "--date", DAY2)
    assert refused.exit_code == 2 and refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1 and "action, warning" in refused.stderr


def test_a_take_a_note_a_release_alone_are_not_dispositions(run, backlog):
    assert NOTED not in ids(run("export", "--by", "action", "--date", DAY2).stdout)
    # the head of the queue taken and released today (the real clock): still nothing done on it
    taken = json.loads(run("next", "--json").stdout)["id"]
    assert taken not in (CALLED, STOPPED, VISITED, HIGH, TODAYS, OLD)
    assert run("release", taken).exit_code == 0
    acted = ids(run("export", "--by", "action", "--from", DAY1, "--to", "today").stdout)
    assert acted == [CALLED, OLD, STOPPED, VISITED, HIGH, TODAYS]


def test_undone_actions_do_not_count(run, backlog):
    assert run("log", UNDONE, "unreachable", "--at", f"{DAY2} 11:00").exit_code == 0
    assert UNDONE in ids(run("export", "--by", "action", "--date", DAY2).stdout)
    earlier = json.loads(run("summary", "--date", DAY2, "--json").stdout)["earlier_warnings_acted_on"]
    assert earlier == {"warnings": 5, "calls": 3, "escalated": 1}
    assert run("undo").exit_code == 0  # the call and the SMS it sent
    assert UNDONE not in ids(run("export", "--by", "action", "--date", DAY2).stdout)
    earlier = json.loads(run("summary", "--date", DAY2, "--json").stdout)["earlier_warnings_acted_on"]
    assert earlier == {"warnings": 4, "calls": 2, "escalated": 1}


def test_the_summary_of_day2_says_its_actions_were_on_earlier_warnings(run, backlog):
    report = json.loads(run("summary", "--date", DAY2, "--json").stdout)
    assert report["received"] == 2 and report["calls"]["reached"] == 2 and report["calls"]["unreachable"] == 1
    # CALLED (a call), STOPPED (a stop-payment), VISITED (a visit result), HIGH (a call and an escalation)
    assert report["earlier_warnings_acted_on"] == {"warnings": 4, "calls": 2, "escalated": 1}
    text = run("summary", "--date", DAY2)
    assert text.exit_code == 0
    assert "acted on 4 warnings received before this day: calls 2, escalated 1" in text.stdout
    assert "export --by action" in text.stdout
    assert "overdue now (of this day's warnings) " in text.stdout
    # day 1 was worked the same day: no such line
    day1 = run("summary", "--date", DAY1).stdout
    assert "received before" not in day1 and "overdue now (of this day's warnings) " in day1


def test_over_a_range_per_day_and_in_total(run, backlog):
    report = json.loads(run("summary", "--from", DAY1, "--to", DAY2, "--json").stdout)
    days = {day["date"]: day["earlier_warnings_acted_on"] for day in report["days"]}
    assert days[DAY1] == {"warnings": 0, "calls": 0, "escalated": 0}
    assert days[DAY2] == {"warnings": 4, "calls": 2, "escalated": 1}
    # in total, earlier means received before the range: none here
    assert report["total"]["earlier_warnings_acted_on"] == {"warnings": 0, "calls": 0, "escalated": 0}
    text = run("summary", "--from", DAY1, "--to", DAY2).stdout
    assert "overdue now (of these days' warnings) " in text
    assert next(line for line in text.splitlines() if line.strip().startswith(DAY2)).endswith("4 earlier acted on")
    # a range that starts on day 2: its total counts the day-1 warnings as earlier
    report = json.loads(run("summary", "--from", DAY2, "--to", "2026-11-26", "--json").stdout)
    assert report["total"]["earlier_warnings_acted_on"] == {"warnings": 4, "calls": 2, "escalated": 1}
    assert (
        "acted on 4 warnings received before 2026-11-25" in run("summary", "--from", DAY2, "--to", "2026-11-26").stdout
    )
    rows = list(csv.DictReader(io.StringIO(run("summary", "--from", DAY1, "--to", DAY2, "--csv").stdout)))
    assert [row["earlier_warnings_acted_on.warnings"] for row in rows] == ["0", "4"]


def test_the_columns_are_those_of_the_default_export(run, backlog, tmp_path):
    from openpyxl import load_workbook

    assert header(run("export", "--by", "action", "--date", DAY2).stdout) == header(
        run("export", "--date", DAY2).stdout
    )
    by_warning, by_action = tmp_path / "by_warning.xlsx", tmp_path / "by_action.xlsx"
    assert run("export", "--date", DAY2, "-o", by_warning).exit_code == 0
    written = run("export", "--by", "按处置", "--date", DAY2, "-o", by_action)
    assert written.exit_code == 0
    assert f"5 warnings acted on {DAY2} (4 received before {DAY2}) written to" in written.stderr

    def sheet(path):
        return [[cell.value for cell in row] for row in load_workbook(path).active.iter_rows()]

    assert sheet(by_action)[0] == sheet(by_warning)[0]
    assert [row[0] for row in sheet(by_action)[1:]] == [CALLED, STOPPED, VISITED, HIGH, TODAYS]
    # each row shows the warning as it stands: the day-1 call of VISITED is not lost, nor its station
    row = dict(zip(sheet(by_action)[0], sheet(by_action)[3], strict=True))
    assert row["上门结果"] == "已劝阻" and row["移交派出所"] == "阳逻派出所"
    stopped = dict(zip(sheet(by_action)[0], sheet(by_action)[2], strict=True))
    assert stopped["止付笔数"] == 1 and stopped["止付账户"] != "6222020200112233445"  # masked


@pytest.mark.sqlite_only  # SQLite's plans; the server's are read in test_engines
@pytest.mark.parametrize("analyzed", [False, True])
def test_the_queries_read_the_events_of_the_range_not_all_warnings(run, backlog, db_path, analyzed):
    """Found from the range's events by events_at, each warning then by its key; or, for the earlier warnings of
    given days of receipt, those days' warnings by warnings_time, each one's events by events_warning."""
    from fanzha_cli.storage import open_store
    from fanzha_cli.storage.sqlite import plans as sqlite_plans

    conn = open_store(db_path, create=False)
    if analyzed:
        conn.conn.execute("ANALYZE")
    start, end = f"{DAY2} 00:00:00", f"{DAY2} 24:00:00"
    by_events = {
        "acted on rows": sqlite_plans.plans_of(conn, lambda c: c.acted_on_export_rows(start, end)),
        "earlier, by the range's events": sqlite_plans.plans_of(conn, lambda c: c.earlier_acted_on(start, end)),
    }
    by_warnings = sqlite_plans.plans_of(conn, lambda c: c.earlier_acted_on(start, end, [DAY1]))
    conn.close()
    for name, plans in by_events.items():
        (text,) = [" | ".join(plan) for _, plan in plans]
        assert "SEARCH e USING INDEX events_at (at>? AND at<?)" in text, (name, text)
        assert "SEARCH w USING INDEX sqlite_autoindex_warnings_1 (id=?)" in text, (name, text)
        assert not any(step.startswith(TABLE_SCANS) for _, plan in plans for step in plan), (name, text)
    (text,) = [" | ".join(plan) for _, plan in by_warnings]
    assert "SEARCH w USING INDEX warnings_time (time>? AND time<?)" in text, text
    assert "SEARCH e USING INDEX events_warning (warning_id=?)" in text, text
    assert not any(step.startswith(TABLE_SCANS) for _, plan in by_warnings for step in plan), text


TABLE_SCANS = ("SCAN w", "SCAN e", "SCAN warnings", "SCAN events")


@pytest.mark.parametrize("at", ["2026-11-25 23:59", "2026年11月25日 23:59"])
def test_the_last_call_s_outcome_whatever_length_of_time_another_program_wrote(run, backlog, db, location, at):
    db.write(  # a call written by another program, its time without seconds, later than the desk's
        "INSERT INTO events (warning_id, at, logged_at, officer, action, outcome)"
        " VALUES (?, ?, ?, 'x', 'call', 'distrustful')",
        (CALLED, at, at),
    )
    from fanzha_cli.domain.model import EXPORT_ROW
    from fanzha_cli.storage import open_store

    found = open_store(location).export_rows(f"{DAY1} 00:00:00", f"{DAY1} 24:00:00")
    rows = [dict(zip(EXPORT_ROW, row, strict=True)) for row in found]
    assert {row["id"]: row["last_outcome"] for row in rows}[CALLED] == "distrustful"
