"""The library's own exceptions: each carries the one line the officer reads and the exit code (SPEC §4)."""

from __future__ import annotations


class FanzhaError(Exception):
    """Nothing was done: bad input or usage (exit 2)."""

    exit_code = 2


class DeskError(FanzhaError):
    """The action cannot be done (unknown warning, closed, in another officer's hand, ...): nothing changed."""


class ImportFileError(FanzhaError):
    """A file that cannot be imported at all; names the file and, where known, the line and column."""

    def __init__(self, file: str, reason: str, line: int | None = None, column: str | None = None):
        self.file, self.reason, self.line, self.column = file, reason, line, column
        where = shown_file(file) if line is None else f"{shown_file(file)}, line {line}"
        if column:
            where += f", column {column}"
        super().__init__(f"{where}: {reason}")


def shown_file(name: str) -> str:
    """A file as a message names it: ``-`` is standard input."""
    return "(standard input)" if name == "-" else name


class DatabaseError(FanzhaError):
    """The database cannot be opened or used (a path that is not a database, one from a newer version, ...).

    Its kinds below are what any engine's store raises, so that a caller can tell them apart without reading the
    text: the line itself is for the officer."""


class DatabaseBusy(DatabaseError):
    """Another fanzha, or another program, holds the database: nothing was done; trying again may work."""


class DatabaseUnreachable(DatabaseError):
    """The database cannot be reached: a file that cannot be opened or read, a disk failing or full."""


class NotADatabase(DatabaseError):
    """What is there is not a fanzha database: not a database at all, damaged, or another program's."""


class NotPermitted(DatabaseError):
    """The server refused this login what it asked (SPEC §9: its role does not allow it): nothing was done."""


class SchemaTooNew(DatabaseError):
    """The database was written by a newer fanzha: this one must not change it."""


class NoDatabase(DatabaseError):
    """A command that only reads was pointed at a path with no database: a typo must not look like an empty queue.
    ``shown`` is the place as a message names it (never a password), ``why`` what was found there instead."""

    def __init__(self, shown: str, why: str = ""):
        self.shown, self.why = shown, why
        super().__init__(
            f"there is no database at {shown}{why}: check --db or FANZHA_DB, or start one by importing an export"
            " (`fanzha import FILE`)"
        )
