"""The morning import (`fanzha import`): the platform's exports in, counts and rejects for the officer, or JSON."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fanzha_cli import output
from fanzha_cli.cli.application import app, reported
from fanzha_cli.domain.errors import FanzhaError, shown_file
from fanzha_cli.output import counted, err, out

if TYPE_CHECKING:  # the importer is loaded by the import only, not by every command's start
    from fanzha_cli.files.importer import ImportResult

SHOWN_REJECTS = 20
PROGRESS_FROM_BYTES = 2 << 20


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
    from fanzha_cli.files.importer import StrictImportRefused

    with reported():
        # each file in turn (one failing does not stop the rest); the exit code is the worst of them
        if rejects is not None and len(files) > 1:
            raise FanzhaError("--rejects names one file, so it takes one input file at a time")
        store = ctx.obj.open_store(create=True)
        results, code = [], 0
        for path in files:
            try:
                result = _import_one(store, ctx.obj.officer, path, dry_run, strict, rejects, quiet=as_json)
            except StrictImportRefused as exc:
                err(f"fanzha: {exc}", "bold red")
                _report_rejects(exc.result)
                code = 2
                continue
            except FanzhaError as exc:
                err(f"fanzha: {exc}", "bold red")
                code = 2
                continue
            results.append(result)
            code = max(code, 1 if result.rejected else 0)
            if not as_json:
                _report(result)
        if as_json and results:
            from fanzha_cli.cli.schemas import ImportReport, dump

            reports = [result.to_json() for result in results]
            out(dump(ImportReport, reports[0]) if len(files) == 1 else dump(list[ImportReport], reports))
    raise typer.Exit(code)


def _import_one(store, officer: str, path: Path, dry_run, strict, rejects, quiet: bool) -> "ImportResult":
    from fanzha_cli.files.importer import import_file

    size = path.stat().st_size if path.is_file() else 0
    if quiet or size < PROGRESS_FROM_BYTES or not output.is_terminal(sys.stderr):
        return import_file(store, path, officer=officer, dry_run=dry_run, strict=strict, rejects_path=rejects)
    from rich.progress import BarColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    columns = ("{task.description}", BarColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        from rich.markup import escape

        from fanzha_cli.output import visible

        task = bar.add_task(escape(visible(path.name)), total=size)  # a file's name is text, never markup
        return import_file(
            store,
            path,
            officer=officer,
            dry_run=dry_run,
            strict=strict,
            rejects_path=rejects,
            progress=lambda done: bar.update(task, completed=done),
        )


def _report(result: "ImportResult") -> None:
    prefix = "(dry run, nothing stored) " if result.dry_run else ""
    line = (
        f"{prefix}{shown_file(result.file)}: {counted(result.rows, 'row')} — {result.new} new, "
        f"{result.duplicate} duplicate, {result.rejected} rejected"
    )
    out(line, "bold yellow" if result.rejected else "bold green")
    _report_rejects(result)
    if result.unknown_stations and result.new:  # duplicates were not stored: nothing to say about their stations
        names = ", ".join(f"{name} ({count})" for name, count in result.unknown_stations.most_common())
        err(
            f"note: station not in the list, kept as written: {names}."
            " Check the name, or add it with `fanzha stations add`.",
            "yellow",
        )
    if result.earlier_imports and not result.dry_run:
        first = result.earlier_imports[0]
        err(f"note: this same file was imported before ({first['imported_at']}, as {first['file']}).", "yellow")


def _report_rejects(result: "ImportResult") -> None:
    for line, reason in result.rejects[:SHOWN_REJECTS]:
        out(f"  line {line}: {reason}", "yellow")
    if len(result.rejects) > SHOWN_REJECTS:
        out(f"  … and {len(result.rejects) - SHOWN_REJECTS} more")
    if result.rejects_path:
        out(f"  rejected rows written to {result.rejects_path}")
