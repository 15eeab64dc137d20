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
    limits = shown["limits"] | {"ack_cutoff": shown["limits"]["now"], "ack_cutoff_urgent": shown["limits"]["now"]}
    day, first, last = date(2026, 11, 24), date(2026, 11, 23), date(2026, 11, 25)

    def plain(value):
        from fanzha_cli.domain.money import dumps

        return json.loads(dumps(value))

    def cells(records):
        return [[None if value is None else str(value) for value in record] for record in records]

    def keys_then(figures, then):  # a summary in the keys the release had (a later one may add figures)
        if isinstance(then, dict) and ("date" in then or "days" in then):
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
