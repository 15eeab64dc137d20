"""The day's report: its totals (`summary`: a compact text, Rich tables, JSON, or CSV a row a day) and its
dispositions for the platform (`export`)."""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from fanzha_cli import output
from fanzha_cli.cli.application import AsJson, app, reported
from fanzha_cli.domain.desk import Desk, read_word
from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.values import parse_day
from fanzha_cli.domain.vocab import EXPORT_BY_WORDS
from fanzha_cli.output import Stdout, counted, err, json_indent, out, spoken_duration

Day = Annotated[str | None, typer.Option("--date", help="One day: YYYY-MM-DD, today (default), yesterday.")]
From = Annotated[str | None, typer.Option("--from", help="First day of a range.")]
To = Annotated[str | None, typer.Option("--to", help="Last day of a range (default today).")]


def choose_days(day: str | None, start: str | None, end: str | None, today: date) -> tuple[date, date]:
    if day and (start or end):
        raise FanzhaError("--date is one day; --from/--to a range: give one or the other")
    if day:
        first = last = parse_day(day, today)
    else:
        first = parse_day(start, today) if start else None
        last = parse_day(end, today) if end else today
        first = first or last
    if first > last:
        raise FanzhaError(f"--from {first} is after --to {last}")
    if (last - first).days > 3660:
        raise FanzhaError("a range of more than ten years: check --from and --to")
    return first, last


# --- summary ---------------------------------------------------------------------------------------------------


@app.command("summary")
def summary(
    ctx: typer.Context,
    date: Day = None,
    start: From = None,
    end: To = None,
    as_json: AsJson = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV, one row per day.")] = False,
) -> None:
    """The day's totals: received, disposed, disposal rate, calls, escalations, visits, overdue.

    Figures about warnings count those received that day ('overdue now' too: the day's warnings overdue now, not
    the whole backlog; see list --overdue); figures about actions count what was done that day, and say how much
    of it was on warnings received before (export --by action lists them).

    Example: fanzha summary --from 2026-11-17 --to 2026-11-24
    """
    from fanzha_cli.domain import report as day_report
    from fanzha_cli.domain.money import dumps
    from fanzha_cli.domain.supervision import overdue_limits

    with reported():
        if as_json and as_csv:
            raise FanzhaError("--json or --csv, not both")
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        first, last = choose_days(date, start, end, desk.now.date())
        report = day_report.summary(desk.store, first, last, overdue_limits(desk), as_range=bool(start or end))
        if as_json:
            out(dumps(report, indent=json_indent()))
        elif as_csv:
            _csv(report)
        elif output.is_terminal():
            _rich(report)
        else:
            _plain(report)


CSV_COLUMNS = (
    "date",
    "received",
    "disposed",
    "disposal_rate",
    "calls.reached",
    "calls.unreachable",
    "calls.distrustful",
    "reach_rate",
    "sms",
    "escalated",
    "visits.dissuaded",
    "visits.not-found",
    "visits.moved",
    "closed",
    "open",
    "overdue",
    "high_not_escalated",
    "by_risk.medium",
    "by_risk.high",
    "by_risk.urgent",
    "stop_payments.requested",
    "stop_payments.frozen",
    "stop_payments.partial",
    "stop_payments.failed",
    "stop_payments.kept_yuan",
    "stop_payments.median_minutes_to_result",
    "stop_payments.extended",
    "stop_payments.formally_frozen",
    "stop_payments.released",
    "stop_payments.expired_unfrozen",
    "first_call_minutes.median",
    "first_call_minutes.p90",
    "earlier_warnings_acted_on.warnings",
    "earlier_warnings_acted_on.calls",
    "earlier_warnings_acted_on.escalated",
)


def _csv(report: dict) -> None:
    import csv

    from fanzha_cli.domain.money import Yuan, yuan_number

    def cell(figures: dict, column: str):
        value = figures
        for part in column.split("."):
            value = value[part]
        if isinstance(value, Yuan):
            return yuan_number(value.fen)
        return "" if value is None else value

    writer = csv.writer(Stdout(), lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for figures in report.get("days", [report]):
        writer.writerow([cell(figures, column) for column in CSV_COLUMNS])


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _of_range(figures: dict) -> bool:
    return "/" in figures["date"]  # a range's total: "FROM/TO"


def overdue_label(figures: dict) -> str:
    """What `overdue` counts: the warnings of the day (or range) that are overdue now, not the desk's backlog."""
    whose = "these days'" if _of_range(figures) else "this day's"
    return f"overdue now (of {whose} warnings)"


def headline(figures: dict) -> str:
    calls = figures["calls"]
    return (
        f"received {figures['received']} · disposed {figures['disposed']} ({percent(figures['disposal_rate'])})"
        f" · calls {sum(calls.values())}: reached {calls['reached']}, unreachable {calls['unreachable']},"
        f" distrustful {calls['distrustful']} (reach {percent(figures['reach_rate'])}) · SMS {figures['sms']}"
        f" · escalated {figures['escalated']} · closed {figures['closed']} · open {figures['open']}"
        f" · {overdue_label(figures)} {figures['overdue']}"
        f" · high/urgent not escalated {figures['high_not_escalated']}"
    )


def more_lines(figures: dict) -> list[str]:
    """Earlier warnings, visits, channels, 首次呼叫 and 止付 lines; none where nothing happened."""
    from fanzha_cli.domain.money import yuan_text

    lines = []
    earlier = figures["earlier_warnings_acted_on"]
    if earlier["warnings"]:
        before = f"before {figures['date'].split('/')[0]}" if _of_range(figures) else "before this day"
        lines.append(
            f"往日预警 acted on {counted(earlier['warnings'], 'warning')} received {before}:"
            f" calls {earlier['calls']}, escalated {earlier['escalated']} (fanzha export --by action lists them)"
        )
    if any(figures["visits"].values()):
        lines.append("上门 visits: " + ", ".join(f"{result} {n}" for result, n in figures["visits"].items()))
    if any(figures["by_channel"].values()):
        lines.append("移交渠道 channels: " + ", ".join(f"{name} {n}" for name, n in figures["by_channel"].items()))
    clock = figures["first_call_minutes"]
    if clock["median"] is not None:
        median, p90 = (spoken_duration(round(clock[key])) for key in ("median", "p90"))
        lines.append(f"首次呼叫 first call, from the warning: median {median}, P90 {p90}")
    stop = figures["stop_payments"]
    if stop["requested"] or stop["frozen"] or stop["partial"] or stop["failed"]:
        median = stop["median_minutes_to_result"]
        lines.append(
            f"紧急止付 {stop['requested']} requested · {stop['frozen']} frozen, {stop['partial']} partial,"
            f" {stop['failed']} failed · 挽损 kept {yuan_text(stop['kept_yuan'].fen)} 元"
            + (f" · median {_duration(median)} to the bank's answer" if median is not None else "")
        )
    held = {key: stop[key] for key in ("extended", "formally_frozen", "released", "expired_unfrozen")}
    if any(held.values()):
        lines.append(
            f"止付期限 holds: {held['extended']} extended, {held['formally_frozen']} formally frozen (冻结),"
            f" {held['released']} released, {held['expired_unfrozen']} ran out unfrozen"
        )
    return lines


def _plain(report: dict) -> None:
    figures = report.get("total", report)
    out(f"{figures['date']}: {headline(figures)}")
    for line in more_lines(figures):
        out(f"  {line}")
    for title, key in (("by station", "by_station"), ("by risk", "by_risk"), ("by fraud type", "by_fraud_type")):
        if figures[key]:
            out(f"  {title}: " + ", ".join(f"{name} {count}" for name, count in figures[key].items()))
    for header, rows in ((_STATION_HEADER, _station_rows(figures)), (_OFFICER_HEADER, _officer_rows(figures))):
        for name, *cells in rows:
            named = zip(header[1:], cells, strict=True)
            out(f"  {header[0]} {name}: " + ", ".join(f"{label} {cell}" for label, cell in named))
    for day in report.get("days", []):
        marker = "  ← busiest" if _busiest(report, day) else ""
        earlier = day["earlier_warnings_acted_on"]["warnings"]
        more = f"  {earlier} earlier acted on" if earlier else ""
        out(
            f"  {day['date']}  {day['received']:>5} received  {percent(day['disposal_rate']):>4} disposed{more}{marker}"
        )


# A supervisor's two questions (SPEC §9): which station is slow, who is overloaded
_STATION_HEADER = ("station", "received", "acknowledged", "median ack", "dissuaded", "not found", "moved", "late")
_OFFICER_HEADER = ("officer", "calls", "reached", "handed over", "stop-payments", "median first call")


def _station_rows(figures: dict) -> list[tuple]:
    return [
        (
            name,
            s["received"],
            s["acknowledged"],
            _duration(s["median_minutes_to_ack"]),
            *s["visits"].values(),
            s["overdue"],
        )
        for name, s in figures["stations"].items()
    ]


def _officer_rows(figures: dict) -> list[tuple]:
    return [
        (
            name,
            o["calls"],
            o["reached"],
            o["escalations"],
            o["stop_payments"],
            _duration(o["median_first_call_minutes"]),
        )
        for name, o in figures["by_officer"].items()
    ]


def _duration(minutes: float | None) -> str:
    """Minutes as the headline says them (9 h 29 min, 3 d 4 h): a figure in minutes alone was read as another."""
    return "—" if minutes is None else spoken_duration(round(minutes))


def _busiest(report: dict, day: dict) -> bool:
    return day["received"] > 0 and day["date"] == report["busiest_day"]["date"]


def _rich(report: dict) -> None:
    from rich.table import Table
    from rich.text import Text

    from fanzha_cli.output import console as plain_console
    from fanzha_cli.output import visible

    console = plain_console()
    figures = report.get("total", report)
    console.print(Text.assemble((figures["date"], "bold"), "  ", visible(headline(figures))))
    for line in more_lines(figures):
        console.print(line, style="bold")
    head = Table(
        "received", "disposed", "disposal rate", "reach rate", "open", overdue_label(figures), title="处置 headline"
    )
    head.add_row(
        str(figures["received"]),
        str(figures["disposed"]),
        percent(figures["disposal_rate"]),
        percent(figures["reach_rate"]),
        str(figures["open"]),
        str(figures["overdue"]),
    )
    console.print(head)
    for title, key, label in (
        ("派出所 by station (escalations)", "by_station", "station"),
        ("风险等级 by risk", "by_risk", "risk"),
        ("诈骗类型 by fraud type", "by_fraud_type", "fraud type"),
    ):
        if figures[key]:
            table = Table(label, "count", title=title)
            for name, count in sorted(figures[key].items(), key=lambda item: -item[1]):
                table.add_row(name, str(count))
            console.print(table)
    for title, header, rows in (
        ("派出所 stations", _STATION_HEADER, _station_rows(figures)),
        ("民警 officers", _OFFICER_HEADER, _officer_rows(figures)),
    ):
        if rows:
            table = Table(*header, title=title)
            table.columns[0].no_wrap = True  # the station's or officer's name whole; the numbers' headers may wrap
            for cells in rows:
                table.add_row(*(visible(str(cell)) for cell in cells))
            console.print(table)
    if report.get("days"):
        console.print(_bars(report))


def _bars(report: dict):
    from rich.table import Table

    most = max(day["received"] for day in report["days"]) or 1
    earlier = [day["earlier_warnings_acted_on"]["warnings"] for day in report["days"]]
    columns = ("day", "received", "", *(["earlier acted on"] if any(earlier) else []))
    table = Table(*columns, title="每日预警 warnings per day", box=None)
    for day, acted in zip(report["days"], earlier, strict=True):
        bar = "█" * max(1 if day["received"] else 0, round(30 * day["received"] / most))
        cells = [day["date"], str(day["received"]), bar + (" ← busiest" if _busiest(report, day) else "")]
        table.add_row(*cells, *([str(acted)] if any(earlier) else []))
    return table


# --- export ----------------------------------------------------------------------------------------------------


@app.command("export")
def export(
    ctx: typer.Context,
    date: Day = None,
    start: From = None,
    end: To = None,
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
    from fanzha_cli.files.export import rows, write_csv, write_workbook
    from fanzha_cli.files.safe import private_file

    with reported():
        by = read_word("--by", EXPORT_BY_WORDS, by)
        if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
            raise FanzhaError(f"-o {output}: export writes .csv or .xlsx files")
        desk = Desk(ctx.obj.open_store(), ctx.obj.officer)
        first, last = choose_days(date, start, end, desk.now.date())
        records = rows(desk.store, first, last, by=by)
        span = str(first) if first == last else f"{first} to {last}"
        if not records and by == "warning":  # on stdout too: a header alone looked like a failed export
            err(
                f"no warnings of {span}: `--by action` exports the warnings worked on in it, whenever they came",
                "yellow",
            )
        if output is None:
            write_csv(records, Stdout(), bom=True)  # so that `> day.csv` opens in Excel with its Chinese
            return
        if output.suffix.lower() == ".xlsx":
            write_workbook(records, output)
        else:
            with private_file(output, encoding="utf-8", newline="") as handle:
                write_csv(records, handle, bom=True)
        if by == "action":
            earlier = sum(1 for record in records if record[1] < f"{first} 00:00:00")  # 预警时间, before the first day
            acted = f"{counted(len(records), 'warning')} acted on {span} ({earlier} received before {first})"
            err(f"{acted} written to {output}")
        else:
            err(f"{counted(len(records), 'warning')} of {span} written to {output}")
