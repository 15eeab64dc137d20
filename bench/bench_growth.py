"""A city's scale: `list`, a range `summary` and `export` on 2,000,000 warnings, as ratios of baselines (issue 11).

    uv run python bench/bench_growth.py [--warnings 2000000] [--repeat 11]

The database is bench/city.py's, built once and cached outside the repo. Each command runs interleaved with its
baseline, whole processes, and the ratio of the medians is printed with its goal:
- `list --limit 20` as the officer sees it (piped: plain text), alone and with each filter, against a bare Typer
  hello-world (goal ≤ 1.3), and its --json form (≤ 1.5);
- `summary --json --from --to` of 30 days and of the whole range, against the sqlite3 shell's single grouped pass
  over the same warnings, `SELECT substr(time, 1, 10), count(*) … GROUP BY 1` (≤ 2.0): the days kept by the
  first run, as they are once a summary has been asked (the first run's time is printed, without a goal);
- `export` of one day (CSV on stdout), against a bare Typer hello-world plus the sqlite3 shell writing the same
  rows as CSV: the export's own query, run by the shell (≤ 1.5).
Then the plan of every query behind them.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
FANZHA = str(Path(sys.executable).with_name("fanzha"))
sys.path.insert(0, str(HERE))
from bench_import import HELLO, compile_package, sqlite3_shell  # noqa: E402
from city import LAST, city_database  # noqa: E402


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def compare(name: str, ours, theirs, goal: str, repeat: int) -> None:
    """Interleaved runs of our command and its baseline (each a list of commands whose times add up)."""
    mine, base = [], []
    for _ in range(repeat):
        base.append(sum(timed(command) for command in theirs))
        mine.append(timed(ours))
    a, b = statistics.median(mine), statistics.median(base)
    print(f"{name}: fanzha {a * 1000:.0f} ms, baseline {b * 1000:.0f} ms, ratio {a / b:.2f} (goal {goal})", flush=True)


def lists(db: Path) -> dict[str, list[str]]:
    station = sqlite3.connect(db).execute("SELECT station FROM warnings LIMIT 1").fetchone()[0]
    filters = {
        "": [],
        "--status new": ["--status", "new"],
        "--status closed": ["--status", "closed"],
        "--status escalated,retry": ["--status", "escalated,retry"],
        "--risk urgent": ["--risk", "urgent"],
        "--station": ["--station", station],
        "--date (the live day)": ["--date", f"{LAST:%Y-%m-%d}"],
        "--date (a closed day)": ["--date", f"{LAST - timedelta(days=60):%Y-%m-%d}"],
        "--overdue": ["--overdue"],
    }
    return {name: [FANZHA, "--db", str(db), "list", "--limit", "20", *words] for name, words in filters.items()}


def forget_kept_figures(db: Path) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM day_figures")
    conn.close()


def export_sql(day: str) -> str:
    """The export's own query of one day, as the sqlite3 shell runs it: the same rows, each warning with its
    calls, hand-overs, visits and stop-payments counted."""
    from fanzha_cli.storage.sqlite import store

    bounds = {":start": f"'{day} 00:00:00'", ":end": f"'{day} 24:00:00'"}
    sql = store.export_query()
    for name, value in bounds.items():
        sql = sql.replace(name, value)
    return sql


def plans(db: Path) -> None:
    """The plan of every statement behind the commands measured, and behind `find`, read from the real calls."""
    from datetime import date

    from fanzha_cli.domain import finding, report
    from fanzha_cli.domain.desk import Desk
    from fanzha_cli.domain.supervision import overdue_limits
    from fanzha_cli.storage import open_store
    from fanzha_cli.storage.sqlite import plans as sqlite_plans

    conn = open_store(db, create=False)
    desk = Desk(conn, "bench", datetime(2026, 11, 20, 9))
    limits = overdue_limits(desk)
    station = conn.conn.execute("SELECT station FROM warnings LIMIT 1").fetchone()[0]
    day = f"{LAST:%Y-%m-%d}"
    calls = {
        "list": lambda c: c.list_warnings(limit=20),
        "list --status closed": lambda c: c.list_warnings(statuses=["closed"], limit=20),
        "list --risk": lambda c: c.list_warnings(risk_level=3, limit=20),
        "list --station": lambda c: c.list_warnings(station=station, limit=20),
        "list --date": lambda c: c.list_warnings(day=day, limit=20),
        "list --overdue": lambda c: c.list_warnings(overdue=limits, limit=20),
        "summary (a range)": lambda c: report.summary(c, date(2026, 10, 20), LAST.date(), limits, as_range=True),
        "export": lambda c: c.export_rows(f"{day} 00:00:00", f"{day} 24:00:00"),
        "find": lambda c: finding.find(c, "1234", limit=20),
    }
    for name, call in calls.items():
        for sql, plan in sqlite_plans.plans_of(conn, call):
            print(f"plan {name}: {' '.join(sql.split())[:100]}…\n    {' | '.join(plan)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warnings", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    compile_package()
    db = city_database(args.warnings)
    shell = sqlite3_shell()
    first_day, last_day = sqlite3.connect(db).execute("SELECT min(time), max(time) FROM warnings").fetchone()
    with tempfile.TemporaryDirectory(prefix="fanzha-growth-") as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        bare = [sys.executable, str(hello)]
        for name, command in lists(db).items():
            compare(f"list --limit 20 {name}".rstrip(), command, [bare], "≤ 1.3", args.repeat)
            compare(f"list --limit 20 {name} --json".replace("  ", " "), [*command, "--json"], [bare], "≤ 1.5", 5)
        forget_kept_figures(db)  # so that the first summary below computes its days, as after the city's import
        month_start = f"{LAST - timedelta(days=28):%Y-%m-%d}"
        ranges = {"30 days": (month_start, f"{LAST + timedelta(days=1):%Y-%m-%d}"), "whole": (first_day, last_day)}
        for name, (start, end) in ranges.items():
            start, end = start[:10], end[:10]
            grouped = (
                "SELECT substr(time, 1, 10), count(*) FROM warnings"
                f" WHERE time >= '{start} 00:00:00' AND time < '{end} 24:00:00' GROUP BY 1"
            )
            ours = [FANZHA, "--db", str(db), "summary", "--json", "--from", start, "--to", end]
            # the first summary of days never summed computes each day from the rows and keeps it
            print(f"summary --json ({name}), its days computed and kept: {timed(ours):.2f} s (no goal)", flush=True)
            compare(f"summary --json ({name})", ours, [[shell, str(db), grouped]], "≤ 2.0", args.repeat)
        day = f"{LAST - timedelta(days=3):%Y-%m-%d}"
        theirs = [bare, [shell, "-csv", "-header", str(db), export_sql(day)]]
        compare("export --date (13,000 rows)", [FANZHA, "--db", str(db), "export", "--date", day], theirs, "≤ 1.5", 5)
    plans(db)


if __name__ == "__main__":
    main()
