"""Read a plain-text news listing into items.

A listing is a run of numbered (``1.``) or bulleted (``-``) blocks. Inside a block the
date line is the anchor: the lines above it are the category and the title (one line:
title only), the paragraphs below it are the summary. Everything is decided from that
structure, never from a list of known categories, so a title that reads like a
category stays a title.

The parser is lenient: a bad block becomes a `Problem` with its line number and the
other blocks are kept. It never raises on any text.
"""

from __future__ import annotations

import re
from datetime import date

from .model import ParsedItem, ParseResult, Problem, first_of_each, normalise_space
from .sanitise import FORBIDDEN, strip_lines

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATE_FORMS = (
    re.compile(rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<year>\d{{1,5}})"),
    re.compile(rf"{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{1,5}})"),
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"),
)
_MONTH_HEADER = re.compile(rf"{_MONTH}\s+\d{{4}}")
_MARKER = re.compile(r"(?:\d{1,4}[.)]|[-*•–])\s+(?P<rest>\S.*)?$|\d{1,4}[.)]$")
_CREDIT = re.compile(r"(?:©|photo:|credit:|\(c\)\s.*\d{4}$)", re.IGNORECASE)


YEARS = (1000, 2999)  # four-digit years (RFC 822 dates need them); later ones are typos


class _Invalid(ValueError):
    """A line shaped like a date whose value is impossible."""


def plausible(day: date) -> bool:
    return YEARS[0] <= day.year <= YEARS[1]


def parse_date(text: str) -> date | None:
    """The date a whole line spells, or None if it is not a date line.

    Raises `_Invalid` for a line shaped like a date that names no real day
    (31 February, year 0, an unknown month name) or a year outside `YEARS`.
    """
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if not match:
            continue
        month_text = match["month"]
        month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text.lower())
        if month is None:
            if form is _DATE_FORMS[0] or form is _DATE_FORMS[1]:
                continue  # "12 Cooperatives 2020" is text, not a date
            raise _Invalid(f"unknown month in date {text!r}")
        try:
            day = date(int(match["year"]), month, int(match["day"]))
        except ValueError:
            raise _Invalid(
                f"impossible date {text!r}, expected a real day such as '25 January 2023'"
            ) from None
        if not plausible(day):
            raise _Invalid(f"implausible year in date {text!r}, expected a year from {YEARS[0]} to {YEARS[1]}")
        return day
    return None


def _is_month_header(text: str) -> bool:
    match = _MONTH_HEADER.fullmatch(text)
    return bool(match) and match["month"].lower() in MONTHS


def parse_listing(text: str, *, source: str) -> ParseResult:
    """Parse listing text into items (listing order) and problems. Pure; never raises."""
    raw = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    problems: list[Problem] = []
    if FORBIDDEN.search(text):  # control characters never reach an item (nor XML)
        raw, problems = strip_lines(raw, source=source)
    blocks = _split([normalise_space(line) for line in raw], raw)
    items: list[ParsedItem] = []
    for index, (start, body) in enumerate(blocks):
        is_last = index == len(blocks) - 1
        item, problem = _read_block(start, body, source=source, is_last=is_last)
        if problem:
            problems.append(problem)
        if item:
            items.append(item)
    if not blocks:  # first: it is the reason a file is not a listing at all
        problems.insert(
            0,
            Problem(
                source,
                1,
                "no items found: expected numbered ('1. News') or bulleted ('- News') "
                "blocks with a title and a date line such as '25 January 2023'",
            )
        )
    return ParseResult(source=source, items=first_of_each(items), problems=tuple(problems))


def _split(lines: list[str], raw: list[str]) -> list[tuple[int, list[tuple[int, str]]]]:
    first_indent: int | None = None
    blocks: list[tuple[int, list[tuple[int, str]]]] = []
    for number, (line, original) in enumerate(zip(lines, raw), start=1):
        marker = _MARKER.fullmatch(line)
        if marker:
            indent = len(original) - len(original.lstrip(" \t\u00a0"))
            if first_indent is None:
                first_indent = indent
            if indent <= first_indent:
                rest = marker["rest"] or ""
                blocks.append((number, [(number, rest)] if rest else []))
                continue
        if blocks and line:
            blocks[-1][1].append((number, line))
    return blocks


def _read_block(
    start: int, body: list[tuple[int, str]], *, source: str, is_last: bool
) -> tuple[ParsedItem | None, Problem | None]:
    # Month group headers are page furniture; photo credits only stand above the date.
    lines = [(n, t) for n, t in body if not _is_month_header(t)]
    for position, (number, text) in enumerate(lines):
        try:
            when = parse_date(text)
        except _Invalid as invalid:
            return None, Problem(source, start, f"{invalid}; item skipped")
        if when is None:
            continue
        head = [t for _, t in lines[:position] if not _CREDIT.match(t)]
        if not head:
            return None, Problem(source, start, "item has a date but no title; item skipped")
        category = head[0] if len(head) > 1 else None
        title = " ".join(head[1:]) if len(head) > 1 else head[0]
        summary = _paragraphs(body, after=number)
        return ParsedItem(title, when, category, summary or None, line=start), None
    # A last block that stops before where its date would be is a page cut off mid-item.
    if is_last and len(lines) <= 2:
        message = "page ends in the middle of an item (no date line); item skipped"
    else:
        message = "item has no date line such as '25 January 2023'; item skipped"
    return None, Problem(source, start, message)


def _paragraphs(body: list[tuple[int, str]], *, after: int) -> str:
    """Summary text after the date line: lines joined, paragraphs split at line gaps."""
    paragraphs: list[list[str]] = []
    previous = after
    for number, text in body:
        if number <= after or _is_month_header(text):
            continue
        if number > previous + 1 or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(text)
        previous = number
    return "\n\n".join(" ".join(p) for p in paragraphs)
