"""The import checks a chunk of records a column at a time (issue 11); a chunk it cannot pass whole goes record by
record. Whatever the records, the column-wise check must give exactly the rows the record-wise one gives, and count
the same stations not in the list, or give up (None) and leave the chunk to it."""

from __future__ import annotations

from datetime import datetime

from conftest import HEADER_ZH
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha_cli.files.importer import Reject, RowChecker, map_header
from fanzha_cli.files.stations import StationDirectory

NOW = datetime(2026, 11, 24, 9)
STATIONS = StationDirectory(frozenset({"阳逻派出所", "仓埠派出所"}))

# Each column's cells: mostly what a clean export holds, and the ways real and hostile files differ from it
_ID = st.one_of(
    st.from_regex(r"WH2026[0-9]{6}", fullmatch=True), st.sampled_from(["", " ", "ＷＨ１", "W\u200bH1", "a,b", "x" * 70])
)
_TIME = st.one_of(
    st.sampled_from(["2026-11-24 08:00:00", "2026/11/24 08:00:00", "2026/11/24 8:00", "2026年11月24日 08:00"]),
    st.sampled_from(
        ["2026-11-24T08:00", "2026-02-30 08:00:00", "2027-01-01 08:00:00", "1999-01-01 08:00:00", "8:00", ""]
    ),
    st.sampled_from(["2026-11-23 23:59:59", "2026/11/24 08:00:00 ", "2026-11-24 08:00:00+08"]),
)
_RISK = st.sampled_from(["中风险", "高风险", "紧急", "urgent", " 高风险", "High", "低", ""])
_NAME = st.sampled_from(["张三", " 李四 ", "", "\u3000", "王" * 65, "=cmd"])
_PHONE = st.one_of(
    st.from_regex(r"1[0-9]{10}", fullmatch=True),
    st.sampled_from(["", "138 1234 5678", "+8613812345678", "23812345678", "1381234567", "１３８１２３４５６７８"]),
    st.sampled_from(["1.38E+10", "13812345678.0", "01012345678", "1381234567x"]),
)
_STATION = st.sampled_from(["阳逻派出所", "阳逻", "仓埠所", "外区派出所", " 阳逻派出所 ", "", "站" * 70])
_TEXT = st.one_of(st.sampled_from(["", " 刷单返利 ", "x" * 20_000]), st.text(max_size=8))
_RECORD = st.tuples(_ID, _TIME, _RISK, _TEXT, _NAME, _PHONE, _STATION, _TEXT, _TEXT).map(list)
_RECORDS = st.lists(st.one_of(_RECORD, _RECORD.map(lambda r: r[:-1]), _RECORD.map(lambda r: [*r, ""])), max_size=12)


def checker() -> RowChecker:
    return RowChecker(HEADER_ZH, map_header("f.csv", HEADER_ZH), STATIONS, NOW, 7)


def one_by_one(records: list[list[str]]) -> tuple[list, dict] | None:
    """The rows record by record, or None if any record is refused (then the column-wise check must give up)."""
    check = checker()
    rows = []
    for fields in records:
        try:
            rows.append(check.check(list(fields)))
        except Reject:
            return None
    return rows, dict(check.unknown_stations)


@settings(max_examples=500, deadline=None)
@given(st.lists(_RECORD, max_size=12))
def test_a_chunk_checked_by_columns_gives_the_rows_record_by_record_does(records):
    _same(records)


@settings(max_examples=300, deadline=None)
@given(_RECORDS)
def test_a_chunk_with_shifted_rows_too(records):
    _same(records)


_CLEAN = st.tuples(
    st.from_regex(r" ?WH2026[0-9]{6} ?", fullmatch=True),
    st.sampled_from(["2026-11-24 08:00:00", "2026/11/24 08:00:00", "2026/11/24 8:00", "2026年11月24日 08:00"]),
    st.sampled_from(["中风险", "高风险", "紧急", "urgent", "medium"]),
    _TEXT.filter(lambda text: len(text) <= 10_000),
    st.sampled_from(["张三", " 李四 ", "王" * 64]),
    st.from_regex(r"1[0-9]{10}", fullmatch=True),
    st.sampled_from(["阳逻派出所", "阳逻", "仓埠所", "外区派出所", " 阳逻派出所 "]),
    st.sampled_from(["", " 新洲区 ", "x" * 200]),
    st.sampled_from(["", "线索", " a\nb "]),
).map(list)


@settings(max_examples=200, deadline=None)
@given(st.lists(_CLEAN, min_size=1, max_size=12))
def test_a_clean_chunk_is_checked_by_columns_to_the_same_rows(records):
    expected = one_by_one(records)
    check = checker()
    assert (check.check_many([list(fields) for fields in records]), dict(check.unknown_stations)) == expected


def test_a_clean_chunk_is_checked_by_columns():
    records = [
        [f"WH{n}", "2026-11-24 08:00:00", "高风险", "", "张三", "13812345678", "阳逻", "", ""] for n in range(50)
    ]
    records[3][6] = "外区派出所"
    check = checker()
    rows = check.check_many(records)
    assert rows is not None and len(rows) == 50 and rows[0][5] == "阳逻派出所" and rows[3][5] == "外区派出所"
    assert check.unknown_stations == {"外区派出所": 1}


def _same(records: list[list[str]]) -> None:
    expected = one_by_one(records)
    check = checker()
    rows = check.check_many([list(fields) for fields in records])
    if rows is None:
        return  # given up: the record-by-record path takes the chunk
    assert expected is not None, "the column-wise check passed a chunk the record-wise check refuses"
    assert (rows, dict(check.unknown_stations)) == expected
