"""Emergency stop-payment (紧急止付, SPEC §7): asking a bank to freeze the account the money went to.

Each request is a row of its own (several per warning, one per receiving account) and each change of it an event
on the warning, so that it shows in the timeline, counts in the totals and can be undone like any other act.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fanzha_cli.domain.desk import Desk, DeskError, read_word
from fanzha_cli.domain.model import STOP_PAY_HOLD, STOP_PAY_RESULT
from fanzha_cli.domain.money import mask_account, parse_amount
from fanzha_cli.domain.report import minutes
from fanzha_cli.domain.values import format_time
from fanzha_cli.domain.vocab import STOP_PAY_RESULT_WORDS

# The rule an account's stop-payments are held to, in its own words (SPEC §7)
RULE = (
    "银发〔2016〕86号: an account may be stopped at most {max} times by emergency stop-payment, the extension included"
)


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
        _refuse_past_the_rule(desk, account, "another request")
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
        # a stop-payment that took effect holds the account for stop_pay_hours from now (SPEC §7)
        decided["hold_until"] = None if result == "failed" else _held_from(desk, at)
        desk.store.set_stop_payment_result(number, decided)
        before = {key: row[key] for key in STOP_PAY_RESULT}
        event = desk.event(
            warning["id"], "stop-pay", at=at, outcome=result, request=number, kept_fen=decided["kept_fen"],
            reason=decided["reason"], before_request=before,
        )  # fmt: skip
        desk.store.add_events([event])
        return desk.store.get_stop_payment(number)


def _stops(desk: Desk, account: str) -> int:
    """How many times this account has been stopped: each request that took effect or waits for the bank, and each
    extension (SPEC §7: an extension is a second stop-payment)."""
    rows = desk.store.list_stop_payments(account=account)
    return sum((row["status"] != "failed") + bool(row["extended_at"]) for row in rows)


def _refuse_past_the_rule(desk: Desk, account: str, what: str) -> None:
    most = desk.settings["stop_pay_max"]
    if _stops(desk, account) >= most:
        raise DeskError(
            f"{mask_account(account)} has been stopped {most} times already: {what} is refused ("
            + RULE.format(max=most)
            + "); to keep the money the account must be formally frozen: `fanzha stop-pay freeze REQ`"
        )


def extend(desk: Desk, request_id: str, *, at=None) -> dict:
    """The hold extended once, by stop_pay_hours from its end (SPEC §7): the account's second stop-payment."""
    return _change_hold(desk, request_id, "extended", at=at)


def freeze(desk: Desk, request_id: str, *, until=None, at=None) -> dict:
    """A formal freeze (冻结) of the account: the hold lasts until ``until`` (a date; default freeze_months from now),
    and is no longer overdue. A freeze again renews it."""
    return _change_hold(desk, request_id, "freeze", until=until, at=at)


def release(desk: Desk, request_id: str, *, at=None) -> dict:
    """The money returned, or the hold lifted: the hold ends, nothing more to watch."""
    return _change_hold(desk, request_id, "released", at=at)


def _change_hold(desk: Desk, request_id: str, change: str, *, until=None, at=None) -> dict:
    number = _number(request_id)
    with desk.store.transaction():
        row = desk.store.get_stop_payment(number)
        if row is None:
            raise DeskError(f"no stop-payment request {request_id}")
        if not row["hold_until"]:
            what = "the bank has not answered yet" if row["status"] == "open" else "it failed: nothing is held"
            raise DeskError(f"request {number} holds nothing to {_VERB[change]}: {what}")
        if row["released_at"]:
            raise DeskError(f"request {number}'s hold was released at {row['released_at']}")
        warning = desk.get(row["warning_id"])
        at = desk.when(at, warning)
        if at < row["result_at"]:
            raise DeskError(f"--at {at} is before the stop-payment took effect ({row['result_at']})")
        before = {key: row[key] for key in STOP_PAY_HOLD}
        hold = before | _new_hold(desk, row, change, until, at)
        desk.store.set_stop_payment_hold(number, hold)
        event = desk.event(
            warning["id"], "stop-pay", at=at, outcome=change, request=number, hold_until=hold["hold_until"],
            before_hold=before,
        )  # fmt: skip
        desk.store.add_events([event])
        return desk.store.get_stop_payment(number)


_VERB = {"extended": "extend", "freeze": "freeze", "released": "release"}


def _new_hold(desk: Desk, row: dict, change: str, until: str | None, at: str) -> dict:
    if change == "released":
        return {"released_at": at}
    if change == "freeze":
        if not row["freeze_at"] and row["hold_until"] <= at:
            raise DeskError(
                f"request {row['id']}'s hold ended at {row['hold_until']}: the account is no longer held, and the"
                " hold counts as ended unfrozen; record the money's fate with `fanzha stop-pay release`"
            )
        end = _freeze_end(desk, until, at)
        if row["freeze_at"] and end <= row["hold_until"]:
            raise DeskError(f"a renewal must end after the freeze it renews (until {row['hold_until']}): {end}")
        return {"freeze_at": at, "hold_until": end}
    if row["freeze_at"]:
        raise DeskError(f"request {row['id']}'s account is frozen until {row['hold_until']}: renew the freeze instead")
    if row["extended_at"]:
        raise DeskError(
            f"request {row['id']}'s hold was extended already ({row['extended_at']}): a stop-payment is extended once"
            f" ({RULE.format(max=desk.settings['stop_pay_max'])}); freeze the account: `fanzha stop-pay freeze`"
        )
    if row["hold_until"] <= at:
        raise DeskError(f"request {row['id']}'s hold ended at {row['hold_until']}: too late to extend it")
    _refuse_past_the_rule(desk, row["account"], "an extension")
    return {"extended_at": at, "hold_until": _held_from(desk, row["hold_until"])}


def _held_from(desk: Desk, start: str) -> str:
    """The end of a hold of stop_pay_hours from ``start``: the bank's answer, or the end an extension adds to."""
    return format_time(datetime.fromisoformat(start) + timedelta(hours=desk.settings["stop_pay_hours"]))


def _freeze_end(desk: Desk, until: str | None, at: str) -> str:
    """The freeze's end: the day given (to its end), else freeze_months after ``at``, the same day of the month."""
    if until is None:
        from dateutil.relativedelta import relativedelta

        return format_time(datetime.fromisoformat(at) + relativedelta(months=desk.settings["freeze_months"]))
    from fanzha_cli.domain.values import parse_day

    day = parse_day(until, desk.now.date())
    end = f"{day} 23:59:59"
    if end <= at:
        raise DeskError(f"--until {day} is not after {at}")
    return end


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


def hold_state(row: dict, now: datetime) -> str | None:
    """Where a request's hold is: None (nothing held: the bank has not answered, or it failed), ``holding``,
    ``extended``, ``frozen`` (formally), ``released``, or ``ended`` (ran out with no freeze nor release)."""
    if not row["hold_until"]:
        return None
    if row["released_at"]:
        return "released"
    if row["freeze_at"]:
        return "frozen"
    if row["hold_until"] <= format_time(now):
        return "ended"
    return "extended" if row["extended_at"] else "holding"


def view(row: dict, now: datetime, settings: dict, *, full_account: bool) -> dict:
    """A request as `stop-pay list --json` shows it (SPEC §7's keys first); amounts stay in fen here. Overdue: an
    answer awaited past stop_pay_minutes, or a hold ending within stop_pay_warn_hours (or ended) with no freeze."""
    requested = datetime.fromisoformat(row["requested_at"])
    decided = row["result_at"] and datetime.fromisoformat(row["result_at"])
    waiting = None if decided else max(0, int((now - requested).total_seconds() // 60))
    hold = hold_state(row, now)
    ends = row["hold_until"] and datetime.fromisoformat(row["hold_until"])
    left = int((ends - now).total_seconds() // 60) if hold in ("holding", "extended", "frozen") else None
    unanswered = row["status"] == "open" and now - requested > timedelta(minutes=settings["stop_pay_minutes"])
    ending = hold in ("holding", "extended", "ended") and ends - now < timedelta(hours=settings["stop_pay_warn_hours"])
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
        "overdue": unanswered or ending,
        "minutes_waiting": waiting,
        "hold": hold,
        "hold_until": row["hold_until"],
        "hold_minutes_left": left,
        "extended_at": row["extended_at"],
        "freeze_at": row["freeze_at"],
        "released_at": row["released_at"],
        "reason": row["reason"],
        "note": row["note"],
        "officer": row["officer"],
    }
