"""The ``fanzha`` Typer app and what its commands share: the global options (a Session), one line of error, the
options that several commands take (--json, --at, --note) and their completion.

Kept light on purpose (the officer runs some commands a hundred times a day): Rich, pydantic, sqlite-utils,
dateutil and openpyxl are imported inside the commands that need them, never here.
"""

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fanzha_cli import __version__
from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.output import err

if TYPE_CHECKING:  # the store is imported when a command first needs the data, not to name a type
    from fanzha_cli.storage.protocol import Store

app = typer.Typer(
    name="fanzha",
    help="Desk tool of a district anti-telecom-fraud centre (反诈中心): import warnings, work them, report the day.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _usage_error_in_one_line(self, file=None) -> None:
    """Click's usage errors (an unknown option, a missing argument, a value out of range) as one line, like every
    other error of fanzha, with where to look for help."""
    where = self.ctx.command_path if self.ctx is not None else "fanzha"
    err(f"fanzha: {self.format_message()} (see `{where} --help`)")


typer._click.exceptions.UsageError.show = _usage_error_in_one_line  # typer is pinned below 0.29 (pyproject)


class Session:
    """What the global options chose: where the data is and who is at the desk. (The database's own settings,
    the desk's configuration, are domain.settings.)"""

    def __init__(self, db: str | None, officer: str | None, station: str | None = None):
        self.db_option = db
        # who says the officer's name: the option, the environment, or nobody (the computer's login name)
        self.officer_source = "--officer" if officer else "FANZHA_OFFICER" if os.environ.get("FANZHA_OFFICER") else None
        self.officer_given = officer or os.environ.get("FANZHA_OFFICER") or _login_name()
        self.station_given = station or os.environ.get("FANZHA_STATION") or None
        self.opened: list[Store] = []

    @property
    def officer(self) -> str:
        """The name on every event, one form per person: ``Alice``, ``alice `` and ``ａｌｉｃｅ`` are one officer. In
        centre mode it is the server's login, whoever the option or the environment names (SPEC §9): a name that
        is not the login's is refused, not recorded."""
        name = officer_name(self.officer_given)
        if not self.opened:  # on a server the login decides who acts (commands open their store first; in case)
            from fanzha_cli.storage.location import is_server

            if is_server(self.db_path):
                self.open_store()
        login = next((store.login for store in self.opened if store.login is not None), None)
        if login is None:
            if not name:
                raise FanzhaError("the officer's name is empty: give --officer NAME or set FANZHA_OFFICER")
            return name
        if self.officer_source and name != officer_name(login):
            raise FanzhaError(
                f"in centre mode you act as your own login, {login}: {self.officer_source} {name} is refused"
                f" (each person connects as their own login: `fanzha admin user add`)"
            )
        return login

    def station(self, store: "Store", given: str | None = None) -> str | None:
        """The station a station's officer acts for (``given``, else --station, else FANZHA_STATION), by its full
        name in the station list; None when none is given. On one file a convention, not a protection (SPEC §9)."""
        name = (given or self.station_given or "").strip()
        logins_station = store.login_station()  # in centre mode, a station's login acts for its station only
        if not name:
            return logins_station
        from fanzha_cli.files.stations import StationDirectory

        listed = StationDirectory.load(store).listed(name)
        if listed is None and store.list_warnings(station=name, limit=1):  # not listed; open warnings name it
            listed = name
        if listed is None:
            raise FanzhaError(f"station '{name}' is not in the station list (see `fanzha stations`)")
        if logins_station is not None and listed != logins_station:
            raise FanzhaError(f"your login {store.login} acts for {logins_station}, not {listed}")
        return listed

    @property
    def db_path(self) -> Path:
        from fanzha_cli.storage.location import resolve_db_path

        return resolve_db_path(self.db_option)

    def open_store(self, *, create: bool = False) -> "Store":
        """The data; only the commands that bring data in (import, stations, a setting) create it."""
        from fanzha_cli.storage import open_store

        store = open_store(self.db_path, create=create)
        self.opened.append(store)
        return store

    def close(self) -> None:
        """Close what the command opened, when it ends, however it ends (Click calls it as the context closes)."""
        while self.opened:
            self.opened.pop().close()


def officer_name(given: str) -> str:
    """An officer's name in its one recorded form (``Alice``, ``alice `` and ``ａｌｉｃｅ`` are one officer)."""
    if given.isascii() and given.isprintable():
        return " ".join(given.split()).lower()
    from fanzha_cli.domain.values import normalize_officer

    return normalize_officer(given)


def _login_name() -> str:
    # getpass.getuser()'s own order of variables, without importing getpass and termios on every command
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(variable):
            return os.environ[variable]
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "officer"


def _version(value: bool) -> None:
    if value:
        print(f"fanzha {__version__}")
        raise typer.Exit()


def complete_station(ctx: typer.Context, incomplete: str) -> list[str]:
    """The listed stations (the database's, else the bundled list): completion must never fail or create."""
    try:
        names = Session(ctx.find_root().params.get("db"), None).open_store().station_names()
    except Exception:
        from fanzha_cli.files.stations import bundled_stations

        names = [station["name"] for station in bundled_stations()]
    return [name for name in names if name.startswith(incomplete)]


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database file, or a centre's server as postgresql://USER@HOST/DBNAME (else $FANZHA_DB, else the"
            " per-user data directory).",
            metavar="PATH|URL",
        ),
    ] = None,
    officer: Annotated[
        str | None, typer.Option("--officer", help="Your name (else $FANZHA_OFFICER, else the login name).")
    ] = None,
    station: Annotated[
        str | None,
        typer.Option(
            "--station",
            help="Your police station, for a station's officer: inbox, ack and visit act for it (else"
            " $FANZHA_STATION).",
            autocompletion=complete_station,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = Session(db, officer, station)
    ctx.call_on_close(ctx.obj.close)


@contextmanager
def reported():
    """Turn the library's exceptions into one line on stderr and the exit code of SPEC §4."""
    try:
        yield
    except FanzhaError as exc:  # the store's own too: a database busy, unreachable, not a database, too new
        err(f"fanzha: {exc}", "bold red")
        raise typer.Exit(exc.exit_code) from None


# --- what several commands take -------------------------------------------------------------------------------


def completing(kind: str):
    """Completion of a word of the vocabulary (an outcome, a channel, a risk, …), English or Chinese."""

    def complete(incomplete: str) -> list[str]:
        from fanzha_cli.domain.vocab import COMPLETION_WORDS

        return [word for word in COMPLETION_WORDS[kind] if word.startswith(incomplete)]

    return complete


AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (keys in the README).")]
At = Annotated[
    str | None,
    typer.Option("--at", help="When it was done, if earlier: HH:MM today, or a full time.", metavar="TIME"),
]
Note = Annotated[str | None, typer.Option("--note", help="A note kept with the action.")]
ActingStation = Annotated[
    str | None,
    typer.Option(
        "--station",
        help="The station you act for, as its officer (else the global --station, else $FANZHA_STATION): another"
        " station's warning is refused.",
        autocompletion=complete_station,
    ),
]


def parsed_at(at: str | None) -> str | None:
    """``--at`` to the stored form, checked here so that a typo is one clear line."""
    if at is None:
        return None
    from datetime import datetime

    from fanzha_cli.domain.values import parse_at

    try:
        return parse_at(at, datetime.now())
    except ValueError as exc:
        raise FanzhaError(f"--at: {exc}") from None
