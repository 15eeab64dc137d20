"""The value parsers: fast paths agree with the general ones, and every refusal says why."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha_cli.domain.errors import FanzhaError
from fanzha_cli.domain.values import (
    FIRST_DAY,
    LAST_DAY,
    format_time,
    mask_phone,
    normalize_time,
    parse_day,
    parse_phone,
    parse_risk,
)

times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda t: t.replace(microsecond=0)
)


@given(times)
def test_every_common_time_form_reads_as_the_same_moment(moment):
    with_seconds = [
        moment.strftime("%Y-%m-%d %H:%M:%S"),
        f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}:{moment.second:02d}",
        moment.strftime("%Y-%m-%dT%H:%M:%S"),
        f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}",
        f"{moment.year}.{moment.month}.{moment.day} {moment.hour}:{moment.minute:02d}:{moment.second:02d}",
    ]
    for text in with_seconds:
        assert normalize_time(text) == format_time(moment), text
    minute = moment.replace(second=0)
    without_seconds = [
        minute.strftime("%Y-%m-%d %H:%M"),
        f"{minute.year}/{minute.month}/{minute.day} {minute.hour}:{minute.minute:02d}",
        minute.strftime("%Y-%m-%dT%H:%M"),
        f"{minute.year}年{minute.month}月{minute.day}日 {minute.hour}:{minute.minute:02d}",
        f"{minute.year}年{minute.month}月{minute.day}日{minute.hour}时{minute.minute}分",
    ]
    for text in without_seconds:
        assert normalize_time(text) == format_time(minute), text
        assert normalize_time(text) == format_time(minute), text  # read again, from the times already read


def test_times_already_read_are_kept_no_more_than_their_limit(monkeypatch):
    from fanzha_cli.domain import values

    monkeypatch.setattr(values, "_READ", {})
    monkeypatch.setattr(values, "_READ_MAX", 3)
    texts = [f"2026/11/24 10:{minute:02d}" for minute in range(10)]
    assert [normalize_time(text) for text in texts] == [f"2026-11-24 10:{minute:02d}:00" for minute in range(10)]
    assert list(values._READ) == texts[:3]
    assert [normalize_time(text) for text in texts][:3] == [values._READ[text] for text in texts[:3]]


@given(st.text(max_size=40))
def test_time_parser_never_fails_other_than_with_a_reason(text):
    try:
        stored = normalize_time(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert datetime.fromisoformat(stored).strftime("%Y-%m-%d %H:%M:%S") == stored


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-11-24", "no time of day"),
        ("2026-02-30 10:00", "not a real date"),
        ("2026/13/01 10:00", "not a real date"),
        ("", "empty"),
        ("明天上午", "not a date"),
    ],
)
def test_bad_times_are_refused_with_their_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_time(text)


def test_uncommon_forms_fall_back_to_dateutil():
    assert normalize_time("24 Nov 2026 20:15") == "2026-11-24 20:15:00"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("中风险", 1),
        ("中", 1),
        ("Medium", 1),
        (" medium ", 1),
        ("高风险", 2),
        ("高", 2),
        ("HIGH", 2),
        ("紧急", 3),
        ("urgent", 3),
        ("Ur gent", 3),
    ],
)
def test_risk_words_in_chinese_and_english(text, level):
    assert parse_risk(text) == level


def test_unknown_risk_word_is_named():
    with pytest.raises(ValueError, match="低风险"):
        parse_risk("低风险")


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_phone_written_every_way_gives_the_same_11_digits(phone):
    forms = [
        phone,
        f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}",
        f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
        f"'{phone}",
        f"86{phone}",
        f"+86{phone}",
        f"0086 {phone}",
        f" {phone} ",
        f"{phone}.0",
    ]
    for form in forms:
        assert parse_phone(form) == phone, form


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1.38E+10", "Excel"),
        ("1.38123E+10", "Excel"),
        ("13812345", "8 digits"),
        ("138123456789", "12 digits"),
        ("", "empty"),
        ("138-1234-567a", "not digits"),
        ("+1 555 123 4567", "not a Chinese number"),
        ("23812345678", "neither a mobile"),
    ],
)
def test_bad_phones_are_refused_with_their_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_phone(text)


def test_landline_with_area_code_is_kept():
    assert parse_phone("027-8695-1234") == "02786951234"


@given(st.from_regex(r"1[0-9]{10}", fullmatch=True))
def test_masked_phone_keeps_only_the_ends(phone):
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert phone not in masked


# --- hostile values (issue 9): zones, missing dates, absurd years, invisible ids, phones quoted in reasons --------


@pytest.mark.parametrize(
    ("text", "offset_hours"),
    [
        ("2026-11-24 10:00+08", 8),
        ("2026-11-24 10:00-05", -5),
        ("2026-11-24 10:00+08:00", 8),
        ("2026-11-24T10:00:00+0800", 8),
        ("2026-11-24 10:00Z", 0),
        ("2026/11/24 10:00 +08:00", 8),
        ("2026-11-24 10:00 GMT+8", 8),  # as people mean it, not dateutil's inverted POSIX sign
        ("2026-11-24 10:00:00 UTC+8", 8),
        ("2026-11-24 10:00 BJT", 8),
        ("2026年11月24日 10时00分 北京时间", 8),
        ("2026-11-24 10:00 GMT", 0),
    ],
)
def test_a_time_with_its_zone_becomes_this_machines_local_time(text, offset_hours):
    from datetime import timedelta, timezone

    moment = datetime(2026, 11, 24, 10, 0, tzinfo=timezone(timedelta(hours=offset_hours)))
    assert normalize_time(text) == format_time(moment.astimezone().replace(tzinfo=None))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("10:00", "no full date"),
        ("10:00:00", "no full date"),  # a time-only workbook cell
        ("Nov 24 20:15", "no full date"),
        ("1900-01-01 10:00", "between the years 2000 and 2100"),
        ("0001-01-01 00:00:00", "between the years 2000 and 2100"),
        ("2999/1/1 10:00", "between the years 2000 and 2100"),
        ("2026-11-24 10:00 CST", "time zone"),  # China or Central? not a guess to make
        ("2026-11-24 10:00 EST", "time zone"),
        ("2026-11-24 10:00+99", "zone that does not exist"),
    ],
)
def test_times_without_a_date_in_absurd_years_or_unsure_zones_are_refused(text, reason):
    with pytest.raises(ValueError, match=reason):
        normalize_time(text)


def test_no_python_warning_escapes_the_time_parser():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError):
            normalize_time("2026-11-24 10:00 BJTX")


@given(st.text(max_size=30))
def test_a_stored_time_is_always_the_canonical_local_form_in_range(text):
    try:
        stored = normalize_time(text)
    except ValueError:
        return
    assert len(stored) == 19 and 2000 <= datetime.fromisoformat(stored).year <= 2100
    assert datetime.fromisoformat(stored).tzinfo is None


@pytest.mark.parametrize(
    ("given_id", "stored"),
    [
        ("WH1", "WH1"),
        (" WH1 ", "WH1"),
        ("WH1\u200b", "WH1"),
        ("\ufeffWH1", "WH1"),
        ("ＷＨ１", "WH1"),
        ("WH\u00a01", "WH 1"),
        ("\u200b\ufeff", ""),
        ("WH1\x00\x1b", "WH1"),
    ],
)
def test_ids_are_compared_as_they_look(given_id, stored):
    from fanzha_cli.domain.values import normalize_id

    assert normalize_id(given_id) == stored


@given(st.text(max_size=20))
def test_a_normalised_id_is_stable_and_has_nothing_invisible(text):
    import unicodedata

    from fanzha_cli.domain.values import normalize_id

    once = normalize_id(text)
    assert normalize_id(once) == once
    assert all(unicodedata.category(ch)[0] != "C" for ch in once)


@pytest.mark.parametrize("officer", ["alice", "Alice", " alice ", "ａｌｉｃｅ", "ALICE\t"])
def test_one_officer_however_the_name_is_typed(officer):
    from fanzha_cli.domain.values import normalize_officer

    assert normalize_officer(officer) == "alice"
    assert normalize_officer("bob\nsmith") == "bob smith"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["x", "a", "#", "[/b]", "\x1b"]))
def test_a_refused_phone_is_never_quoted_in_full(phone, junk):
    for text in (phone + junk, phone[:6] + junk + phone[6:], "+1" + phone, phone + "0", "2" + phone[1:]):
        with pytest.raises(ValueError) as refused:
            parse_phone(text)
        assert phone not in str(refused.value) and phone[3:10] not in str(refused.value)


def test_full_width_digits_make_a_phone():
    assert parse_phone("１３８１２３４５６７８") == "13812345678"


def test_a_time_too_long_to_be_one_is_refused_before_any_pattern_reads_it():
    with pytest.raises(ValueError, match="800 characters is not a time"):
        normalize_time("2026-11-24 20:15" + " " * 783 + "x")


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2100-12-31 23:59-12:00"])
def test_a_zoned_time_at_the_edge_of_the_calendar_is_refused_not_overflowed(text):
    with pytest.raises(ValueError, match="between the years"):
        normalize_time(text)


@pytest.mark.parametrize(
    "text", ["北京时间2026-11-24 10:00", "北京时间：2026/11/24 10:00:00", "BJT 2026年11月24日 10:00"]
)
def test_a_zone_written_before_the_time_is_read_too(text):
    assert normalize_time(text) == normalize_time("2026-11-24 10:00 BJT")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("risk '13912345678'", "risk '139****5678'"),
        ("risk 138 1234 5678", "risk 138******5678"),
        ("time 138-1234-5678!", "time 138******5678!"),
        ("+86 13912345678", "+86********5678"),
        ("tel 027-8695-1234", "tel 027******1234"),
        ("id 420102199003071234.", "id 420***********1234."),
        ("'\\x0713912345678'", "'\\x07139****5678'"),
        ("WH202611240000008 at 2026-11-24 10:00", "WH202611240000008 at 2026-11-24 10:00"),
    ],
)
def test_messages_mask_phone_and_id_numbers_however_written(text, shown):
    from fanzha_cli.domain.values import mask_numbers

    assert mask_numbers(text) == shown


def test_a_workbook_time_with_its_zone_keeps_it():
    from datetime import timedelta, timezone

    from fanzha_cli.files.reader import _cell_text

    zoned = datetime(2026, 11, 24, 12, 15, tzinfo=timezone(timedelta(hours=8)))
    local = zoned.astimezone().replace(tzinfo=None)
    assert normalize_time(_cell_text(zoned, "yyyy-mm-dd hh:mm")) == format_time(local)


@pytest.mark.parametrize(
    "text", ["2021/0/1 1:00", "2021/1/0 1:00", "2021/2/29 1:00", "2021年13月1日 1:00", "2021/4/31 1:00"]
)
def test_the_fast_path_refuses_what_is_not_a_date(text):
    with pytest.raises(ValueError, match="not a real date"):
        normalize_time(text)


@given(times, st.booleans(), st.booleans(), st.sampled_from(["-", "/", ".", "年"]), st.sampled_from([" ", "T", ""]))
def test_the_fast_path_and_the_general_parser_agree(moment, padded, seconds, separator, between):
    """Every form the one pattern reads gives what parse_time, the general and slow reading, gives."""
    if separator == "年":
        date = f"{moment.year}年{moment.month}月{moment.day}日"
    else:
        month, day = (f"{moment.month:02d}", f"{moment.day:02d}") if padded else (moment.month, moment.day)
        date = f"{moment.year}{separator}{month}{separator}{day}"
    clock = f"{moment.hour:02d}:{moment.minute:02d}" + (f":{moment.second:02d}" if seconds else "")
    text = f"{date}{between or ' '}{clock}" if separator != "年" or between != "T" else f"{date} {clock}"
    from fanzha_cli.domain.values import format_time, parse_time

    assert normalize_time(text) == format_time(parse_time(" ".join(text.split()) + " "))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)), st.booleans(), st.booleans())
def test_a_day_is_read_with_dashes_or_slashes_padded_or_not(day, slashes, padded):
    text = f"{day.year}-{day.month:02d}-{day.day:02d}" if padded else f"{day.year}-{day.month}-{day.day}"
    assert parse_day(text.replace("-", "/") if slashes else text, date(2026, 11, 24)) == day
    assert parse_day(f"{day.year}年{day.month}月{day.day}日", date(2026, 11, 24)) == day


@given(st.text(max_size=12))
def test_anything_else_typed_as_a_day_is_refused_as_such(text):
    try:
        day = parse_day(text, date(2026, 11, 24))
    except FanzhaError as exc:
        assert "is not a day" in str(exc) or "out of range" in str(exc)
    else:  # only a real day (or today/yesterday) gets through
        assert FIRST_DAY <= day <= LAST_DAY


@pytest.mark.parametrize(
    "text", ["2024-99999999999999999999-01", "2024-001-0001", "99999-1-1", "2024-1-1-1", "2024年13月1日"]
)
def test_a_day_out_of_shape_is_refused_as_such_never_an_overflow(text):
    with pytest.raises(FanzhaError, match="not a day"):
        parse_day(text, date(2026, 11, 24))


@given(st.integers(1, 31), st.integers(1, 31), st.sampled_from("/.-"))
def test_a_date_written_year_last_is_read_only_when_day_and_month_cannot_be_mistaken(first, second, mark):
    """03/11/2026 is 3 November in one country and 11 March in another: refused, never guessed. 25/11 and 11/25
    can only be the 25th of November."""
    import calendar

    text = f"{first:02d}{mark}{second:02d}{mark}2026 10:00"
    readings = {
        (month, day)
        for day, month in ((first, second), (second, first))
        if month <= 12 and day <= calendar.monthrange(2026, month)[1]
    }
    if len(readings) == 1:
        ((month, day),) = readings
        assert normalize_time(text) == f"2026-{month:02d}-{day:02d} 10:00:00"
    else:
        with pytest.raises(ValueError):
            normalize_time(text)
