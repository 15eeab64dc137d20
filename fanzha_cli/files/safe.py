"""Files fanzha writes that hold personal data (rejected rows, exports): private, whole, and never left behind.

Each is written under a hidden temporary name in the folder it belongs in, readable by its owner only, and renamed
into place when complete, so that a half-written file never passes for a finished one. Any exception removes the
temporary file; a process killed outright (SIGKILL, a power cut) cannot, so the next write to the same place
removes what a dead process left.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fanzha_cli.domain.errors import FanzhaError

PRIVATE = 0o600
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A text a spreadsheet would run as a formula (``=HYPERLINK(…)``, ``+cmd|…``), made inert with a leading
    apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


@contextmanager
def private_file(path: Path, mode: str = "w", **open_options) -> Iterator:
    """Open ``path`` for writing as described above; the file appears under its name only when the block ends
    without an exception. A symbolic link is written through (its target replaced); a device or a pipe
    (``-o /dev/stdout``) is written to directly, there being nothing to rename."""
    path = Path(os.path.realpath(path))
    if path.exists() and not path.is_file():
        yield from _written_directly(path, mode, open_options)
        return
    remove_leftovers(path)
    temp = temporary_name(path)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    except OSError as exc:
        raise FanzhaError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with open(fd, mode, **open_options) as handle:
            yield handle
        os.chmod(temp, PRIVATE)  # an existing temp of a reused pid keeps its old mode otherwise
        os.replace(temp, path)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise FanzhaError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


def _written_directly(path: Path, mode: str, open_options: dict) -> Iterator:
    try:
        with open(path, mode, **open_options) as handle:
            yield handle
    except OSError as exc:
        raise FanzhaError(f"cannot write {path}: {exc.strerror or exc}") from None


def remove_leftovers(path: Path) -> None:
    """Remove the temporary files of ``path`` whose writer is dead."""
    try:
        leftovers = list(path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"))
    except OSError:
        return
    for leftover in leftovers:
        pid = leftover.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, from an earlier write of this process that failed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process: leave its file alone
    return True


def _glob_escape(name: str) -> str:
    return "".join(f"[{char}]" if char in "*?[" else char for char in name)
