"""Whether this process committed a transaction that stored something (any engine): a command that stored
something and then could not show its report exits 1, not 2 (SPEC §4)."""

_committed = 0


def note_commit() -> None:
    global _committed
    _committed += 1


def any_committed() -> bool:
    return _committed > 0
