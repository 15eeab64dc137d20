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


def fanzha(*args, cwd: Path, stdin=None, stdout=subprocess.PIPE, **options):
    """The command as a process, on the test's database (FANZHA_DB: a SQLite file, or a database on the server)."""
    env = {key: value for key, value in os.environ.items() if key != "FANZHA_DEBUG"}
    command = [sys.executable, "-m", "fanzha_cli", *map(str, args)]
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


def _import_writing_its_rejects(tmp_path: Path) -> tuple[subprocess.Popen, list[Path]]:
    """An import of a big file of bad rows, as a process, caught once its rejects file is being written."""
    path = _many_rejects(tmp_path / "big.csv", 200_000)
    process = subprocess.Popen(
        [sys.executable, "-m", "fanzha_cli", "import", str(path)],
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


def test_a_killed_import_leaves_no_temporary_file_for_long(run, tmp_path):
    """SIGKILL cannot be caught: the next import of the same file removes what the dead one left."""
    process, leftovers = _import_writing_its_rejects(tmp_path)
    process.kill()
    process.wait(PROCESS_TIMEOUT)
    if not leftovers:
        pytest.fail("the import ended before it began writing its rejects: make the file bigger")
    assert all(mode_of(leftover) == 0o600 for leftover in leftovers if leftover.exists())
    small = _many_rejects(tmp_path / "big.csv", 3)
    assert run("import", small).exit_code == 1
    assert list(tmp_path.glob(".big.rejects.csv.*.tmp")) == []
    assert (tmp_path / "big.rejects.csv").exists()


def test_a_terminated_import_rolls_back_and_removes_its_temporary_file(tmp_path, db):
    process, _ = _import_writing_its_rejects(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=PROCESS_TIMEOUT)
    assert process.returncode in (143, -signal.SIGTERM)
    assert b"Traceback" not in stderr
    assert list(tmp_path.glob(".big.rejects.csv.*.tmp")) == []
    assert not (tmp_path / "big.rejects.csv").exists()
    assert db("SELECT count(*) FROM warnings") == [(0,)]


# --- standard input, clues over several lines, invisible characters --------------------------------------------


def test_import_reads_standard_input(tmp_path, db):
    data = write_export(tmp_path / "in.csv", [warning_row(1), warning_row(2, phone="12")]).read_bytes()
    for name in ("-", "/dev/stdin"):
        result = fanzha("import", name, cwd=tmp_path, input=data)
        assert result.returncode == 1, result.stderr
    assert db("SELECT count(*) FROM warnings") == [(1,)]
    assert mode_of(tmp_path / "stdin.rejects.csv") == 0o600
    empty = fanzha("import", "-", cwd=tmp_path, input=b"")
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
def test_output_to_a_full_disk_is_one_line(tmp_path, db):
    fanzha("import", write_export(tmp_path / "in.csv", [warning_row(1)]), cwd=tmp_path)
    with open("/dev/full", "wb") as full:
        read = fanzha("list", cwd=tmp_path, stdout=full)
        took = fanzha("next", cwd=tmp_path, stdout=full)
    assert read.returncode == 2  # nothing was done
    assert took.returncode == 1  # the warning was taken, its card lost
    assert read.stderr.decode().splitlines() == ["fanzha: cannot write the output: No space left on device"]
    [said] = took.stderr.decode().splitlines()
    assert said.startswith("fanzha: cannot write the output: No space left on device; what the command did was stored")
    assert db("SELECT holder FROM warnings") == [("test-officer",)]


def test_a_reader_that_left_early_ends_the_command_quietly_with_its_own_code(tmp_path, db):
    """`fanzha list | head`: a read cut short where its reader wanted is done (0), quietly; a `next` whose card was
    cut still took the warning (1: stored, its report lost). The reader's end is closed before the command writes,
    so that the pipe is broken whatever the machine's speed."""
    fanzha("import", write_export(tmp_path / "in.csv", [warning_row(1), warning_row(2)]), cwd=tmp_path)
    codes = {}
    # export and summary --csv: written by the csv module, not by fanzha's own lines
    day = ("--date", "2026-11-24")
    for command in (("list",), ("export", *day), ("summary", *day, "--csv"), ("next",)):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = fanzha(*command, cwd=tmp_path, stdout=write_end)
        finally:
            os.close(write_end)
        assert result.stderr == b"", (command, result.stderr)
        codes[command[0]] = result.returncode
    assert codes == {"list": 0, "export": 0, "summary": 0, "next": 1}
    assert db("SELECT count(*) FROM warnings WHERE holder = 'test-officer'") == [(1,)]


def test_a_closed_stdout_does_nothing_and_says_so(tmp_path, db):
    fanzha("import", write_export(tmp_path / "in.csv", [warning_row(1)]), cwd=tmp_path)
    result = subprocess.run(
        f"{sys.executable} -m fanzha_cli next >&-",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        timeout=PROCESS_TIMEOUT,
    )
    assert result.returncode == 2
    assert result.stderr.decode().startswith("fanzha: standard output is closed")
    assert db("SELECT holder FROM warnings") == [(None,)]


def test_a_file_name_that_is_not_utf8_is_named_in_one_line(tmp_path):
    name = os.fsencode(tmp_path) + b"/\xff\xfe.csv"
    result = subprocess.run(
        [sys.executable, "-m", "fanzha_cli", "import", name],
        cwd=tmp_path,
        capture_output=True,
        timeout=PROCESS_TIMEOUT,
    )
    assert result.returncode == 2
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].endswith("\\xff\\xfe.csv: no such file"), lines


# --- from review: what the first round of fixes missed --------------------------------------------------------


def test_an_unclosed_quote_before_rows_without_their_trailing_cells_is_refused(run, db, tmp_path):
    """Rows may leave off empty trailing cells; swallowed by an open quote they must still be seen as rows."""
    header = "id,time,risk,name,phone,station,address,clue,fraud_type\n"
    rows = [f"A{n},2026-11-24 10:0{n},高,张三,1380000000{n},阳逻\n" for n in range(2, 8)]
    path = tmp_path / "open-quote.csv"
    path.write_text(header + 'A1,2026-11-24 10:00,高,张三,13800000001,阳逻,,"对方说，先转账\n' + "".join(rows), "utf-8")
    result = run("import", path)
    assert result.exit_code == 2 and "quote" in result.stderr
    assert db("SELECT count(*) FROM warnings") == [(0,)]


def test_a_warning_stored_with_invisible_characters_by_an_older_release_is_still_reached(run, db, tmp_path):
    run("import", write_export(tmp_path / "in.csv", [warning_row(1)]))
    db.write("UPDATE warnings SET id = 'WH2\u200b', risk_level = 3")  # as a release before ids were normalised
    assert run("next").exit_code == 0
    assert run("log", "reached").exit_code in (0, 1)
    assert run("show", "WH2\u200b").exit_code == 0


@pytest.mark.sqlite_only  # a SQLite file of an older release
def test_a_hand_recorded_before_names_had_one_form_stays_in_that_hand(tmp_path):
    import sqlite3

    from conftest import first_release_database
    from sqlite_utils import Database

    from fanzha_cli.domain.desk import Desk
    from fanzha_cli.storage import open_store
    from fanzha_cli.storage.sqlite.migrations import migrations

    path = first_release_database(tmp_path / "old.db")
    old = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Database(old, execute_plugins=False), stop_before="0005_find_and_skip")
    old.execute("PRAGMA user_version = 4")
    holds = [("W1", "Alice ", "2026-11-24 10:05"), ("W2", "alice", "2026-11-24 10:01"), ("W3", "ＣＡＲＯＬ", "x")]
    for warning_id, holder, since in holds:  # two spellings of alice each held one; carol typed full-width
        old.execute(
            "INSERT INTO warnings (id, time, risk_level, name, phone, station, batch_id, status, holder, held_since)"
            " VALUES (?, '2026-11-24 10:00:00', 2, '张三', '13800000000', '阳逻派出所', 1, 'taken', ?, ?)",
            (warning_id, holder, since),
        )
    old.close()
    conn = open_store(path, create=True)
    assert Desk(conn, "alice").in_hand()["id"] == "W1"  # the one she took last
    assert Desk(conn, "carol").in_hand()["id"] == "W3"
    assert conn.conn.execute("SELECT status, holder FROM warnings WHERE id = 'W2'").fetchone() == ("new", None)


def test_a_file_name_that_is_not_utf8_is_imported_and_named(tmp_path, db):
    folder = os.fsencode(tmp_path)
    name = folder + b"/\xff\xfe.csv"
    data = write_export(tmp_path / "x.csv", [warning_row(1)]).read_bytes()
    with open(name, "wb") as handle:
        handle.write(data)
    result = subprocess.run(
        [sys.executable, "-m", "fanzha_cli", "import", name, "--json"],
        cwd=tmp_path,
        capture_output=True,
        timeout=PROCESS_TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    assert b'"new": 1' in result.stdout and b"\\\\xff\\\\xfe.csv" in result.stdout
    assert db("SELECT file FROM batches")[0][0].endswith("\\xff\\xfe.csv")


def test_an_export_through_a_symbolic_link_writes_its_target(run, tmp_path):
    run("import", write_export(tmp_path / "in.csv", [warning_row(1)]))
    target = tmp_path / "reports" / "day.csv"
    target.parent.mkdir()
    link = tmp_path / "today.csv"
    link.symlink_to(target)
    assert run("export", "--date", "2026-11-24", "-o", link).exit_code == 0
    assert link.is_symlink() and "WH20261124000001" in target.read_text(encoding="utf-8-sig")
    assert mode_of(target) == 0o600


def test_dev_stdin_redirected_from_a_file_and_a_dry_run_of_standard_input(tmp_path):
    source = write_export(tmp_path / "in.csv", [warning_row(1), warning_row(2, phone="12")])
    with open(source, "rb") as handle:
        redirected = fanzha("import", "/dev/stdin", cwd=tmp_path, stdin=handle)
    assert redirected.returncode == 1, redirected.stderr
    assert (tmp_path / "stdin.rejects.csv").exists()
    (tmp_path / "stdin.rejects.csv").unlink()
    rehearsed = fanzha("import", "-", "--dry-run", cwd=tmp_path, input=source.read_bytes())
    assert rehearsed.returncode == 1 and not (tmp_path / "stdin.rejects.csv").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_showing_again_the_warning_in_hand_stores_nothing(tmp_path):
    fanzha("import", write_export(tmp_path / "in.csv", [warning_row(1)]), cwd=tmp_path)
    assert fanzha("next", cwd=tmp_path).returncode == 0
    with open("/dev/full", "wb") as full:
        again = fanzha("next", cwd=tmp_path, stdout=full)
    assert again.returncode == 2 and b"was stored" not in again.stderr
