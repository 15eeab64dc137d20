"""Supervision (督, SPEC §3): what is overdue, by the limits in the settings."""

from __future__ import annotations

from datetime import timedelta

from fanzha_cli import store
from fanzha_cli.values import format_time


def overdue_limits(desk) -> dict[str, str]:
    """The cutoffs of store.OVERDUE at the desk's ``now``: in hand too long, a retry past due, or a station without
    a visit result after its limit (shorter for high and urgent warnings)."""
    limits = desk.settings
    now = desk.now
    return {
        "now": format_time(now),
        "hold_cutoff": format_time(now - timedelta(minutes=limits["hold_minutes"])),
        "station_cutoff": format_time(now - timedelta(hours=limits["station_hours"])),
        "station_cutoff_urgent": format_time(now - timedelta(hours=limits["station_hours_urgent"])),
        "stop_pay_cutoff": format_time(now - timedelta(minutes=limits["stop_pay_minutes"])),
    }


def reminder(desk) -> str | None:
    """One line for the top of `next` when anything is overdue, else None."""
    counts = store.count_overdue(desk.conn, overdue_limits(desk))
    if not any(counts.values()):
        return None
    words = {
        "in_hand": "in hand too long",
        "retry": "retries past due",
        "station": "with stations past their limit",
        "stop_pay": "with a stop-payment the bank has not answered",
    }
    parts = ", ".join(f"{count} {words[kind]}" for kind, count in counts.items() if count)
    return f"督办 overdue: {parts} — see `fanzha list --overdue`"
