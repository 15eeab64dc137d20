"""Where output goes: data on stdout, messages on stderr; colour only on a terminal and never under NO_COLOR.

Names, clues, stations and file names come from files the officer did not write. They are shown as text: a
terminal escape (which could set the window title, clear the screen or write the clipboard) is made visible, and
Rich never reads them as markup (``[/bold]`` would crash a table, ``[link=…]`` would make a link).
"""

from __future__ import annotations

import os
import re
import sys

# C0 controls but tab and line feed, DEL, C1 controls (0x9b is a one-byte CSI), the bidirectional overrides that
# reorder what a line seems to say, and the lone surrogates of a file name that is not UTF-8.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _shown(match: re.Match) -> str:
    char = match[0]
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␍ for CR: the Unicode pictures of the controls
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # a byte of a non-UTF-8 file name, as Python escaped it
    return "␡" if code == 0x7F else f"\\u{code:04x}"


def visible(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control character shown, not obeyed; ``one_line`` also shows line breaks as ``⏎``."""
    if one_line and ("\n" in text or "\t" in text):
        text = text.replace("\r\n", "\n").replace("\n", "⏎").replace("\t", " ")
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_shown, text)


def counted(number: int, noun: str) -> str:
    """``1 row``, ``2 rows``: the English of a count (nouns with a plain plural only)."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def spoken_duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} d {hours % 24} h"


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stdout
    return stream is not None and stream.isatty() and os.environ.get("TERM") != "dumb"


def json_indent() -> int | None:
    """How `--json` is laid out: indented for a person at a terminal, compact when piped (a program reads it; a
    month's summary is a third of the size and written in a fraction of the time)."""
    return 2 if is_terminal() else None


def out_json(value) -> None:
    """A `--json` output on stdout (json_indent's layout), Chinese as it is."""
    import json

    out(json.dumps(value, ensure_ascii=False, indent=json_indent()))


def use_colour(stream=None) -> bool:
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


def out(text: str = "", style: str | None = None) -> None:
    """A line (or lines) of the command's result."""
    _write(sys.stdout, visible(text), style)


def err(text: str, style: str | None = None) -> None:
    """A message for the officer: an error, a warning, a note; always one line."""
    from fanzha_cli.domain.values import mask_numbers

    _write(sys.stderr, mask_numbers(visible(text, one_line=True)), style)


def _write(stream, text: str, style: str | None) -> None:
    if stream is None:
        return  # a closed stderr: nowhere to say it
    try:
        if style and use_colour(stream):
            console(stream, soft_wrap=True).print(text, style=style)
        else:
            print(text, file=stream)
    except OSError as exc:
        raise _lost(exc) from None


def _lost(exc: OSError) -> OutputLost:
    return OutputLost(exc.strerror or str(exc), broken_pipe=isinstance(exc, BrokenPipeError))


class Stdout:
    """stdout for a writer that writes on its own (the csv module's), its failures as out()'s: a reader that left
    is not taken by Click for an error (Click ends a broken pipe with exit 1)."""

    def write(self, text: str) -> int:
        try:
            return sys.stdout.write(text)
        except OSError as exc:
            raise _lost(exc) from None


class OutputLost(Exception):
    """stdout or stderr refused what was written (a full disk, ``> /dev/full``, a reader that left); the
    command's work may be done."""

    def __init__(self, reason: str, *, broken_pipe: bool = False):
        super().__init__(reason)
        self.broken_pipe = broken_pipe


def console(stream=None, *, soft_wrap: bool = False):
    """A Rich console that takes every string as plain text: no markup, no emoji codes, controls made visible.

    Use it for every table and panel; a ``rich.text.Text`` made by hand must be given ``visible(...)`` text.
    """
    from rich.console import Console

    class PlainTextConsole(Console):
        def render_str(self, text: str, **options):
            options.update(markup=False, emoji=False)
            return super().render_str(visible(text), **options)

    return PlainTextConsole(file=stream, markup=False, emoji=False, highlight=False, soft_wrap=soft_wrap)
