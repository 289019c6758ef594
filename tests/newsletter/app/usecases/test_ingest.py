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


EMPTY_RSS = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://f.example/</link>'
             "<description>d</description></channel></rss>")
PREFIXED_RSS = ('<?xml version="1.0"?><r:rss xmlns:r="http://backend.userland.com/rss2" version="2.0"><r:channel>'
                "<r:title>t</r:title><r:item><r:title>Prefixed entry</r:title><r:guid>g1</r:guid>"
                "<r:pubDate>Wed, 25 Jan 2023 09:30:00 +0100</r:pubDate></r:item></r:channel></r:rss>")


def test_a_valid_feed_with_no_entries_is_an_empty_source_not_a_failure(tmp_path):
    (tmp_path / "empty.xml").write_text(EMPTY_RSS, encoding="utf-8")
    config = _site(tmp_path, language="en")
    status, _, err = run_cli("--config", config, "ingest", str(tmp_path / "empty.xml"))
    assert (status, err) == (0, "")


def test_a_feed_in_a_prefixed_dialect_is_read_as_a_feed(tmp_path):
    (tmp_path / "prefixed.xml").write_text(PREFIXED_RSS, encoding="utf-8")
    config = _site(tmp_path, language="en")
    status, _, err = run_cli("--config", config, "ingest", str(tmp_path / "prefixed.xml"))
    assert status == 0, err
    assert _dates(config) == ["2023-01-25"]


def test_a_kind_given_is_never_overridden_by_sniffing(tmp_path):
    # text before the first tag: sniffed as listing text, but the source says it is HTML
    page = "News from the unit<ol><li><p>News</p><p>A page after all</p><p>25 January 2023</p></li></ol>"
    config = _site(tmp_path, language="en")
    (tmp_path / "page.txt").write_text(page, encoding="utf-8")
    status, _, err = run_cli("--config", config, "ingest", "--kind", "html", str(tmp_path / "page.txt"))
    assert status == 0, err
    assert _dates(config) == ["2023-01-25"]
    # a kind that reads nothing is still told as the wrong kind
    status, _, err = run_cli("--config", config, "ingest", "--kind", "items", str(tmp_path / "page.txt"))
    assert status == 1 and "expected an items file but got" in err
