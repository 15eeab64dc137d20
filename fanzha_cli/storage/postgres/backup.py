"""PostgreSQL's side of backups (SPEC §10): pg_dump's custom format (one consistent snapshot of the database while
desks work) and pg_restore, the server's own tools. The password, if the connection had one, goes to them in
their environment (PGPASSWORD), never on a command line another user could read."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from fanzha_cli.domain.errors import DatabaseError, NotADatabase, SchemaTooNew

_TIMEOUT = 6 * 3600  # a city's history is a few GB: hours at worst, never for ever


def tool(name: str) -> str:
    """pg_dump or pg_restore: on the PATH, else the newest of Debian's installed versions; one line if neither."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(re.sub(r"\D", "", p) or 0))
    if versions:
        return versions[-1]
    raise DatabaseError(
        f"{name} is not installed: a centre's server is backed up and restored with PostgreSQL's client tools"
        " (Debian: apt install postgresql-client)"
    )


def _run(conn, command: list[str], what: str) -> subprocess.CompletedProcess:
    """A tool of the server's, connected as this connection is (its parameters, its password in the environment)."""
    params = conn.info.dsn_parameters
    env = dict(os.environ)
    for key, variable in (("host", "PGHOST"), ("port", "PGPORT"), ("user", "PGUSER"), ("dbname", "PGDATABASE")):
        if params.get(key):
            env[variable] = params[key]
    if conn.info.password:
        env["PGPASSWORD"] = conn.info.password
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DatabaseError(f"{what}: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines() or ["it failed"]
        reason = next((line for line in said if "error:" in line), said[-1]).removeprefix(f"{Path(command[0]).name}: ")
        raise DatabaseError(f"{what}: {reason}")
    return done


def write(conn, path: Path) -> None:
    """The whole database in pg_dump's custom format, at ``path``."""
    _run(conn, [tool("pg_dump"), "--format=custom", f"--file={path}"], "pg_dump could not copy the database")


def check(conn, path: Path, newest_schema: int) -> dict:
    """What a pg_dump archive of a fanzha database holds ({"schema", "counts"}: the counts are the restore's); else
    one line saying why it is not one, and nothing changed."""
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder: name one backup in it (`ls {path}`)")
    if not path.is_file():
        raise DatabaseError(f"there is no backup at {path}")
    try:
        listed = _run(conn, [tool("pg_restore"), "--list", str(path)], "not read")
    except DatabaseError as exc:
        raise NotADatabase(f"{path} is not a fanzha backup of a server (pg_restore: {exc}): not restored") from None
    names = set(re.findall(r"TABLE DATA \S+ (\w+) ", listed.stdout))
    if not {"fanzha_migrations", "warnings", "events"} <= names:
        raise NotADatabase(f"{path} is a pg_dump archive, but not of a fanzha database: not restored")
    extract = [tool("pg_restore"), "--data-only", "--table=fanzha_migrations", "--file=-", str(path)]
    rows = _run(conn, extract, "not read")
    copied = rows.stdout.split("FROM stdin;\n", 1)[-1].split("\n\\.", 1)[0]
    schema = len([line for line in copied.splitlines() if line.strip()])
    if schema > newest_schema:
        raise SchemaTooNew(f"{path} was written by a newer fanzha (schema {schema}): upgrade fanzha to restore it")
    return {"schema": schema, "counts": {}}


def restore(conn, path: Path) -> None:
    """The archive in place of what the database holds, in one transaction: all of it or none of it."""
    command = [tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--no-owner", "--exit-on-error"]
    conn_params = conn.info.dsn_parameters
    _run(conn, [*command, f"--dbname={conn_params.get('dbname', '')}", str(path)], f"cannot restore {path}")
