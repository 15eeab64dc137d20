"""The ``fanzha`` command line: a thin layer that parses options, calls the library and reports.

Kept light on purpose (the officer runs some commands a hundred times a day): Rich, pydantic, sqlite-utils,
dateutil and openpyxl are imported inside the commands that need them, never here.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from fanzha_cli import __version__
from fanzha_cli.errors import FanzhaError
from fanzha_cli.output import err

app = typer.Typer(
    name="fanzha",
    help="Desk tool of a district anti-telecom-fraud centre (反诈中心): import warnings, work them, report the day.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Settings:
    """What the global options chose: where the database is and who is at the desk."""

    def __init__(self, db: str | None, officer: str | None):
        self.db_option = db
        self.officer = officer or os.environ.get("FANZHA_OFFICER") or _login_name()

    @property
    def db_path(self) -> Path:
        from fanzha_cli.store import resolve_db_path

        return resolve_db_path(self.db_option)

    def connect(self) -> sqlite3.Connection:
        from fanzha_cli.store import connect

        return connect(self.db_path)


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "officer"


def _version(value: bool) -> None:
    if value:
        print(f"fanzha {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database file (else $FANZHA_DB, else the per-user data directory).", metavar="PATH"),
    ] = None,
    officer: Annotated[
        str | None, typer.Option("--officer", help="Your name (else $FANZHA_OFFICER, else the login name).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = Settings(db, officer)


@contextmanager
def reported():
    """Turn the library's exceptions into one line on stderr and the exit code of SPEC §4."""
    try:
        yield
    except FanzhaError as exc:
        err(f"fanzha: {exc}", "bold red")
        raise typer.Exit(exc.exit_code) from None
    except sqlite3.OperationalError as exc:
        hint = " (another fanzha is writing; try again)" if "locked" in str(exc) else ""
        err(f"fanzha: database error: {exc}{hint}", "bold red")
        raise typer.Exit(2) from None


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="Platform exports: .csv, .tsv, .txt or .xlsx.", metavar="FILE...")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, store nothing.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing from a file if any row fails.")] = False,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Where to write rejected rows (default: beside the input).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Import the platform's warning exports, one transaction per file.

    Example: fanzha import 2026-11-24-预警.csv
    """
    from fanzha_cli.commands.importing import run_import

    with reported():
        code = run_import(ctx.obj, files, dry_run=dry_run, strict=strict, rejects=rejects, as_json=as_json)
    raise typer.Exit(code)


stations_app = typer.Typer(
    help="The district's police stations and their contacts.\n\nExample: fanzha stations --json",
    no_args_is_help=False,
)
app.add_typer(stations_app, name="stations")


@stations_app.callback(invoke_without_command=True)
def stations_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the stations with their duty phone and WeChat group.

    Example: fanzha stations --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from fanzha_cli.commands.stations import show_stations

    with reported():
        show_stations(ctx.obj, as_json=as_json)


@stations_app.command("add")
def stations_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The station's name, e.g. 阳逻派出所 (or just 阳逻).")],
    phone: Annotated[str | None, typer.Option("--phone", help="Duty phone.")] = None,
    wechat: Annotated[str | None, typer.Option("--wechat", help="WeChat group name.")] = None,
) -> None:
    """Add a station, or change the contacts of one already listed.

    Example: fanzha stations add 阳逻派出所 --phone 027-0000-0102 --wechat 新洲反诈·阳逻所
    """
    from fanzha_cli.commands.stations import add_station

    with reported():
        add_station(ctx.obj, name, phone, wechat)


@stations_app.command("import")
def stations_import(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV with columns name, duty_phone, wechat_group (or 名称, 值班电话, 微信群).")
    ],
) -> None:
    """Add or update stations from a CSV file.

    Example: fanzha stations import data/stations.csv
    """
    from fanzha_cli.commands.stations import import_stations

    with reported():
        import_stations(ctx.obj, file)


def main() -> None:
    """The console script: any failure is one line on stderr, never a traceback (set FANZHA_DEBUG=1 for one)."""
    try:
        app()
    except KeyboardInterrupt:
        err("fanzha: interrupted; nothing half-done was stored")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("FANZHA_DEBUG"):
            raise
        err(f"fanzha: internal error: {type(exc).__name__}: {exc} (FANZHA_DEBUG=1 shows where)")
        sys.exit(2)
