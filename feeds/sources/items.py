"""Hand-curated items files: TOML (``[[items]]`` tables), JSON (an array, or an object
with an ``items`` array) or CSV (a header row naming the columns).

Every item has ``title`` and ``date``, optionally ``category``, ``summary``, ``url`` and
``image`` (a URL, or a table/object with ``url``, ``alt``, ``width`` and ``height``; in a
local file, a path relative to it is a picture to copy into the output). A bad row is a
problem with its file:line; the good rows around it are kept. Pure.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from ..dates import date_value
from ..identity import normalise_title
from ..images import is_not_a_picture, side
from ..model import Image, ParsedItem, ParseResult, Problem
from ..sanitise import FORBIDDEN, describe, normalise_space, strip
from ..urls import absolute_url
from .decoding import decode_text

FIELDS = ("title", "date", "category", "summary", "url", "image")
IMAGE_FIELDS = ("url", "alt", "width", "height")
FORMATS = ("toml", "json", "csv")
_TOML_HEADER = re.compile(r"\s*\[\[\s*items\s*\]\]\s*(#.*)?")
_TOML_ERROR_LINE = re.compile(r"at line (\d+)")
# JSON and TOML parsers recurse once per level of nesting, so hostile files ([[[[…]]]]) are
# measured first, without recursion. Real items files and feeds nest a handful of levels.
MAX_NESTING = 64
# Strings and comments (whose brackets do not count), and the brackets themselves. A string
# left open ends where the parser's error will (its line's end, or the text's), and a
# backslash may end a text: every quote then starts a match that succeeds, never a search
# for a closing quote that fails and is tried again from the next quote (quadratic time).
_NESTING_TOKENS = {
    "json": re.compile(r'"[^"\\]*(?:\\.?[^"\\]*)*(?:"|\Z)|[\[\]{}]', re.DOTALL),
    "toml": re.compile(r'"""(?:[^\\]|\\.?)*?(?:"{3,5}|\Z)|\'\'\'.*?(?:\'{3,5}|\Z)'
                       r'|"(?:[^"\\\n]|\\[^\n]?)*(?:"|$)|\'[^\'\n]*(?:\'|$)|#[^\n]*|[\[\]{}]', re.DOTALL | re.MULTILINE),
}
_NESTED = {"json": "arrays and objects", "toml": "arrays and tables"}


def guess_format(text: str, name: str = "") -> str | None:
    """'toml', 'json' or 'csv' when the text looks like an items file, else None."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    stripped = text.lstrip("\ufeff \t\r\n")
    if suffix in FORMATS and suffix != "csv":
        return suffix
    if stripped.startswith(("{", "[")):
        if nesting_problem(stripped, source="", syntax="json") is not None:
            return "json"  # refused with its line by the JSON reader
        try:
            json.loads(stripped)
            return "json"
        except ValueError:
            pass
    if any(_TOML_HEADER.fullmatch(line) for line in stripped.splitlines()[:200]):
        return "toml"
    if suffix == "csv" or _csv_header(stripped) is not None:
        return "csv"
    return None


def nesting_problem(text: str, *, source: str, syntax: str) -> Problem | None:
    """A problem at the line where arrays and objects (`syntax` "json") or arrays and tables
    ("toml") first nest more than MAX_NESTING deep; None when they never do."""
    depth = 0
    for match in _NESTING_TOKENS[syntax].finditer(text):
        token = match[0]
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, match.start()) + 1
                return Problem(source, line, f"{_NESTED[syntax]} nested more than {MAX_NESTING} deep, "
                                             f"expected at most {MAX_NESTING} levels")
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
    return None


def _csv_header(text: str) -> list[str] | None:
    first = text.split("\n", 1)[0]
    for delimiter in (",", ";", "\t"):
        columns = [c.strip().strip('"').lower() for c in first.split(delimiter)]
        if "title" in columns and "date" in columns:
            return columns
    return None


def parse(data: bytes, *, source: str, name: str = "", format: str | None = None, local: bool = False) -> ParseResult:
    """`local`: the file was read from disk, so an image may be a path relative to it."""
    text, problem = decode_text(data, source=source)
    if text is None:
        return ParseResult(source, problems=(problem,) if problem else ())
    text = text.removeprefix("\ufeff")
    kind = format or guess_format(text, name)
    if kind == "json":
        rows, problems = _json_rows(text, source)
    elif kind == "toml":
        rows, problems = _toml_rows(text, source)
    elif kind == "csv":
        rows, problems = _csv_rows(text, source)
    else:
        return ParseResult(
            source,
            problems=(Problem(source, 1, "not an items file: expected TOML [[items]], a JSON array or a CSV with title,date columns"),),
        )
    items: list[ParsedItem] = []
    seen: set[tuple[date | None, str]] = set()
    for line, row in rows:
        item, row_problems = read_row(row, line=line, source=source, local=local)
        problems.extend(row_problems)
        if item is not None:
            key = (item.date, normalise_title(item.title))
            if key in seen:
                problems.append(Problem(source, line, f"item {item.title!r} of {item.date} appears twice; second copy skipped"))
                continue
            seen.add(key)
            items.append(item)
    if not rows and not problems:
        problems.append(Problem(source, 1, "the items file holds no items"))
    return ParseResult(source, tuple(items), tuple(problems))


def read_row(row: Any, *, line: int, source: str, local: bool = False) -> tuple[ParsedItem | None, list[Problem]]:
    """One row -> an item, or None and the reason; unknown keys are reported, not fatal."""
    problems: list[Problem] = []
    if not isinstance(row, Mapping):
        return None, [Problem(source, line, "an item must be a table/object with title and date; row skipped")]
    found = [char for key in FIELDS if isinstance(row.get(key), str) for char in FORBIDDEN.findall(row[key])]
    if found:  # before any whitespace is collapsed, so form feeds and the like are told too
        row = {key: strip(value) if isinstance(value, str) else value for key, value in row.items()}
        title = normalise_space(row["title"]) if isinstance(row.get("title"), str) else ""
        what = f"from item {title!r}" if title else "; the item has no title left"
        problems.append(Problem(source, line, f"{describe(found)} {what}".replace(" ;", ";")))
    for key in sorted(set(row) - set(FIELDS)):
        problems.append(Problem(source, line, f"unknown key {key!r} ignored (known: {', '.join(FIELDS)})"))
    title = row.get("title")
    if not isinstance(title, str) or not normalise_space(title):
        problems.append(Problem(source, line, "item has no title; row skipped"))
        return None, problems
    when = date_value(row.get("date"))
    if when is None:
        value = row.get("date")
        reason = "has no date" if value in (None, "") else f"has an unreadable date {value!r}"
        problems.append(Problem(source, line, f"item {normalise_space(title)!r} {reason} (expected 2023-01-25); row skipped"))
        return None, problems
    texts: dict[str, str | None] = {}
    for key in ("category", "summary", "url"):
        value = row.get(key)
        if value is None or value == "":
            texts[key] = None
        elif isinstance(value, str):
            texts[key] = value.strip() or None
        else:
            problems.append(Problem(source, line, f"{key!r} must be text; row skipped"))
            return None, problems
    url = texts["url"]
    if url is not None:
        if absolute_url(url) != url:
            problems.append(Problem(source, line, f"url {url!r} is not an absolute http(s) URL; url dropped"))
            url = None
    summary = texts["summary"]
    if summary is not None:
        summary = "\n\n".join(normalise_space(p) for p in re.split(r"\n\s*\n", summary) if p.strip())
    category = normalise_space(texts["category"]) if texts["category"] else None
    image = _image(row.get("image"), line=line, source=source, local=local, problems=problems)
    return ParsedItem(normalise_space(title), when, category, summary or None, url, line=line, image=image), problems


_EXPECTED_IMAGE = "an absolute http(s) URL{}, or a table with url, alt, width and height"


def _image(value: Any, *, line: int, source: str, local: bool, problems: list[Problem]) -> Image | None:
    """An item's `image`: a URL (in a local file also a relative path), or a table/object
    {url, alt, width, height}. Anything else is a problem, and the item is kept without it."""
    if value is None or value == "":
        return None
    expected = _EXPECTED_IMAGE.format(" or a path relative to this file" if local else "")

    def drop(why: str) -> None:
        """Tell why the picture is not kept; the caller returns None."""
        problems.append(Problem(source, line, f"image {why}; image dropped"))

    fields = value if isinstance(value, Mapping) else {"url": value}
    unknown = sorted(set(fields) - set(IMAGE_FIELDS))
    if unknown:
        problems.append(Problem(source, line, f"unknown image key {unknown[0]!r} ignored (known: {', '.join(IMAGE_FIELDS)})"))
    where = fields.get("url")
    if not isinstance(where, str) or not where.strip():
        drop(f"{'has no url' if isinstance(value, Mapping) else repr(value)}: expected {expected}")
        return None
    where = where.strip()
    alt = fields.get("alt")
    if alt is not None and not isinstance(alt, str):
        problems.append(Problem(source, line, f"image alt {alt!r} must be text; alt dropped"))
        alt = None
    sizes = {}
    for key in ("width", "height"):
        raw = fields.get(key)
        sizes[key] = side(raw) if isinstance(raw, (int, str)) else None
        if raw is not None and sizes[key] is None:
            problems.append(Problem(source, line, f"image {key} {raw!r} is not a number of pixels; {key} dropped"))
    url = absolute_url(where)
    if url is None:
        if not (local and _relative_path(where)):
            drop(f"{where!r}: expected {expected}")
            return None
        url = where  # copied into the output by the application, which checks it stays in the folder
    elif url != where:
        drop(f"{where!r} holds characters a URL may not (spaces, quotes, ...): expected {expected}")
        return None
    if is_not_a_picture(url, sizes["width"], sizes["height"]):
        drop(f"{where!r} is a tracker or an icon, not a story's picture")
        return None
    text = normalise_space(alt) if alt else ""
    return Image(url, text or None, sizes["width"], sizes["height"])


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _relative_path(text: str) -> bool:
    """A path relative to the file: no scheme (a one-letter one is a Windows drive), not absolute."""
    return not _SCHEME.match(text) and not text.startswith(("/", "\\")) and "\0" not in text


# -- formats ------------------------------------------------------------------------


def _toml_rows(text: str, source: str) -> tuple[list[tuple[int, Any]], list[Problem]]:
    import tomllib

    too_deep = nesting_problem(text, source=source, syntax="toml")
    if too_deep is not None:
        return [], [too_deep]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = _TOML_ERROR_LINE.search(str(error))
        return [], [Problem(source, int(match[1]) if match else 1, f"not valid TOML: {error}")]
    problems = [Problem(source, 1, f"unknown top-level key {key!r} ignored (expected [[items]])") for key in sorted(set(data) - {"items"})]
    rows = data.get("items", [])
    if not isinstance(rows, list):
        return [], [*problems, Problem(source, 1, "'items' must be an array of tables ([[items]])")]
    headers = [number for number, line in enumerate(text.splitlines(), start=1) if _TOML_HEADER.fullmatch(line)]
    lines = headers if len(headers) == len(rows) else [1] * len(rows)
    return list(zip(lines, rows)), problems


def _json_rows(text: str, source: str) -> tuple[list[tuple[int, Any]], list[Problem]]:
    too_deep = nesting_problem(text, source=source, syntax="json")
    if too_deep is not None:
        return [], [too_deep]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [Problem(source, error.lineno, f"not valid JSON: {error.msg} (column {error.colno})")]
    if isinstance(data, dict):
        rows = data.get("items")
        if not isinstance(rows, list):
            return [], [Problem(source, 1, "a JSON items file is an array of objects, or an object with an 'items' array")]
    elif isinstance(data, list):
        rows = data
    else:
        return [], [Problem(source, 1, "a JSON items file is an array of objects")]
    try:
        located = json_elements_with_lines(text)
    except (ValueError, IndexError):
        located = None
    if located is None or len(located) != len(rows):
        return [(1, row) for row in rows], []
    return [(line, row) for (line, _), row in zip(located, rows)], []


_DECODER = json.JSONDecoder()


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def json_elements_with_lines(text: str, key: str = "items") -> list[tuple[int, Any]] | None:
    """The elements of the top-level array (or of the top-level object's `key` array),
    each with the 1-based line it starts on. JSON parsers give no positions."""
    index = _skip(text, 0)
    if text.startswith("{", index):
        index = _skip(text, index + 1)
        while index < len(text) and text[index] != "}":
            name, index = _DECODER.raw_decode(text, index)
            index = _skip(text, index)
            if text[index] != ":":
                return None
            index = _skip(text, index + 1)
            if name == key and text.startswith("[", index):
                return list(_array(text, index))
            _, index = _DECODER.raw_decode(text, index)
            index = _skip(text, index)
            if index < len(text) and text[index] == ",":
                index = _skip(text, index + 1)
        return None
    if text.startswith("[", index):
        return list(_array(text, index))
    return None


def _array(text: str, index: int) -> Iterator[tuple[int, Any]]:
    index = _skip(text, index + 1)
    line, counted = 1, 0
    while index < len(text) and text[index] != "]":
        line += text.count("\n", counted, index)
        counted = index
        value, index = _DECODER.raw_decode(text, index)
        yield line, value
        index = _skip(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)


def _csv_rows(text: str, source: str) -> tuple[list[tuple[int, Any]], list[Problem]]:
    header = _csv_header(text)
    delimiter = ","
    first = text.split("\n", 1)[0]
    for candidate in (",", ";", "\t"):
        if header is not None and candidate in first and "title" in [c.strip().strip('"').lower() for c in first.split(candidate)]:
            delimiter = candidate
            break
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = [c.strip().lower() for c in next(reader)]
    except StopIteration:
        return [], [Problem(source, 1, "empty CSV file")]
    except csv.Error as error:
        return [], [Problem(source, 1, f"not valid CSV: {error}")]
    problems: list[Problem] = []
    missing = [name for name in ("title", "date") if name not in columns]
    if missing:
        return [], [Problem(source, 1, f"the CSV header must name the columns title and date (missing: {', '.join(missing)})")]
    unknown = [name for name in columns if name and name not in FIELDS]
    if unknown:
        problems.append(Problem(source, 1, f"unknown columns ignored: {', '.join(unknown)} (known: {', '.join(FIELDS)})"))
    rows: list[tuple[int, Any]] = []
    previous = reader.line_num
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(Problem(source, reader.line_num, f"not valid CSV: {error}; rest of file skipped"))
            break
        start, previous = previous + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(columns):
            problems.append(Problem(source, start, f"row has {len(values)} fields but the header names {len(columns)}; row skipped"))
            continue
        rows.append((start, {name: value for name, value in zip(columns, values) if name in FIELDS}))
    return rows, problems
