"""`fanzha import` against hostile input (SPEC §4, §5): files that are not exports, damaged exports, and a kill.

Whatever comes in, the outcome is one of: the file is refused (exit 2, one line on stderr naming the file and the
reason, nothing stored), or bad rows are rejected (exit 1, the rest imported, the counts add up). Never a
traceback, never a hang, never part of a file stored, never a damaged database.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import HEADER_ZH, deadline, integrity_problems, warning_row, write_export

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CSVKIT = CORPUS / "csvkit-examples"

needs_corpus = pytest.mark.skipif(not CSVKIT.is_dir(), reason=f"corpus not present at {CSVKIT}")

PROCESS_TIMEOUT = 60  # seconds for one `fanzha import` of a small file: far more than it ever needs
IN_PROCESS_TIMEOUT = 60  # seconds for any test here run in-process before the alarm fails it
SEED_ROWS = 5


# --- helpers --------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _hang_guard():
    """A hang in an in-process import fails the test instead of blocking the run."""
    with deadline(IN_PROCESS_TIMEOUT):
        yield


def fanzha_process(db_path: Path, *args: str, cwd: Path, timeout: float = PROCESS_TIMEOUT):
    """`python -m fanzha_cli --db DB ARGS...` as the officer's shell runs it; a hang fails the test."""
    env = {key: value for key, value in os.environ.items() if key != "FANZHA_DEBUG"}
    command = [sys.executable, "-m", "fanzha_cli", "--db", str(db_path), *map(str, args)]
    try:
        return subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{' '.join(command)}` did not finish within {timeout} s (killed): a hang")


def seed(run, db, folder: Path) -> Path:
    """One good import, so that "the database is unchanged" means something."""
    folder.mkdir(exist_ok=True)
    path = write_export(folder / "seed.csv", [warning_row(n) for n in range(1, SEED_ROWS + 1)])
    result = run("import", path)
    assert result.exit_code == 0, result.output
    assert db("SELECT count(*) FROM warnings") == [(SEED_ROWS,)]
    assert db("SELECT count(*) FROM batches") == [(1,)]
    return path


def snapshot(db) -> dict:
    return {
        "warnings": db("SELECT count(*) FROM warnings")[0][0],
        "batches": db("SELECT count(*) FROM batches")[0][0],
        "events": db("SELECT count(*) FROM events")[0][0],
        "warning_rows": db("SELECT * FROM warnings ORDER BY id"),
        "batch_rows": db("SELECT * FROM batches ORDER BY id"),
    }


def assert_integrity(db) -> None:
    assert integrity_problems() == []


def assert_unchanged(db, before: dict) -> None:
    assert_integrity(db)
    after = snapshot(db)
    assert after["warnings"] == before["warnings"], "warnings were stored from a refused file"
    assert after["batches"] == before["batches"], "a batch row was stored for a refused file"
    assert after["events"] == before["events"]
    assert after["warning_rows"] == before["warning_rows"], "stored warnings were changed"
    assert after["batch_rows"] == before["batch_rows"]


def assert_refused(exit_code: int, stdout: str, stderr: str, name: str) -> str:
    """Exit 2 and exactly one clear line on stderr naming the file and a reason; returns that line."""
    assert "Traceback" not in stdout + stderr, stdout + stderr
    assert exit_code == 2, f"exit {exit_code}, expected 2\nstdout: {stdout}\nstderr: {stderr}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{stderr}"
    line = lines[0]
    assert name in line, f"the message does not name the file {name}: {line}"
    reason = line.split(name, 1)[1].lstrip(" ,:")
    assert len(reason.strip()) >= 5, f"no reason given: {line}"
    assert "internal error" not in line, line
    assert "cannot write the rejects file" not in line, f"refused for the wrong reason: {line}"
    return line


def assert_no_leftovers(folder: Path, *expected: str) -> None:
    """No rejects file, finished or half-written, beside a refused input."""
    assert sorted(path.name for path in folder.iterdir()) == sorted(expected)


# --- 1. a corpus of files that are not warning exports ------------------------------------------------------


def corpus_files() -> list[Path]:
    if not CSVKIT.is_dir():
        return []
    return sorted(path for path in CSVKIT.rglob("*") if path.is_file())


@needs_corpus
@pytest.mark.parametrize("path", corpus_files(), ids=lambda path: str(path.relative_to(CSVKIT)))
def test_corpus_file_is_refused(path, run, db, db_path, tmp_path):
    seed(run, db, tmp_path / "in")
    before = snapshot(db)
    rejects = path.with_name(f"{path.stem}.rejects.csv")
    rejects_before = rejects.exists()

    result = fanzha_process(db_path, "import", path, cwd=tmp_path)

    assert_refused(result.returncode, result.stdout, result.stderr, str(path))
    assert_unchanged(db, before)
    assert rejects.exists() == rejects_before, f"a rejects file was written beside {path}"


@needs_corpus
def test_corpus_is_there_and_holds_the_expected_files():
    """Guards the parametrization above against silently testing nothing."""
    files = corpus_files()
    assert len(files) >= 90
    names = {path.relative_to(CSVKIT).as_posix() for path in files}
    assert {"COPYING", "null_byte.csv", "empty.csv", "dummy.xlsx", "realdata/ks_1033_data.csv"} <= names


# --- 2. files refused outright ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n\r\n  \n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n\r\n"],
    ids=["zero-bytes", "blank-lines", "bom-only", "bom-and-blank-lines"],
)
def test_empty_file_is_refused(content, run, db, tmp_path):
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "2026-11-24-预警.csv"
    path.write_bytes(content)

    result = run("import", path)

    assert_refused(result.exit_code, result.stdout, result.stderr, str(path))
    assert_unchanged(db, before)
    assert_no_leftovers(folder, path.name)


@pytest.mark.parametrize("suffix", [".csv", ".txt", ".xlsx"])
def test_random_bytes_are_refused(suffix, run, db, tmp_path):
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / f"noise{suffix}"
    path.write_bytes(random.Random(20261124).randbytes(4096))

    result = run("import", path)

    assert_refused(result.exit_code, result.stdout, result.stderr, str(path))
    assert_unchanged(db, before)
    assert_no_leftovers(folder, path.name)


@pytest.mark.parametrize(
    ("valid_rows", "nul_after"),
    [(5, 3), (2000, 1500)],
    ids=["nul-within-first-64k", "nul-after-first-64k-and-a-rejected-row"],
)
def test_nul_bytes_in_the_data_refuse_the_whole_file(valid_rows, nul_after, run, db, tmp_path):
    """A NUL after valid rows (and, in the long file, after a rejected one): nothing of the file is stored."""
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [warning_row(n) for n in range(100, 100 + valid_rows)]
    rows[1] = warning_row(101, risk="低风险")  # rejected: the rejects writer is open when the NUL comes
    rows.insert(nul_after, warning_row(99, name="周<NUL>某"))
    path = write_export(folder / "nul.csv", rows)
    data = path.read_bytes().replace(b"<NUL>", b"\x00")
    path.write_bytes(data)
    assert data.count(b"\x00") == 1
    assert (data.index(b"\x00") > 1 << 16) == (valid_rows > 100)

    result = run("import", path)

    line = assert_refused(result.exit_code, result.stdout, result.stderr, str(path))
    assert "NUL" in line
    assert_unchanged(db, before)
    assert db("SELECT count(*) FROM warnings WHERE id >= 'WH20261124000099'") == [(0,)]
    assert_no_leftovers(folder, path.name)


def test_one_column_named_twice_through_synonyms_is_refused(run, db, tmp_path):
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    folder = tmp_path / "in"
    folder.mkdir()
    header = [("手机号" if name == "手机号码" else name) for name in HEADER_ZH] + ["联系电话"]
    rows = [[*warning_row(n), f"100{n + 50:08d}"] for n in range(10, 15)]
    path = write_export(folder / "twice.csv", rows, header=header)

    result = run("import", path)

    line = assert_refused(result.exit_code, result.stdout, result.stderr, str(path))
    assert "手机号" in line
    assert "联系电话" in line
    assert_unchanged(db, before)
    assert_no_leftovers(folder, path.name)


def test_header_lacking_the_phone_column_is_refused(run, db, tmp_path):
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    folder = tmp_path / "in"
    folder.mkdir()
    phone = HEADER_ZH.index("手机号码")
    header = [name for name in HEADER_ZH if name != "手机号码"]
    rows = [[value for index, value in enumerate(warning_row(n)) if index != phone] for n in range(10, 15)]
    path = write_export(folder / "no-phone.csv", rows, header=header)

    result = run("import", path)

    line = assert_refused(result.exit_code, result.stdout, result.stderr, str(path))
    assert "phone" in line.lower() or "手机" in line or "电话" in line, line
    assert_unchanged(db, before)
    assert_no_leftovers(folder, path.name)


def test_missing_path_is_refused(run, db, tmp_path):
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    path = tmp_path / "in" / "2026-11-25-预警.csv"

    result = run("import", path)

    assert_refused(result.exit_code, result.stdout, result.stderr, str(path))
    assert_unchanged(db, before)
    assert not path.parent.exists()


def test_directory_is_refused(run, db, tmp_path):
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    folder = tmp_path / "exports.csv"
    folder.mkdir()
    write_export(folder / "inside.csv", [warning_row(n) for n in range(10, 15)])

    result = run("import", folder)

    assert_refused(result.exit_code, result.stdout, result.stderr, str(folder))
    assert_unchanged(db, before)
    assert_no_leftovers(folder, "inside.csv")


# --- 3. a damaged row: the file refused, or the row rejected and the rest imported -------------------------


def assert_refused_or_row_rejected(result, db, before: dict, path: Path, bad: tuple[int, str], good_ids: list[str]):
    """Exit 2 with nothing stored, or exit 1 with exactly the bad row (file line, id) rejected and all others new."""
    bad_line, bad_id = bad
    assert "Traceback" not in result.output
    assert result.exit_code in (1, 2), f"exit {result.exit_code}\n{result.output}"
    if result.exit_code == 2:
        assert_refused(result.exit_code, result.stdout, result.stderr, str(path))
        assert_unchanged(db, before)
        return
    # Exit 1: the bad row rejected with its line and reason, every other row imported, the counts adding up.
    assert_integrity(db)
    assert f"line {bad_line}: " in result.stdout, f"line {bad_line} not reported as rejected:\n{result.output}"
    last_batch = "SELECT rows, new, duplicate, rejected FROM batches ORDER BY id DESC LIMIT 1"
    rows, new, duplicate, rejected = db(last_batch)[0]
    assert rows == new + duplicate + rejected
    assert f"{rows} rows — {new} new, {duplicate} duplicate, {rejected} rejected" in result.stdout
    assert db("SELECT count(*) FROM batches")[0][0] == before["batches"] + 1
    assert db("SELECT count(*) FROM warnings")[0][0] == before["warnings"] + new
    stored = {row[0] for row in db("SELECT id FROM warnings")}
    missing = sorted(set(good_ids) - stored)
    assert not missing, f"{len(missing)} valid rows were not imported (and not reported): {missing[:5]}"
    assert bad_id not in stored
    assert rejected == 1
    assert (rows, new, duplicate) == (len(good_ids) + 1, len(good_ids), 0)


@pytest.mark.parametrize("rows_after", [4, 20_000], ids=["short-file", "over-1M-characters-after-the-quote"])
def test_unclosed_quote_in_the_middle(rows_after, run, db, tmp_path):
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [warning_row(n) for n in range(10, 17 + rows_after)]
    bad = 6  # the seventh data row, line 8 of the file
    path = write_export(folder / "quote.csv", rows)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    name = rows[bad][4]
    assert lines[bad + 1].count(f",{name},") == 1
    lines[bad + 1] = lines[bad + 1].replace(f",{name},", f',"{name},')  # a quote opened, never closed
    path.write_text("".join(lines), encoding="utf-8")

    result = run("import", path)

    good_ids = [row[0] for index, row in enumerate(rows) if index != bad]
    assert_refused_or_row_rejected(result, db, before, path, (bad + 2, rows[bad][0]), good_ids)
    if rows_after > 1000:
        # What happens today: past csv's field limit (1,048,576 characters) the run-on field refuses the file.
        assert result.exit_code == 2
        assert "quote" in result.stderr


@pytest.mark.parametrize("column", ["clue", "name"])
def test_a_300kb_field_in_one_row(column, run, db, tmp_path):
    seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    folder = tmp_path / "in"
    folder.mkdir()
    rows = [warning_row(n) for n in range(10, 20)]
    bad = 4
    rows[bad] = warning_row(10 + bad, **{column: "诈" * 100_000})  # 300,000 bytes of UTF-8
    path = write_export(folder / "long-field.csv", rows)

    result = run("import", path)

    good_ids = [row[0] for index, row in enumerate(rows) if index != bad]
    assert_refused_or_row_rejected(result, db, before, path, (bad + 2, rows[bad][0]), good_ids)
    assert result.exit_code == 1, "a valid export with one over-long field: that row is rejected, the rest kept"


# --- 4. killed in the middle: the database is as it was --------------------------------------------------------

BIG_ROWS = 300_000


@pytest.fixture(scope="module")
def big_export(tmp_path_factory) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from synth import write_csv
    finally:
        sys.path.remove(str(REPO / "bench"))
    path = tmp_path_factory.mktemp("big") / "big-预警.csv"
    day = datetime.combine(datetime.now().date() - timedelta(days=2), datetime.min.time())
    write_csv(path, BIG_ROWS, day=day, seed=7)
    return path


def wal_bigger_than(db_path: Path, size: int):
    wal = db_path.with_name(db_path.name + "-wal")
    return lambda: wal.exists() and wal.stat().st_size > size


@pytest.mark.parametrize(
    "moment",
    [0.2, 0.5, 1.0, "wal-over-8MB"],
    ids=["after-0.2s", "after-0.5s", "after-1.0s", "while-writing-wal"],
)
def test_import_killed_midway_leaves_the_database_as_it_was(moment, big_export, run, db, db_path, tmp_path):
    seed_file = seed(run, db, tmp_path / "seed")
    before = snapshot(db)
    command = [sys.executable, "-m", "fanzha_cli", "--db", str(db_path), "import", str(big_export)]
    env = {key: value for key, value in os.environ.items() if key != "FANZHA_DEBUG"}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if isinstance(moment, float):
            time.sleep(moment)
        else:
            ready = wal_bigger_than(db_path, 8 << 20)
            deadline = time.monotonic() + PROCESS_TIMEOUT
            while not ready() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
        assert process.poll() is None, f"the import finished before it could be killed ({moment}): use more rows"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=PROCESS_TIMEOUT) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert_unchanged(db, before)
    assert db("SELECT count(*) FROM batches WHERE file = ?", (str(big_export),)) == [(0,)]
    assert db("SELECT count(*) FROM warnings WHERE id LIKE 'WH_______________'") == [(0,)]  # synth ids

    # And the database is still usable: the same morning file again adds nothing.
    again = run("import", seed_file)
    assert again.exit_code == 0, again.output
    assert f"{SEED_ROWS} rows — 0 new, {SEED_ROWS} duplicate, 0 rejected" in again.stdout
    assert db("SELECT count(*) FROM warnings") == [(SEED_ROWS,)]
    assert_integrity(db)
