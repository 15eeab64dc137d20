"""A person calls back (SPEC §3): `find` the warning by phone, name or id (Desk.take then puts it in hand).

Also the short ids of every command: a warning id may be typed as any unique tail of four characters or more, in
any case, like a short git hash (``0008`` for ``WH202611240000008``); ``Desk.get`` asks ``by_id_tail`` when the
id as typed is not stored. Every lookup reads an index (store, "find and take"), never the whole table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from fanzha_cli.domain.errors import DeskError
from fanzha_cli.domain.values import normalize_id, parse_phone, storable

if TYPE_CHECKING:  # for the type only: the engine is chosen by storage.open_store
    from fanzha_cli.storage.protocol import Store

MIN_TAIL = 4  # an id's tail is at least this long; so is a phone's
SHOWN_CANDIDATES = 10  # the candidates an ambiguous tail lists
DEFAULT_LIMIT = 20

# Each kind of Store.find_warnings and what it matched, as `find --json`'s `matched_by` says it.
MATCHED_BY = {
    "phone_tail": "phone",
    "phone": "phone",
    "name": "name",
    "name_start": "name",
    "id": "id",
    "id_tail": "id",
}


# --- short ids -----------------------------------------------------------------------------------------------


def by_id_tail(store: Store, text: str) -> dict | None:
    """The one warning whose id ends with ``text`` (four characters or more, any case), or None; a tail that
    fits several raises a DeskError naming them (newest first), so that nothing is done to the wrong one."""
    tail = normalize_id(storable(text))
    if len(tail) < MIN_TAIL:
        return None
    found = store.find_warnings("id_tail", SHOWN_CANDIDATES + 1, tail=tail)
    if not found:
        return None
    if len(found) == 1:
        return store.get_warning(found[0]["id"])
    shown = ", ".join(f"{row['id']} ({row['time'][:16]})" for row in found[:SHOWN_CANDIDATES])
    how_many = f"more than {SHOWN_CANDIDATES}" if len(found) > SHOWN_CANDIDATES else str(len(found))
    newest = ", the newest" if len(found) > SHOWN_CANDIDATES else ""
    raise DeskError(
        f"'{tail}' is the end of {how_many} warning ids{newest}: {shown}; type more of the id (nothing was done)"
    )


# --- find --------------------------------------------------------------------------------------------------------


def searches(text: str) -> list[tuple[str, dict]]:
    """What ``text`` may be, as kinds of Store.find_warnings with their parameters: a phone (all 11 digits, spaced or
    with +86 as the import reads it; or the last four), a name (as written, or the start of one), an id (as
    typed, or a tail of four characters or more, any case). Four digits are both a phone's end and an id's."""
    typed = storable(text).strip()
    wanted = normalize_id(typed)  # full-width digits as digits; no invisible characters from a copy
    if not wanted:
        raise DeskError("find needs something to look for: a phone (11 digits or the last four), a name or an id")
    kinds: list[tuple[str, dict]] = []
    compact = "".join(wanted.split())
    digits = compact.isascii() and compact.isdigit()
    try:
        kinds.append(("phone", {"phone": parse_phone(wanted)}))
    except ValueError:
        if digits and len(compact) == MIN_TAIL:
            kinds.append(("phone_tail", {"tail": compact}))
    if not digits and not kinds:  # a name has letters; a number is a phone or an id
        kinds += [("name", {"name": typed}), ("name_start", {"name": typed})]
    kinds.append(("id", {"typed": typed, "id": wanted}))
    if len(wanted) >= MIN_TAIL:
        kinds.append(("id_tail", {"tail": wanted}))
    return kinds


class Found(NamedTuple):
    rows: list[dict]  # newest first
    more: bool  # more matched than the limit
    unlisted_ids: int  # warnings whose id the digits end with, not listed (0, or 2 up to SHOWN_CANDIDATES + 1)


def find(store: Store, text: str, *, limit: int = DEFAULT_LIMIT) -> Found:
    """The warnings ``text`` finds, open and closed, newest first (by their own time), at most ``limit`` (0: all).
    Each row is a stored warning with ``earlier_warnings`` (the same phone's warnings before it) and
    ``matched_by`` (``phone``, ``name`` and/or ``id``).

    Digits that make a phone or its end are first of all a phone: the ids they end are listed only when they are
    the end of one id (a short id), not of many, which would bury the person's own warnings under strangers'."""
    found: dict[str, dict] = {}
    kinds = searches(text)
    phone = any(MATCHED_BY[kind] == "phone" for kind, _ in kinds)
    unlisted = 0
    for kind, params in kinds:
        if kind == "id_tail" and phone:
            rows = store.find_warnings(kind, SHOWN_CANDIDATES + 1, **params)
            if len(rows) > 1:
                unlisted = len(rows)
                continue
        else:
            # one more than asked: each kind's newest limit + 1 hold the newest limit + 1 of them all
            rows = store.find_warnings(kind, limit + 1 if limit else None, **params)
        for row in rows:
            seen = found.setdefault(row["id"], row | {"matched_by": []})
            if MATCHED_BY[kind] not in seen["matched_by"]:
                seen["matched_by"].append(MATCHED_BY[kind])
    rows = sorted(found.values(), key=lambda row: (row["time"], row["rowid"]), reverse=True)
    more = bool(limit and len(rows) > limit)
    rows = rows[:limit] if more else rows
    if rows and store.purge_key(create=False) is not None:  # a person who comes back is known after a purge
        from fanzha_cli.domain.purge import earlier_purged

        earlier_purged(store, rows)
    return Found(rows, more, unlisted)


def hint(text: str) -> str | None:
    """Why ``text`` may have found nothing: a number too short or too long to be a phone or its end."""
    compact = "".join(normalize_id(storable(text)).split())
    if compact.isascii() and compact.isdigit() and len(compact) not in (MIN_TAIL, 11):
        return f"a phone is found by all 11 digits or the last {MIN_TAIL}"
    return None
