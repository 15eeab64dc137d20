"""Reading an export as a stream of records: CSV/TSV in UTF-8, GB18030 or UTF-16, or an Excel workbook.

The encoding and the delimiter are found from the file itself. Nothing here holds the whole file: records are
yielded one by one, and the file's SHA-256 is computed as its bytes go by.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path

from fanzha_cli.domain.errors import ImportFileError
from fanzha_cli.domain.values import ExcelNumber

SAMPLE_BYTES = 1 << 16
MAX_FIELD_CHARS = 1 << 20  # past this, a field is an unclosed quote swallowing the file, not data

_BINARY_KINDS = (
    (b"\x1f\x8b", "a gzip-compressed file: unpack it first"),
    (b"BZh", "a bzip2-compressed file: unpack it first"),
    (b"%PDF", "a PDF document, not an export"),
)


class Records:
    """An opened export: its header, then its data records as ``(line, fields)``, blank records skipped."""

    def __init__(self, name: str, header: list[str], header_line: int, rows: Iterator[tuple[int, list[str]]]):
        self.name = name
        self.header = header
        self.header_line = header_line
        self._rows = rows
        self.sha256 = ""  # known once the records have all been read
        self.bytes_read = 0
        self.progress: Callable[[], int] = lambda: self.bytes_read
        # Whether the cells of one line make a row of this export: set by the importer, which knows the columns;
        # used to tell a clue over several lines from an unclosed quote swallowing the rows after it.
        self.looks_like_row: Callable[[list[str]], bool] | None = None

        self._close: Callable[[], None] = lambda: None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self._rows

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc_info) -> None:
        self._close()


def open_records(path: Path) -> Records:
    """Open an export, by its content more than its name; raises ``ImportFileError`` for what cannot be read."""
    name = str(path)
    try:
        with open(path, "rb") as probe:
            sample = probe.read(SAMPLE_BYTES)
    except IsADirectoryError:
        raise ImportFileError(name, "is a directory, not a file") from None
    except FileNotFoundError:
        raise ImportFileError(name, "no such file") from None
    except OSError as exc:
        raise ImportFileError(name, f"cannot be read: {exc.strerror or exc}") from None
    if not sample.strip():
        raise ImportFileError(name, "the file is empty")
    if sample.startswith(b"\xd0\xcf\x11\xe0"):  # OLE: an old .xls, or an .xlsx locked with a password
        raise ImportFileError(name, f"this is {_ole_kind(path)}")
    for magic, what in _BINARY_KINDS:
        if sample.startswith(magic):
            raise ImportFileError(name, f"this is {what}")
    if sample.startswith(b"PK\x03\x04") or path.suffix.lower() in (".xlsx", ".xlsm"):
        return _open_workbook(path)
    return _open_text(path, sample)


# --- text -----------------------------------------------------------------------------------------------------


def _detect_encoding(name: str, sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text" export
    if b"\x00" in sample:
        line = sample.count(b"\n", 0, sample.index(b"\x00")) + 1
        raise ImportFileError(name, "contains NUL bytes: a binary or damaged file, not a text export", line)
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(name, "is neither UTF-8 nor GBK/GB18030 text: not a CSV export")


def _detect_delimiter(path: Path, text: str) -> str:
    """Tab for .tsv/.txt, comma otherwise, unless the header line plainly says the other."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    tabs, commas = first.count("\t"), first.count(",")
    if tabs > commas:
        return "\t"
    if commas > tabs:
        return ","
    return "\t" if path.suffix.lower() in (".tsv", ".txt", ".tab") else ","


class _CheckedReader(io.RawIOBase):
    """Raw bytes that refuse NUL bytes on the way (csv would take them as data)."""

    def __init__(self, raw, name: str, check_nul: bool):
        self._raw = raw
        self._name = name
        self._check_nul = check_nul
        self.bytes_read = 0
        self._newlines = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._raw.readinto(buffer)
        if count:
            chunk = bytes(memoryview(buffer)[:count])
            self.bytes_read += count
            if self._check_nul:
                nul = chunk.find(b"\x00")
                if nul >= 0:
                    line = self._newlines + chunk.count(b"\n", 0, nul) + 1
                    raise ImportFileError(self._name, "contains a NUL byte: a damaged file, not a text export", line)
                self._newlines += chunk.count(b"\n")
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


def _open_text(path: Path, sample: bytes) -> Records:
    import csv

    name = str(path)
    encoding = _detect_encoding(name, sample)
    head = sample.decode(encoding, errors="ignore")
    delimiter = _detect_delimiter(path, head)
    digest = _Digest(path)  # on another core while this one parses
    raw = _CheckedReader(open(path, "rb"), name, check_nul=encoding != "utf-16")  # noqa: SIM115 (closed by Records)
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding=encoding, newline="")
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    records = Records(name, [], 0, iter(()))

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = records.header_line
        try:
            for record in reader:
                # A record starts on the line after the previous one ended (quoted fields may span lines).
                start, line = line + 1, reader.line_num
                if line > start:
                    _refuse_swallowed_rows(name, record, delimiter, records, start)
                if record and (record[0] or "".join(record).strip()):
                    yield start, record
            records.sha256 = digest.result()
        except UnicodeDecodeError:
            reason = f"is not valid {encoding} text after line {reader.line_num} (a file of mixed encodings?)"
            raise ImportFileError(name, reason) from None
        except csv.Error as exc:
            raise ImportFileError(name, _csv_reason(exc), reader.line_num + 1) from None
        finally:
            records.bytes_read = raw.bytes_read
            text.close()

    try:
        records.header, records.header_line = _first_record(reader, name, encoding)
    except BaseException:
        text.close()
        raise
    records._rows = rows()
    records.progress = lambda: raw.bytes_read
    records._close = text.close
    return records


def _refuse_swallowed_rows(name: str, record: list[str], delimiter: str, records: Records, line: int) -> None:
    """A record over several lines is fine (a clue with line breaks, even with commas in it) unless a cell holds
    what look like whole rows: then a quote was left open, and the rows after it would silently become one cell.

    A line looks like a row when the importer says so (an id and a time where the header puts them), else when it
    has a cell for every column."""
    import csv

    looks_like_row = records.looks_like_row or (lambda cells: len(cells) >= max(3, len(records.header)))
    for cell in record:
        if "\n" in cell or "\r" in cell:
            for part in cell.splitlines()[1:]:
                if delimiter in part and looks_like_row(next(csv.reader([part], delimiter=delimiter))):
                    reason = "a quote opened in this record is not closed where it should be"
                    raise ImportFileError(name, f"{reason}; the rows after it would be lost", line)


def _csv_reason(exc: Exception) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return "a field runs on for more than 1 MB: an unclosed quote?"
    return f"cannot be read as CSV ({message})"


def _first_record(reader, name: str, encoding: str) -> tuple[list[str], int]:
    import csv

    try:
        for record in reader:
            if any(field.strip() for field in record):
                return [field.strip() for field in record], reader.line_num
    except UnicodeDecodeError:
        raise ImportFileError(name, f"is not valid {encoding} text") from None
    except csv.Error as exc:
        raise ImportFileError(name, _csv_reason(exc), reader.line_num + 1) from None
    raise ImportFileError(name, "has no header line: the file is empty")


# --- workbooks ------------------------------------------------------------------------------------------------

_WORKBOOK_BATCH = 512  # rows parsed at a time under the warnings filter and the error translation


def _open_workbook(path: Path) -> Records:
    """The first worksheet of an .xlsx workbook, streamed by openpyxl's read-only parser.

    Every row in the sheet is read, whatever its ``<dimension>`` claims, under the sheet's own row numbers. A damaged
    workbook is refused with one line saying what is wrong with it, whether the damage shows when the file is opened
    or only rows later (a bad checksum is found at the end of the sheet); a sheet whose rows or cells are out of
    order or repeated is refused rather than read with rows lost or mixed.
    """
    name = str(path)
    try:
        # A file object, not the name: openpyxl refuses a name it does not know (an .xlsx named .csv).
        handle = open(path, "rb")  # noqa: SIM115 (closed by _Workbook.close)
    except OSError as exc:
        raise ImportFileError(name, f"cannot be read: {exc.strerror or exc}") from None
    book = _Workbook(name, handle)
    try:
        header_line, header = book.open()
    except BaseException:
        book.close()
        raise
    records = Records(name, header, header_line, iter(()))

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from book.rows()
        finally:
            book.close()
        records.sha256 = _file_sha256(path)
        records.bytes_read = path.stat().st_size

    records._rows = rows()
    records.progress = lambda: records.bytes_read or book.position()
    records._close = book.close
    return records


class _Workbook:
    """An opened workbook's first worksheet, as ``(row number, fields)``, the header row first.

    openpyxl runs only inside ``_guard``: its warnings are silenced there (they would reach the officer's terminal)
    and whatever it raises becomes an ``ImportFileError``. The rows are parsed a batch at a time, so the guard is not
    left on while the caller holds a row.
    """

    def __init__(self, name: str, handle):
        self.name = name
        self._handle = handle
        self._archive = None
        self._rows: Iterator[tuple[int, list[str]]] | None = None
        self.part: str | None = None  # the part of the zip read last, for the messages
        self.row = 0  # the sheet's last row read

    def open(self) -> tuple[int, list[str]]:
        with self._guard():
            from openpyxl.reader.excel import ExcelReader

            reader = ExcelReader(self._handle, read_only=True, data_only=True, keep_links=False)
            self._archive = reader.archive
            self._track_parts(reader.archive)
            reader.read()
            self._rows = self._sheet_rows(reader.wb, self._first_worksheet(reader))
            header = next(self._rows, None)
        if header is None:
            raise ImportFileError(self.name, "the workbook's first sheet is empty")
        return header

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        from itertools import islice

        while True:
            with self._guard():
                batch = list(islice(self._rows, _WORKBOOK_BATCH))
            if not batch:
                return
            yield from batch

    def position(self) -> int:
        """How far into the file the reading has gone (the sheet is most of it), for the progress bar."""
        return 0 if self._handle.closed else self._handle.tell()

    def close(self) -> None:
        try:
            if self._rows is not None:
                self._rows.close()  # the sheet part's stream
            if self._archive is not None:
                self._archive.close()
        finally:
            self._handle.close()

    def _first_worksheet(self, reader):
        """The first sheet that holds cells, as openpyxl reads it; refused if its part is missing from the zip
        (openpyxl would skip it and give the next sheet instead)."""
        for sheet, rel in reader.parser.find_sheets():
            if "chartsheet" in rel.Type:
                continue
            if rel.target not in reader.valid_files:
                reason = f"is a damaged workbook: its sheet {sheet.name!r} ({rel.target}) is missing from the file"
                raise ImportFileError(self.name, reason)
            return reader.wb[sheet.name]
        if reader.wb.chartsheets:
            raise ImportFileError(self.name, "the workbook holds only chart sheets: no sheet of rows to import")
        raise ImportFileError(self.name, "the workbook has no sheet")

    def _sheet_rows(self, book, sheet) -> Iterator[tuple[int, list[str]]]:
        """The sheet's rows with a cell that is not empty: the header row as wide as its last named column, then
        each row as wide as the header (cells past it are in columns without a name, which an import ignores).

        This reads the sheet's XML with openpyxl's parser rather than ``iter_rows``, which stops at the rows and
        columns the sheet's ``<dimension>`` claims and drops a row whose number is not above the one before.
        """
        from openpyxl.worksheet._reader import WorkSheetParser

        text = _CellText(sheet)
        with self._archive.open(sheet._worksheet_path) as source:
            parser = WorkSheetParser(
                source,
                sheet._shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            width = 0
            for number, cells in parser.parse():
                if number <= self.row:
                    self._refuse_row_order(number)
                self.row = number
                if not cells:
                    continue
                if width:
                    fields = self._fields(number, cells, width, text)
                    if any(fields):
                        yield number, fields
                    continue
                fields = self._fields(number, cells, cells[-1]["column"], text)
                while fields and not fields[-1]:
                    fields.pop()
                if fields:
                    width = len(fields)
                    yield number, fields

    def _fields(self, number: int, cells: list[dict], width: int, text: _CellText) -> list[str]:
        fields = [""] * width
        column = 0
        for cell in cells:
            if cell["column"] <= column or cell["row"] != number:
                self._refuse_cell_order(number, column, cell)
            column = cell["column"]
            value = cell["value"]
            if value is not None and column <= width:
                fields[column - 1] = value.strip() if value.__class__ is str else text(value, cell["style_id"])
        return fields

    def _refuse_row_order(self, number: int) -> None:
        if number < 1:
            what = f"it has a row numbered {number}"
        elif number == self.row:
            what = f"row {number} is in it twice"
        else:
            what = f"its rows are out of order (row {number} comes after row {self.row})"
        reason = f"is a damaged workbook: {what}, so rows would be lost or mixed; open it in Excel and save it again"
        raise ImportFileError(self.name, reason)

    def _refuse_cell_order(self, number: int, column: int, cell: dict) -> None:
        from openpyxl.utils import get_column_letter

        place = f"{get_column_letter(cell['column'])}{cell['row']}"
        if cell["row"] != number:
            what = f"cell {place} is written inside row {number}"
        elif cell["column"] == column:
            what = f"cell {place} is in it twice"
        else:
            what = f"the cells of row {number} are out of order ({place} after column {get_column_letter(column)})"
        reason = f"is a damaged workbook: {what}, so cells would be lost or mixed; open it in Excel and save it again"
        raise ImportFileError(self.name, reason)

    def _track_parts(self, archive) -> None:
        """Note each part of the zip as openpyxl opens it (``ZipFile.read`` opens through ``open`` too)."""
        opener = archive.open

        def open_part(member, *args, **kwargs):
            self.part = getattr(member, "filename", member)
            return opener(member, *args, **kwargs)

        archive.open = open_part

    def _guard(self) -> _Guard:
        return _Guard(self)

    def _damage(self, exc: Exception) -> ImportFileError:
        """What is wrong with the file, from what openpyxl, zipfile, zlib or the XML parser raised."""
        import zipfile
        import zlib

        if isinstance(exc, ValueError) and isinstance(exc.__cause__, Exception):
            exc = exc.__cause__  # openpyxl's "Unable to read workbook: could not read stylesheet ..." around the cause
        detail = " ".join(str(exc).split())
        if len(detail) > 160:
            detail = detail[:157] + "..."
        part = self.part
        after = f" after row {self.row}" if self.row else ""
        if part is None:  # the zip itself
            if isinstance(exc, zipfile.BadZipFile):
                reason = f"is not a readable .xlsx workbook: it is not a complete zip archive ({detail})"
            elif isinstance(exc, OSError):
                reason = f"cannot be read: {exc.strerror or detail}"
            else:
                reason = f"is not a readable .xlsx workbook ({type(exc).__name__}: {detail})"
        elif isinstance(exc, zipfile.BadZipFile) and "CRC" in detail:
            reason = f"is damaged: its part {part} fails its checksum (the file was changed or cut short after saving)"
        elif isinstance(exc, zipfile.BadZipFile):
            reason = f"is damaged: its part {part} cannot be read from the zip archive ({detail})"
        elif isinstance(exc, (zlib.error, EOFError)):
            reason = f"is damaged: its part {part} cannot be unpacked{after} ({detail})"
        elif isinstance(exc, SyntaxError):  # xml.etree's ParseError, lxml's XMLSyntaxError
            reason = f"is damaged: its part {part} is not well-formed XML{after} ({detail})"
        elif isinstance(exc, KeyError) and "There is no item named" in detail:
            names = self._archive.namelist() if self._archive is not None else []
            if not names:
                reason = "is an empty zip archive, not an Excel workbook"
            elif part == "[Content_Types].xml":
                reason = "is a zip archive but not an Excel .xlsx workbook (it has no [Content_Types].xml)"
            else:
                reason = f"is a damaged workbook: its part {part} is missing from the file"
        elif isinstance(exc, OSError) and "no valid workbook part" in detail:
            reason = "is a zip archive but not an Excel .xlsx workbook (it holds no workbook part)"
        elif isinstance(exc, OSError) and exc.errno is not None:
            reason = f"cannot be read: {exc.strerror or detail}"
        else:
            reason = f"cannot be read as an Excel workbook: its part {part}{after} holds what this tool cannot read"
            reason += f" ({type(exc).__name__}: {detail})"
        return ImportFileError(self.name, reason)


class _Guard:
    """Around each call into openpyxl: its warnings silenced, whatever it raises made an ``ImportFileError``."""

    def __init__(self, book: _Workbook):
        import warnings

        self._book = book
        self._warnings = warnings.catch_warnings()

    def __enter__(self) -> None:
        import warnings

        self._warnings.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, kind, exc, traceback) -> bool:
        self._warnings.__exit__(kind, exc, traceback)
        if isinstance(exc, Exception) and not isinstance(exc, ImportFileError):
            raise self._book._damage(exc) from None
        return False


class _CellText:
    """A cell's value as text (``_cell_text``), with the number format of date cells looked up once per style."""

    def __init__(self, sheet):
        self._sheet = sheet
        self._formats: dict[int, str] = {}

    def __call__(self, value, style_id: int) -> str:
        if value.__class__ is not datetime:
            return _cell_text(value)
        number_format = self._formats.get(style_id)
        if number_format is None:
            from openpyxl.cell.read_only import ReadOnlyCell

            cell = ReadOnlyCell(self._sheet, 0, 0, None, "n", style_id)
            number_format = self._formats[style_id] = str(cell.number_format)
        return _cell_text(value, number_format)


def _cell_text(value, number_format: str = "") -> str:
    """A cell's value as the text a CSV export would hold: whole numbers without '.0', times in the stored form, and
    a date formatted without a time of day as a date (which the time check then refuses, as it would in a CSV)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0) and "h" not in number_format.lower():
            return value.date().isoformat()
        if value.tzinfo is not None:  # a cell of type "d" with its zone: the time check makes it local
            return value.isoformat(sep=" ")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return ExcelNumber(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return ExcelNumber(value)
    return str(value).strip()


def _ole_kind(path: Path) -> str:
    """What an OLE compound file (D0 CF 11 E0...) is, from the names of its streams: an old .xls workbook, or an
    .xlsx workbook locked with a password, which Excel wraps in the same format."""
    found = _find_stream_names(path, ("EncryptedPackage", "Workbook", "Book"))
    if "EncryptedPackage" in found:
        return (
            "a password-protected (encrypted) Excel workbook: remove the password in Excel or WPS"
            " (File > Info > Protect Workbook), save it and import it again"
        )
    if found:
        return "an old Excel .xls workbook: save it as .xlsx or as CSV"
    return "an old Microsoft Office file (OLE compound document), not an export: save it as .xlsx or as CSV"


def _find_stream_names(path: Path, names: tuple[str, ...]) -> set[str]:
    """Which of these stream names are in the file, as an OLE directory entry spells them (UTF-16LE, NUL-ended)."""
    patterns = {name: name.encode("utf-16-le") + b"\x00\x00" for name in names}
    overlap = max(map(len, patterns.values()))
    found: set[str] = set()
    tail = b""
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                window = tail + chunk
                found.update(name for name, pattern in patterns.items() if pattern in window)
                tail = window[-overlap:]
    except OSError:
        pass
    return found


class _Digest:
    """A file's SHA-256, computed by a thread: hashlib lets go of the GIL while it hashes, so the parsing thread
    does not wait for it."""

    def __init__(self, path: Path):
        import threading

        self._value = ""
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        self._value = _file_sha256(path)

    def result(self) -> str:
        self._thread.join()
        return self._value


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
