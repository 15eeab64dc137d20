"""Kept figures are the figures (issue 11): a summary adds kept days up, and what it shows must equal the figures
computed straight from the rows, whatever was done in between, in whatever order, on whichever day.

The proof is a property test: random days of desk work (imports, late imports of a past day, calls of every
outcome, hand-overs, visits, moves, stop-payments and their results, corrections, undos), with summaries asked at
random moments so that some days are kept and then touched again; after each, every day's figures and the range's
total are compared with report.period() over the same days, which reads only the rows."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from datetime import date, datetime, timedelta

import pytest
from conftest import warning_row, write_export
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fanzha_cli.domain import report, stoppay
from fanzha_cli.domain.desk import Desk
from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.money import dumps
from fanzha_cli.domain.supervision import overdue_limits
from fanzha_cli.files.importer import import_file
from fanzha_cli.storage import open_store

FIRST, LAST = date(2026, 11, 20), date(2026, 11, 23)
NOW = datetime(2026, 11, 24, 9)
RISKS = ("中风险", "高风险", "紧急")
STATIONS = ("阳逻派出所", "仓埠派出所")


def stamp(day: int, minute: int) -> str:
    return f"{FIRST + timedelta(days=day)} {minute // 60:02d}:{minute % 60:02d}:00"


def rows(batch: int, count: int, day: int):
    return [
        warning_row(n, id=f"K{batch}{n:02d}", time=stamp(day, 60 * (n + 1)), risk=RISKS[n % 3], station=STATIONS[n % 2])
        for n in range(count)
    ]


def direct(conn, first: date, last: date, limits: dict) -> dict:
    """What the summary must show, from the rows alone: no day kept, the range as one period."""
    overdue = dict(conn.overdue_by_day(*report.bounds(first, last), limits))
    late = report.late_by_day(conn, first, last, limits)
    days = [
        report.shown(report.period(conn, day, day), overdue.get(str(day), 0), late.get(str(day), {}))
        for day in _days(first, last)
    ]
    everywhere: dict[str, int] = {}
    for by in late.values():
        for station, count in by.items():
            everywhere[station] = everywhere.get(station, 0) + count
    total = report.shown(report.period(conn, first, last), sum(overdue.values()), everywhere)
    total["date"] = f"{first}/{last}"
    busiest = max(days, key=lambda day: day["received"])
    return {"days": days, "total": total, "busiest_day": {"date": busiest["date"], "received": busiest["received"]}}


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def plain(value) -> dict:
    return json.loads(dumps(value))  # Yuan amounts as numbers; key order aside


def kept_days(conn) -> set[str]:
    return {row[0] for row in conn.conn.execute("SELECT day FROM day_figures")}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("kept") / "template.db"
    conn = open_store(path, create=True)
    import_file(conn, write_export(path.with_suffix(".csv"), rows(0, 6, 0)), officer="t", now=NOW)
    conn.close()
    return path


OPS = st.sampled_from(
    [
        "import",
        "late import",
        "call",
        "escalate",
        "ack",
        "visit",
        "move",
        "stop-pay",
        "result",
        "edit",
        "undo",
        "summary",
    ]
)
STEP = st.tuples(OPS, st.integers(0, 11), st.integers(0, 3), st.integers(0, 1439), st.integers(0, 2))


def act(conn, step, batch: int) -> None:
    """One step of the desk's day, on an existing warning, done some minutes after its own time (so, on its day or
    up to three days later)."""
    op, which, day, minute, choice = step
    desk = Desk(conn, f"officer{choice % 2}", NOW)  # two officers: an undo is often of the officer's own last act
    if op in ("import", "late import"):
        export = write_export(conn_path(conn).with_name(f"b{batch}.csv"), rows(batch, 3 + choice, day))
        import_file(conn, export, officer="t", now=NOW)
        return
    if op == "undo":
        desk.undo()
        return
    ids = [row[0] for row in conn.conn.execute("SELECT id FROM warnings ORDER BY rowid")]
    warning_id = ids[which % len(ids)]
    since = datetime.fromisoformat(
        conn.conn.execute("SELECT time FROM warnings WHERE id = ?", (warning_id,)).fetchone()[0]
    )
    at = f"{min(since + timedelta(days=day, minutes=minute), NOW):%Y-%m-%d %H:%M:%S}"
    if op == "call":
        desk.log(("reached", "unreachable", "distrustful")[choice], warning_id, at=at)
    elif op == "escalate":
        desk.escalate(warning_id, station=STATIONS[choice % 2], via="platform,wechat", at=at)
    elif op == "ack":
        desk.ack(warning_id, at=at)
    elif op == "visit":
        desk.visit(warning_id, ("dissuaded", "not-found")[choice % 2], at=at)
    elif op == "move":
        desk.visit(warning_id, "moved", to=STATIONS[choice % 2], at=at)
    elif op == "stop-pay":
        stoppay.request(desk, warning_id, bank="工商银行", account=f"62220202001122{which:05d}", amount="5000", at=at)
    elif op == "result":
        request = conn.conn.execute("SELECT max(id) FROM stop_payments").fetchone()[0]
        stoppay.record_result(desk, str(request), ("frozen", "failed")[choice % 2], reason="余额不足", at=at)
    elif op == "edit":
        desk.edit(warning_id, {"fraud_type": ("刷单返利", "冒充公检法", "虚假贷款")[choice]}, at=at)


def conn_path(conn):
    from pathlib import Path

    return Path(conn.conn.execute("PRAGMA database_list").fetchone()[2])


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
@example(steps=[("escalate", 0, 0, 0, 0), ("move", 0, 0, 0, 1)])  # found in CI: a move received, over a range
def test_kept_figures_always_equal_the_figures_from_the_rows(template, tmp_path_factory, steps):
    path = tmp_path_factory.mktemp("day") / "fanzha.db"
    shutil.copy(template, path)
    conn = open_store(path, create=True)
    limits = overdue_limits(Desk(conn, "t", NOW))
    for batch, step in enumerate(steps, start=1):
        if step[0] == "summary":
            first = FIRST + timedelta(days=step[2] % 2)
            report.summary(conn, first, first + timedelta(days=step[4]), limits, as_range=True)
            continue
        # a step refused as the desk would refuse it (a closed warning, nothing to undo, …) writes nothing
        with contextlib.suppress(FanzhaError):
            act(conn, step, batch)
    shown = report.summary(conn, FIRST, LAST, limits, as_range=True)
    assert plain(shown) == plain(direct(conn, FIRST, LAST, limits)), steps
    assert kept_days(conn) == {str(day) for day in _days(FIRST, LAST)}  # kept now, and asked again from what is kept
    assert plain(report.summary(conn, FIRST, LAST, limits, as_range=True)) == plain(shown)
    for first in _days(FIRST, LAST):  # every sub-range: the earlier warnings of its total are before its own first day
        assert plain(report.summary(conn, first, LAST, limits, as_range=True)) == plain(
            direct(conn, first, LAST, limits)
        )
    conn.close()


def test_a_write_during_the_summary_keeps_nothing_and_a_read_only_database_still_sums(template, tmp_path):
    path = tmp_path / "fanzha.db"
    shutil.copy(template, path)
    reader, writer = open_store(path, create=True), open_store(path, create=True)
    limits = overdue_limits(Desk(reader, "t", NOW))
    with reader.snapshot():
        _, computed, checked = report.kept_days(reader, FIRST, FIRST)
        Desk(writer, "w", NOW).log("reached", "K000", at=stamp(0, 600))  # the snapshot is outdated now
        assert not reader.keep_figures(computed, report.FIGURES_VERSION, checked)
    assert kept_days(reader) == set()
    reader.conn.execute("PRAGMA query_only = 1")  # as a user who may only read the file
    assert report.summary(reader, FIRST, LAST, limits)["days"][0]["calls"]["reached"] == 1
    assert kept_days(reader) == set()
    reader.conn.execute("PRAGMA query_only = 0")
    report.summary(reader, FIRST, LAST, limits)
    assert kept_days(reader) == {str(day) for day in _days(FIRST, LAST)}


def test_kept_figures_of_another_form_are_computed_again(template, tmp_path, monkeypatch):
    path = tmp_path / "fanzha.db"
    shutil.copy(template, path)
    conn = open_store(path, create=True)
    limits = overdue_limits(Desk(conn, "t", NOW))
    report.summary(conn, FIRST, FIRST, limits)
    conn.conn.execute("UPDATE day_figures SET figures = '{\"received\": 999}', version = version - 1")
    assert report.summary(conn, FIRST, FIRST, limits)["received"] == 6


@given(st.lists(st.tuples(st.integers(0, 50).map(lambda n: n / 10), st.integers(1, 4)), max_size=30), st.integers(1, 7))
def test_percentiles_from_counts_equal_those_of_the_values_written_out(pairs, parts):
    values = sorted(value for value, count in pairs for _ in range(count))
    median, p90 = report.percentiles([report.delays(pairs)])
    days = report.percentiles([report.delays(pairs[part::parts]) for part in range(parts)])  # as days put together
    assert days == (median, p90)
    if not values:
        assert (median, p90) == (None, None)
        return
    n = len(values)
    assert median == (values[(n + 1) // 2 - 1] + values[(n + 2) // 2 - 1]) / 2
    assert p90 == values[-(-9 * n // 10) - 1]  # the ceil(0.9 n)-th


RAW_WRITES = {
    "a warning imported by another program": "INSERT INTO warnings (id, time, risk_level, name, phone, station,"
    " batch_id) VALUES ('X1', '2026-11-21 08:00:00', 1, 'n', '10000000000', '阳逻派出所', 1)",
    "a warning changed by another program": "UPDATE warnings SET status = 'closed' WHERE id = 'K001'",
    "an event logged on a warning of that day": "INSERT INTO events (warning_id, at, logged_at, officer, action,"
    " outcome) VALUES ('K001', '2026-11-25 08:00:00', '2026-11-25 08:00:00', 'x', 'call', 'reached')",
    "an event of that day on another day's warning": "INSERT INTO events (warning_id, at, logged_at, officer, action,"
    " outcome) VALUES ('X0', '2026-11-21 09:00:00', '2026-11-21 09:00:00', 'x', 'call', 'reached')",
    "a stop-payment requested that day": "INSERT INTO stop_payments (warning_id, bank, account, amount_fen,"
    " requested_at, officer, status) VALUES ('X0', 'b', '6222', 100, '2026-11-21 10:00:00', 'x', 'open')",
    "a stop-payment answered that day": "UPDATE stop_payments SET status = 'frozen', result_at = '2026-11-21 11:00:00'",
    "a stop-payment of that day withdrawn": "DELETE FROM stop_payments",
    "a warning of that day deleted by another program": "DELETE FROM warnings WHERE id = 'K001'",
    "a warning moved to that day by another program": "UPDATE warnings SET time = '2026-11-21 09:30:00'"
    " WHERE id = 'K002'",
}


@pytest.mark.parametrize("write", RAW_WRITES)
def test_any_write_touching_a_day_drops_its_kept_figures_whoever_writes(template, tmp_path, write):
    path = tmp_path / "fanzha.db"
    shutil.copy(template, path)
    conn = open_store(path, create=True)
    # a warning of another day, whose stop-payment (on the 21st) is there to be answered or withdrawn
    conn.conn.execute(
        "INSERT INTO warnings (id, time, risk_level, name, phone, station, batch_id)"
        " VALUES ('X0', '2026-11-19 08:00:00', 1, 'n', '10000000001', '阳逻派出所', 1)"
    )
    if "stop-payment" in write and "requested" not in write:
        conn.conn.execute(RAW_WRITES["a stop-payment requested that day"])
    conn.conn.execute(
        "UPDATE warnings SET time = '2026-11-21 07:00:00' WHERE id = 'K001'"
    )  # K001: a warning of the 21st
    limits = overdue_limits(Desk(conn, "t", NOW))
    report.summary(conn, FIRST, LAST, limits, as_range=True)
    assert "2026-11-21" in kept_days(conn)
    if "deleted" in write:
        conn.conn.execute("PRAGMA foreign_keys = OFF")  # as another program might, with the warning's events left
    conn.conn.execute(RAW_WRITES[write])
    if "imported" in write:  # found by its rowid, past the last check: the day is taken afresh
        assert conn.kept_figures("2026-11-20", "2026-11-23", report.FIGURES_VERSION)[0].keys() == {
            "2026-11-20",
            "2026-11-22",
            "2026-11-23",
        }
    else:  # dropped by a trigger
        assert "2026-11-21" not in kept_days(conn) and "2026-11-23" in kept_days(conn)
    assert plain(report.summary(conn, FIRST, LAST, limits, as_range=True)) == plain(direct(conn, FIRST, LAST, limits))


def test_a_warning_moved_or_deleted_by_another_program_leaves_no_day_stale(template, tmp_path):
    """Its events' days counted it as received on its old day; a row id it freed may be taken again by an import
    before the next check (a review found both)."""
    path = tmp_path / "fanzha.db"
    shutil.copy(template, path)
    conn = open_store(path, create=True)
    limits = overdue_limits(Desk(conn, "t", NOW))
    Desk(conn, "a", NOW).log("reached", "K005", at=stamp(2, 600))  # K005 of the 20th, called on the 22nd
    report.summary(conn, FIRST, LAST, limits, as_range=True)
    conn.conn.execute("UPDATE warnings SET time = '2026-11-21 07:00:00' WHERE id = 'K005'")
    for first in _days(FIRST, LAST):
        assert plain(report.summary(conn, first, LAST, limits, as_range=True)) == plain(
            direct(conn, first, LAST, limits)
        )
    conn.conn.execute("PRAGMA foreign_keys = OFF")
    newest = conn.conn.execute("SELECT max(rowid) FROM warnings").fetchone()[0]
    conn.conn.execute("DELETE FROM warnings WHERE rowid = ?", (newest,))
    import_file(conn, write_export(tmp_path / "again.csv", rows(9, 1, 3)), officer="t", now=NOW)  # takes its row id
    assert plain(report.summary(conn, FIRST, LAST, limits, as_range=True)) == plain(direct(conn, FIRST, LAST, limits))


def test_deleting_an_old_warning_does_not_make_every_day_new_again(template, tmp_path):
    """Only a freed highest row id can be taken again: deleting any other leaves the check where it was."""
    path = tmp_path / "fanzha.db"
    shutil.copy(template, path)
    conn = open_store(path, create=True)
    report.summary(conn, FIRST, LAST, overdue_limits(Desk(conn, "t", NOW)), as_range=True)
    upto = conn.conn.execute("SELECT upto FROM day_figures_checked").fetchone()
    conn.conn.execute("DELETE FROM warnings WHERE id = 'K000'")
    assert conn.conn.execute("SELECT upto FROM day_figures_checked").fetchone() == upto
    conn.conn.execute("DELETE FROM warnings WHERE rowid = (SELECT max(rowid) FROM warnings)")
    assert conn.conn.execute("SELECT upto FROM day_figures_checked").fetchone() == (upto[0] - 1,)


def test_summaries_beside_a_desk_at_work_keep_nothing_stale(template, tmp_path):
    """A summary and a desk on two connections at once, again and again: whatever the summaries kept while the
    desk wrote, the figures afterwards are those from the rows (the keep is refused whenever the snapshot is
    outdated)."""
    import threading

    path = tmp_path / "fanzha.db"
    shutil.copy(template, path)
    with open_store(path, create=True) as conn:
        import_file(conn, write_export(tmp_path / "more.csv", rows(7, 40, 1)), officer="t", now=NOW)
    ids = [row[0] for row in sqlite3.connect(path).execute("SELECT id FROM warnings WHERE risk_level = 1")]
    failures: list[BaseException] = []

    def desk_at_work() -> None:
        try:
            conn = open_store(path, create=True)
            desk = Desk(conn, "a", NOW)
            for n, warning_id in enumerate(ids):
                with contextlib.suppress(FanzhaError):
                    desk.log(("unreachable", "distrustful")[n % 2], warning_id, at=stamp(2, n))
            conn.close()
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=desk_at_work)
    reader = open_store(path, create=True)
    limits = overdue_limits(Desk(reader, "t", NOW))
    worker.start()
    while worker.is_alive():
        report.summary(reader, FIRST, LAST, limits, as_range=True)
    worker.join(timeout=600)
    assert not failures, failures
    assert plain(report.summary(reader, FIRST, LAST, limits, as_range=True)) == plain(
        direct(reader, FIRST, LAST, limits)
    )
    calls = report.summary(reader, FIRST, LAST, limits, as_range=True)["total"]["calls"]
    assert calls["unreachable"] + calls["distrustful"] >= len(ids) // 2  # the desk's calls are all counted


def test_minutes_to_a_tenth_round_a_half_up_as_written():
    assert report.minutes((3668.2 + 3605.1) / 2) == 3636.7  # the float nearest 3636.65 is below it
    assert report.minutes(17.0) == 17 and report.minutes(0.05) == 0.1 and report.minutes(None) is None
