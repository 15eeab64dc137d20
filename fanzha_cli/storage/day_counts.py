"""Every count a day's figures are made of (domain.report.period), in one statement that reads the day's warnings
once and its standing events once, written in the SQL both engines speak; each store fills in its own words
(placeholders, JSON arrays, seconds between two times, a field of an event's details).

Eleven statements each read the day again before (13,000 warnings and twice as many events a day in a city): on
PostgreSQL a worked day's figures took 110 ms of the server's time, 45 ms in one statement. Each count comes back
as a JSON array, so that the one row carries lists of any length: ``read`` makes them plain lists."""

from __future__ import annotations

from collections.abc import Callable

from fanzha_cli.domain.model import DISPOSITIONS
from fanzha_cli.storage.events_sql import DISPOSING, STANDS

# The counts, in the statement's order, each a list of rows (``totals`` and ``channels``: one row):
#   totals       received, disposed, closed, open, high_not_escalated, medium, high, urgent
#   fraud_types  (fraud type, warnings)
#   first_calls  (risk level, officer, whole seconds from the warning's time, warnings): warnings first called, by
#                the officer (none when another program logged it), after so many seconds (below 0 when stamped
#                ahead of the clock), counted by each value: a median or a P90 from them is exact, and they add up
#                over days
#   actions      (action, outcome, events) of the standing calls, SMS and visits
#   stations     (station, action, outcome, seconds, events): the standing acknowledgements (seconds from the
#                hand-over, its ``handed_at``; no outcome) and visits (their outcome, under the station that
#                reported it: a move's is the one it came from, its ``moved_from``), and ('moved in', None, None)
#                for the warnings moved to a station
#   officers     (officer, action, outcome, events) of the standing calls, escalations and stop-payment requests
#   escalated    warnings handed to a station (once, however many channels or moves)
#   by_station   (station, warnings handed to it)
#   channels     platform, wechat, phone: escalation events that used each
#   earlier      (day received, warnings, calls, escalated) of the warnings received before the day and acted on
#                in it (a disposition: domain.model.DISPOSITIONS)
COUNTS = (
    "totals",
    "fraud_types",
    "first_calls",
    "actions",
    "stations",
    "officers",
    "escalated",
    "by_station",
    "channels",
    "earlier",
)
CHANNELS = ("platform", "wechat", "phone")
_ACTIONS = ", ".join(f"'{action}'" for action in (*DISPOSITIONS, "ack"))


def statement(
    param: Callable[[str], str],
    array: str,
    group_array: str,
    seconds: Callable[[str, str], str],
    detail: Callable[[str], str],
) -> str:
    """The statement in one engine's words: ``param(name)`` a placeholder; ``array`` and ``group_array`` the
    functions that make a JSON array of values and of rows; ``seconds(start, end)`` the whole seconds between two
    stored times; ``detail(key)`` a field of an event's JSON details."""
    start, end = param("start"), param("end")

    def rows(columns: int, query: str) -> str:
        names = ", ".join(f"c{n}" for n in range(columns))
        return f"(WITH g ({names}) AS ({query}) SELECT {group_array}({array}({names})) FROM g)"

    received = f"""
        SELECT id, risk_level, fraud_type, status, first_call_by, first_call_at IS NOT NULL AS called,
            escalated_at IS NOT NULL AS escalated,
            CASE WHEN first_call_at IS NOT NULL THEN {seconds("time", "first_call_at")} END AS first_call
        FROM warnings WHERE time >= {start} AND time < {end}"""
    acted = f"""
        SELECT warning_id, action, outcome, officer, station, channels,
            CASE WHEN action = 'visit' AND outcome = 'moved' THEN coalesce({detail("moved_from")}, station)
                ELSE station END AS reported_by,
            CASE WHEN action = 'ack' THEN {seconds(detail("handed_at"), "at")} END AS ack_seconds
        FROM events e WHERE at >= {start} AND at < {end} AND action IN ({_ACTIONS}) AND {STANDS}"""
    by_level = ", ".join(f"count(*) FILTER (WHERE risk_level = {level})" for level in (1, 2, 3))
    by_channel = ", ".join(f"count(*) FILTER (WHERE ',' || channels || ',' LIKE {param(c)})" for c in CHANNELS)
    counts = [
        f"""(SELECT {array}(count(*), count(*) FILTER (WHERE called OR escalated),
            count(*) FILTER (WHERE status = 'closed'), count(*) FILTER (WHERE status != 'closed'),
            count(*) FILTER (WHERE risk_level >= 2 AND NOT escalated), {by_level}) FROM received)""",
        rows(2, "SELECT fraud_type, count(*) FROM received GROUP BY fraud_type"),
        rows(4, "SELECT risk_level, first_call_by, first_call, count(*) FROM received WHERE called GROUP BY 1, 2, 3"),
        rows(3, "SELECT action, outcome, count(*) FROM acted WHERE action IN ('call', 'sms', 'visit') GROUP BY 1, 2"),
        rows(
            5,
            """SELECT reported_by, action, CASE WHEN action = 'visit' THEN outcome END, ack_seconds, count(*)
            FROM acted WHERE action IN ('ack', 'visit') GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT station, 'moved in', NULL, NULL, count(*) FROM acted
            WHERE action = 'visit' AND outcome = 'moved' GROUP BY 1""",
        ),
        rows(
            4,
            """SELECT officer, action, outcome, count(*) FROM acted
            WHERE action IN ('call', 'escalate') OR action = 'stop-pay' AND outcome = 'requested' GROUP BY 1, 2, 3""",
        ),
        "(SELECT count(DISTINCT warning_id) FROM acted WHERE action = 'escalate')",
        rows(2, "SELECT station, count(DISTINCT warning_id) FROM acted WHERE action = 'escalate' GROUP BY station"),
        f"(SELECT {array}({by_channel}) FROM acted WHERE action = 'escalate')",
        # the day's own warnings left out first (a set in memory), so that only the others are looked up by key
        rows(
            4,
            f"""SELECT substr(w.time, 1, 10), count(DISTINCT a.warning_id), count(*) FILTER (WHERE a.action = 'call'),
                count(DISTINCT CASE WHEN a.action = 'escalate' THEN a.warning_id END)
            FROM acted a JOIN warnings w ON w.id = a.warning_id
            WHERE a.action IN ({DISPOSING}) AND a.warning_id NOT IN (SELECT id FROM received) AND w.time < {start}
            GROUP BY 1""",
        ),
    ]
    return f"""
        WITH received AS MATERIALIZED ({received}),
        acted AS MATERIALIZED ({acted})
        SELECT {", ".join(counts)}"""


def params(start: str, end: str) -> dict[str, str]:
    return {"start": start, "end": end} | {channel: f"%,{channel},%" for channel in CHANNELS}


def read(row: tuple) -> dict[str, list | int]:
    """The statement's row as plain data: each JSON array decoded (a driver may have done it), none as []."""
    import json

    counts = {}
    for name, value in zip(COUNTS, row, strict=True):
        counts[name] = json.loads(value) if isinstance(value, str) else value if value is not None else []
    return counts
