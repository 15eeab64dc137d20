"""A seeded fuzz of the import (issue 9's acceptance): the sample export mutated in the ways real and hostile files
differ from it, each file imported, and every read and export run on what was stored.

For every file: exit 0, 1 or 2; never an exception (the runner re-raises one) or "internal error"; no Python
warning; rows = new + duplicate + rejected; and afterwards `next`, `list`, `show`, `summary`, `export` (CSV and
xlsx) all work. Bounded: a fixed number of files per seed, a few seconds each at most.
"""

from __future__ import annotations

import csv
import io
import json
import random
import warnings

import pytest
from conftest import SAMPLE, deadline

FILES_PER_SEED = 40
SEEDS = (1, 2, 3, 4, 5)
TIMEOUT = 600  # seconds for one seed's files on a very busy machine; a hang, not slowness, is what this catches

HOSTILE_TEXT = [
    "[/bold]",
    "[link=https://evil.example]点[/link]",
    "\x1b]0;title\x07",
    "\x1b[2J",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x9b31m",
    "\u202e",
    ":smile:",
    '=HYPERLINK("http://x","点")',
    "+cmd|' /C calc'!A0",
    "\u200b",
    "\ufeff",
    "\x00",
    "\r",
]
TIME_FORMS = [
    "{t:%Y-%m-%d %H:%M:%S}",
    "{t:%Y/%m/%d %H:%M}",
    "{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}",
    "{t:%Y-%m-%dT%H:%M}",
    "{t.year}年{t.month}月{t.day}日 {t.hour}:{t.minute:02d}",
    "{t.year}年{t.month}月{t.day}日{t.hour}时{t.minute}分",
    "{t:%Y-%m-%d %H:%M}+08",
    "{t:%Y-%m-%d %H:%M}-05",
    "{t:%Y-%m-%d %H:%M}+08:00",
    "{t:%Y-%m-%d %H:%M} GMT+8",
    "{t:%Y-%m-%d %H:%M} BJT",
    "{t:%Y-%m-%d %H:%M} CST",
    "{t:%H:%M}",
    "{t:%H:%M:%S}",
    "1899-{t:%m-%d %H:%M}",
    "9999-{t:%m-%d %H:%M}",
    "{t:%d %b %Y %H:%M}",
    "{t:%Y-%m-%d}",
]
PHONE_FORMS = ["{p}", "+86 {p}", "'{p}", "{p:.3}-{rest}", "1.38E+10", "{p}x", "１３８{rest}", "", "{p}0", "{p}.0"]


def read_sample() -> tuple[list[str], list[list[str]]]:
    with open(SAMPLE, encoding="gb18030", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    return header, rows


def mutate_row(rng: random.Random, row: list[str]) -> list[str]:
    from datetime import datetime

    row = list(row)
    kind = rng.randrange(8)
    if kind == 0 and len(row) > 1:
        try:
            moment = datetime.fromisoformat(row[1])
        except ValueError:
            moment = datetime(2026, 11, 24, 9, 30)
        row[1] = rng.choice(TIME_FORMS).format(t=moment)
    elif kind == 1 and row:
        column = rng.randrange(len(row))
        spot = rng.randrange(len(row[column]) + 1)
        row[column] = row[column][:spot] + rng.choice(HOSTILE_TEXT) + row[column][spot:]
    elif kind == 2 and len(row) > 5:
        phone = row[5] if row[5].isdigit() and len(row[5]) == 11 else "13800000000"
        row[5] = rng.choice(PHONE_FORMS).format(p=phone, rest=phone[3:])
    elif kind == 3:
        row.insert(rng.randrange(len(row) + 1), "多出来的一格")  # an extra comma: every later value shifted
    elif kind == 4 and len(row) > 2:
        del row[rng.randrange(len(row))]
    elif kind == 5 and len(row) > 8:
        row[8] = "第一行\n他说,先转1000,再转2000\n第三行"
    elif kind == 6 and row:
        row[0] = rng.choice(["{}\u200b", "\ufeff{}", " {} ", "{}\t", "\u3000{}"]).format(row[0])
    elif kind == 7:
        row = ["   "] * len(row)
    return row


def mutated_file(rng: random.Random, folder, number: int):
    """One export: some rows mutated, perhaps the header, then written in one of the encodings and line ends
    exports come in, perhaps damaged as bytes."""
    header, rows = read_sample()
    rows = [mutate_row(rng, row) if rng.random() < 0.3 else row for row in rows]
    rng.shuffle(rows)
    rows += rng.sample(rows, k=rng.randrange(3))  # duplicates within the file
    if rng.random() < 0.1:
        header = [*header, rng.choice(["手机号", "姓名", "备注"])]  # a column named twice, or a harmless extra
    if rng.random() < 0.1:
        header = [rng.choice(HOSTILE_TEXT) + name for name in header]
    if rng.random() < 0.1:
        return workbook(folder / f"fuzz-{number:03d}.xlsx", [header, *rows])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=rng.choice(["\r\n", "\n", "\r"])).writerows([header, *rows])
    text = buffer.getvalue()
    if rng.random() < 0.1:
        spot = rng.randrange(len(text))
        text = text[:spot] + '"' + text[spot:]  # a stray quote
    encoding = rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16"])
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    if rng.random() < 0.1 and data:
        data = data[: rng.randrange(len(data))]  # cut off mid-record
    if rng.random() < 0.05 and data:
        flips = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            flips[rng.randrange(len(flips))] = rng.randrange(256)
        data = bytes(flips)
    path = folder / f"fuzz-{number:03d}.{rng.choice(['csv', 'csv', 'tsv', 'txt'])}"
    path.write_bytes(data)
    return path


def workbook(path, rows: list[list[str]]):
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    for row in rows:
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    book.save(path)
    return path


def check_import(run, path) -> None:
    result = run("import", path, "--json")
    assert result.exit_code in (0, 1, 2), (path, result.output)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1, result.stderr
        return
    counts = json.loads(result.stdout)
    assert counts["rows"] == counts["new"] + counts["duplicate"] + counts["rejected"], counts
    assert counts["rejected"] == len(counts["rejects"])


def check_reads(run, tmp_path, db):
    """Every read and export works on whatever was stored."""
    for args in (
        ("next", "--json"),
        ("next",),
        ("list", "--limit", "0"),
        ("list", "--json", "--status", "new,taken,retry,escalated,closed", "--limit", "0"),
        ("list", "--overdue"),
        ("summary", "--date", "2026-11-24"),
        ("summary", "--from", "2026-11-01", "--to", "2026-11-30", "--json"),
        ("export", "--from", "2020-01-01", "--to", "2026-12-31"),
        ("export", "--from", "2020-01-01", "--to", "2026-12-31", "-o", tmp_path / "out.xlsx"),
    ):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
    for (warning_id,) in db("SELECT id FROM warnings ORDER BY random() LIMIT 3"):
        for args in (("show", warning_id), ("show", warning_id, "--json")):
            result = run(*args)
            assert result.exit_code == 0, (args, result.output)
    from fanzha_cli.domain.values import normalize_id

    stored = db("SELECT id, time FROM warnings")
    assert all(len(time) == 19 and "2000" <= time[:4] <= "2100" for _, time in stored), stored
    assert all(normalize_id(warning_id) == warning_id for warning_id, _ in stored), stored


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_exports_are_imported_or_refused_cleanly(seed, run, db, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    rng = random.Random(seed)
    folder = tmp_path / "in"
    folder.mkdir()
    with deadline(TIMEOUT), warnings.catch_warnings():
        warnings.simplefilter("error")  # a library's warning would reach the officer's terminal
        for number in range(FILES_PER_SEED):
            path = mutated_file(rng, folder, number)
            check_import(run, path)
            if number % 5 == 4:
                check_reads(run, tmp_path, db)
        check_reads(run, tmp_path, db)
        for action in (("log", "unreachable"), ("next",), ("log", "reached"), ("next",), ("log", "distrustful")):
            result = run(*action)
            assert result.exit_code in (0, 1, 2), result.output
        check_reads(run, tmp_path, db)
