"""Import speed and memory, as ratios measured in one run on this machine (issue 3).

    uv run python bench/bench_import.py [--rows 100000] [--big 1000000] [--repeat 5] [--forms]

Prints:
- a 100,000-row export: `fanzha import` against the sqlite3 shell's own `.import --csv` of the same file, both
  whole processes, into a database that already exists (the morning case), median of --repeat interleaved runs;
  its times in the mix of forms real exports come in (synth.TIME_FORMS), and with --forms each form alone; and,
  for reference, the shell storing the same file in fanzha's own schema as fast as it can (no checks; indexes
  dropped and built after; WAL; one transaction): what SQLite alone costs the import;
- the peak memory (max RSS) of importing a 1,000,000-row export;
- a 240-row morning file against a bare Typer hello-world, median of interleaved runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synth import TIME_FORMS, write_csv  # noqa: E402

HELLO = """\
import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    print(f"hello {name}")


app()
"""


def compile_package() -> None:
    """What an installed package has: bytecode, not source compiled afresh at each start."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "fanzha_cli")], env=env, check=True)


def sqlite3_shell() -> str:
    """The sqlite3 command-line shell, installed from Debian's packages when absent."""
    found = shutil.which("sqlite3")
    if found:
        return found
    print("installing the sqlite3 shell (apt-get install sqlite3) …", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "sqlite3"], check=True)
    return shutil.which("sqlite3") or sys.exit("no sqlite3 shell could be installed")


def elapsed(command: list[str]) -> float:
    """Wall time in seconds of one process that must succeed, its output thrown away."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def timed(command: list[str], env: dict | None = None) -> tuple[float, int]:
    """Wall time in seconds and peak RSS in MB of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit(f"{command} failed: {process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss // 1024


FANZHA = str(Path(sys.executable).with_name("fanzha"))  # the console script, as the officer runs it


def fanzha(db: Path, *args: str) -> list[str]:
    return [FANZHA, "--db", str(db), *args]


def fresh_db(template: Path, work: Path) -> Path:
    db = work / "run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, db)
    return db


# The shell storing the same file as fanzha stores it, without fanzha's checks, as fast as it can: into a staging
# table, then into the warnings of a fanzha database (its primary key and CHECKs, WAL, one transaction), its indexes
# dropped and built after, as fanzha's first load does; times as written.
INTO_SCHEMA = """PRAGMA cache_size = -65536;
BEGIN;
INSERT INTO batches (id, file, imported_at, officer) VALUES (1, 'f', '2026-11-20 00:00:00', 'o');
CREATE TEMP TABLE staging (id, time, risk, fraud_type, name, phone, station, address, clue);
.import --csv --skip 1 {export} staging
{drop}
INSERT INTO warnings (id, time, risk_level, fraud_type, name, phone, station, address, clue, batch_id)
  SELECT id, time, CASE risk WHEN '紧急' THEN 3 WHEN '高风险' THEN 2 ELSE 1 END, nullif(fraud_type, ''), name,
  phone, station, nullif(address, ''), nullif(clue, ''), 1 FROM staging WHERE true ON CONFLICT (id) DO NOTHING;
{build}
COMMIT;
"""


def into_schema_script(template: Path, export: Path) -> str:
    with sqlite3.connect(template) as conn:
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'warnings' AND sql IS NOT NULL"
        ).fetchall()
    drop = "\n".join(f'DROP INDEX "{name}";' for name, _ in indexes)
    build = "\n".join(f"{sql};" for _, sql in indexes)
    return INTO_SCHEMA.format(export=export, drop=drop, build=build)


def bench_100k(work: Path, rows: int, repeat: int, shell: str, template: Path, form: str) -> None:
    """The goal's ratio, against the shell's .import into a new table; and, for reference, the shell storing the
    file into fanzha's own schema (what SQLite alone costs fanzha's import, before any check)."""
    export = work / "export.csv"
    write_csv(export, rows, day=datetime(2026, 11, 20), form=form)
    script = work / "into-schema.sql"
    script.write_text(into_schema_script(template, export))
    ours, theirs, schema = [], [], []
    for _ in range(repeat):
        target = work / "shell.db"
        target.unlink(missing_ok=True)
        theirs.append(timed([shell, str(target), f".import --csv {export} warnings"])[0])
        ours.append(timed(fanzha(fresh_db(template, work), "import", str(export)))[0])
        schema.append(timed([shell, str(fresh_db(template, work)), f".read {script}"])[0])
    a, b, c = statistics.median(ours), statistics.median(theirs), statistics.median(schema)
    print(
        f"import {rows:,} rows, times {form}: fanzha {a:.3f} s, sqlite3 .import {b:.3f} s,"
        f" ratio {a / b:.2f} (goal ≤ 4.0); the shell storing it in fanzha's schema {c:.3f} s ({c / b:.2f}),"
        f" fanzha {a / c:.2f}× that"
    )


def bench_memory(work: Path, rows: int, template: Path) -> None:
    export = work / "big.csv"
    write_csv(export, rows, day=datetime(2026, 11, 10))
    seconds, peak = timed(fanzha(fresh_db(template, work), "import", str(export)))
    print(f"import {rows:,} rows: {seconds:.1f} s, peak memory {peak} MB (goal < 200 MB)")
    export.unlink()


def bench_morning(work: Path, repeat: int, template: Path) -> None:
    export = work / "morning.csv"
    write_csv(export, 240, day=datetime(2026, 11, 21))
    hello = work / "hello.py"
    hello.write_text(HELLO)
    ours, theirs = [], []
    for _ in range(repeat):
        theirs.append(timed([sys.executable, str(hello)])[0])
        ours.append(timed(fanzha(fresh_db(template, work), "import", str(export)))[0])
    a, b = statistics.median(ours), statistics.median(theirs)
    print(
        f"import 240 rows: fanzha {a * 1000:.0f} ms, Typer hello-world {b * 1000:.0f} ms,"
        f" ratio {a / b:.2f} (goal ≤ 1.5)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000, help="rows of the memory run (0 to skip)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--forms", action="store_true", help="also each time form alone (issue 11)")
    args = parser.parse_args()
    shell = sqlite3_shell()
    compile_package()
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-") as tmp:
        work = Path(tmp)
        template = work / "template.db"  # an existing, migrated database, as on any morning but the first
        subprocess.run(fanzha(template, "config", "district", "新洲区"), check=True, stdout=subprocess.DEVNULL)
        for form in ("mix", *TIME_FORMS) if args.forms else ("mix",):
            bench_100k(work, args.rows, args.repeat, shell, template, form)
        bench_morning(work, max(args.repeat * 4, 11), template)
        if args.big:
            bench_memory(work, args.big, template)


if __name__ == "__main__":
    main()
