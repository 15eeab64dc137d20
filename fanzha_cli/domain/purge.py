"""Purge (SPEC §10): closed warnings older than a limit keep every figure the totals need and lose the person's
data — name, phone, address, ID number, clue, the notes' text, the SMS sent, an edit's old and new values, and the
stop-payments' accounts and notes. A keyed hash of the phone stays (the key made once, kept in the database), so
that a person who comes back is still known (`find`: "known: N earlier warnings")."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta

from fanzha_cli.domain.errors import DatabaseBusy, FanzhaError
from fanzha_cli.domain.values import format_time

_AGE = re.compile(r"(\d{1,5})\s*(d|days?|天|日|m|months?|个月|月|y|years?|年)", re.IGNORECASE)
# What an event's details may hold of a person, as text: removed from a purged warning's events
_PERSONAL = ("note", "text", "account")
# An act's snapshot for undo may hold the fields `edit` corrects; those of a person go
_PERSONAL_FIELDS = ("phone", "name", "address")
PURGED = "[purged]"


def cutoff(text: str, now: datetime) -> datetime:
    """``180d``, ``6m``, ``1y`` (天, 个月, 年 too) before ``now``; at least 30 days, so that no open day goes."""
    matched = _AGE.fullmatch(text.strip())
    if matched is None:
        raise FanzhaError(f"--older-than '{text}': give an age such as 180d, 6m or 1y (天, 个月, 年)")
    count, unit = int(matched.group(1)), matched.group(2).lower()
    if unit[0] in "d天日":
        limit = now - timedelta(days=count)
    else:
        from dateutil.relativedelta import relativedelta

        limit = now - relativedelta(months=count * (12 if unit[0] in "y年" else 1))
    if now - limit < timedelta(days=30):
        raise FanzhaError(f"--older-than {text} is under 30 days: a purge keeps at least a month whole")
    return limit


def phone_hash(key: str, phone: str) -> str:
    """The keyed hash that stays of a purged phone (HMAC-SHA-256, the key the database's own)."""
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()


def cleaned(details: str | None) -> str | None:
    """An event's details without what they held of the person."""
    if not details:
        return details
    values = json.loads(details)
    for key in _PERSONAL:
        if values.get(key) is not None:
            values[key] = PURGED
    before = values.get("before")  # an act's snapshot, for undo
    if isinstance(before, dict):
        values["before"] = {k: PURGED if k in _PERSONAL_FIELDS else v for k, v in before.items()}
    changes = values.get("changes")  # an edit's old and new values, by field
    if isinstance(changes, dict):
        values["changes"] = {k: _purged(v) if k in _PERSONAL_FIELDS else v for k, v in changes.items()}
    return json.dumps(values, ensure_ascii=False)


def _purged(change):
    return {k: PURGED for k in change} if isinstance(change, dict) else PURGED


def purge(store, older_than: str, now: datetime, *, dry_run: bool = False) -> dict:
    """Purge what is closed and older than ``older_than`` in one transaction (a dry run counts and keeps nothing);
    then the engine reclaims the space the old values took (SQLite: VACUUM, the WAL emptied)."""
    limit = format_time(cutoff(older_than, now))
    with store.rehearsal() if dry_run else store.transaction():
        ids = store.purge_candidates(limit)
        counts = {"warnings": len(ids), "events": 0, "stop_payments": 0}
        if ids:
            key = store.purge_key()
            counts = store.purge_warnings(ids, lambda phone: phone_hash(key, phone), cleaned, format_time(now))
    compacted = False
    if not dry_run:  # also when nothing more is due: what an earlier purge left in free pages goes
        try:  # the purge is stored; rewriting the file waits for desks at work: then the next purge does it
            store.compact()
            compacted = True
        except DatabaseBusy:
            pass
    return {"before": limit, "dry_run": dry_run, **counts, "compacted": compacted}


def earlier_purged(store, rows: list[dict]) -> None:
    """Add to each found warning's ``earlier_warnings`` the purged warnings of the same phone before it."""
    key = store.purge_key(create=False)
    for row in rows:
        if row["phone"]:
            row["earlier_warnings"] += store.count_purged_before(phone_hash(key, row["phone"]), row["time"])
