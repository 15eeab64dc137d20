"""Issue 9: every bad setting, path and database is one line on stderr and exit 2 (SPEC §4), never a traceback or
an internal error, and nothing already stored is lost."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, first_release_database, warning_row, write_export

from fanzha_cli.domain import settings
from fanzha_cli.domain.errors import DatabaseError
from fanzha_cli.storage import open_store
from fanzha_cli.storage.sqlite import connect as sqlite_connect

HUGE = str(10**30)


def one_line(result) -> str:
    """The command did nothing and said why in one line: exit 2, ``fanzha: ...`` alone on stderr."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("fanzha: "), lines[0]
    assert "internal error" not in lines[0] and "Traceback" not in result.output
    return lines[0]


def desk_still_works(run) -> None:
    """The commands that read the settings, with the overdue limits computed from them."""
    for command in (("next",), ("summary",), ("list", "--overdue"), ("summary", "--json"), ("config",)):
        result = run(*command)
        assert result.exit_code == 0, (command, result.stderr)


@pytest.fixture
def stocked(run, tmp_path):
    """A database holding six warnings, one of them in hand."""
    assert run("import", write_export(tmp_path / "in.csv", [warning_row(n) for n in range(6)])).exit_code == 0
    assert run("next").exit_code == 0


# --- 1. settings have a type and a range ----------------------------------------------------------------------

WHOLE = [key for key, (default, *_) in settings.SETTINGS.items() if isinstance(default, int)]


@pytest.mark.parametrize("key", WHOLE)
@pytest.mark.parametrize("value", [HUGE, "99999999", "-1", "1" * 5000])
def test_a_number_setting_out_of_range_is_refused_and_the_desk_goes_on(run, stocked, db, key, value):
    line = one_line(run("config", "--", key, value))  # -- so that -1 is a value, not an option
    kind = settings.SETTINGS[key][1]
    assert key in line and f"from {kind.minimum} to {kind.maximum}" in line
    assert len(line) < 200
    assert db("SELECT count(*) FROM settings WHERE key = ?", (key,)) == [(0,)]
    desk_still_works(run)


@pytest.mark.parametrize("key", WHOLE)
def test_every_setting_at_its_bounds_keeps_the_desk_working(run, stocked, key):
    kind = settings.SETTINGS[key][1]
    for value in (kind.maximum, kind.minimum):
        assert run("config", key, str(value)).exit_code == 0
        desk_still_works(run)
        assert run("log", "unreachable").exit_code in (0, 1)  # the retry time is computed from retry_minutes
        assert run("next").exit_code == 0


def test_the_bounds_are_sensible_for_a_desk():
    for key, (default, kind, _meaning) in settings.SETTINGS.items():
        assert kind.minimum <= default <= kind.maximum if isinstance(kind, settings.Whole) else default
        if key.endswith("_minutes"):  # a call target up to 90 days (no late marks); the limits that act, a week
            assert kind.maximum <= (90 if key.startswith("target_") else 7) * 24 * 60
        if key.endswith("_hours") or key.endswith("_hours_urgent"):
            assert kind.maximum <= 31 * 24
    assert settings.SETTINGS["max_attempts"][1].maximum <= 20


@pytest.mark.parametrize(
    "value", ["", "   ", "新洲\n区", "新洲\r区", "\x1b[2J新洲区", "新洲\u2028区", "新洲\u202e区", "区" * 41]
)
def test_district_is_a_short_line_of_text(run, stocked, value):
    line = one_line(run("config", "district", value))
    assert "district" in line
    assert run("config", "district", "  阳逻街  ").exit_code == 0
    result = run("config", "district")
    assert result.exit_code == 0 and "阳逻街" in result.stdout


def test_settings_stored_out_of_range_by_an_older_release_do_not_stop_the_desk(run, stocked, db, location):
    stored = [
        ("station_hours", "99999999"),
        ("hold_minutes", HUGE),
        ("retry_minutes", "-5"),
        ("stop_pay_minutes", "soon"),
        ("max_attempts", "1e9"),
        ("district", "新洲\n区\x1b[0m"),
    ]
    for key, value in stored:
        db.write("INSERT INTO settings (key, value) VALUES (?, ?)", (key, value))
    desk_still_works(run)
    assert run("log", "unreachable").exit_code in (0, 1)
    values = settings.load(open_store(location, create=True))
    assert values["station_hours"] == 30 * 24  # clamped to its bound
    assert values["hold_minutes"] == settings.WEEK_MINUTES
    assert values["retry_minutes"] == 0
    assert values["stop_pay_minutes"] == 30  # not a number at all: the default
    assert values["max_attempts"] == 2
    assert values["district"].startswith("新洲 区") and not any(c in values["district"] for c in "\n\x1b")


def test_unknown_setting_is_one_line(run):
    assert "unknown setting" in one_line(run("config", "retry_hours", "5"))


# --- 2. list --limit ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [HUGE, "-1", "1000001"])
def test_list_limit_out_of_range_is_a_usage_error(run, stocked, value):
    result = run("list", "--limit", value)
    assert result.exit_code == 2
    assert "--limit" in result.stderr and "Traceback" not in result.output
    assert "internal error" not in result.stderr


def test_list_limit_within_range_works(run, stocked):
    assert run("list", "--limit", "1000000").exit_code == 0
    assert len(run("list", "--limit", "2", "--json").stdout.split('"id"')) == 3
    assert run("list", "--limit", "0").exit_code == 0


# --- 3. days out of range ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"])
@pytest.mark.parametrize(
    "command",
    [
        ("summary", "--date"),
        ("list", "--date"),
        ("export", "--date"),
        ("summary", "--from"),
        ("summary", "--to"),
        ("export", "--from"),
        ("export", "--to"),
        ("summary", "--csv", "--from"),
    ],
    ids=" ".join,
)
def test_a_day_out_of_range_is_one_line(run, stocked, command, day):
    line = one_line(run(*command, day))
    assert "2000-01-01" in line and "2100-12-31" in line


def test_the_first_and_last_days_in_range_work(run, stocked, tmp_path):
    for command in (
        ("summary", "--date", "2100-12-31"),
        ("summary", "--date", "2000-01-01"),
        ("summary", "--from", "2100-12-01", "--to", "2100-12-31"),
        ("export", "--from", "2100-12-30", "--to", "2100-12-31"),
        ("list", "--date", "2100-12-31"),
    ):
        result = run(*command)
        assert result.exit_code == 0, (command, result.stderr)


# --- 4. a full disk ----------------------------------------------------------------------------------------------


def _big_export(tmp_path: Path, rows: int = 3000) -> Path:
    return write_export(
        tmp_path / "big.csv", [warning_row(n, id=f"WH{n:010d}", clue="接到疑似诈骗电话" * 40) for n in range(rows)]
    )


def test_a_full_disk_stores_nothing_and_loses_nothing(tmp_path):
    from fanzha_cli.files.importer import import_file

    path = tmp_path / "f.db"
    conn = open_store(path, create=True)
    import_file(conn, write_export(tmp_path / "small.csv", [warning_row(n) for n in range(5)]), officer="x")
    pages = conn.conn.execute("PRAGMA page_count").fetchone()[0]
    conn.conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk as good as full
    with pytest.raises(DatabaseError, match="the disk is full") as caught:
        import_file(conn, _big_export(tmp_path), officer="x")
    assert "rollback" not in str(caught.value) and "not a fanzha database" not in str(caught.value)
    assert not conn.conn.in_transaction
    assert conn.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.conn.execute("SELECT count(*) FROM warnings").fetchone() == (5,)
    assert conn.conn.execute("SELECT count(*) FROM batches").fetchone() == (1,)
    conn.close()
    fresh = open_store(path, create=True)  # the file was fine all along
    assert fresh.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert fresh.conn.execute("SELECT count(*) FROM warnings").fetchone() == (5,)
    import_file(fresh, _big_export(tmp_path, 50), officer="x")  # and takes more once there is room
    assert fresh.conn.execute("SELECT count(*) FROM warnings").fetchone() == (55,)


def test_a_full_disk_in_a_small_transaction_is_the_same_line(tmp_path):
    conn = open_store(tmp_path / "f.db", create=True)
    pages = conn.conn.execute("PRAGMA page_count").fetchone()[0]
    conn.conn.execute(f"PRAGMA max_page_count = {pages}")
    for durable in (True, False):
        with pytest.raises(DatabaseError, match="the disk is full"), conn.transaction(durable=durable):
            conn.conn.execute("INSERT INTO settings VALUES ('k', ?)", ("v" * 100_000,))
        assert not conn.conn.in_transaction
    with pytest.raises(DatabaseError, match="the disk is full"), conn.rehearsal():
        conn.conn.execute("INSERT INTO settings VALUES ('k', ?)", ("v" * 100_000,))
    assert conn.conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL again after the non-durable one
    assert conn.conn.execute("SELECT count(*) FROM settings").fetchone() == (0,)


def test_an_error_of_the_statement_itself_is_not_hidden_by_the_rollback(tmp_path):
    """A constraint failure keeps its own exception (its code may catch it); the rollback leaves it alone."""
    conn = open_store(tmp_path / "f.db", create=True)
    with pytest.raises(sqlite3.IntegrityError), conn.transaction():
        conn.conn.execute("INSERT INTO settings VALUES ('k', 'v')")
        conn.conn.execute("INSERT INTO settings VALUES ('k', 'w')")
    assert not conn.conn.in_transaction
    assert conn.conn.execute("SELECT count(*) FROM settings").fetchone() == (0,)


@contextlib.contextmanager
def small_filesystem(folder: Path, size: str = "4m"):
    """A tmpfs of ``size`` at ``folder``; skips the test where mounting is not permitted."""
    folder.mkdir(parents=True, exist_ok=True)
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root on Linux")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"mount is not permitted here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fanzha(*args, env_db: Path) -> subprocess.CompletedProcess:
    """The console script in its own process, as the officer runs it (no connection of the test left open)."""
    env = {**os.environ, "FANZHA_DB": str(env_db), "FANZHA_OFFICER": "test-officer"}
    env.pop("FANZHA_DEBUG", None)
    command = [sys.executable, "-m", "fanzha_cli", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=120)


def one_line_of(process: subprocess.CompletedProcess) -> str:
    assert process.returncode == 2, (process.returncode, process.stderr)
    lines = process.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fanzha: "), process.stderr
    assert "internal error" not in lines[0]
    return lines[0]


def test_a_really_full_disk_through_the_cli(tmp_path):
    with small_filesystem(tmp_path / "small") as folder:
        path = folder / "f.db"
        small = write_export(tmp_path / "in.csv", [warning_row(n) for n in range(5)])
        assert fanzha("import", small, env_db=path).returncode == 0
        assert "disk is full" in one_line_of(fanzha("import", _big_export(tmp_path, 20_000), env_db=path))
        listed = fanzha("list", "--json", env_db=path)
        assert listed.returncode == 0 and listed.stdout.count('"id"') == 5
        # now nothing at all is left: even opening needs room for the -shm
        with contextlib.suppress(OSError), open(folder / "filler", "wb") as filler:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        read = fanzha("list", "--json", env_db=path)  # a read may need no room at all, or room for the -shm
        if read.returncode == 0:
            assert read.stdout.count('"id"') == 5
        else:
            assert "disk" in one_line_of(read)
        for command in (("config", "retry_minutes", "5"), ("next",), ("import", small)):
            line = one_line_of(fanzha(*command, env_db=path))
            assert "disk" in line and "not a fanzha database" not in line and "rollback" not in line
        (folder / "filler").unlink()
        assert fanzha("config", "retry_minutes", "5", env_db=path).returncode == 0
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM warnings").fetchone() == (5,)
        conn.close()


@pytest.mark.sqlite_only  # SQLite's one writer; the server's rows are locked one by one
def test_a_busy_database_is_one_line(run, stocked, db_path, monkeypatch):
    monkeypatch.setattr(sqlite_connect, "BUSY_TIMEOUT_SECONDS", 0.05)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert "busy" in one_line(run("config", "retry_minutes", "5"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run("config", "retry_minutes", "5").exit_code == 0


# --- 5. another program's database -----------------------------------------------------------------------------


def _foreign(path: Path, *, version: int = 0) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    conn.execute("CREATE TABLE calls (at TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('周某', '13800000000')")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("version", [0, 1, 3, sqlite_connect.SCHEMA_VERSION + 1])
def test_another_programs_database_is_refused_untouched(run, tmp_path, version):
    path = tmp_path / "contacts.db"
    before = _foreign(path, version=version)
    line = one_line(run("--db", path, "stations"))
    assert line == (
        f"fanzha: {path} is a SQLite database of another program (tables: calls, contacts); fanzha will not change it"
    )
    assert path.read_bytes() == before  # not a byte changed: no tables added, still in its own journal mode
    assert not path.with_name(path.name + "-wal").exists()
    with pytest.raises(DatabaseError, match="another program"):
        open_store(path, create=True)
    assert path.read_bytes() == before


def test_another_sqlite_utils_database_with_a_warnings_table_is_not_ours(run, tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)")
    conn.execute("INSERT INTO _sqlite_migrations VALUES ('weather', '0001', 'x')")
    conn.execute("CREATE TABLE warnings (storm TEXT)")
    conn.commit()
    conn.close()
    assert "another program" in one_line(run("--db", path, "stations"))


def test_an_empty_file_and_a_new_path_become_fanzha_databases(run, tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (empty, tmp_path / "new" / "f.db"):
        assert run("--db", path, "config", "district", "新洲区").exit_code == 0
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone() == (sqlite_connect.SCHEMA_VERSION,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        conn.close()


def test_an_older_fanzha_database_still_upgrades_through_the_cli(run, tmp_path):
    path = first_release_database(tmp_path / "old.db")
    result = run("--db", path, "stations")
    assert result.exit_code == 0 and "阳逻派出所" in result.stdout
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone() == (sqlite_connect.SCHEMA_VERSION,)
    assert conn.execute("SELECT count(*) FROM batches").fetchone() == (1,)


def test_a_file_that_is_not_sqlite_is_refused_as_such(run, tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("my notes " * 500)
    line = one_line(run("--db", path, "stations"))
    assert "not a fanzha database" in line and "I/O" not in line
    assert path.read_text().startswith("my notes")


# --- 6. :memory: and an empty --db --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [":memory:", "", "  "])
def test_a_database_that_keeps_nothing_is_refused(run, stocked, value, tmp_path):
    line = one_line(run("--db", value, "import", write_export(tmp_path / "x.csv", [warning_row(99)])))
    assert "--db" in line
    assert one_line(run("--db", value, "stations"))


def test_memory_from_the_environment_is_refused(run, monkeypatch):
    monkeypatch.setenv("FANZHA_DB", ":memory:")
    assert "FANZHA_DB" in one_line(run("stations"))


def test_the_library_still_opens_memory_databases():
    assert open_store(":memory:", create=True).conn.execute("PRAGMA user_version").fetchone() == (
        sqlite_connect.SCHEMA_VERSION,
    )


# --- 7. paths the system refuses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["a" * 5000, "b" * 300 + "/f.db", "c/" * 2500 + "f.db", "d" * 256], ids=["5000", "300-dir", "deep", "256"]
)
def test_a_path_too_long_for_the_system_is_one_line(run, tmp_path, name):
    line = one_line(run("--db", tmp_path / name, "stations"))
    assert "too long" in line and len(line) < 400


def test_a_path_through_a_file_is_one_line(run, tmp_path):
    (tmp_path / "plain").write_text("x")
    assert "not a folder" in one_line(run("--db", tmp_path / "plain" / "f.db", "stations"))


@pytest.mark.parametrize("target", ["/dev/null", "DIR"])
def test_a_path_that_is_not_a_regular_file_is_one_line(run, tmp_path, target):
    path = tmp_path if target == "DIR" else Path(target)
    assert "fanzha: database path" in one_line(run("--db", path, "stations"))


def test_a_symlink_loop_is_one_line(run, tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    one_line(run("--db", tmp_path / "a", "stations"))


def test_unknown_home_is_one_line(run):
    one_line(run("--db", "~no_such_user_here/f.db", "stations"))


def test_the_console_script_says_it_in_one_line_too(tmp_path):
    env = {**os.environ, "FANZHA_DB": str(tmp_path / ("x" * 5000))}
    env.pop("FANZHA_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "fanzha_cli", "next"], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "too long" in result.stderr
    assert "internal error" not in result.stderr


# --- 8. a database made through a dangling symlink is private ---------------------------------------------------


@pytest.mark.parametrize("made", ["folder exists", "folder too"])
def test_a_database_made_through_a_dangling_symlink_is_private(run, tmp_path, made):
    target = tmp_path / "real" / "fanzha.db" if made == "folder too" else tmp_path / "fanzha-real.db"
    link = tmp_path / "link.db"
    link.symlink_to(target)
    assert run("--db", link, "config", "district", "新洲区").exit_code == 0
    assert link.is_symlink() and target.is_file()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert run("--db", link, "config", "retry_minutes", "5").exit_code == 0  # and it is the same database
    conn = sqlite3.connect(target)
    assert conn.execute("SELECT value FROM settings WHERE key = 'retry_minutes'").fetchone() == ("5",)
    conn.close()


# --- 9. a folder or a file that is not writable --------------------------------------------------------------------


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` made read-only for this process: by its mode for a user, by a read-only mount for root (whom
    modes do not stop); skips where neither is possible."""
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [folder, *folder.iterdir()]}
        for path in modes:
            path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip("a read-only mount is not permitted here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("a read-only mount is not permitted here")
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_folder_that_is_not_writable_is_one_line(run, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    with read_only(folder):
        line = one_line(run("--db", folder / "new.db", "config", "district", "新洲区"))
        assert "not writable" in line
    assert not (folder / "new.db").exists()


def test_a_read_only_database_is_one_line_and_keeps_its_contents(run, tmp_path):
    folder = tmp_path / "locked"
    path = folder / "f.db"
    export = write_export(tmp_path / "in.csv", [warning_row(n) for n in range(3)])
    assert fanzha("import", export, env_db=path).returncode == 0

    def contents():
        conn = sqlite3.connect(path)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()

    before = contents()
    with read_only(folder):
        for command in (("config", "retry_minutes", "5"), ("next",), ("import", export)):
            line = one_line_of(fanzha(*command, env_db=path))
            assert "not writable" in line or "read-only" in line
    assert contents() == before


@pytest.mark.parametrize(
    ("location", "said"),
    [
        ("postgresql://desk:s3cret@127.0.0.1:1/fanzha", "cannot reach the database at 127.0.0.1:1/fanzha"),
        ("postgres://127.0.0.1:1/fanzha", "cannot reach the database at 127.0.0.1:1/fanzha"),
        ("sqlite:///x.db", "sqlite:// address, not a database file"),
    ],
)
def test_a_server_address_is_never_made_into_folders_and_its_password_never_shown(
    run, tmp_path, monkeypatch, location, said
):
    """A PostgreSQL server's URL is centre mode (SPEC §8): a server that cannot be reached is one line naming host
    and port; any other address is refused. Never a folder named postgresql: made here, never the password shown."""
    monkeypatch.chdir(tmp_path)
    for command in (["config", "district", "新洲区"], ["list"]):
        result = run("--db", location, *command)
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
        assert said in result.stderr and "s3cret" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []
