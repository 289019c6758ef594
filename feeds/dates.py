"""Every date form a source writes, read in one place, with one plausible-year window.

As in feedparser's date handlers, each form is a small pure function tried in order;
the first that returns a value wins. A form returns None for text it does not
recognise and raises `DateError` for text shaped like a date that names no real day,
so callers can tell "not a date" from "a broken date". Pure; no locale is consulted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import DateError

YEARS = (1000, 2999)  # four-digit years (RFC 822 dates need them); others are typos

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTHS = {
    name: number
    for number, full in enumerate(MONTH_NAMES, start=1)
    for name in {full.lower(), full[:3].lower(), *(("sept",) if number == 9 else ())}
}


def plausible(day: date) -> bool:
    return YEARS[0] <= day.year <= YEARS[1]


def _checked(text: str, year: int, month: int, day: int) -> date:
    try:
        found = date(year, month, day)
    except ValueError:
        raise DateError(f"impossible date {text!r}, expected a real day such as '25 January 2023'") from None
    if not plausible(found):
        raise DateError(f"implausible year in date {text!r}, expected a year from {YEARS[0]} to {YEARS[1]}")
    return found


# -- whole-line forms: a listing's date line -------------------------------------------

_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DAY_MONTH_YEAR = re.compile(rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>\d{{1,5}})")
_MONTH_DAY_YEAR = re.compile(rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{1,5}})")
_ISO_DAY = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})")
_MONTH_YEAR = re.compile(rf"{_MONTH}\s+\d{{4}}")


def _named_month(text: str) -> date | None:
    """'25 January 2023', '5 Jan. 2023', 'January 5, 2023'."""
    for form in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        match = form.fullmatch(text)
        if match and match["month"].lower() in MONTHS:
            return _checked(text, int(match["year"]), MONTHS[match["month"].lower()], int(match["day"]))
    return None  # "12 Cooperatives 2020" is text, not a date


def _iso_day(text: str) -> date | None:
    """'2023-01-25'."""
    match = _ISO_DAY.fullmatch(text)
    return _checked(text, int(match["year"]), int(match["month"]), int(match["day"])) if match else None


LINE_FORMS: tuple[Callable[[str], date | None], ...] = (_named_month, _iso_day)


def parse_date(text: str) -> date | None:
    """The date a whole line spells, or None if it is not a date line. Raises
    `DateError` for a line shaped like a date that names no real, plausible day."""
    for form in LINE_FORMS:
        found = form(text)
        if found is not None:
            return found
    return None


def is_month_header(text: str) -> bool:
    """'October 2021': a month group header on a listing page."""
    match = _MONTH_YEAR.fullmatch(text)
    return match is not None and match["month"].lower() in MONTHS


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
