"""The morning import (SPEC §5): an export's records checked, de-duplicated and stored, one file a transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from itertools import islice, repeat
from operator import gt, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from fanzha_cli.domain.errors import FanzhaError, ImportFileError, shown_file
from fanzha_cli.domain.model import IMPORTED_FIELDS, OPTIONAL_FIELDS, REQUIRED_FIELDS, SHORT
from fanzha_cli.domain.values import (
    format_time,
    mask_numbers,
    normalize_id,
    normalize_time,
    normalize_times,
    parse_phone,
    parse_risk,
    storable,
)
from fanzha_cli.domain.vocab import RISK_WORDS
from fanzha_cli.files.reader import Records, open_records
from fanzha_cli.files.safe import inert, private_file
from fanzha_cli.files.stations import StationDirectory

if TYPE_CHECKING:  # for the type only: the engine is chosen by storage.open_store
    from fanzha_cli.storage.protocol import Store

_SYNONYMS = {synonym: known for known in IMPORTED_FIELDS for synonym in known.headers}
_REQUIRED = tuple(known.column for known in REQUIRED_FIELDS)
FUTURE_SLACK = timedelta(days=1)


def _header_key(name: str) -> str:
    return "_".join(name.replace("\ufeff", "").strip().strip("*").lower().replace("-", " ").split())


def map_header(file: str, header: list[str]) -> dict[str, int]:
    """The position of each known field in the header; refuses a header missing a field or naming one twice."""
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        known = _SYNONYMS.get(_header_key(name))
        if known is None:
            continue
        if known.column in positions:
            first = header[positions[known.column]]
            raise ImportFileError(
                file,
                f"columns {positions[known.column] + 1} ({first}) and {index + 1} ({name}) both give the"
                f" {known.word}; remove one of them",
                column=name,
            )
        positions[known.column] = index
    missing = [known for known in REQUIRED_FIELDS if known.column not in positions]
    if missing:
        wanted = "; ".join(f"{known.word} ({'/'.join(known.headers[:3])})" for known in missing)
        raise ImportFileError(file, f"lacks the required column{'s' if len(missing) > 1 else ''} {wanted}")
    return positions


class Reject(Exception):
    """A record that fails a check: its column and the reason."""

    def __init__(self, column: str | None, reason: str):
        # A reason quotes the value it refused; a phone or ID number in it (in the wrong column, say) is masked,
        # since reasons are printed and kept in the batch's record.
        reason = mask_numbers(reason)
        super().__init__(f"{column}: {reason}" if column else reason)


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    new: int = 0
    duplicate: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)
    rejects_path: str | None = None
    unknown_stations: Counter = field(default_factory=Counter)
    earlier_imports: list[dict] = field(default_factory=list)
    dry_run: bool = False
    stored: bool = True

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def to_json(self) -> dict:
        """Exactly the keys of SPEC §5."""
        return {
            "file": self.file,
            "rows": self.rows,
            "new": self.new,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "rejects": [{"line": line, "reason": reason} for line, reason in self.rejects],
        }


class StrictImportRefused(FanzhaError):
    """``--strict`` and some rows failed: nothing of the file was stored."""

    def __init__(self, result: ImportResult):
        self.result = result
        super().__init__(
            f"{shown_file(result.file)}: {result.rejected} of {result.rows} rows failed their checks;"
            " with --strict nothing was imported"
        )


class RowChecker:
    """Turns a record into a row for ``store.insert_new_warnings``, or raises ``Reject``.

    ``check`` runs once per imported row: it is written for speed (two itemgetters; the optional fields, however
    many the model has, trimmed and measured by map, in C) and keeps the slow work for the rows that fail.
    """

    def __init__(
        self, header: list[str], positions: dict[str, int], stations: StationDirectory, now: datetime, batch_id: int
    ):
        self.header = header
        self.width = len(header)
        self.positions = positions
        # An optional column the file lacks is read from an empty cell appended to each record.
        self.required = itemgetter(*(positions[column] for column in _REQUIRED))
        # optional: as a tuple however many (an itemgetter of one gives the item itself)
        self.optional = itemgetter(*(positions.get(known.column, self.width) for known in OPTIONAL_FIELDS), self.width)
        self.limits = tuple(known.limit for known in OPTIONAL_FIELDS)
        self.listed = stations.listed
        self.unknown_stations: Counter = Counter()  # stations not in the list, kept as written, and how often
        self.latest = format_time(now + FUTURE_SLACK)
        self.batch_id = batch_id

    def check(self, fields: list[str]) -> tuple:
        if len(fields) != self.width:
            fields = self._fit(fields)
        fields.append("")
        wid, when, risk, name, phone, station = self.required(fields)
        given, name, station = wid, name.strip(), station.strip()
        wid = normalize_id(given)
        if not wid:
            what = "holds only invisible characters" if given.strip() else "is empty"
            raise Reject(self._name("id"), f"the warning id {what}")
        try:
            when = normalize_time(when)
        except ValueError as exc:
            raise Reject(self._name("time"), str(exc)) from None
        if when > self.latest:
            raise Reject(self._name("time"), f"time {when} is in the future")
        try:
            risk = parse_risk(risk)
        except ValueError as exc:
            raise Reject(self._name("risk_level"), str(exc)) from None
        if not name:
            raise Reject(self._name("name"), "the name is empty")
        try:
            phone = parse_phone(phone)
        except ValueError as exc:
            raise Reject(self._name("phone"), str(exc)) from None
        if not station:
            raise Reject(self._name("station"), "the police station is empty")
        listed = self.listed(station)
        optional = tuple(map(str.strip, self.optional(fields)))[:-1]  # an empty one is stored as none (the store)
        row = (wid, when, risk, name, phone, listed or station, *optional, self.batch_id)
        if (
            len(wid) > SHORT
            or len(name) > SHORT
            or len(station) > SHORT
            or any(map(gt, map(len, optional), self.limits))
        ):
            self._refuse_long(row)
        if listed is None:
            self.unknown_stations[station] += 1
        return row

    def check_many(self, chunk: list[list[str]]) -> list[tuple] | None:
        """The rows of a chunk of records, as ``check`` makes them, when every record passes its checks the common
        way: checked a column at a time, by C loops over each column instead of a function call per cell. None when
        any record needs ``check`` (a shifted row, an odd id, a phone or time to clean up, a value to refuse), which
        then takes the chunk record by record and says why."""
        if set(map(len, chunk)) != {self.width}:
            return None
        columns = [*zip(*chunk, strict=True), ("",) * len(chunk)]  # the last for an optional field the file lacks
        ids, times, risks, names, phones, stations = self.required(columns)
        ids, names, stations = (list(map(str.strip, column)) for column in (ids, names, stations))
        joined = "".join(ids)
        if not (joined.isascii() and joined.isprintable() and all(ids) and all(names) and all(stations)):
            return None
        if max(map(len, (*ids, *names, *stations))) > SHORT or not self._plain_phones(phones):
            return None
        optional = [tuple(map(str.strip, column)) for column in self.optional(columns)[:-1]]
        if any(max(map(len, column)) > limit for column, limit in zip(optional, self.limits, strict=True)):
            return None
        risks = list(map(RISK_WORDS.get, risks))
        try:
            times = normalize_times(times)
        except ValueError:
            return None
        if None in risks or max(times) > self.latest:
            return None
        listed = list(map(self.listed, stations))
        if None in listed:
            self.unknown_stations.update(station for station, known in zip(stations, listed, strict=True) if not known)
            listed = [known or station for station, known in zip(stations, listed, strict=True)]
        batch = repeat(self.batch_id, len(chunk))
        return list(zip(ids, times, risks, names, phones, listed, *optional, batch, strict=True))

    @staticmethod
    def _plain_phones(phones: tuple[str, ...]) -> bool:
        """Whether every phone is already as stored: 11 ASCII digits from a text cell, the first a 1 (parse_phone's
        fast path, for a whole column at once: 11 characters each when the longest has 11 and they have 11 each
        on average; then every 11th character of them together is a first digit)."""
        joined = "".join(phones)
        return (
            max(map(len, phones)) == 11
            and len(joined) == 11 * len(phones)
            and joined.isdigit()
            and joined.isascii()
            and joined[::11] == "1" * len(phones)
            and set(map(type, phones)) == {str}
        )

    def _fit(self, fields: list[str]) -> list[str]:
        """Trailing empty cells past the header are harmless; any other width means the columns have shifted."""
        if len(fields) > self.width and not "".join(fields[self.width :]).strip():
            return fields[: self.width]
        raise Reject(
            None, f"the row has {len(fields)} fields but the header has {self.width}: a missing or extra comma?"
        )

    def _refuse_long(self, row: tuple) -> None:
        for imported, value in zip(IMPORTED_FIELDS, row, strict=False):
            if isinstance(value, str) and len(value) > imported.limit:
                raise Reject(
                    self._name(imported.column), f"holds {len(value):,} characters, more than {imported.limit:,}"
                )

    def _name(self, key: str) -> str:
        return self.header[self.positions[key]]


def import_file(
    store: Store,
    path: Path,
    *,
    officer: str,
    now: datetime | None = None,
    dry_run: bool = False,
    strict: bool = False,
    rejects_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one export as one transaction; raises ``ImportFileError`` (nothing stored) for an unreadable file.

    ``-`` is standard input; it, and any other stream (a pipe, ``/dev/stdin``), is first copied to a private
    temporary file, since an export is read twice (its head to find the encoding, then the whole of it).
    """
    now = now or datetime.now()
    if not _is_stream(path):
        with open_records(path) as records:
            return _import_records(store, path, records, officer, now, dry_run, strict, rejects_path, progress)
    shown = str(path)
    if rejects_path is None and not dry_run:
        rejects_path = Path(f"{'stdin' if str(path) == '-' else path.name}.rejects.csv")  # in the current folder
    with _spooled(path, shown) as copy:
        try:
            with open_records(copy) as records:
                records.name = shown
                return _import_records(store, path, records, officer, now, dry_run, strict, rejects_path, progress)
        except ImportFileError as exc:
            raise ImportFileError(shown, exc.reason, exc.line, exc.column) from None


def _is_stream(path: Path) -> bool:
    import stat

    if str(path) == "-" or str(path).startswith(("/dev/", "/proc/")):
        return True  # /dev/stdin is a regular file when the shell redirects one into it: still no folder of its own
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return False  # open_records says what is wrong with it
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


@contextmanager
def _spooled(path: Path, shown: str) -> Iterator[Path]:
    import shutil
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fanzha-") as folder:  # mode 700: the copy holds personal data
        copy = Path(folder) / f"input{path.suffix if str(path) != '-' else ''}"
        try:
            source = sys.stdin.buffer if str(path) == "-" else open(path, "rb")  # noqa: SIM115 (closed below)
            with source, open(copy, "wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
        except OSError as exc:
            raise ImportFileError(shown, f"cannot be read: {exc.strerror or exc}") from None
        yield copy


def _import_records(store: Store, path, records, officer, now, dry_run, strict, rejects_path, progress) -> ImportResult:
    records.name = storable(records.name)  # a file name that is not UTF-8 is kept with its bytes as \xff
    positions = map_header(records.name, records.header)
    records.looks_like_row = partial(_looks_like_row, positions)
    result = ImportResult(file=records.name, dry_run=dry_run)
    write_rejects = rejects_path is not None or not dry_run
    rejects = _RejectsWriter(rejects_path or default_rejects_path(path), records.header) if write_rejects else None
    session = store.rehearsal if dry_run else store.transaction
    try:
        with store.bulk_insert(), session():
            batch_id = store.begin_batch(file=records.name, officer=officer, at=format_time(now))
            checker = RowChecker(records.header, positions, StationDirectory.load(store), now, batch_id)
            with store.indexes_built_after(0 if dry_run else _rows_expected(path)):  # a rehearsal keeps none
                result.new = store.insert_new_warnings(_valid_rows(records, checker, result, rejects, progress))
            result.duplicate = result.rows - result.new - result.rejected
            if strict and result.rejected:
                raise StrictImportRefused(result)
            result.earlier_imports = store.batches_of_file(records.sha256)
            store.finish_batch(batch_id, sha256=records.sha256, counts=result.to_json())
    except StrictImportRefused:
        result.stored = False
        if rejects:
            result.rejects_path = rejects.close()
        raise
    except BaseException:
        if rejects:
            rejects.discard()
        raise
    result.stored = not dry_run
    if rejects:
        result.rejects_path = rejects.close()
    return result


def _rows_expected(path: Path) -> int:
    """About how many rows a file holds, by its size: a row of an export takes a hundred bytes or more."""
    try:
        return path.stat().st_size // 100
    except (OSError, ValueError):
        return 0


def _valid_rows(
    records: Records,
    checker: RowChecker,
    result: ImportResult,
    rejects: _RejectsWriter | None,
    progress: Callable[[int], None] | None,
) -> Iterator[tuple]:
    """The rows that pass their checks, streamed; the others are counted and kept aside with their reason. A chunk
    of records is checked a column at a time; one that holds a record needing more is checked record by record."""
    check = checker.check
    rows = 0  # a local, not result.rows: this loop runs once per row of the file
    numbered = iter(records)
    try:
        while chunk := list(islice(numbered, _CHUNK)):
            rows += len(chunk)
            if progress is not None:
                progress(records.progress())
            checked = checker.check_many([fields for _, fields in chunk])
            if checked is not None:
                yield from checked
                continue
            for line, fields in chunk:
                try:
                    row = check(fields)
                except Reject as exc:
                    result.rejects.append((line, str(exc)))
                    if rejects:
                        rejects.add(line, str(exc), fields)
                    continue
                yield row
    finally:
        result.rows = rows
        result.unknown_stations = checker.unknown_stations


_CHUNK = 512  # records checked together: a few hundred kB, whatever the file


def _looks_like_row(positions: dict[str, int], cells: list[str]) -> bool:
    """Whether one line's cells make a row of the export: every required column there, an id and a real time."""
    if len(cells) <= max(positions[column] for column in _REQUIRED):
        return False
    try:
        normalize_time(cells[positions["time"]])
    except ValueError:
        return False
    return bool(cells[positions["id"]].strip())


def default_rejects_path(path: Path) -> Path:
    """``2026-11-24-预警.csv`` → ``2026-11-24-预警.rejects.csv``, beside the input."""
    return path.with_name(f"{path.stem}.rejects.csv")


class _RejectsWriter:
    """The rejected records with their line and reason, as UTF-8 with BOM so that Excel shows the Chinese.

    A private file (``files.safe.private_file``: mode 600, moved into place at the end, removed on any failure), since
    it holds whole rows with phones and ID numbers, and formula-safe, since it is made to be opened in Excel;
    nothing is written when nothing is rejected.
    """

    def __init__(self, path: Path, header: list[str]):
        self.path = path
        self.header = header
        self._file: ExitStack | None = None
        self._writer = None

    def add(self, line: int, reason: str, fields: list[str]) -> None:
        if self._writer is None:
            import csv

            self._file = ExitStack()
            handle = self._file.enter_context(private_file(self.path, encoding="utf-8-sig", newline=""))
            self._writer = csv.writer(handle)
            self._writer.writerow(["行号 line", "原因 reason", *map(inert, self.header)])
        if len(fields) == len(self.header) + 1 and not fields[-1]:
            fields = fields[:-1]  # the empty cell the checker appended for an optional column the file lacks
        self._writer.writerow([line, inert(reason), *map(inert, fields)])

    def close(self) -> str | None:
        if self._file is None:
            return None
        self._file.close()
        return str(self.path)

    def discard(self) -> None:
        if self._file is not None:
            self._file.__exit__(_Discarded, _Discarded(), None)


class _Discarded(Exception):
    """Thrown into the rejects file's block so that it removes the file instead of moving it into place."""
