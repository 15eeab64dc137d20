"""The station's side of a hand-over (SPEC §9): what waits at a station for its visit, with its clocks, and the
hand-over written as a message for the station's WeChat group or its duty phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from fanzha_cli.domain.script import tip
from fanzha_cli.domain.supervision import ack_minutes, station_minutes
from fanzha_cli.domain.values import format_time, mask_phone
from fanzha_cli.domain.vocab import RISK_LABELS_ZH, RISK_LEVELS

if TYPE_CHECKING:
    from fanzha_cli.domain.desk import Desk


def inbox(desk: Desk, station: str) -> list[dict]:
    """The warnings waiting at ``station`` for its visit, the most urgent first, each with its clocks: minutes
    since the hand-over (or since the last visit that did not find the person), when it must be acknowledged and
    whether it is late, when the visit result is due."""
    return [_with_clocks(desk, warning) for warning in desk.store.station_inbox(station)]


def _with_clocks(desk: Desk, warning: dict) -> dict:
    handed = datetime.fromisoformat(warning["station_since"])
    ack_due = _due(warning, ack_minutes(desk.settings, warning))
    visit_due = _due(warning, station_minutes(desk.settings, warning))
    return {
        "id": warning["id"],
        "risk": RISK_LEVELS[warning["risk_level"]],
        "time": warning["time"],
        "fraud_type": warning["fraud_type"],
        "name": warning["name"],
        "phone": warning["phone"],  # in full: the station must reach the person
        "address": warning["address"],
        "since": warning["station_since"],
        "minutes_since": max(0, int((desk.now - handed).total_seconds() // 60)),
        "acked_at": warning["acked_at"],
        "ack_due": format_time(ack_due),
        "ack_late": warning["acked_at"] is None and desk.now > ack_due,
        "visit_due": format_time(visit_due),
        "visit_late": desk.now > visit_due,
        "visits": warning["visits"],
    }


def mask_name(name: str) -> str:
    """``张*``, ``欧阳**``: the family name only (a chat group is no place for personal data)."""
    name = name.strip()
    family = 2 if len(name) >= 4 else 1
    return name[:family] + "*" * (len(name) - family)


def message(desk: Desk, warning: dict, *, full: bool = False) -> str:
    """The hand-over as a message ready to paste into the station's WeChat group: risk, time, fraud type, what to
    do and by when, the warning id, the name and the phone masked; ``full`` adds the phone and the address, for a
    call to the station's duty phone."""
    station = warning["escalated_to"] or warning["station"]
    ack = ack_minutes(desk.settings, warning)
    visit = station_minutes(desk.settings, warning)
    phone = warning["phone"] if full else mask_phone(warning["phone"])
    kind = _one_line(warning["fraud_type"] or "未填写")
    lines = [
        f"【反诈预警移交】{station}",
        f"风险：{RISK_LABELS_ZH[warning['risk_level']]}　预警时间：{warning['time']}",
        f"类型：{kind}",
        f"对象：{mask_name(_one_line(warning['name']))}　电话：{phone}",
    ]
    if full and warning["address"]:
        lines.append(f"住址：{_one_line(warning['address'])}")
    ack_by, visit_by = f"{_spoken(ack)}内{_by(warning, ack)}", f"{_spoken(visit)}内{_by(warning, visit)}"
    lines += [
        f"要求：请于{ack_by}签收，{visit_by}上门或电话劝阻并反馈结果。",
        f"提示：{tip(warning['fraud_type'])}",
        f"预警编号：{warning['id']}（签收：fanzha ack {warning['id']}）",
    ]
    return "\n".join(lines)


def _by(warning: dict, minutes: int) -> str:
    """（11-26 17:33前）: the deadline itself, from the hand-over; nothing before there is one."""
    return f"（{_due(warning, minutes):%m-%d %H:%M}前）" if warning["station_since"] else ""


def _due(warning: dict, minutes: int) -> datetime:
    """When a limit of ``minutes`` from the station's having the warning runs out."""
    return datetime.fromisoformat(warning["station_since"]) + timedelta(minutes=minutes)


def _one_line(text: str) -> str:
    """A value of the platform's on one line of the message: a line break in it must not forge a line."""
    return " ".join(text.split())


def _spoken(minutes: int) -> str:
    """``10分钟``, ``2小时``, ``1天``: a limit as a station's officer reads it."""
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}天"
    if minutes % 60 == 0:
        return f"{minutes // 60}小时"
    return f"{minutes}分钟"
