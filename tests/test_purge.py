"""Purge (SPEC §10, issue 15): closed warnings older than the limit lose the person's data and keep every figure;
no purged value stays in the SQLite file's bytes (main file and WAL) nor in any table on a server; a returning
person is still known by the keyed hash of the phone. Both engines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import on_server, warning_row, write_export

# The people of January, whose warnings were worked and closed, and what of them the day recorded.
OLD = {
    "W1": ("甲某某", "13911110001", "新洲区甲街1号"),
    "W2": ("乙某某", "13911110002", "新洲区乙街2号"),
    "W3": ("丙某某", "13911110003", "新洲区丙街3号"),
}
ACCOUNT = "6222029988776655443"
NOTE = "她说丈夫叫丁某某"
NEW_PHONE = "13911119999"  # an edit's new value


@pytest.fixture
def history(run, engine, tmp_path):
    rows = [
        warning_row(n, id=wid, time=f"2026-01-10 0{n}:00:00", risk="中风险", name=name, phone=phone, address=address)
        for n, (wid, (name, phone, address)) in enumerate(OLD.items(), 1)
    ]
    rows.append(warning_row(4, id="W4", time="2026-01-10 04:00:00", name="戊某某", phone="13911110004"))  # open
    rows.append(warning_row(5, id="W5", time="2026-11-20 09:00:00", name="己某某", phone="13911110005"))  # recent
    assert run("import", write_export(tmp_path / "days.csv", rows)).exit_code == 0
    act = [
        ("take", "W1"),
        ("edit", "W1", "--phone", NEW_PHONE, "--at", "2026-01-10 10:00"),
        ("edit", "W1", "--phone", OLD["W1"][1], "--at", "2026-01-10 10:01"),
        ("note", "W1", NOTE, "--at", "2026-01-10 10:02"),
        (
            "stop-pay",
            "add",
            "W1",
            "--bank",
            "工商银行",
            "--account",
            ACCOUNT,
            "--amount",
            "1万",
            "--at",
            "2026-01-10 10:03",
        ),
        ("log", "W1", "reached", "--note", NOTE, "--at", "2026-01-10 10:05"),
        ("take", "W2"),
        ("log", "W2", "unreachable", "--at", "2026-01-10 10:10"),  # the SMS, with the name in it
        ("escalate", "W2", "--at", "2026-01-10 10:11"),
        ("visit", "W2", "dissuaded", "--note", NOTE, "--at", "2026-01-10 12:00"),
        ("take", "W3"),
        ("log", "W3", "reached", "--at", "2026-01-10 10:20"),
        ("take", "W5"),
        ("log", "W5", "reached", "--at", "2026-11-20 10:00"),
    ]
    for args in act:
        done = run(*args)
        assert done.exit_code in (0, 1), (args, done.stderr)
    return engine


def summaries(run) -> dict:
    return json.loads(run("summary", "--from", "2026-01-01", "--to", "2026-11-26", "--json").stdout)


def test_a_purge_keeps_every_figure_and_leaves_no_purged_value_anywhere(run, history, db, tmp_path):
    before = summaries(run)
    counted = json.loads(run("purge", "--older-than", "180d", "--dry-run", "--json").stdout)
    assert (counted["warnings"], counted["dry_run"]) == (3, True)
    assert summaries(run) == before and db("SELECT count(*) FROM warnings WHERE purged_at IS NOT NULL") == [(0,)]
    done = run("purge", "--older-than", "180d", "--json")
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["warnings"], report["stop_payments"]) == (3, 1) and report["events"] >= 4
    assert summaries(run) == before  # every day's figures, the same
    kept = db("SELECT id, name, phone, address, clue, phone_hash IS NOT NULL FROM warnings ORDER BY id")
    assert [row[0] for row in kept if row[1] == ""] == ["W1", "W2", "W3"] and all(row[5] for row in kept[:3])
    assert kept[3][1] == "戊某某" and kept[4][1] == "己某某"  # open, and recent: kept whole
    values = [value for person in OLD.values() for value in person] + [ACCOUNT, NOTE, NEW_PHONE]
    if on_server():
        for table in ("warnings", "events", "stop_payments", "access_log", "batches", "skips"):
            for value in values:
                found = db(f"SELECT count(*) FROM {table} t WHERE t::text LIKE ?", (f"%{value}%",))
                assert found == [(0,)], (table, value)
    else:
        location = os.environ["FANZHA_DB"]
        files = (Path(location), Path(location + "-wal"))
        stored = b"".join(path.read_bytes() for path in files if path.exists())
        for value in values:
            assert value.encode() not in stored, value
    with pytest.raises(Exception, match="append-only"):  # the event log's guard is back after the purge
        db.write("UPDATE events SET officer = 'x'")
    assert run("show", "W1").exit_code == 0  # its history, without the person
    again = json.loads(run("purge", "--older-than", "180d", "--json").stdout)
    assert again["warnings"] == 0  # purged once


def test_a_person_who_comes_back_is_still_known_after_the_purge(run, history, tmp_path):
    assert run("purge", "--older-than", "6m").exit_code == 0
    back = [warning_row(9, id="W9", time="2026-11-25 09:00:00", name="甲某某", phone=OLD["W1"][1])]
    assert run("import", write_export(tmp_path / "back.csv", back)).exit_code == 0
    found = json.loads(run("find", OLD["W1"][1], "--json").stdout)
    assert [(row["id"], row["earlier_warnings"]) for row in found] == [("W9", 1)]  # W1, purged, still counts


def test_an_age_must_be_one_and_a_month_at_least(run, history):
    for age in ("soon", "10d", "180x"):
        refused = run("purge", "--older-than", age)
        assert refused.exit_code == 2 and refused.stderr.count("\n") == 1, (age, refused.stderr)
    assert json.loads(run("purge", "--older-than", "1年", "--dry-run", "--json").stdout)["warnings"] == 0
