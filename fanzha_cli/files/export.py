"""`fanzha export`: the dispositions of a day (or range), one row per warning, as CSV or an Excel workbook.

Phone numbers are masked. No cell can become a live formula: in CSV a value that a spreadsheet would read as one
(starting with = + - @, a tab or a carriage return) gets a leading apostrophe; in a workbook every text cell is
written as text, never as a formula.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from fanzha_cli.domain.model import EXPORT_ROW
from fanzha_cli.domain.money import mask_account
from fanzha_cli.domain.values import mask_phone
from fanzha_cli.domain.vocab import OUTCOME_ZH, RISK_LABELS_ZH, STATUS_LABELS_ZH, VISIT_ZH
from fanzha_cli.files.safe import FORMULA_START, inert, private_file
from fanzha_cli.output import visible

if TYPE_CHECKING:  # for the type only: the engine is chosen by storage.open_store
    from fanzha_cli.storage.protocol import Store

HEADERS = (
    "预警编号",
    "预警时间",
    "风险等级",
    "诈骗类型",
    "姓名",
    "手机号",
    "辖区派出所",
    "状态",
    "呼叫次数",
    "首次呼叫时间",
    "最后呼叫结果",
    "是否移交",
    "移交派出所",
    "移交时间",
    "上门次数",
    "上门结果",
    "办结时间",
    "止付笔数",
    "止付金额(元)",
    "挽损金额(元)",
    "止付账户",
)


TIME_COLUMNS = {"预警时间", "首次呼叫时间", "移交时间", "办结时间"}


def yuan_decimal(fen: int | None) -> Decimal | None:
    """Yuan from fen, exactly: a number cell in a workbook, ``450000.00`` in CSV; never a float."""
    return None if fen is None else Decimal(fen).scaleb(-2)


def rows(store: Store, first: date, last: date, *, by: str = "warning") -> list[tuple]:
    """The export's records: the warnings whose own time is in the days (``by="warning"``), or those acted on in
    them (``by="action"``, DISPOSITIONS), each with its whole disposition as it stands now."""
    start, end = f"{first} 00:00:00", f"{last + timedelta(days=1)} 00:00:00"
    found = store.acted_on_export_rows(start, end) if by == "action" else store.export_rows(start, end)
    columns = zip(*found, strict=True)  # a row of acted_on_export_rows ends with its actions, left out here
    return _records(dict(zip(EXPORT_ROW, columns, strict=False)), store) if found else []


def _records(column: dict[str, tuple], store: Store) -> list[tuple]:
    """The records, in HEADERS' order, made a column at a time (a city's day is tens of thousands of warnings: the
    columns are mapped by C calls, not a function called per warning). Times stay text; the workbook makes dates."""
    requested = [warning for warning, pays in zip(column["id"], column["stop_pays"], strict=True) if pays]
    accounts = {
        warning: "; ".join(mask_account(account) for account in its) or None
        for warning, its in store.stop_payment_accounts(requested).items()
    }
    return list(
        zip(
            column["id"],
            column["time"],
            map(RISK_LABELS_ZH.__getitem__, column["risk_level"]),
            column["fraud_type"],
            column["name"],
            map(mask_phone, column["phone"]),
            column["station"],
            map(STATUS_LABELS_ZH.__getitem__, column["status"]),
            column["calls"],
            column["first_call_at"],
            map(OUTCOME_ZH.get, column["last_outcome"]),
            ["是" if at else "否" for at in column["escalated_at"]],
            column["escalated_to"],
            column["escalated_at"],
            column["visit_count"],
            map(VISIT_ZH.get, column["visit_result"]),
            column["closed_at"],
            column["stop_pays"],
            [None if fen is None else yuan_decimal(fen) for fen in column["stop_fen"]],
            [None if fen is None else yuan_decimal(fen) for fen in column["kept_fen"]],
            map(accounts.get, column["id"]),
            strict=True,
        )
    )


def write_csv(records: list[tuple], target, *, bom: bool) -> None:
    import csv
    import io

    if bom:
        target.write("\ufeff")
    csv.writer(target, lineterminator="\r\n").writerow(HEADERS)
    for start in range(0, len(records), _CHUNK):
        chunk = records[start : start + _CHUNK]
        written = io.StringIO()
        csv.writer(written, lineterminator="\r\n").writerows(chunk)
        text = written.getvalue()
        if not _plain(text, len(chunk)):
            written = io.StringIO()
            careful = ([_csv_cell(value) for value in record] for record in chunk)
            csv.writer(written, lineterminator="\r\n").writerows(careful)
            text = written.getvalue()
        target.write(text)


_CHUNK = 2000  # records written and checked at a time: a few hundred kB, whatever the range

# A cell that starts like a formula begins, as the csv module writes it, after a comma or a line break, and after
# the quote that opens a quoted cell. (Such a text inside a quoted cell is found too; that costs only the careful
# path, never a wrong cell.) The control characters a formula may start with are found by isprintable.
_FORMULA_TEXT = "".join(char for char in FORMULA_START if char.isprintable())


def _plain(text: str, records: int) -> bool:
    """Whether ``records`` records written as ``text`` can go out as they are: no cell holds a control character
    or a line break (the only CRLFs are the records' own ends) and none starts like a formula. A few C passes over
    the whole text, not a check per cell: a city's day is tens of thousands of records. With each record's end made
    a comma, every cell but the first follows a comma; and a pair is looked for only when its formula character is
    in the text at all, since a search for one character is far quicker than for two."""
    cells = text.replace("\r\n", ",")
    if len(text) - len(cells) != records or not cells.isprintable():
        return False
    if cells.lstrip('"').startswith(FORMULA_START):
        return False
    befores = (",", ',"') if '"' in cells else (",",)
    return not any(before + char in cells for char in _FORMULA_TEXT if char in cells for before in befores)


def _csv_cell(value):
    """A cell of a record that is not plain: a text's controls shown and a formula made inert."""
    if isinstance(value, str):
        return inert(visible(value))
    return value


def write_workbook(records: list[tuple], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "处置情况"
    headers = HEADERS
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for record in records:
        sheet.append([_cell_value(header, value) for header, value in zip(headers, record, strict=True)])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # text, even if it starts with '=': never a formula
    for index, header in enumerate(headers, start=1):
        widest = max([_display_width(header), *(_display_width(_shown(record[index - 1])) for record in records)])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, widest + 2)
    import io

    content = io.BytesIO()  # whole in memory first: a full disk then fails one write, not openpyxl's zip midway
    book.save(content)
    with private_file(path, "wb") as handle:
        handle.write(content.getbuffer())


def _cell_value(header: str, value):
    if header in TIME_COLUMNS and value:
        return datetime.fromisoformat(value)
    return _text(value)


def _text(value):
    """A text cell with its control characters shown, not kept: an escape sequence in a name must not reach a
    terminal that shows the CSV (a workbook refuses them outright)."""
    return visible(value) if isinstance(value, str) else value


def _shown(value) -> str:
    return "" if value is None else str(value)


def _display_width(text: str) -> int:
    """Columns a text takes on screen: a Chinese character takes two."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)
