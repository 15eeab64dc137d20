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
  rows as CSV: the export's own query, its values shown as the export shows them, run by the shell; the two CSVs
  are checked to be the same before they are timed (≤ 1.5).
Then the plan of every query behind them.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
FANZHA = str(Path(sys.executable).with_name("fanzha"))
sys.path.insert(0, str(HERE))
from bench_import import HELLO, compile_package, elapsed, sqlite3_shell  # noqa: E402
from city import LAST, city_database  # noqa: E402

# The floor of any command that reads the database: a Typer hello-world that imports sqlite3, opens the file and
# reads one row (SQLite reads the schema first). Printed beside the goal's ratio: how far fanzha is from it.
SQLITE_HELLO = """\
import sqlite3
import sys

import typer

app = typer.Typer()


@app.command()
def hello(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("SELECT 1 FROM warnings LIMIT 1").fetchall()
    conn.close()
    print("hello")


app()
"""


def compare(name: str, ours, theirs, goal: str, repeat: int, floor: float | None = None) -> None:
    """Interleaved runs of our command and its baseline (each a list of commands whose times add up)."""
    mine, base = [], []
    for _ in range(repeat):
        base.append(sum(elapsed(command) for command in theirs))
        mine.append(elapsed(ours))
    a, b = statistics.median(mine), statistics.median(base)
    to_floor = f"; {a / floor:.2f}× the floor" if floor else ""
    print(
        f"{name}: fanzha {a * 1000:.0f} ms, baseline {b * 1000:.0f} ms, ratio {a / b:.2f} (goal {goal}){to_floor}",
        flush=True,
    )


def floor_of(db: Path, bare: list[str], folder: Path, repeat: int) -> float:
    """The floor's median time, interleaved with the hello-world's; printed with its ratio to it."""
    script = folder / "sqlite_hello.py"
    script.write_text(SQLITE_HELLO)
    floors, hellos = [], []
    for _ in range(repeat):
        hellos.append(elapsed(bare))
        floors.append(elapsed([sys.executable, str(script), str(db)]))
    floor, hello = statistics.median(floors), statistics.median(hellos)
    print(
        "the floor (a Typer hello-world that imports sqlite3, opens the city's file and reads a row):"
        f" {floor * 1000:.0f} ms, {floor / hello:.2f}× the hello-world's {hello * 1000:.0f} ms",
        flush=True,
    )
    return floor


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
    """The rows `fanzha export` writes for one day, cell for cell, as the sqlite3 shell writes them: the export's
    own query, each warning with its calls, hand-overs, visits and stop-payments counted, and its values shown as
    the export shows them (labels, the phone and the accounts masked, yuan to the fen). main() checks that the two
    CSVs are the same before timing them."""
    from fanzha_cli.domain.model import EXPORT_ROW
    from fanzha_cli.domain.vocab import OUTCOME_ZH, RISK_LABELS_ZH, STATUS_LABELS_ZH, VISIT_ZH
    from fanzha_cli.storage.sqlite import store

    def label(column: str, labels: dict) -> str:
        return f"CASE {column} {' '.join(f'WHEN {key!r} THEN {value!r}' for key, value in labels.items())} END"

    def yuan(column: str) -> str:
        return f"CASE WHEN {column} IS NOT NULL THEN printf('%d.%02d', {column} / 100, {column} % 100) END"

    stars = "'" + "*" * 64 + "'"
    masked_phone = (
        f"CASE WHEN length(phone) < 8 THEN substr({stars}, 1, length(phone))"
        f" ELSE substr(phone, 1, 3) || substr({stars}, 1, length(phone) - 7) || substr(phone, -4) END"
    )
    masked_account = (
        f"CASE WHEN length(account) <= 4 THEN substr({stars}, 1, length(account))"
        f" WHEN length(account) <= 12 THEN substr({stars}, 1, length(account) - 4) || substr(account, -4)"
        f" ELSE substr(account, 1, 4) || substr({stars}, 1, length(account) - 8) || substr(account, -4) END"
    )
    accounts = (
        f"(SELECT group_concat(masked, '; ') FROM (SELECT {masked_account} AS masked FROM stop_payments s"
        " WHERE s.warning_id = r.id ORDER BY s.id))"
    )
    shown = [
        "id",
        "time",
        label("risk_level", RISK_LABELS_ZH),
        "fraud_type",
        "name",
        masked_phone,
        "station",
        label("status", STATUS_LABELS_ZH),
        "calls",
        "first_call_at",
        label("last_outcome", OUTCOME_ZH),
        "CASE WHEN escalated_at IS NOT NULL AND escalated_at <> '' THEN '是' ELSE '否' END",
        "escalated_to",
        "escalated_at",
        "visit_count",
        label("visit_result", VISIT_ZH),
        "closed_at",
        "stop_pays",
        yuan("stop_fen"),
        yuan("kept_fen"),
        f"CASE WHEN stop_pays > 0 THEN {accounts} END",
    ]
    sql = f"WITH r({', '.join(EXPORT_ROW)}) AS ({store.export_query()}) SELECT {', '.join(shown)} FROM r"
    for name, value in {":start": f"'{day} 00:00:00'", ":end": f"'{day} 24:00:00'"}.items():
        sql = sql.replace(name, value)
    return sql


def same_csv(ours: list[str], theirs: list[str]) -> None:
    """Stop the bench unless the shell's baseline writes the cells fanzha's export writes (the shell quotes more)."""
    import csv
    import io

    mine = subprocess.run(ours, check=True, capture_output=True).stdout.decode("utf-8-sig")
    shell = subprocess.run(theirs, check=True, capture_output=True).stdout.decode()
    if list(csv.reader(io.StringIO(mine)))[1:] != list(csv.reader(io.StringIO(shell))):
        sys.exit("the shell's baseline does not write the rows the export writes: fix export_sql")


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
    parts = ("list", "summary", "export", "plans")
    parser.add_argument("--only", choices=parts, action="append", help="measure only these (repeatable)")
    args = parser.parse_args()
    only = set(args.only or parts)
    compile_package()
    db = city_database(args.warnings)
    shell = sqlite3_shell()
    first_day, last_day = sqlite3.connect(db).execute("SELECT min(time), max(time) FROM warnings").fetchone()
    with tempfile.TemporaryDirectory(prefix="fanzha-growth-") as tmp:
        hello = Path(tmp) / "hello.py"
        hello.write_text(HELLO)
        bare = [sys.executable, str(hello)]
        floor = floor_of(db, bare, Path(tmp), args.repeat) if "list" in only else None
        for name, command in lists(db).items() if "list" in only else ():
            compare(f"list --limit 20 {name}".rstrip(), command, [bare], "≤ 1.3", args.repeat, floor)
            json_name = f"list --limit 20 {name} --json".replace("  ", " ")
            compare(json_name, [*command, "--json"], [bare], "≤ 1.5", 5, floor)
        if "summary" in only:
            summaries(db, shell, args.repeat, first_day, last_day)
        if "export" in only:
            day = f"{LAST - timedelta(days=3):%Y-%m-%d}"
            theirs = [bare, [shell, "-csv", str(db), export_sql(day)]]
            ours = [FANZHA, "--db", str(db), "export", "--date", day]
            same_csv(ours, theirs[1])
            compare("export --date (13,000 rows)", ours, theirs, "≤ 1.5", args.repeat)
    if "plans" in only:
        plans(db)


def summaries(db: Path, shell: str, repeat: int, first_day: str, last_day: str) -> None:
    """A range summary (30 days and the whole range), its days first computed and kept, then as kept."""
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
        print(f"summary --json ({name}), its days computed and kept: {elapsed(ours):.2f} s (no goal)", flush=True)
        compare(f"summary --json ({name})", ours, [[shell, str(db), grouped]], "≤ 2.0", repeat)


if __name__ == "__main__":
    main()
