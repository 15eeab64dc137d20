"""The life of a hold (SPEC §7, 银发〔2016〕86号; issue 15): a stop-payment that took effect holds the account 48 hours,
may be extended once, must be formally frozen (冻结) to keep the money longer; a hold about to end unfrozen is
overdue. On both engines, at moments the test chooses (the desk's clock), and through the command line."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from conftest import warning_row, write_export

from fanzha_cli.domain import stoppay
from fanzha_cli.domain.desk import Desk, DeskError
from fanzha_cli.domain.report import summary
from fanzha_cli.domain.supervision import overdue_limits, reasons_of, reminder
from fanzha_cli.storage import open_store

ACCOUNT = "6222020200112233445"


@pytest.fixture
def store(engine, run, tmp_path):
    rows = [warning_row(n, id=f"W{n}", time=f"2026-11-24 12:{n:02d}:00") for n in range(3)]
    assert run("import", write_export(tmp_path / "day.csv", rows)).exit_code == 0
    with open_store(engine) as opened:
        yield opened


def at(text: str, store) -> Desk:
    """The desk at ``text`` (its clock), as officer wang."""
    return Desk(store, "wang", now=datetime.fromisoformat(text))


def frozen_at_13_46(store) -> int:
    """The district's own example: asked at 13:20, frozen by the bank at 13:46 (SPEC §7)."""
    desk = at("2026-11-24 13:20:00", store)
    request = stoppay.request(desk, "W1", bank="工商银行", account=ACCOUNT, amount="45万")
    stoppay.record_result(at("2026-11-24 13:46:00", store), str(request["id"]), "frozen")
    return request["id"]


def overdue_ids(desk: Desk) -> list[str]:
    return [row["id"] for row in desk.store.list_warnings(overdue=overdue_limits(desk), limit=None)]


def test_a_hold_frozen_at_13_46_ends_two_days_later_and_is_overdue_from_07_46_that_day(store):
    number = frozen_at_13_46(store)
    before, after = at("2026-11-26 07:45:00", store), at("2026-11-26 07:47:00", store)
    shown = stoppay.view(store.get_stop_payment(number), before.now, before.settings, full_account=False)
    assert (shown["hold"], shown["hold_until"], shown["overdue"]) == ("holding", "2026-11-26 13:46:00", False)
    assert shown["hold_minutes_left"] == 6 * 60 + 1
    assert overdue_ids(before) == [] and reminder(before) is None
    assert overdue_ids(after) == ["W1"]
    assert stoppay.view(store.get_stop_payment(number), after.now, after.settings, full_account=False)["overdue"]
    reason = reasons_of(after, store.list_warnings(overdue=overdue_limits(after), limit=None))[0][0]
    assert reason | {"minutes_over": None} == {
        "reason": "hold_ending",
        "since": "2026-11-26 07:46:00",
        "limit_minutes": 0,
        "minutes_over": None,
        "hold_until": "2026-11-26 13:46:00",
        "ended": False,
    }
    assert reminder(after).startswith("督办 overdue: 1 with a stop-payment hold ending")  # it heads the reminder


def test_extended_it_is_overdue_from_07_46_two_days_later_again_and_a_third_stop_payment_is_refused(store):
    number = frozen_at_13_46(store)
    extended = stoppay.extend(at("2026-11-26 08:00:00", store), str(number))
    assert (extended["hold_until"], extended["extended_at"]) == ("2026-11-28 13:46:00", "2026-11-26 08:00:00")
    assert overdue_ids(at("2026-11-28 07:45:00", store)) == []
    assert overdue_ids(at("2026-11-28 07:47:00", store)) == ["W1"]
    with pytest.raises(DeskError, match="extended once"):
        stoppay.extend(at("2026-11-27 08:00:00", store), str(number))
    with pytest.raises(DeskError, match=r"stopped 2 times already.*银发〔2016〕86号"):
        stoppay.request(at("2026-11-27 09:00:00", store), "W2", bank="工商银行", account=ACCOUNT, amount="1万")
    stoppay.request(at("2026-11-27 09:00:00", store), "W2", bank="农业银行", account="6228480000000001", amount="1万")


def test_a_formal_freeze_ends_the_watch_and_a_release_too_and_undo_takes_each_back(store):
    number = frozen_at_13_46(store)
    desk = at("2026-11-26 09:00:00", store)
    frozen = stoppay.freeze(desk, str(number))
    assert (frozen["freeze_at"], frozen["hold_until"]) == ("2026-11-26 09:00:00", "2027-05-26 09:00:00")
    assert overdue_ids(at("2026-11-26 13:00:00", store)) == []
    renewed = stoppay.freeze(at("2026-11-26 09:05:00", store), str(number), until="2027-11-30")
    assert renewed["hold_until"] == "2027-11-30 23:59:59"
    at("2026-11-26 09:10:00", store).undo()
    assert store.get_stop_payment(number)["hold_until"] == "2027-05-26 09:00:00"
    at("2026-11-26 09:11:00", store).undo()
    assert store.get_stop_payment(number)["freeze_at"] is None
    assert overdue_ids(at("2026-11-26 09:12:00", store)) == ["W1"]
    released = stoppay.release(at("2026-11-26 09:20:00", store), str(number))
    assert released["released_at"] == "2026-11-26 09:20:00" and overdue_ids(at("2026-11-26 14:00:00", store)) == []
    with pytest.raises(DeskError, match="released at"):
        stoppay.extend(at("2026-11-26 09:30:00", store), str(number))
    at("2026-11-26 09:40:00", store).undo()
    assert store.get_stop_payment(number)["released_at"] is None
    extended = stoppay.extend(at("2026-11-26 09:45:00", store), str(number))
    at("2026-11-26 09:50:00", store).undo()
    assert store.get_stop_payment(number)["hold_until"] == "2026-11-26 13:46:00" != extended["hold_until"]


def test_nothing_held_nothing_to_extend_and_too_late_is_too_late(store):
    desk = at("2026-11-24 13:20:00", store)
    waiting = stoppay.request(desk, "W1", bank="工商银行", account=ACCOUNT, amount="45万")
    with pytest.raises(DeskError, match="the bank has not answered yet"):
        stoppay.extend(desk, str(waiting["id"]))
    failed = stoppay.request(desk, "W2", bank="农业银行", account="6228480000000001", amount="1万")
    stoppay.record_result(desk, str(failed["id"]), "failed", reason="资金已转出")
    with pytest.raises(DeskError, match="it failed: nothing is held"):
        stoppay.freeze(desk, str(failed["id"]))
    stoppay.record_result(at("2026-11-24 13:46:00", store), str(waiting["id"]), "frozen")
    with pytest.raises(DeskError, match="too late to extend"):
        stoppay.extend(at("2026-11-26 13:47:00", store), str(waiting["id"]))
    with pytest.raises(DeskError, match="is before the stop-payment took effect"):
        stoppay.freeze(at("2026-11-26 14:00:00", store), str(waiting["id"]), at="2026-11-24 13:00")


def test_the_summary_counts_extensions_freezes_releases_and_holds_that_ran_out_unfrozen(store):
    first = frozen_at_13_46(store)
    desk = at("2026-11-24 14:00:00", store)
    second = stoppay.request(desk, "W2", bank="农业银行", account="6228480000000001", amount="1万")
    stoppay.record_result(desk, str(second["id"]), "partial", kept="5000")
    stoppay.extend(at("2026-11-25 10:00:00", store), str(first))
    stoppay.freeze(at("2026-11-25 11:00:00", store), str(first))
    later = at("2026-11-27 12:00:00", store)  # the second's hold ended 11-26 14:00, unfrozen
    limits = overdue_limits(later)

    def holds(figures: dict) -> tuple:
        stop = figures["stop_payments"]
        return stop["extended"], stop["formally_frozen"], stop["released"], stop["expired_unfrozen"]

    for day, expected in (((2026, 11, 25), (1, 1, 0, 0)), ((2026, 11, 26), (0, 0, 0, 1))):
        assert holds(summary(store, datetime(*day).date(), datetime(*day).date(), limits)) == expected
    whole = summary(store, datetime(2026, 11, 24).date(), datetime(2026, 11, 27).date(), limits, as_range=True)
    assert holds(whole["total"]) == (1, 1, 0, 1)


def test_the_commands_say_the_time_left_and_refuse_in_one_line(run, store):
    number = frozen_at_13_46(store)
    listed = run("stop-pay", "list")
    assert listed.exit_code == 0 and "HOLD ENDED 2026-11-26 13:46 with no freeze" in listed.stdout
    assert "OVERDUE" in listed.stdout  # today is past the example's days
    refused = run("stop-pay", "extend", str(number))
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1 and "too late to extend" in refused.stderr
    refused = run("stop-pay", "freeze", str(number))
    assert refused.exit_code == 2 and "no longer held" in refused.stderr
    released = run("stop-pay", "release", str(number))
    assert released.exit_code == 0 and "released" in released.stdout
    assert run("stop-pay", "release", str(number)).exit_code == 2
    added = run("stop-pay", "add", "W2", "--bank", "b", "--account", "6228480000000001", "--amount", "1万", "--json")
    second = str(json.loads(added.stdout)["id"])
    assert run("stop-pay", "result", second, "frozen").exit_code == 0  # now: its hold ends in 48 hours
    frozen = json.loads(run("stop-pay", "freeze", second, "--until", "2099-01-31", "--json").stdout)
    assert (frozen["hold"], frozen["hold_until"], frozen["overdue"]) == ("frozen", "2099-01-31 23:59:59", False)
    assert "冻结 formally frozen until 2099-01-31" in run("show", "W2").stdout
