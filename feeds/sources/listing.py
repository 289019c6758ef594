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
from dataclasses import replace

from ..dates import is_month_header, parse_date
from ..errors import DateError
from ..identity import first_of_each
from ..model import ParsedItem, ParseResult, Problem
from ..sanitise import FORBIDDEN, normalise_space, strip_lines
from ..urls import absolute_url
from .decoding import decode

_MARKER = re.compile(r"(?:\d{1,4}[.)]|[-*•–])(?:\s+(?P<rest>\S.*))?")
_CREDIT = re.compile(r"(?:©|photo:|credit:|\(c\)\s.*\d{4}$)", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?P<url>\S+)\)")


def parse(data: bytes, *, source: str, charset: str | None = None, date_order: str | None = None) -> ParseResult:
    """Listing bytes -> items and problems: decoded first (see `decode`)."""
    text, encoding, problem = decode(data, source=source, charset=charset)
    if text is None:
        return ParseResult(source=source, problems=(problem,) if problem else ())
    result = parse_listing(text, source=source, date_order=date_order)
    return result if encoding == "UTF-8" else replace(result, encoding=encoding)


def parse_listing(text: str, *, source: str, date_order: str | None = None) -> ParseResult:
    """Parse listing text into items (listing order) and problems. Pure; never raises.
    `date_order` ('DMY', 'MDY', 'YMD') says how numeric dates such as 03/02/2023 read."""
    raw = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    problems: list[Problem] = []
    if FORBIDDEN.search(text):  # control characters never reach an item (nor XML)
        raw, problems = strip_lines(raw, source=source)
    blocks = _split([normalise_space(line) for line in raw], raw)
    items: list[ParsedItem] = []
    for index, (start, body) in enumerate(blocks):
        is_last = index == len(blocks) - 1
        item, problem = _read_block(start, body, source=source, is_last=is_last, date_order=date_order)
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
    start: int, body: list[tuple[int, str]], *, source: str, is_last: bool, date_order: str | None
) -> tuple[ParsedItem | None, Problem | None]:
    # Month group headers and photo credits are page furniture wherever they stand; a
    # line that is only a web address is the item's link.
    lines = [(n, t) for n, t in body if not is_month_header(t) and not _CREDIT.match(t)]
    url = next((absolute_url(t) for _, t in lines if _is_link_line(t)), None)
    lines = [(n, t) for n, t in lines if not _is_link_line(t)]
    for position, (number, text) in enumerate(lines):
        try:
            when = parse_date(text, date_order)
        except DateError as invalid:
            return None, Problem(source, start, f"{invalid}; item skipped")
        if when is None:
            continue
        head = [t for _, t in lines[:position]]
        if not head:
            return None, Problem(source, start, "item has a date but no title; item skipped")
        category = head[0] if len(head) > 1 else None
        title = " ".join(head[1:]) if len(head) > 1 else head[0]
        linked = _MARKDOWN_LINK.fullmatch(title)
        if linked and absolute_url(linked["url"]):
            title, url = linked["text"].strip(), url or absolute_url(linked["url"])
        summary = _paragraphs(lines, after=number)
        return ParsedItem(title, when, category, summary or None, url, line=start), None
    # A last block that stops before where its date would be is a page cut off mid-item.
    if is_last and len(lines) <= 2:
        message = "page ends in the middle of an item (no date line); item skipped"
    else:
        message = "item has no date line such as '25 January 2023'; item skipped"
    return None, Problem(source, start, message)


def _is_link_line(text: str) -> bool:
    """A line that is one web address (normalised when it becomes the link)."""
    return " " not in text and text.lower().startswith(("http://", "https://")) and absolute_url(text) is not None


def _paragraphs(body: list[tuple[int, str]], *, after: int) -> str:
    """Summary text after the date line: lines joined, paragraphs split at line gaps."""
    paragraphs: list[list[str]] = []
    previous = after
    for number, text in body:
        if number <= after:
            continue
        if number > previous + 1 or not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(text)
        previous = number
    return "\n\n".join(" ".join(p) for p in paragraphs)
