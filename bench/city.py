"""A city's database of 2,000,000 warnings, built once and cached outside the repo (issue 11).

    uv run python bench/city.py [--warnings 2000000]     # prints the path, building it first if needed

Five months of a city at 13,000 warnings a day, imported day by day through `fanzha`'s own import. The past is
then worked in bulk SQL, as the desks of those months would have left it (the program's own path would take hours
for two million calls): each warning called once, the distrustful one in ten handed to its station and visited,
the last fortnight's station visits not all reported yet (overdue), a few retries falling due. The last two days
are the live queue, a thousand calls logged on each through the desk's own code.

The file lives in $FANZHA_BENCH_CACHE (default ~/.cache/fanzha-bench), named by the warnings and a hash of the
recipe, so that a change to it builds a new one; a newer schema only upgrades it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synth import write_csv  # noqa: E402

PER_DAY = 13_000
LAST = datetime(2026, 11, 18)  # the last two days built (the 18th and 19th) are the live queue
NOW = datetime(2026, 11, 20, 9)
# The past as the desks left it: (share of warnings, by rowid modulo 10) distrustful and handed over. Each first
# call comes 1 to 121 minutes after its warning, to the second, as real calls do (so that the kept counts of
# first-call delays are as many as a real day's: about 1,200 values a risk level, at a tenth of a minute).
_WORKED = """
    UPDATE warnings SET
        first_call_at = strftime('%Y-%m-%d %H:%M:%S', time, '+' || (rowid * 7919 % 7200 + 60) || ' seconds'),
        status = CASE WHEN rowid % 10 = 0 AND time >= :fortnight AND rowid % 30 = 0 THEN 'escalated'
            ELSE 'closed' END,
        escalated_at = CASE WHEN rowid % 10 = 0
            THEN strftime('%Y-%m-%d %H:%M:%S', time, '+' || (rowid * 7919 % 7200 + 120) || ' seconds') END,
        escalated_to = CASE WHEN rowid % 10 = 0 THEN station END,
        station_since = CASE WHEN rowid % 10 = 0
            THEN strftime('%Y-%m-%d %H:%M:%S', time, '+' || (rowid * 7919 % 7200 + 120) || ' seconds') END,
        visits = CASE WHEN rowid % 10 = 0 AND NOT (time >= :fortnight AND rowid % 30 = 0) THEN 1 ELSE 0 END,
        visit_result = CASE WHEN rowid % 10 = 0 AND NOT (time >= :fortnight AND rowid % 30 = 0)
            THEN 'dissuaded' END
    WHERE time < :live"""
_CLOSED_AT = """
    UPDATE warnings SET closed_at = CASE
        WHEN status != 'closed' THEN NULL
        WHEN visits > 0 THEN strftime('%Y-%m-%d %H:%M:%S', station_since, '+1 day')
        ELSE first_call_at END
    WHERE time < :live"""
# The events of that work, with ids of their own (4 per warning) so that each act is its first event's id.
_EVENTS = """
    INSERT INTO events (id, warning_id, at, logged_at, officer, action, outcome, station, channels, details, act)
    SELECT rowid * 4 + k, id, at, at, 'desk' || (rowid % 9), action, outcome, escalated_to,
        CASE WHEN action = 'escalate' THEN 'platform,wechat' END, NULL, rowid * 4 + CASE WHEN k = 3 THEN 3 ELSE 0 END
    FROM (
        SELECT rowid, id, 0 AS k, first_call_at AS at, 'call' AS action,
            CASE WHEN rowid % 10 = 0 THEN 'distrustful' ELSE 'reached' END AS outcome, NULL AS escalated_to
        FROM warnings WHERE time < :live
        UNION ALL
        SELECT rowid, id, 1, escalated_at, 'escalate', NULL, escalated_to
        FROM warnings WHERE time < :live AND escalated_at IS NOT NULL
        UNION ALL
        SELECT rowid, id, 3, closed_at, 'visit', 'dissuaded', escalated_to
        FROM warnings WHERE time < :live AND visits > 0
    )"""


def recipe() -> str:
    """What the database is made of: the synthetic rows, the dates and the work done on them, and build()."""
    import inspect

    parts = [inspect.getsource(build), _WORKED, _CLOSED_AT, _EVENTS, str((PER_DAY, LAST, NOW))]
    text = "".join(parts).encode() + (HERE / "synth.py").read_bytes()
    return hashlib.sha256(text).hexdigest()[:10]


def cached_path(warnings: int) -> Path:
    """Where the database is kept. A database made by an older schema is upgraded by the first command that opens
    it, as an officer's would be, and stays cached upgraded."""
    folder = Path(os.environ.get("FANZHA_BENCH_CACHE") or Path.home() / ".cache" / "fanzha-bench")
    return folder / f"city-{warnings}-{recipe()}.db"


def city_database(warnings: int = 2_000_000) -> Path:
    """The cached database, built first when it is not there yet."""
    path = cached_path(warnings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".building")
        for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            stale.unlink(missing_ok=True)
        build(partial, warnings)
        partial.rename(path)
        print(f"built {warnings:,} warnings in {time.perf_counter() - started:.0f} s: {path}", file=sys.stderr)
    return path


def build(db: Path, warnings: int) -> None:
    from fanzha_cli.domain.desk import Desk
    from fanzha_cli.files.importer import import_file
    from fanzha_cli.storage import open_store

    conn = open_store(db, create=True)
    days = -(-warnings // PER_DAY)
    first = LAST + timedelta(days=2 - days)
    with tempfile.TemporaryDirectory(prefix="fanzha-city-") as tmp:
        for n in range(days):
            export = Path(tmp) / "day.csv"
            count = min(PER_DAY, warnings - n * PER_DAY)
            write_csv(export, count, day=first + timedelta(days=n), seed=n)
            import_file(conn, export, officer="platform", now=first + timedelta(days=n, hours=23, minutes=59))
            print(f"\rimported day {n + 1}/{days}", end="", file=sys.stderr)
    print(file=sys.stderr)
    marks = {"live": f"{LAST:%Y-%m-%d}", "fortnight": f"{LAST - timedelta(days=14):%Y-%m-%d}"}
    with conn.transaction():
        for statement in (_WORKED, _CLOSED_AT, _EVENTS):
            conn.conn.execute(statement, marks)
    desk = Desk(conn, "bench", NOW)
    for day in (LAST, LAST + timedelta(days=1)):
        start = f"{day:%Y-%m-%d}"
        ids = [row[0] for row in conn.conn.execute("SELECT id FROM warnings WHERE time >= ? LIMIT 1000", (start,))]
        for n, warning_id in enumerate(ids):
            desk.log(("reached", "unreachable", "distrustful")[n % 3], warning_id, at=f"{start} 23:00:00")
    conn.conn.execute("ANALYZE")
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warnings", type=int, default=2_000_000)
    print(city_database(parser.parse_args().warnings))


if __name__ == "__main__":
    main()
