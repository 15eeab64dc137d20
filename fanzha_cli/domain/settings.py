"""Settings kept in the database (``fanzha config``): their defaults, and the checks on a new value."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.values import is_control

if TYPE_CHECKING:  # for the type only: the engine is chosen by storage.open_store
    from fanzha_cli.storage.protocol import Store


class Whole(NamedTuple):
    """A whole number from ``minimum`` to ``maximum``, in ``unit``: bounds a desk can use, so that no limit
    ever reaches past the calendar (a cutoff of 10**30 minutes is an OverflowError, not a setting)."""

    minimum: int
    maximum: int
    unit: str = ""

    def describe(self) -> str:
        return f"a whole number from {self.minimum} to {self.maximum}" + (f" ({self.unit})" if self.unit else "")


class Text(NamedTuple):
    """One short line of text: not empty, at most ``maximum`` characters, no control characters."""

    maximum: int

    def describe(self) -> str:
        return f"a text of 1 to {self.maximum} characters on one line"


WEEK_MINUTES = 7 * 24 * 60
MONTH_HOURS = 30 * 24
# A call target only marks a warning late in the card and the report (it moves nothing in the queue), so a centre
# may set one far out to have no late marks at all; 90 days is far enough and nowhere near the calendar's end.
TARGET_MINUTES = 90 * 24 * 60

UP_TO_A_WEEK = Whole(1, WEEK_MINUTES, "minutes, up to a week")
UP_TO_30_DAYS = Whole(1, MONTH_HOURS, "hours, up to 30 days")
UP_TO_90_DAYS = Whole(1, TARGET_MINUTES, "minutes, up to 90 days")

# key: (default, the values it takes, what it means)
SETTINGS: dict[str, tuple[int | str, Whole | Text, str]] = {
    "district": ("新洲区", Text(40), "the district named in the call script and the SMS"),
    "retry_minutes": (
        15,
        Whole(0, WEEK_MINUTES, "minutes, up to a week"),
        "minutes before an unreachable warning is due for the next call",
    ),
    "max_attempts": (2, Whole(1, 20, "calls"), "failed calls after which a medium warning goes to its station"),
    "hold_minutes": (30, UP_TO_A_WEEK, "minutes a warning may stay in hand before it is overdue"),
    "station_hours": (24, UP_TO_30_DAYS, "hours a station has for its visit result on a medium warning"),
    "station_hours_urgent": (2, UP_TO_30_DAYS, "hours a station has for its visit result on a high or urgent warning"),
    "ack_minutes": (60, UP_TO_A_WEEK, "minutes a station has to acknowledge (签收) a medium warning handed to it"),
    "ack_minutes_urgent": (
        10,
        UP_TO_A_WEEK,
        "minutes a station has to acknowledge (签收) a high or urgent warning handed to it",
    ),
    "target_minutes_urgent": (
        5,
        UP_TO_90_DAYS,
        "minutes an urgent warning may wait for its call before it is marked late",
    ),
    "target_minutes_high": (10, UP_TO_90_DAYS, "minutes a high warning may wait for its call before it is marked late"),
    "target_minutes_medium": (
        60,
        UP_TO_90_DAYS,
        "minutes a medium warning may wait for its call before it is marked late",
    ),
    "skip_minutes": (10, UP_TO_A_WEEK, "minutes a warning you skip (release) is not handed to you again"),
    "reclaim_minutes": (
        60,
        UP_TO_A_WEEK,
        "minutes a warning may stay in a hand with nothing logged before the next `next` takes it back",
    ),
    "stop_pay_minutes": (30, UP_TO_A_WEEK, "minutes a stop-payment request may wait for the bank before it is overdue"),
    # 银发〔2016〕86号 (SPEC §7): an emergency stop-payment holds the account 48 hours, extended once at most
    "stop_pay_hours": (48, UP_TO_30_DAYS, "hours an emergency stop-payment holds the account (and an extension adds)"),
    "stop_pay_max": (2, Whole(1, 10, "stop-payments"), "emergency stop-payments of one account in all, extensions too"),
    "stop_pay_warn_hours": (
        6,
        UP_TO_30_DAYS,
        "hours before a hold ends, with no freeze, from which it is overdue: extend it or freeze the account",
    ),
    "freeze_months": (6, Whole(1, 24, "months"), "months a formal freeze (冻结) lasts unless --until says otherwise"),
    "backup_keep": (14, Whole(1, 1000, "backups"), "backups of the database kept in a backup folder: older ones go"),
}


class SettingError(FanzhaError):
    pass


def load(store: Store) -> dict[str, int | str]:
    """Every setting: the stored value where the officer set one, else the default.

    A stored value this release would refuse (kept by an older one, which checked less, or written by hand) never
    stops the desk: a number out of range counts as its nearest bound, anything else as the default.
    """
    stored = store.get_settings()
    return {key: _stored(key, stored[key]) if key in stored else default for key, (default, *_) in SETTINGS.items()}


def change(store: Store, key: str, text: str) -> int | str:
    value = _convert(key, text)
    with store.transaction():
        store.put_setting(key, str(value))
    return value


def _stored(key: str, text) -> int | str:
    default, kind, _ = SETTINGS[key]
    try:
        return _convert(key, str(text))
    except SettingError:
        pass
    if isinstance(kind, Whole):
        try:
            return min(max(int(str(text).strip()), kind.minimum), kind.maximum)
        except ValueError:
            return default
    cleaned = " ".join("".join(" " if is_control(char) else char for char in str(text)).split())[: kind.maximum]
    return cleaned or default


def _convert(key: str, text: str) -> int | str:
    if key not in SETTINGS:
        raise SettingError(f"unknown setting '{key}'; the settings are: {', '.join(SETTINGS)}")
    kind = SETTINGS[key][1]
    if isinstance(kind, Text):
        value = text.strip()
        if not value:
            raise SettingError(f"{key} cannot be empty: it takes {kind.describe()}")
        if len(value) > kind.maximum:
            raise SettingError(f"{key} is {len(value):,} characters long: it takes {kind.describe()}")
        if any(is_control(char) for char in value):
            raise SettingError(f"{key} holds a control character or a line break: it takes {kind.describe()}")
        return value
    try:
        value = int(text)
    except ValueError:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise SettingError(f"{key} takes {kind.describe()}, not '{shown}'") from None
    if not kind.minimum <= value <= kind.maximum:
        shown = str(value) if len(str(value)) <= 40 else f"a number of {len(str(value)):,} digits"
        raise SettingError(f"{key} must be {kind.describe()}, not {shown}")
    return value
