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


# A phone (mobile or landline with its area code) or a resident ID number standing alone in a message.
_PERSONAL_NUMBER = re.compile(
    r"(?:(?<![0-9])|(?<=\\x[0-9a-f]{2})|(?<=\\u[0-9a-f]{4}))"  # after a non-digit, or a character repr() escaped
    r"(?:[01][0-9]{10}|[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx])(?![0-9])"
)


def masked(text: str) -> str:
    """``text`` with any phone or ID number in it masked (``139****5678``): a message quotes what it refused, and a
    message is no place for a number the officer did not ask to see."""
    return _PERSONAL_NUMBER.sub(lambda number: number[0][:3] + "*" * (len(number[0]) - 7) + number[0][-4:], text)


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stdout
    return stream is not None and stream.isatty() and os.environ.get("TERM") != "dumb"


def use_colour(stream=None) -> bool:
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


def out(text: str = "", style: str | None = None) -> None:
    """A line (or lines) of the command's result."""
    _write(sys.stdout, visible(text), style)


def err(text: str, style: str | None = None) -> None:
    """A message for the officer: an error, a warning, a note; always one line."""
    _write(sys.stderr, masked(visible(text, one_line=True)), style)


def _write(stream, text: str, style: str | None) -> None:
    if stream is None:
        return  # a closed stderr: nowhere to say it
    try:
        if style and use_colour(stream):
            console(stream, soft_wrap=True).print(text, style=style)
        else:
            print(text, file=stream)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        raise OutputLost(exc.strerror or str(exc)) from None


class OutputLost(Exception):
    """stdout or stderr refused what was written (a full disk, ``> /dev/full``); the command's work may be done."""


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
