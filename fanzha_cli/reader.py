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

from fanzha_cli.errors import ImportFileError
from fanzha_cli.values import ExcelNumber

SAMPLE_BYTES = 1 << 16
MAX_FIELD_CHARS = 1 << 20  # past this, a field is an unclosed quote swallowing the file, not data

_BINARY_KINDS = (
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook: save it as .xlsx or as CSV"),
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
                    _refuse_swallowed_rows(name, record, delimiter, len(records.header), start)
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


def _refuse_swallowed_rows(name: str, record: list[str], delimiter: str, width: int, line: int) -> None:
    """A record over several lines is fine (a clue with line breaks) unless a cell holds what look like whole rows:
    then a quote was left open, and the rows after it would silently become one cell."""
    enough = max(2, width // 2)
    for cell in record:
        if "\n" in cell or "\r" in cell:
            for part in cell.splitlines()[1:]:
                if part.count(delimiter) >= enough:
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


def _open_workbook(path: Path) -> Records:
    import zipfile

    from openpyxl import load_workbook

    name = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(name, f"is not an Excel .xlsx workbook this tool can read ({exc})") from None
    if not book.worksheets:
        book.close()
        raise ImportFileError(name, "the workbook has no sheet")
    cells = enumerate(book.worksheets[0].iter_rows(), start=1)
    header, header_line = [], 0
    for number, values in cells:
        fields = [_cell_text(cell) for cell in values]
        if any(fields):
            header, header_line = fields, number
            break
    if not header:
        book.close()
        raise ImportFileError(name, "the workbook's first sheet is empty")
    records = Records(name, header, header_line, iter(()))

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in cells:
                fields = [_cell_text(cell) for cell in values]
                if any(fields):
                    yield number, fields
        finally:
            book.close()
        records.sha256 = _file_sha256(path)
        records.bytes_read = path.stat().st_size

    records._rows = rows()
    records._close = book.close
    return records


def _cell_text(cell) -> str:
    """A cell as the text a CSV export would hold: whole numbers without '.0', times in the stored form, and a
    date formatted without a time of day as a date (which the time check then refuses, as it would in a CSV)."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0) and "h" not in str(getattr(cell, "number_format", "")).lower():
            return value.date().isoformat()
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
