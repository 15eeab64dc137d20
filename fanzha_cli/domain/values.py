"""Parsing of the values an export or an officer writes: risk words, times, phone numbers.

These run once per imported row, so each has a fast path for the form that nearly every row uses and keeps the
slow, general path for the rare rest. They raise ``ValueError`` with a reason an officer can act on.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import cache, partial

from fanzha_cli.domain.vocab import RISK_LEVELS, RISK_WORDS


def _lazy(pattern: str, flags: int = 0):
    """A pattern compiled on its first use: compiling this module's patterns took 3-4 ms of every command's
    start-up, and `next`, `log` and `list` use none of them."""
    return cache(partial(re.compile, pattern, flags))


def parse_risk(text: str) -> int:
    """The risk level (1 medium, 2 high, 3 urgent) of a risk word, Chinese or English, any case or spacing."""
    level = RISK_WORDS.get(text)
    if level is None:
        level = RISK_WORDS.get("".join(text.split()).lower())
        if level is None:
            shown = text.strip() or "(empty)"
            raise ValueError(f"unknown risk level '{shown}': use 中风险/高风险/紧急 or medium/high/urgent")
    return level


def risk_name(level: int) -> str:
    return RISK_LEVELS[level]


# Everything that is not an ISO form: 2021/3/14 20:15, 2021.3.14 20:15:00, 2021年3月14日 20时15分 ...
_LOOSE_TIME = _lazy(
    r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[T ]?\s*"
    r"(\d{1,2})\s*[:：时點点]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?|分)?\s*"
)
# A zone written after the time of day: Z, UTC, GMT, +08, +0800, -05:00, GMT+8, UTC+08:00, BJT, 北京时间.
# GMT+8 is read as people mean it (eight hours ahead of GMT), not with the inverted POSIX sign dateutil gives it.
_ZONE_SUFFIX = _lazy(
    r"(?P<time>.*?\d\s*[:：时分秒]\s*\d{0,2}\s*[分秒]?)\s*"
    r"(?P<name>Z|UTC|GMT|BJT|北京时间)?\s*"
    r"(?:(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?)?\s*",
    re.IGNORECASE,
)
_ZONE_PREFIX = _lazy(r"\s*(北京时间|BJT|UTC|GMT)\s*[:：]?\s*(?P<rest>\d.*)", re.IGNORECASE)  # 北京时间 2026-…
_ZONE_HOURS = {"z": 0, "utc": 0, "gmt": 0, "bjt": 8, "北京时间": 8}
_UNSURE_ZONE = "names a time zone this tool cannot be sure of: write it as local time"
YEARS = (2000, 2100)
MAX_TIME_CHARS = 64  # a warning's time outside these is a damaged cell, not a date


def parse_time(text: str) -> datetime:
    """A local time in one of the common forms of an export, to the second.

    A form with no date, or no time of day, is refused: a warning's time orders the queue, and today's date or
    midnight would be a guess. A time written with its zone is turned into this machine's local time, the clock
    every other time of the program is read on; a zone this cannot be sure of (CST: China or Central?) is refused.
    """
    if len(text) > MAX_TIME_CHARS:
        raise ValueError(f"time of {len(text):,} characters is not a time")  # and no regular expression's work
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = _parse_loose_time(" ".join(text.split()))
    else:
        if len(text.strip()) <= 10:
            raise ValueError(f"time '{text.strip()}' has no time of day")
    for _ in range(2):  # before the zone is taken off (year 1 less a zone overflows) and after
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(f"time '{text.strip()}' is not between the years {YEARS[0]} and {YEARS[1]}")
        if value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)
    return value.replace(microsecond=0)


def _parse_loose_time(text: str) -> datetime:
    match = _LOOSE_TIME().fullmatch(text)
    if match:
        year, month, day, hour, minute, second = match.groups()
        try:
            return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        except ValueError as exc:
            raise ValueError(f"time '{text.strip()}' is not a real date or time ({exc})") from None
    prefixed = _ZONE_PREFIX().fullmatch(text)
    if prefixed:
        return _parse_loose_time(f"{prefixed['rest']} {prefixed[1]}")  # the zone read where it usually stands
    zoned = _ZONE_SUFFIX().fullmatch(text)
    if zoned and (zoned["name"] or zoned["sign"]):
        return _with_zone(text, zoned)
    return _parse_odd_time(text)


def _with_zone(text: str, zoned: re.Match) -> datetime:
    from datetime import timedelta, timezone

    local = parse_time(zoned["time"])
    offset = timedelta(hours=_ZONE_HOURS[zoned["name"].lower()] if zoned["name"] else 0)
    if zoned["sign"]:
        hours, minutes = int(zoned["hours"]), int(zoned["minutes"] or 0)
        if hours > 14 or minutes > 59:
            raise ValueError(f"time '{text.strip()}' has a zone that does not exist")
        offset = timedelta(hours=hours, minutes=minutes) * (1 if zoned["sign"] == "+" else -1)
    return local.replace(tzinfo=timezone(offset))


def _parse_odd_time(text: str) -> datetime:
    """The slow path: dateutil for forms the platform rarely writes (``14 Mar 2021 8:15 PM`` ...)."""
    stripped = text.strip()
    if not stripped:
        raise ValueError("time is empty")
    if not any(ch.isdigit() for ch in stripped) or not re.search(r"\d{1,2}\s*[:：时]\s*\d", stripped):
        raise ValueError(f"time '{stripped}' is not a date with a time of day")
    day_or_month = re.match(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*\d{4}\b", stripped)
    if (
        day_or_month
        and int(day_or_month[1]) <= 12
        and int(day_or_month[2]) <= 12
        and day_or_month[1] != day_or_month[2]
    ):
        raise ValueError(f"time '{stripped}' could be day/month or month/day: write the date year first (YYYY-MM-DD)")
    import warnings

    from dateutil import parser

    readings = []
    # Parsed against two different defaults: a field that changes with the default was not in the text.
    for default in (datetime(2001, 1, 1), datetime(2002, 2, 2)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an unknown zone name is a warning there: a refusal here
            try:
                readings.append(parser.parse(stripped, default=default, yearfirst=True, dayfirst=False))
            except Warning:
                raise ValueError(f"time '{stripped}' {_UNSURE_ZONE}") from None
            except (ValueError, OverflowError, ArithmeticError):
                raise ValueError(f"time '{stripped}' is not a date and time this tool knows") from None
    first, second = readings
    if first.tzinfo is not None:
        raise ValueError(f"time '{stripped}' {_UNSURE_ZONE}")
    if first != second:
        raise ValueError(f"time '{stripped}' has no full date (year, month and day)")
    return first


def format_time(value: datetime) -> str:
    """The stored form of a time: sortable text, the same in SQLite and PostgreSQL."""
    return value.strftime("%Y-%m-%d %H:%M:%S")


def normalize_time(text: str) -> str:
    """``parse_time`` then ``format_time``, with fast paths for the forms nearly every export uses: the stored form
    itself, and every form of SPEC §5 (dashes, slashes, dots or 年月日, padded or not, with or without seconds or a
    ``T``) read by one pattern and written without making a datetime's text."""
    if len(text) == 19 and text[10] == " " and text[13] == ":" and text[16] == ":" and text[4] == text[7] in "-/":
        stored = text if text[4] == "-" else text.replace("/", "-")  # 2026/11/24 20:15:00, a seconds-exact export
        try:
            value = datetime.fromisoformat(stored)  # validates: 2021-02-30 raises
        except ValueError:
            pass
        else:
            if value.tzinfo is None and YEARS[0] <= value.year <= YEARS[1]:
                return stored
    stored = _READ.get(text)
    if stored is not None:
        return stored
    match = _LOOSE_TIME().fullmatch(text)
    if match:
        year, month, day, hour, minute, second = map(int, match.groups(0))
        real = YEARS[0] <= year <= YEARS[1] and 1 <= month <= 12 and hour <= 23 and minute <= 59 and second <= 59
        if real and (1 <= day <= 28 or 1 <= day <= _days_in(year, month)):
            stored = f"{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
            if len(_READ) < _READ_MAX:
                _READ[text] = stored
            return stored
    return format_time(parse_time(text))  # the slow path, which also says why a text is refused


def normalize_times(texts: tuple[str, ...]) -> list[str]:
    """normalize_time of each of a column's texts (an import's chunk of rows): those read before from the cache in
    one C loop, the others one by one. Raises ValueError as normalize_time does."""
    stored = list(map(_READ.get, texts))
    if None in stored:
        for index, value in enumerate(stored):
            if value is None:
                stored[index] = normalize_time(texts[index])
    return stored


# Times the pattern has read, and their stored form: an export re-saved by Excel writes its times to the minute, so
# a day of a city's warnings holds at most 1,440 different ones (a fifth of an import's time, read once each).
_READ: dict[str, str] = {}
_READ_MAX = 1 << 16


def _days_in(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


_CLOCK = _lazy(r"\s*(\d{1,2})\s*[:：]\s*(\d{2})\s*(?:[:：]\s*(\d{2})\s*)?")


def parse_at(text: str, now: datetime) -> str:
    """An action's own time (``--at``): any form of an export's time, or ``HH:MM`` for today."""
    clock = _CLOCK().fullmatch(text)
    if clock:
        try:
            second = int(clock[3] or 0)
            return format_time(now.replace(hour=int(clock[1]), minute=int(clock[2]), second=second, microsecond=0))
        except ValueError:
            raise ValueError(f"'{text.strip()}' is not a time of day") from None
    return normalize_time(text)


def normalize_id(text: str) -> str:
    """A warning id as it is compared and stored: NFKC (full-width ``ＷＨ１２`` is ``WH12``), without the invisible
    characters a copy from a web page or Excel carries (zero-width spaces, a BOM, controls). Empty when nothing
    visible is left."""
    if text.isascii() and text.isprintable():
        return text.strip()  # nearly every id: nothing to do
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "CZ" or ch == " ").strip()


def storable(text: str) -> str:
    """Text SQLite and a UTF-8 file can take: the bytes of a command line or a file name that were not UTF-8
    (which Python holds as lone surrogates) written as ``\\xff``."""
    if text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no byte made
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def is_control(char: str) -> bool:
    """A control, format (a bidirectional override, a zero width), surrogate, private or unassigned character, or a
    line or paragraph separator: nothing a one-line value (a name, a station, a setting) may hold."""
    import unicodedata

    category = unicodedata.category(char)
    return category[0] == "C" or category in ("Zl", "Zp")


def normalize_officer(text: str) -> str:
    """An officer's name as it is recorded: ``Alice``, `` alice`` and full-width ``ａｌｉｃｅ`` are one officer;
    a line break or a control character never reaches the event log or a one-line message."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(text.split()).lower()


_PHONE_NOISE = str.maketrans("", "", " -()（）\u3000\t.")
_EXCEL_NUMBER = _lazy(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+")


class ExcelNumber(str):
    """A workbook cell that held a number, not text: a phone stored so may have been rounded by Excel."""


def parse_phone(text: str) -> str:
    """An 11-digit phone number (a mobile, or a landline with its area code) from what an export holds.

    A refusal quotes the number masked (``'138****5678x'``): the reason is printed and kept in the batch's record,
    where a full number has no business."""
    if type(text) is ExcelNumber and text.endswith("00000"):
        # 1.38123E+10 shown in a CSV and saved again as a workbook comes back as 13812300000
        raise ValueError(f"phone {mask_phone(text)} looks rounded by Excel (it ends in 00000): its digits are lost")
    if len(text) == 11 and text[0] == "1" and text.isdigit() and text.isascii():
        return text
    raw = text.strip()
    if not raw.isascii():
        import unicodedata

        raw = unicodedata.normalize("NFKC", raw)  # full-width digits, as a Chinese input method types them
    shown = repr(mask_phone(raw))
    if _EXCEL_NUMBER().fullmatch(raw):
        raise ValueError(f"phone '{raw}' was turned into a number by Excel and its digits are lost")
    digits = raw.lstrip("'‘’`")
    if digits.endswith(".0") and digits[:-2].isdigit():  # a number column re-saved by a spreadsheet
        digits = digits[:-2]
    digits = digits.translate(_PHONE_NOISE)
    if digits.startswith("+"):
        digits = digits[1:]
        if not digits.startswith("86"):
            raise ValueError(f"phone {shown} is not a Chinese number")
    if len(digits) > 11 and digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        raise ValueError("phone is empty")
    if not (digits.isdigit() and digits.isascii()):
        odd = next(ch for ch in digits if not (ch.isdigit() and ch.isascii()))
        raise ValueError(f"phone {shown} has characters that are not digits ('{odd}')")
    if len(digits) != 11:
        raise ValueError(f"phone {shown} has {len(digits)} digits, not 11")
    if digits[0] not in "10":
        raise ValueError(f"phone {shown} is neither a mobile number nor a landline with its area code")
    return digits


# A phone (a mobile, spaced or dashed or not, perhaps with +86; a landline with its area code) or a resident ID
# number, standing alone: after a non-digit, or after a character that repr() escaped (\x07138…).
_PERSONAL_NUMBER = _lazy(
    r"(?:(?<![0-9])|(?<=\\x[0-9a-f]{2})|(?<=\\u[0-9a-f]{4}))(?:"
    r"(?:\+?86[ -]?)?1[0-9]{2}[ -]?[0-9]{4}[ -]?[0-9]{4}"
    r"|0[0-9]{2,3}[ -]?[0-9]{3,4}[ -]?[0-9]{4}"
    r"|[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
    r")(?![0-9])"
)


def mask_numbers(text: str) -> str:
    """``text`` with every phone or ID number in it masked (``139****5678``): a message quotes what it refused,
    and a message or a reason is no place for a number the officer did not ask to see."""
    if not any(char.isdigit() for char in text):
        return text
    return _PERSONAL_NUMBER().sub(lambda number: mask_phone(number[0]), text)


def mask_phone(phone: str) -> str:
    """``138****5678``: enough to tell numbers apart, not enough to dial."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


# 2026-11-24, 2026/11/24 or 2026年11月24日, each whole; padded or not
_DAY = _lazy(r"([0-9]{4})(?:-([0-9]{1,2})-([0-9]{1,2})|/([0-9]{1,2})/([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)")

# The days a report can be asked for: wide enough for any real one, narrow enough that a day after the last is
# still a date (9999-12-31 + 1 day is an OverflowError) and a typo such as 0202-11-24 is caught.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def parse_day(text: str, today: date) -> date:
    """``YYYY-MM-DD`` (or with slashes, or ``2026年11月24日``), ``today``/``今天``, ``yesterday``/``昨天``; raises
    FanzhaError otherwise."""
    from fanzha_cli.domain.errors import FanzhaError

    shortcuts = {"today": 0, "今天": 0, "yesterday": 1, "昨天": 1}
    key = text.strip().lower()
    if key in shortcuts:
        return today - timedelta(days=shortcuts[key])
    # not strptime, whose first call imports the locale and calendar machinery: a tenth of a `list --date`
    match = _DAY().fullmatch(text.strip())  # only a report or a --date reads a day
    try:
        if match is None:
            raise ValueError
        year, month, day_of_month = (int(part) for part in match.groups() if part is not None)
        day = date(year, month, day_of_month)
    except ValueError:
        raise FanzhaError(
            f"'{text}' is not a day: use YYYY-MM-DD (or 2026/11/24, 2026年11月24日), today or yesterday"
        ) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise FanzhaError(f"{day} is out of range: a day from {FIRST_DAY} to {LAST_DAY}")
    return day
