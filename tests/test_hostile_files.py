"""Files fanzha writes and reads at the edges (issue 9): private and formula-safe rejects and exports, no temporary
file left behind, standard input, multi-line clues, invisible characters in ids, and output that cannot be
written."""

from __future__ import annotations

import csv
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import deadline, warning_row, write_export

PROCESS_TIMEOUT = 120  # seconds: far more than any of these commands needs, even on a busy machine


def fanzha(db_path: Path, *args, cwd: Path, stdin=None, stdout=subprocess.PIPE, **options):
    env = {key: value for key, value in os.environ.items() if key != "FANZHA_DEBUG"}
    command = [sys.executable, "-m", "fanzha_cli", "--db", str(db_path), *map(str, args)]
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=PROCESS_TIMEOUT,
        **options,
    )


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- rejects and exports ---------------------------------------------------------------------------------------


def test_the_rejects_file_is_private_and_formula_safe(run, tmp_path):
    rows = [
        warning_row(1, phone='=HYPERLINK("http://x","点我")'),
        warning_row(2, phone="+cmd|' /C calc'!A0", name="@SUM(1+1)"),
        warning_row(3, time="-1+1"),
        warning_row(4),
    ]
    path = write_export(tmp_path / "in.csv", rows)
    result = run("import", path)
    assert result.exit_code == 1
    rejects = tmp_path / "in.rejects.csv"
    assert mode_of(rejects) == 0o600
    with open(rejects, encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))], cells
    assert '\'=HYPERLINK("http://x","点我")' in cells and "'@SUM(1+1)" in cells
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


def test_a_rejected_row_is_written_as_it_was_with_no_cell_added(run, tmp_path):
    header = ["id", "time", "risk", "name", "phone", "station"]  # no optional column
    path = write_export(tmp_path / "short.csv", [["X1", "bad", "高", "张三", "13800000000", "阳逻"]], header=header)
    assert run("import", path).exit_code == 1
    with open(tmp_path / "short.rejects.csv", encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[1][2:] == ["X1", "bad", "高", "张三", "13800000000", "阳逻"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exports_are_private(run, tmp_path, suffix):
    run("import", write_export(tmp_path / "in.csv", [warning_row(1)]))
    target = tmp_path / f"out{suffix}"
    result = run("export", "--date", "2026-11-24", "-o", target)
    assert result.exit_code == 0, result.output
    assert mode_of(target) == 0o600
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


def test_an_export_that_cannot_be_written_leaves_nothing_behind(run, tmp_path):
    run("import", write_export(tmp_path / "in.csv", [warning_row(1)]))
    folder = tmp_path / "gone"
    result = run("export", "--date", "2026-11-24", "-o", folder / "out.xlsx")
    assert result.exit_code == 2 and result.stderr.startswith("fanzha: cannot write")
    assert not folder.exists()


def _many_rejects(path: Path, count: int) -> Path:
    return write_export(path, [warning_row(n, phone="12") for n in range(count)])


def _import_writing_its_rejects(tmp_path: Path, db_path: Path) -> tuple[subprocess.Popen, list[Path]]:
    """An import of a big file of bad rows, as a process, caught once its rejects file is being written."""
    path = _many_rejects(tmp_path / "big.csv", 200_000)
    process = subprocess.Popen(
        [sys.executable, "-m", "fanzha_cli", "--db", str(db_path), "import", str(path)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    leftovers = []
    with deadline(PROCESS_TIMEOUT):
        while process.poll() is None and not leftovers:
            leftovers = list(tmp_path.glob(".big.rejects.csv.*.tmp"))
            time.sleep(0.01)
    return process, leftovers


def test_a_killed_import_leaves_no_temporary_file_for_long(run, tmp_path, db_path):
    """SIGKILL cannot be caught: the next import of the same file removes what the dead one left."""
    process, leftovers = _import_writing_its_rejects(tmp_path, db_path)
    process.kill()
    process.wait(PROCESS_TIMEOUT)
    if not leftovers:
        pytest.fail("the import ended before it began writing its rejects: make the file bigger")
    assert all(mode_of(leftover) == 0o600 for leftover in leftovers if leftover.exists())
    small = _many_rejects(tmp_path / "big.csv", 3)
    assert run("import", small).exit_code == 1
    assert list(tmp_path.glob(".big.rejects.csv.*.tmp")) == []
    assert (tmp_path / "big.rejects.csv").exists()


def test_a_terminated_import_rolls_back_and_removes_its_temporary_file(tmp_path, db_path, db):
    process, _ = _import_writing_its_rejects(tmp_path, db_path)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=PROCESS_TIMEOUT)
    assert process.returncode in (143, -signal.SIGTERM)
    assert b"Traceback" not in stderr
    assert list(tmp_path.glob(".big.rejects.csv.*.tmp")) == []
    assert not (tmp_path / "big.rejects.csv").exists()
    assert db("SELECT count(*) FROM warnings") == [(0,)]


# --- standard input, clues over several lines, invisible characters --------------------------------------------


def test_import_reads_standard_input(tmp_path, db_path, db):
    data = write_export(tmp_path / "in.csv", [warning_row(1), warning_row(2, phone="12")]).read_bytes()
    for name in ("-", "/dev/stdin"):
        result = fanzha(db_path, "import", name, cwd=tmp_path, input=data)
        assert result.returncode == 1, result.stderr
    assert db("SELECT count(*) FROM warnings") == [(1,)]
    assert mode_of(tmp_path / "stdin.rejects.csv") == 0o600
    empty = fanzha(db_path, "import", "-", cwd=tmp_path, input=b"")
    assert empty.returncode == 2 and empty.stderr.decode().startswith("fanzha: (standard input): the file is empty")


def test_a_quoted_clue_over_several_lines_with_commas_is_one_field(run, db, tmp_path):
    clue = "对方自称客服\n说要退款,先转1000,再转2000,最后转3000\n第三行"
    path = write_export(tmp_path / "clue.csv", [warning_row(1, clue=clue), warning_row(2)])
    result = run("import", path)
    assert result.exit_code == 0, result.output
    assert db("SELECT clue FROM warnings WHERE id = 'WH20261124000001'") == [(clue,)]


@pytest.mark.parametrize(
    "twin", ["WH20261124000001\u200b", "\ufeffWH20261124000001", "ＷＨ２０２６１１２４０００００１"]
)
def test_an_id_with_invisible_or_full_width_characters_is_the_same_warning(run, db, tmp_path, twin):
    path = write_export(tmp_path / "twins.csv", [warning_row(1), warning_row(2, id=twin), warning_row(3, id="\ufeff")])
    data = run("import", path, "--json")
    assert '"duplicate": 1' in data.stdout and '"rejected": 1' in data.stdout
    assert "invisible" in data.stdout
    assert db("SELECT id FROM warnings") == [("WH20261124000001",)]
    assert run("show", twin).exit_code == 0


# --- output that cannot be delivered ---------------------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_output_to_a_full_disk_is_one_line(tmp_path, db_path, db):
    fanzha(db_path, "import", write_export(tmp_path / "in.csv", [warning_row(1)]), cwd=tmp_path)
    with open("/dev/full", "wb") as full:
        read = fanzha(db_path, "list", cwd=tmp_path, stdout=full)
        took = fanzha(db_path, "next", cwd=tmp_path, stdout=full)
    assert read.returncode == 2  # nothing was done
    assert took.returncode == 1  # the warning was taken, its card lost
    for result in (read, took):
        assert result.stderr.decode().splitlines() == ["fanzha: cannot write the output: No space left on device"]
    assert db("SELECT holder FROM warnings") == [("test-officer",)]


def test_a_closed_stdout_does_nothing_and_says_so(tmp_path, db_path, db):
    fanzha(db_path, "import", write_export(tmp_path / "in.csv", [warning_row(1)]), cwd=tmp_path)
    result = subprocess.run(
        f"{sys.executable} -m fanzha_cli --db {db_path} next >&-",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        timeout=PROCESS_TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stderr.decode().startswith("fanzha: standard output is closed")
    assert db("SELECT holder FROM warnings") == [(None,)]


def test_a_file_name_that_is_not_utf8_is_named_in_one_line(tmp_path, db_path):
    name = os.fsencode(tmp_path) + b"/\xff\xfe.csv"
    result = subprocess.run(
        [sys.executable, "-m", "fanzha_cli", "--db", str(db_path), "import", name],
        cwd=tmp_path,
        capture_output=True,
        timeout=PROCESS_TIMEOUT,
    )
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].endswith("\\xff\\xfe.csv: no such file"), lines
