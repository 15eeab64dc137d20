"""Supervision (督, SPEC §3): what is overdue, by the limits in the settings."""

from __future__ import annotations

from datetime import datetime, timedelta

from fanzha_cli.domain.values import format_time

# The cutoffs overdue_limits gives (the parameters of every store's overdue statements)
CUTOFF_KEYS = (
    "now",
    "hold_cutoff",
    "station_cutoff",
    "station_cutoff_urgent",
    "ack_cutoff",
    "ack_cutoff_urgent",
    "stop_pay_cutoff",
    "hold_warn_cutoff",
)


def overdue_limits(desk) -> dict[str, str]:
    """The cutoffs of the overdue counts (Store.count_overdue) at the desk's ``now``: in hand too long, a retry
    past due, a station without a visit result after its limit, a hand-over its station has not acknowledged after
    its limit (each shorter for high and urgent warnings)."""
    limits = desk.settings
    now = desk.now
    return {
        "now": format_time(now),
        "hold_cutoff": format_time(now - timedelta(minutes=limits["hold_minutes"])),
        "station_cutoff": format_time(now - timedelta(hours=limits["station_hours"])),
        "station_cutoff_urgent": format_time(now - timedelta(hours=limits["station_hours_urgent"])),
        "ack_cutoff": format_time(now - timedelta(minutes=limits["ack_minutes"])),
        "ack_cutoff_urgent": format_time(now - timedelta(minutes=limits["ack_minutes_urgent"])),
        "stop_pay_cutoff": format_time(now - timedelta(minutes=limits["stop_pay_minutes"])),
        # a hold that ends before this, with no freeze nor release, is overdue (SPEC §7)
        "hold_warn_cutoff": format_time(now + timedelta(hours=limits["stop_pay_warn_hours"])),
    }


def reasons_of(desk, rows: list[dict]) -> list[list[dict]]:
    """Why each warning of ``rows`` is overdue (overdue_reasons), their stop-payments read once for all of them."""
    ids = [row["id"] for row in rows]
    stop_pay = (desk.store.oldest_open_requests(ids), desk.store.ending_holds(ids)) if ids else ({}, {})
    return [overdue_reasons(desk, row, stop_pay) for row in rows]


def overdue_reasons(desk, warning: dict, stop_pay: tuple[dict[str, str], dict[str, str]]) -> list[dict]:
    """Why a warning is overdue, each with how far past its limit: ``[{"reason", "since", "limit_minutes",
    "minutes_over"}]``, empty when it is not. ``stop_pay``: warnings to their oldest open stop-payment, and to the
    end of their first hold with no freeze nor release (a hold is late from stop_pay_warn_hours before its end)."""
    limits, now = desk.settings, desk.now
    unanswered, ending = stop_pay
    clocks = []
    if warning["id"] in ending:
        warned = datetime.fromisoformat(ending[warning["id"]]) - timedelta(hours=limits["stop_pay_warn_hours"])
        clocks.append(("hold_ending", format_time(warned), 0))
    if warning["status"] == "taken" and warning["held_since"]:
        clocks.append(("in_hand", warning["held_since"], limits["hold_minutes"]))
    if warning["status"] == "retry" and warning["due_at"]:
        clocks.append(("retry", warning["due_at"], 0))
    if warning["station_since"] and not warning["closed_at"] and warning["visit_result"] != "dissuaded":
        clocks.append(("station", warning["station_since"], station_minutes(limits, warning)))
    if warning["station_since"] and not warning["closed_at"] and not warning["acked_at"]:
        clocks.append(("ack", warning["station_since"], ack_minutes(limits, warning)))
    if warning["id"] in unanswered:
        clocks.append(("stop_pay", unanswered[warning["id"]], limits["stop_pay_minutes"]))
    reasons = []
    for reason, since, limit in clocks:
        elapsed = (now - datetime.fromisoformat(since)).total_seconds() / 60
        if elapsed > limit:
            over = int(elapsed - limit)
            late = {"reason": reason, "since": since, "limit_minutes": limit, "minutes_over": over}
            if reason in ("ack", "station"):  # the station that owes it, which a move may have changed
                late["station"] = warning["escalated_to"]
            if reason == "hold_ending":  # when the money goes, if nobody extends the hold or freezes the account
                late["hold_until"] = ending[warning["id"]]
                late["ended"] = ending[warning["id"]] <= format_time(now)
            reasons.append(late)
    return reasons


def station_minutes(limits: dict, warning: dict) -> int:
    """Minutes the warning's station has for its visit result (SPEC §3)."""
    return 60 * (limits["station_hours_urgent"] if warning["risk_level"] >= 2 else limits["station_hours"])


def ack_minutes(limits: dict, warning: dict) -> int:
    """Minutes the warning's station has to acknowledge the hand-over (SPEC §9)."""
    return limits["ack_minutes_urgent"] if warning["risk_level"] >= 2 else limits["ack_minutes"]


def reminder(desk) -> str | None:
    """One line for the top of `next` when anything is overdue, else None."""
    counts = desk.store.count_overdue(overdue_limits(desk))
    if not any(counts.values()):
        return None
    words = {  # (one, several)
        "hold_ending": (
            "with a stop-payment hold ending: extend it or freeze the account",
            "with stop-payment holds ending: extend them or freeze the accounts",
        ),
        "in_hand": ("in hand too long", "in hand too long"),
        "retry": ("retry past due", "retries past due"),
        "station": ("with its station past the limit", "with stations past their limit"),
        "ack": ("not acknowledged by its station", "not acknowledged by their stations"),
        "stop_pay": ("with a stop-payment the bank has not answered", "with stop-payments the bank has not answered"),
    }
    parts = ", ".join(f"{count} {words[kind][count > 1]}" for kind, count in counts.items() if count)
    return f"督办 overdue: {parts} — see `fanzha list --overdue`"
