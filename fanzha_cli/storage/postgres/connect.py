"""PostgreSQL's side of the storage: the connection (libpq's URL, environment and files honoured), the schema's
migrations under an advisory lock, the transactions, and the driver's errors in the program's words.

The driver is psycopg2 (binary, imported by `driver`): of the well-kept drivers it costs the least start-up (about
12 ms to import on this kind of machine, against about 120 ms for psycopg 3 and 75 ms for pg8000), and it has COPY
and LISTEN.
A password is never printed: messages name the host, the port and the database only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from fanzha_cli.domain.errors import (
    DatabaseBusy,
    DatabaseError,
    DatabaseUnreachable,
    NoDatabase,
    NotPermitted,
    SchemaTooNew,
)
from fanzha_cli.storage.postgres.driver import psycopg2
from fanzha_cli.storage.writes import note_commit

# The advisory lock under which the schema's migrations run: eleven desks starting at once do not collide.
MIGRATION_LOCK = 0x66616E7A  # "fanz"


def where(conn) -> str:
    """host:port/database of a connection, for a message (never the user's password)."""
    info = conn.info
    host = info.host or "localhost"
    return f"{host}:{info.port}/{info.dbname}"


def _address(url: str) -> str:
    """host:port/database of a location, from libpq's own reading of it (and of PGHOST, PGPORT...)."""
    params = psycopg2.extensions.parse_dsn(url)
    host = params.get("host") or os.environ.get("PGHOST") or "localhost"
    port = params.get("port") or os.environ.get("PGPORT") or "5432"
    return f"{host}:{port}/{params.get('dbname', '')}"


def _secrets(url: str) -> list[str]:
    """What of a location must never be printed: its password, and the URL itself, which carries it."""
    secrets = [url]
    rest = url.partition("://")[2]
    userinfo = rest.rpartition("@")[0] if "@" in rest else ""
    if ":" in userinfo:
        secrets.append(userinfo.split(":", 1)[1])
    return sorted((secret for secret in secrets if secret), key=len, reverse=True)


def _reason(exc: BaseException, url: str = "") -> str:
    """The server's or libpq's own words, first line, with the URL and any password taken out."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for secret in _secrets(url) if url else ():
        text = text.replace(secret, "…")
    return text.replace("\r", " ")


# libpq's and the server's words when the server answered but would not let this login in (a wrong or missing
# password, no such login or database, no pg_hba.conf line for it, no right to connect): not an outage.
_LOGIN_REFUSED = (
    "authentication failed",
    "no password supplied",
    "does not exist",
    "no pg_hba.conf entry",
    "permission denied",
    "not permitted to log in",
)


def connect(url: str, *, create: bool = False):
    """A connection to the server at ``url``, its schema migrated; one line (host, port, reason) if it cannot be.
    A database with no fanzha schema yet is given one only when ``create``: a read of the wrong database (a typo in
    FANZHA_DB) must not look like an empty queue, as on SQLite."""
    scheme, _, rest = url.partition("://")
    url = f"{scheme.lower()}://{rest}"  # libpq knows the scheme in lower case only
    if rest.split("/", 1)[0].count("@") > 1:  # libpq would take the password's tail for the host, and say it
        raise DatabaseError("the database location has an @ in its user name or password: write it %40 there")
    try:
        where_to = _address(url)
    except psycopg2.Error:  # libpq's words would quote the URL: its password with it
        raise DatabaseError("the database location is not a valid PostgreSQL URL (check its form)") from None
    try:
        conn = psycopg2.connect(url, connect_timeout=10, application_name="fanzha", client_encoding="UTF8")
    except psycopg2.OperationalError as exc:
        reason = _reason(exc, url)
        if any(words in reason for words in _LOGIN_REFUSED):  # trying again will not help: say what to fix
            raise DatabaseError(f"the server at {where_to} refused the login: {reason}") from None
        raise DatabaseUnreachable(f"cannot reach the database at {where_to}: {reason}") from None
    except psycopg2.Error:
        raise DatabaseError(f"cannot open the database at {where_to}: the URL or its settings were refused") from None
    conn.autocommit = True  # transactions are begun and ended by this module, as on SQLite
    if conn.info.parameter_status("server_encoding") != "UTF8":
        encoding = conn.info.parameter_status("server_encoding")
        conn.close()
        raise DatabaseError(
            f"the database at {where_to} is in {encoding}: fanzha keeps Chinese text in UTF8 only"
            " (createdb -E UTF8 -T template0)"
        )
    try:
        _migrate_if_behind(conn, create, url)
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate_if_behind(conn, create: bool, url: str) -> None:
    from fanzha_cli.storage.postgres.migrations import MIGRATIONS

    with errors_of(conn):
        with conn.cursor() as cur:
            applied = _migrations_applied(cur)
            made = applied is not None
            if made:
                if applied == len(MIGRATIONS):
                    return
                if applied > len(MIGRATIONS):
                    raise SchemaTooNew(
                        f"the database at {where(conn)} was written by a newer fanzha (schema {applied});"
                        " upgrade fanzha to use it"
                    )
                cur.execute("SELECT pg_has_role((SELECT relowner FROM pg_class WHERE relname = 'warnings'), 'USAGE')")
                owner = cur.fetchone()[0]
            elif not create:
                raise NoDatabase(where(conn), " yet (the server's database holds no fanzha tables)")
        from fanzha_cli.storage.postgres.migrations import migrate

        if made and not owner:  # only the tables' owner changes them; a desk does not even try
            raise _not_the_admin(conn)
        try:
            if made:
                _copy_before_upgrade(conn, url, len(MIGRATIONS))
            with transaction(conn):
                migrate(conn, MIGRATION_LOCK)
        except NotPermitted:  # a login that may not create the roles or tables of a new schema
            raise _not_the_admin(conn) from None


def _migrations_applied(cur) -> int | None:
    """How many migrations the database has had; None for a database with no fanzha schema. One round trip in the
    common case (not first asking whether the table is there)."""
    try:
        cur.execute("SELECT count(*) FROM fanzha_migrations")
    except psycopg2.errors.UndefinedTable:  # (the connection is in autocommit: nothing to roll back)
        return None
    return cur.fetchone()[0]


def _not_the_admin(conn) -> NotPermitted:
    """A desk's or a station's login cannot change the schema: the admin's first command does."""
    return NotPermitted(
        f"the database at {where(conn)} needs its schema made or brought up to date for this fanzha, which"
        f" {conn.info.user} may not do: the centre's admin (a login that may create roles) runs"
        " `fanzha db info` once to do it"
    )


def _copy_before_upgrade(conn, url: str, schema: int) -> None:
    """A pg_dump of the database before the migrations change anything (SPEC §10), in the per-user backups/."""
    import fanzha_cli.storage.backups as backups
    from fanzha_cli.domain.settings import SETTINGS
    from fanzha_cli.storage.postgres import backup

    keep = SETTINGS["backup_keep"][0]
    with conn.cursor() as cur:
        cur.execute("SELECT value FROM settings WHERE key = 'backup_keep'")
        row = cur.fetchone()
    if row and row[0].isdigit():
        keep = int(row[0])
    try:
        backups.before_upgrade(lambda copy: backup.write(conn, copy), url, schema, keep)
    except DatabaseError as exc:
        raise DatabaseError(f"the database at {where(conn)} was not upgraded: no copy of it was made ({exc})") from None


@contextmanager
def errors_of(conn) -> Iterator[None]:
    """The driver's errors of the server, the network or a lock as the program's own; a statement's own stays."""
    try:
        yield
    except psycopg2.InterfaceError as exc:  # the connection was closed under us
        raise DatabaseUnreachable(f"lost the database at {where(conn)}: {_reason(exc)}") from None
    except psycopg2.Error as exc:
        code = getattr(exc, "pgcode", None) or ""
        if code in ("55P03", "40P01", "40001"):  # lock not available, deadlock, serialization
            raise DatabaseBusy(f"the database is busy: {_reason(exc)}; try again") from None
        if not code or code.startswith(("08", "57P")):  # the connection, the server shutting down
            raise DatabaseUnreachable(f"cannot reach the database at {where(conn)}: {_reason(exc)}") from None
        if code == "42501":  # a privilege or a row-level security policy: the login's role does not allow it
            raise NotPermitted(
                f"your login {conn.info.user} may not do this (the server said: {_reason(exc)})"
            ) from None
        if code.startswith(("53", "54", "25006", "57014")):  # full, a limit, read-only, cancelled
            raise DatabaseError(f"the database at {where(conn)} refused: {_reason(exc)}") from None
        raise  # a statement's own error (a constraint, a typo in SQL) stays the driver's, for the code that ran it


def rollback(conn) -> None:
    with suppress(psycopg2.Error):
        conn.cursor().execute("ROLLBACK")


# A transaction whose commit need not wait for the disk (harmless to lose: a take, a record of a showing): the
# setting sent with the begin, one round trip.
BEGIN_NOT_WAITING = "BEGIN; SET LOCAL synchronous_commit = off"


@contextmanager
def transaction(conn, *, durable: bool = True) -> Iterator[None]:
    """One write transaction, all of it or none of it. Writers do not wait for each other as on SQLite: the store
    locks the rows a transaction reads to change (FOR UPDATE), and the queue's head is taken with SKIP LOCKED.
    ``durable=False``: committed without waiting for the disk (harmless to lose: a take)."""
    with errors_of(conn):
        cur = conn.cursor()
        try:  # (a failure anywhere, its setting's half of the begin too, must not leave the transaction open)
            cur.execute("BEGIN" if durable else BEGIN_NOT_WAITING)
            yield
            # Rows this transaction inserted, updated or deleted (SQLite's total_changes): `next` showing the warning
            # already in hand changes nothing, though its read locked the row (which gives it a transaction id).
            cur.execute("SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) > 0 FROM pg_stat_xact_user_tables")
            wrote = cur.fetchone()[0]
            cur.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
        if wrote:
            note_commit()


def rehearsal(conn):
    """A transaction always rolled back: a dry run does the work and keeps none of it."""
    return _rolled_back(conn, "BEGIN")


def snapshot(conn):
    """One read transaction, every figure of a report from one state of the data."""
    # No parallel workers: a report reads a day's rows (thousands), where starting two workers costs more (3-5 ms
    # a statement, measured on 2,000,000 warnings) than it saves
    return _rolled_back(
        conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL max_parallel_workers_per_gather = 0"
    )


@contextmanager
def _rolled_back(conn, begin: str) -> Iterator[None]:
    with errors_of(conn):
        conn.cursor().execute(begin)
        try:
            yield
        finally:
            rollback(conn)
