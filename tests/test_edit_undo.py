"""`edit` (SPEC §3: correct what the platform sent, checked as the import checks it, undoable) and `undo --dry-run`
(issue 10, items 13 and 16), through the CLI."""

from __future__ import annotations

import json

import pytest
from conftest import warning_row, write_export

W1 = "WH20261124000001"  # warning_row(1): high risk, 周某1, phone 10000000001, 阳逻派出所
W2 = "WH20261124000002"
FIELDS = "phone, name, station, address, fraud_type"


@pytest.fixture
def two(tmp_path, run):
    rows = [warning_row(1), warning_row(2)]
    assert run("import", write_export(tmp_path / "day.csv", rows)).exit_code == 0


def row(db, wid=W1):
    return db(f"SELECT {FIELDS} FROM warnings WHERE id = ?", (wid,))[0]


def everything(db):
    return db("SELECT * FROM warnings ORDER BY id"), db("SELECT * FROM events ORDER BY id")


def edits(run, wid=W1):
    return [event for event in json.loads(run("show", wid, "--json").stdout)["events"] if event["action"] == "edit"]


def test_edit_corrects_each_field_as_the_import_would_store_it(run, db, two):
    result = run(
        "edit", W1, "--phone", "+86 139-1234-0000", "--name", " 周某某 ", "--station", "邾城",
        "--address", "新洲区邾城街2号", "--fraud-type", "虚假投资理财", "--note", "平台错号",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert row(db) == ("13912340000", "周某某", "邾城派出所", "新洲区邾城街2号", "虚假投资理财")
    assert result.stdout.startswith(f"{W1}: corrected phone 100****0001 → 139****0000, name 周某1 → 周某某,")
    assert "station 阳逻派出所 → 邾城派出所" in result.stdout
    assert "10000000001" not in result.output and "13912340000" not in result.output
    assert row(db, W2)[0] == "10000000002"  # the other warning untouched
    # an empty address or fraud type clears it, as an empty cell imports as nothing
    assert run("edit", W1, "--address", "", "--fraud-type", " ").exit_code == 0
    assert row(db)[3:] == (None, None)


def test_edit_one_field_at_a_time(run, db, two):
    for option, value, stored in [
        ("--phone", "13912340000", ("13912340000", "周某1", "阳逻派出所", "新洲区阳逻街1号", "刷单返利")),
        ("--name", "周某某", ("13912340000", "周某某", "阳逻派出所", "新洲区阳逻街1号", "刷单返利")),
        ("--station", "旧街所", ("13912340000", "周某某", "旧街派出所", "新洲区阳逻街1号", "刷单返利")),
        ("--address", "新洲区旧街3号", ("13912340000", "周某某", "旧街派出所", "新洲区旧街3号", "刷单返利")),
        ("--fraud-type", "虚假贷款", ("13912340000", "周某某", "旧街派出所", "新洲区旧街3号", "虚假贷款")),
    ]:
        result = run("edit", W1, option, value)
        assert result.exit_code == 0, (option, result.stderr)
        assert row(db) == stored, option
    assert len(edits(run)) == 5


def test_the_edit_event_keeps_old_and_new_and_show_masks_the_phones(run, db, two):
    run("edit", W1, "--phone", "13912340000", "--station", "阳逻", "--name", "周某某")  # 阳逻: already so
    (event,) = edits(run)
    assert event["changes"] == {
        "phone": {"old": "100****0001", "new": "139****0000"},
        "name": {"old": "周某1", "new": "周某某"},
    }
    assert event["officer"] == "test-officer" and "before" not in event
    shown = run("show", W1).stdout
    assert "更正  edit  phone 100****0001 → 139****0000, name 周某1 → 周某某" in shown
    assert "10000000001" not in shown  # the old number is nowhere in what show prints
    # the log itself keeps the full values: undo needs them
    (details,) = db("SELECT details FROM events WHERE action = 'edit'")[0]
    kept = json.loads(details)
    assert kept["changes"]["phone"] == {"old": "10000000001", "new": "13912340000"}
    assert kept["before"] == {"phone": "10000000001", "name": "周某1"}


def test_bad_values_are_refused_with_the_imports_reason_and_change_nothing(tmp_path, run, db, two):
    bad = [warning_row(7, phone="1.38E+10"), warning_row(8, name=""), warning_row(9, phone="12")]
    report = json.loads(run("import", write_export(tmp_path / "bad.csv", bad), "--dry-run", "--json").stdout)
    import_reasons = [reject["reason"].split(": ", 1)[1] for reject in report["rejects"]]
    before = everything(db)
    for (option, value), reason in zip(
        [("--phone", "1.38E+10"), ("--name", ""), ("--phone", "12")], import_reasons, strict=True
    ):
        result = run("edit", W1, option, value)
        assert result.exit_code == 2, option
        assert result.stderr == f"fanzha: {option}: {reason}\n"
    assert everything(db) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to edit: give --phone"),
        (("--name", "   "), "--name: the name is empty"),
        (("--name", "周" * 65), "--name: holds 65 characters, more than 64"),
        (("--name", "周\n某"), "--name: holds a line break or control character (U+000A)"),
        (("--fraud-type", "刷单\t返利"), "--fraud-type: holds a line break or control character (U+0009)"),
        (("--station", ""), "--station: the police station is empty"),
        (("--station", "阳逻\x1b[2J"), "--station: holds a line break or control character (U+001B)"),
        (("--address", "址" * 10_001), "--address: holds 10,001 characters, more than 10,000"),
        (("--phone", "138 1234 567"), "has 10 digits, not 11"),
        (("--phone", "13812345678x"), "not digits"),
        (("--name", "周某", "--note", " "), "the note is empty"),
    ],
)
def test_usage_errors_are_one_line_exit_2_and_change_nothing(run, db, two, args, message):
    before = everything(db)
    result = run("edit", W1, *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert everything(db) == before


def test_an_unknown_warning_is_refused(run, two):
    result = run("edit", "WH999", "--name", "周某")
    assert result.exit_code == 2 and "no warning 'WH999'" in result.stderr


def test_an_unlisted_station_is_kept_as_written_with_a_note(run, db, two):
    result = run("edit", W1, "--station", "张店派出所")
    assert result.exit_code == 0
    assert row(db)[2] == "张店派出所"
    assert "station not in the list, kept as written: 张店派出所" in result.stderr
    assert "station 阳逻派出所 → 张店派出所" in result.stdout


def test_the_same_values_change_nothing_and_say_so(run, db, two):
    before = everything(db)
    result = run("edit", W1, "--phone", "100 0000 0001", "--station", "阳逻所", "--name", "周某1")
    assert result.exit_code == 0
    assert result.stdout == f"{W1}: nothing to change — phone, name, station already as given\n"
    assert everything(db) == before
    # only what differs is recorded, and the rest named as unchanged
    result = run("edit", W1, "--phone", "10000000001", "--name", "周某某")
    assert "corrected name 周某1 → 周某某" in result.stdout and "unchanged (already as given): phone" in result.stdout
    assert list(edits(run)[0]["changes"]) == ["name"]


def test_a_closed_warning_can_be_corrected_and_the_correction_undone(run, db, two):
    assert run("log", W1, "reached").exit_code in (0, 1)  # W1 is high: closed, with a note that it was not handed over
    assert db("SELECT status FROM warnings WHERE id = ?", (W1,)) == [("closed",)]
    assert run("edit", W1, "--name", "周某某").exit_code == 0
    assert row(db)[1] == "周某某"
    undone = run("undo")
    assert undone.stdout == f"undone: edit on {W1} — name 周某某 → 周某1\n"
    assert row(db)[1] == "周某1"
    assert db("SELECT status FROM warnings WHERE id = ?", (W1,)) == [("closed",)]


def test_undo_restores_the_edited_fields(run, db, two):
    original = row(db)
    run("edit", W1, "--phone", "13912340000", "--station", "邾城", "--address", "")
    result = run("undo")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"undone: edit on {W1} — phone 139****0000 → 100****0001,")
    assert "station 邾城派出所 → 阳逻派出所" in result.stdout and "address (none) → 新洲区阳逻街1号" in result.stdout
    assert row(db) == original
    events = json.loads(run("show", W1, "--json").stdout)["events"]
    assert [(e["action"], e.get("undone", False)) for e in events] == [
        ("import", False),
        ("edit", True),
        ("undo", False),
    ]
    assert events[-1]["undid"] == "edit"
    assert "nothing to undo" in run("undo").stderr  # the edit is undone; the import is no act of the officer


def test_undo_dry_run_says_what_it_would_reverse_and_changes_nothing(run, db, two):
    run("edit", W2, "--name", "周某某")
    before = everything(db)
    preview = run("undo", "--dry-run")
    assert preview.exit_code == 0
    assert preview.stdout == f"would undo: edit on {W2} — name 周某某 → 周某2 (dry run: nothing changed)\n"
    assert everything(db) == before
    assert run("undo").stdout == f"undone: edit on {W2} — name 周某某 → 周某2\n"


def test_undo_dry_run_of_a_call_names_the_action_the_warning_and_the_status_it_goes_back_to(run, db, two):
    taken = json.loads(run("next", "--json").stdout)["id"]
    assert run("log", "unreachable").exit_code == 0
    before = everything(db)
    preview = run("undo", "--dry-run")
    assert preview.stdout.startswith(f"would undo: call unreachable on {taken} — it would be taken again")
    assert "nothing changed" in preview.stdout
    assert everything(db) == before
    undone = run("undo")
    assert undone.stdout.startswith(f"undone: call unreachable on {taken} — it is taken again")
    assert db("SELECT status, attempts FROM warnings WHERE id = ?", (taken,)) == [("taken", 0)]


def test_undo_of_an_act_that_changed_no_status_names_the_status_it_keeps(run, db, two):
    """An acknowledgement changes no status: the dry run and the undo say which one the warning keeps (the README: a
    dry run names the status the warning would go back to), not nothing."""
    assert run("escalate", W1).exit_code == 0
    assert run("ack", W1).exit_code == 0
    [(status,)] = db("SELECT status FROM warnings WHERE id = ?", (W1,))
    preview = run("undo", "--dry-run")
    assert preview.stdout.startswith(f"would undo: ack on {W1} — it would stay {status} "), preview.stdout
    assert run("undo").stdout.startswith(f"undone: ack on {W1} — it stays {status}")
    assert db("SELECT status FROM warnings WHERE id = ?", (W1,)) == [(status,)]


def test_undo_dry_run_refuses_as_undo_does(run, db, two):
    for args in (("undo", "--dry-run"), ("undo",)):
        result = run(*args)
        assert (result.exit_code, result.stderr) == (2, "fanzha: nothing to undo\n")


def test_undo_after_another_officers_edit_is_refused_alike_with_and_without_dry_run(run, db, two):
    assert run("--officer", "li", "escalate", W1).exit_code == 0
    assert run("--officer", "wang", "edit", W1, "--phone", "13912340000").exit_code == 0
    before = everything(db)
    refusals = [run("--officer", "li", "undo", *flag) for flag in (("--dry-run",), ())]
    assert [r.exit_code for r in refusals] == [2, 2]
    assert refusals[0].stderr == refusals[1].stderr
    assert f"cannot undo the escalate on {W1}: wang has since recorded an edit on it" in refusals[0].stderr
    assert everything(db) == before
    # wang's own undo of the correction goes through; then li's escalation can be undone
    assert run("--officer", "wang", "undo").stdout.startswith(f"undone: edit on {W1}")
    assert row(db)[0] == "10000000001"
    assert run("--officer", "li", "undo").stdout.startswith(f"undone: escalate on {W1}")


def test_an_edit_by_another_officer_blocks_the_undo_of_an_earlier_edit(run, db, two):
    run("--officer", "li", "edit", W1, "--name", "周某某")
    run("--officer", "wang", "edit", W1, "--name", "周某三")
    result = run("--officer", "li", "undo")
    assert result.exit_code == 2 and "wang has since recorded an edit" in result.stderr
    assert row(db)[1] == "周某三"
