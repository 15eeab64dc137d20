"""Several officers on one database at once (SPEC §3, §4): the warning in hand belongs to its officer, and taking one
is a single atomic statement, so officers working at the same instant are never handed the same warning.

Every officer here is a separate OS process with its own connection, as at a real desk: `fanzha` commands run by
four shells, or the library driven by four Python processes. They start behind a barrier so that they really
overlap. A deadlock or a lock wait that never ends fails the test (alarm and per-process timeouts), never hangs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import suppress
from pathlib import Path

import pytest
from conftest import as_officer, deadline, warning_row, write_export

from fanzha_cli.files.importer import import_file
from fanzha_cli.storage import open_store

OFFICERS = ("o1", "o2", "o3", "o4")
PER_OFFICER = 25
WARNINGS = len(OFFICERS) * PER_OFFICER
TEST_TIMEOUT = 90  # seconds for a whole test before the alarm fails it; a run takes a fraction of this
CALL_TIMEOUT = 45  # seconds for one `fanzha` command: more than the 30 s busy timeout, so that waits end first

FAILURE_SIGNS = ("database is locked", "Traceback", "internal error", "database error")


def child_env() -> dict[str, str]:
    """The officer's shell: no debug tracebacks, no officer from the environment (each names its own)."""
    return {key: value for key, value in os.environ.items() if key not in ("FANZHA_DEBUG", "FANZHA_OFFICER")}


def import_warnings(location: str, folder: Path, count: int) -> list[str]:
    """``count`` due warnings in the database, imported as the morning file would be; returns their ids."""
    rows = [warning_row(n) for n in range(1, count + 1)]
    path = write_export(folder / "morning.csv", rows)
    conn = open_store(location, create=True)
    try:
        result = import_file(conn, path, officer="import")
        assert (result.new, result.rejected) == (count, 0)
    finally:
        conn.close()
    return [row[0] for row in rows]


def assert_clean(stderr: str, what: str) -> None:
    for sign in FAILURE_SIGNS:
        assert sign not in stderr, f"{what}: {sign!r} on stderr:\n{stderr}"
    assert stderr.strip() == "", f"{what}: unexpected stderr:\n{stderr}"


def assert_every_warning_handled_once(db, handed: dict[str, list[str]], expected_ids: list[str]) -> None:
    """The officers' own record and the database agree: each warning taken once, called once, closed, let go."""
    every = [warning_id for ids in handed.values() for warning_id in ids]
    twice = [warning_id for warning_id, times in Counter(every).items() if times > 1]
    assert not twice, f"handed out more than once: {twice}"
    assert sorted(every) == sorted(expected_ids)

    assert db("SELECT status, count(*), count(holder), count(held_since) FROM warnings GROUP BY status") == [
        ("closed", len(expected_ids), 0, 0)
    ]
    per_warning = db(
        "SELECT warning_id, count(CASE WHEN action = 'take' THEN 1 END), count(CASE WHEN action = 'call' THEN 1 END),"
        " count(CASE WHEN action = 'call' AND outcome = 'reached' THEN 1 END), count(*) FROM events GROUP BY warning_id"
    )
    assert len(per_warning) == len(expected_ids)
    wrong = [row for row in per_warning if row[1:] != (1, 1, 1, 2)]
    assert not wrong, f"(id, takes, calls, reached, events) not one take and one call each: {wrong[:10]}"

    # Each warning was taken and called by the officer who reported having it.
    owner = {warning_id: officer for officer, ids in handed.items() for warning_id in ids}
    actors = db("SELECT warning_id, action, officer FROM events WHERE action IN ('take', 'call')")
    strays = [(warning_id, action, officer) for warning_id, action, officer in actors if owner[warning_id] != officer]
    assert not strays, f"events by an officer who was not handed the warning: {strays[:10]}"


# --- four officers, four shells: `fanzha next --json` then `fanzha log reached`, 25 times each ----------------------


def fanzha(location: str, officer: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    where = as_officer(str(location), officer)  # on the server, the officer's own login
    command = [sys.executable, "-m", "fanzha_cli", "--db", where, "--officer", officer, *args]
    try:
        return subprocess.run(
            command, cwd=cwd, env=child_env(), capture_output=True, text=True, encoding="utf-8", timeout=CALL_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"`{' '.join(command)}` did not finish within {CALL_TIMEOUT} s: a hang") from None


def test_four_officers_at_the_cli_are_handed_100_different_warnings(location, db, tmp_path):
    expected = import_warnings(location, tmp_path, WARNINGS)
    barrier = threading.Barrier(len(OFFICERS), timeout=CALL_TIMEOUT)
    handed: dict[str, list[str]] = {officer: [] for officer in OFFICERS}
    windows: dict[str, tuple[float, float]] = {}
    failures: list[str] = []

    def officer_at_the_desk(officer: str) -> None:
        try:
            barrier.wait()
            started = time.monotonic()
            for turn in range(PER_OFFICER):
                taken = fanzha(location, officer, "next", "--json", cwd=tmp_path)
                what = f"{officer} turn {turn}: next --json"
                assert taken.returncode == 0, f"{what} exited {taken.returncode}: {taken.stderr}"
                assert_clean(taken.stderr, what)
                card = json.loads(taken.stdout)
                assert card is not None, f"{what}: nothing due, yet only {turn} of its {PER_OFFICER} were taken"
                assert (card["status"], card["holder"]) == ("taken", officer), f"{what}: {card}"
                handed[officer].append(card["id"])

                logged = fanzha(location, officer, "log", "reached", cwd=tmp_path)
                what = f"{officer} turn {turn}: log reached"
                if card["risk"] != "medium":  # closed by phone, never handed over: said, and exit 1 (SPEC §3)
                    assert logged.returncode == 1, f"{what} exited {logged.returncode}: {logged.stderr}"
                    assert "never handed to its station" in logged.stderr, f"{what}: {logged.stderr}"
                else:
                    assert logged.returncode == 0, f"{what} exited {logged.returncode}: {logged.stderr}"
                    assert_clean(logged.stderr, what)
                # The warning closed is the one this officer was handed, not another officer's.
                assert logged.stdout.startswith(f"{card['id']}: reached → closed"), f"{what}: {logged.stdout}"
            windows[officer] = (started, time.monotonic())
        except BaseException as exc:
            failures.append(f"{officer}: {exc}")
            barrier.abort()

    with deadline(TEST_TIMEOUT):
        threads = [threading.Thread(target=officer_at_the_desk, args=(officer,), daemon=True) for officer in OFFICERS]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert not failures, "\n".join(failures)
    assert {officer: len(ids) for officer, ids in handed.items()} == dict.fromkeys(OFFICERS, PER_OFFICER)
    assert_every_warning_handled_once(db, handed, expected)
    # They really worked at the same time: every officer was still working when the last one started.
    assert max(start for start, _ in windows.values()) < min(end for _, end in windows.values())

    # And the queue is empty for everyone now.
    for officer in OFFICERS:
        after = fanzha(location, officer, "next", "--json", cwd=tmp_path)
        assert (after.returncode, json.loads(after.stdout)) == (0, None), after.stderr


# --- the library: four processes, each its own connection and Desk, started by one signal -------------------------

# A Python process per officer; it says "ready" once connected, waits for "go" on stdin, and prints its record as JSON.
WORKER = r"""
import json, sys, time
from fanzha_cli.storage import open_store
from fanzha_cli.domain.desk import Desk

db, officer, mode, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = open_store(db, create=True)
print("ready", flush=True)
assert sys.stdin.readline().strip() == "go"
started = time.monotonic()
record = []
if mode == "work":  # take, log reached, `limit` times or until nothing is due
    while len(record) < limit:
        desk = Desk(conn, officer)
        warning, taken_now = desk.take_next()
        if warning is None:
            break
        assert taken_now and warning["holder"] == officer, (warning, taken_now)
        result = desk.log("reached")
        assert result["warning"] == warning["id"] and result["status"] == "closed", (warning["id"], result)
        record.append(warning["id"])
else:  # spin: take_next as fast as possible, `limit` times, and report every answer
    for _ in range(limit):
        warning, taken_now = Desk(conn, officer).take_next()
        record.append(None if warning is None else [warning["id"], taken_now, warning["holder"]])
print(json.dumps({"record": record, "window": [started, time.monotonic()]}), flush=True)
"""


def run_workers(location: str, officers, mode: str, limit: int, cwd: Path) -> dict[str, list]:
    """Start one process per officer, wait until all are connected, say "go" to all at once; their records.

    CLOCK_MONOTONIC is system-wide on Linux, so the processes' working windows can be compared: they must overlap.
    """
    processes = {}
    try:
        for officer in officers:
            processes[officer] = subprocess.Popen(
                [sys.executable, "-c", WORKER, str(location), officer, mode, str(limit)],
                cwd=cwd,
                env=child_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
            )
        for officer, process in processes.items():
            line = process.stdout.readline()
            if line.strip() != "ready":
                process.kill()
                raise AssertionError(f"{officer} did not get ready: {line!r} {process.stderr.read()}")
        for process in processes.values():  # the barrier: every one is connected and waiting on its stdin
            process.stdin.write("go\n")
        for process in processes.values():
            process.stdin.flush()
        reports = {}
        for officer, process in processes.items():
            try:
                stdout, stderr = process.communicate(timeout=TEST_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"{officer} did not finish within {TEST_TIMEOUT} s: a hang") from None
            assert process.returncode == 0, f"{officer} exited {process.returncode}:\n{stderr}"
            assert_clean(stderr, officer)
            reports[officer] = json.loads(stdout)
        windows = [report["window"] for report in reports.values()]
        assert max(start for start, _ in windows) < min(end for _, end in windows), f"no overlap: {windows}"
        return {officer: report["record"] for officer, report in reports.items()}
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
            with suppress(Exception):
                process.wait(timeout=5)


@pytest.mark.parametrize("quota", [PER_OFFICER, None], ids=["25-each", "until-empty"])
def test_four_officers_in_the_library_are_handed_100_different_warnings(quota, location, db, tmp_path):
    expected = import_warnings(location, tmp_path, WARNINGS)
    with deadline(TEST_TIMEOUT):
        # Without a quota each takes as fast as it can until nothing is due: SQLite's busy wait is not fair, so one
        # process may take most of them; what matters is that no warning is handed out twice and none is lost.
        handed = run_workers(location, OFFICERS, "work", quota or WARNINGS + 1, tmp_path)
    if quota:
        assert {officer: len(ids) for officer, ids in handed.items()} == dict.fromkeys(OFFICERS, quota)
    assert sum(len(ids) for ids in handed.values()) == WARNINGS
    assert_every_warning_handled_once(db, handed, expected)


@pytest.mark.parametrize("attempt", range(5))
def test_two_officers_race_for_the_last_warning_exactly_one_gets_it(attempt, location, db, tmp_path):
    (only,) = import_warnings(location, tmp_path, 1)
    with deadline(TEST_TIMEOUT):
        records = run_workers(location, ("o1", "o2"), "spin", 200, tmp_path)

    winners = [officer for officer, answers in records.items() if any(answers)]
    assert len(winners) == 1, f"both officers were handed {only}: {records}"
    (winner,) = winners
    (loser,) = set(records) - {winner}
    assert all(answer is None for answer in records[loser]), records[loser]
    # The winner took it on its first call (nobody else could hold it), and from then on it stays in its hand:
    # shown again, never taken a second time.
    first, *again = records[winner]
    assert first == [only, True, winner]
    assert all(answer == [only, False, winner] for answer in again), again
    assert db("SELECT status, holder FROM warnings") == [("taken", winner)]
    assert db("SELECT officer FROM events WHERE action = 'take'") == [(winner,)]
