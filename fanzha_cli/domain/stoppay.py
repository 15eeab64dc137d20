"""Emergency stop-payment (紧急止付, SPEC §7): asking a bank to freeze the account the money went to.

Each request is a row of its own (several per warning, one per receiving account) and each change of it an event
on the warning, so that it shows in the timeline, counts in the totals and can be undone like any other act.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fanzha_cli.domain.desk import Desk, DeskError, read_word
from fanzha_cli.domain.model import STOP_PAY_RESULT
from fanzha_cli.domain.money import mask_account, parse_amount
from fanzha_cli.domain.report import minutes
from fanzha_cli.domain.vocab import STOP_PAY_RESULT_WORDS


def request(desk: Desk, warning_id: str, *, bank: str, account: str, amount: str, note=None, at=None) -> dict:
    """Record a request; the full account is in the answer, for reading out to the bank."""
    bank, account = bank.strip(), "".join(account.split()).replace("-", "")
    if not bank:
        raise DeskError("--bank is empty")
    if not account or len(account) > 64:
        raise DeskError("--account must be the receiving account, at most 64 characters")
    try:
        amount_fen = parse_amount(amount)
    except ValueError as exc:
        raise DeskError(f"--amount: {exc}") from None
    with desk.store.transaction():
        warning = desk.get(warning_id)
        at = desk.when(at, warning)
        for earlier in desk.store.list_stop_payments(warning_id=warning["id"], open_only=True):
            if earlier["account"] == account:
                raise DeskError(f"request {earlier['id']} for this account is still open: one request per account")
        row = {
            "warning_id": warning["id"],
            "bank": bank,
            "account": account,
            "amount_fen": amount_fen,
            "requested_at": at,
            "officer": desk.officer,
            "note": note,
        }
        request_id = desk.store.add_stop_payment(row)
        event = desk.event(
            warning["id"], "stop-pay", at=at, outcome="requested", request=request_id, bank=bank,
            account=mask_account(account), amount_fen=amount_fen, note=note,
        )  # fmt: skip
        desk.store.add_events([event])
        return desk.store.get_stop_payment(request_id)


def record_result(desk: Desk, request_id: str, result: str, *, kept=None, reason=None, at=None) -> dict:
    """The bank's answer: frozen (all of it), partial (with the amount kept) or failed (with a reason)."""
    result = read_word("stop-payment result", STOP_PAY_RESULT_WORDS, result)
    number = _number(request_id)
    with desk.store.transaction():
        row = desk.store.get_stop_payment(number)
        if row is None:
            raise DeskError(f"no stop-payment request {request_id}")
        if row["status"] != "open":
            raise DeskError(f"request {number} is already decided: {row['status']} ({row['result_at']})")
        warning = desk.get(row["warning_id"])
        at = desk.when(at, warning)
        if at < row["requested_at"]:
            raise DeskError(f"--at {at} is before the request itself ({row['requested_at']})")
        decided = {"status": result, "result_at": at} | _kept(result, row["amount_fen"], kept, reason)
        desk.store.set_stop_payment_result(number, decided)
        before = {key: row[key] for key in STOP_PAY_RESULT}
        event = desk.event(
            warning["id"], "stop-pay", at=at, outcome=result, request=number, kept_fen=decided["kept_fen"],
            reason=decided["reason"], before_request=before,
        )  # fmt: skip
        desk.store.add_events([event])
        return desk.store.get_stop_payment(number)


def _kept(result: str, amount_fen: int, kept: str | None, reason: str | None) -> dict:
    if result == "frozen":
        if kept is not None or reason:
            raise DeskError("'frozen' means all of it: no --kept or --reason")
        return {"kept_fen": amount_fen, "reason": None}
    if result == "failed":
        if not (reason and reason.strip()):
            raise DeskError("'failed' needs --reason (e.g. 资金已转出)")
        if kept is not None:
            raise DeskError("'failed' keeps nothing: no --kept")
        return {"kept_fen": 0, "reason": reason.strip()}
    if kept is None:
        raise DeskError("'partial' needs --kept AMOUNT: how much the bank froze")
    try:
        kept_fen = parse_amount(kept)
    except ValueError as exc:
        raise DeskError(f"--kept: {exc}") from None
    if kept_fen >= amount_fen:
        raise DeskError("--kept is all of the amount or more: that is 'frozen'")
    return {"kept_fen": kept_fen, "reason": reason.strip() if reason else None}


def _number(text: str) -> int:
    try:
        number = int(str(text).strip().lstrip("#"))
    except ValueError:
        number = 0
    if not 0 < number < 2**63:
        raise DeskError(f"'{text}' is not a request number")
    return number


def view(row: dict, now: datetime, limit_minutes: int, *, full_account: bool) -> dict:
    """A request as `stop-pay list --json` shows it (SPEC §7's keys first); amounts stay in fen here."""
    requested = datetime.fromisoformat(row["requested_at"])
    decided = row["result_at"] and datetime.fromisoformat(row["result_at"])
    waiting = None if decided else max(0, int((now - requested).total_seconds() // 60))
    return {
        "id": row["id"],
        "warning": row["warning_id"],
        "bank": row["bank"],
        "account": row["account"] if full_account else mask_account(row["account"]),
        "amount_fen": row["amount_fen"],
        "requested_at": row["requested_at"],
        "status": row["status"],
        "kept_fen": row["kept_fen"],
        "result_at": row["result_at"],
        "minutes_to_result": decided and minutes((decided - requested).total_seconds() / 60),
        "overdue": row["status"] == "open" and now - requested > timedelta(minutes=limit_minutes),
        "minutes_waiting": waiting,
        "reason": row["reason"],
        "note": row["note"],
        "officer": row["officer"],
    }
