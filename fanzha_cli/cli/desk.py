"""The desk: take the next warning, log its call, hand it to a station, record the visit; put it back, note it,
correct it, undo; show one warning, list the queue; the desk's settings."""

from datetime import datetime
from typing import Annotated

import typer

from fanzha_cli import output
from fanzha_cli.cli.application import (
    ActingStation,
    AsJson,
    At,
    Note,
    app,
    complete_station,
    completing,
    parsed_at,
    reported,
)
from fanzha_cli.cli.render import (
    RISK_STYLE,
    dump_json,
    empty_queue,
    minutes_between,
    more_on_card,
    phone_groups,
    remind,
    show_card,
    warning_view,
)
from fanzha_cli.domain.desk import Desk, read_word
from fanzha_cli.domain.model import OPEN_STATUSES
from fanzha_cli.domain.values import mask_phone, parse_risk
from fanzha_cli.domain.vocab import (
    ACTION_ZH,
    OPEN_WORDS,
    OUTCOME_WORDS,
    OVERDUE_REASON_WORDS,
    RISK_LABELS_ZH,
    STATUS_LABELS_ZH,
    STATUS_WORDS,
    word_key,
)
from fanzha_cli.output import err, json_indent, out, out_json, spoken_duration, visible

# --- next ------------------------------------------------------------------------------------------------------


@app.command("next")
def next_(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Take the most urgent due warning (or show again the one in hand): who to call, and what to say.

    Example: fanzha next
    """
    from fanzha_cli.domain import audit

    with reported():
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        warning, _taken_now = desk.take_next()
        audit.record(desk, audit.phones([warning]), "next")  # before it is shown (SPEC §10)
        if as_json:
            dump_json(warning and warning_view(desk, warning, full_phone=True))
            return
        remind(desk)
        if warning is None:
            out(empty_queue(desk), "green")
            return
        show_card(warning_view(desk, warning, full_phone=True))


# --- acts ------------------------------------------------------------------------------------------------------


@app.command("log")
def log(
    ctx: typer.Context,
    words: Annotated[
        list[str],
        typer.Argument(
            help="OUTCOME: reached/已接通, unreachable/未接通/打不通, distrustful/不信任; an ID before it names a"
            " warning other than the one in hand.",
            metavar="[ID] OUTCOME",
            autocompletion=completing("outcome"),
        ),
    ],
    note: Note = None,
    at: At = None,
) -> None:
    """Log the outcome of a call (the warning in hand, or the one named).

    Example: fanzha log unreachable
    """
    if len(words) > 2:
        err("fanzha: log takes [ID] OUTCOME, e.g. `fanzha log WH202611240000008 reached`", "bold red")
        raise typer.Exit(2)
    warning_id, outcome = (None, words[0]) if len(words) == 1 else words
    if warning_id is not None and word_key(OUTCOME_WORDS, warning_id) and not word_key(OUTCOME_WORDS, outcome):
        warning_id, outcome = outcome, warning_id  # `log reached WH…`: the same thing, said the other way round
    with reported():
        at = parsed_at(at)
        # 1 when the officer must look at something (a high/urgent warning closed, never handed over)
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        code = report_log(desk, desk.log(outcome, warning_id, note=note, at=at))
    raise typer.Exit(code)


def print_handover(desk: Desk, warning_id: str) -> None:
    """The hand-over message just after a hand-over, to paste into the station's group (`handover ID` again)."""
    from fanzha_cli.domain.handover import message

    out("\n" + visible(message(desk, desk.get(warning_id))))


def report_log(desk: Desk, result: dict) -> int:
    out(f"{result['warning']}: {result['outcome']} → {result['status']} ({STATUS_LABELS_ZH[result['status']]})")
    if result["sms"]:
        out(f"短信预警 SMS to send:\n  {result['sms']}")
    if result["escalated_to"]:
        out(f"→ handed to {result['escalated_to']} for a door visit (platform, WeChat, phone)", "bold")
        print_handover(desk, result["warning"])
    if result.get("never_handed_over"):
        err(
            f"note: {result['warning']} is high or urgent and was never handed to its station; it is closed as"
            " dissuaded by phone (`fanzha undo`, then `fanzha escalate`, if the station should still visit)",
            "bold yellow",
        )
        return 1
    return 0


@app.command("escalate")
def escalate(
    ctx: typer.Context,
    warning_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Default: the warning in hand.")] = None,
    station: Annotated[
        str | None,
        typer.Option("--station", help="Default: the warning's own station.", autocompletion=complete_station),
    ] = None,
    via: Annotated[
        str | None,
        typer.Option(
            "--via",
            help="Channels used: platform,wechat,phone (平台,微信,电话). Default: all.",
            autocompletion=completing("channel"),
        ),
    ] = None,
    note: Note = None,
    at: At = None,
) -> None:
    """Hand a warning to a police station for a door visit; a call in progress goes on.

    Example: fanzha escalate --via wechat,phone
    """
    with reported():
        at = parsed_at(at)
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        result = desk.escalate(warning_id, station=station, via=via, note=note, at=at)
        out(f"{result['warning']}: handed to {result['station']} via {', '.join(result['channels'])}")
        if result["status"] == "taken":
            out("  the call goes on: log its outcome when it ends")
        print_handover(desk, result["warning"])


@app.command("visit")
def visit(
    ctx: typer.Context,
    warning_id: Annotated[str, typer.Argument(metavar="ID")],
    result: Annotated[
        str,
        typer.Argument(
            help="dissuaded/劝阻, not-found/未找到, moved/搬走 (with --to).", autocompletion=completing("visit")
        ),
    ],
    to: Annotated[
        str | None,
        typer.Option("--to", help="With 'moved': the station that takes it over.", autocompletion=complete_station),
    ] = None,
    note: Note = None,
    at: At = None,
    station: ActingStation = None,
) -> None:
    """Record a station's door-visit result.

    Example: fanzha visit WH202611240000008 dissuaded
    """
    with reported():
        at = parsed_at(at)
        session = ctx.obj
        desk = Desk(session.open_store(), session.officer)
        acting = session.station(desk.store, station)
        done = desk.visit(warning_id, result, to=to, note=note, at=at, by_station=acting)
        out(f"{done['warning']}: visit {done['result']} ({done['station']}) → {done['status']}")


@app.command("release")
def release(
    ctx: typer.Context,
    warning_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Default: the warning in hand.")] = None,
    at: At = None,
) -> None:
    """Put a warning in hand back in the queue.

    Example: fanzha release
    """
    with reported():
        at = parsed_at(at)
        session = ctx.obj
        result = Desk(session.open_store(), session.officer).release(warning_id, at=at)
        whose = "" if result["holder"] == session.officer else f" (was in {result['holder']}'s hand)"
        where = {"escalated": "back with its station", "closed": "closed (its station had dissuaded the person)"}
        out(f"{result['warning']}: {where.get(result['status'], 'back in the queue')}{whose}")


@app.command("note")
def note_(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(help="[ID] TEXT: the note, on the warning in hand or the one named.")],
    warning_id: Annotated[str | None, typer.Option("--id", help="The warning (or give it before the text).")] = None,
    at: At = None,
) -> None:
    """Add a note to a warning's timeline (the one in hand, or the one named first, as `log` and `escalate` do).

    Example: fanzha note WH202611240000008 "家属称已报警"
    """
    if len(words) > 2 or (len(words) == 2 and warning_id):
        err('fanzha: note takes [ID] TEXT; put the note in quotes: fanzha note WH… "家属称已报警"', "bold red")
        raise typer.Exit(2)
    if len(words) == 2:
        warning_id, words = words[0], words[1:]
    with reported():
        result = Desk(ctx.obj.open_store(), ctx.obj.officer).note(words[0], warning_id, at=parsed_at(at))
        out(f"{result['warning']}: note added")


@app.command("edit")
def edit(
    ctx: typer.Context,
    warning_id: Annotated[str, typer.Argument(metavar="ID")],
    phone: Annotated[str | None, typer.Option("--phone", help="The right phone number (11 digits).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The right name.")] = None,
    station: Annotated[
        str | None, typer.Option("--station", help="The person's own station (阳逻 means 阳逻派出所).")
    ] = None,
    address: Annotated[str | None, typer.Option("--address", help="The right address (empty: none).")] = None,
    fraud_type: Annotated[
        str | None, typer.Option("--fraud-type", help="The right fraud type, e.g. 刷单返利 (empty: none).")
    ] = None,
    note: Note = None,
    at: At = None,
) -> None:
    """Correct what the platform sent, checked as the import checks it; undoable, closed warnings too.

    Example: fanzha edit WH202611240000008 --phone 13912340000 --station 阳逻
    """
    fields = {"phone": phone, "name": name, "station": station, "address": address, "fraud_type": fraud_type}
    with reported():
        at = parsed_at(at)
        result = Desk(ctx.obj.open_store(), ctx.obj.officer).edit(warning_id, fields, note=note, at=at)
        if result["unlisted_station"]:
            err(
                f"note: station not in the list, kept as written: {result['unlisted_station']}."
                " Check the name, or add it with `fanzha stations add`.",
                "yellow",
            )
        if not result["changes"]:
            out(f"{result['warning']}: nothing to change — {', '.join(result['unchanged'])} already as given")
            return
        out(f"{result['warning']}: corrected {_edit_changes(result['changes'])}")  # phones masked
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


@app.command("undo")
def undo(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be reversed, and change nothing.")] = False,
) -> None:
    """Reverse your last action (taking a warning with `next` is not one), and say what was reversed.

    Example: fanzha undo --dry-run
    """
    with reported():
        report_undo(Desk(ctx.obj.open_store(), ctx.obj.officer).undo(dry_run=dry_run))


def report_undo(result: dict) -> None:
    """``undone: call unreachable on WH… — it is new again``: the action first; a dry run says what it would do."""
    would = result.get("dry_run")
    what = result["undid"] + (f" {result['outcome']}" if result["outcome"] else "")
    if result["changed"]:
        back = f" — it would be {result['status']} again" if would else f" — it is {result['status']} again"
    elif result.get("restored") or result["request"]:
        back = ""  # an edit says its values below, a stop-payment its request
    else:  # an acknowledgement, a note: the status it keeps (the README: a dry run names it)
        back = f" — it would stay {result['status']}" if would else f" — it stays {result['status']}"
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


# --- show, list --------------------------------------------------------------------------------------------------


@app.command("show")
def show(ctx: typer.Context, warning_id: Annotated[str, typer.Argument(metavar="ID")], as_json: AsJson = False) -> None:
    """One warning with its whole timeline.

    Example: fanzha show WH202611240000008
    """
    from fanzha_cli.domain import audit, stoppay
    from fanzha_cli.domain.money import yuan_text

    with reported():
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        warning = desk.get(warning_id)
        view = warning_view(desk, warning, full_phone=True) | {
            "events": _timeline(desk, warning),
            "clock": _clock(desk, warning),
        }
        rows = desk.store.list_stop_payments(warning_id=warning["id"])
        audit.record(desk, audit.phones([warning]) + audit.accounts(rows), "show")
        requests = [stoppay.view(row, desk.now, desk.settings, full_account=True) for row in rows]
        from fanzha_cli.cli.stoppay import hold_text, json_view

        if as_json:
            from fanzha_cli.domain.money import dumps

            out(dumps(view | {"stop_payments": [json_view(request) for request in requests]}, indent=json_indent()))
            return
        label = f"{RISK_LABELS_ZH[warning['risk_level']]}  {STATUS_LABELS_ZH[view['status']]} ({view['status']})"
        out(f"{view['id']}  预警时间 {view['time']}  {label}")
        out(f"{view['name']}  {phone_groups(view['phone'])}  {view['fraud_type'] or ''}  {view['station']}")
        if view["address"]:
            out(f"住址 {view['address']}")
        if view["clue"]:
            out(f"线索 {view['clue']}")
        for (zh, _), value in more_on_card(view):
            out(f"{zh} {value}")
        if view["escalated_to"] and not view["closed_at"]:
            acked = view["acked_at"]
            done = f"已签收 acknowledged {acked}" if acked else "未签收 not acknowledged"
            out(f"移交 with {view['escalated_to']} (first handed over {view['escalated_at']}), {done}")
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
            held = hold_text(request)
            out(
                f"止付 request {request['id']}: {where} {amount} 元 — {request['status']}{kept}"
                + (f"; {held}" if held else "")
            )


def _timeline(desk: Desk, warning: dict) -> list[dict]:
    import json

    batch = desk.store.batch_of(warning["batch_id"])
    entries = [{"at": batch["imported_at"], "action": "import", "officer": batch["officer"], "batch": batch["id"]}]
    for event in desk.store.warning_events(warning["id"]):
        details = json.loads(event["details"]) if event["details"] else {}
        details.pop("before", None)
        details.pop("before_request", None)
        details.pop("before_hold", None)
        changes = details.get("changes") if event["action"] == "edit" else None
        if changes and "phone" in changes:  # the log keeps an edit's numbers in full, for undo; shown, masked
            changes["phone"] = {
                key: mask_phone(number) if number and number[0].isdigit() else number  # ("[purged]" as it is)
                for key, number in changes["phone"].items()
            }
        entry = {key: event[key] for key in ("at", "action", "officer", "outcome", "station", "logged_at")}
        entry |= {
            "channels": event["channels"].split(",") if event["channels"] else None,
            "undone": bool(event["undone"]),
        }
        entries.append({key: value for key, value in (entry | details).items() if value not in (None, False)})
    # in the order things happened: an --at action logged later goes back to its place (before the import, even,
    # when the call was made before the export arrived); sorted() keeps the log's order within one second
    return sorted(entries, key=lambda entry: entry["at"])


def _clock(desk: Desk, warning: dict) -> dict:
    """SPEC §7's clock for one warning: minutes to its first call from the warning's time and from its import."""
    if warning["first_call_at"] is None:
        return {"first_call_from_warning": None, "first_call_from_import": None}
    called = datetime.fromisoformat(warning["first_call_at"])
    imported = datetime.fromisoformat(desk.store.batch_of(warning["batch_id"])["imported_at"])
    return {
        "first_call_from_warning": minutes_between(warning["time"], called),
        "first_call_from_import": max(0, int((called - imported).total_seconds() // 60)),
    }


def _timeline_line(entry: dict) -> str:
    words = [entry["at"], ACTION_ZH.get(entry["action"], entry["action"]), entry["action"]]
    words += [str(entry[key]) for key in ("outcome", "station") if entry.get(key)]
    if entry.get("channels"):
        words.append("via " + ",".join(entry["channels"]))
    if entry.get("undid"):
        words.append(f"reverses the {entry['undid']}")
    if entry.get("changes"):
        words.append(_edit_changes(entry["changes"]))  # phones already masked by _timeline()
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


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="new, taken, retry, escalated, closed; open: all but closed (or 待处理, 未办结, …); a,b: several.",
            autocompletion=completing("status"),
        ),
    ] = None,
    risk: Annotated[
        str | None, typer.Option("--risk", help="medium/high/urgent or 中/高/紧急.", autocompletion=completing("risk"))
    ] = None,
    station: Annotated[
        str | None,
        typer.Option(
            "--station", help="The person's station, or the one handling it.", autocompletion=complete_station
        ),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only what is overdue, with why and by how much (limits: fanzha config).")
    ] = False,
    date: Annotated[
        str | None, typer.Option("--date", help="Warnings of one day: YYYY-MM-DD, today, yesterday.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).", min=0, max=1_000_000)] = 100,
    as_json: AsJson = False,
) -> None:
    """The queue (open warnings, most urgent first) and other views; phone numbers masked.

    Example: fanzha list --overdue
    """
    from fanzha_cli.domain.supervision import overdue_limits, reasons_of

    with reported():
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
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
        views = [
            warning_view(desk, row, full_phone=False, contacts=contacts) | {"overdue": reasons}
            for row, reasons in zip(rows, reasons_of(desk, rows), strict=True)
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
            _terminal_list(views, columns[:8], overdue, desk.now.year)
            return
        for view in views:
            out("\t".join("" if view[key] is None else str(view[key]) for key in columns))


# On a terminal: the time without its seconds, and without its year if this year's (as `find` shows it), a station
# as officers say it (阳逻 for 阳逻派出所), the attempts under a narrower word; the id and the masked phone never cut
# (an id's last four are what gets typed), the rest folded.
_SHOWN_AS = {"station": lambda name: name.removesuffix("派出所")}
_HEADERS = {"attempts": "tries"}
_WHOLE = ("id", "time", "risk", "phone", "attempts")


def _terminal_list(views: list[dict], columns: tuple[str, ...], overdue: bool, year: int) -> None:
    """The warnings as rows coloured by risk; with --overdue, why under each."""
    from fanzha_cli.cli.rows import print_rows

    shown_as = _SHOWN_AS | {"time": lambda time: time[5:16] if time.startswith(str(year)) else time[:16]}
    print_rows(
        [_HEADERS.get(key, key) for key in columns],
        [["" if view[key] is None else shown_as.get(key, str)(view[key]) for key in columns] for view in views],
        whole={n for n, key in enumerate(columns) if key in _WHOLE},
        styles=[RISK_STYLE[parse_risk(view["risk"])] for view in views],
        notes=[view["why overdue"] for view in views] if overdue else None,
    )


def _overdue_text(reason: dict) -> str:
    if reason["reason"] == "hold_ending":  # when the money goes is what the officer needs, not minutes past a limit
        verb = "ENDED" if reason["ended"] else "ends"
        return f"stop-payment hold {verb} {reason['hold_until'][:16]}, not frozen: extend it or freeze the account"
    limit = f" (limit {spoken_duration(reason['limit_minutes'])})" if reason["limit_minutes"] else ""
    minutes = reason["minutes_over"]
    over = f"{spoken_duration(minutes)} over" if minutes else "less than a minute over"
    what = OVERDUE_REASON_WORDS[reason["reason"]]
    if reason.get("station"):
        what = what.replace("its station", reason["station"])
    return f"{what} {over}{limit}"


def _statuses(text: str) -> list[str]:
    words = ["".join(word.split()) for word in text.replace("，", ",").split(",")]
    open_ones = [status for status in OPEN_STATUSES if any(word.lower() in OPEN_WORDS for word in words)]
    known = STATUS_WORDS | dict.fromkeys(OPEN_WORDS, "open")  # so that a typo's message offers `open` too
    named = [read_word("status", known, word) for word in words if word.lower() not in OPEN_WORDS]
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


# --- the desk's settings ---------------------------------------------------------------------------------------


@app.command("config", context_settings={"ignore_unknown_options": True})  # `config retry_minutes -1` is a value
def config(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="A setting's name; none: all of them.")] = None,
    value: Annotated[str | None, typer.Argument(help="A new value to keep.")] = None,
    as_json: AsJson = False,
) -> None:
    """Show or change the settings kept in the database.

    Example: fanzha config retry_minutes 10
    """
    from fanzha_cli.domain import settings

    with reported():
        store = ctx.obj.open_store(create=value is not None)
        if value is not None:
            stored = settings.change(store, key, value)
            out(f"{key} = {stored}")
            return
        values = settings.load(store)
        if key is not None:
            if key not in values:
                raise settings.SettingError(f"unknown setting '{key}'; the settings are: {', '.join(values)}")
            values = {key: values[key]}
        if as_json:
            out_json(values)
            return
        for name, current in values.items():
            default, _, meaning = settings.SETTINGS[name]
            marker = "" if current == default else f"   (default {default})"
            out(f"{name} = {current}{marker}   # {meaning}")
