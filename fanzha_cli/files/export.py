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


def _record(r: dict, accounts: list[str]) -> list:
    """One export row, in HEADERS' order, from a row of store.export_rows and its accounts. One expression, not a
    function per column: it runs once per warning of a city's day. Times stay text; the workbook makes dates."""
    return [
        r["id"],
        r["time"],
        RISK_LABELS_ZH[r["risk_level"]],
        r["fraud_type"],
        r["name"],
        mask_phone(r["phone"]),
        r["station"],
        STATUS_LABELS_ZH[r["status"]],
        r["calls"],
        r["first_call_at"],
        OUTCOME_ZH.get(r["last_outcome"]),
        "是" if r["escalated_at"] else "否",
        r["escalated_to"],
        r["escalated_at"],
        r["visit_count"],
        VISIT_ZH.get(r["visit_result"]),
        r["closed_at"],
        r["stop_pays"],
        yuan_decimal(r["stop_fen"]),
        yuan_decimal(r["kept_fen"]),
        "; ".join(mask_account(account) for account in accounts) or None,
    ]


TIME_COLUMNS = {"预警时间", "首次呼叫时间", "移交时间", "办结时间"}


def yuan_decimal(fen: int | None) -> Decimal | None:
    """Yuan from fen, exactly: a number cell in a workbook, ``450000.00`` in CSV; never a float."""
    return None if fen is None else Decimal(fen).scaleb(-2)


def rows(store: Store, first: date, last: date, *, by: str = "warning") -> list[list]:
    """The export's records: the warnings whose own time is in the days (``by="warning"``), or those acted on in
    them (``by="action"``, DISPOSITIONS), each with its whole disposition as it stands now."""
    start, end = f"{first} 00:00:00", f"{last + timedelta(days=1)} 00:00:00"
    found = store.acted_on_export_rows(start, end) if by == "action" else store.export_rows(start, end)
    accounts = store.stop_payment_accounts([row["id"] for row in found if row["stop_pays"]])
    return [_record(row, accounts.get(row["id"], ())) for row in found]


def write_csv(records: list[list], target, *, bom: bool) -> None:
    import csv

    if bom:
        target.write("\ufeff")
    writer = csv.writer(target, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(record if _plain(record) else [_csv_cell(value) for value in record] for record in records)


def _plain(record: list) -> bool:
    """Whether every text of a record is printable (no control, no line break: one C call for them all) and none
    starts like a formula: then the record goes out as it is (the csv module writes None as nothing)."""
    texts = [value for value in record if value.__class__ is str]
    return "".join(texts).isprintable() and not any(text.startswith(FORMULA_START) for text in texts)


def _csv_cell(value):
    """A cell of a record that is not plain: a text's controls shown and a formula made inert."""
    if isinstance(value, str):
        return inert(visible(value))
    return value


def write_workbook(records: list[list], path: Path) -> None:
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
