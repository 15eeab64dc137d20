"""Every `--json` of the desk's reads keeps its shape (fanzha_cli.cli.schemas, README "JSON output").

The desk's reads write their JSON with the standard library (pydantic would double the start-up of `list --json`),
so the shapes are held here instead, over a day that gives every field a value and every list an item."""

from __future__ import annotations

import json

import pytest
from conftest import day_rows, write_export
from pydantic import TypeAdapter, ValidationError

from fanzha_cli.cli import schemas

DAY = [
    ("WH202611240000001", "2026-11-24 08:00:00", "紧急"),
    ("WH202611240000002", "2026-11-24 08:30:00", "高风险"),
    ("WH202611240000003", "2026-11-24 09:00:00", "中风险"),
]


def shaped(shape, result):
    assert result.exit_code == 0, result.stderr
    return TypeAdapter(shape).validate_python(json.loads(result.stdout), strict=True)


@pytest.fixture
def day(tmp_path, run):
    assert run("import", write_export(tmp_path / "day.csv", day_rows(DAY))).exit_code == 0
    assert run("--officer", "a", "next").exit_code == 0
    assert run("--officer", "a", "log", "unreachable", "--at", "2026-11-24 08:05").exit_code == 0  # handed over
    assert run("--officer", "b", "next").exit_code == 0  # in b's hand
    taken = run("stop-pay", "add", "0001", "--bank", "工商银行", "--account", "6222020200112233445", "--amount", "5000")
    assert taken.exit_code == 0, taken.stderr


def test_next_json_is_a_card_or_null(run, day):
    card = shaped(schemas.Card | None, run("--officer", "c", "next", "--json"))
    assert card is not None and card.script and card.phone.isdigit()  # the officer dials it: in full
    assert shaped(schemas.Card | None, run("--officer", "d", "next", "--json")) is None  # nothing left


def test_list_json_items_are_listed_cards_with_why_overdue(run, day):
    listed = shaped(schemas.Listed, run("list", "--json"))
    assert {card.id for card in listed} == {wid for wid, _, _ in DAY}
    assert all("*" in card.phone and card.script is None for card in listed)
    overdue = shaped(schemas.Listed, run("list", "--overdue", "--json"))  # the day is long past: all of it late
    assert overdue and all(card.overdue for card in overdue)


def test_show_json_is_the_card_with_its_timeline_clock_and_stop_payments(run, day):
    shown = shaped(schemas.Shown, run("show", "0001", "--json"))
    assert {"call", "sms", "escalate"} <= {event["action"] for event in shown.events}
    assert shown.stop_payments and shown.clock


def test_find_json_items_are_found_cards(run, day):
    found = shaped(list[schemas.Found], run("find", "周某", "--json"))
    assert len(found) == 3 and all(card.matched_by == ["name"] for card in found)


def test_a_key_added_or_lost_breaks_the_shape():
    card = {field: None for field in schemas.Card.model_fields}
    with pytest.raises(ValidationError):
        TypeAdapter(schemas.Card).validate_python(card | {"extra": 1})
    card.pop("id")
    with pytest.raises(ValidationError):
        TypeAdapter(schemas.Card).validate_python(card)


def test_json_is_indented_for_a_person_at_a_terminal_and_compact_when_piped(run, day, monkeypatch):
    from fanzha_cli import output

    piped = run("summary", "--date", "2026-11-24", "--json").stdout
    assert piped.count("\n") == 1 and json.loads(piped)["received"] == 3  # one line: a program reads it
    monkeypatch.setattr(output, "is_terminal", lambda stream=None: True)
    shown = run("summary", "--date", "2026-11-24", "--json").stdout
    assert '\n  "received": 3,' in shown and json.loads(shown) == json.loads(piped)
    assert "\n  " in run("list", "--json").stdout and "\n  " in run("stations", "--json").stdout
