"""The day's totals (SPEC §6), counted by the store and assembled here into the shape of `summary --json`."""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from fanzha_cli.domain.money import Yuan
from fanzha_cli.domain.vocab import RISK_LEVELS

if TYPE_CHECKING:  # for the type only: the engine is chosen by storage.open_store
    from fanzha_cli.storage.protocol import Store

OUTCOMES = ("reached", "unreachable", "distrustful")
STOP_PAY_KEYS = (
    "requested",
    "frozen",
    "partial",
    "failed",
    "kept_yuan",
    "median_minutes_to_result",
    # the life of the holds (SPEC §7): extended, formally frozen (冻结), released that day; ended unfrozen that day
    "extended",
    "formally_frozen",
    "released",
    "expired_unfrozen",
)
VISITS = ("dissuaded", "not-found", "moved")
EARLIER_KEYS = ("warnings", "calls", "escalated")


def rate(part: int, whole: int) -> float | None:
    """A fraction from 0 to 1, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def empty(day: str) -> dict:
    return {
        "date": day,
        "received": 0,
        "disposed": 0,
        "disposal_rate": None,
        "calls": dict.fromkeys(OUTCOMES, 0),
        "reach_rate": None,
        "sms": 0,
        "escalated": 0,
        "by_station": {},
        "by_channel": {"platform": 0, "wechat": 0, "phone": 0},
        "visits": dict.fromkeys(VISITS, 0),
        "closed": 0,
        "open": 0,
        "overdue": 0,
        "high_not_escalated": 0,
        "by_risk": dict.fromkeys(RISK_LEVELS.values(), 0),
        "by_fraud_type": {},
        "stop_payments": {
            "requested": 0,
            "frozen": 0,
            "partial": 0,
            "failed": 0,
            "kept_fen": 0,
            "median_minutes_to_result": None,
            "extended": 0,
            "formally_frozen": 0,
            "released": 0,
            "expired_unfrozen": 0,
        },
        "first_call_minutes": {
            "median": None,
            "p90": None,
            "by_risk": {risk: {"median": None, "p90": None} for risk in RISK_LEVELS.values()},
        },
        # the day's work on the backlog: warnings received before the day (a range: before its first day)
        "earlier_warnings_acted_on": dict.fromkeys(EARLIER_KEYS, 0),
        # a supervisor's two questions: which station is slow, who is overloaded (SPEC §9)
        "stations": {},
        "by_officer": {},
    }


def _station(received: int = 0) -> dict:
    return {"received": received, "acknowledged": 0, "median_minutes_to_ack": None, "visits": dict.fromkeys(VISITS, 0)}


def _officer() -> dict:
    return {"calls": 0, "reached": 0, "escalations": 0, "stop_payments": 0, "median_first_call_minutes": None}


def minutes(value: float | None) -> int | float | None:
    """Minutes to a tenth, a half rounded up (the median of 3668.2 and 3605.1 is 3636.7, as written, not what the
    float nearest 3636.65 rounds to), and a whole number as a whole number: 26, not 26.0."""
    if value is None:
        return None
    from decimal import ROUND_HALF_UP, Decimal

    # a mean of two tenths is exact in hundredths: rounded there first, the float's own error is gone
    value = float(Decimal(repr(round(value, 2))).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return int(value) if value == int(value) else value


def minutes_of(seconds: int) -> float:
    """Minutes to a tenth, a half rounded up, never below 0 (a warning stamped ahead of this desk's clock, a call
    logged --at before its import): in whole numbers, so that every engine's seconds give the same minutes."""
    return (max(0, seconds) + 3) // 6 / 10


def whole_minutes_of(seconds: int) -> int:
    """Whole minutes from whole seconds (a half rounded up, never below 0): the per-station and per-officer delays
    are kept to the minute, which a supervisor's comparison needs, so that a day keeps a hundred-odd values for
    each instead of a thousand."""
    return (max(0, seconds) + 30) // 60


def delays(pairs: Iterable[tuple[float, int]]) -> list[list]:
    """Counts of values, (value, how many) pairs, as kept: [the values in order, the running count up to each]."""
    counts: dict[float, int] = {}
    for value, count in pairs:
        counts[value] = counts.get(value, 0) + count
    values = sorted(counts)
    return [values, list(itertools.accumulate(counts[value] for value in values))]


def percentiles(histograms: Iterable[list[list]]) -> tuple[float | None, float | None]:
    """(median, P90) of the values of several delays() put together: the median is the mean of the middle two of
    an even count, the P90 the ceil(0.9 n)-th value (nearest rank). A month of days costs little more than a day:
    each rank is found by halving, not by putting the days' values together."""
    histograms = [histogram for histogram in histograms if histogram[0]]
    n = sum(running[-1] for _, running in histograms)
    if not n:
        return None, None
    median = (_ranked(histograms, (n + 1) // 2) + _ranked(histograms, (n + 2) // 2)) / 2
    return median, _ranked(histograms, (9 * n + 9) // 10)


def _ranked(histograms: list[list[list]], rank: int) -> float:
    """The smallest value with at least ``rank`` values at or below it, over histograms each [values in order,
    running counts]. Each histogram keeps a window of its values that may still be the answer; the middle of the
    widest is tried (its count taken by bisection in each), and every window is cut to the side the answer is on.
    Each try takes at least the tried value out, and the windows shrink together, so a rank costs a few dozen tries
    however many days."""
    windows = [[0, len(values)] for values, _ in histograms]
    found = max(values[-1] for values, _ in histograms)  # n values at or below the greatest
    while True:
        widest = max(range(len(windows)), key=lambda i: windows[i][1] - windows[i][0])
        low, high = windows[widest]
        if low >= high:
            return found
        tried = histograms[widest][0][(low + high) // 2]
        at_or_below = 0
        for values, running in histograms:
            index = bisect.bisect_right(values, tried)
            at_or_below += running[index - 1] if index else 0
        for (values, _), window in zip(histograms, windows, strict=True):
            if at_or_below >= rank:  # the answer is the tried value or below it
                window[1] = bisect.bisect_left(values, tried, window[0], window[1])
            else:  # the answer is above it
                window[0] = bisect.bisect_right(values, tried, window[0], window[1])
        if at_or_below >= rank:
            found = tried


# --- a period, from the rows ------------------------------------------------------------------------------------
# A period's figures straight from the rows, with the parts that adding periods up needs and the output does not
# show: how many warnings waited how many minutes for their first call, and requests for their result (medians
# stay exact), and the earlier warnings by their day of receipt (a range's total counts a warning acted on over
# several days once). Overdue is never part of it: it changes with the clock, and summary() counts it afresh.
FIGURES_VERSION = 10  # the form of kept figures: raise it when period() changes, and kept days are computed again
# store.day_counts' "totals", in its order
TOTALS = ("received", "disposed", "closed", "open", "high_not_escalated", "medium", "high", "urgent")
_PARTS = ("first_call", "stop_pay_minutes", "earlier_by_day", "ack_minutes", "officer_first_call", "moved_in")
_ADDED = ("received", "disposed", "closed", "open", "high_not_escalated", "sms")
_ADDED_BY_KEY = ("calls", "visits", "by_channel", "by_risk", "by_fraud_type")
_ADDED_STOP_PAY = ("requested", "frozen", "partial", "failed", "kept_fen", "extended", "formally_frozen", "released")


def bounds(first: date, last: date) -> tuple[str, str]:
    return f"{first} 00:00:00", f"{last + timedelta(days=1)} 00:00:00"


def period(store: Store, first: date, last: date) -> dict:
    """The figures of the days from ``first`` to ``last`` taken together, computed from the rows."""
    start, end = bounds(first, last)
    figures = empty(str(first) if first == last else f"{first}/{last}")
    counts = store.day_counts(start, end)
    totals = dict(zip(TOTALS, counts["totals"], strict=True))
    figures |= {key: totals[key] for key in ("received", "disposed", "closed", "open", "high_not_escalated")}
    figures["by_risk"] = {risk: totals[risk] for risk in RISK_LEVELS.values()}
    figures["by_fraud_type"] = {kind or "未填写": count for kind, count in _by_name(counts["fraud_types"])}
    for action, outcome, events in counts["actions"]:
        if action == "call":
            figures["calls"][outcome] = events
        elif action == "sms":
            figures["sms"] = events
        else:
            figures["visits"][outcome] = events
    figures["escalated"] = counts["escalated"]
    figures["by_station"] = dict(_by_name(counts["by_station"]))
    figures["by_channel"] = dict(zip(("platform", "wechat", "phone"), counts["channels"], strict=True))
    for status, count, kept_fen in store.stop_payment_counts(start, end):
        figures["stop_payments"][status] = count
        figures["stop_payments"]["kept_fen"] += kept_fen or 0
    by_level: dict[int, list] = {level: [] for level in RISK_LEVELS}
    by_officer: dict[str, list] = {}
    for level, officer, seconds, count in counts["first_calls"]:
        by_level[level].append((minutes_of(seconds), count))
        if officer is not None:  # a first call another program logged names no officer of this desk
            by_officer.setdefault(officer, []).append((whole_minutes_of(seconds), count))
    # each kept as a list of delays(): a range's total lists its days' instead of adding them up
    figures["first_call"] = {str(level): [delays(pairs)] for level, pairs in by_level.items()}
    figures["stop_pay_minutes"] = [delays((minutes_of(s), n) for s, n in store.stop_payment_seconds(start, end))]
    figures["earlier_by_day"] = {day: rest for day, *rest in counts["earlier"]}
    _station_side(counts["stations"], figures)
    _officers(counts["officers"], figures, by_officer)
    return with_medians(figures)


def _by_name(rows: list[list]) -> list[list]:
    """(name, count) rows in the order of the stored text, no name first: the same on every engine, whatever order
    its groups came in."""
    return sorted(rows, key=lambda row: (row[0] is not None, row[0] or ""))


def _station_side(acts: list[list], figures: dict) -> None:
    """Each station's hand-overs received, acknowledged (and how soon) and its visits' results."""
    stations = {name: _station(received) for name, received in figures["by_station"].items()}
    waits: dict[str, list] = {}
    moved_in: dict[str, int] = {}  # kept apart too: a range adds them to its own count of escalations
    for name, action, outcome, seconds, events in acts:
        station = stations.setdefault(name, _station())
        if action == "ack":
            station["acknowledged"] += events
            if seconds is not None:  # an acknowledgement another program wrote may not say when it was handed over
                waits.setdefault(name, []).append((whole_minutes_of(seconds), events))
        elif action == "moved in":  # passed on by another station: handed to this one
            station["received"] += events
            moved_in[name] = moved_in.get(name, 0) + events
        else:
            station["visits"][outcome] += events
    figures["stations"] = dict(sorted(stations.items()))
    figures["ack_minutes"] = {name: [delays(pairs)] for name, pairs in sorted(waits.items())}
    figures["moved_in"] = dict(sorted(moved_in.items()))


def _officers(acts: list[list], figures: dict, first_calls: dict[str, list]) -> None:
    """Each officer's calls (and those that reached the person), hand-overs and stop-payment requests, and how soon
    after the warning the first calls they made came (``first_calls``: officer → (whole minutes, warnings))."""
    officers: dict[str, dict] = {}
    for name, action, outcome, events in acts:
        officer = officers.setdefault(name, _officer())
        if action == "call":
            officer["calls"] += events
            officer["reached"] += events if outcome == "reached" else 0
        else:
            officer["escalations" if action == "escalate" else "stop_payments"] += events
    for name in first_calls:
        officers.setdefault(name, _officer())
    figures["by_officer"] = dict(sorted(officers.items()))
    figures["officer_first_call"] = {name: [delays(pairs)] for name, pairs in sorted(first_calls.items())}


def added_up(store: Store, days: list[dict], first: date, last: date) -> dict:
    """The figures of the days from ``first`` to ``last`` taken together, from each day's: equal to period() over
    them (tests/test_kept_figures.py). What does not add up is counted again over the range: the warnings handed
    over (each once, from the escalations' own index), and the earlier ones, on the days of receipt the days name."""
    total = empty(f"{first}/{last}")
    for day in days:
        for key in _ADDED:
            total[key] += day[key]
        for key in _ADDED_BY_KEY:
            for name, count in day[key].items():
                total[key][name] = total[key].get(name, 0) + count
        for key in _ADDED_STOP_PAY:
            total["stop_payments"][key] += day["stop_payments"][key]
    start, end = bounds(first, last)
    total["escalated"], by_station = store.escalated_warnings(start, end)
    total["by_station"] = dict(by_station)
    total["first_call"] = {
        level: [histogram for day in days for histogram in day["first_call"][level]] for level in days[0]["first_call"]
    }
    total["stop_pay_minutes"] = [histogram for day in days for histogram in day["stop_pay_minutes"]]
    total["earlier_by_day"] = _earlier_over(store, days, first, start, end)
    _stations_added(total, days)
    _officers_added(total, days)
    return with_medians(total)


def _stations_added(total: dict, days: list[dict]) -> None:
    """A range's stations: hand-overs received counted over the range (each warning escalated once, and those moved
    to it), the rest added up."""
    stations = {name: _station(received) for name, received in total["by_station"].items()}
    waits: dict[str, list] = {}
    moved_in: dict[str, int] = {}
    for day in days:
        for name, count in day["moved_in"].items():
            stations.setdefault(name, _station())["received"] += count
            moved_in[name] = moved_in.get(name, 0) + count
        for name, figures in day["stations"].items():
            station = stations.setdefault(name, _station())
            station["acknowledged"] += figures["acknowledged"]
            for result, count in figures["visits"].items():
                station["visits"][result] += count
        for name, histograms in day["ack_minutes"].items():
            waits.setdefault(name, []).extend(histograms)
    total["stations"] = dict(sorted(stations.items()))
    total["ack_minutes"] = dict(sorted(waits.items()))
    total["moved_in"] = dict(sorted(moved_in.items()))


def _officers_added(total: dict, days: list[dict]) -> None:
    officers: dict[str, dict] = {}
    waits: dict[str, list] = {}
    for day in days:
        for name, figures in day["by_officer"].items():
            officer = officers.setdefault(name, _officer())
            for key in ("calls", "reached", "escalations", "stop_payments"):
                officer[key] += figures[key]
        for name, histograms in day["officer_first_call"].items():
            waits.setdefault(name, []).extend(histograms)
    total["by_officer"] = dict(sorted(officers.items()))
    total["officer_first_call"] = dict(sorted(waits.items()))


def _earlier_over(store: Store, days: list[dict], first: date, start: str, end: str) -> dict[str, list[int]]:
    """The earlier warnings of a range by their day of receipt. Only the days of receipt that its days' own earlier
    warnings name can have any. One named by a single day of the range has that day's counts: no other day acted on
    a warning received then. One named by several is counted again over the range, so that a warning acted on over
    several days counts once."""
    named: dict[str, list[list[int]]] = {}
    for day in days:
        for received, counts in day["earlier_by_day"].items():
            if received < str(first):
                named.setdefault(received, []).append(counts)
    again = sorted(received for received, counts in named.items() if len(counts) > 1)
    earlier = {received: counts[0] for received, counts in named.items() if len(counts) == 1}
    earlier |= {received: counts for received, *counts in store.earlier_acted_on(start, end, again)} if again else {}
    return dict(sorted(earlier.items()))


def with_medians(figures: dict) -> dict:
    """The medians and P90s worked out from the counts of delays, once, when a period's figures are made: a day
    kept keeps them too, and a summary of kept days reads them instead of sorting each day's counts again."""
    clock = figures["first_call_minutes"] = {"median": None, "p90": None, "by_risk": {}}
    for level, histograms in figures["first_call"].items():
        median, p90 = percentiles(histograms)
        clock["by_risk"][RISK_LEVELS[int(level)]] = {"median": minutes(median), "p90": minutes(p90)}
    median, p90 = percentiles(histogram for histograms in figures["first_call"].values() for histogram in histograms)
    clock |= {"median": minutes(median), "p90": minutes(p90)}
    figures["stop_payments"]["median_minutes_to_result"] = minutes(percentiles(figures["stop_pay_minutes"])[0])
    for name, histograms in figures["ack_minutes"].items():
        figures["stations"][name]["median_minutes_to_ack"] = minutes(percentiles(histograms)[0])
    for name, histograms in figures["officer_first_call"].items():
        figures["by_officer"][name]["median_first_call_minutes"] = minutes(percentiles(histograms)[0])
    return figures


def shown(figures: dict, overdue: int, late: dict[str, int], expired: int = 0) -> dict:
    """A period's figures as `summary` shows them: the rates, the overdue of now (``late``: by station, those late
    on the station's side; ``expired``: the holds that ran out unfrozen by now), the parts only adding needs left
    out."""
    result = {key: value for key, value in figures.items() if key not in _PARTS}
    stations = {name: dict(station, overdue=late.get(name, 0)) for name, station in figures["stations"].items()}
    stations |= {name: _station() | {"overdue": count} for name, count in late.items() if name not in stations}
    result["stations"] = dict(sorted(stations.items()))
    stop = dict(figures["stop_payments"], expired_unfrozen=expired)
    stop["kept_yuan"] = Yuan(stop.pop("kept_fen"))
    result["stop_payments"] = {key: stop[key] for key in STOP_PAY_KEYS}
    earlier = [sum(column) for column in zip(*figures["earlier_by_day"].values(), strict=True)] or [0, 0, 0]
    result["earlier_warnings_acted_on"] = dict(zip(EARLIER_KEYS, earlier, strict=True))
    result["overdue"] = overdue
    result["disposal_rate"] = rate(result["disposed"], result["received"])
    result["reach_rate"] = rate(result["calls"]["reached"], sum(result["calls"].values()))
    return result


def kept_days(store: Store, first: date, last: date) -> tuple[list[dict], list[tuple[str, str]], dict]:
    """Each day's figures: kept ones as kept, the others from the rows; those others, in the form kept; and what
    the check of the kept ones found (store.kept_figures)."""
    import json

    kept, checked = store.kept_figures(str(first), str(last), FIGURES_VERSION)
    days, computed = [], []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        if str(day) in kept:
            days.append(json.loads(kept[str(day)]))
            continue
        days.append(period(store, day, day))
        computed.append((str(day), json.dumps(days[-1], ensure_ascii=False)))
    return days, computed, checked


def late_by_day(store: Store, first: date, last: date, limits: dict) -> dict[str, dict[str, int]]:
    """Day → station → warnings of that day late now on the station's side: never kept, it changes with the clock."""
    late: dict[str, dict[str, int]] = {}
    for day, station, count in store.station_overdue_by_day(*bounds(first, last), limits):
        late.setdefault(day, {})[station] = count
    return late


def summary(store: Store, first: date, last: date, limits: dict, *, as_range: bool = False) -> dict:
    """One day's object, or for a range (even of one day, when asked as one) ``{"days", "total", "busiest_day"}``.

    All of it from one snapshot of the database; the days computed afresh are kept at the end, if nothing was
    written meanwhile (store.keep_figures)."""
    with store.snapshot():
        days, computed, checked = kept_days(store, first, last)
        overdue = dict(store.overdue_by_day(*bounds(first, last), limits))
        late = late_by_day(store, first, last, limits)
        expired = dict(store.expired_holds_by_day(*bounds(first, last), limits["now"]))
        total = added_up(store, days, first, last) if as_range or first != last else None
        store.keep_figures(computed, FIGURES_VERSION, checked)
    days = [
        shown(day, overdue.get(day["date"], 0), late.get(day["date"], {}), expired.get(day["date"], 0)) for day in days
    ]
    if total is None:
        return days[0]
    late_in_all = dict(sum((Counter(by) for by in late.values()), Counter()))
    total = shown(total, sum(overdue.values()), late_in_all, sum(expired.values()))
    busiest = max(days, key=lambda day: day["received"])
    return {"days": days, "total": total, "busiest_day": {"date": busiest["date"], "received": busiest["received"]}}
