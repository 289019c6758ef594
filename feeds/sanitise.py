"""Characters that XML 1.0 forbids, removed at the parse boundary and reported.

XML 1.0 (§2.2 Char) allows TAB, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD and
U+10000-U+10FFFF. Everything else (C0 controls, U+FFFE/U+FFFF, lone surrogates) makes
lxml and feedgen raise and would break every Atom/RSS/HTML output, so no item text
may carry it. Every source kind passes its result through `clean_result`; the listing
parser strips the raw lines first with `strip_lines` so the problem names the real line.
Pure.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from typing import Any

from .model import Image, ParsedItem, ParseResult, Problem

_ONE_LINE = ("title", "category")
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces too) into one space."""
    return " ".join(text.split())


def describe(found: list[str]) -> str:
    names = sorted({f"U+{ord(char):04X}" for char in found})
    shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
    return f"{len(found)} character{'s' if len(found) != 1 else ''} that XML 1.0 forbids ({shown}) removed"


def strip(text: str) -> str:
    return FORBIDDEN.sub("", text)


def strip_lines(lines: list[str], *, source: str) -> tuple[list[str], list[Problem]]:
    """The lines without forbidden characters, and one problem per line that had any."""
    problems: list[Problem] = []
    cleaned = list(lines)
    for number, line in enumerate(lines, start=1):
        found = FORBIDDEN.findall(line)
        if found:
            problems.append(Problem(source, number, describe(found)))
            cleaned[number - 1] = FORBIDDEN.sub("", line)
    return cleaned, problems


def clean_item(item: ParsedItem) -> tuple[ParsedItem, list[str]]:
    """The item with forbidden characters removed from every text field, and what went."""
    changes: dict[str, Any] = {}
    found: list[str] = []
    for field in fields(item):
        value = getattr(item, field.name)
        if isinstance(value, str) and FORBIDDEN.search(value):
            found += FORBIDDEN.findall(value)
            value = FORBIDDEN.sub("", value)
            changes[field.name] = normalise_space(value) if field.name in _ONE_LINE else value
        elif isinstance(value, Image) and FORBIDDEN.search(value.url + (value.alt or "")):
            found += FORBIDDEN.findall(value.url + (value.alt or ""))
            changes[field.name] = replace(value, url=strip(value.url),
                                          alt=normalise_space(strip(value.alt or "")) or None)
    return (replace(item, **changes) if changes else item), found


def clean_result(result: ParseResult) -> ParseResult:
    """Every item's fields stripped; one problem (at the item's line) per item touched.
    An item whose title is left empty is dropped with its problem."""
    items: list[ParsedItem] = []
    problems = list(result.problems)
    changed = False
    for item in result.items:
        cleaned, found = clean_item(item)
        if found:
            changed = True
            what = describe(found)
            if not cleaned.title.strip():
                problems.append(Problem(result.source, item.line, f"{what}; the item has no title left; skipped"))
                continue
            problems.append(Problem(result.source, item.line, f"{what} from item {cleaned.title!r}"))
        items.append(cleaned)
    if not changed:
        return result
    return replace(result, items=tuple(items), problems=tuple(problems))
