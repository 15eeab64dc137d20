"""Presentation of ``fanzha export``."""

from __future__ import annotations

import sys
from pathlib import Path

from fanzha_cli.commands.summary import choose_days
from fanzha_cli.domain.desk import Desk, read_word
from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.vocab import EXPORT_BY_WORDS
from fanzha_cli.files.export import rows, write_csv, write_workbook
from fanzha_cli.files.safe import private_file
from fanzha_cli.output import counted, err


def run_export(session, *, day, start, end, output: Path | None, by: str = "warning") -> None:
    by = read_word("--by", EXPORT_BY_WORDS, by)
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        raise FanzhaError(f"-o {output}: export writes .csv or .xlsx files")
    desk = Desk(session.open_store(), session.officer)
    first, last = choose_days(day, start, end, desk.now.date())
    records = rows(desk.store, first, last, by=by)
    if output is None:
        write_csv(records, sys.stdout, bom=True)  # so that `> day.csv` opens in Excel with its Chinese
        return
    if output.suffix.lower() == ".xlsx":
        write_workbook(records, output)
    else:
        with private_file(output, encoding="utf-8", newline="") as handle:
            write_csv(records, handle, bom=True)
    span = str(first) if first == last else f"{first} to {last}"
    if not records and by == "warning":
        err(f"no warnings of {span}: `--by action` exports the warnings worked on in it, whenever they came", "yellow")
    if by == "action":
        earlier = sum(1 for record in records if record[1] < f"{first} 00:00:00")  # 预警时间, before the first day
        acted = f"{counted(len(records), 'warning')} acted on {span} ({earlier} received before {first})"
        err(f"{acted} written to {output}")
    else:
        err(f"{counted(len(records), 'warning')} of {span} written to {output}")
