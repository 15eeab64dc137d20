"""Backups and restore (SPEC §10, issue 15): a whole copy while desks work, never half of one under a backup's name,
readable by its owner only, rotated, made before every migration; a restore that checks first and keeps what it
replaces. Both engines where the command is shared (pg_dump and pg_restore on the server)."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO, first_release_database, integrity_problems, warning_row, write_export

from fanzha_cli.storage import open_store


@pytest.fixture
def day(run, engine, tmp_path):
    rows = [warning_row(n, id=f"W{n}") for n in range(6)]
    assert run("import", write_export(tmp_path / "day.csv", rows)).exit_code == 0
    assert run("next").exit_code == 0
    return engine


def made(result) -> Path:
    assert result.exit_code == 0, result.stderr
    return Path(json.loads(result.stdout)["backup"])


def test_a_backup_is_private_named_rotated_and_restores_what_it_held(run, day, tmp_path):
    folder = tmp_path / "copies"
    assert run("config", "backup_keep", "2").exit_code == 0
    first = made(run("backup", folder, "--json"))
    assert stat.S_IMODE(first.stat().st_mode) == 0o600 and first.name.startswith("fanzha-")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert run("--officer", "li", "next").exit_code == 0  # a change after the backup

    restored = run("restore", first, "--json")
    assert restored.exit_code == 0, restored.stderr
    report = json.loads(restored.stdout)
    assert report["counts"]["warnings"] == 6 and Path(report["kept"]).exists()
    taken = [row for row in json.loads(run("list", "--json").stdout) if row["status"] == "taken"]
    assert [row["holder"] for row in taken] == ["test-officer"]  # li's take came after: gone with the restore
    assert integrity_problems() == []
    back = run("restore", report["kept"])  # and what the restore replaced puts li's take back
    assert back.exit_code == 0, back.stderr
    assert len([row for row in json.loads(run("list", "--json").stdout) if row["status"] == "taken"]) == 2

    made(run("backup", folder, "--json"))
    third = made(run("backup", folder, "--json"))
    kept = sorted(path.name for path in folder.iterdir())
    assert len(kept) == 2 and first.name not in kept and third.name in kept  # the oldest went


def test_restore_refuses_what_is_not_a_fanzha_backup_and_changes_nothing(run, day, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = run("list", "--json").stdout
    for path, words in (
        (tmp_path / "missing.db", "there is no backup at"),
        (text, "is not a fanzha backup"),
        (other, "is not a fanzha backup"),
    ):
        refused = run("restore", path)
        assert refused.exit_code == 2 and refused.stderr.count("\n") == 1, refused.stderr
        assert words in refused.stderr and "Traceback" not in refused.stderr
    assert run("list", "--json").stdout == before
    assert run("backup", text).exit_code == 2  # an existing file is never written over


@pytest.mark.sqlite_only
def test_an_old_database_is_copied_before_its_upgrade_and_restoring_an_old_backup_upgrades_it(run, tmp_path):
    old = first_release_database(tmp_path / "old.db")
    assert run("--db", old, "list").exit_code == 0  # opened: upgraded
    (copy,) = (tmp_path / "backups").glob("fanzha-old-*-before-schema-*.db")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA user_version").fetchone() == (1,)  # the database as it was before
    conn.close()
    assert run("--db", old, "list").exit_code == 0 and len(list((tmp_path / "backups").iterdir())) == 1  # once
    fresh = tmp_path / "fresh.db"
    restored = run("--db", fresh, "restore", copy)
    assert restored.exit_code == 0, restored.stderr
    assert open_store(fresh).describe()["schema"] == open_store(old).describe()["schema"]


@pytest.mark.sqlite_only
def test_killed_at_any_moment_a_backup_leaves_no_partial_file_under_a_backups_name_nor_harms_the_source(tmp_path):
    """Issue 15: `kill -9` at random moments of `fanzha backup`, 20 tries."""
    sys.path.insert(0, str(REPO / "bench"))
    from datetime import datetime

    from synth import write_csv

    from fanzha_cli.files.importer import import_file

    source = tmp_path / "big.db"
    with open_store(source, create=True) as store:
        write_csv(tmp_path / "big.csv", 100_000, day=datetime(2026, 11, 24))
        import_file(store, tmp_path / "big.csv", officer="t")
    folder = tmp_path / "copies"
    command = [sys.executable, "-m", "fanzha_cli", "--db", str(source), "backup", str(folder)]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    copying = time.monotonic() - started  # start-up included: more than the copy, so kills fall after it too
    rng = random.Random(15)
    for attempt in range(20):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if attempt % 4:  # most kills while the copy is being written: from its temporary file's first moment
            _wait_for_a_temporary_copy(folder, process)
            time.sleep(rng.uniform(0, copying))
        else:  # some at any moment, start-up included
            time.sleep(rng.uniform(0, 0.5))
        process.kill()
        process.wait(timeout=60)
    for path in folder.iterdir():
        if path.name.startswith("."):
            continue  # a temporary copy a kill left: never under a backup's name
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",), path
            assert conn.execute("SELECT count(*) FROM warnings").fetchone() == (100_000,), path
        finally:
            conn.close()
    conn = sqlite3.connect(source)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    subprocess.run(command, check=True, capture_output=True, timeout=300)  # the next one clears what kills left
    assert not [path for path in folder.iterdir() if path.name.startswith(".")]


def _wait_for_a_temporary_copy(folder: Path, process: subprocess.Popen) -> None:
    """Until the backup has begun its temporary file (or has ended): generous, a busy machine starts slowly."""
    ends = time.monotonic() + 60
    while time.monotonic() < ends and process.poll() is None:
        if any(path.name.endswith(f".partial-{process.pid}") for path in folder.iterdir()):
            return
        time.sleep(0.001)


def test_a_backup_taken_while_four_desks_work_restores_whole_with_every_history_consistent(location, tmp_path):
    from conftest import deadline
    from test_concurrency import TEST_TIMEOUT, import_warnings, run_workers

    import_warnings(location, tmp_path, 200)
    folder = tmp_path / "copies"
    backups: list[Path] = []
    failures: list[str] = []

    def back_up_meanwhile() -> None:
        command = [sys.executable, "-m", "fanzha_cli", "--db", location, "backup", str(folder), "--json"]
        env = {key: value for key, value in os.environ.items() if key != "FANZHA_OFFICER"}
        for _ in range(3):
            done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
            if done.returncode != 0:
                failures.append(done.stderr)
                return
            backups.append(Path(json.loads(done.stdout)["backup"]))

    with deadline(TEST_TIMEOUT * 2):
        copier = threading.Thread(target=back_up_meanwhile)
        copier.start()
        run_workers(location, ["o1", "o2", "o3", "o4"], "work", 50, tmp_path)
        copier.join()
    assert failures == [] and len(backups) == 3
    for n, copy in enumerate(backups):
        restored = tmp_path / f"restored{n}.db" if location.endswith(".db") else None
        into = restored or location
        done = subprocess.run(
            [sys.executable, "-m", "fanzha_cli", "--db", str(into), "restore", str(copy)],
            capture_output=True, text=True, timeout=300,
            env={key: value for key, value in os.environ.items() if key != "FANZHA_OFFICER"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        with open_store(into) as store:
            for warning in store.list_warnings(limit=None, statuses=["new", "taken", "retry", "escalated", "closed"]):
                actions = [event["action"] for event in store.warning_events(warning["id"])]
                if warning["status"] == "taken":
                    assert actions[-1] == "take", (warning["id"], actions)
                if warning["status"] == "closed":
                    assert actions.count("take") == actions.count("call") == 1, (warning["id"], actions)
                if warning["status"] == "new":
                    assert actions == [], (warning["id"], actions)
        if restored:
            conn = sqlite3.connect(restored)
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
            conn.close()
        else:
            assert integrity_problems() == []


def test_without_pg_dump_a_servers_backup_is_one_line_saying_what_to_install(run, pg_server, monkeypatch):
    import pg_cluster

    from fanzha_cli.storage.postgres import backup

    url = pg_cluster.database_url(pg_server, "fanzha_no_pg_dump")
    assert run("--db", url, "config", "district", "新洲区").exit_code == 0
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(backup.glob, "glob", lambda pattern: [])
    refused = run("--db", url, "backup")
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1
    assert "pg_dump is not installed" in refused.stderr and "postgresql-client" in refused.stderr


def test_rotation_keeps_another_databases_copies_and_those_made_before_an_upgrade_or_kept_by_a_restore(tmp_path):
    from fanzha_cli.storage import backups

    folder = tmp_path / "copies"
    folder.mkdir()
    names = [
        "fanzha-fz-20261101-000000.db",
        "fanzha-fz-20261102-000000.db",
        "fanzha-fz-20261103-000000-2.db",
        "fanzha-fz-old-20261101-000000.db",  # another database, named fz-old
        "fanzha-fz-20261101-000001-before-schema-14.db",
        "fanzha-fz-20261101-000002-replaced.db",
    ]
    for n, name in enumerate(names):
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (1_000_000 + n, 1_000_000 + n))
    gone = backups.rotate(folder, tmp_path / "fz.db", 1)
    assert sorted(path.name for path in gone) == names[:2]
    assert sorted(path.name for path in folder.iterdir()) == sorted(names[2:])


def test_a_folder_is_not_a_backup(run, day, tmp_path):
    refused = run("restore", tmp_path)
    assert refused.exit_code == 2 and "is a folder: name one backup in it" in refused.stderr
