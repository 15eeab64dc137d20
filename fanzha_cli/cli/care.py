"""Data care (SPEC §10): `backup` and `restore` — a copy of everything while desks work, and putting one back —,
`audit`, the access log of what was shown in full, and `purge`, the person's data gone from old closed warnings."""

from pathlib import Path
from typing import Annotated

import typer

from fanzha_cli.cli.application import AsJson, app, reported
from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.output import out, out_json


@app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="A folder for the copies (default: backups/ beside the database), or a new file."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """A whole, consistent copy of the data while desks keep working, readable by you only; in a folder, the
    newest backup_keep (14) copies are kept.

    Example: fanzha backup /mnt/encrypted/fanzha-backups
    """
    import fanzha_cli.storage.backups as backups
    from fanzha_cli.domain import settings

    with reported():
        session = ctx.obj
        store = session.open_store()
        final, rotated = backups.target(path, session.db_path)
        backups.write(store.write_backup, final)
        keep = settings.load(store)["backup_keep"]
        gone = backups.rotate(final.parent, session.db_path, keep) if rotated else []
    if as_json:
        out_json({"backup": str(final), "bytes": final.stat().st_size, "removed": [str(old) for old in gone]})
        return
    out(f"backed up {store.where} to {final} ({final.stat().st_size:,} bytes)")
    if gone:
        out(f"  {len(gone)} older backup{'s' if len(gone) > 1 else ''} removed (backup_keep)")


@app.command("restore")
def restore(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A backup made by `fanzha backup`.")],
    as_json: AsJson = False,
) -> None:
    """Put a backup back in place of the data: checked whole first, and what it replaces kept as a backup.

    Example: fanzha restore ~/.local/share/fanzha/backups/fanzha-fanzha-20261126-180000.db
    """
    import fanzha_cli.storage.backups as backups

    with reported():
        session = ctx.obj
        store = session.open_store(create=True)
        described = store.describe()
        found = store.check_backup(path)
        kept = None
        if any(described["counts"].get(table) for table in ("batches", "warnings", "events")):
            kept, _ = backups.target(None, session.db_path, label="-replaced")
            backups.write(store.write_backup, kept)
        store.restore_backup(path)
        store.close()
        restored = session.open_store().describe()  # an older backup's schema brought up to date
    report = {"restored": str(path), "into": restored["where"], "schema_of_backup": found["schema"]}
    report |= {"counts": restored["counts"], "kept": kept and str(kept)}
    if as_json:
        out_json(report)
        return
    counts = ", ".join(f"{rows:,} {table}" for table, rows in restored["counts"].items())
    out(f"restored {path} into {restored['where']}: {counts}")
    out(f"  what it replaced is kept in {kept}" if kept else "  it replaced an empty database")


@app.command("audit")
def audit(
    ctx: typer.Context,
    officer: Annotated[str | None, typer.Option("--officer", help="Only what this officer was shown.")] = None,
    warning_id: Annotated[str | None, typer.Option("--warning", help="Only this warning's.", metavar="ID")] = None,
    first: Annotated[str | None, typer.Option("--from", help="From this day (YYYY-MM-DD).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="To this day, included.")] = None,
    as_json: AsJson = False,
) -> None:
    """The access log: each full phone, ID number or account number shown, by whom, when, which warning and field.

    Example: fanzha audit --warning WH202611240000008 --from 2026-11-24
    """
    from datetime import timedelta

    from fanzha_cli.cli.application import officer_name
    from fanzha_cli.domain.desk import Desk
    from fanzha_cli.domain.values import parse_day

    with reported():
        session = ctx.obj
        desk = Desk(session.open_store(), session.officer)
        today = desk.now.date()
        start = first and f"{parse_day(first, today)} 00:00:00"
        end = last and f"{parse_day(last, today) + timedelta(days=1)} 00:00:00"
        if start and end and start >= end:
            raise FanzhaError(f"--from {first} is after --to {last}")
        rows = desk.store.access_entries(
            officer=officer and officer_name(officer),
            warning_id=warning_id and desk.get(warning_id)["id"],
            start=start,
            end=end,
        )
    if as_json:
        out_json(rows)
        return
    if not rows:
        out("nothing shown in full matches")
        return
    for row in rows:
        out("\t".join((row["at"], row["officer"], row["warning_id"], row["field"], row["command"])))


@app.command("purge")
def purge(
    ctx: typer.Context,
    older_than: Annotated[
        str, typer.Option("--older-than", help="An age: 180d, 6m, 1y (天, 个月, 年); 30 days at least.", metavar="AGE")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go; change nothing.")] = False,
    as_json: AsJson = False,
) -> None:
    """Closed warnings older than AGE lose the person's data (name, phone, address, ID number, clue, notes, SMS,
    accounts); every figure of the totals stays, and a keyed hash of the phone, so a returning person is known.

    Example: fanzha purge --older-than 180d --dry-run
    """
    from fanzha_cli.domain import purge as purging
    from fanzha_cli.domain.desk import Desk

    with reported():
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        done = purging.purge(desk.store, older_than, desk.now, dry_run=dry_run)
    if as_json:
        out_json(done)
        return
    would = "would lose" if dry_run else "lost"
    out(
        f"{done['warnings']:,} closed warnings from before {done['before']} {would} the person's data"
        f" ({done['events']:,} events' notes and texts, {done['stop_payments']:,} stop-payments' accounts)"
        + ("; nothing was changed (--dry-run)" if dry_run else "; a keyed hash of each phone is kept")
    )
    if not dry_run and not done["compacted"]:
        out("  the file is not rewritten yet (desks at work held it): old values stay in free pages until a purge runs")
        out("  when the desks are idle (`fanzha purge` again, the same age)")
