"""Every date form a source writes, read in one place, with one plausible-year window.

As in feedparser's date handlers, each form is a small pure function tried in order;
the first that returns a value wins. A form returns None for text it does not
recognise and raises `DateError` for text shaped like a date that names no real day,
so callers can tell "not a date" from "a broken date". Month and weekday names are
CLDR's (Babel) for English, French and Spanish, whatever the machine's locale. Pure.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import DateError

YEARS = (1000, 2999)  # four-digit years (RFC 822 dates need them); others are typos
NAME_LANGUAGES = ("en", "fr", "es")  # month and weekday names read whatever site.language is
ORDERS = ("DMY", "MDY", "YMD")  # how a numeric date such as 03/02/2023 is read

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def plausible(day: date) -> bool:
    return YEARS[0] <= day.year <= YEARS[1]


def _fold(name: str) -> str:
    """'Févr.' -> 'fevr': names compare without case, accents or a final dot."""
    bare = unicodedata.normalize("NFKD", name.casefold().rstrip("."))
    return "".join(char for char in bare if not unicodedata.combining(char))


@functools.cache
def _names() -> tuple[dict[str, int], frozenset[str]]:
    """Month names (wide and abbreviated) -> number, and weekday names, from CLDR."""
    from babel.dates import get_day_names, get_month_names

    months: dict[str, int] = {"sept": 9}
    weekdays: set[str] = set()
    for language in NAME_LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, language).items():
                    months[_fold(name)] = number
                weekdays.update(_fold(name) for name in get_day_names(width, context, language).values())
    return months, frozenset(weekdays)


def month_number(name: str) -> int | None:
    return _names()[0].get(_fold(name))


def _checked(text: str, year: int, month: int, day: int) -> date:
    if not YEARS[0] <= year <= YEARS[1]:
        raise DateError(f"{text!r} is not a date: the year {year} is implausible, expected {YEARS[0]} to {YEARS[1]}")
    if not 1 <= month <= 12:
        raise DateError(f"{text!r} is not a date: there is no month {month}")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"{text!r} is not a date: {MONTH_NAMES[month - 1]} {year} has no day {day}") from None


# -- whole-line forms: a listing's date line -------------------------------------------

_NAME = r"(?P<month>[^\W\d_]{3,12})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|re|º|°)?"
_DAY_MONTH_YEAR = re.compile(rf"{_DAY}\.?\s+(?:de\s+)?{_NAME},?\s+(?:de\s+)?(?P<year>\d{{1,5}})", re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(rf"{_NAME}\s+{_DAY},?\s+(?P<year>\d{{1,5}})", re.IGNORECASE)
_ISO_DAY = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")
_NUMERIC = re.compile(r"(?P<a>\d{1,4})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})")
_WEEKDAY = re.compile(r"(?P<weekday>[^\W\d_]{2,12})\.?,?\s+(?P<rest>\d.*|[^\W\d_]+\.?\s+\d.*)")
_MONTH_YEAR = re.compile(rf"{_NAME}\s+(?:de\s+)?\d{{4}}")


def _named_month(text: str, order: str | None) -> date | None:
    """'25 January 2023', '25th Jan. 2023', 'January 25th, 2023', '1er février 2023',
    '25 de enero de 2023'."""
    for form in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        match = form.fullmatch(text)
        if match:
            month = month_number(match["month"])
            if month is not None:
                return _checked(text, int(match["year"]), month, int(match["day"]))
    return None  # "12 Cooperatives 2020" is text, not a date


def _iso_day(text: str, order: str | None) -> date | None:
    """'2023-01-25': never ambiguous."""
    match = _ISO_DAY.fullmatch(text)
    return _checked(text, int(match["year"]), int(match["month"]), int(match["day"])) if match else None


def _numeric(text: str, order: str | None) -> date | None:
    """'25/01/2023', '01.25.2023', '2023/01/25': read in `order`; without one, a date
    that reads two ways is a problem naming both, never a guess."""
    match = _NUMERIC.fullmatch(text)
    if not match:
        return None
    a, b, c = match["a"], match["b"], match["c"]
    if len(a) == 4:
        return _checked(text, int(a), int(b), int(c))
    if len(c) != 4:
        raise DateError(f"{text!r} is not a date: write the year with four digits")
    readings = {"DMY": (int(c), int(b), int(a)), "MDY": (int(c), int(a), int(b))}
    if order in readings:
        return _checked(text, *readings[order])
    valid: dict[str, date] = {}
    for name, (year, month, day) in readings.items():
        try:
            valid[name] = _checked(text, year, month, day)
        except DateError:
            continue
    if len(set(valid.values())) == 1:
        return next(iter(valid.values()))
    if not valid:
        raise DateError(f"{text!r} is not a date")
    day_first, month_first = long_date(valid["DMY"]), long_date(valid["MDY"])
    raise DateError(f"{text!r} is ambiguous: {day_first} (day first) or {month_first} (month first); "
                    'set date_order = "DMY" or "MDY" on the source')


LINE_FORMS: tuple[Callable[[str, str | None], date | None], ...] = (_named_month, _iso_day, _numeric)


def parse_date(text: str, order: str | None = None) -> date | None:
    """The date a whole line spells, or None if it is not a date line. A leading weekday
    ('Wednesday, 25 January 2023', 'mercredi 25 janvier 2023') is read over. `order`
    ('DMY', 'MDY', 'YMD' or None) says how numeric dates are read. Raises `DateError`
    for a line shaped like a date that names no real, plausible day, or two."""
    for candidate in _without_weekday(text):
        for form in LINE_FORMS:
            found = form(candidate, order)
            if found is not None:
                return found
    return None


def _without_weekday(text: str) -> tuple[str, ...]:
    match = _WEEKDAY.fullmatch(text)
    if match and _fold(match["weekday"]) in _names()[1]:
        return text, match["rest"]
    return (text,)


def is_month_header(text: str) -> bool:
    """'October 2021', 'octobre 2021': a month group header on a listing page."""
    match = _MONTH_YEAR.fullmatch(text)
    return match is not None and month_number(match["month"]) is not None


def order_for_language(language: str) -> str | None:
    """How a language writes numeric dates, when it has one way (CLDR's short date
    pattern): 'fr', 'es', 'en-GB' day first, 'en-US' month first; plain 'en' is
    written both ways, so it gives none."""
    from babel import Locale, UnknownLocaleError
    from babel.dates import get_date_format

    if language.lower() == "en":
        return None
    try:
        pattern = get_date_format("short", Locale.parse(language.replace("-", "_"))).pattern
    except (ValueError, UnknownLocaleError):
        return None
    positions = sorted((pattern.lower().find(field), field) for field in "dmy" if field in pattern.lower())
    return "".join(field for _, field in positions).upper() if len(positions) == 3 else None


# -- instants: feed dates ---------------------------------------------------------------


def parse_instant(raw: str) -> datetime | None:
    """RFC 822 or RFC 3339 (or what dateutil reads) -> datetime, offset as written;
    None when nothing plausible is there."""
    from dateutil import parser as dateparser

    raw = raw.strip()
    if not raw:
        return None
    readers: tuple[Callable[[str], datetime], ...] = (parsedate_to_datetime, dateparser.isoparse, dateparser.parse)
    for reader in readers:
        try:
            moment = reader(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        return moment if plausible(moment.date()) else None
    return None


def loose_date(text: str) -> date | None:
    """Dates in the wider forms web pages use ('Jan. 25, 2023 - 10:00', '25.01.2023');
    None unless most of the text is the date."""
    if not text or len(text) > 80 or not any(ch.isdigit() for ch in text):
        return None
    from dateutil import parser as dateparser

    try:
        moment = dateparser.parse(text, dayfirst=True, fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        try:
            moment, skipped = dateparser.parse(text, dayfirst=True, fuzzy_with_tokens=True)
        except (ValueError, OverflowError, TypeError):
            return None
        # fuzzy parsing accepts almost anything; keep it only when most words were a date
        if sum(len(s.strip()) for s in skipped) > len(text) / 2:
            return None
    return moment.date() if plausible(moment.date()) else None


def date_value(value: Any) -> date | None:
    """The day a structured field names (a TOML date or datetime, or text in any form
    above), or None, also for a broken or implausible one."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value if plausible(value) else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = " ".join(value.split())
    try:
        return date.fromisoformat(text) if plausible(date.fromisoformat(text)) else None
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.date() if plausible(moment.date()) else None
    except ValueError:
        pass
    try:
        return parse_date(text)
    except DateError:
        return None


# -- writing ------------------------------------------------------------------------------


def rfc3339(moment: datetime) -> str:
    """'2023-01-25T00:00:03+01:00': the one form stored and written (Atom, JSON Feed)."""
    return moment.isoformat(timespec="seconds")


def whole_minute_offset(moment: datetime) -> datetime:
    """The same wall time with the UTC offset rounded to whole minutes. Zones used local
    mean time before about 1900 (Europe/Zurich +00:34:08), but RFC 3339 and RFC 822
    offsets have no seconds."""
    offset = moment.utcoffset()
    if offset is None or offset.total_seconds() % 60 == 0:
        return moment
    return moment.replace(tzinfo=timezone(timedelta(minutes=round(offset.total_seconds() / 60))))


def month_name(month: int) -> str:
    return MONTH_NAMES[month - 1]


def month_and_year(year: int, month: int) -> str:
    """'December 2022'."""
    return f"{MONTH_NAMES[month - 1]} {year}"


def long_date(day: date) -> str:
    """'25 January 2023'."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
