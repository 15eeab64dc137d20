"""`fanzha admin user`: centre mode's logins (SPEC §9) — one per person, in the role the server enforces."""

import sys
from typing import Annotated

import typer

from fanzha_cli import output
from fanzha_cli.cli.application import AsJson, app, completing, officer_name, reported
from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.output import out

admin_app = typer.Typer(
    help="Centre mode's administration: the logins and their roles.\n\nExample: fanzha admin user list",
    no_args_is_help=True,
)
user_app = typer.Typer(
    help="Each person's login on the centre's server, and its role.\n\nExample: fanzha admin user add wang --role desk",
    no_args_is_help=True,
)
admin_app.add_typer(user_app, name="user")
app.add_typer(admin_app, name="admin")


def _role(word: str) -> str:
    from fanzha_cli.domain.desk import read_word
    from fanzha_cli.domain.vocab import ROLE_WORDS

    return read_word("role", ROLE_WORDS, word)


def _password(from_stdin: bool) -> str | None:
    """The new login's password: the first line of standard input, or typed twice at a terminal (nothing typed: no
    password, for a server that lets its logins in by certificate or by the computer's own login)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise FanzhaError("--password-stdin: standard input gave no password")
        return password
    if not sys.stdin.isatty():
        return None
    password = typer.prompt("Password for the new login (empty: none)", default="", hide_input=True, show_default=False)
    if password and typer.prompt("The same again", default="", hide_input=True, show_default=False) != password:
        raise FanzhaError("the two passwords differ: nothing was made")
    return password or None


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person's login, e.g. wang (it is the officer's name on events).")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="desk 坐席, station 派出所, supervisor 督导 or admin 管理员.",
            autocompletion=completing("role"),
        ),
    ],
    station: Annotated[
        str | None, typer.Option("--station", help="For the station role: the station it acts for.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (else asked for).")
    ] = False,
) -> None:
    """Make a person's login on the centre's server, in the role the server enforces for it.

    Example: fanzha admin user add jiujie1 --role station --station 旧街派出所
    """
    with reported():
        role = _role(role)
        login = officer_name(name)
        if not login:
            raise FanzhaError("a login needs a name")
        if (role == "station") != (station is not None):
            raise FanzhaError("--station goes with the role station, and the role station needs it")
        store = ctx.obj.open_store()
        if store.login is None:
            store.logins()  # one file has no logins: says so
        if station is not None:
            from fanzha_cli.files.stations import StationDirectory

            listed = StationDirectory.load(store).listed(station.strip())
            if listed is None:  # a login acts for a listed station: its group role is made from the list
                raise FanzhaError(f"station '{station}' is not in the station list (see `fanzha stations add`)")
            station = listed
        store.add_login(login, role, station, _password(password_stdin))
    at = f" for {station}" if station else ""
    out(f"{login}: a {role} login{at} on {store.where}; it connects as postgresql://{login}@…")


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: AsJson = False) -> None:
    """The logins of the centre's database, by role.

    Example: fanzha admin user list --json
    """
    with reported():
        rows = ctx.obj.open_store().logins()
    if as_json:
        from fanzha_cli.cli.schemas import Login, dump

        out(dump(list[Login], rows))
        return
    from fanzha_cli.domain.vocab import ROLE_ZH

    for row in rows:
        notes = [
            row["station"] or "",
            "owns the tables" if row["owner"] else "",
            "" if row["can_login"] else "cannot log in",
        ]
        cells = [row["login"], f"{row['role']} {ROLE_ZH[row['role']]}", *(note for note in notes if note)]
        aligned = f"{cells[0]:<16}{cells[1]:<16}{'  '.join(cells[2:])}".rstrip()
        out(aligned if output.is_terminal() else "\t".join(cells))


@user_app.command("remove")
def user_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The login to take out of the centre.")],
) -> None:
    """Take a person's login out of the centre's roles (its events keep its name).

    Example: fanzha admin user remove wang
    """
    with reported():
        store = ctx.obj.open_store()
        dropped = store.remove_login(officer_name(name))
    kept = "" if dropped else " (the login stays on the server: another centre's database, or what it owns)"
    out(f"{officer_name(name)}: removed from {store.where}{kept}")
