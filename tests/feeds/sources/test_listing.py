"""Data-driven tests of `feeds.sources.listing.parse_listing`: one case per listing variation.

Every `tests/cases/listings/NAME.txt` is a listing page (bytes exact: CRLF, BOM and non-breaking
spaces are kept) and `NAME.json` next to it says what it must parse into. The format is described
in `tests/cases/listings/README.md`. To add a case, add a pair of files; nothing here changes.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from feeds.sources.listing import parse_listing

ROOT = Path(__file__).resolve().parents[3]
CASES = Path(__file__).resolve().parents[2] / "cases" / "listings"
CASE_FILES = sorted(CASES.glob("*.txt"))
SEED_PAGES = sorted((ROOT / "examples" / "ilo-coop" / "pages").glob("*.txt"))

cases = pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])


def read_listing(path: Path) -> str:
    """The listing exactly as stored: no newline translation, and a BOM is left for the parser."""
    return path.read_bytes().decode("utf-8")


def read_expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def parse_case(path: Path):
    return parse_listing(read_listing(path), source=path.name, date_order=read_expected(path).get("date_order"))


@cases
def test_items(path: Path) -> None:
    result = parse_case(path)
    actual = [
        {
            "title": item.title,
            "date": item.date.isoformat(),
            "category": item.category,
            "summary": item.summary,
            **({"url": item.url} if item.url else {}),
        }
        for item in result.items
    ]
    assert actual == read_expected(path)["items"]


@cases
def test_problem_lines(path: Path) -> None:
    result = parse_case(path)
    actual = [problem.line for problem in result.problems]
    expected_problems = read_expected(path)["problems"]
    expected = [problem["line"] for problem in expected_problems]
    for problem, wanted in zip(result.problems, expected_problems):
        assert wanted.get("message", "") in problem.message, (problem, wanted)
    if None in expected:
        # "line": null means "a problem somewhere": the case only asks for at least that many.
        assert len(actual) >= len(expected), actual
    else:
        assert actual == expected


@cases
def test_problems_name_source_and_line(path: Path) -> None:
    result = parse_case(path)
    assert result.source == path.name
    for problem in result.problems:
        text = str(problem)
        prefix = f"{path.name}:{problem.line}: "
        assert text.startswith(prefix), text
        assert text[len(prefix) :].strip(), f"no message after the location: {text!r}"


# The corpus itself: keeps the data files honest, independently of the parser.

ITEM_KEYS = {"title", "date", "category", "summary"}


@cases
def test_case_file_is_well_formed(path: Path) -> None:
    expected = read_expected(path)
    assert {"description", "items", "problems"} <= set(expected) <= {"description", "items", "problems", "date_order"}
    assert expected["description"].strip()
    for item in expected["items"]:
        assert ITEM_KEYS <= set(item) <= ITEM_KEYS | {"url"}
        assert date.fromisoformat(item["date"]).isoformat() == item["date"]
        assert item["title"] == " ".join(item["title"].split())
        if item["category"] is not None:
            assert item["category"] == " ".join(item["category"].split())
        if item["summary"] is not None:
            for paragraph in item["summary"].split("\n\n"):
                assert paragraph == " ".join(paragraph.split())
    lines = [problem["line"] for problem in expected["problems"]]
    assert all({"line"} <= set(problem) <= {"line", "message"} for problem in expected["problems"])
    if None not in lines:
        assert lines == sorted(lines)
        text_lines = re.split(r"\r\n|\n", read_listing(path).removeprefix("\ufeff"))
        for line in lines:
            marker = text_lines[line - 1].replace("\u00a0", " ").lstrip()
            assert re.match(r"\d+\.(\s|$)|-( |$)", marker), f"line {line} is not an item's first line"


def test_every_data_file_has_its_listing() -> None:
    listings = {p.stem for p in CASE_FILES}
    expectations = {p.stem for p in CASES.glob("*.json")}
    assert listings == expectations


def test_seed_cases_are_the_bundled_sample_pages() -> None:
    seeds = sorted(CASES.glob("seed-*.txt"))
    assert len(seeds) == len(SEED_PAGES) == 5
    for seed, page in zip(seeds, SEED_PAGES):
        assert seed.read_bytes() == page.read_bytes(), (seed.name, page.name)
    expected = [read_expected(seed) for seed in seeds]
    assert sum(len(e["items"]) for e in expected) == 50
    assert all(e["problems"] == [] for e in expected)


def compact(text: str) -> str:
    """The spaced-out listing as other tools render it: the marker on a line of its own,
    no blank lines, a photo credit after the marker and after the summary."""
    lines = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = " ".join(line.split())
        marker = re.fullmatch(r"(\d+\.|-) (.+)", line)
        if marker:
            lines += [marker[1], "© Jane Doe / Agency 2023", marker[2]]
        elif line:
            lines.append(line)
    return "\n".join(lines).replace("\n1.\n", "\nApril 2023\n1.\n", 1) + "\n(c) ILO 2023\n"


@pytest.mark.parametrize("page", SEED_PAGES, ids=[p.stem for p in SEED_PAGES])
def test_a_compact_rendering_parses_to_the_same_items(page: Path) -> None:
    def essentials(result):
        return [(i.title, i.date, i.category, " ".join((i.summary or "").split())) for i in result.items]

    spaced = parse_listing(page.read_text(encoding="utf-8"), source=page.name)
    tight = parse_listing(compact(page.read_text(encoding="utf-8")), source=page.name)
    assert tight.problems == ()
    assert essentials(tight) == essentials(spaced) and len(spaced.items) >= 5
