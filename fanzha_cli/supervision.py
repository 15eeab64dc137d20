"""Supervision (督, SPEC §3): what is overdue, by the limits in the settings."""

from __future__ import annotations

from datetime import timedelta

from fanzha_cli import store
from fanzha_cli.values import format_time


def overdue_filter(desk) -> tuple[str, dict]:
    """The SQL condition for overdue warnings at the desk's ``now``: in hand too long, a retry past due, or a
    station without a visit result after its limit (shorter for high and urgent warnings)."""
    limits = desk.settings
    now = desk.now
    cutoffs = {
        "hold_cutoff": format_time(now - timedelta(minutes=limits["hold_minutes"])),
        "station_cutoff": format_time(now - timedelta(hours=limits["station_hours"])),
        "station_cutoff_urgent": format_time(now - timedelta(hours=limits["station_hours_urgent"])),
    }
    return store.overdue_condition(format_time(now), cutoffs)
