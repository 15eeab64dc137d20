"""The day's totals (SPEC §6), computed in SQL and assembled here into the shape of `summary --json`."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fanzha_cli import store
from fanzha_cli.money import Yuan
from fanzha_cli.values import RISK_LEVELS

OUTCOMES = ("reached", "unreachable", "distrustful")
STOP_PAY_KEYS = ("requested", "frozen", "partial", "failed", "kept_yuan", "median_minutes_to_result")
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
        },
        "first_call_minutes": {
            "median": None,
            "p90": None,
            "by_risk": {risk: {"median": None, "p90": None} for risk in RISK_LEVELS.values()},
        },
        # the day's work on the backlog: warnings received before the day (a range: before its first day)
        "earlier_warnings_acted_on": dict.fromkeys(EARLIER_KEYS, 0),
    }


def minutes(value: float | None) -> int | float | None:
    """Minutes to a tenth, and a whole number as a whole number: 26, not 26.0."""
    if value is None:
        return None
    value = round(value, 1)
    return int(value) if value == int(value) else value


def figures(conn, first: date, last: date, limits: dict, *, by_day: bool) -> dict[str, dict]:
    """Totals from ``first`` to ``last`` (whole days): one per day, or one for all of them under the key 'all'."""
    start, end = f"{first} 00:00:00", f"{last + timedelta(days=1)} 00:00:00"
    days = [str(first + timedelta(days=n)) for n in range((last - first).days + 1)] if by_day else ["all"]
    result = {day: empty(day) for day in days}
    if by_day and first == last:
        # one day needs no grouping by day, which would cost a sort of all its warnings
        return {days[0]: figures(conn, first, last, limits, by_day=False)["all"] | {"date": days[0]}}
    for row in store.warning_totals(conn, start, end, by_day=by_day):
        figures_of_day = result[row["day"]]
        for key in ("received", "disposed", "closed", "open", "high_not_escalated"):
            figures_of_day[key] = row[key]
        figures_of_day["by_risk"] = {risk: row[risk] for risk in RISK_LEVELS.values()}
    for day, fraud_type, count in store.fraud_type_counts(conn, start, end, by_day=by_day):
        result[day]["by_fraud_type"][fraud_type or "未填写"] = count
    for day, action, outcome, events, warnings in store.action_counts(conn, start, end, by_day=by_day):
        figures_of_day = result[day]
        if action == "call":
            figures_of_day["calls"][outcome] = events
        elif action == "sms":
            figures_of_day["sms"] = events
        elif action == "escalate":
            figures_of_day["escalated"] = warnings
        else:
            figures_of_day["visits"][outcome] = events
    for day, station, warnings in store.escalations_by_station(conn, start, end, by_day=by_day):
        result[day]["by_station"][station] = warnings
    for day, *channels in store.escalations_by_channel(conn, start, end, by_day=by_day):
        result[day]["by_channel"] = dict(zip(("platform", "wechat", "phone"), channels, strict=True))
    for day, *counts in store.earlier_acted_on(conn, start, end, by_day=by_day):
        result[day]["earlier_warnings_acted_on"] = dict(zip(EARLIER_KEYS, counts, strict=True))
    for day, count in store.overdue_by_day(conn, start, end, limits, by_day=by_day):
        result[day]["overdue"] = count
    for day, status, count, kept_fen in store.stop_payment_counts(conn, start, end, by_day=by_day):
        stop = result[day]["stop_payments"]
        stop[status] = count
        stop["kept_fen"] += kept_fen or 0
    for day, _, _, median, _ in store.stop_payment_percentiles(conn, start, end, by_day=by_day):
        result[day]["stop_payments"]["median_minutes_to_result"] = minutes(median)
    for day, what, _, median, p90 in store.first_call_percentiles(conn, start, end, by_day=by_day):
        clock = result[day]["first_call_minutes"]
        place = clock if what == 0 else clock["by_risk"][RISK_LEVELS[what]]
        place |= {"median": minutes(median), "p90": minutes(p90)}
    for figures_of_day in result.values():
        stop = figures_of_day["stop_payments"]
        stop = {key: value for key, value in stop.items() if key != "kept_fen"} | {"kept_yuan": Yuan(stop["kept_fen"])}
        figures_of_day["stop_payments"] = {key: stop[key] for key in STOP_PAY_KEYS}
        figures_of_day["disposal_rate"] = rate(figures_of_day["disposed"], figures_of_day["received"])
        calls = sum(figures_of_day["calls"].values())
        figures_of_day["reach_rate"] = rate(figures_of_day["calls"]["reached"], calls)
    return result


def summary(conn, first: date, last: date, limits: dict, *, as_range: bool = False) -> dict:
    """One day's object, or for a range (even of one day, when asked as one) ``{"days", "total", "busiest_day"}``."""
    days = list(figures(conn, first, last, limits, by_day=True).values())
    if first == last and not as_range:
        return days[0]
    total = figures(conn, first, last, limits, by_day=False)["all"]
    total["date"] = f"{first}/{last}"
    busiest = max(days, key=lambda day: day["received"])
    return {"days": days, "total": total, "busiest_day": {"date": busiest["date"], "received": busiest["received"]}}


# The days a report can be asked for: wide enough for any real one, narrow enough that a day after the last is
# still a date (9999-12-31 + 1 day is an OverflowError) and a typo such as 0202-11-24 is caught.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def parse_day(text: str, today: date) -> date:
    """``YYYY-MM-DD`` (or with slashes), ``today``/``今天``, ``yesterday``/``昨天``; raises FanzhaError otherwise."""
    from fanzha_cli.errors import FanzhaError

    shortcuts = {"today": 0, "今天": 0, "yesterday": 1, "昨天": 1}
    key = text.strip().lower()
    if key in shortcuts:
        return today - timedelta(days=shortcuts[key])
    try:
        day = datetime.strptime(text.strip().replace("/", "-"), "%Y-%m-%d").date()
    except ValueError:
        raise FanzhaError(f"'{text}' is not a day: use YYYY-MM-DD, today or yesterday") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FanzhaError(f"{day} is out of range: a day from {FIRST_DAY} to {LAST_DAY}")
    return day
