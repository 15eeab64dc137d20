"""Settings kept in the database (``fanzha config``): their defaults, and the checks on a new value."""

from __future__ import annotations

import sqlite3

from fanzha_cli import store
from fanzha_cli.errors import FanzhaError

# key: (default, minimum for whole numbers or None for text, what it means)
SETTINGS: dict[str, tuple[int | str, int | None, str]] = {
    "district": ("新洲区", None, "the district named in the call script and the SMS"),
    "retry_minutes": (15, 0, "minutes before an unreachable warning is due for the next call"),
    "max_attempts": (2, 1, "failed calls after which a medium warning goes to its station"),
    "hold_minutes": (30, 1, "minutes a warning may stay in hand before it is overdue"),
    "station_hours": (24, 1, "hours a station has for its visit result on a medium warning"),
    "station_hours_urgent": (2, 1, "hours a station has for its visit result on a high or urgent warning"),
    "target_minutes_urgent": (5, 1, "minutes an urgent warning may wait for its call before it is marked late"),
    "target_minutes_high": (10, 1, "minutes a high warning may wait for its call before it is marked late"),
    "target_minutes_medium": (60, 1, "minutes a medium warning may wait for its call before it is marked late"),
    "stop_pay_minutes": (30, 1, "minutes a stop-payment request may wait for the bank before it is overdue"),
}


class SettingError(FanzhaError):
    pass


def load(conn: sqlite3.Connection) -> dict[str, int | str]:
    """Every setting: the stored value where the officer set one, else the default."""
    stored = store.get_settings(conn)
    return {key: _convert(key, stored[key]) if key in stored else default for key, (default, *_) in SETTINGS.items()}


def change(conn: sqlite3.Connection, key: str, text: str) -> int | str:
    value = _convert(key, text)
    with store.transaction(conn):
        store.put_setting(conn, key, str(value))
    return value


def _convert(key: str, text: str) -> int | str:
    if key not in SETTINGS:
        raise SettingError(f"unknown setting {key!r}; the settings are: {', '.join(SETTINGS)}")
    minimum = SETTINGS[key][1]
    if minimum is None:
        if not text.strip():
            raise SettingError(f"{key} cannot be empty")
        return text.strip()
    try:
        value = int(text)
    except ValueError:
        raise SettingError(f"{key} takes a whole number, not {text!r}") from None
    if value < minimum:
        raise SettingError(f"{key} must be at least {minimum}")
    return value
