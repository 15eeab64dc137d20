"""A throwaway PostgreSQL cluster for the tests (issue 13): made in a temporary folder by initdb, started by pg_ctl
on a unix socket of its own, stopped and removed at the end. FANZHA_TEST_PG (a server's URL) uses that server
instead. Nothing here is fanzha's: the tests and the benchmarks share it."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return versions[-1] if versions else None


def available() -> str | None:
    """Why no cluster can be made here, or None."""
    if os.environ.get("FANZHA_TEST_PG"):
        return None
    if not (_binary("initdb") and _binary("pg_ctl")):
        return "no PostgreSQL server installed (initdb, pg_ctl): the PostgreSQL half is skipped"
    return None


class Cluster:
    def __init__(self, base: str | None = None) -> None:
        self.base = Path(base) if base else Path(tempfile.mkdtemp(prefix="fanzha-pg-"))
        self.data = self.base / "data"
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root: the postgres user runs it

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        """Made on the first start; started again as it was on a later one (a server back after a stop)."""
        if not self.data.exists():
            if self.as_postgres:
                shutil.chown(self.base, "postgres")
            self._run(
                _binary("initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
        options = (
            f"-k {self.base} -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off"
            " -c full_page_writes=off -c max_connections=60"
        )
        self._run(
            _binary("pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "-l",
            str(self.base / "log"),
            "start",
        )
        return f"postgresql://postgres@/postgres?host={self.base}&port=5432"

    def halt(self) -> None:
        """The server stopped (fast shutdown: the sessions are cut), its data kept."""
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def server():
    """A server's URL for the length of the block: FANZHA_TEST_PG's, else a throwaway cluster's, removed after."""
    if os.environ.get("FANZHA_TEST_PG"):
        yield os.environ["FANZHA_TEST_PG"]
        return
    cluster = Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def database_url(server: str, name: str) -> str:
    """A new, empty database on the server, and its URL."""
    import psycopg2

    conn = psycopg2.connect(server)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    conn.close()
    head, _, query = server.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


if __name__ == "__main__":  # for .ci/run: `start` prints the folder and the URL; `stop FOLDER` removes it all
    import sys

    if sys.argv[1:] == ["start"]:
        reason = available()
        if reason:
            sys.exit(reason)
        cluster = Cluster()
        print(cluster.base, cluster.start())
    elif sys.argv[1:2] == ["stop"] and len(sys.argv) == 3:
        Cluster(sys.argv[2]).stop()
    else:
        sys.exit("usage: pg_cluster.py start | stop FOLDER")
