"""The commands run all day and every night, against a bare Typer hello-world (issues 4 and 5).

    uv run python bench/bench_commands.py [--warnings 200000] [--repeat 21]

Builds a database of --warnings warnings: seventy days of synthetic exports, about 2,600 a day (a whole city's
day: twelve districts of up to 240), then one heavy day of 20,000 (a stress case, seven such days in one); the
older warnings are closed and a thousand calls are logged on each of the last two days. Then it runs each
command interleaved with a bare Typer hello-world and prints the ratio of the medians:
- `fanzha next`, each run as a new officer, so that each one really takes a warning (the atomic update, its event);
- `fanzha log unreachable` by each of those officers on the warning it took (the SMS, the retry or the hand-over);
- `fanzha summary --date` of an ordinary day (the goal), and of the heavy day (for the record);
- `fanzha find` by the last four digits of a phone and by a name (the goal), and by a surname (for the record).
Also prints the query plans of the hot queries.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

DAYS, HEAVY = 70, 20_000
ORDINARY_DAY, HEAVY_DAY = "2026-11-18", "2026-11-19"  # the last two days built
HERE = Path(__file__).resolve().parent
FANZHA = str(Path(sys.executable).with_name("fanzha"))  # the console script, as the officer runs it
sys.path.insert(0, str(HERE))
from bench_import import HELLO, compile_package, elapsed  # noqa: E402
from synth import write_csv  # noqa: E402


def build(db: Path, warnings: int, work: Path) -> None:
    from fanzha_cli.files.importer import import_file
    from fanzha_cli.storage import open_store

    conn = open_store(db, create=True)
    first = datetime(2026, 9, 10)
    sizes = [(warnings - HEAVY) // DAYS] * DAYS + [HEAVY]
    for n, size in enumerate(sizes):
        export = work / f"day{n}.csv"
        write_csv(export, size, day=first + timedelta(days=n), seed=n)
        import_file(conn, export, officer="bench", now=datetime(2026, 11, 25))
        export.unlink()
    # most of the past is worked: the queue holds the last two days, which have a thousand calls each
    conn.conn.execute("UPDATE warnings SET status = 'closed', closed_at = time WHERE time < ?", (ORDINARY_DAY,))
    from fanzha_cli.domain.desk import Desk

    desk = Desk(conn, "bench", datetime(2026, 11, 25, 12))
    for day in (ORDINARY_DAY, HEAVY_DAY):
        ids = [row[0] for row in conn.conn.execute("SELECT id FROM warnings WHERE time >= ? LIMIT 1000", (day,))]
        for n, warning_id in enumerate(ids):
            desk.log(("reached", "unreachable", "distrustful")[n % 3], warning_id, at=f"{day} 23:00:00")
    conn.conn.execute("ANALYZE")
    conn.close()


def plans(db: Path) -> None:
    from fanzha_cli.storage import open_store
    from fanzha_cli.storage.sqlite import plans as sqlite_plans
    from fanzha_cli.storage.sqlite import store as sqlite_store

    conn = open_store(db, create=False)
    for name in sqlite_plans.HOT_QUERIES:
        print(f"plan {name}: {' | '.join(sqlite_plans.query_plan(conn, name))}")
    for kind in sqlite_store.FIND:
        print(f"plan find_{kind}: {' | '.join(sqlite_plans.find_plan(conn, kind))}")


def find_words(db: Path) -> tuple[str, str]:
    """The last four digits of a phone and a whole name, of a warning of the heavy day: what `find` is given."""
    conn = sqlite3.connect(db)
    phone, name = conn.execute("SELECT phone, name FROM warnings WHERE time >= ? LIMIT 1", (HEAVY_DAY,)).fetchone()
    conn.close()
    return phone[-4:], name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warnings", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-") as tmp:
        work = Path(tmp)
        db = work / "big.db"
        started = time.perf_counter()
        build(db, args.warnings, work)
        print(f"built {args.warnings:,} warnings in {time.perf_counter() - started:.1f} s")
        plans(db)
        hello = work / "hello.py"
        hello.write_text(HELLO)
        tail, name = find_words(db)
        commands = {
            "next": lambda n: [FANZHA, "--db", str(db), "--officer", f"o{n}", "next"],
            # each officer of the `next` runs logs a failed call on the warning it took: an SMS, a retry or a hand-over
            "log": lambda n: [FANZHA, "--db", str(db), "--officer", f"o{n}", "log", "unreachable"],
            "summary --date (a city's day)": lambda n: [FANZHA, "--db", str(db), "summary", "--date", ORDINARY_DAY],
            "summary --date (20,000 that day)": lambda n: [FANZHA, "--db", str(db), "summary", "--date", HEAVY_DAY],
            "find (last four digits)": lambda n: [FANZHA, "--db", str(db), "find", tail],
            "find (a name)": lambda n: [FANZHA, "--db", str(db), "find", name],
            "find (a surname: thousands)": lambda n: [FANZHA, "--db", str(db), "find", name[0]],
        }
        goals = {
            "next": "≤ 1.3",
            "log": "≤ 1.3",
            "summary --date (a city's day)": "≤ 1.5",
            "summary --date (20,000 that day)": "-",
        }
        goals |= {"find (last four digits)": "≤ 1.3", "find (a name)": "≤ 1.3", "find (a surname: thousands)": "-"}
        for name, command in commands.items():
            ours, theirs = [], []
            for n in range(args.repeat):
                theirs.append(elapsed([sys.executable, str(hello)]))
                ours.append(elapsed(command(n)))
            a, b = statistics.median(ours), statistics.median(theirs)
            print(
                f"{name}: fanzha {a * 1000:.0f} ms, Typer hello-world {b * 1000:.0f} ms,"
                f" ratio {a / b:.2f} (goal {goals[name]})"
            )


if __name__ == "__main__":
    main()
