"""Atom item and digest feeds built from the samples: valid, readable, stable."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.archive import Archive
from feeds.months import group_by_month
from feeds.site_files import DIGEST_FEED, ITEMS_FEED
from tests.feed_samples import TODAY, build_files, sample_site

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = Path(__file__).resolve().parents[2] / "feeds" / "schemas" / "atom.rng"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    settings = sample_site(tmp_path_factory.mktemp("atom"))
    files = build_files(settings)
    with Archive.open(settings.archive) as archive:
        items, labels = archive.items(until=TODAY), archive.categories()
    return files, items, labels, settings


@pytest.mark.parametrize("name", [ITEMS_FEED, DIGEST_FEED])
def test_feed_is_valid_against_rfc4287_schema(built, name):
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    document = etree.fromstring(built[0][name])
    assert schema.validate(document), schema.error_log


@pytest.mark.parametrize("name, entries", [(ITEMS_FEED, 50), (DIGEST_FEED, 17)])
def test_feedparser_reads_feed_back(built, name, entries):
    parsed = feedparser.parse(built[0][name])
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert len(parsed.entries) == entries
    assert len({entry.id for entry in parsed.entries}) == entries
    assert parsed.feed.title.startswith("ILO COOP eNewsUpdate")
    assert parsed.feed.author_detail.name == "ILO Cooperatives Unit (COOP)"


@pytest.mark.parametrize("name", [ITEMS_FEED, DIGEST_FEED])
def test_feed_rules_the_schema_cannot_check(built, name):
    root = etree.fromstring(built[0][name])
    entries = root.findall(f"{ATOM}entry")
    updated = [entry.findtext(f"{ATOM}updated") for entry in entries]
    assert root.findtext(f"{ATOM}updated") == max(updated, key=datetime.fromisoformat)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == f"https://coop-news.example.org/{name}"
    assert links["alternate"] == "https://coop-news.example.org/"
    published = [entry.findtext(f"{ATOM}published") for entry in entries]
    assert len(set(published)) == len(published), "entries of one feed share a timestamp"
    for entry in entries:
        assert entry.find(f"{ATOM}content").get("type") == "html"
        for link in entry.findall(f"{ATOM}link"):
            assert link.get("href").startswith("https://")


def test_items_feed_is_newest_first_in_listing_order(built):
    parsed = feedparser.parse(built[0][ITEMS_FEED])
    titles = [entry.title for entry in parsed.entries]
    assert titles[0].startswith("Training of trainers workshop on cooperative development tools")
    assert titles.index("ILO COOP eNewsUpdate") < titles.index(
        "ILO PROSPECTS undertakes training workshop for agricultural cooperatives in Lebanon"
    )


def test_summary_is_escaped_exactly_once(built):
    files, items, *_ = built
    parsed = feedparser.parse(files[ITEMS_FEED])
    lebanon = next(e for e in parsed.entries if e.title.startswith("ILO PROSPECTS"))
    assert lebanon.content[0].value.startswith("<p>Under PROSPECTS Lebanon")
    assert b"&amp;lt;" not in files[ITEMS_FEED]


def test_digest_groups_months_with_sections(built):
    items = built[1]
    months = group_by_month(items)
    assert [m.key for m in months][:3] == ["2023-01", "2022-12", "2021-03"]
    december = months[1]
    assert len(december.items) == 9
    assert [s.title for s in months[0].sections] == ["News"]


def test_building_twice_gives_identical_bytes(built):
    files, _items, _labels, settings = built
    assert build_files(settings) == files
