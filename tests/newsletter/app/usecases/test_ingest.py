"""`feedletter ingest` and `run` read numeric dates as the source or the site language says."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

LISTING = "- News\n  A story on the third of February\n  03/02/2023\n"


def _site(tmp_path, *, language: str, source: str = "") -> str:
    (tmp_path / "page.txt").write_text(LISTING, encoding="utf-8")
    config = tmp_path / "feedletter.toml"
    config.write_text(f'[site]\nbase_url = "https://news.example.org/"\nlanguage = "{language}"\n{source}',
                      encoding="utf-8")
    return str(config)


def _dates(config: str) -> list[str]:
    status, out, err = run_cli("--config", config, "items", "--json")
    assert status == 0, err
    return [item["date"] for item in json.loads(out)]


@pytest.mark.parametrize(("language", "expected"), [("fr", "2023-02-03"), ("en-GB", "2023-02-03"),
                                                    ("en-US", "2023-03-02")])
def test_ingest_reads_numeric_dates_in_the_site_language_order(tmp_path, language, expected):
    config = _site(tmp_path, language=language)
    status, _, err = run_cli("--config", config, "ingest", str(tmp_path / "page.txt"))
    assert status == 0, err
    assert _dates(config) == [expected]


def test_plain_english_gives_no_order_and_the_date_is_never_guessed(tmp_path):
    config = _site(tmp_path, language="en")
    status, _, err = run_cli("--config", config, "ingest", str(tmp_path / "page.txt"))
    assert status == 2
    assert "'03/02/2023' is ambiguous: 3 February 2023 (day first) or 2 March 2023 (month first)" in err


def test_a_source_date_order_wins_over_the_site_language(tmp_path):
    source = '[[sources]]\nname = "page"\nlocation = "page.txt"\ndate_order = "MDY"\n'
    config = _site(tmp_path, language="fr", source=source)
    status, _, err = run_cli("--config", config, "run")
    assert status == 0, err
    assert _dates(config) == ["2023-03-02"]


def test_a_date_order_that_is_not_one_is_a_config_error(tmp_path):
    source = '[[sources]]\nname = "page"\nlocation = "page.txt"\ndate_order = "DDMMYY"\n'
    status, _, err = run_cli("--config", _site(tmp_path, language="fr", source=source), "run")
    assert status == 2 and "date_order: must be one of DMY, MDY, YMD" in err
