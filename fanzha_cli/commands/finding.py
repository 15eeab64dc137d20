"""Presentation of `find` and `take` (SPEC §3): a person calls back after the SMS."""

from __future__ import annotations

from fanzha_cli import store
from fanzha_cli.commands.work import RISK_STYLE, warning_view
from fanzha_cli.desk import Desk
from fanzha_cli.output import err, is_terminal, out
from fanzha_cli.values import RISK_LABELS_ZH, mask_phone

COLUMNS = ("id", "time", "risk", "status", "name", "phone", "station", "holder", "known", "matched")


def run_find(settings, text: str, *, limit: int, as_json: bool) -> None:
    from fanzha_cli.finding import hint

    desk = Desk(settings.connect(), settings.officer)
    rows, more = desk.find(text, limit=limit)
    contacts = {station["name"]: station for station in store.list_stations(desk.conn)}
    views = [
        warning_view(desk, row, full_phone=False, contacts=contacts)
        | {"earlier_warnings": row["earlier_warnings"], "matched_by": row["matched_by"]}
        for row in rows
    ]
    if as_json:
        _dump(views)
    elif not views:
        why = hint(text)
        err(
            f"nothing found for '{text.strip()}' (open and closed warnings, by phone, name and id)"
            + (f": {why}" if why else ""),
            "green",
        )
    elif is_terminal():
        _table(views)
    else:
        for view in views:
            out("\t".join(_cells(view, tab_separated=True)))
    if more:
        err(f"the newest {limit} shown; more match: narrow the search, or --limit 0 for all of them", "yellow")


def _dump(views: list[dict]) -> None:
    """`find --json`: the items of `list --json` (phone masked, no script) with `earlier_warnings` and `matched_by`."""
    from fanzha_cli import schemas

    class Found(schemas.Card):
        earlier_warnings: int
        matched_by: list[str]

    out(schemas.dump(list[Found], views))


def _cells(view: dict, *, tab_separated: bool) -> list[str]:
    earlier = view["earlier_warnings"]
    known = str(earlier) if tab_separated else (f"{earlier} earlier" if earlier else "")
    station = view["station"]
    if view["escalated_to"] and view["escalated_to"] != station:
        station += f" → {view['escalated_to']}"
    return [
        view["id"],
        view["time"] if tab_separated else view["time"][:16],
        view["risk"],
        view["status"],
        view["name"],
        view["phone"],
        station,
        view["holder"] or "",
        known,
        ",".join(view["matched_by"]),
    ]


def _table(views: list[dict]) -> None:
    from rich.table import Table

    from fanzha_cli.output import console
    from fanzha_cli.values import parse_risk

    table = Table(*COLUMNS)
    for view in views:
        style = "dim" if view["status"] == "closed" else RISK_STYLE[parse_risk(view["risk"])]
        table.add_row(*_cells(view, tab_separated=False), style=style)
    console().print(table)


def run_take(settings, warning_id: str) -> None:
    result = Desk(settings.connect(), settings.officer).take(warning_id)
    wid = result["warning"]
    log_it = "log the call: fanzha log reached | unreachable | distrustful (`fanzha next` shows the card)"
    if result["already"]:
        out(f"{wid}: already in your hand; {log_it}")
        return
    if result["released"]:
        back = {
            "closed": "closed (its station had dissuaded the person)",
            "escalated": "back with its station, waiting for the visit",
        }.get(result["released_status"], "back in the queue")
        out(f"{result['released']}: {back}")
    who = f"{result['name']} {mask_phone(result['phone'])} {RISK_LABELS_ZH[result['risk_level']]}"
    out(f"{wid}: in your hand now ({who}; it was {result['was']})")
    if result["was"] == "escalated":
        since = (result["escalated_at"] or "")[:16]
        out(
            f"  it stays handed to {result['escalated_to']} (since {since}): a call logged on it leaves it waiting"
            " for the station's visit"
        )
    out(f"  {log_it}")
