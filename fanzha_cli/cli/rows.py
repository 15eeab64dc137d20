"""Rows on a terminal (`list`, `stop-pay list`): a table without rules, its columns two spaces apart and narrowed
to the terminal's width, the columns an officer types or reads out (an id, a phone, an account) never cut; a long
text that belongs to a row (why it is overdue, a hold's end) on a line of its own under it, since as a column it
would be a few characters wide on an 80-column terminal."""

from __future__ import annotations

_GAP = 2
_NARROWEST = 4  # two characters of Chinese


def print_rows(
    headers: list[str],
    rows: list[list[str]],
    *,
    whole: set[int],
    styles: list[str | None],
    notes: list[str] | None = None,
) -> None:
    """``whole``: the columns never folded; ``styles``: each row's; ``notes``: each row's line under it (none when
    empty). Each row with a note is a table of its own with the same widths, so that the note can go between."""
    from rich.cells import cell_len
    from rich.padding import Padding
    from rich.table import Table

    from fanzha_cli.output import console

    content = [max(cell_len(row[n]) for row in rows) for n in range(len(headers))]
    widths = [max(cell_len(header), content[n]) for n, header in enumerate(headers)]
    screen = console()
    widths = fitted(widths, content, whole, screen.width)

    def table(header: bool) -> Table:
        grid = Table(box=None, padding=(0, _GAP, 0, 0), show_header=header, header_style="bold", pad_edge=False)
        for n, (title, width) in enumerate(zip(headers, widths, strict=True)):
            grid.add_column(title, width=width, no_wrap=n in whole, overflow="fold")
        return grid

    shown = table(header=True)
    for n, (cells, style) in enumerate(zip(rows, styles, strict=True)):
        shown.add_row(*cells, style=style)
        if notes and notes[n]:
            screen.print(shown)
            screen.print(Padding(notes[n], (0, 0, 0, 4)), style=style)
            shown = table(header=False)
    if shown.row_count:
        screen.print(shown)


def fitted(widths: list[int], content: list[int], whole: set[int], room: int) -> list[int]:
    """The columns' widths narrowed to ``room``: first the headers wider than what they head are folded ("stat/us"),
    then the widest of the columns that may fold, down to two characters of Chinese; the ``whole`` ones stay."""
    widths = list(widths)
    foldable = [n for n in range(len(widths)) if n not in whole]
    excess = sum(widths) + _GAP * (len(widths) - 1) - room
    for n in sorted(foldable, key=lambda n: content[n] - widths[n]):
        narrower = max(content[n], _NARROWEST, widths[n] - max(excess, 0))
        excess -= widths[n] - narrower
        widths[n] = narrower
    while excess > 0 and foldable:
        widest = max(foldable, key=lambda n: widths[n])
        if widths[widest] <= _NARROWEST:
            break  # too narrow a terminal: its own wrapping takes over
        widths[widest] -= 1
        excess -= 1
    return widths
