"""The shapes that leave the program as JSON (README "JSON output"), as pydantic models.

Imported only by the ``--json`` of the import and the stations: pydantic costs ~40-60 ms of start-up, more than a
whole `list` on two million warnings, so the desk's reads (next, list, show, find) write their JSON with the
standard library and tests hold every one of them to these shapes (tests/test_json_shapes.py). Per-row validation
on import would cost ~0.17 s per 100,000 rows, so rows are checked by fanzha_cli.files.importer's own code instead.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model

from fanzha_cli.domain.model import CARD_FIELDS
from fanzha_cli.output import json_indent


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RejectedRow(_Shape):
    line: int
    reason: str


class ImportReport(_Shape):
    """SPEC §5: exactly these keys."""

    file: str
    rows: int
    new: int
    duplicate: int
    rejected: int
    rejects: list[RejectedRow]


class Station(_Shape):
    name: str
    duty_phone: str | None
    wechat_group: str | None


class Login(_Shape):
    """`admin user list --json`: a login of centre mode and its role (SPEC §9)."""

    login: str
    role: str
    station: str | None
    can_login: bool
    owner: bool


def dump(shape, value) -> str:
    """``value`` (plain data) checked against ``shape`` and rendered as JSON with readable Chinese, laid out as
    every other `--json` (output.json_indent)."""
    import json

    adapter = TypeAdapter(shape)
    checked = adapter.dump_python(adapter.validate_python(value), mode="json")
    return json.dumps(checked, ensure_ascii=False, indent=json_indent())


class StationContact(_Shape):
    duty_phone: str | None
    wechat_group: str | None


class Card(_Shape):
    """A warning: `next --json` (phone in full, with the script) and each item of `list --json` (phone masked)."""

    id: str
    time: str
    risk: str
    fraud_type: str | None
    name: str
    phone: str
    station: str
    status: str
    attempts: int
    escalated: bool
    script: str | None
    waiting_minutes: int
    target_minutes: int
    late: bool
    first_call_at: str | None
    holder: str | None
    due_at: str | None
    escalated_to: str | None
    escalated_at: str | None
    acked_at: str | None
    visit_result: str | None
    closed_at: str | None
    station_contact: StationContact | None


# and the imported fields the card shows (domain.model: the address, the clue, ...), each text or none
Card = create_model(
    "Card", __base__=Card, __doc__=Card.__doc__, **{field.column: (str | None, ...) for field in CARD_FIELDS}
)


class Shown(Card):
    """`show ID --json`: the card with the whole timeline, each event at least {"at", "action", "officer"}."""

    events: list[dict[str, Any]]
    clock: dict[str, int | None]
    stop_payments: list[dict[str, Any]]  # each as in `stop-pay list --json`


class OverdueReason(_Shape):
    reason: str  # hold_ending, in_hand, retry, ack, station, stop_pay
    since: str
    limit_minutes: int
    minutes_over: int
    station: str | None = None  # for ack and station: the station that has it
    hold_until: str | None = None  # for hold_ending: when the stop-payment's hold ends
    ended: bool | None = None  # for hold_ending: whether it has ended


class ListedCard(Card):
    """An item of `list --json`: the card (phone masked, no script) and why it is overdue, if it is."""

    overdue: list[OverdueReason]


Listed = list[ListedCard]


class Found(ListedCard):
    """An item of `find --json`: a listed card, with how many earlier warnings the person has and what matched."""

    earlier_warnings: int
    matched_by: list[str]


class WaitingAtStation(_Shape):
    """An item of `inbox --json`: a warning waiting at the station for its visit, the person in full."""

    id: str
    risk: str
    time: str
    fraud_type: str | None
    name: str
    phone: str
    address: str | None
    since: str
    minutes_since: int
    acked_at: str | None
    ack_due: str
    ack_late: bool
    visit_due: str
    visit_late: bool
    visits: int


class Inbox(_Shape):
    """`inbox --json`."""

    station: str
    warnings: list[WaitingAtStation]


class Acknowledged(_Shape):
    """`ack ID --json`: the minutes from the hand-over to the acknowledgement."""

    warning: str
    station: str
    minutes: int | float  # to a tenth, a whole number as a whole number


class Handover(_Shape):
    """`handover ID --json`: the message for the station's group (or, with --full, its duty phone)."""

    warning: str
    station: str
    message: str
