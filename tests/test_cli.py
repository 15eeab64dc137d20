"""The command-line contract: help with an example, --version, JSON alone on stdout, stations."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, on_server, warning_row, write_export

TOWNS = [
    "邾城",
    "阳逻",
    "阳逻开发区",
    "旧街",
    "仓埠",
    "汪集",
    "李集",
    "三店",
    "潘塘",
    "凤凰",
    "双柳",
    "涨渡湖",
    "辛冲",
    "徐古",
    "道观河",
    "问津",
]


def test_version(run):
    from fanzha_cli import __version__

    result = run("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"fanzha {__version__}"


def _all_commands():
    import typer

    from fanzha_cli.cli import app

    def walk(group, path):
        for name, command in group.commands.items():
            yield [*path, name]
            if hasattr(command, "commands"):
                yield from walk(command, [*path, name])

    return list(walk(typer.main.get_command(app), []))


@pytest.mark.parametrize("command", _all_commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example: fanzha " in result.stdout


def test_runs_as_a_module_and_with_no_arguments_shows_help(tmp_path):
    env = {**os.environ, "FANZHA_DB": str(tmp_path / "m.db")}
    result = subprocess.run([sys.executable, "-m", "fanzha_cli"], capture_output=True, text=True, env=env, cwd=REPO)
    assert "import" in result.stdout + result.stderr and "Traceback" not in result.stderr


def test_unknown_option_is_a_usage_error(run):
    result = run("import", "--frobnicate")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_db_option_wins_over_the_environment(run, tmp_path, db_path):
    other = tmp_path / "other.db"
    assert run("--db", other, "import", write_export(tmp_path / "x.csv", [warning_row(1)])).exit_code == 0
    assert other.exists() and not db_path.exists()


def test_default_database_lives_in_the_per_user_data_directory(tmp_path, monkeypatch, run):
    monkeypatch.delenv("FANZHA_DB")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert run("stations").exit_code == 0 and not (tmp_path / "data").exists()  # a read: the bundled list
    assert run("config", "district", "新洲区").exit_code == 0
    assert (tmp_path / "data" / "fanzha" / "fanzha.db").exists()


def test_stations_lists_all_sixteen_of_xinzhou(run):
    result = run("stations", "--json")
    stations = json.loads(result.stdout)
    assert [s["name"] for s in stations] == [f"{town}派出所" for town in TOWNS]
    assert all(set(s) == {"name", "duty_phone", "wechat_group"} and s["duty_phone"] for s in stations)
    plain = run("stations").stdout.splitlines()
    assert len(plain) == 16 and plain[0].split("\t")[0] == "邾城派出所"


def test_stations_add_and_update(run):
    assert run("stations", "add", "张店", "--phone", "027-0000-0999").stdout.strip() == "added 张店派出所"
    assert run("stations", "add", "张店派出所", "--wechat", "张店所群").stdout.strip() == "updated 张店派出所"
    stations = {s["name"]: s for s in json.loads(run("stations", "--json").stdout)}
    assert stations["张店派出所"] == {"name": "张店派出所", "duty_phone": "027-0000-0999", "wechat_group": "张店所群"}


def test_a_station_added_later_is_recognised_on_import(run, db, tmp_path):
    run("stations", "add", "张店")
    result = run("import", write_export(tmp_path / "x.csv", [warning_row(1, station="张店")]))
    assert result.exit_code == 0 and "not in the list" not in result.stderr
    assert db("SELECT station FROM warnings") == [("张店派出所",)]


def test_stations_import_from_a_gb18030_file(run, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text("名称,值班电话,微信群\n张店,027-0000-0998,张店群\n阳逻派出所,027-1111-2222,\n", encoding="gb18030")
    assert run("stations", "import", path).exit_code == 0
    stations = {s["name"]: s for s in json.loads(run("stations", "--json").stdout)}
    assert stations["张店派出所"]["duty_phone"] == "027-0000-0998"
    assert stations["阳逻派出所"]["duty_phone"] == "027-1111-2222"
    assert len(stations) == 17


def test_stations_import_without_a_name_column_is_refused(run, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run("stations", "import", path)
    assert result.exit_code == 2 and "name" in result.stderr


def test_bundled_station_list_is_package_data():
    from importlib.resources import files

    assert files("fanzha_cli").joinpath("resources", "stations.csv").is_file()
    assert (REPO / "data" / "stations.csv").resolve() == (REPO / "fanzha_cli" / "resources" / "stations.csv")


def test_readme_quick_start_has_exactly_two_commands():
    import re

    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^## Quick start\n(.*?)^## ", text, re.M | re.S).group(1)
    block = re.search(r"^```\w*\n(.*?)^```", section, re.M | re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(commands) == 2
    assert "fanzha import data/2026-11-24-预警.csv" in commands[0]
    assert "pytest" in commands[1]


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--db", "{db}", "stations", "--json"], '"name": "邾城派出所"'),
        (["--officer", "li", "--db", "{db}", "next", "--json"], "null"),
        (["--db", "{db}", "stop-pay", "list"], "no stop-payment requests"),
        (["--db", "{db}", "next", "--help"], "Example: fanzha next"),
        (["--help"], "stop-pay"),
    ],
)
def test_the_console_script_runs_each_command(tmp_path, args, expect):
    """main() builds only the command asked for; every way of calling it must still work."""
    fanzha = Path(sys.executable).with_name("fanzha")
    args = [arg.replace("{db}", str(tmp_path / "c.db")) for arg in args]
    subprocess.run([fanzha, "--db", tmp_path / "c.db", "config", "district", "新洲区"], capture_output=True, check=True)
    result = subprocess.run([fanzha, *args], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert expect in result.stdout


def test_the_console_script_lists_the_commands_for_an_unknown_one(tmp_path):
    fanzha = Path(sys.executable).with_name("fanzha")
    result = subprocess.run([fanzha, "--db", str(tmp_path / "c.db"), "nxet"], capture_output=True, text=True)
    assert result.returncode == 2 and "nxet" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["list"], ["summary"], ["show", "NO-SUCH-ID"], ["next"], ["log", "reached"]])
def test_every_connection_a_command_opens_is_closed_when_it_ends_even_on_an_error(run, db_path, monkeypatch, command):
    assert run("config", "district", "新洲区").exit_code == 0  # a database to open
    if on_server():
        from fanzha_cli.storage.postgres import connect as engine

        def is_closed(conn) -> bool:
            return conn.closed != 0
    else:
        from fanzha_cli.storage.sqlite import connect as engine

        def is_closed(conn) -> bool:
            try:
                conn.execute("SELECT 1")
            except sqlite3.ProgrammingError as exc:
                return "closed" in str(exc)
            return False

    opened = []
    real = engine.connect

    def connect(*args, **kwargs):
        opened.append(real(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(engine, "connect", connect)
    run(*command)
    assert opened
    assert all(is_closed(conn) for conn in opened)


def test_list_status_open_is_every_status_but_closed_and_an_unlisted_station_is_said_so(run, tmp_path):
    rows = [warning_row(n, id=f"WH2026112400{n:04d}", risk="中风险") for n in range(3)]
    assert run("import", write_export(tmp_path / "day.csv", rows)).exit_code == 0
    assert run("--officer", "a", "next").exit_code == 0
    assert run("--officer", "a", "log", "reached").exit_code == 0  # closed
    listed = run("list", "--status", "open", "--json")
    default = run("list", "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == json.loads(default.stdout)
    assert len(json.loads(listed.stdout)) == 2
    both = run("list", "--status", "未办结,closed", "--json")
    assert len(json.loads(both.stdout)) == 3
    typo = run("list", "--station", "武昌")
    assert typo.exit_code == 0 and "not in the station list" in typo.stderr and typo.stderr.count("\n") <= 2
    by_day = run("list", "--date", "2026年11月24日", "--json")
    assert by_day.exit_code == 0, by_day.stderr


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (["log", "reached", "--at", "2026/11/24", "20:00"], ["log", "reached", "--at", "2026/11/24 20:00"]),
        (["--at", "2026-11-24", "9:05:30", "x"], ["--at", "2026-11-24 9:05:30", "x"]),
        (["escalate", "--at", "2026年11月24日", "20：00"], ["escalate", "--at", "2026年11月24日 20：00"]),
        (["log", "reached", "--at", "20:00", "0001"], ["log", "reached", "--at", "20:00", "0001"]),  # a clock alone
        (["log", "2026-11-24", "20:00"], ["log", "2026-11-24", "20:00"]),  # no --at: left for the usage error
        (["note", "--at", "2026-11-24", "家属来电"], ["note", "--at", "2026-11-24", "家属来电"]),
    ],
)
def test_an_unquoted_at_time_is_read_as_one_time(typed, read):
    from fanzha_cli.cli import at_time_joined

    assert at_time_joined(typed) == read


def test_an_unquoted_at_time_logs_the_call_at_that_time(run, db_path, tmp_path):
    rows = [warning_row(0, id="WH2026112400000001", time="2026-11-24 08:00:00", risk="中风险")]
    assert run("import", write_export(tmp_path / "day.csv", rows)).exit_code == 0
    assert run("next").exit_code == 0
    done = subprocess.run(
        [sys.executable, "-m", "fanzha_cli", "log", "reached", "--at", "2026/11/24", "09:30"],
        env=os.environ, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = json.loads(run("show", "0001", "--json").stdout)
    assert [event["at"] for event in shown["events"] if event["action"] == "call"] == ["2026-11-24 09:30:00"]


def test_an_overdue_reason_reads_as_its_json_says():
    from fanzha_cli.cli.desk import _overdue_text

    just_due = {"reason": "retry", "limit_minutes": 0, "minutes_over": 0}
    assert _overdue_text(just_due) == "retry due less than a minute over"
    assert _overdue_text({"reason": "station", "limit_minutes": 120, "minutes_over": 61}) == (
        "with its station 1 h 01 min over (limit 2 h 00 min)"
    )
