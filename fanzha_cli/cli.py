"""The ``fanzha`` command line: a thin layer that parses options, calls the library and reports.

Kept light on purpose (the officer runs some commands a hundred times a day): Rich, pydantic, sqlite-utils,
dateutil and openpyxl are imported inside the commands that need them, never here.
"""

import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fanzha_cli import __version__
from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.output import OutputLost, err

if TYPE_CHECKING:  # the store is imported when a command first needs the data, not to name a type
    from fanzha_cli.storage.protocol import Store

app = typer.Typer(
    name="fanzha",
    help="Desk tool of a district anti-telecom-fraud centre (反诈中心): import warnings, work them, report the day.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _usage_error_in_one_line(self, file=None) -> None:
    """Click's usage errors (an unknown option, a missing argument, a value out of range) as one line, like every
    other error of fanzha, with where to look for help."""
    where = self.ctx.command_path if self.ctx is not None else "fanzha"
    err(f"fanzha: {self.format_message()} (see `{where} --help`)")


typer._click.exceptions.UsageError.show = _usage_error_in_one_line  # typer is pinned below 0.29 (pyproject)


class Session:
    """What the global options chose: where the data is and who is at the desk. (The database's own settings,
    the desk's configuration, are domain.settings.)"""

    def __init__(self, db: str | None, officer: str | None):
        self.db_option = db
        self.officer_given = officer or os.environ.get("FANZHA_OFFICER") or _login_name()
        self.opened: list[Store] = []

    @property
    def officer(self) -> str:
        """The name on every event, one form per person: ``Alice``, ``alice `` and ``ａｌｉｃｅ`` are one officer."""
        given = self.officer_given
        if given.isascii() and given.isprintable():
            name = " ".join(given.split()).lower()
        else:
            from fanzha_cli.domain.values import normalize_officer

            name = normalize_officer(given)
        if not name:
            raise FanzhaError("the officer's name is empty: give --officer NAME or set FANZHA_OFFICER")
        return name

    @property
    def db_path(self) -> Path:
        from fanzha_cli.storage.location import resolve_db_path

        return resolve_db_path(self.db_option)

    def open_store(self, *, create: bool = False) -> "Store":
        """The data; only the commands that bring data in (import, stations, a setting) create it."""
        from fanzha_cli.storage import open_store

        store = open_store(self.db_path, create=create)
        self.opened.append(store)
        return store

    def close(self) -> None:
        """Close what the command opened, when it ends, however it ends (Click calls it as the context closes)."""
        while self.opened:
            self.opened.pop().close()


def _login_name() -> str:
    # getpass.getuser()'s own order of variables, without importing getpass and termios on every command
    for variable in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        if os.environ.get(variable):
            return os.environ[variable]
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "officer"


def _version(value: bool) -> None:
    if value:
        print(f"fanzha {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database file (else $FANZHA_DB, else the per-user data directory).", metavar="PATH"),
    ] = None,
    officer: Annotated[
        str | None, typer.Option("--officer", help="Your name (else $FANZHA_OFFICER, else the login name).")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = Session(db, officer)
    ctx.call_on_close(ctx.obj.close)


@contextmanager
def reported():
    """Turn the library's exceptions into one line on stderr and the exit code of SPEC §4."""
    try:
        yield
    except FanzhaError as exc:  # the store's own too: a database busy, unreachable, not a database, too new
        err(f"fanzha: {exc}", "bold red")
        raise typer.Exit(exc.exit_code) from None


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
    from fanzha_cli.commands.importing import run_import

    with reported():
        code = run_import(ctx.obj, files, dry_run=dry_run, strict=strict, rejects=rejects, as_json=as_json)
    raise typer.Exit(code)


stations_app = typer.Typer(
    help="The district's police stations and their contacts.\n\nExample: fanzha stations --json",
    no_args_is_help=False,
)
app.add_typer(stations_app, name="stations")


@stations_app.callback(invoke_without_command=True)
def stations_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the stations with their duty phone and WeChat group.

    Example: fanzha stations --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from fanzha_cli.commands.stations import show_stations

    with reported():
        show_stations(ctx.obj, as_json=as_json)


@stations_app.command("add")
def stations_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The station's name, e.g. 阳逻派出所 (or just 阳逻).")],
    phone: Annotated[str | None, typer.Option("--phone", help="Duty phone.")] = None,
    wechat: Annotated[str | None, typer.Option("--wechat", help="WeChat group name.")] = None,
) -> None:
    """Add a station, or change the contacts of one already listed.

    Example: fanzha stations add 阳逻派出所 --phone 027-0000-0102 --wechat 新洲反诈·阳逻所
    """
    from fanzha_cli.commands.stations import add_station

    with reported():
        add_station(ctx.obj, name, phone, wechat)


@stations_app.command("import")
def stations_import(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV with columns name, duty_phone, wechat_group (or 名称, 值班电话, 微信群).")
    ],
) -> None:
    """Add or update stations from a CSV file.

    Example: fanzha stations import data/stations.csv
    """
    from fanzha_cli.commands.stations import import_stations

    with reported():
        import_stations(ctx.obj, file)


# --- the desk ----------------------------------------------------------------------------------------------


def _completing(kind: str):
    def complete(incomplete: str) -> list[str]:
        from fanzha_cli.domain.vocab import COMPLETION_WORDS

        return [word for word in COMPLETION_WORDS[kind] if word.startswith(incomplete)]

    return complete


def _complete_station(ctx: typer.Context, incomplete: str) -> list[str]:
    """The listed stations (the database's, else the bundled list): completion must never fail or create."""
    try:
        names = Session(ctx.find_root().params.get("db"), None).open_store().station_names()
    except Exception:
        from fanzha_cli.files.stations import bundled_stations

        names = [station["name"] for station in bundled_stations()]
    return [name for name in names if name.startswith(incomplete)]


AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (keys in the README).")]
At = Annotated[
    str | None,
    typer.Option("--at", help="When it was done, if earlier: HH:MM today, or a full time.", metavar="TIME"),
]
Note = Annotated[str | None, typer.Option("--note", help="A note kept with the action.")]


def _at(at: str | None) -> str | None:
    """``--at`` to the stored form, checked here so that a typo is one clear line."""
    if at is None:
        return None
    from datetime import datetime

    from fanzha_cli.domain.values import parse_at

    try:
        return parse_at(at, datetime.now())
    except ValueError as exc:
        raise FanzhaError(f"--at: {exc}") from None


@app.command("next")
def next_(ctx: typer.Context, as_json: AsJson = False) -> None:
    """Take the most urgent due warning (or show again the one in hand): who to call, and what to say.

    Example: fanzha next
    """
    from fanzha_cli.commands.work import run_next

    with reported():
        run_next(ctx.obj, as_json=as_json)


@app.command("log")
def log(
    ctx: typer.Context,
    words: Annotated[
        list[str],
        typer.Argument(
            help="[ID] OUTCOME: reached/已接通, unreachable/未接通/打不通, distrustful/不信任.",
            metavar="[ID] OUTCOME",
            autocompletion=_completing("outcome"),
        ),
    ],
    note: Note = None,
    at: At = None,
) -> None:
    """Log the outcome of a call (the warning in hand, or the one named).

    Example: fanzha log unreachable
    """
    from fanzha_cli.commands.work import run_log
    from fanzha_cli.domain.vocab import OUTCOME_WORDS, word_key

    if len(words) > 2:
        err("fanzha: log takes [ID] OUTCOME, e.g. `fanzha log WH202611240000008 reached`", "bold red")
        raise typer.Exit(2)
    warning_id, outcome = (None, words[0]) if len(words) == 1 else words
    if warning_id is not None and word_key(OUTCOME_WORDS, warning_id) and not word_key(OUTCOME_WORDS, outcome):
        warning_id, outcome = outcome, warning_id  # `log reached WH…`: the same thing, said the other way round
    with reported():
        code = run_log(ctx.obj, outcome, warning_id, note, _at(at))
    raise typer.Exit(code)


@app.command("escalate")
def escalate(
    ctx: typer.Context,
    warning_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Default: the warning in hand.")] = None,
    station: Annotated[
        str | None,
        typer.Option("--station", help="Default: the warning's own station.", autocompletion=_complete_station),
    ] = None,
    via: Annotated[
        str | None,
        typer.Option(
            "--via",
            help="Channels used: platform,wechat,phone (平台,微信,电话). Default: all.",
            autocompletion=_completing("channel"),
        ),
    ] = None,
    note: Note = None,
    at: At = None,
) -> None:
    """Hand a warning to a police station for a door visit; a call in progress goes on.

    Example: fanzha escalate --via wechat,phone
    """
    from fanzha_cli.commands.work import run_escalate

    with reported():
        run_escalate(ctx.obj, warning_id, station, via, note, _at(at))


@app.command("visit")
def visit(
    ctx: typer.Context,
    warning_id: Annotated[str, typer.Argument(metavar="ID")],
    result: Annotated[
        str,
        typer.Argument(
            help="dissuaded/劝阻, not-found/未找到, moved/搬走 (with --to).", autocompletion=_completing("visit")
        ),
    ],
    to: Annotated[
        str | None,
        typer.Option("--to", help="With 'moved': the station that takes it over.", autocompletion=_complete_station),
    ] = None,
    note: Note = None,
    at: At = None,
) -> None:
    """Record a station's door-visit result.

    Example: fanzha visit WH202611240000008 dissuaded
    """
    from fanzha_cli.commands.work import run_visit

    with reported():
        run_visit(ctx.obj, warning_id, result, to, note, _at(at))


@app.command("release")
def release(
    ctx: typer.Context,
    warning_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="Default: the warning in hand.")] = None,
    at: At = None,
) -> None:
    """Put a warning in hand back in the queue.

    Example: fanzha release
    """
    from fanzha_cli.commands.work import run_release

    with reported():
        run_release(ctx.obj, warning_id, _at(at))


@app.command("note")
def note_(
    ctx: typer.Context,
    words: Annotated[list[str], typer.Argument(help="[ID] TEXT: the note, on the warning in hand or the one named.")],
    warning_id: Annotated[str | None, typer.Option("--id", help="The warning (or give it before the text).")] = None,
    at: At = None,
) -> None:
    """Add a note to a warning's timeline (the one in hand, or the one named first, as `log` and `escalate` do).

    Example: fanzha note WH202611240000008 "家属称已报警"
    """
    from fanzha_cli.domain.desk import Desk
    from fanzha_cli.output import out

    if len(words) > 2 or (len(words) == 2 and warning_id):
        err('fanzha: note takes [ID] TEXT; put the note in quotes: fanzha note WH… "家属称已报警"', "bold red")
        raise typer.Exit(2)
    if len(words) == 2:
        warning_id, words = words[0], words[1:]
    with reported():
        result = Desk(ctx.obj.open_store(), ctx.obj.officer).note(words[0], warning_id, at=_at(at))
        out(f"{result['warning']}: note added")


@app.command("edit")
def edit(
    ctx: typer.Context,
    warning_id: Annotated[str, typer.Argument(metavar="ID")],
    phone: Annotated[str | None, typer.Option("--phone", help="The right phone number (11 digits).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="The right name.")] = None,
    station: Annotated[
        str | None, typer.Option("--station", help="The person's own station (阳逻 means 阳逻派出所).")
    ] = None,
    address: Annotated[str | None, typer.Option("--address", help="The right address (empty: none).")] = None,
    fraud_type: Annotated[
        str | None, typer.Option("--fraud-type", help="The right fraud type, e.g. 刷单返利 (empty: none).")
    ] = None,
    note: Note = None,
    at: At = None,
) -> None:
    """Correct what the platform sent, checked as the import checks it; undoable, closed warnings too.

    Example: fanzha edit WH202611240000008 --phone 13912340000 --station 阳逻
    """
    from fanzha_cli.commands.work import run_edit

    fields = {"phone": phone, "name": name, "station": station, "address": address, "fraud_type": fraud_type}
    with reported():
        run_edit(ctx.obj, warning_id, fields, note, _at(at))


@app.command("undo")
def undo(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be reversed, and change nothing.")] = False,
) -> None:
    """Reverse your last action (taking a warning with `next` is not one), and say what was reversed.

    Example: fanzha undo --dry-run
    """
    from fanzha_cli.commands.work import run_undo

    with reported():
        run_undo(ctx.obj, dry_run=dry_run)


@app.command("show")
def show(ctx: typer.Context, warning_id: Annotated[str, typer.Argument(metavar="ID")], as_json: AsJson = False) -> None:
    """One warning with its whole timeline.

    Example: fanzha show WH202611240000008
    """
    from fanzha_cli.commands.work import run_show

    with reported():
        run_show(ctx.obj, warning_id, as_json=as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="new, taken, retry, escalated, closed; open: all but closed (or 待处理, 未办结, …); a,b: several.",
            autocompletion=_completing("status"),
        ),
    ] = None,
    risk: Annotated[
        str | None, typer.Option("--risk", help="medium/high/urgent or 中/高/紧急.", autocompletion=_completing("risk"))
    ] = None,
    station: Annotated[
        str | None,
        typer.Option(
            "--station", help="The person's station, or the one handling it.", autocompletion=_complete_station
        ),
    ] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only what is overdue, with why and by how much (limits: fanzha config).")
    ] = False,
    date: Annotated[
        str | None, typer.Option("--date", help="Warnings of one day: YYYY-MM-DD, today, yesterday.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).", min=0, max=1_000_000)] = 100,
    as_json: AsJson = False,
) -> None:
    """The queue (open warnings, most urgent first) and other views; phone numbers masked.

    Example: fanzha list --overdue
    """
    from fanzha_cli.commands.work import run_list

    with reported():
        run_list(
            ctx.obj, status=status, risk=risk, station=station, overdue=overdue, date=date, limit=limit, as_json=as_json
        )


@app.command("config", context_settings={"ignore_unknown_options": True})  # `config retry_minutes -1` is a value
def config(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="A setting's name; none: all of them.")] = None,
    value: Annotated[str | None, typer.Argument(help="A new value to keep.")] = None,
    as_json: AsJson = False,
) -> None:
    """Show or change the settings kept in the database.

    Example: fanzha config retry_minutes 10
    """
    from fanzha_cli.commands.work import run_config

    with reported():
        run_config(ctx.obj, key, value, as_json=as_json)


@app.command("summary")
def summary(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", help="One day: YYYY-MM-DD, today (default), yesterday.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day of a range.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day of a range (default today).")] = None,
    as_json: AsJson = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per day.")] = False,
) -> None:
    """The day's totals: received, disposed, disposal rate, calls, escalations, visits, overdue.

    Figures about warnings count those received that day ('overdue now' too: the day's warnings overdue now, not
    the whole backlog; see list --overdue); figures about actions count what was done that day, and say how much
    of it was on warnings received before (export --by action lists them).

    Example: fanzha summary --from 2026-11-17 --to 2026-11-24
    """
    from fanzha_cli.commands.summary import run_summary

    with reported():
        run_summary(ctx.obj, day=date, start=start, end=end, as_json=as_json, as_csv=as_csv)


@app.command("export")
def export(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", help="One day: YYYY-MM-DD, today (default), yesterday.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day of a range.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day of a range (default today).")] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="FILE.csv (UTF-8 with BOM) or FILE.xlsx; default: CSV on stdout."),
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Which warnings: 'warning' (按预警, the default), those whose own time is in the days; 'action'"
            " (按处置), those acted on in the days, whenever received: a call, SMS, escalation, visit result or"
            " stop-payment done then (its --at time), undone ones left out. A take, release (skip), note or edit"
            " alone is not a disposition and does not count.",
        ),
    ] = "warning",
) -> None:
    """The dispositions of a day, one row per warning, for reporting back to the platform; phones masked.

    Each row shows the warning as it stands now; --by chooses which warnings. After a day on the backlog,
    --by action reports what was done that day.

    Example: fanzha export --date yesterday -o 处置情况.xlsx

    Example: fanzha export --by action --date yesterday -o 昨日处置.xlsx
    """
    from fanzha_cli.commands.exporting import run_export

    with reported():
        run_export(ctx.obj, day=date, start=start, end=end, output=output, by=by)


@app.command("desk")
def desk(ctx: typer.Context) -> None:
    """A whole shift at the keyboard: one key per outcome, the next card at once.

    Keys: r reached, u unreachable, d distrustful, e escalate, s skip (release), n note, p stop-payment,
    / find, t take what was found, z undo, q quit.

    Example: fanzha desk
    """
    from fanzha_cli.commands.desk_mode import run_desk

    with reported():
        run_desk(ctx.obj)


stop_pay_app = typer.Typer(
    help="Emergency stop-payments (紧急止付): ask a bank to freeze the account the money went to.\n\n"
    "Example: fanzha stop-pay add WH202611240000008 --bank 工商银行 --account 6222020200112233445 --amount 45万",
    no_args_is_help=True,
)
app.add_typer(stop_pay_app, name="stop-pay")


@stop_pay_app.command("add")
def stop_pay_add(
    ctx: typer.Context,
    warning_id: Annotated[str, typer.Argument(metavar="ID", help="The warning.")],
    bank: Annotated[str, typer.Option("--bank", help="The receiving bank, e.g. 工商银行.")],
    account: Annotated[str, typer.Option("--account", help="The receiving account (printed here in full).")],
    amount: Annotated[str, typer.Option("--amount", help="As reported: 450000, 450,000.00, 45万, 4.5万元.")],
    note: Note = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Record a stop-payment request on a warning (one per receiving account).

    Example: fanzha stop-pay add WH202611240000008 --bank 工商银行 --account 6222020200112233445 --amount 45万
    """
    from fanzha_cli.commands.stoppay_cmd import run_add

    with reported():
        run_add(ctx.obj, warning_id, bank, account, amount, note, _at(at), as_json=as_json)


@stop_pay_app.command("result")
def stop_pay_result(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(metavar="REQ", help="The request's number.")],
    result: Annotated[
        str, typer.Argument(help="frozen/冻结, partial/部分冻结 (with --kept), failed/失败 (with --reason).")
    ],
    kept: Annotated[str | None, typer.Option("--kept", help="With 'partial': the amount frozen.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="With 'failed': why.")] = None,
    at: At = None,
    as_json: AsJson = False,
) -> None:
    """Record the bank's answer to a stop-payment request.

    Example: fanzha stop-pay result 3 frozen --at 13:46
    """
    from fanzha_cli.commands.stoppay_cmd import run_result

    with reported():
        run_result(ctx.obj, request_id, result, kept, reason, _at(at), as_json=as_json)


@stop_pay_app.command("list")
def stop_pay_list(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only those still waiting for the bank.")] = False,
    warning_id: Annotated[str | None, typer.Option("--warning", help="Only this warning's.")] = None,
    as_json: AsJson = False,
) -> None:
    """Stop-payment requests: open ones first, oldest first, with minutes waiting; accounts masked.

    Example: fanzha stop-pay list --open
    """
    from fanzha_cli.commands.stoppay_cmd import run_list

    with reported():
        run_list(ctx.obj, open_only=open_only, warning_id=warning_id, as_json=as_json)


# --- a person calls back: find and take (SPEC §3) -------------------------------------------------------------


@app.command("find")
def find(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="A phone (all 11 digits, or the last 4), a name or its start, an id.")
    ],
    limit: Annotated[
        int, typer.Option("--limit", help="At most this many, newest first (0: all).", min=0, max=1_000_000)
    ] = 20,
    as_json: AsJson = False,
) -> None:
    """Find warnings, open and closed, by phone, name or id (any tail of 4+ characters); phones masked.

    Example: fanzha find 5678
    """
    from fanzha_cli.commands.finding import run_find

    with reported():
        run_find(ctx.obj, text, limit=limit, as_json=as_json)


@app.command("take")
def take(ctx: typer.Context, warning_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Put that warning in your hand (the person called back), to log the call on it; the one in hand goes back.

    Example: fanzha take WH202611240000008
    """
    from fanzha_cli.commands.finding import run_take

    with reported():
        run_take(ctx.obj, warning_id)


GLOBAL_OPTIONS_WITH_VALUES = ("--db", "--officer")


def build_only_the_command_asked_for(argv: list[str]) -> None:
    """Typer builds the parser of every command at each start; an officer's call names one, so build that one.

    Saves some milliseconds on every `next` and `log`. Anything else — no command word, an option before it
    (--help, --version, completion), a word that is not a command, a completion request — keeps them all.
    """
    if any(name.endswith("_COMPLETE") for name in os.environ):
        return
    words = iter(argv)
    for word in words:
        if word in GLOBAL_OPTIONS_WITH_VALUES:
            next(words, None)
        elif word.startswith("-"):
            return
        else:
            break
    else:
        return
    commands = [command for command in app.registered_commands if command.name == word]
    groups = [group for group in app.registered_groups if group.name == word]
    if commands or groups:
        app.registered_commands[:] = commands
        app.registered_groups[:] = groups


def at_time_joined(args: list[str]) -> list[str]:
    """``--at 2026/11/24 20:00`` typed without quotes is one time, not a time and a stray word: the officer's
    shell split it, and a bare clock time after a date can mean nothing else."""
    joined = list(args)
    for n in range(len(joined) - 2, 0, -1):
        date_part, clock = joined[n], joined[n + 1]
        if joined[n - 1] == "--at" and re.fullmatch(_CLOCK_WORD, clock) and re.fullmatch(_DATE_WORD, date_part):
            joined[n : n + 2] = [f"{date_part} {clock}"]
    return joined


# Patterns compiled (and cached by re) only when an --at is typed: not a cost of every command's start.
_CLOCK_WORD = r"[0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2})?"
_DATE_WORD = r"[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?"


def main() -> None:
    """The console script: any failure is one line on stderr, never a traceback (set FANZHA_DEBUG=1 for one)."""
    _prepare_streams()
    try:
        sys.argv[1:] = at_time_joined(sys.argv[1:])
        build_only_the_command_asked_for(sys.argv[1:])
        app()
    except SystemExit as done:
        _deliver_output(done.code if isinstance(done.code, int) else 2)
        raise
    except KeyboardInterrupt:
        err("fanzha: interrupted; nothing half-done was stored")
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("FANZHA_DEBUG"):
            raise
        if _output_lost(exc):
            _discard_pending_output()
            _say_output_lost(exc)
            sys.exit(_exit_code_after_lost_output())
        err(f"fanzha: internal error: {type(exc).__name__}: {exc} (FANZHA_DEBUG=1 shows where)")
        sys.exit(2)


def _prepare_streams() -> None:
    """What the officer's shell may hand us: a closed stdout, a file name that is not UTF-8, a SIGTERM."""
    import signal

    def terminated(signum, frame):
        raise SystemExit(128 + signum)  # unwinds like an error: the open transaction rolls back, temp files go

    signal.signal(signal.SIGTERM, terminated)
    if not os.environ.get("FANZHA_DEBUG"):
        import warnings

        warnings.simplefilter("ignore")  # a library's warning is not a message for the officer
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")  # never fail on a name that cannot be encoded
    if sys.stdout is None:
        err("fanzha: standard output is closed: nothing done (run it again with somewhere for the output to go)")
        sys.exit(2)


def _deliver_output(code: int) -> None:
    """Flush stdout now, so that a full disk is reported here in one line, not as a traceback when Python exits."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as exc:
        _discard_pending_output()
        _say_output_lost(exc)
        sys.exit(_exit_code_after_lost_output(code))


def _say_output_lost(exc: BaseException) -> None:
    if isinstance(exc, BrokenPipeError) or getattr(exc, "broken_pipe", False):
        return  # `fanzha list | head`: the reader has what it wanted and left
    reason = exc.strerror if isinstance(exc, OSError) else str(exc)
    stored = _exit_code_after_lost_output() == 1
    after = "; what the command did was stored (run it again, or `fanzha show`, to see it)" if stored else ""
    err(f"fanzha: cannot write the output: {reason}{after}")


def _output_lost(exc: Exception) -> bool:
    """A write to stdout that failed: ours (OutputLost) or Rich's (an OSError a full disk gives, with no file)."""
    import errno

    if isinstance(exc, OutputLost):
        return True
    lost = (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EBADF)
    return isinstance(exc, OSError) and exc.errno in lost and exc.filename is None


def _discard_pending_output() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _exit_code_after_lost_output(code: int = 2) -> int:
    """2 when nothing was done; 1 when the command stored something whose report was lost (SPEC §4)."""
    writes = sys.modules.get("fanzha_cli.storage.writes")  # not imported: nothing was opened, nothing stored
    stored = writes is not None and writes.any_committed()
    return 1 if stored or code == 1 else 2
