"""`fanzha import` of hostile Excel workbooks (issue 9): no row lost silently, no "internal error".

Each workbook is written with openpyxl, then its zip is patched: a ``<dimension>`` that understates the sheet, rows
out of order or repeated, a flipped byte under the checksum, broken deflate data, XML cut short, a part missing.
Whatever comes in, either every row there is read under the sheet's own row numbers, or the file is refused:
exit 2, one line on stderr naming the file and what is wrong with it, nothing stored.
"""

from __future__ import annotations

import csv
import json
import os
import re
import struct
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from conftest import HEADER_ZH, SAMPLE, warning_row, write_export

SHEET = "xl/worksheets/sheet1.xml"
SAMPLE_ROWS = 52  # data rows of the sample export: 45 new, 1 duplicate, 6 rejected
SEED_ROWS = 3


# --- building workbooks ---------------------------------------------------------------------------------------


def sample_table() -> list[list[str]]:
    """The sample export (GB18030 CSV), header first, as Excel would show it."""
    with open(SAMPLE, encoding="gb18030", newline="") as handle:
        return list(csv.reader(handle))


def write_workbook(path: Path, table: list[list]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in table:
        sheet.append(row)
    book.save(path)
    return path


def sample_workbook(path: Path) -> Path:
    return write_workbook(path, sample_table())


def patch_zip(path: Path, edits: dict[str, Callable[[bytes], bytes | None]]) -> Path:
    """Rewrite the workbook's zip with each named part passed through its edit (``None`` drops the part)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename in edits:
                data = edits[info.filename](data)
                if data is None:
                    continue
            out.writestr(info, data)
    return path


def replace(old: str, new: str) -> Callable[[bytes], bytes]:
    def edit(data: bytes) -> bytes:
        assert old.encode() in data, f"{old!r} is not in the part"
        return data.replace(old.encode(), new.encode())

    return edit


def sheet_rows(data: bytes) -> list[bytes]:
    return re.findall(rb"<row [^>]*>.*?</row>", data, flags=re.S)


def move_row(data: bytes) -> bytes:
    """Row 5 written after row 8."""
    rows = sheet_rows(data)
    assert rows[4].startswith(b'<row r="5"')
    data = data.replace(rows[4], b"", 1)
    return data.replace(rows[7], rows[7] + rows[4], 1)


def repeat_row(data: bytes) -> bytes:
    """A second row 6 after the first, with other ids: one of them would be lost."""
    row = sheet_rows(data)[5]
    assert row.startswith(b'<row r="6"')
    return data.replace(row, row + row.replace(b">WH2026", b">XX2026"), 1)


def cell_in_wrong_row(data: bytes) -> bytes:
    """Row 5's first cell claims to be A7."""
    assert b'<c r="A5"' in data
    return data.replace(b'<c r="A5"', b'<c r="A7"', 1)


def cells_out_of_order(data: bytes) -> bytes:
    """Row 4's cells A and B swapped."""
    match = re.search(rb'(<c r="A4".*?</c>)(<c r="B4".*?</c>)', data, flags=re.S)
    assert match
    return data.replace(match.group(0), match.group(2) + match.group(1), 1)


def repeat_cell(data: bytes) -> bytes:
    """Row 4's cell C written twice."""
    match = re.search(rb'<c r="C4".*?</c>', data, flags=re.S)
    assert match
    return data.replace(match.group(0), match.group(0) * 2, 1)


def with_shared_strings(path: Path) -> Path:
    """Text cells moved to a sharedStrings part, as Excel writes them (openpyxl writes them inline)."""
    strings: list[str] = []

    def to_shared(match: re.Match) -> bytes:
        strings.append(match.group(3).decode())
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), len(strings) - 1)

    with zipfile.ZipFile(path) as source:
        sheet = source.read(SHEET)
    pattern = rb'<c r="([A-Z]+\d+)"((?: s="\d+")?) t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>'
    sheet = re.sub(pattern, to_shared, sheet, flags=re.S)
    sheet = sheet.replace(b' t="inlineStr" />', b" />")  # an empty string
    assert b"inlineStr" not in sheet and strings
    items = "".join(f"<si><t>{text}</t></si>" for text in strings)
    table = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    )
    override = (
        '<Override PartName="/xl/sharedStrings.xml"'
        ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    relationship = (
        '<Relationship Id="rIdStrings" Target="sharedStrings.xml"'
        ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
        "</Relationships>"
    )
    patch_zip(
        path,
        {
            SHEET: lambda _: sheet,
            "[Content_Types].xml": replace("</Types>", override),
            "xl/_rels/workbook.xml.rels": replace("</Relationships>", relationship),
        },
    )
    with zipfile.ZipFile(path, "a") as book:
        book.writestr("xl/sharedStrings.xml", table)
    return path


def cut_in_half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def cut_near_end(data: bytes) -> bytes:
    return data[:-40]


def flip_checksummed_byte(path: Path) -> Path:
    """The sheet stored uncompressed, then one digit of a phone number changed: the XML is still well-formed, so
    only the CRC check, when the last byte of the sheet has been read, finds it."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename == SHEET:
                out.writestr(info.filename, data, compress_type=zipfile.ZIP_STORED)
            else:
                out.writestr(info, data)
    raw = bytearray(path.read_bytes())
    *_, last = re.finditer(rb">100\d", raw)  # a phone in the last rows of the sheet: the rows before it go first
    raw[last.end() - 1] ^= 0x01  # another digit
    path.write_bytes(bytes(raw))
    return path


def break_deflate(path: Path, member: str = SHEET) -> Path:
    """The first byte of the part's deflate stream made 0xFF: block type 3, which does not exist."""
    with zipfile.ZipFile(path) as book:
        info = book.getinfo(member)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    raw = bytearray(path.read_bytes())
    local = info.header_offset
    name_length, extra_length = struct.unpack_from("<HH", raw, local + 26)
    raw[local + 30 + name_length + extra_length] = 0xFF
    path.write_bytes(bytes(raw))
    return path


def ole_file(path: Path, streams: dict[str, bytes]) -> Path:
    """A small OLE compound file (what an encrypted .xlsx and an old .xls are): 512-byte sectors, one FAT sector,
    one directory sector, each stream in regular sectors (at least 4096 bytes, so not in the mini stream)."""
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sector, end]  # sector 0: the FAT; sector 1: the directory
    data = b""
    entries = [("Root Entry", 5, end, 0)]
    for name, content in streams.items():
        content = content.ljust(4096, b"\x00")
        content += b"\x00" * (-len(content) % 512)
        first, count = len(fat), len(content) // 512
        fat += [first + n + 1 for n in range(count - 1)] + [end]
        entries.append((name, 2, first, len(content)))
        data += content
    assert len(fat) <= 128 and len(entries) <= 4
    fat += [free] * (128 - len(fat))

    def entry(index: int, name: str, kind: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        child = 1 if kind == 5 and len(entries) > 1 else no_stream
        right = index + 1 if kind == 2 and index + 1 < len(entries) else no_stream
        return struct.pack(
            "<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, no_stream, right, child, b"", 0, 0, 0, start, size
        )

    entries += [("", 0, 0, 0)] * (4 - len(entries))  # unused entries fill the sector
    directory = b"".join(entry(n, *fields) for n, fields in enumerate(entries))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"",
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"",
        0,
        1,  # FAT sectors
        1,  # the first directory sector
        0,
        4096,
        end,
        0,
        end,
        0,
    )
    header += struct.pack("<109I", 0, *[free] * 108)
    assert len(header) == 512 and len(directory) == 512
    path.write_bytes(header + struct.pack("<128I", *fat) + directory + data)
    return path


# --- checking the outcome -------------------------------------------------------------------------------------


@pytest.fixture
def seeded(run, db, tmp_path):
    """One good import first, so that "nothing stored" means the database did not change."""
    folder = tmp_path / "seed"
    folder.mkdir()
    result = run("import", write_export(folder / "seed.csv", [warning_row(n) for n in range(1, SEED_ROWS + 1)]))
    assert result.exit_code == 0, result.output
    return db("SELECT count(*) FROM warnings"), db("SELECT count(*) FROM batches")


def assert_refused(result, path: Path, *phrases: str) -> str:
    """Exit 2 and one line on stderr, ``fanzha: FILE...: reason``, with no traceback or internal error."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.exit_code == 2, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"fanzha: {path}"), line
    for phrase in phrases:
        assert phrase in line, f"{phrase!r} not in: {line}"
    return line


def assert_nothing_stored(db, seeded) -> None:
    assert (db("SELECT count(*) FROM warnings"), db("SELECT count(*) FROM batches")) == seeded


def imported(result) -> dict:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def counts(data: dict) -> tuple:
    return data["rows"], data["new"], data["duplicate"], data["rejected"]


@pytest.fixture
def sample_outcome(run, tmp_path):
    """The sample CSV's own import (a dry run): the counts and the lines rejected a workbook of it must give."""
    data = imported(run("import", SAMPLE, "--dry-run", "--json", "--rejects", tmp_path / "sample.rejects.csv"))
    assert counts(data) == (SAMPLE_ROWS, 45, 1, 6)
    return counts(data), [reject["line"] for reject in data["rejects"]]


# --- 1. every row that is there is read -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "dimension",
    ['<dimension ref="A1:I10"/>', '<dimension ref="A1:C53"/>', '<dimension ref="A1"/>', ""],
    ids=["fewer-rows-and-columns", "fewer-columns", "a-single-cell", "no-dimension"],
)
def test_a_dimension_that_understates_the_sheet_loses_no_row(dimension, run, db, tmp_path, sample_outcome):
    """The sheet says A1:I10 (or less) while 53 rows of 10 columns are there: all 52 records are read, and the
    rejected ones are reported under the sheet's row numbers, as in the CSV they came from."""
    path = sample_workbook(tmp_path / "export.xlsx")
    patch_zip(path, {SHEET: replace('<dimension ref="A1:J53" />', dimension)})

    result = run("import", path, "--json")

    assert result.exit_code == 1, result.stderr  # the sample has rejected rows
    data = imported(result)
    expected_counts, expected_lines = sample_outcome
    assert counts(data) == expected_counts
    # The same rows rejected, under the same numbers (the reasons may differ: a CSV row short of cells is, in a
    # sheet, a row with empty cells).
    assert [reject["line"] for reject in data["rejects"]] == expected_lines
    assert db("SELECT count(*) FROM warnings") == [(45,)]


def test_a_workbook_with_shared_strings_and_a_short_dimension_reads_every_row(run, db, tmp_path, sample_outcome):
    """The same, with text in a sharedStrings part as Excel writes it."""
    path = with_shared_strings(sample_workbook(tmp_path / "export.xlsx"))
    patch_zip(path, {SHEET: replace('<dimension ref="A1:J53" />', '<dimension ref="A1:I10"/>')})

    data = imported(run("import", path, "--json"))

    assert counts(data) == sample_outcome[0]
    assert db("SELECT count(*) FROM warnings") == [(45,)]


def test_cells_past_the_dimension_are_read(run, db, tmp_path):
    """50 rows, the dimension claiming A1:C10: the phone in F and the station in G of row 50 are there."""
    path = write_workbook(tmp_path / "fifty.xlsx", [HEADER_ZH] + [warning_row(n) for n in range(1, 51)])
    patch_zip(path, {SHEET: replace('<dimension ref="A1:I51" />', '<dimension ref="A1:C10"/>')})

    data = imported(run("import", path, "--json"))

    assert counts(data) == (50, 50, 0, 0)
    assert db("SELECT phone, station FROM warnings WHERE id = ?", (warning_row(50)[0],)) == [
        ("10000000050", "阳逻派出所")
    ]


def test_row_numbers_are_the_sheets_own(run, tmp_path):
    """Rows with gaps between them, and rows written without their number (r="..."), are reported under the row
    numbers Excel shows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for column, name in enumerate(HEADER_ZH, start=1):
        sheet.cell(row=2, column=column, value=name)  # a blank first row
    for row_number, n in ((3, 1), (7, 2), (8, 3)):
        for column, value in enumerate(warning_row(n, risk="低风险"), start=1):
            sheet.cell(row=row_number, column=column, value=value)
    path = tmp_path / "gaps.xlsx"
    book.save(path)

    data = imported(run("import", path, "--json"))
    assert [reject["line"] for reject in data["rejects"]] == [3, 7, 8]

    # Rows 7 and 8 (and their cells) written without their numbers: each follows the row before it, so 4 and 5.
    def drop_numbers(xml: bytes) -> bytes:
        xml, rows = re.subn(rb'<row r="[78]"', b"<row", xml)
        xml, cells = re.subn(rb'<c r="[A-I][78]"', b"<c", xml)
        assert (rows, cells) == (2, 18)
        return xml

    patch_zip(path, {SHEET: drop_numbers})
    data = imported(run("import", path, "--json", "--rejects", tmp_path / "second.rejects.csv"))
    assert [reject["line"] for reject in data["rejects"]] == [3, 4, 5]


def test_an_xlsx_named_csv_is_read_as_a_workbook(run, db, tmp_path, sample_outcome):
    path = sample_workbook(tmp_path / "export.xlsx").rename(tmp_path / "2026-11-24-预警.csv")

    data = imported(run("import", path, "--json"))

    assert counts(data) == sample_outcome[0]
    assert db("SELECT count(*) FROM warnings") == [(45,)]


def test_a_chart_sheet_before_the_worksheet_is_passed_over(run, db, tmp_path):
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER_ZH)
    sheet.append(warning_row(1))
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("图表", 0).add_chart(chart)
    path = tmp_path / "chart-first.xlsx"
    book.save(path)

    data = imported(run("import", path, "--json"))

    assert counts(data) == (1, 1, 0, 0)


# --- 2. rows that would be lost or mixed: the file is refused -------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "phrase"),
    [
        (move_row, "rows are out of order (row 5 comes after row 8)"),
        (repeat_row, "row 6 is in it twice"),
        (cell_in_wrong_row, "cell A7 is written inside row 5"),
        (cells_out_of_order, "the cells of row 4 are out of order"),
        (repeat_cell, "cell C4 is in it twice"),
    ],
    ids=["row-moved", "row-repeated", "cell-in-another-row", "cells-swapped", "cell-repeated"],
)
def test_rows_or_cells_out_of_order_refuse_the_file(edit, phrase, run, db, seeded, tmp_path):
    path = patch_zip(sample_workbook(tmp_path / "export.xlsx"), {SHEET: edit})

    result = run("import", path)

    assert_refused(result, path, "damaged workbook", phrase)
    assert_nothing_stored(db, seeded)
    assert not (tmp_path / "export.rejects.csv").exists()


# --- 3. damaged workbooks: one line saying what is wrong ------------------------------------------------------


def truncated_sheet(path: Path) -> Path:
    return patch_zip(path, {SHEET: cut_in_half})


def truncated_workbook_xml(path: Path) -> Path:
    return patch_zip(path, {"xl/workbook.xml": cut_near_end})


def truncated_shared_strings(path: Path) -> Path:
    return patch_zip(with_shared_strings(path), {"xl/sharedStrings.xml": cut_near_end})


def truncated_styles(path: Path) -> Path:
    return patch_zip(path, {"xl/styles.xml": cut_near_end})


def missing_sheet(path: Path) -> Path:
    return patch_zip(path, {SHEET: lambda _: None})


def missing_first_of_two_sheets(path: Path) -> Path:
    """openpyxl skips a sheet whose part is missing: the second sheet would be read as the first."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER_ZH)
    book.active.append(warning_row(1))
    second = book.create_sheet("second")
    second.append(HEADER_ZH)
    second.append(warning_row(2))
    book.save(path)
    return patch_zip(path, {SHEET: lambda _: None})


def missing_workbook_xml(path: Path) -> Path:
    return patch_zip(path, {"xl/workbook.xml": lambda _: None})


def chart_sheets_only(path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    data = book.active
    data.append([1])
    data.append([2])
    chart = BarChart()
    chart.add_data(Reference(data, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet().add_chart(chart)
    book.remove(data)
    book.save(path)
    return path


def empty_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w"):
        pass
    return path


def zip_of_text(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("2026-11-24-预警.csv", ",".join(HEADER_ZH))
    return path


def zip_cut_short(path: Path) -> Path:
    path.write_bytes(path.read_bytes()[:3000])
    return path


def encrypted_workbook(path: Path) -> Path:
    """What Excel writes for an .xlsx with a password to open: an OLE file holding the encrypted package."""
    return ole_file(path, {"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": os.urandom(6000)})


def old_xls(path: Path) -> Path:
    return ole_file(path, {"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00"})


@pytest.mark.parametrize(
    ("make", "phrases"),
    [
        (flip_checksummed_byte, ["is damaged", SHEET, "fails its checksum"]),
        (break_deflate, ["is damaged", SHEET, "cannot be unpacked"]),
        (truncated_sheet, ["is damaged", SHEET, "is not well-formed XML after row"]),
        (truncated_workbook_xml, ["is damaged", "xl/workbook.xml", "is not well-formed XML"]),
        (truncated_shared_strings, ["is damaged", "xl/sharedStrings.xml", "is not well-formed XML"]),
        (truncated_styles, ["is damaged", "xl/styles.xml", "is not well-formed XML"]),
        (missing_sheet, ["damaged workbook", "'Sheet' (xl/worksheets/sheet1.xml) is missing"]),
        (missing_first_of_two_sheets, ["damaged workbook", "'Sheet' (xl/worksheets/sheet1.xml) is missing"]),
        (missing_workbook_xml, ["damaged workbook", "xl/workbook.xml is missing"]),
        (chart_sheets_only, ["only chart sheets"]),
        (empty_zip, ["an empty zip archive, not an Excel workbook"]),
        (zip_of_text, ["a zip archive but not an Excel .xlsx workbook"]),
        (zip_cut_short, ["not a complete zip archive"]),
        (encrypted_workbook, ["password-protected (encrypted) Excel workbook"]),
        (old_xls, ["an old Excel .xls workbook"]),
    ],
    ids=lambda value: value.__name__.replace("_", "-") if callable(value) else None,
)
def test_a_damaged_workbook_is_refused_in_one_line(make, phrases, run, db, seeded, tmp_path):
    path = make(sample_workbook(tmp_path / "export.xlsx"))

    result = run("import", path)

    line = assert_refused(result, path, *phrases)
    assert len(line) < 300, line
    assert_nothing_stored(db, seeded)
    assert not list(tmp_path.glob("*.rejects.csv"))


def test_damage_found_after_every_row_was_checked_stores_nothing(run, db, seeded, tmp_path):
    """A checksum fails only once the whole sheet is read: by then 5000 rows (some rejected) have gone by."""
    table = [HEADER_ZH] + [warning_row(n) for n in range(100, 5100)]
    table[10] = warning_row(109, risk="低风险")
    for row in table[1:]:
        row[5] = int(row[5])  # a number cell: flip_checksummed_byte changes a digit of one
    path = flip_checksummed_byte(write_workbook(tmp_path / "export.xlsx", table))

    result = run("import", path)

    assert_refused(result, path, "fails its checksum")
    assert_nothing_stored(db, seeded)


def test_an_xlsx_named_csv_that_is_damaged_is_refused(run, db, seeded, tmp_path):
    path = break_deflate(sample_workbook(tmp_path / "export.xlsx")).rename(tmp_path / "export.csv")

    result = run("import", path)

    assert_refused(result, path, "cannot be unpacked")
    assert_nothing_stored(db, seeded)


# --- 4. openpyxl's warnings stay off the terminal -------------------------------------------------------------


def warning_workbook(path: Path) -> Path:
    """A styles part without cell styles (openpyxl warns when it opens the file) and a date cell whose serial
    number is past any date (it warns while the rows are read)."""
    table = [HEADER_ZH, warning_row(1), warning_row(2), warning_row(3)]
    table[2][1] = datetime(2026, 11, 24, 9, 30)
    write_workbook(path, table)
    return patch_zip(
        path,
        {
            "xl/styles.xml": lambda xml: re.sub(rb"<cellStyles.*?</cellStyles>", b"", xml, flags=re.S),
            SHEET: lambda xml: re.sub(rb'(<c r="B3"[^>]*><v>)[^<]*', rb"\g<1>99999999", xml),
        },
    )


def test_openpyxl_warnings_are_not_shown(run, db, tmp_path):
    path = warning_workbook(tmp_path / "export.xlsx")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run("import", path, "--json")

    assert [str(warning.message) for warning in caught] == []
    data = imported(result)
    assert counts(data) == (3, 2, 0, 1)
    assert data["rejects"][0]["line"] == 3  # the date that is not one: rejected, not an error


def test_the_officers_terminal_sees_one_line(db_path, tmp_path):
    """Run from a shell, through the console script's own error handling: damage found only once every row has
    been read is still one line, not an internal error."""
    path = flip_checksummed_byte(sample_workbook(tmp_path / "export.xlsx"))
    env = {key: value for key, value in os.environ.items() if key != "FANZHA_DEBUG"}
    command = [sys.executable, "-m", "fanzha_cli", "--db", str(db_path), "import", str(path)]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"fanzha: {path}") and "fails its checksum" in lines[0], result.stderr
