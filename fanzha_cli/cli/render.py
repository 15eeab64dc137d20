"""A warning as the desk shows it — its card, its view in a list or --json — and the empty queue: what `next`,
`show`, `list`, `find` and desk mode share."""

from datetime import datetime

from fanzha_cli import output
from fanzha_cli.domain.desk import Desk
from fanzha_cli.domain.model import CARD_FIELDS
from fanzha_cli.domain.script import call_script
from fanzha_cli.domain.values import format_time, mask_numbers, mask_phone, parse_risk, risk_name
from fanzha_cli.domain.vocab import RISK_LABELS_ZH, STATUS_LABELS_ZH
from fanzha_cli.output import counted, err, out, out_json, spoken_duration

RISK_STYLE = {1: "yellow", 2: "bold red", 3: "bold white on red"}


def warning_view(desk: Desk, warning: dict, *, full_phone: bool, contacts: dict | None = None) -> dict:
    """A warning as the officer and --json see it (SPEC §4's keys first). ``contacts`` (station name → row), when
    given, saves a query per warning of a list."""
    station_name = warning["escalated_to"] or warning["station"]
    contact = desk.store.get_station(station_name) if contacts is None else contacts.get(station_name)
    target = desk.settings[f"target_minutes_{risk_name(warning['risk_level'])}"]
    waiting = minutes_between(warning["time"], desk.now)
    return {
        "id": warning["id"],
        "time": warning["time"],
        "risk": risk_name(warning["risk_level"]),
        "fraud_type": warning["fraud_type"],
        # a name is shown as the platform sent it, but never carries a phone in full onto a list or a report
        "name": warning["name"] if full_phone else mask_numbers(warning["name"]),
        "phone": warning["phone"] if full_phone else mask_phone(warning["phone"]),
        "station": warning["station"],
        "status": warning["status"],
        "attempts": warning["attempts"],
        "escalated": warning["escalated_at"] is not None,
        "script": call_script(warning, desk.settings["district"]) if full_phone else None,
        "waiting_minutes": waiting,
        "target_minutes": target,
        "late": warning["first_call_at"] is None and waiting > target,
        "first_call_at": warning["first_call_at"],
        "holder": warning["holder"],
        "due_at": warning["due_at"],
        "escalated_to": warning["escalated_to"],
        "escalated_at": warning["escalated_at"],
        "acked_at": warning["acked_at"],
        "visit_result": warning["visit_result"],
        "closed_at": warning["closed_at"],
        **{field.column: warning[field.column] for field in CARD_FIELDS},  # the address, the clue, ...
        "station_contact": contact and {"duty_phone": contact["duty_phone"], "wechat_group": contact["wechat_group"]},
    }


_PLACED = ("address", "clue")


def more_on_card(view: dict) -> list[tuple[tuple[str, str], str]]:
    """The card's other imported fields, after the address and the clue (which have their own places): their
    labels (Chinese, English) and values, those given."""
    return [
        (field.label, view[field.column]) for field in CARD_FIELDS if field.column not in _PLACED and view[field.column]
    ]


def minutes_between(start: str, now: datetime) -> int:
    return max(0, int((now - datetime.fromisoformat(start)).total_seconds() // 60))


def phone_groups(phone: str) -> str:
    """138 1234 5678: read at a glance while dialling."""
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def dump_json(value) -> None:
    """JSON of the desk's reads, by the standard library: importing pydantic would double the start-up of `list
    --json`. Its shape is fanzha_cli.cli.schemas's (Card, ListedCard, Found, Shown), which tests hold every output
    to."""
    out_json(value)


def empty_queue(desk: Desk) -> str:
    """Nothing is due: say what the queue is waiting for, or that nothing was imported yet."""
    outlook = desk.store.queue_outlook()
    if not outlook["any"]:
        return "队列已空 — nothing imported yet: `fanzha import FILE` brings the platform's export in"
    parts = []
    if outlook["next_retry"]:
        wait = minutes_between(format_time(desk.now), datetime.fromisoformat(outlook["next_retry"]))
        parts.append(f"the next retry is due at {outlook['next_retry'][11:16]} (in {spoken_duration(wait)})")
    if outlook["at_stations"]:
        parts.append(f"{counted(outlook['at_stations'], 'warning')} wait for their station's visit")
    if outlook["in_hands"]:
        parts.append(f"{outlook['in_hands']} in other officers' hands")
    return "队列已空 — nothing is due now" + (": " + "; ".join(parts) if parts else ". Everything is handled.")


def remind(desk: Desk) -> None:
    from fanzha_cli.domain.supervision import reminder

    line = reminder(desk)
    if line:
        err(line, "bold yellow")


def show_card(view: dict) -> None:
    level = parse_risk(view["risk"])
    banner = None
    if level >= 2 and not view["escalated"]:
        banner = f"立即推送 {view['station']}（平台、微信、电话）— {view['risk'].upper()}: dispatch to the station now"
    contact = view["station_contact"] or {}
    station_line = f"{view['escalated_to'] or view['station']}"
    if contact:
        station_line += f"  值班 {contact['duty_phone'] or '—'}  微信群 {contact['wechat_group'] or '—'}"
    else:
        station_line += "  (not in the station list: no contacts)"
    if view["escalated_to"]:
        acked = view["acked_at"]
        station_line += f"  已签收 acknowledged {acked[11:16]}" if acked else "  未签收 not acknowledged"
    waited = f"{view['time'][5:16]} 起 等待 {spoken_duration(view['waiting_minutes'])}"
    if view["late"]:
        waited += f" ⚠ 超时 past the {view['target_minutes']}-min target"
    facts = (
        f"{RISK_LABELS_ZH[level]} {view['risk']}  ·  {view['fraud_type'] or '类型未知'}  ·  "
        f"{waited}  ·  已呼叫 {view['attempts']} 次"
    )
    if output.is_terminal():  # a terminal gets the tables; NO_COLOR takes only the colour away (Rich honours it)
        _rich_card(view, level, banner, facts, station_line)
        return
    lines = [f"{view['id']}  [{view['status']}]", facts, f"姓名 name: {view['name']}"]
    lines += [f"电话 phone: {phone_groups(view['phone'])}", f"派出所 station: {station_line}"]
    if view["address"]:
        lines.append(f"住址 address: {view['address']}")
    if banner:
        lines.append(f"!! {banner}")
    if view["clue"]:
        lines.append(f"线索 clue: {view['clue']}")
    lines += [f"{zh} {en}: {value}" for (zh, en), value in more_on_card(view)]
    lines += ["话术 script:", *(f"  {line}" for line in view["script"].splitlines())]
    out("\n".join(lines))


def _rich_card(view: dict, level: int, banner: str | None, facts: str, station_line: str) -> None:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    from fanzha_cli.output import console, visible

    def text(value: str, style: str = "") -> Text:
        return Text(visible(value), style=style)

    parts = [
        text(facts, RISK_STYLE[level]),
        text(view["name"], "bold"),
        text(phone_groups(view["phone"]), "bold cyan"),
        text(f"派出所 {station_line}"),
    ]
    if view["address"]:
        parts.append(text(f"住址 {view['address']}"))
    if banner:
        parts.append(text(f"⚠ {banner}", "bold white on red"))
    if view["clue"]:
        parts.append(text(f"线索 {view['clue']}", "dim"))
    parts += [text(f"{zh} {value}", "dim") for (zh, _), value in more_on_card(view)]
    parts += [text(""), text(view["script"])]
    title = text(f"{view['id']} · {STATUS_LABELS_ZH[view['status']]}")
    console().print(Panel(Group(*parts), title=title, border_style=RISK_STYLE[level].split()[-1]))
