"""The access log (SPEC §10, issue 15): `audit` lists exactly the full values a scripted day showed — phones in
`next`, `show`, desk mode, `inbox` and `handover --full`, accounts in the stop-payments' own output and `show` —
and none that were only masked (`list`, `find`, `export`, `handover`, `stop-pay list`). Both engines."""

from __future__ import annotations

import json

import pytest
from conftest import warning_row, write_export

ACCOUNT = "6222020200112233445"


@pytest.fixture
def day(run, engine, tmp_path):
    rows = [warning_row(n, id=f"W{n}", risk="紧急" if n == 1 else "中风险") for n in range(4)]
    assert run("import", write_export(tmp_path / "day.csv", rows)).exit_code == 0
    return engine


def seen(run, *args: str) -> list[tuple[str, str, str, str]]:
    listed = run("audit", *args, "--json")
    assert listed.exit_code == 0, listed.stderr
    return [(row["officer"], row["warning_id"], row["field"], row["command"]) for row in json.loads(listed.stdout)]


def test_audit_lists_exactly_the_full_values_a_day_showed_and_none_only_masked(run, day, tmp_path):
    masked = [
        ("list",),
        ("list", "--json"),
        ("find", "W2"),
        ("find", "0002", "--json"),
        ("export", "--date", "2026-11-24", "-o", str(tmp_path / "day.xlsx")),
        ("summary", "--date", "2026-11-24"),
        ("stop-pay", "list"),
    ]
    taken = json.loads(run("next", "--json").stdout)  # W1: the urgent one
    assert taken["id"] == "W1"
    assert run("--officer", "li", "show", "W2").exit_code == 0
    assert run("escalate", "W1", "--station", "阳逻").exit_code == 0
    assert run("handover", "W1").exit_code == 0  # masked
    assert run("--officer", "yl", "--station", "阳逻", "inbox").exit_code == 0
    assert run("--officer", "yl", "handover", "W1", "--full").exit_code == 0
    added = run("stop-pay", "add", "W1", "--bank", "工商银行", "--account", ACCOUNT, "--amount", "1万", "--json")
    assert added.exit_code == 0, added.stderr
    assert run("stop-pay", "result", "1", "frozen").exit_code == 0
    for args in masked:
        assert run(*args).exit_code in (0, 1), args
    assert run("--officer", "li", "show", "W1", "--json").exit_code == 0
    assert seen(run) == [
        ("test-officer", "W1", "phone", "next"),
        ("li", "W2", "phone", "show"),
        ("yl", "W1", "phone", "inbox"),
        ("yl", "W1", "phone", "handover --full"),
        ("test-officer", "W1", "account", "stop-pay add"),
        ("test-officer", "W1", "account", "stop-pay result"),
        ("li", "W1", "phone", "show"),
        ("li", "W1", "account", "show"),
    ]
    assert seen(run, "--officer", "LI") == [row for row in seen(run) if row[0] == "li"]  # one form of a name
    assert seen(run, "--warning", "W2") == [("li", "W2", "phone", "show")]
    assert seen(run, "--from", "2000-01-01", "--to", "2000-01-02") == []
    assert seen(run, "--from", "today", "--to", "today") == seen(run)
    text = run("audit").stdout
    assert "W2\tphone\tshow" in text and ACCOUNT not in text and "100" not in text  # the log holds no value


def test_the_access_log_is_append_only(run, day, db):
    assert run("next").exit_code == 0
    for statement in ("UPDATE access_log SET officer = 'x'", "DELETE FROM access_log"):
        with pytest.raises(Exception, match="append-only"):
            db.write(statement)
    assert db("SELECT count(*) FROM access_log") == [(1,)]


def test_audit_refuses_a_range_that_ends_before_it_begins_and_records_no_account_a_line_did_not_show(run, day):
    refused = run("audit", "--from", "2026-11-26", "--to", "2026-11-25")
    assert refused.exit_code == 2 and "--from 2026-11-26 is after --to 2026-11-25" in refused.stderr
    run("stop-pay", "add", "W1", "--bank", "b", "--account", ACCOUNT, "--amount", "1万", "--at", "2026-11-24 13:00")
    run("stop-pay", "result", "1", "frozen", "--at", "2026-11-24 13:10")
    shown = run("stop-pay", "release", "1")
    assert shown.exit_code == 0 and ACCOUNT not in shown.stdout
    assert [row[3] for row in seen(run)] == ["stop-pay add", "stop-pay result"]  # not the release's line


def test_a_merge_keeps_each_sides_own_access_log_where_their_numbers_meet(run, tmp_path):
    """After a copy, the desk's file and the centre's database each number their own showings from the same
    point: a later `db copy --merge` is not another history for that (it refused, depending on the second)."""
    import sqlite3

    desk, centre = tmp_path / "desk.db", tmp_path / "centre.db"
    rows = [warning_row(n, id=f"W{n}") for n in range(2)]
    assert run("--db", desk, "import", write_export(tmp_path / "d.csv", rows)).exit_code == 0
    assert run("db", "copy", desk, centre).exit_code == 0
    for path, at in ((desk, "2026-11-26 09:00:00"), (centre, "2026-11-26 09:00:07")):
        conn = sqlite3.connect(path)
        with conn:
            conn.execute(
                "INSERT INTO access_log (at, officer, warning_id, field, command)"
                " VALUES (?, 'o', 'W1', 'phone', 'show')",
                (at,),
            )
        conn.close()
    merged = run("db", "copy", desk, centre, "--merge", "--json")
    assert merged.exit_code == 0, merged.stderr
    conn = sqlite3.connect(centre)
    assert conn.execute("SELECT at FROM access_log").fetchall() == [("2026-11-26 09:00:07",)]  # its own, kept
    conn.close()
