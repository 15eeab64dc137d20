"""`fanzha stations`: the district's police stations and their contacts — list them, add one, import a list."""

from pathlib import Path
from typing import Annotated

import typer

from fanzha_cli import output
from fanzha_cli.cli.application import app, reported
from fanzha_cli.domain.errors import FanzhaError, NoDatabase
from fanzha_cli.domain.model import STATION_COLUMNS
from fanzha_cli.output import counted, out

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
    with reported():
        try:
            stations = ctx.obj.open_store().list_stations()
        except NoDatabase:  # a new desk: the bundled list, read without making a database
            from fanzha_cli.files.stations import bundled_stations

            stations = bundled_stations()
        if as_json:
            from fanzha_cli.cli.schemas import Station, dump

            out(dump(list[Station], stations))
            return
        if output.is_terminal():
            from rich.table import Table

            from fanzha_cli.output import console

            table = Table("派出所 station", "值班电话 duty phone", "微信群 WeChat group")
            for station in stations:
                table.add_row(station["name"], station["duty_phone"] or "", station["wechat_group"] or "")
            console().print(table)
            return
        for station in stations:
            out("\t".join(station[key] or "" for key in STATION_COLUMNS))


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
    from fanzha_cli.files.stations import canonical_name

    with reported():
        if not name.strip():
            raise FanzhaError("a station needs a name")
        if phone is not None and phone.strip():
            from fanzha_cli.domain.values import parse_phone

            try:
                parse_phone(phone)  # a duty phone is dialled: a mobile, or a landline with its area code
            except ValueError as exc:
                raise FanzhaError(f"--phone: {exc}") from None
        store = ctx.obj.open_store(create=True)
        full = canonical_name(name)
        existing = {s["name"]: s for s in store.list_stations()}.get(full, {})
        station = {
            "name": full,
            "duty_phone": phone if phone is not None else existing.get("duty_phone"),
            "wechat_group": wechat if wechat is not None else existing.get("wechat_group"),
        }
        with store.transaction():
            store.save_stations([station])
        out(f"{'updated' if existing else 'added'} {full}")


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
    from fanzha_cli.files.stations import read_station_file

    with reported():
        stations = read_station_file(file)
        store = ctx.obj.open_store(create=True)
        with store.transaction():
            store.save_stations(stations)
        out(f"{counted(len(stations), 'station')} added or updated from {file}")
