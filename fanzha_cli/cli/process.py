"""The process around the app: the words the shell split, the one command to build, the streams, the exit code.

The console script is ``main``; any failure is one line on stderr, never a traceback.
"""

import importlib
import os
import re
import sys

from fanzha_cli.cli.application import app
from fanzha_cli.output import OutputLost, err

GLOBAL_OPTIONS_WITH_VALUES = ("--db", "--officer", "--station")

# the order of --help
MODULES = ("intake", "stations", "desk", "handovers", "day", "keys", "find", "stoppay", "db", "admin", "care")
# The module of each command word; a word not here (a new command) loads them all, which only costs time.
MODULE_OF = {
    "import": "intake",
    "stations": "stations",
    **dict.fromkeys(("next", "log", "escalate", "visit", "release", "note", "edit", "undo", "show", "list"), "desk"),
    "config": "desk",
    "summary": "day",
    "export": "day",
    "desk": "keys",
    "find": "find",
    "take": "find",
    "stop-pay": "stoppay",
    **dict.fromkeys(("inbox", "ack", "handover"), "handovers"),
    "db": "db",
    "admin": "admin",
    **dict.fromkeys(("backup", "restore", "audit", "purge"), "care"),
}


def register(word: str | None = None) -> None:
    """Import the module of the command ``word`` (its commands register with the app), or all of them."""
    for name in (MODULE_OF[word],) if word in MODULE_OF else MODULES:
        importlib.import_module(f"fanzha_cli.cli.{name}")


def command_word(argv: list[str]) -> str | None:
    """The command an officer's call names; None for --help, --version, completion, or no command at all."""
    if any(name.endswith("_COMPLETE") for name in os.environ):
        return None
    words = iter(argv)
    for word in words:
        if word in GLOBAL_OPTIONS_WITH_VALUES:
            next(words, None)
        elif word.startswith("-"):
            return None
        else:
            return word
    return None


def build_only_the_command_asked_for(argv: list[str]) -> None:
    """Import and build only the command an officer's call names: Typer would build the parser of every command
    at each start, and the command modules cost their import.

    Saves some milliseconds on every `next` and `log`. Anything else — no command word, an option before it
    (--help, --version, completion), a word that is not a command, a completion request — keeps them all.
    """
    word = command_word(argv)
    register(word)
    if word is None:
        return
    commands = [command for command in app.registered_commands if command.name == word]
    groups = [group for group in app.registered_groups if group.name == word]
    if commands or groups:
        app.registered_commands[:] = commands
        app.registered_groups[:] = groups


def at_time_joined(args: list[str]) -> list[str]:
    """``--at 2026/11/24 20:00`` typed without quotes is one time, not a time and a stray word: the officer's
    shell split it, and a bare clock time after a date can mean nothing else."""
    joined = list(args)
    for n in range(len(joined) - 2, 0, -1):
        date_part, clock = joined[n], joined[n + 1]
        if joined[n - 1] == "--at" and re.fullmatch(_CLOCK_WORD, clock) and re.fullmatch(_DATE_WORD, date_part):
            joined[n : n + 2] = [f"{date_part} {clock}"]
    return joined


# Patterns compiled (and cached by re) only when an --at is typed: not a cost of every command's start.
_CLOCK_WORD = r"[0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2})?"
_DATE_WORD = r"[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?"


def main() -> None:
    """The console script: any failure is one line on stderr, never a traceback (set FANZHA_DEBUG=1 for one)."""
    _prepare_streams()
    try:
        sys.argv[1:] = at_time_joined(sys.argv[1:])
        build_only_the_command_asked_for(sys.argv[1:])
        app()
    except SystemExit as done:
        _deliver_output(done.code if isinstance(done.code, int) else 2)
        raise
    except KeyboardInterrupt:
        err("fanzha: interrupted; nothing half-done was stored")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("FANZHA_DEBUG"):
            raise
        if _output_lost(exc):
            _discard_pending_output()
            _say_output_lost(exc)
            sys.exit(_exit_code_after_lost_output(exc))
        err(f"fanzha: internal error: {type(exc).__name__}: {exc} (FANZHA_DEBUG=1 shows where)")
        sys.exit(2)


def _prepare_streams() -> None:
    """What the officer's shell may hand us: a closed stdout, a file name that is not UTF-8, a SIGTERM."""
    import signal

    def terminated(signum, frame):
        raise SystemExit(128 + signum)  # unwinds like an error: the open transaction rolls back, temp files go

    signal.signal(signal.SIGTERM, terminated)
    if not os.environ.get("FANZHA_DEBUG"):
        import warnings

        warnings.simplefilter("ignore")  # a library's warning is not a message for the officer
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")  # never fail on a name that cannot be encoded
    if sys.stdout is None:
        err("fanzha: standard output is closed: nothing done (run it again with somewhere for the output to go)")
        sys.exit(2)


def _deliver_output(code: int) -> None:
    """Flush stdout now, so that a full disk is reported here in one line, not as a traceback when Python exits."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        _discard_pending_output()
        _say_output_lost(exc)
        sys.exit(_exit_code_after_lost_output(exc, code))


def _reader_left(exc: BaseException) -> bool:
    """`fanzha list | head`: the reader has what it wanted and left (a broken pipe)."""
    return isinstance(exc, BrokenPipeError) or getattr(exc, "broken_pipe", False)


def _say_output_lost(exc: BaseException) -> None:
    if _reader_left(exc):
        return
    reason = exc.strerror if isinstance(exc, OSError) else str(exc)
    stored = _stored()
    after = "; what the command did was stored (run it again, or `fanzha show`, to see it)" if stored else ""
    err(f"fanzha: cannot write the output: {reason}{after}")


def _output_lost(exc: Exception) -> bool:
    """A write to stdout that failed: ours (OutputLost) or Rich's (an OSError a full disk gives, with no file)."""
    import errno

    if isinstance(exc, OutputLost):
        return True
    lost = (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EBADF)
    return isinstance(exc, OSError) and exc.errno in lost and exc.filename is None


def _discard_pending_output() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _exit_code_after_lost_output(exc: BaseException, code: int = 0) -> int:
    """1 when the command stored something whose report was lost, or had said 1 itself (SPEC §4); else, for a reader
    that left early, the command's own code (a read cut short where the reader wanted: 0); else 2, nothing done."""
    if _stored() or code == 1:
        return 1
    return code if _reader_left(exc) else 2


def _stored() -> bool:
    writes = sys.modules.get("fanzha_cli.storage.writes")  # not imported: nothing was opened, nothing stored
    return writes is not None and writes.any_committed()
