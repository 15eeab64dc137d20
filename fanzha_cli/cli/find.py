"""A person calls back after the SMS (SPEC §3): `find` their warning, `take` it in hand to log the call.

Its own module, after desk mode, so that `fanzha --help` lists them where they have always been.
"""

from typing import Annotated

import typer

from fanzha_cli.cli.application import AsJson, app, reported
from fanzha_cli.cli.render import RISK_STYLE, dump_json, warning_view
from fanzha_cli.domain.desk import Desk
from fanzha_cli.domain.values import mask_phone, parse_risk, risk_name
from fanzha_cli.domain.vocab import RISK_LABELS_ZH
from fanzha_cli.output import err, is_terminal, out


@app.command("find")
def find(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="A phone (all 11 digits, or the last 4), a name or its start, an id.")
    ],
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many, newest first (0: all).", min=0, max=1_000_000)
    ] = 20,
    as_json: AsJson = False,
) -> None:
    """Find warnings, open and closed, by phone, name or id (any tail of 4+ characters); phones masked.

    Example: fanzha find 5678
    """
    from fanzha_cli.domain import finding

    with reported():
        store = ctx.obj.open_store()  # a search needs no officer: the login name is not even looked up
        rows, more, unlisted_ids = finding.find(store, text, limit=limit)
        views = [_view(row) for row in rows]
        if as_json:
            _dump(Desk(store, ctx.obj.officer), rows)
        elif not views:
            why = finding.hint(text)
            err(
                f"nothing found for '{text.strip()}' (open and closed warnings, by phone, name and id)"
                + (f": {why}" if why else ""),
                "green",
            )
        elif is_terminal():
            from datetime import date

            _table(views, date.today().year)
        else:
            for view in views:
                out("\t".join(_cells(view)))
        if unlisted_ids:
            shown = finding.SHOWN_CANDIDATES
            many = f"more than {unlisted_ids - 1}" if unlisted_ids > shown else str(unlisted_ids)
            err(f"'{text.strip()}' is also the end of {many} warning ids, not listed: type more of the id", "yellow")
        if more:
            err(f"the newest {limit} shown; more match: narrow the search, or --limit 0 for all of them", "yellow")


def _view(row: dict) -> dict:
    """What the text shows of a warning found: the stored fields it needs, the risk as a word, the phone masked."""
    keys = ("id", "time", "status", "name", "station", "holder", "escalated_to", "earlier_warnings", "matched_by")
    return {key: row[key] for key in keys} | {"risk": risk_name(row["risk_level"]), "phone": mask_phone(row["phone"])}


def _dump(desk: Desk, rows: list[dict]) -> None:
    """`find --json`: the items of `list --json` (phone masked, no script, why overdue) with `earlier_warnings`
    and `matched_by`."""
    from fanzha_cli.domain.supervision import reasons_of

    contacts = {station["name"]: station for station in desk.store.list_stations()}
    views = [
        warning_view(desk, row, full_phone=False, contacts=contacts)
        | {"overdue": reasons}
        | {"earlier_warnings": row["earlier_warnings"], "matched_by": row["matched_by"]}
        for row, reasons in zip(rows, reasons_of(desk, rows), strict=True)
    ]
    dump_json(views)


def _cells(view: dict) -> list[str]:
    """A tab-separated line: every field whole (the phone masked)."""
    keys = ("id", "time", "risk", "status", "name", "phone", "station", "holder", "escalated_to", "earlier_warnings")
    return ["" if view[key] is None else str(view[key]) for key in keys] + [",".join(view["matched_by"])]


def _table(views: list[dict], year: int) -> None:
    """A table for the eye that fits a terminal of 80 columns: the id and the (masked) phone never cut, a name or
    a station folded if it must; the matched field shown when the rows were found by more than one."""
    from rich import box
    from rich.table import Table

    from fanzha_cli.output import console

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("id", no_wrap=True, min_width=max(len(view["id"]) for view in views))
    table.add_column("time", no_wrap=True)
    table.add_column("risk", no_wrap=True)
    table.add_column("status", overflow="fold")
    table.add_column("name", overflow="fold")
    table.add_column("phone", no_wrap=True, min_width=11)
    table.add_column("station", overflow="fold")
    known = any(view["earlier_warnings"] for view in views)
    if known:
        table.add_column("earlier", justify="right", no_wrap=True)  # the same phone's warnings before it
    mixed = len({tuple(view["matched_by"]) for view in views}) > 1
    if mixed:
        table.add_column("by", overflow="fold")
    for view in views:
        status = view["status"] + (f" {view['holder']}" if view["holder"] else "")
        station = view["station"].removesuffix("派出所")  # 阳逻 for 阳逻派出所, as officers say it
        if view["escalated_to"] and view["escalated_to"] != view["station"]:
            station += f" → {view['escalated_to'].removesuffix('派出所')}"
        when = view["time"][5:16] if view["time"].startswith(str(year)) else view["time"][:10]
        cells = [view["id"], when, view["risk"], status, view["name"], view["phone"], station]
        if known:
            cells.append(str(view["earlier_warnings"]) if view["earlier_warnings"] else "")
        if mixed:
            cells.append(",".join(view["matched_by"]))
        style = "dim" if view["status"] == "closed" else RISK_STYLE[parse_risk(view["risk"])]
        table.add_row(*cells, style=style)
    console().print(table)


@app.command("take")
def take(ctx: typer.Context, warning_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Put that warning in your hand (the person called back), to log the call on it; the one in hand goes back.

    Example: fanzha take WH202611240000008
    """
    with reported():
        report_take(Desk(ctx.obj.open_store(), ctx.obj.officer).take(warning_id))


def report_take(result: dict) -> None:
    """What `take` did (Desk.take's result): the warning now in hand, and where the one held before went."""
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
