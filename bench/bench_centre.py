"""Centre mode against its baselines, as ratios measured in one run on this machine (issue 13).

    uv run python bench/bench_centre.py [--rows 100000] [--repeat 11]

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py; FANZHA_TEST_PG: a server of your own) and prints:
- `fanzha next` and `fanzha log` against the server, each run as a new officer, against a bare Typer hello-world
  (the median of interleaved runs), and the import of the driver alone;
- an import of --rows rows into PostgreSQL against `psql \\copy` of the same file into a bare table of text
  columns (the median of --repeat // 3 runs, each into a new database);
- sixteen desks (processes, each a loop of `next` then `log` through the library) × 50 warnings on the server,
  and four desks × 50 on a SQLite file: warnings handed out, distinct, errors, seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from bench_import import FANZHA, HELLO, compile_package, timed  # noqa: E402
from synth import write_csv  # noqa: E402
from three_levels import desk_logins  # noqa: E402


def psql() -> str:
    import pg_cluster

    return pg_cluster._binary("psql") or sys.exit("no psql")


def new_database(server: str, name: str) -> str:
    import pg_cluster

    return pg_cluster.database_url(server, name)


# What any Typer command that reads the server pays before its own work: the hello-world, the driver as fanzha
# imports it, a connection, one statement. Printed beside the goal's ratio: how far fanzha is from this floor.
SERVER_HELLO = """\
import sys

import typer

app = typer.Typer()


@app.command()
def hello(url: str) -> None:
    from fanzha_cli.storage.postgres.driver import psycopg2

    conn = psycopg2.connect(url, application_name="hello")
    conn.autocommit = True  # as fanzha's: the statement alone, no BEGIN before it
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    conn.close()
    print("hello")


app()
"""


def bench_start(server: str, work: Path, repeat: int) -> None:
    url = new_database(server, "bench_start")
    export = work / "start.csv"
    write_csv(export, repeat * 4, day=datetime(2026, 11, 21))
    subprocess.run([FANZHA, "--db", url, "import", str(export)], check=False, capture_output=True)
    hello, floor = work / "hello.py", work / "server_hello.py"
    hello.write_text(HELLO)
    floor.write_text(SERVER_HELLO)
    times = {"next": [], "log": [], "hello": [], "import psycopg2": [], "floor": []}
    desks = desk_logins(url, [f"o{n}" for n in range(repeat)])  # on the server each officer is a login of its own
    for n in range(repeat):
        times["hello"].append(timed([sys.executable, str(hello)])[0])
        times["next"].append(timed([FANZHA, "--db", desks[f"o{n}"], "next"])[0])
        times["log"].append(timed([FANZHA, "--db", desks[f"o{n}"], "log", "unreachable"])[0])
        times["import psycopg2"].append(timed([sys.executable, "-c", "import psycopg2"])[0])
        times["floor"].append(timed([sys.executable, str(floor), desks[f"o{n}"]])[0])
    hello_ms, floor_ms = (statistics.median(times[name]) * 1000 for name in ("hello", "floor"))
    print(
        f"the floor (a Typer hello-world that imports the driver, connects and runs SELECT 1): {floor_ms:.0f} ms,"
        f" ratio {floor_ms / hello_ms:.2f} to the hello-world"
    )
    for name in ("next", "log", "import psycopg2"):
        ms = statistics.median(times[name]) * 1000
        after = [f"{ms / floor_ms:.2f}× the floor"] if name != "import psycopg2" else []
        goal = " (goal ≤ 1.3)" if name == "next" else ""
        print(
            f"{name} on the server: {ms:.0f} ms, Typer hello-world {hello_ms:.0f} ms, ratio {ms / hello_ms:.2f}{goal}"
            + "".join(f"; {words}" for words in after)
        )


# psql storing the same file as fanzha stores it, without fanzha's checks, as fast as it can: \copy into a staging
# table, then into the warnings of a fanzha database (its primary key, CHECKs and collation), the indexes dropped
# and built after as fanzha's first load does, one transaction; times as written.
INTO_SCHEMA = """BEGIN;
INSERT INTO batches (id, file, imported_at, officer) VALUES (1, 'f', '2026-11-20 00:00:00', 'o');
CREATE TEMP TABLE staging (id text, time text, risk text, fraud_type text, name text, phone text, station text,
  address text, clue text);
\\copy staging FROM '{export}' WITH (FORMAT csv, HEADER true)
{drop}
INSERT INTO warnings (id, time, risk_level, fraud_type, name, phone, station, address, clue, batch_id)
  SELECT id, time, CASE risk WHEN '紧急' THEN 3 WHEN '高风险' THEN 2 ELSE 1 END, nullif(fraud_type, ''), name,
  phone, station, nullif(address, ''), nullif(clue, ''), 1 FROM staging ON CONFLICT (id) DO NOTHING;
{build}
COMMIT;
"""


def into_schema_script(url: str, export: Path) -> str:
    import psycopg2

    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'warnings'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cur.fetchall()
    conn.close()
    drop = "\n".join(f'DROP INDEX "{name}";' for name, _ in indexes)
    build = "\n".join(f"{sql};" for _, sql in indexes)
    return INTO_SCHEMA.format(export=export, drop=drop, build=build)


def bench_import(server: str, work: Path, rows: int, repeat: int) -> None:
    """The goal's ratio, against psql's \\copy into a bare table; and, for reference, psql storing the file into
    fanzha's own schema (what the server alone costs fanzha's import, before any check)."""
    export = work / "export.csv"
    write_csv(export, rows, day=datetime(2026, 11, 20))
    ours, theirs, schema = [], [], []
    for n in range(max(1, repeat // 3)):
        bare = new_database(server, f"bench_copy_{n}")
        header = export.open(encoding="utf-8-sig").readline().strip().split(",")
        columns = ", ".join(f"c{i} text" for i in range(len(header)))
        subprocess.run([psql(), bare, "-qc", f"CREATE TABLE bare ({columns})"], check=True)
        theirs.append(timed([psql(), bare, "-qc", f"\\copy bare FROM '{export}' WITH (FORMAT csv, HEADER true)"])[0])
        url = new_database(server, f"bench_import_{n}")
        subprocess.run([FANZHA, "--db", url, "config", "district", "新洲区"], check=True, capture_output=True)  # schema
        ours.append(timed([FANZHA, "--db", url, "import", str(export)])[0])
        floor = new_database(server, f"bench_schema_{n}")
        subprocess.run([FANZHA, "--db", floor, "config", "district", "新洲区"], check=True, capture_output=True)
        script = work / "into-schema.sql"
        script.write_text(into_schema_script(floor, export))
        schema.append(timed([psql(), floor, "-q", "-v", "ON_ERROR_STOP=1", "-f", str(script)])[0])
    a, b, c = statistics.median(ours), statistics.median(theirs), statistics.median(schema)
    print(
        f"import {rows:,} rows into PostgreSQL: fanzha {a:.2f} s, psql \\copy {b:.2f} s, ratio {a / b:.2f}"
        f" (goal ≤ 1.5); psql storing it in fanzha's schema {c:.2f} s ({c / b:.2f}), fanzha {a / c:.2f}× that"
    )


def bench_desks(location: str, desks: int, each: int, work: Path, engine: str) -> None:
    from test_concurrency import import_warnings, run_workers

    folder = work / f"desks-{engine}"
    folder.mkdir()
    expected = import_warnings(location, folder, desks * each)
    started = time.perf_counter()
    try:
        handed = run_workers(location, [f"desk{n:02d}" for n in range(desks)], "work", each, folder)
        errors = 0
    except AssertionError as failure:
        print(f"{desks} desks on {engine}: failed: {str(failure)[:300]}")
        return
    seconds = time.perf_counter() - started
    every = [warning for ids in handed.values() for warning in ids]
    print(
        f"{desks} desks × {each} on {engine}: {len(every)} handed out, {len(set(every))} distinct of"
        f" {len(expected)}, {errors} errors, {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    compile_package()
    import pg_cluster

    with pg_cluster.server() as server, tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        bench_start(server, work, args.repeat)
        bench_import(server, work, args.rows, args.repeat)
        bench_desks(new_database(server, "bench_desks"), 16, 50, work, "PostgreSQL")
        bench_desks(str(work / "desks.db"), 4, 50, work, "SQLite")


if __name__ == "__main__":
    main()
