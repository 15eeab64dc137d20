"""Where output goes: data on stdout, messages on stderr; colour only on a terminal and never under NO_COLOR."""

from __future__ import annotations

import os
import sys


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def use_colour(stream=None) -> bool:
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


def out(text: str = "", style: str | None = None) -> None:
    """A line of the command's result."""
    _write(sys.stdout, text, style)


def err(text: str, style: str | None = None) -> None:
    """A message for the officer: an error, a warning, a note."""
    _write(sys.stderr, text, style)


def _write(stream, text: str, style: str | None) -> None:
    if style and use_colour(stream):
        from rich.console import Console

        Console(file=stream, highlight=False, soft_wrap=True).print(text, style=style, markup=False)
    else:
        print(text, file=stream)
