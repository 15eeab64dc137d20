"""`fanzha stop-pay`: emergency stop-payments (SPEC §7). A request's own output shows the account in full (the
officer reads it to the bank); lists mask it."""

from typing import Annotated

import typer

from fanzha_cli import output
from fanzha_cli.cli.application import AsJson, At, Note, app, parsed_at, reported
from fanzha_cli.domain.desk import Desk
from fanzha_cli.domain.vocab import STOP_PAY_STATUS_ZH
from fanzha_cli.output import json_indent, out, spoken_duration

stop_pay_app = typer.Typer(
    help="Emergency stop-payments (紧急止付): ask a bank to freeze the account the money went to.\n\n"
    "Example: fanzha stop-pay add WH202611240000008 --bank 工商银行 --account 6222020200112233445 --amount 45万",
    no_args_is_help=True,
)
app.add_typer(stop_pay_app, name="stop-pay")


@stop_pay_app.command("add")
def stop_pay_add(
    ctx: typer.Context,
    warning_id: Annotated[str, typer.Argument(metavar="ID", help="The warning.")],
    bank: Annotated[str, typer.Option("--bank", help="The receiving bank, e.g. 工商银行.")],
    account: Annotated[str, typer.Option("--account", help="The receiving account (printed here in full).")],
    amount: Annotated[str, typer.Option("--amount", help="As reported: 450000, 450,000.00, 45万, 4.5万元.")],
    note: Note = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Record a stop-payment request on a warning (one per receiving account).

    Example: fanzha stop-pay add WH202611240000008 --bank 工商银行 --account 6222020200112233445 --amount 45万
    """
    from fanzha_cli.domain import stoppay
    from fanzha_cli.domain.money import dumps

    with reported():
        at = parsed_at(at)
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        row = stoppay.request(desk, warning_id, bank=bank, account=account, amount=amount, note=note, at=at)
        if as_json:
            out(dumps(json_view(_in_full(desk, row, "stop-pay add")), indent=json_indent()))
            return
        report_request(desk, row, "stop-pay add")


def report_request(desk: Desk, row: dict, command: str) -> None:
    """A request just made, with the account in full: the officer reads it out to the bank."""
    _say(_in_full(desk, row, command))
    out("  read the account to the bank in full; record its answer with `fanzha stop-pay result`")


@stop_pay_app.command("result")
def stop_pay_result(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(metavar="REQ", help="The request's number.")],
    result: Annotated[
        str, typer.Argument(help="frozen/冻结, partial/部分冻结 (with --kept), failed/失败 (with --reason).")
    ],
    kept: Annotated[str | None, typer.Option("--kept", help="With 'partial': the amount frozen.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="With 'failed': why.")] = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Record the bank's answer to a stop-payment request.

    Example: fanzha stop-pay result 3 frozen --at 13:46
    """
    from fanzha_cli.domain import stoppay
    from fanzha_cli.domain.money import dumps

    with reported():
        at = parsed_at(at)
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        row = stoppay.record_result(desk, request_id, result, kept=kept, reason=reason, at=at)
        view = _in_full(desk, row, "stop-pay result")
        if as_json:
            out(dumps(json_view(view), indent=json_indent()))
            return
        _say(view)


RequestNumber = Annotated[str, typer.Argument(metavar="REQ", help="The request's number (stop-pay list).")]


def _hold_changed(ctx: typer.Context, change: str, request_id: str, at: str | None, as_json: bool, **more) -> None:
    """extend, freeze and release: the request as it now stands, its hold's end and time left."""
    from fanzha_cli.domain import stoppay
    from fanzha_cli.domain.money import dumps

    with reported():
        at = parsed_at(at)
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        row = getattr(stoppay, change)(desk, request_id, at=at, **more)
        # the account in full only in the JSON (the line says where the hold is)
        view = _in_full(desk, row, f"stop-pay {change}") if as_json else _view(desk, row, full_account=False)
    if as_json:
        out(dumps(json_view(view), indent=json_indent()))
        return
    out(f"止付 request {view['id']} on {view['warning']}: {hold_text(view)}")


@stop_pay_app.command("extend")
def stop_pay_extend(ctx: typer.Context, request_id: RequestNumber, at: At = None, as_json: AsJson = False) -> None:
    """延期: the bank extended the hold, by stop_pay_hours from its end (once: the account's second stop-payment).

    Example: fanzha stop-pay extend 3
    """
    _hold_changed(ctx, "extend", request_id, at, as_json)


@stop_pay_app.command("freeze")
def stop_pay_freeze(
    ctx: typer.Context,
    request_id: RequestNumber,
    until: Annotated[
        str | None, typer.Option("--until", help="The freeze's last day (default: freeze_months from now).")
    ] = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """冻结: the account is formally frozen (the hold no longer runs out in 48 hours); again, to renew it.

    Example: fanzha stop-pay freeze 3 --until 2027-05-26
    """
    _hold_changed(ctx, "freeze", request_id, at, as_json, until=until)


@stop_pay_app.command("release")
def stop_pay_release(ctx: typer.Context, request_id: RequestNumber, at: At = None, as_json: AsJson = False) -> None:
    """解除: the money was returned, or the hold lifted: nothing more to watch.

    Example: fanzha stop-pay release 3
    """
    _hold_changed(ctx, "release", request_id, at, as_json)


@stop_pay_app.command("list")
def stop_pay_list(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only those still waiting for the bank.")] = False,
    warning_id: Annotated[str | None, typer.Option("--warning", help="Only this warning's.")] = None,
    as_json: AsJson = False,
) -> None:
    """Stop-payment requests: open ones first, oldest first, with minutes waiting and each hold's time left;
    accounts masked.

    Example: fanzha stop-pay list --open
    """
    from fanzha_cli.domain.money import dumps, yuan_text

    with reported():
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        if warning_id is not None:
            warning_id = desk.get(warning_id)["id"]  # an unknown warning is an error, not an empty list
        rows = desk.store.list_stop_payments(warning_id=warning_id, open_only=open_only)
        views = [_view(desk, row, full_account=False) for row in rows]
        if as_json:
            out(dumps([json_view(view) for view in views], indent=json_indent()))
            return
        if not views:
            out("no stop-payment requests")
            return
        lines = [
            (
                str(v["id"]),
                v["warning"],
                v["bank"],
                v["account"],
                yuan_text(v["amount_fen"]),
                v["requested_at"],
                v["status"] + (" OVERDUE" if v["overdue"] else ""),
                f"{v['minutes_waiting']} min waiting" if v["status"] == "open" else f"{v['minutes_to_result']} min",
                hold_text(v),
            )
            for v in views
        ]
        if output.is_terminal():  # a terminal gets the rows; NO_COLOR takes only the colour away (Rich honours it)
            from fanzha_cli.cli.rows import print_rows

            out("紧急止付 stop-payments", "bold")
            # the ids, the account and the amount never cut (read to the bank), the time without its year and
            # seconds; the wait (or the bank's answer) and the hold's end on a line under the row
            print_rows(
                ["id", "warning", "bank", "account", "amount", "requested", "status"],
                [[*line[:5], line[5][5:16], line[6]] for line in lines],
                whole={0, 1, 3, 4},
                styles=["bold red" if view["overdue"] else None for view in views],
                notes=[" · ".join(filter(None, (_answered(view), hold_text(view)))) for view in views],
            )
            return
        for line in lines:
            out("\t".join(line))


def _answered(view: dict) -> str:
    """How long the request has waited, or how soon the bank answered (minutes to a tenth, said whole; none for a
    request withdrawn unanswered)."""
    if view["status"] == "open":
        return f"waiting {spoken_duration(view['minutes_waiting'])}"
    minutes = view["minutes_to_result"]
    return "" if minutes is None else f"the bank answered in {spoken_duration(max(0, round(minutes)))}"


def json_view(view: dict) -> dict:
    """SPEC §7's JSON: amounts as exact numbers of yuan."""
    from fanzha_cli.domain.money import Yuan

    shown = {key: value for key, value in view.items() if key not in ("amount_fen", "kept_fen")}
    shown["amount_yuan"] = Yuan(view["amount_fen"])
    shown["kept_yuan"] = None if view["kept_fen"] is None else Yuan(view["kept_fen"])
    order = ("id", "warning", "bank", "account", "amount_yuan", "requested_at", "status", "kept_yuan", "result_at")
    return {key: shown[key] for key in order} | {key: value for key, value in shown.items() if key not in order}


def hold_text(view: dict) -> str:
    """Where a request's hold is, for a line: its end and the time left, the freeze, the release."""
    from fanzha_cli.output import spoken_duration

    hold, until = view["hold"], view["hold_until"]
    if hold in ("holding", "extended"):
        extended = "extended, " if hold == "extended" else ""
        late = " — extend it or freeze the account" if view["overdue"] else ""
        left = spoken_duration(view["hold_minutes_left"])
        return f"hold {extended}ends {until[:16]} ({left} left){late}"
    if hold == "frozen":
        return f"冻结 formally frozen until {until[:10]}"
    if hold == "released":
        return f"released {view['released_at'][:16]}"
    if hold == "ended":
        return f"HOLD ENDED {until[:16]} with no freeze"
    return ""


def _in_full(desk: Desk, row: dict, command: str) -> dict:
    """A request with its account in full, to be read out to the bank: recorded first (the access log, SPEC §10)."""
    from fanzha_cli.domain import audit

    audit.record(desk, audit.accounts([row]), command)
    return _view(desk, row, full_account=True)


def _view(desk: Desk, row: dict, *, full_account: bool) -> dict:
    from fanzha_cli.domain import stoppay

    return stoppay.view(row, desk.now, desk.settings, full_account=full_account)


def _say(view: dict) -> None:
    from fanzha_cli.domain.money import yuan_text

    out(
        f"止付 request {view['id']} on {view['warning']}: {view['bank']} account {view['account']},"
        f" {yuan_text(view['amount_fen'])} 元 — {STOP_PAY_STATUS_ZH[view['status']]} ({view['status']})"
    )
    if view["status"] != "open":
        kept = yuan_text(view["kept_fen"] or 0)
        out(
            f"  kept {kept} 元, {view['minutes_to_result']} min after the request"
            + (f"; reason: {view['reason']}" if view["reason"] else "")
        )
    if view["hold"]:
        out(f"  {hold_text(view)}")
