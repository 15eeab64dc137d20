"""Start-up of the commands run all day, against a bare Typer hello-world (issue 4).

    uv run python bench/bench_next.py [--warnings 200000] [--repeat 21]

Builds a database of --warnings warnings (ten days of synthetic exports), then runs `fanzha next` (each run as a
new officer, so that each one really takes a warning: the atomic update and its event) interleaved with a bare
Typer hello-world, and prints the ratio of the medians. Also prints the query plans of the hot queries.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
FANZHA = str(Path(sys.executable).with_name("fanzha"))  # the console script, as the officer runs it
sys.path.insert(0, str(HERE))
from bench_import import HELLO  # noqa: E402
from synth import write_csv  # noqa: E402


def build(db: Path, warnings: int, work: Path) -> None:
    from fanzha_cli import store
    from fanzha_cli.importer import import_file

    conn = store.connect(db)
    days = 10
    for day in range(days):
        export = work / f"day{day}.csv"
        write_csv(export, warnings // days, day=datetime(2026, 11, 10 + day), seed=day)
        import_file(conn, export, officer="bench", now=datetime(2026, 11, 25))
        export.unlink()
    # most of the past is worked: the queue holds the last two days
    conn.execute("UPDATE warnings SET status = 'closed', closed_at = time WHERE time < '2026-11-18'")
    conn.execute("ANALYZE")
    conn.close()


def plans(db: Path) -> None:
    from fanzha_cli import store

    conn = sqlite3.connect(db)
    for name in store.HOT_QUERIES:
        print(f"plan {name}: {' | '.join(store.query_plan(conn, name))}")


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warnings", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "fanzha_cli")], env=env, check=True)
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-") as tmp:
        work = Path(tmp)
        db = work / "big.db"
        started = time.perf_counter()
        build(db, args.warnings, work)
        print(f"built {args.warnings:,} warnings in {time.perf_counter() - started:.1f} s")
        plans(db)
        hello = work / "hello.py"
        hello.write_text(HELLO)
        ours, theirs = [], []
        for n in range(args.repeat):
            theirs.append(timed([sys.executable, str(hello)]))
            ours.append(timed([FANZHA, "--db", str(db), "--officer", f"o{n}", "next"]))
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"next: fanzha {a * 1000:.0f} ms, Typer hello-world {b * 1000:.0f} ms, ratio {a / b:.2f} (goal ≤ 1.3)")


if __name__ == "__main__":
    main()
