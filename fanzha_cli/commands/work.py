"""Presentation of the desk commands: next, log, escalate, visit, release, note, undo, show, list, config."""

from __future__ import annotations

from datetime import datetime

from fanzha_cli import output
from fanzha_cli.domain.desk import Desk, read_word
from fanzha_cli.domain.model import OPEN_STATUSES
from fanzha_cli.domain.script import call_script
from fanzha_cli.domain.values import format_time, mask_numbers, mask_phone, parse_risk, risk_name
from fanzha_cli.domain.vocab import (
    ACTION_ZH,
    OPEN_WORDS,
    OVERDUE_REASON_WORDS,
    RISK_LABELS_ZH,
    STATUS_LABELS_ZH,
    STATUS_WORDS,
)
from fanzha_cli.output import counted, err, out, spoken_duration

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
        "visit_result": warning["visit_result"],
        "closed_at": warning["closed_at"],
        "address": warning["address"],
        "clue": warning["clue"],
        "station_contact": contact and {"duty_phone": contact["duty_phone"], "wechat_group": contact["wechat_group"]},
    }


def minutes_between(start: str, now: datetime) -> int:
    return max(0, int((now - datetime.fromisoformat(start)).total_seconds() // 60))


def phone_groups(phone: str) -> str:
    """138 1234 5678: read at a glance while dialling."""
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def dump_json(value) -> None:
    """JSON of the desk's reads, by the standard library: importing pydantic would double the start-up of `list
    --json`. Its shape is fanzha_cli.schemas's (Card, ListedCard, Found, Shown), which tests hold every output to."""
    import json

    out(json.dumps(value, ensure_ascii=False, indent=2))


# --- next ------------------------------------------------------------------------------------------------------


def run_next(session, *, as_json: bool) -> None:
    desk = Desk(session.open_store(), session.officer)
    warning, _taken_now = desk.take_next()
    if as_json:
        dump_json(warning and warning_view(desk, warning, full_phone=True))
        return
    remind(desk)
    if warning is None:
        out(empty_queue(desk), "green")
        return
    show_card(warning_view(desk, warning, full_phone=True))


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
    parts += [text(""), text(view["script"])]
    title = text(f"{view['id']} · {STATUS_LABELS_ZH[view['status']]}")
    console().print(Panel(Group(*parts), title=title, border_style=RISK_STYLE[level].split()[-1]))


# --- acts ------------------------------------------------------------------------------------------------------


def run_log(session, outcome: str, warning_id: str | None, note: str | None, at: str | None) -> int:
    """Log a call; 1 when the officer must look at something (a high/urgent warning closed, never handed over)."""
    return report_log(Desk(session.open_store(), session.officer).log(outcome, warning_id, note=note, at=at))


def report_log(result: dict) -> int:
    out(f"{result['warning']}: {result['outcome']} → {result['status']} ({STATUS_LABELS_ZH[result['status']]})")
    if result["sms"]:
        out(f"短信预警 SMS to send:\n  {result['sms']}")
    if result["escalated_to"]:
        out(f"→ handed to {result['escalated_to']} for a door visit (platform, WeChat, phone)", "bold")
    if result.get("never_handed_over"):
        err(
            f"note: {result['warning']} is high or urgent and was never handed to its station; it is closed as"
            " dissuaded by phone (`fanzha undo`, then `fanzha escalate`, if the station should still visit)",
            "bold yellow",
        )
        return 1
    return 0


def run_escalate(session, warning_id, station, via, note, at) -> None:
    result = Desk(session.open_store(), session.officer).escalate(
        warning_id, station=station, via=via, note=note, at=at
    )
    channels = ", ".join(result["channels"])
    out(f"{result['warning']}: handed to {result['station']} via {channels}")
    if result["status"] == "taken":
        out("  the call goes on: log its outcome when it ends")


def run_visit(session, warning_id, result_word, to, note, at) -> None:
    result = Desk(session.open_store(), session.officer).visit(warning_id, result_word, to=to, note=note, at=at)
    out(f"{result['warning']}: visit {result['result']} ({result['station']}) → {result['status']}")


def run_release(session, warning_id, at) -> None:
    desk = Desk(session.open_store(), session.officer)
    result = desk.release(warning_id, at=at)
    whose = "" if result["holder"] == session.officer else f" (was in {result['holder']}'s hand)"
    where = {"escalated": "back with its station", "closed": "closed (its station had dissuaded the person)"}
    out(f"{result['warning']}: {where.get(result['status'], 'back in the queue')}{whose}")


def run_undo(session, *, dry_run: bool = False) -> None:
    report_undo(Desk(session.open_store(), session.officer).undo(dry_run=dry_run))


def report_undo(result: dict) -> None:
    """``undone: call unreachable on WH… — it is new again``: the action first; a dry run says what it would do."""
    would = result.get("dry_run")
    what = result["undid"] + (f" {result['outcome']}" if result["outcome"] else "")
    back = ""
    if result["changed"]:
        back = f" — it would be {result['status']} again" if would else f" — it is {result['status']} again"
    if result.get("restored"):
        back += " — " + ", ".join(
            f"{key} {_edit_value(key, value['now'])} → {_edit_value(key, value['back_to'])}"
            for key, value in result["restored"].items()
        )
    if result["request"]:
        back += f" (stop-payment request {result['request']})"
    if would:
        out(f"would undo: {what} on {result['warning']}{back} (dry run: nothing changed)")
    else:
        out(f"undone: {what} on {result['warning']}{back}")
    if result["released"]:
        went = "would go" if would else "went"
        where = {"escalated": "to its station", "closed": "closed (its station had dissuaded the person)"}
        out(f"  {result['released']}, taken since, {went} {where.get(result['released_to'], 'back to the queue')}")


def run_edit(session, warning_id: str, fields: dict, note: str | None, at: str | None) -> None:
    """Correct an imported warning; print what changed, phones masked."""
    result = Desk(session.open_store(), session.officer).edit(warning_id, fields, note=note, at=at)
    if result["unlisted_station"]:
        err(
            f"note: station not in the list, kept as written: {result['unlisted_station']}."
            " Check the name, or add it with `fanzha stations add`.",
            "yellow",
        )
    if not result["changes"]:
        out(f"{result['warning']}: nothing to change — {', '.join(result['unchanged'])} already as given")
        return
    out(f"{result['warning']}: corrected {_edit_changes(result['changes'])}")
    if result["unchanged"]:
        out(f"  unchanged (already as given): {', '.join(result['unchanged'])}")


def _edit_changes(changes: dict) -> str:
    """``phone 138****5678 → 139****0000, name 周某 → 周某某``: phones masked."""
    return ", ".join(
        f"{key} {_edit_value(key, change['old'])} → {_edit_value(key, change['new'])}"
        for key, change in changes.items()
    )


def _edit_value(key: str, value: str | None) -> str:
    if value is None:
        return "(none)"
    return mask_phone(value) if key == "phone" else value


# --- show, list, config -----------------------------------------------------------------------------------------


def timeline(desk: Desk, warning: dict) -> list[dict]:
    import json

    batch = desk.store.batch_of(warning["batch_id"])
    entries = [{"at": batch["imported_at"], "action": "import", "officer": batch["officer"], "batch": batch["id"]}]
    for event in desk.store.warning_events(warning["id"]):
        details = json.loads(event["details"]) if event["details"] else {}
        details.pop("before", None)
        details.pop("before_request", None)
        changes = details.get("changes") if event["action"] == "edit" else None
        if changes and "phone" in changes:  # the log keeps an edit's numbers in full, for undo; shown, masked
            changes["phone"] = {key: number and mask_phone(number) for key, number in changes["phone"].items()}
        entry = {key: event[key] for key in ("at", "action", "officer", "outcome", "station", "logged_at")}
        entry |= {
            "channels": event["channels"].split(",") if event["channels"] else None,
            "undone": bool(event["undone"]),
        }
        entries.append({key: value for key, value in (entry | details).items() if value not in (None, False)})
    # in the order things happened: an --at action logged later goes back to its place (before the import, even,
    # when the call was made before the export arrived); sorted() keeps the log's order within one second
    return sorted(entries, key=lambda entry: entry["at"])


def clock(desk: Desk, warning: dict) -> dict:
    """SPEC §7's clock for one warning: minutes to its first call from the warning's time and from its import."""
    if warning["first_call_at"] is None:
        return {"first_call_from_warning": None, "first_call_from_import": None}
    called = datetime.fromisoformat(warning["first_call_at"])
    imported = datetime.fromisoformat(desk.store.batch_of(warning["batch_id"])["imported_at"])
    return {
        "first_call_from_warning": minutes_between(warning["time"], called),
        "first_call_from_import": max(0, int((called - imported).total_seconds() // 60)),
    }


def run_show(session, warning_id: str, *, as_json: bool) -> None:
    from fanzha_cli.domain import stoppay
    from fanzha_cli.domain.money import yuan_text

    desk = Desk(session.open_store(), session.officer)
    warning = desk.get(warning_id)
    view = warning_view(desk, warning, full_phone=True) | {
        "events": timeline(desk, warning),
        "clock": clock(desk, warning),
    }
    requests = [
        stoppay.view(row, desk.now, desk.settings["stop_pay_minutes"], full_account=True)
        for row in desk.store.list_stop_payments(warning_id=warning["id"])
    ]
    if as_json:
        from fanzha_cli.commands.stoppay_cmd import json_view
        from fanzha_cli.domain.money import dumps

        out(dumps(view | {"stop_payments": [json_view(request) for request in requests]}))
        return
    label = f"{RISK_LABELS_ZH[warning['risk_level']]}  {STATUS_LABELS_ZH[view['status']]} ({view['status']})"
    out(f"{view['id']}  预警时间 {view['time']}  {label}")
    out(f"{view['name']}  {phone_groups(view['phone'])}  {view['fraud_type'] or ''}  {view['station']}")
    if view["address"]:
        out(f"住址 {view['address']}")
    if view["clue"]:
        out(f"线索 {view['clue']}")
    if view["clock"]["first_call_from_warning"] is not None:
        out(
            f"首次呼叫 first call: {spoken_duration(view['clock']['first_call_from_warning'])} after the warning,"
            f" {spoken_duration(view['clock']['first_call_from_import'])} after its import"
        )
    for entry in view["events"]:
        out("  " + _timeline_line(entry))
    for request in requests:
        kept = f", kept {yuan_text(request['kept_fen'])} 元" if request["kept_fen"] is not None else ""
        amount = yuan_text(request["amount_fen"])
        where = f"{request['bank']} {request['account']}"
        out(f"止付 request {request['id']}: {where} {amount} 元 — {request['status']}{kept}")


def _timeline_line(entry: dict) -> str:
    words = [entry["at"], ACTION_ZH.get(entry["action"], entry["action"]), entry["action"]]
    words += [str(entry[key]) for key in ("outcome", "station") if entry.get(key)]
    if entry.get("channels"):
        words.append("via " + ",".join(entry["channels"]))
    if entry.get("undid"):
        words.append(f"reverses the {entry['undid']}")
    if entry.get("changes"):
        words.append(_edit_changes(entry["changes"]))  # phones already masked by timeline()
    if entry.get("auto"):
        words.append(f"(automatic: {entry['auto']})")
    if entry.get("note"):
        words.append(f"— {entry['note']}")
    if entry.get("text"):
        words.append(f"— {entry['text']}")
    if entry.get("request"):
        from fanzha_cli.domain.money import yuan_text

        amount = entry.get("amount_fen") or entry.get("kept_fen")
        words.append(f"request {entry['request']}" + (f" {yuan_text(amount)} 元" if amount else ""))
    if entry.get("reason"):
        words.append(f"({entry['reason']})")
    words.append(f"[{entry['officer']}]")
    logged = entry.get("logged_at")
    if logged and logged[:16] > entry["at"][:16]:  # done earlier, logged later (--at)
        words.append(f"(logged {logged[11:16] if logged[:10] == entry['at'][:10] else logged[:16]})")
    if entry.get("undone"):
        words.append("(undone)")
    return "  ".join(words)


def run_list(session, *, status, risk, station, overdue, date, limit, as_json) -> None:
    from fanzha_cli.domain.supervision import overdue_limits, overdue_reasons

    desk = Desk(session.open_store(), session.officer)
    statuses = _statuses(status) if status else None
    rows = desk.store.list_warnings(
        statuses=statuses,
        risk_level=_risk(risk) if risk else None,
        station=_station(desk, station) if station else None,
        day=_day(desk, date) if date else None,
        overdue=overdue_limits(desk) if overdue else None,
        limit=limit,
    )
    contacts = {station["name"]: station for station in desk.store.list_stations()}
    unanswered = desk.store.oldest_open_requests([row["id"] for row in rows]) if rows else {}
    views = [
        warning_view(desk, row, full_phone=False, contacts=contacts)
        | {"overdue": overdue_reasons(desk, row, unanswered)}
        for row in rows
    ]
    if as_json:
        dump_json(views)
        return
    if not views:
        err("no warnings match", "green")
        return
    for view in views:
        view["why overdue"] = "; ".join(_overdue_text(reason) for reason in view["overdue"])
    columns = ("id", "time", "risk", "status", "name", "phone", "station", "attempts")
    if overdue:
        columns += ("why overdue",)
    if output.is_terminal():  # a terminal gets the tables; NO_COLOR takes only the colour away (Rich honours it)
        from rich.table import Table

        from fanzha_cli.output import console

        table = Table(*columns)
        for view in views:
            table.add_row(*(str(view[key]) for key in columns), style=RISK_STYLE[parse_risk(view["risk"])])
        console().print(table)
        return
    for view in views:
        out("\t".join("" if view[key] is None else str(view[key]) for key in columns))


def _overdue_text(reason: dict) -> str:
    limit = f" (limit {spoken_duration(reason['limit_minutes'])})" if reason["limit_minutes"] else ""
    minutes = reason["minutes_over"]
    over = f"{spoken_duration(minutes)} over" if minutes else "less than a minute over"
    return f"{OVERDUE_REASON_WORDS[reason['reason']]} {over}{limit}"


def _statuses(text: str) -> list[str]:
    words = ["".join(word.split()) for word in text.replace("，", ",").split(",")]
    open_ones = [status for status in OPEN_STATUSES if any(word.lower() in OPEN_WORDS for word in words)]
    named = [read_word("status", STATUS_WORDS, word) for word in words if word.lower() not in OPEN_WORDS]
    return list(dict.fromkeys(open_ones + named))


def _day(desk: Desk, text: str) -> str:
    from fanzha_cli.domain.values import parse_day

    return str(parse_day(text, desk.now.date()))


def _risk(word: str) -> int:
    from fanzha_cli.domain.errors import FanzhaError

    try:
        return parse_risk(word)
    except ValueError as exc:
        raise FanzhaError(f"--risk: {exc}") from None


def _station(desk: Desk, name: str) -> str:
    from fanzha_cli.files.stations import StationDirectory

    stations = StationDirectory.load(desk.store)
    listed = stations.listed(name.strip())
    if listed is None:  # a typo shows nothing; a station an export names but the list lacks shows its warnings
        err(f"'{name.strip()}' is not in the station list (fanzha stations): warnings naming it as written", "yellow")
    return listed or name.strip()


def run_config(session, key: str | None, value: str | None, *, as_json: bool) -> None:
    from fanzha_cli.domain import settings as config

    store = session.open_store(create=value is not None)
    if value is not None:
        stored = config.change(store, key, value)
        out(f"{key} = {stored}")
        return
    values = config.load(store)
    if key is not None:
        if key not in values:
            raise config.SettingError(f"unknown setting '{key}'; the settings are: {', '.join(values)}")
        values = {key: values[key]}
    if as_json:
        import json

        out(json.dumps(values, ensure_ascii=False, indent=2))
        return
    for name, current in values.items():
        default, _, meaning = config.SETTINGS[name]
        marker = "" if current == default else f"   (default {default})"
        out(f"{name} = {current}{marker}   # {meaning}")
