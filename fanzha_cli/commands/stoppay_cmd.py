"""Presentation of ``fanzha stop-pay``: the request's own output shows the account in full, lists mask it."""

from __future__ import annotations

from fanzha_cli import output
from fanzha_cli.domain import stoppay
from fanzha_cli.domain.desk import Desk
from fanzha_cli.domain.money import Yuan, dumps, yuan_text
from fanzha_cli.domain.vocab import STOP_PAY_STATUS_ZH
from fanzha_cli.output import out


def json_view(view: dict) -> dict:
    """SPEC §7's JSON: amounts as exact numbers of yuan."""
    shown = {key: value for key, value in view.items() if key not in ("amount_fen", "kept_fen")}
    shown["amount_yuan"] = Yuan(view["amount_fen"])
    shown["kept_yuan"] = None if view["kept_fen"] is None else Yuan(view["kept_fen"])
    order = ("id", "warning", "bank", "account", "amount_yuan", "requested_at", "status", "kept_yuan", "result_at")
    return {key: shown[key] for key in order} | {key: value for key, value in shown.items() if key not in order}


def _view(desk: Desk, row: dict, *, full_account: bool) -> dict:
    return stoppay.view(row, desk.now, desk.settings["stop_pay_minutes"], full_account=full_account)


def _say(view: dict) -> None:
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


def run_add(session, warning_id, bank, account, amount, note, at, *, as_json: bool) -> None:
    desk = Desk(session.open_store(), session.officer)
    row = stoppay.request(desk, warning_id, bank=bank, account=account, amount=amount, note=note, at=at)
    if as_json:
        out(dumps(json_view(_view(desk, row, full_account=True))))
        return
    report_request(desk, row)


def report_request(desk: Desk, row: dict) -> None:
    """A request just made, with the account in full: the officer reads it out to the bank."""
    _say(_view(desk, row, full_account=True))
    out("  read the account to the bank in full; record its answer with `fanzha stop-pay result`")


def run_result(session, request_id, result, kept, reason, at, *, as_json: bool) -> None:
    desk = Desk(session.open_store(), session.officer)
    row = stoppay.record_result(desk, request_id, result, kept=kept, reason=reason, at=at)
    view = _view(desk, row, full_account=True)
    if as_json:
        out(dumps(json_view(view)))
        return
    _say(view)


def run_list(session, *, open_only: bool, warning_id: str | None, as_json: bool) -> None:
    desk = Desk(session.open_store(), session.officer)
    if warning_id is not None:
        warning_id = desk.get(warning_id)["id"]  # an unknown warning is an error, not an empty list
    rows = desk.store.list_stop_payments(warning_id=warning_id, open_only=open_only)
    views = [_view(desk, row, full_account=False) for row in rows]
    if as_json:
        out(dumps([json_view(view) for view in views]))
        return
    if not views:
        out("no stop-payment requests")
        return
    columns = ("id", "warning", "bank", "account", "amount", "requested_at", "status", "waiting / result")
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
        )
        for v in views
    ]
    if output.is_terminal():  # a terminal gets the tables; NO_COLOR takes only the colour away (Rich honours it)
        from rich.table import Table

        from fanzha_cli.output import console

        table = Table(*columns, title="紧急止付 stop-payments")
        for line, view in zip(lines, views, strict=True):
            table.add_row(*line, style="bold red" if view["overdue"] else None)
        console().print(table)
        return
    for line in lines:
        out("\t".join(line))
