"""The access log (SPEC §10): every full phone, ID number or account number shown, by whom, when, which warning and
field, and by which command. The command records it before it prints, so that nothing is shown unrecorded; the
log holds no value itself (a purge leaves nothing of the person in it)."""

from __future__ import annotations

from collections.abc import Iterable

from fanzha_cli.domain.values import format_time


def record(desk, shown: Iterable[tuple[str, str]], command: str) -> None:
    """``shown``: (warning id, field) pairs about to be shown in full by ``command``; each recorded once. Kept like
    a take (not waiting for the disk): a power cut in the second after may lose it, never a stored record."""
    rows = [
        {
            "at": format_time(desk.now),
            "officer": desk.officer,
            "warning_id": warning_id,
            "field": field,
            "command": command,
        }
        for warning_id, field in dict.fromkeys(shown)
    ]
    if rows:
        desk.store.log_access(rows)


def phones(warnings: Iterable[dict | None]) -> list[tuple[str, str]]:
    """(id, "phone") of each warning shown with its phone (a purged one has none to show)."""
    return [(warning["id"], "phone") for warning in warnings if warning is not None and warning["phone"]]


def accounts(requests: Iterable[dict]) -> list[tuple[str, str]]:
    """(warning id, "account") of each stop-payment shown with its account."""
    return [(request["warning_id"], "account") for request in requests if request["account"]]
