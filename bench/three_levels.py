"""The three levels at once on one server (issue 14's acceptance): sixteen stations' logins and eleven desks' logins,
each a process loop of `fanzha` commands for a bounded time, as people at their desks would run them.

    uv run python bench/three_levels.py [--seconds 60] [--desks 11] [--stations 16]

Starts a throwaway PostgreSQL cluster (tests/pg_cluster.py; FANZHA_TEST_PG: a server of your own), makes the logins
with `fanzha admin user add`, imports a day of warnings for the sixteen stations and lets them work:
- a desk: `next --json`, then `log distrustful` (handed to the person's station), `unreachable` or `reached`;
- a station: `inbox --json`, then `ack` and a visit (`dissuaded` or `not-found`) of its most urgent hand-over, and
  each round one `ack` of another station's warning, which the server must hide (an expected refusal).
Prints the commands run, the refusals expected and seen, every other error, and what the event log says: each
event under a login that did that act on that warning, and nothing else. tests/test_roles.py runs it briefly.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from synth import TOWNS, write_csv  # noqa: E402

CALL_TIMEOUT = 120  # seconds for one command, on a machine as busy as 27 desks make it: a hang, not a slow call


def as_login(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{quote(name, safe='')}@{parts.netloc.rpartition('@')[2]}"))


def desk_logins(url: str, names: list[str]) -> dict[str, str]:
    """Desks' logins made as the centre's admin would (SPEC §9: on the server the login is the officer); each name's
    URL. A login of the server made for another database before is put in this one's desks too."""
    from fanzha_cli.domain.errors import DatabaseError
    from fanzha_cli.storage import open_store

    with open_store(url) as store:
        for name in names:
            try:
                store.add_login(name, "desk", None, None)
            except DatabaseError as exc:  # a desk here already (a database kept between runs)
                if "has a login here already" not in str(exc):
                    raise
    return {name: as_login(url, name) for name in names}


def fanzha(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("FANZHA_OFFICER", "FANZHA_DB")}
    command = [sys.executable, "-m", "fanzha_cli", "--db", url, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=CALL_TIMEOUT)


class Floor:
    """What every process did and met, gathered under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.commands = 0
        self.refusals_expected = 0
        self.refusals_seen = 0
        self.errors: list[str] = []
        self.acted: dict[str, set[str]] = defaultdict(set)  # login: the warnings it acted on, as it saw them succeed

    def ran(self, who: str, args: tuple, result: subprocess.CompletedProcess, ok=(0,)) -> bool:
        with self.lock:
            self.commands += 1
            if result.returncode not in ok or "Traceback" in result.stderr:
                self.errors.append(f"{who} {' '.join(args)}: exit {result.returncode}: {result.stderr.strip()[:300]}")
                return False
            return True


def desk(url: str, who: str, until: float, floor: Floor, rng: random.Random) -> None:
    me = as_login(url, who)
    while time.monotonic() < until:
        taken = fanzha(me, "next", "--json")
        if not floor.ran(who, ("next",), taken):
            continue
        card = json.loads(taken.stdout)
        if card is None:
            time.sleep(0.5)
            continue
        with floor.lock:
            floor.acted[who].add(card["id"])
        outcome = rng.choice(("distrustful", "distrustful", "unreachable", "reached"))
        # exit 1: done, with a note (a call that closes a warning never handed to its station says so)
        floor.ran(who, ("log", outcome), fanzha(me, "log", outcome, card["id"]), ok=(0, 1))


def station(url: str, who: str, name: str, others: list[str], until: float, floor: Floor, rng: random.Random):
    me = as_login(url, who)
    while time.monotonic() < until:
        inbox = fanzha(me, "inbox", "--json")
        if not floor.ran(who, ("inbox",), inbox):
            continue
        waiting = json.loads(inbox.stdout)["warnings"]
        if waiting:
            warning = waiting[0]["id"]
            if not waiting[0]["acked_at"] and floor.ran(who, ("ack", warning), fanzha(me, "ack", warning)):
                with floor.lock:
                    floor.acted[who].add(warning)
            result = rng.choice(("dissuaded", "dissuaded", "not-found"))
            if floor.ran(who, ("visit", warning, result), fanzha(me, "visit", warning, result)):
                with floor.lock:
                    floor.acted[who].add(warning)
        else:
            time.sleep(0.5)
        theirs = rng.choice(others)  # another station's warning: hidden from this login by the server
        refused = fanzha(me, "ack", theirs)
        with floor.lock:
            floor.commands += 1
            floor.refusals_expected += 1
            if (
                refused.returncode == 2
                and refused.stderr.count("\n") == 1
                and f"no warning '{theirs}'" in refused.stderr
            ):
                floor.refusals_seen += 1
            else:
                floor.errors.append(
                    f"{who} ack {theirs} (another station's): exit {refused.returncode}: {refused.stderr}"
                )


def check_the_event_log(admin_url: str, floor: Floor, logins: dict[str, str | None]) -> list[str]:
    """Every event after the import under one of the logins, on a warning that login reported acting on; a
    station's acknowledgements and visits for its own station only."""
    import psycopg2

    conn = psycopg2.connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT officer, warning_id, action, station, details::json ->> 'moved_from' FROM events"
                " WHERE action <> 'import'"
            )
            events = cur.fetchall()
    finally:
        conn.close()
    wrong = []
    for officer, warning_id, action, at_station, moved_from in events:
        if officer not in logins:
            wrong.append(f"{action} on {warning_id} under {officer}, not a login")
        elif warning_id not in floor.acted[officer]:
            wrong.append(f"{action} on {warning_id} under {officer}, which did not act on it")
        elif logins[officer] is not None and logins[officer] not in (at_station, moved_from):
            wrong.append(f"{action} on {warning_id} under {officer} for {at_station}, not its station")
    return wrong


def work(admin_url: str, folder: Path, *, seconds: float, desks: int = 11, stations: int = 16) -> dict:
    """Make the logins and the day's warnings, let them all work for ``seconds``; what happened."""
    export = folder / "day.csv"
    write_csv(export, 3000, day=datetime(2026, 11, 24), seed=14)
    imported = fanzha(admin_url, "import", str(export))
    assert imported.returncode == 0, imported.stderr
    names = [f"{town}派出所" for town in TOWNS[:stations]]
    logins: dict[str, str | None] = {f"desk{n:02d}": None for n in range(1, desks + 1)}
    logins |= {f"station{n:02d}": name for n, name in enumerate(names, 1)}
    for who, at in logins.items():
        role = ["--role", "station", "--station", at] if at else ["--role", "desk"]
        added = fanzha(admin_url, "admin", "user", "add", who, *role)
        assert added.returncode == 0, added.stderr
    by_station: dict[str, list[str]] = defaultdict(list)
    import csv

    with open(export, encoding="utf-8") as handle:
        for row in list(csv.reader(handle))[1:]:
            by_station[row[6]].append(row[0])
    floor = Floor()
    until = time.monotonic() + seconds
    threads = []
    for n, (who, at) in enumerate(logins.items()):
        rng = random.Random(n)
        if at is None:
            threads.append(threading.Thread(target=desk, args=(admin_url, who, until, floor, rng)))
        else:
            others = [wid for name, ids in by_station.items() if name != at for wid in ids]
            threads.append(threading.Thread(target=station, args=(admin_url, who, at, others, until, floor, rng)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wrong = check_the_event_log(as_login(admin_url, urlsplit(admin_url).username or "postgres"), floor, logins)
    acts = Counter(who.rstrip("0123456789") for who, ids in floor.acted.items() for _ in ids)
    return {
        "seconds": round(time.monotonic() - started, 1),
        "logins": len(logins),
        "commands": floor.commands,
        "warnings acted on": dict(acts),
        "refusals expected": floor.refusals_expected,
        "refusals seen": floor.refusals_seen,
        "errors": floor.errors,
        "events under a name that did not act": wrong,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--desks", type=int, default=11)
    parser.add_argument("--stations", type=int, default=16)
    options = parser.parse_args()
    sys.path.insert(0, str(HERE.parent / "tests"))
    import tempfile

    import pg_cluster

    with pg_cluster.server() as server, tempfile.TemporaryDirectory() as folder:
        url = pg_cluster.database_url(server, "bench_three_levels")
        report = work(url, Path(folder), seconds=options.seconds, desks=options.desks, stations=options.stations)
    for key, value in report.items():
        if isinstance(value, list):
            value = f"{len(value)}" + "".join(f"\n  {line}" for line in value[:20])
        print(f"{key:<40}{value}")
    sys.exit(1 if report["errors"] or report["events under a name that did not act"] else 0)


if __name__ == "__main__":
    main()
