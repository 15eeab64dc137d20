"""A city's scale on the centre's server: `next`, `log`, `show` and a day's `summary` on 2,000,000 warnings in
PostgreSQL, as ratios of a bare Typer hello-world, and the plan of every statement behind them (issue 13).

    uv run python bench/bench_city_server.py [--warnings 2000000] [--repeat 11]

The server is FANZHA_TEST_PG, else a throwaway cluster of this run (tests/pg_cluster.py). The city is made by SQL
on the server (the import is measured elsewhere): 154 days of warnings, all but the last two days' closed, each
closed one taken and called once; kept in the database `fanzha_city` of a FANZHA_TEST_PG server between runs.
Each command runs as a new process, interleaved with the hello-world; the ratio of the medians is printed with its
goal (≤ 1.5). Then every statement the commands run, each with its plan, read by EXPLAIN in-process (the UPDATEs
explained, not run), and any that reads a whole table or sorts more than a handful of rows is marked.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
from bench_centre import SERVER_HELLO  # noqa: E402
from bench_import import FANZHA, HELLO, compile_package, timed  # noqa: E402
from three_levels import desk_logins  # noqa: E402

DAYS = 154
LAST_DAY = "2026-11-24"
WORKED_DAY = "2026-11-22"


def build(url: str, warnings: int) -> None:
    import psycopg2

    from fanzha_cli.storage import open_store

    open_store(url, create=True).close()  # the schema, by fanzha's own migrations
    seconds = DAYS * 86400 // warnings  # the spacing of the warnings over the days
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:  # one transaction: a build cut short leaves no city to be taken as made
        cur.execute("INSERT INTO batches (file, imported_at, officer) VALUES ('city', '2026-06-23 00:00:00', 'b')")
        cur.execute(
            f"""INSERT INTO warnings (id, time, risk_level, fraud_type, name, phone, station, batch_id, status,
                closed_at, first_call_at, attempts)
            SELECT 'WH' || lpad(n::text, 15, '0'), to_char(t, 'YYYY-MM-DD HH24:MI:SS'), 1 + n % 3, '刷单返利',
                '周某' || n, '1' || lpad((n::bigint * 7919 % 10000000000)::text, 10, '0'), '阳逻派出所', 1,
                CASE WHEN t >= timestamp '{LAST_DAY}' - interval '1 day' THEN 'new' ELSE 'closed' END,
                CASE WHEN t >= timestamp '{LAST_DAY}' - interval '1 day' THEN NULL
                    ELSE to_char(t + (1 + n % 120) * interval '1 minute', 'YYYY-MM-DD HH24:MI:SS') END,
                CASE WHEN t >= timestamp '{LAST_DAY}' - interval '1 day' THEN NULL
                    ELSE to_char(t + (1 + n % 120) * interval '1 minute', 'YYYY-MM-DD HH24:MI:SS') END,
                CASE WHEN t >= timestamp '{LAST_DAY}' - interval '1 day' THEN 0 ELSE 1 END
            FROM generate_series(1, {warnings}) AS n,
                LATERAL (SELECT timestamp '{LAST_DAY} 23:59:59' - (({warnings} - n) * {seconds}) * interval '1 second'
                    AS t) AS at"""
        )
        for action, outcome in (("take", None), ("call", "reached")):
            cur.execute(
                """INSERT INTO events (warning_id, at, logged_at, officer, action, outcome)
                SELECT id, first_call_at, first_call_at, 'desk' || (seq %% 11), %s, %s FROM warnings
                WHERE status = 'closed' ORDER BY seq""",
                (action, outcome),
            )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("ANALYZE")  # as autovacuum would, soon after
    conn.close()


def city(server: str, warnings: int, keep: bool) -> str:
    import pg_cluster
    import psycopg2

    url = server.replace("/postgres?", "/fanzha_city?") if keep else None
    if url:
        try:
            conn = psycopg2.connect(url)
            with conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM warnings")
                if cur.fetchone()[0] == warnings:
                    conn.close()
                    return url
            conn.close()
        except psycopg2.Error:
            pass
    url = pg_cluster.database_url(server, "fanzha_city")
    build(url, warnings)
    return url


def plans(commands: list[list[str]]) -> None:
    """Every statement the commands run, in-process, with its plan (EXPLAIN, not run)."""
    from typer.testing import CliRunner

    from fanzha_cli.cli import app
    from fanzha_cli.storage.postgres import store as pg_store

    seen: dict[str, str] = {}
    real = {name: getattr(pg_store.PostgresStore, name) for name in ("_all", "_one", "_run")}

    def explaining(name):
        def method(self, sql, params=None):
            if sql.lstrip().split()[0].upper() in ("SELECT", "UPDATE", "WITH", "DELETE", "INSERT"):
                with self.conn.cursor() as cur:
                    cur.execute("EXPLAIN " + sql, params)
                    seen.setdefault(" ".join(sql.split())[:150], "\n      ".join(row[0] for row in cur.fetchall()))
            return real[name](self, sql, params)

        return method

    for name in real:
        setattr(pg_store.PostgresStore, name, explaining(name))
    try:
        for command in commands:
            CliRunner().invoke(app, command)
    finally:
        for name, method in real.items():
            setattr(pg_store.PostgresStore, name, method)
    for sql, plan in seen.items():
        whole = "Seq Scan on warnings" in plan or "Seq Scan on events" in plan
        print(f"{'!! ' if whole else '   '}{sql}\n      {plan}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warnings", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    compile_package()
    import pg_cluster

    with pg_cluster.server() as server:
        url = city(server, args.warnings, keep=bool(os.environ.get("FANZHA_TEST_PG")))
        with tempfile.TemporaryDirectory() as folder:
            hello, floor = Path(folder) / "hello.py", Path(folder) / "server_hello.py"
            hello.write_text(HELLO)
            floor.write_text(SERVER_HELLO)
            # each officer its own desk login (SPEC §9), the row-level security of a desk on every statement
            desks = desk_logins(url, [f"o{n}" for n in range(args.repeat)] + ["oplan"])
            commands = {
                "next": lambda n: ["--db", desks[f"o{n}"], "next"],
                "log": lambda n: ["--db", desks[f"o{n}"], "log", "unreachable"],
                "show": lambda n: ["--db", desks[f"o{n}"], "show", f"WH{args.warnings - 10:015d}"],
                "summary of the live day": lambda n: ["--db", desks[f"o{n}"], "summary", "--date", LAST_DAY, "--json"],
                # a day worked through: its 13,000 warnings each taken and called, twice as many events to count
                "summary of a worked day": lambda n: [
                    "--db",
                    desks[f"o{n}"],
                    "summary",
                    "--date",
                    WORKED_DAY,
                    "--json",
                ],
            }
            times: dict[str, list[float]] = {name: [] for name in (*commands, "hello", "floor")}
            for n in range(args.repeat):
                times["hello"].append(timed([sys.executable, str(hello)])[0])
                times["floor"].append(timed([sys.executable, str(floor), desks[f"o{n}"]])[0])
                for name, command in commands.items():
                    times[name].append(timed([FANZHA, *command(n)])[0])
            hello_ms, floor_ms = (statistics.median(times[name]) * 1000 for name in ("hello", "floor"))
            print(
                f"{args.warnings:,} warnings on PostgreSQL; a bare Typer hello-world {hello_ms:.0f} ms; the floor"
                f" (the hello-world importing the driver, connecting, SELECT 1) {floor_ms:.0f} ms"
                f" ({floor_ms / hello_ms:.2f})"
            )
            for name in commands:
                ms = statistics.median(times[name]) * 1000
                print(f"{name}: {ms:.0f} ms, ratio {ms / hello_ms:.2f} (goal ≤ 1.5); {ms / floor_ms:.2f}× the floor")
            print()
            plans([command("plan") for command in commands.values()])


if __name__ == "__main__":
    main()
