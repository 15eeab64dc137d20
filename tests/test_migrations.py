"""A database the last release wrote upgrades with every row intact, and shows what that release showed (issue 12).

tests/fixtures/release-0005.db is a day's work done by the release before migration 0006 (made by
tests/fixtures/make_release_0005.py from a checkout of that release); release-0005.json is what that release showed
of it (release_0005_outputs.py): the summaries, the lists and the exports, at a fixed moment."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from fanzha_cli.domain import report
from fanzha_cli.files import export
from fanzha_cli.storage import open_store
from fanzha_cli.storage.sqlite import connect as sqlite_connect

FIXTURES = Path(__file__).parent / "fixtures"
OLD_TABLES = ("warnings", "events", "batches", "stations", "settings", "stop_payments", "skips", "_sqlite_migrations")


def rows_of(path: Path, columns: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of the release's tables, in the release's columns (a later migration may add columns)."""
    conn = sqlite3.connect(path)
    try:
        return {
            table: conn.execute(f"SELECT {', '.join(columns[table])} FROM {table} ORDER BY rowid").fetchall()
            for table in OLD_TABLES
        }
    finally:
        conn.close()


@pytest.fixture
def upgraded(tmp_path) -> Path:
    path = tmp_path / "release.db"
    shutil.copy(FIXTURES / "release-0005.db", path)
    return path


def columns_of(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        return {table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")] for table in OLD_TABLES}
    finally:
        conn.close()


def test_the_last_release_s_database_upgrades_with_every_row_intact(upgraded):
    columns = columns_of(upgraded)
    before = rows_of(upgraded, columns)
    assert sqlite3.connect(upgraded).execute("PRAGMA user_version").fetchone() == (5,)
    conn = open_store(upgraded, create=False)
    assert conn.conn.execute("PRAGMA user_version").fetchone() == (sqlite_connect.SCHEMA_VERSION,)
    assert conn.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    after = rows_of(upgraded, columns)
    for table in OLD_TABLES[:-1]:
        assert after[table] == before[table], table
    assert after["_sqlite_migrations"][: len(before["_sqlite_migrations"])] == before["_sqlite_migrations"]
    assert len(before["warnings"]) == 45 and len(before["events"]) > 20 and before["stop_payments"] and before["skips"]


def test_the_upgraded_database_shows_what_the_last_release_showed(upgraded):
    shown = json.loads((FIXTURES / "release-0005.json").read_text(encoding="utf-8"))
    conn = open_store(upgraded, create=False)
    # that release knew no acknowledgements: its hand-overs count as acknowledged when made, so none is overdue
    # for want of one, however short the limit
    # nor holds that run out: none of its stop-payments' holds is overdue
    limits = shown["limits"] | {"ack_cutoff": shown["limits"]["now"], "ack_cutoff_urgent": shown["limits"]["now"]}
    limits["hold_warn_cutoff"] = "0000-00-00 00:00:00"
    day, first, last = date(2026, 11, 24), date(2026, 11, 23), date(2026, 11, 25)

    def plain(value):
        from fanzha_cli.domain.money import dumps

        return json.loads(dumps(value))

    def cells(records):
        return [[None if value is None else str(value) for value in record] for record in records]

    def keys_then(figures, then):  # a summary in the keys the release had (a later one may add figures)
        # (a day, a range, and the stop-payments' figures, which later releases add to)
        if isinstance(then, dict) and ("date" in then or "days" in then or "kept_yuan" in then):
            return {key: keys_then(figures[key], value) for key, value in then.items()}
        if isinstance(then, list):
            return [keys_then(item, old) for item, old in zip(figures, then, strict=True)]
        return figures

    for _ in range(2):  # computed from the rows, then added up from the days kept
        day_now = plain(report.summary(conn, day, day, limits))
        assert keys_then(day_now, shown["summary_day"]) == shown["summary_day"]
        range_now = plain(report.summary(conn, first, last, limits, as_range=True))
        assert keys_then(range_now, shown["summary_range"]) == shown["summary_range"]

    def as_then(listed, then):  # each warning in the fields the release had (a later migration may add some)
        return [{key: warning[key] for key in old} for warning, old in zip(listed, then, strict=True)]

    assert as_then(conn.list_warnings(limit=None), shown["list"]) == shown["list"]
    assert as_then(conn.list_warnings(overdue=limits, limit=None), shown["list_overdue"]) == shown["list_overdue"]
    assert cells(export.rows(conn, day, day)) == shown["export"]
    assert cells(export.rows(conn, day, day, by="action")) == shown["export_by_action"]


def test_the_stations_seeded_by_migration_0002_are_those_the_first_release_bundled(tmp_path):
    """0002 carries its stations as data: what it seeds never follows the station file or its parser."""
    from fanzha_cli.files.stations import bundled_stations

    conn = open_store(tmp_path / "new.db", create=True)
    seeded = conn.conn.execute("SELECT name, duty_phone, wechat_group FROM stations ORDER BY rowid").fetchall()
    assert seeded == rows_of(FIXTURES / "release-0005.db", columns_of(FIXTURES / "release-0005.db"))["stations"]
    bundled = [(s["name"], s["duty_phone"], s["wechat_group"]) for s in bundled_stations()]
    assert seeded == bundled  # the file has not changed since; when it does, this line goes and 0002 stays


def test_the_upgrade_names_who_made_each_first_call_from_the_event_log(upgraded):
    """0010 fills first_call_by for the warnings called before it, from the call logged at their first_call_at."""
    open_store(upgraded, create=False).close()
    conn = sqlite3.connect(upgraded)
    try:
        called = conn.execute(
            "SELECT w.first_call_by, (SELECT e.officer FROM events e WHERE e.warning_id = w.id AND e.action = 'call'"
            " ORDER BY e.at, e.id LIMIT 1) FROM warnings w WHERE w.first_call_at IS NOT NULL"
        ).fetchall()
        assert called and all(by is not None and by == first for by, first in called), called
        never = "SELECT count(*) FROM warnings WHERE first_call_at IS NULL AND first_call_by IS NOT NULL"
        assert conn.execute(never).fetchone() == (0,)
    finally:
        conn.close()


def test_the_upgrade_names_the_station_that_passed_each_warning_on_from_the_event_log(tmp_path):
    """0011 fills moved_from for warnings moved before it: from the visit's own word (moved_from), or, before visits
    said it, from the station the warning had before the move (the act's `before`); an undone move counts not."""
    from sqlite_utils import Database

    from fanzha_cli.storage.sqlite.migrations import migrations

    path = tmp_path / "old.db"
    old = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Database(old, execute_plugins=False), stop_before="0011_roles")
    old.execute("PRAGMA user_version = 10")
    old.execute("INSERT INTO batches (id, file, imported_at, officer) VALUES (1, 'f', 't', 'o')")
    moves = {  # warning: (its station now, the visit's details, undone)
        "W1": ("阳逻开发区派出所", {"moved_from": "旧街派出所", "before": {"escalated_to": "旧街派出所"}}, False),
        "W2": ("汪集派出所", {"before": {"escalated_to": "仓埠派出所"}}, False),
        "W3": ("汪集派出所", {"moved_from": "阳逻派出所"}, True),
        "W4": ("阳逻派出所", None, False),  # handed over, never moved
    }
    for n, (warning_id, (station, details, undone)) in enumerate(moves.items()):
        old.execute(
            "INSERT INTO warnings (id, time, risk_level, name, phone, station, batch_id, status, escalated_to,"
            " escalated_at, station_since) VALUES (?, '2026-11-24 08:00:00', 2, 'n', '10000000000', ?, 1, 'escalated',"
            " ?, '2026-11-24 09:00:00', '2026-11-24 09:00:00')",
            (warning_id, station, station),
        )
        if details is not None:
            old.execute(
                "INSERT INTO events (id, warning_id, at, logged_at, officer, action, outcome, station, details, act)"
                " VALUES (?, ?, 't', 't', 'o', 'visit', 'moved', ?, ?, ?)",
                (10 * n + 1, warning_id, station, json.dumps(details, ensure_ascii=False), 10 * n + 1),
            )
        if undone:
            old.execute(
                "INSERT INTO events (id, warning_id, at, logged_at, officer, action, undoes, act)"
                " VALUES (?, ?, 't', 't', 'o', 'undo', ?, ?)",
                (10 * n + 2, warning_id, 10 * n + 1, 10 * n + 2),
            )
    old.close()
    open_store(path, create=False).close()
    conn = sqlite3.connect(path)
    try:
        found = dict(conn.execute("SELECT id, moved_from FROM warnings ORDER BY id").fetchall())
    finally:
        conn.close()
    assert found == {"W1": "旧街派出所", "W2": "仓埠派出所", "W3": None, "W4": None}
