"""`fanzha import` on real-looking exports: exact counts, rejects, idempotence, one transaction per file."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import datetime

import pytest
from conftest import HEADER_ZH, SAMPLE, integrity_problems, on_server, warning_row, write_export
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanzha_cli.files.importer import import_file
from fanzha_cli.storage import open_store


@pytest.fixture
def sample(tmp_path):
    """The shipped sample, copied so that its rejects file lands in the test's folder."""
    return shutil.copy(SAMPLE, tmp_path / SAMPLE.name)


def counts(result) -> dict:
    data = json.loads(result.stdout)
    return {key: data[key] for key in ("rows", "new", "duplicate", "rejected")}


def test_sample_export_imports_with_exact_counts_and_rejects(run, db, sample, tmp_path):
    result = run("import", sample)
    assert result.exit_code == 1  # rows were rejected: done, with something to look at
    assert "52 rows — 45 new, 1 duplicate, 6 rejected" in result.stdout
    assert "张店派出所" in result.stderr  # a station not in the list is kept, and said so
    assert db("SELECT count(*) FROM warnings") == [(45,)]
    assert db("SELECT station FROM warnings WHERE station = '张店派出所'") == [("张店派出所",)]
    # the short name 凤凰/… in the file is stored as the listed station's full name
    assert db("SELECT count(*) FROM warnings WHERE station NOT LIKE '%派出所'") == [(0,)]
    rejects_file = tmp_path / "2026-11-24-预警.rejects.csv"
    lines = rejects_file.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 7 and lines[0].startswith("行号 line,原因 reason,预警编号")
    reasons = [line.split(",")[1] for line in lines[1:]]
    assert len(set(reasons)) == 6  # each rejected for a different reason


def test_second_import_of_the_same_file_adds_nothing(run, db, sample):
    run("import", sample)
    before = db("SELECT * FROM warnings ORDER BY id")
    again = run("import", sample, "--json")
    assert counts(again) == {"rows": 52, "new": 0, "duplicate": 46, "rejected": 6}
    assert db("SELECT * FROM warnings ORDER BY id") == before
    assert db("SELECT count(*), count(DISTINCT sha256) FROM batches") == [(2, 1)]
    plain = run("import", sample)
    assert "imported before" in plain.stderr


def test_json_has_exactly_the_keys_of_the_spec(run, sample):
    result = run("import", sample, "--json")
    data = json.loads(result.stdout)
    assert list(data) == ["file", "rows", "new", "duplicate", "rejected", "rejects"]
    assert data["rejects"][0] == {
        "line": 12,
        "reason": "手机号码: phone '1.00E+10' was turned into a number by Excel and its digits are lost",
    }
    assert all(set(item) == {"line", "reason"} for item in data["rejects"])


def test_real_looking_gb18030_export(run, db, tmp_path):
    header = [
        "编号",
        "下发时间",
        "等级",
        "预警类别",
        "当事人",
        "联系电话",
        "所属派出所",
        "居住地址",
        "预警内容",
        "下发单位",
    ]
    rows = [
        [
            "A1",
            "2026-11-24 08:01:00",
            "高风险",
            "虚假投资理财",
            "王某",
            "+86 138 1234 5678",
            "阳逻派出所",
            "",
            "",
            "市中心",
        ],
        ["A2", "2026/11/24 8:05", "中", "刷单返利", "李某", "138-1234-5679", "邾城派出所", "", "", "市中心"],
        ["A3", "2026-11-24T08:10", "紧急", "冒充公检法", "张某", "'13812345680", "旧街", "", "", "市中心"],
        ["A4", "2026年11月24日 08:15", "medium", "虚假贷款", "赵某", "13812345681", "仓埠所", "", "", "市中心"],
        ["A5", "2026年11月24日 08:20:30", "HIGH", "虚假征信", "钱某", "1.38E+10", "汪集派出所", "", "", "市中心"],
        ["A2", "2026/11/24 8:05", "中", "刷单返利", "李某", "138-1234-5679", "邾城派出所", "", "", "市中心"],
        ["A6", "2026-11-24 08:30", "中风险", "虚假贷款", "孙某", "8613812345682", "李集派出所", "", "", "市中心"],
    ]
    path = write_export(tmp_path / "morning.csv", rows, header=header, encoding="gb18030", newline="\r\n")
    with open(path, "ab") as handle:
        handle.write(b"\r\n")  # trailing blank line
    result = run("import", path, "--json")
    assert result.exit_code == 1
    assert counts(result) == {"rows": 7, "new": 5, "duplicate": 1, "rejected": 1}
    assert json.loads(result.stdout)["rejects"][0]["line"] == 6
    stored = dict(db("SELECT id, phone FROM warnings"))
    assert stored == {
        "A1": "13812345678",
        "A2": "13812345679",
        "A3": "13812345680",
        "A4": "13812345681",
        "A6": "13812345682",
    }
    assert db("SELECT time, risk_level, station FROM warnings WHERE id = 'A4'") == [
        ("2026-11-24 08:15:00", 1, "仓埠派出所")
    ]
    assert db("SELECT station FROM warnings WHERE id = 'A3'") == [("旧街派出所",)]
    assert run("import", path, "--json").stdout.count('"new": 0') == 1


def test_utf8_bom_english_headers_any_order(run, db, tmp_path):
    header = ["station", "phone", "name", "risk", "time", "id", "fraud_type", "extra"]
    rows = [
        ["问津派出所", "13900000001", "Zhou", "urgent", "2026-11-24 09:00:00", "E1", "虚假贷款", "x"],
        ["问津派出所", "13900000002", "Wu", "medium", "2026-11-24 09:01:00", "E2", "", "y"],
    ]
    path = write_export(tmp_path / "en.csv", rows, header=header, encoding="utf-8-sig")
    result = run("import", path, "--json")
    assert result.exit_code == 0
    assert counts(result) == {"rows": 2, "new": 2, "duplicate": 0, "rejected": 0}
    assert db("SELECT id, risk_level, fraud_type FROM warnings ORDER BY id") == [("E1", 3, "虚假贷款"), ("E2", 1, None)]


def test_every_optional_field_left_empty_or_blank_is_stored_as_none_and_a_given_one_trimmed(run, db, tmp_path):
    header = [*HEADER_ZH, "身份证号"]
    rows = [
        [*warning_row(1, fraud_type="", address="", clue=""), ""],
        [*warning_row(2, fraud_type="  ", address=" \t", clue=" "), "   "],
        [*warning_row(3, fraud_type=" 刷单 ", address=" 新洲区 ", clue=" 线索 "), " 420100199001011234 "],
    ]
    assert run("import", write_export(tmp_path / "o.csv", rows, header=header)).exit_code == 0
    stored = db("SELECT fraud_type, address, clue, id_card FROM warnings ORDER BY id")
    assert stored == [(None,) * 4, (None,) * 4, ("刷单", "新洲区", "线索", "420100199001011234")]


def test_tsv_file(run, db, tmp_path):
    path = write_export(tmp_path / "export.tsv", [warning_row(1), warning_row(2)], delimiter="\t")
    result = run("import", path)
    assert result.exit_code == 0, result.stderr
    assert db("SELECT count(*) FROM warnings") == [(2,)]


def test_excel_unicode_text_utf16_tab_separated(run, db, tmp_path):
    path = write_export(tmp_path / "export.txt", [warning_row(1), warning_row(2)], encoding="utf-16", delimiter="\t")
    assert run("import", path).exit_code == 0
    assert db("SELECT count(*) FROM warnings") == [(2,)]


def test_gbk_with_mac_line_ends(run, db, tmp_path):
    path = write_export(tmp_path / "old.csv", [warning_row(1), warning_row(2)], encoding="gbk", newline="\r")
    assert run("import", path).exit_code == 0
    assert db("SELECT name FROM warnings ORDER BY id") == [("周某1",), ("周某2",)]


def test_file_without_phone_column_imports_nothing(run, db, tmp_path):
    header = [name for name in HEADER_ZH if name != "手机号码"]
    rows = [[v for i, v in enumerate(warning_row(1)) if i != 5]]
    path = write_export(tmp_path / "nophone.csv", rows, header=header)
    result = run("import", path)
    assert result.exit_code == 2
    assert "lacks the required column phone" in result.stderr and "手机号" in result.stderr
    assert result.stderr.count("\n") == 1
    assert db("SELECT count(*) FROM warnings") == [(0,)]
    assert db("SELECT count(*) FROM batches") == [(0,)]


def test_dry_run_counts_but_stores_nothing(run, db, sample, tmp_path):
    result = run("import", sample, "--dry-run", "--json")
    assert counts(result) == {"rows": 52, "new": 45, "duplicate": 1, "rejected": 6}
    assert db("SELECT count(*) FROM warnings") == [(0,)]
    assert db("SELECT count(*) FROM batches") == [(0,)]
    assert not (tmp_path / "2026-11-24-预警.rejects.csv").exists()
    assert "dry run" in run("import", sample, "--dry-run").stdout


def test_strict_imports_nothing_when_a_row_fails(run, db, sample, tmp_path):
    result = run("import", sample, "--strict")
    assert result.exit_code == 2
    assert "--strict" in result.stderr
    assert db("SELECT count(*) FROM warnings") == [(0,)]
    assert (tmp_path / "2026-11-24-预警.rejects.csv").exists()  # so the officer can fix them
    clean = write_export(tmp_path / "clean.csv", [warning_row(1)])
    assert run("import", clean, "--strict").exit_code == 0
    assert db("SELECT count(*) FROM warnings") == [(1,)]


def test_rejects_option_names_the_file(run, sample, tmp_path):
    target = tmp_path / "elsewhere" / "bad.csv"
    target.parent.mkdir()
    run("import", sample, "--rejects", target)
    assert len(target.read_text(encoding="utf-8-sig").splitlines()) == 7


def test_a_stored_warning_is_not_changed_by_a_reimport(run, db, tmp_path):
    first = write_export(tmp_path / "a.csv", [warning_row(1)])
    run("import", first)
    db.write("UPDATE warnings SET status = 'taken', holder = 'li', attempts = 1")
    changed = write_export(tmp_path / "b.csv", [warning_row(1, name="别人", risk="紧急"), warning_row(2)])
    result = run("import", changed, "--json")
    assert counts(result) == {"rows": 2, "new": 1, "duplicate": 1, "rejected": 0}
    assert db("SELECT name, status, holder, attempts FROM warnings WHERE id = ?", (warning_row(1)[0],)) == [
        ("周某1", "taken", "li", 1)
    ]


def test_rows_are_checked_before_they_are_compared_by_id(run, db, tmp_path):
    rows = [warning_row(1, phone="abc"), warning_row(1), warning_row(1)]
    result = run("import", write_export(tmp_path / "x.csv", rows), "--json")
    assert counts(result) == {"rows": 3, "new": 1, "duplicate": 1, "rejected": 1}


def test_line_numbers_count_physical_lines(run, tmp_path):
    rows = [warning_row(1, clue="第一行\n第二行\n第三行"), [], warning_row(2, risk="低")]
    path = write_export(tmp_path / "multi.csv", rows)
    data = json.loads(run("import", path, "--json").stdout)
    assert data["rows"] == 2
    assert data["rejects"] == [
        {"line": 6, "reason": "风险等级: unknown risk level '低': use 中风险/高风险/紧急 or medium/high/urgent"}
    ]


def test_blank_and_empty_rows_are_skipped_and_trailing_empty_cells_are_harmless(run, db, tmp_path):
    path = write_export(tmp_path / "excel.csv", [[*warning_row(1), "", ""], [""] * 9, [], warning_row(2)])
    result = run("import", path, "--json")
    assert counts(result) == {"rows": 2, "new": 2, "duplicate": 0, "rejected": 0}


def test_shifted_row_is_rejected_not_misread(run, db, tmp_path):
    row = warning_row(1)
    del row[3]  # a missing cell: every later value would land in the wrong column
    data = json.loads(run("import", write_export(tmp_path / "x.csv", [row]), "--json").stdout)
    assert data["rejected"] == 1 and "8 fields but the header has 9" in data["rejects"][0]["reason"]


def test_future_and_empty_values_are_rejected_with_their_column(run, tmp_path):
    rows = [
        warning_row(1, time="2099-01-01 10:00"),
        warning_row(2, name=" "),
        warning_row(3, station=""),
        warning_row(4, id=""),
        warning_row(5, name="长" * 65),
    ]
    data = json.loads(run("import", write_export(tmp_path / "x.csv", rows), "--json").stdout)
    reasons = [item["reason"] for item in data["rejects"]]
    assert reasons[0].startswith("预警时间: time 2099-01-01 10:00:00 is in the future")
    assert reasons[1] == "姓名: the name is empty"
    assert reasons[2] == "辖区派出所: the police station is empty"
    assert reasons[3] == "预警编号: the warning id is empty"
    assert reasons[4].startswith("姓名: holds 65 characters")


def test_batch_records_the_file_its_hash_and_counts(run, db, sample):
    run("import", sample)
    digest = hashlib.sha256(sample.read_bytes()).hexdigest()
    [(batch_id, file, sha, rows, new, dup, rejected)] = db(
        "SELECT id, file, sha256, rows, new, duplicate, rejected FROM batches"
    )
    assert (sha, rows, new, dup, rejected) == (digest, 52, 45, 1, 6)
    assert file.endswith("2026-11-24-预警.csv")
    assert db("SELECT DISTINCT batch_id FROM warnings") == [(batch_id,)]


def test_workbook_imports_like_its_csv(run, db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER_ZH)
    sheet.append(["X1", datetime(2026, 11, 24, 9, 30), "高风险", "刷单返利", "周某", 13812345678, "阳逻派出所", "", ""])
    sheet.append(["X2", "2026/11/24 9:45", "中", "刷单返利", "吴某", "1.38E+10", "阳逻派出所", None, None])
    sheet.append(["X3", "2026/11/24 9:50", "中", "刷单返利", "郑某", 13812300000, "阳逻派出所", None, None])
    sheet.append([None] * 9)
    sheet.append(["X1", datetime(2026, 11, 24, 9, 30), "高风险", "刷单返利", "周某", 13812345678, "阳逻派出所", "", ""])
    book.save(tmp_path / "export.xlsx")
    result = run("import", tmp_path / "export.xlsx", "--json")
    assert counts(result) == {"rows": 4, "new": 1, "duplicate": 1, "rejected": 2}
    rejects = json.loads(result.stdout)["rejects"]
    assert [r["line"] for r in rejects] == [3, 4]
    assert "rounded by Excel" in rejects[1]["reason"]
    assert db("SELECT id, time, phone FROM warnings") == [("X1", "2026-11-24 09:30:00", "13812345678")]


def test_several_files_one_bad(run, db, tmp_path):
    good = write_export(tmp_path / "good.csv", [warning_row(1)])
    result = run("import", tmp_path / "missing.csv", good)
    assert result.exit_code == 2
    assert "missing.csv: no such file" in result.stderr
    assert db("SELECT count(*) FROM warnings") == [(1,)]


def test_interrupted_import_leaves_nothing(db_path, tmp_path):
    """A failure in the middle of the stream (injected at the first progress report) rolls the file back."""
    path = write_export(tmp_path / "x.csv", [warning_row(n) for n in range(6000)])
    conn = open_store(db_path, create=True)
    calls = 0

    def fail_midway(_done):
        nonlocal calls
        calls += 1
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(conn, path, officer="t", progress=fail_midway)
    assert calls == 1
    assert conn.conn.execute("SELECT count(*) FROM warnings").fetchone() == (0,)
    assert conn.conn.execute("SELECT count(*) FROM batches").fetchone() == (0,)


row_kinds = st.lists(st.sampled_from(["new", "again", "bad", "blank"]), max_size=40)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=row_kinds)
def test_every_record_is_exactly_one_of_new_duplicate_rejected(tmp_path_factory, kinds):
    """A model of SPEC §5: ids seen before (in the file or stored) are duplicates; failing records are rejected."""
    folder = tmp_path_factory.mktemp("p")
    conn = open_store(folder / "p.db", create=True)
    stored = {warning_row(0)[0]}
    import_file(conn, write_export(folder / "seed.csv", [warning_row(0)]), officer="t")
    rows, expected = [], {"new": 0, "duplicate": 0, "rejected": 0}
    seen = set(stored)
    for n, kind in enumerate(kinds, start=1):
        if kind == "blank":
            rows.append([])
            continue
        if kind == "bad":
            rows.append(warning_row(n, phone="1.5E+10"))
            expected["rejected"] += 1
            continue
        row = warning_row(n if kind == "new" else 0)
        rows.append(row)
        expected["duplicate" if row[0] in seen else "new"] += 1
        seen.add(row[0])
    result = import_file(conn, write_export(folder / "x.csv", rows), officer="t")
    assert (result.new, result.duplicate, result.rejected) == (
        expected["new"],
        expected["duplicate"],
        expected["rejected"],
    )
    assert result.rows == sum(expected.values())
    assert conn.conn.execute("SELECT count(*) FROM warnings").fetchone()[0] == len(seen)


def test_a_workbook_date_without_a_time_is_refused_like_in_a_csv(run, tmp_path):
    """Found in review: a date cell came in as midnight and jumped the queue."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER_ZH)
    sheet.append(["D1", datetime(2026, 11, 24), "高风险", "刷单返利", "周某", "13812345678", "阳逻派出所", "", ""])
    sheet["B2"].number_format = "yyyy-mm-dd"
    sheet.append(["D2", datetime(2026, 11, 24), "高风险", "刷单返利", "吴某", "13812345679", "阳逻派出所", "", ""])
    sheet["B3"].number_format = "yyyy-mm-dd hh:mm"  # midnight, on purpose
    book.save(tmp_path / "dates.xlsx")
    data = json.loads(run("import", tmp_path / "dates.xlsx", "--json").stdout)
    assert (data["new"], data["rejected"]) == (1, 1)
    assert "no time of day" in data["rejects"][0]["reason"] and data["rejects"][0]["line"] == 2


def _indexes(db) -> set[tuple[str, str]]:
    """The warnings' indexes and their definitions, on the test's engine."""
    if on_server():
        sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'warnings'"
        sql += " AND schemaname = current_schema()"
    else:
        sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'warnings' AND sql IS NOT NULL"
    return set(db(sql))


@pytest.mark.parametrize("how", ["stored", "dry run", "strict, refused"])
def test_a_first_load_builds_the_indexes_after_the_rows_and_a_failed_one_keeps_them(run, db, tmp_path, how):
    """A file larger than the table has its indexes dropped and built again after the insert (store.
    indexes_built_after): afterwards they are all there, the same; and an import that stores nothing keeps them."""
    assert run("config", "district", "新洲区").exit_code == 0
    before = _indexes(db)
    assert {"warnings_status", "warnings_phone_tail", "warnings_queue"} <= {name for name, _ in before}
    rows = [warning_row(n, id=f"WH2026112400{n:04d}") for n in range(300)]
    if how == "strict, refused":
        rows[150] = warning_row(150, time="not a time")
    args = {"stored": [], "dry run": ["--dry-run"], "strict, refused": ["--strict"]}[how]
    result = run("import", write_export(tmp_path / "first.csv", rows), *args)
    assert result.exit_code == (0 if how != "strict, refused" else 2), result.stderr
    assert _indexes(db) == before
    stored = db("SELECT count(*) FROM warnings")[0][0]
    assert stored == (300 if how == "stored" else 0)
    if stored:  # the indexes hold every row (both engines' checks read each index against the table)
        assert integrity_problems() == []
    if stored and not on_server():  # and a lookup through each finds them
        phone = db("SELECT phone FROM warnings LIMIT 1")[0][0]
        new = "SELECT count(*) FROM warnings INDEXED BY warnings_status WHERE status = 'new'"
        assert db(new) == [(300,)]
        tail = "SELECT count(*) FROM warnings INDEXED BY warnings_phone_tail WHERE substr(phone, -4) = substr(?, -4)"
        assert db(tail, (phone,))[0][0] >= 1


def test_indexes_are_built_after_the_rows_only_when_the_file_outnumbers_the_table(tmp_path):
    from fanzha_cli.files.importer import import_file

    conn = open_store(tmp_path / "fanzha.db", create=True)
    statements: list[str] = []
    conn.conn.set_trace_callback(statements.append)
    first = [warning_row(n, id=f"WH2026112400{n:04d}") for n in range(300)]
    import_file(conn, write_export(tmp_path / "first.csv", first), officer="t")
    assert any(sql.startswith("DROP INDEX") for sql in statements)  # 300 rows into none: built after
    statements.clear()
    morning = [warning_row(n, id=f"WH2026112500{n:04d}", time="2026-11-25 08:00:00") for n in range(20)]
    import_file(conn, write_export(tmp_path / "morning.csv", morning), officer="t")
    assert not any(sql.startswith("DROP INDEX") for sql in statements)  # 20 rows into 300: each added
    assert conn.conn.execute("SELECT count(*) FROM warnings").fetchone() == (320,)
