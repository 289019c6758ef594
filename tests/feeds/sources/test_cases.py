"""Data-driven tests of `feeds.sources.parse_source` for HTML pages, feeds and items files.

Each case is an input file in `tests/cases/html/`, `tests/cases/feeds/` or `tests/cases/items/`
(its extension tells its format) and `NAME.expected.json` next to it: the items and problems
the product reads from it, plus the `base_url` and `options` it is read with. The formats are
described in each folder's README.md. To add a case, write the input (and, when it needs them,
an expected file holding a description, `base_url` and `options`), run

    .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_source_cases.py --update-golden

and read what was written: the expected file is the specification, not a recording.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from feeds.model import ParsedItem, ParseResult
from feeds.sources import parse_source

CASES = Path(__file__).resolve().parents[2] / "cases"
EXPECTED = ".expected.json"
# folder -> (the kind parse_source is asked for, the input file extensions of that folder)
FOLDERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "html": ("html", (".html",)),
    "feeds": ("feed", (".xml", ".json")),
    "items": ("items", (".toml", ".json", ".csv")),
}
SPEC_KEYS = ("description", "base_url", "options", "corpus")  # kept as written by --update-golden
ITEM_KEYS = ("title", "date", "moment", "category", "summary", "url", "guid", "content_html", "image", "line")
OPTION_KEYS = {"selectors", "charset", "name", "format", "date_order", "undated", "local"}
CORPUS_KEYS = {"shape", "held_out", "truth"}


def case_inputs(folder: str) -> list[Path]:
    extensions = FOLDERS[folder][1]
    return sorted(
        path
        for path in (CASES / folder).iterdir()
        if path.is_file()
        and path.suffix in extensions
        and not path.name.endswith(EXPECTED)
    )


ALL_CASES = [(folder, path) for folder in FOLDERS for path in case_inputs(folder)]
cases = pytest.mark.parametrize(
    ("folder", "path"),
    ALL_CASES,
    ids=[f"{folder}/{path.stem}" for folder, path in ALL_CASES],
)


def expected_path(path: Path) -> Path:
    return path.with_name(path.stem + EXPECTED)


def read_spec(path: Path) -> dict | None:
    expected = expected_path(path)
    if not expected.exists():
        return None
    return json.loads(expected.read_text(encoding="utf-8"))


def parse_case(folder: str, path: Path, spec: dict) -> ParseResult:
    return parse_source(
        FOLDERS[folder][0],
        path.read_bytes(),
        source=path.name,
        base_url=spec.get("base_url"),
        options=spec.get("options"),
    )


def item_record(item: ParsedItem) -> dict:
    """The fields of an item that are set, in a fixed order; the date as ISO text."""
    values = {
        "title": item.title,
        "date": item.date.isoformat() if item.date else None,
        "moment": item.moment.isoformat() if item.moment else None,
        "category": item.category,
        "summary": item.summary,
        "url": item.url,
        "guid": item.guid,
        "content_html": item.content_html,
        "image": {key: value for key, value in asdict(item.image).items() if value is not None} if item.image else None,
        "line": item.line,
    }
    return {key: value for key, value in values.items() if value is not None}


def observed(result: ParseResult) -> dict:
    return {
        "items": [item_record(item) for item in result.items],
        "problems": [str(problem) for problem in result.problems],
    }


def as_text(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@cases
def test_parses_as_expected(folder: str, path: Path, update_golden: bool) -> None:
    spec = read_spec(path)
    if spec is None and not update_golden:
        pytest.fail(
            f"{expected_path(path).name} is missing; run pytest {Path(__file__).name} --update-golden "
            "to write it, then read it and add its description"
        )
    spec = spec or {}
    actual = observed(parse_case(folder, path, spec))
    if update_golden:
        kept = {key: spec[key] for key in SPEC_KEYS if key in spec}
        kept.setdefault("description", "")
        expected_path(path).write_text(as_text({**kept, **actual}), encoding="utf-8")
        return
    wanted = {"items": spec.get("items"), "problems": spec.get("problems")}
    if actual != wanted:
        diff = difflib.unified_diff(
            as_text(wanted).splitlines(keepends=True),
            as_text(actual).splitlines(keepends=True),
            fromfile=f"{folder}/{expected_path(path).name} (expected)",
            tofile=f"parse_source({FOLDERS[folder][0]!r}, {path.name}) (actual)",
        )
        pytest.fail(
            f"{folder}/{path.name} no longer parses as expected "
            f"(pytest --update-golden to accept):\n{''.join(diff)}",
            pytrace=False,
        )


@cases
def test_urls_are_absolute_and_problems_name_the_file(folder: str, path: Path) -> None:
    spec = read_spec(path) or {}
    result = parse_case(folder, path, spec)
    assert result.source == path.name
    for item in result.items:
        if item.url is not None:
            parts = urlsplit(item.url)
            assert parts.scheme in ("http", "https") and parts.netloc, (
                f"item {item.title!r}: url {item.url!r}"
            )
        if item.image is not None:  # absolute http(s); a local items file may also name a path beside it
            parts = urlsplit(item.image.url)
            local_path = (spec.get("options") or {}).get("local") and not parts.scheme and not item.image.url.startswith("/")
            assert (parts.scheme in ("http", "https") and parts.netloc) or local_path, (
                f"item {item.title!r}: image {item.image.url!r}"
            )
    for problem in result.problems:
        assert problem.source == path.name, str(problem)
        assert problem.line >= 1, str(problem)
        assert str(problem).startswith(f"{path.name}:{problem.line}: "), str(problem)


# The corpus itself: keeps the case files honest, independently of the parsers.


@cases
def test_expected_file_is_well_formed(folder: str, path: Path) -> None:
    spec = read_spec(path)
    if spec is None:
        pytest.skip("no expected file (reported by test_parses_as_expected)")
    assert set(spec) <= {*SPEC_KEYS, "items", "problems"}, sorted(spec)
    assert isinstance(spec.get("description"), str) and spec["description"].strip(), (
        "say what the case is about"
    )
    assert set(spec.get("options") or {}) <= OPTION_KEYS, spec["options"]
    if "base_url" in spec:
        assert urlsplit(spec["base_url"]).scheme in ("http", "https"), spec["base_url"]
    for item in spec["items"]:
        assert tuple(item) == tuple(key for key in ITEM_KEYS if key in item), (
            f"keys in order {ITEM_KEYS}: {item}"
        )
        assert {"title", "line"} <= set(item), item
        if "date" in item:  # an undated feed entry has none
            assert date.fromisoformat(item["date"]).isoformat() == item["date"], item
        assert all(value is not None for value in item.values()), (
            f"unset fields are left out: {item}"
        )
    for problem in spec["problems"]:
        assert isinstance(problem, str) and problem.startswith(f"{path.name}:"), problem
    corpus = spec.get("corpus")
    if corpus is not None:  # a page of the detection corpus: its truth is written by hand
        assert set(corpus) == CORPUS_KEYS and isinstance(corpus["held_out"], bool), corpus.keys()
        assert isinstance(corpus["shape"], str) and corpus["shape"], corpus
        for row in corpus["truth"]:
            assert set(row) <= {"title", "url", "date"} and {"title", "url"} <= set(row), row
            assert urlsplit(row["url"]).scheme in ("http", "https"), row


@pytest.mark.parametrize("folder", FOLDERS)
def test_folder_holds_cases_and_nothing_else(folder: str) -> None:
    inputs = case_inputs(folder)
    assert len(inputs) >= 1, f"no cases in tests/cases/{folder}"
    stems = [path.stem for path in inputs]
    assert len(stems) == len(set(stems)), (
        f"two inputs share a name (and so an expected file): {sorted(stems)}"
    )
    allowed = {
        "README.md",
        *(path.name for path in inputs),
        *(expected_path(path).name for path in inputs),
    }
    stray = sorted(
        path.name for path in (CASES / folder).iterdir() if path.name not in allowed
    )
    assert not stray, (
        f"files in tests/cases/{folder} that are no case (an expected file without its input?): {stray}"
    )
    assert (CASES / folder / "README.md").is_file()
