"""`fanzha db`: the database itself — which engine, where, the schema's version and what it holds (SPEC §8)."""

import typer

from fanzha_cli.cli.app import AsJson, app, reported
from fanzha_cli.output import out

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
        import json

        out(json.dumps(described, ensure_ascii=False, indent=2))
        return
    out(f"engine  {described['engine']}\nwhere   {described['where']}\nschema  {described['schema']}")
    for table, rows in described["counts"].items():
        out(f"{table:<14}{rows:>12,}")
