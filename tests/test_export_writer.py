"""The export's CSV writer (issue 11): records are written whole and checked a chunk at a time; the result must be
exactly what the careful path (every text cell shown and made inert) writes, for any record at all."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha_cli.files import export
from fanzha_cli.files.safe import inert
from fanzha_cli.output import visible

# Texts made of the characters that matter to a CSV and a spreadsheet, and of ordinary ones
_TRICKY = st.sampled_from(
    ["=", "+", "-", "@", "\t", "\r", "\n", "\r\n", '"', ",", "'", "\x1b", "\x00", "\u200b", "\u2028"]
)
_TEXT = st.lists(st.one_of(_TRICKY, st.text(max_size=3)), max_size=6).map("".join)
_CELL = st.one_of(
    st.none(), _TEXT, st.integers(0, 10**6), st.integers(0, 10**9).map(lambda fen: Decimal(fen).scaleb(-2))
)
_RECORDS = st.lists(st.lists(_CELL, min_size=1, max_size=5), max_size=8)


def careful(records: list[list]) -> str:
    """The export as if every record were written cell by cell, the slow way."""
    target = io.StringIO()
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow(export.HEADERS)
    writer.writerows(
        [inert(visible(value)) if isinstance(value, str) else value for value in record] for record in records
    )
    return target.getvalue()


def written(records: list[list]) -> str:
    target = io.StringIO()
    export.write_csv(records, target, bom=False)
    return target.getvalue()


@settings(max_examples=400, deadline=None)
@given(_RECORDS)
def test_the_quick_path_writes_what_the_careful_one_does(records):
    assert written(records) == careful(records)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=1, max_size=3), min_size=1, max_size=12), st.integers(1, 4))
def test_chunks_are_checked_each_on_their_own(records, chunk):
    """A tricky record makes its own chunk careful; the chunks around it are written as they are, all the same."""
    original = export._CHUNK
    export._CHUNK = chunk
    try:
        assert written(records) == careful(records)
    finally:
        export._CHUNK = original


def test_a_plain_day_goes_out_as_it_is_and_each_kind_of_trouble_is_seen():
    plain = [["WH1", "2026-11-19 08:00:00", "高风险", "张三", "138****5678", 0, None, Decimal("4500.00")]]
    assert export._plain(_csv_of(plain), 1)
    for trouble in ["=1+1", "+1", "-1", "@SUM(1)", "\t1", "a\r\nb", "a\nb", "a\x1bb", '=1,"2"', "=1,2"]:
        for where in (0, 3):
            record = list(plain[0])
            record[where] = trouble
            assert not export._plain(_csv_of([*plain, record]), 2), (trouble, where)


def _csv_of(records: list[list]) -> str:
    target = io.StringIO()
    csv.writer(target, lineterminator="\r\n").writerows(records)
    return target.getvalue()
