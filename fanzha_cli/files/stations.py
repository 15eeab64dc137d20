"""The district's police stations: the bundled list, and how a station written in an export is recognised."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.model import STATION_COLUMNS

if TYPE_CHECKING:  # for the type only: the engine is chosen by storage.open_store
    from fanzha_cli.storage.protocol import Store

SUFFIX = "派出所"


_STATION_HEADERS = {
    "name": ("name", "station", "名称", "派出所", "单位"),
    "duty_phone": ("duty_phone", "phone", "值班电话", "电话"),
    "wechat_group": ("wechat_group", "wechat", "微信群", "微信"),
}


def bundled_stations() -> list[dict]:
    """The station list shipped with the package (also found after a plain ``pip install .``)."""
    from importlib.resources import files

    text = files("fanzha_cli").joinpath("resources", "stations.csv").read_text(encoding="utf-8")
    return parse_station_text(text, "stations.csv")


def read_station_file(path: Path) -> list[dict]:
    """A station list written by hand or saved from Excel (UTF-8 or GB18030)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FanzhaError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return parse_station_text(data.decode(encoding), str(path))
        except UnicodeDecodeError:
            continue
    raise FanzhaError(f"{path}: is neither UTF-8 nor GB18030 text")


def parse_station_text(text: str, source: str) -> list[dict]:
    import csv
    import io

    rows = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(rows, [])]
    positions = {}
    for key, names in _STATION_HEADERS.items():
        found = [index for index, cell in enumerate(header) if cell in names]
        if found:
            positions[key] = found[0]
    if "name" not in positions:
        raise FanzhaError(f"{source}: needs a column 'name' (名称) naming each station")
    stations = []
    for row in rows:
        cells = {key: row[index].strip() if index < len(row) else "" for key, index in positions.items()}
        if cells["name"]:
            stations.append(
                {key: (cells.get(key) or None) for key in STATION_COLUMNS} | {"name": canonical_name(cells["name"])}
            )
    return stations


def canonical_name(name: str) -> str:
    """``阳逻`` and ``阳逻所`` are ``阳逻派出所``."""
    name = name.strip()
    if name.endswith(SUFFIX):
        return name
    if name.endswith("所"):
        name = name[:-1]
    return name + SUFFIX


class StationDirectory:
    """The listed stations, by full and short name. A plain class: `list --station` and every escalation load it,
    and a dataclass would import its machinery (a millisecond) each time."""

    def __init__(self, known: frozenset[str]) -> None:
        self.known = known
        short = {name.removesuffix(SUFFIX): name for name in self.known}
        self._full = short | {f"{key}所": name for key, name in short.items()} | {name: name for name in self.known}
        # A listed station's full name, or None for a station not in the list: the dictionary's own get, a C call
        # for each of an import's rows.
        self.listed = self._full.get

    @classmethod
    def load(cls, store: Store) -> StationDirectory:
        return cls(frozenset(store.station_names()))

    def canonical(self, name: str) -> str:
        """A listed station's full name for a short one; a name not in the list is kept as written."""
        return self._full.get(name, name)
