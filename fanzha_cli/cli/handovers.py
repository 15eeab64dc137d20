"""A station's side of a hand-over (SPEC §9): `inbox`, `ack` and the hand-over message (`handover`)."""

from typing import Annotated

import typer

from fanzha_cli.cli.application import ActingStation, AsJson, At, app, parsed_at, reported
from fanzha_cli.domain.desk import Desk
from fanzha_cli.domain.errors import DeskError, FanzhaError
from fanzha_cli.domain.values import parse_risk
from fanzha_cli.domain.vocab import RISK_LABELS_ZH
from fanzha_cli.output import err, out, out_json, spoken_duration, visible


@app.command("inbox")
def inbox(ctx: typer.Context, station: ActingStation = None, as_json: AsJson = False) -> None:
    """What was handed to your station and waits for its visit, the most urgent first, with full phone and address.

    Example: fanzha --station 阳逻 inbox
    """
    from fanzha_cli.domain.handover import inbox as waiting

    with reported():
        session = ctx.obj
        desk = Desk(session.open_store(), session.officer)
        named = session.station(desk.store, station)
        if named is None:
            raise FanzhaError("say which station's inbox: --station NAME, or set FANZHA_STATION")
        rows = waiting(desk, named)
        from fanzha_cli.domain import audit

        audit.record(desk, audit.phones(rows), "inbox")  # before they are shown (SPEC §10)
    if as_json:
        out_json({"station": named, "warnings": rows})
        return
    if not rows:
        out(f"{named}: nothing waits for a visit.")
        return
    out(f"{named}: {len(rows)} waiting for a visit")
    today = desk.now.strftime("%Y-%m-%d")
    for row in rows:
        out(f"{row['id']}  {_clocks(row, today)}")
        person = (visible(row["name"], one_line=True), row["phone"], visible(row["address"] or "", one_line=True))
        out("    " + "  ".join(person))


def _clocks(row: dict, today: str) -> str:
    """The risk, how long it has been with the station (since the hand-over, or since the last visit that did not
    find the person), the acknowledgement and the visit's deadline."""
    since = f"with the station {spoken_duration(row['minutes_since'])}"  # since the hand-over or the last visit
    acked = row["acked_at"]
    ack = f"签收 acknowledged {_when(acked, today)}" if acked else _due("签收 ack", row, "ack", today)
    risk = RISK_LABELS_ZH[parse_risk(row["risk"])]
    return f"{risk}  {since}  {ack}  {_due('visit result', row, 'visit', today)}"


def _when(time: str, today: str) -> str:
    """HH:MM today; MM-DD HH:MM another day (a deadline may be tomorrow, a late one days ago)."""
    return time[11:16] if time.startswith(today) else time[5:16]


def _due(what: str, row: dict, clock: str, today: str) -> str:
    due = _when(row[f"{clock}_due"], today)
    return f"{what} LATE since {due}" if row[f"{clock}_late"] else f"{what} due {due}"


@app.command("ack")
def ack(
    ctx: typer.Context,
    warning_id: Annotated[str, typer.Argument(metavar="ID")],
    station: ActingStation = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """签收: your station has received a hand-over; the minutes since it was handed over are measured.

    Example: fanzha --station 阳逻 ack WH202611240000024
    """
    with reported():
        at = parsed_at(at)
        session = ctx.obj
        desk = Desk(session.open_store(), session.officer)
        done = desk.ack(warning_id, station=session.station(desk.store, station), at=at)
    if as_json:
        out_json(done)
        return
    out(f"{done['warning']}: acknowledged by {done['station']}, {done['minutes']:g} min after the hand-over")


@app.command("handover")
def handover(
    ctx: typer.Context,
    warning_id: Annotated[str, typer.Argument(metavar="ID")],
    full: Annotated[
        bool, typer.Option("--full", help="Add the phone and the address: for a call to the duty phone.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """The hand-over as a message for the station's WeChat group: name and phone masked (--full adds the phone and
    the address, for a call to the duty phone).

    Example: fanzha handover WH202611240000008 --full
    """
    from fanzha_cli.domain.handover import message

    with reported():
        session = ctx.obj
        desk = Desk(session.open_store(), session.officer)
        warning = desk.get(warning_id)
        if warning["status"] == "closed":
            raise DeskError(f"{warning['id']} is closed ({warning['closed_at']}): there is nothing to hand over")
        acting = session.station(desk.store)
        if acting is not None and acting != (warning["escalated_to"] or warning["station"]):
            raise DeskError(f"{warning['id']} is with {warning['escalated_to'] or warning['station']}, not {acting}")
        if full:
            from fanzha_cli.domain import audit

            audit.record(desk, audit.phones([warning]), "handover --full")  # before it is shown (SPEC §10)
        text = message(desk, warning, full=full)
        if not warning["station_since"]:
            err(f"{warning['id']} is not handed over yet: `fanzha escalate {warning['id']}` records it")
    if as_json:
        station = warning["escalated_to"] or warning["station"]
        out_json({"warning": warning["id"], "station": station, "message": text})
        return
    out(visible(text))
