"""`fanzha db`: the database itself — which engine, where, the schema's version and what it holds (SPEC §8)."""

from typing import TYPE_CHECKING, Annotated

import typer

from fanzha_cli.cli.application import AsJson, app, reported
from fanzha_cli.domain.errors import DatabaseError, NoDatabase
from fanzha_cli.output import out, out_json

if TYPE_CHECKING:
    from fanzha_cli.storage.protocol import Store

db_app = typer.Typer(help="The database itself: engine, place, schema and counts.\n\nExample: fanzha db info")
app.add_typer(db_app, name="db")


@db_app.command("info")
def db_info(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Which engine, where (never a password), the schema's version and the rows of each table.

    Example: fanzha --db postgresql://desk@centre/fanzha db info
    """
    with reported():
        described = ctx.obj.open_store().describe()
    if as_json:
        out_json(described)
        return
    out(f"engine  {described['engine']}\nwhere   {described['where']}\nschema  {described['schema']}")
    for table, rows in described["counts"].items():
        out(f"{table:<14}{rows:>12,}")


def _source(source: str) -> "Store":
    """The store a copy reads: one that is not there is named as SRC, not as --db."""
    from fanzha_cli.storage import open_store

    try:
        return open_store(source)
    except NoDatabase as exc:
        raise DatabaseError(f"there is no database to copy at {exc.shown}{exc.why}: check SRC") from None


@db_app.command("copy")
def db_copy(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="Where the history is: a file, or postgresql://…", metavar="SRC")],
    dest: Annotated[
        str, typer.Argument(help="Where it goes: a file (made if need be), or postgresql://…", metavar="DEST")
    ],
    merge: Annotated[
        bool, typer.Option("--merge", help="Into a database that holds warnings: add only what is missing.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Copy a whole history between a file and the centre's server, either way, and check it arrived.

    Example: fanzha db copy ~/.local/share/fanzha/fanzha.db postgresql://desk@centre/fanzha
    """
    from fanzha_cli.storage import open_store
    from fanzha_cli.storage.copying import copy

    with reported(), _source(source) as from_store, open_store(dest, create=True) as to_store:
        report = copy(from_store, to_store, merge=merge)
        where = to_store.where
    if as_json:
        out_json(report)
        return
    added = ", ".join(f"{rows:,} {table}" for table, rows in report["added"].items())
    out(f"copied into {where}: {added}")
    checksum = report["event_log_sha256"][:16]
    out(f"checked: every table's rows counted on both sides; the event log's SHA-256 {checksum}… matches")
