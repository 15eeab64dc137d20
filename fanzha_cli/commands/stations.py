"""Presentation of ``fanzha stations``."""

from __future__ import annotations

from pathlib import Path

from fanzha_cli import output
from fanzha_cli.domain.errors import FanzhaError, NoDatabase
from fanzha_cli.domain.model import STATION_COLUMNS
from fanzha_cli.files.stations import canonical_name, read_station_file
from fanzha_cli.output import counted, out


def show_stations(session, *, as_json: bool) -> None:
    try:
        stations = session.open_store().list_stations()
    except NoDatabase:  # a new desk: the bundled list, read without making a database
        from fanzha_cli.files.stations import bundled_stations

        stations = bundled_stations()
    if as_json:
        from fanzha_cli.schemas import Station, dump

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


def add_station(session, name: str, phone: str | None, wechat: str | None) -> None:
    if not name.strip():
        raise FanzhaError("a station needs a name")
    if phone is not None and phone.strip():
        from fanzha_cli.domain.values import parse_phone

        try:
            parse_phone(phone)  # a duty phone is dialled: a mobile, or a landline with its area code
        except ValueError as exc:
            raise FanzhaError(f"--phone: {exc}") from None
    store = session.open_store(create=True)
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


def import_stations(session, file: Path) -> None:
    stations = read_station_file(file)
    store = session.open_store(create=True)
    with store.transaction():
        store.save_stations(stations)
    out(f"{counted(len(stations), 'station')} added or updated from {file}")
