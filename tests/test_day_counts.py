"""A day's counts come from one statement that reads the day's warnings and events once (storage.day_counts): each
count must be what the rows say, worked out here in Python from the tables read whole, after random days of desk
work (the steps of test_kept_figures: calls, hand-overs, acknowledgements, visits, moves, stop-payments, edits,
undos, late imports)."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections import Counter
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_kept_figures import FIRST, LAST, STEP, act, template  # noqa: F401 (template: the fixture)

from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.model import DISPOSITIONS
from fanzha_cli.storage import open_store


def _seconds(start: str, end: str) -> int:
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds())


def _standing(conn, start: str, end: str) -> list[dict]:
    events = [dict(row) for row in _rows(conn, "SELECT * FROM events")]
    undone = {event["undoes"] for event in events if event["undoes"] is not None}
    return [event for event in events if start <= event["at"] < end and event["act"] not in undone]


def _rows(conn, sql: str):
    cursor = conn.conn.execute(sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def expected(conn, start: str, end: str) -> dict:
    """Each count of storage.day_counts.COUNTS, from the rows, as multisets."""
    warnings = {row["id"]: row for row in _rows(conn, "SELECT * FROM warnings")}
    received = [row for row in warnings.values() if start <= row["time"] < end]
    events = _standing(conn, start, end)
    escalations = [event for event in events if event["action"] == "escalate"]
    stations: Counter = Counter()
    for event in events:
        details = json.loads(event["details"] or "{}")
        if event["action"] == "ack":
            handed = details.get("handed_at")
            stations[(event["station"], "ack", None, handed and _seconds(handed, event["at"]))] += 1
        elif event["action"] == "visit":
            moved = event["outcome"] == "moved"
            reported_by = details.get("moved_from") or event["station"] if moved else event["station"]
            stations[(reported_by, "visit", event["outcome"], None)] += 1
            if moved:
                stations[(event["station"], "moved in", None, None)] += 1
    earlier: dict[str, list] = {}
    for event in events:
        warning = warnings.get(event["warning_id"])
        if event["action"] in DISPOSITIONS and warning and warning["time"] < start:
            day = earlier.setdefault(warning["time"][:10], [set(), 0, set()])
            day[0].add(warning["id"])
            day[1] += event["action"] == "call"
            if event["action"] == "escalate":
                day[2].add(warning["id"])
    return {
        "totals": [
            len(received),
            sum(1 for w in received if w["first_call_at"] or w["escalated_at"]),
            sum(1 for w in received if w["status"] == "closed"),
            sum(1 for w in received if w["status"] != "closed"),
            sum(1 for w in received if w["risk_level"] >= 2 and not w["escalated_at"]),
            *(sum(1 for w in received if w["risk_level"] == level) for level in (1, 2, 3)),
        ],
        "fraud_types": Counter((w["fraud_type"],) for w in received),
        "first_calls": Counter(
            (w["risk_level"], w["first_call_by"], _seconds(w["time"], w["first_call_at"]))
            for w in received
            if w["first_call_at"]
        ),
        "actions": Counter((e["action"], e["outcome"]) for e in events if e["action"] in ("call", "sms", "visit")),
        "stations": stations,
        "officers": Counter(
            (e["officer"], e["action"], e["outcome"])
            for e in events
            if e["action"] in ("call", "escalate") or (e["action"], e["outcome"]) == ("stop-pay", "requested")
        ),
        "escalated": len({e["warning_id"] for e in escalations}),
        "by_station": Counter(
            {
                s: len({e["warning_id"] for e in escalations if e["station"] == s})
                for s in {e["station"] for e in escalations}
            }
        ),
        "channels": [
            sum(1 for e in escalations if c in (e["channels"] or "").split(","))
            for c in ("platform", "wechat", "phone")
        ],
        "earlier": Counter({(day, len(ids), calls, len(handed)): 1 for day, (ids, calls, handed) in earlier.items()}),
    }


def counted(counts: dict) -> dict:
    """The store's counts in expected()'s form: each list of rows a multiset of (key..., count)."""
    got = dict(counts)
    for name, width in (("fraud_types", 1), ("first_calls", 3), ("actions", 2), ("stations", 4), ("officers", 3)):
        got[name] = Counter({tuple(row[:width]): row[width] for row in counts[name]})
    got["by_station"] = Counter({station: n for station, n in counts["by_station"]})
    got["earlier"] = Counter(tuple(row) for row in counts["earlier"])
    return got


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=25))
def test_a_days_counts_are_what_its_rows_say(template, tmp_path_factory, steps):  # noqa: F811
    path = tmp_path_factory.mktemp("counts") / "fanzha.db"
    shutil.copy(template, path)
    conn = open_store(path, create=True)
    for batch, step in enumerate(steps, start=1):
        with contextlib.suppress(FanzhaError):
            act(conn, step, batch)
    day = FIRST
    while day <= LAST + timedelta(days=1):
        start, end = f"{day} 00:00:00", f"{day + timedelta(days=1)} 00:00:00"
        assert counted(conn.day_counts(start, end)) == expected(conn, start, end), (day, steps)
        day += timedelta(days=1)
    conn.close()
