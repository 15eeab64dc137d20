"""Centre mode's logins (SPEC §9): each person's PostgreSQL login, a member of this database's group role for their
role (and of their station's), made, listed and removed by `fanzha admin user`. The server checks that the login
doing it may (CREATEROLE, the centre's admin); the group roles, their privileges and the row-level security
policies are made by the migration 0011_roles.

A role is the whole server's, not one database's: a person working for two centres on one server has one login,
a member of each centre's groups, and removing it from one centre keeps it for the other.
"""

from __future__ import annotations

from fanzha_cli.domain.errors import DatabaseError
from fanzha_cli.domain.vocab import ROLES
from fanzha_cli.storage.postgres import connect as pg
from fanzha_cli.storage.postgres.driver import psycopg2

# This database's group roles, by role; the stations' group roles, by station (only those that exist).
_GROUPS = "SELECT kind, fanzha_role(kind) FROM unnest(%s::text[]) AS kind"
_STATION_GROUPS = """SELECT s.name, r.rolname FROM stations s
    JOIN pg_roles r ON r.rolname = fanzha_role('station_' || s.seq) ORDER BY s.seq"""
_MEMBERS = """SELECT m.rolname, g.rolname, m.rolcanlogin FROM pg_auth_members am
    JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
    WHERE g.rolname = ANY(%s) ORDER BY m.rolname"""


def _rows(cur, sql: str, params=None) -> list[tuple]:
    cur.execute(sql, params)
    return cur.fetchall()


def _groups(cur) -> tuple[dict[str, str], dict[str, str]]:
    """{group role: role} and {station's group role: station}."""
    roles = {group: kind for kind, group in _rows(cur, _GROUPS, (list(ROLES),))}
    return roles, {group: station for station, group in _rows(cur, _STATION_GROUPS)}


def listed(conn) -> list[dict]:
    """Each login of this database: its role and station, whether it may log in; the tables' owner as an admin."""
    with pg.errors_of(conn), conn.cursor() as cur:
        roles, stations = _groups(cur)
        found: dict[tuple[str, str], dict] = {}
        for login, group, can_login in _rows(cur, _MEMBERS, (list(roles) + list(stations),)):
            if group in roles:
                found.setdefault((login, roles[group]), {"login": login, "role": roles[group], "station": None})
                found[(login, roles[group])]["can_login"] = can_login
        for login, group, _ in _rows(cur, _MEMBERS, (list(stations),)):
            if (login, "station") in found:
                found[(login, "station")]["station"] = stations[group]
        owner = _rows(
            cur, "SELECT tableowner FROM pg_tables WHERE tablename = 'warnings' AND schemaname = current_schema()"
        )
    rows = sorted(found.values(), key=lambda row: (ROLES.index(row["role"]), row["login"]))
    if owner and (owner[0][0], "admin") not in found:
        rows.append({"login": owner[0][0], "role": "admin", "station": None, "can_login": True, "owner": True})
    return [{"owner": False} | row for row in rows]


def add(conn, name: str, role: str, station: str | None, password: str | None) -> None:
    """One transaction: the login (or an existing one of another centre) put in the groups, or nothing."""
    quoted = psycopg2.extensions.quote_ident(name, conn)
    with pg.transaction(conn), conn.cursor() as cur:
        roles, stations = _groups(cur)
        mine = [group for group, kind in roles.items()] + list(stations)
        already = [roles.get(group, "station") for login, group, _ in _rows(cur, _MEMBERS, (mine,)) if login == name]
        if already:
            raise DatabaseError(
                f"{name} has a login here already ({already[0]}): `fanzha admin user remove {name}` first to change it"
            )
        groups = [next(group for group, kind in roles.items() if kind == role)]
        if station is not None:
            groups.append(_station_group(cur, station))
        exists = _rows(cur, "SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
        if not exists:
            cur.execute(f"CREATE ROLE {quoted} LOGIN")
        if role == "admin":  # the centre's admin makes the others' logins
            cur.execute(f"ALTER ROLE {quoted} CREATEROLE")
        if password:  # hashed here by libpq as the server asks (SCRAM): the password never reaches the server's log
            verifier = psycopg2.extensions.encrypt_password(password, name, conn)
            cur.execute(f"ALTER ROLE {quoted} PASSWORD %s", (verifier,))
        for group in groups:
            cur.execute(f"GRANT {psycopg2.extensions.quote_ident(group, conn)} TO {quoted}")


def _station_group(cur, station: str) -> str:
    """The station's group role, made on its first login."""
    found = _rows(cur, "SELECT fanzha_role('station_' || seq) FROM stations WHERE name = %s", (station,))
    if not found:
        raise DatabaseError(f"station '{station}' is not in the station list (see `fanzha stations`)")
    group = found[0][0]
    if not _rows(cur, "SELECT 1 FROM pg_roles WHERE rolname = %s", (group,)):
        quoted = psycopg2.extensions.quote_ident(group, cur.connection)
        cur.execute(f"CREATE ROLE {quoted} NOLOGIN")
        cur.execute(f"COMMENT ON ROLE {quoted} IS %s", (f"fanzha: {station}",))
    return group


def remove(conn, name: str) -> bool:
    """The login leaves this database's groups; dropped when it is in no other group and owns nothing."""
    quoted = psycopg2.extensions.quote_ident(name, conn)
    with pg.transaction(conn), conn.cursor() as cur:
        if _rows(cur, "SELECT current_user = %s", (name,))[0][0]:
            raise DatabaseError("you cannot remove your own login: another admin can")
        roles, stations = _groups(cur)
        groups = [group for login, group, _ in _rows(cur, _MEMBERS, (list(roles) + list(stations),)) if login == name]
        if not groups:
            raise DatabaseError(f"{name} has no login here (see `fanzha admin user list`)")
        for group in groups:
            cur.execute(f"REVOKE {psycopg2.extensions.quote_ident(group, conn)} FROM {quoted}")
        elsewhere = _rows(
            cur,
            "SELECT count(*) FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.member WHERE r.rolname = %s",
            (name,),
        )[0][0]
        if elsewhere:
            return False
        cur.execute("SAVEPOINT drop_login")
        try:
            cur.execute(f"DROP ROLE {quoted}")
        except psycopg2.Error:  # it owns something, or holds a privilege somewhere: kept, out of this centre
            cur.execute("ROLLBACK TO SAVEPOINT drop_login")
            return False
        return True
