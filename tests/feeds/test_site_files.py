"""RSS 2.0, JSON Feed, category feeds, OPML and RFC 5005 archives built from the samples,
read back with feedparser and lxml (JSON Feed with json and our validator: feedparser 6.0
reads XML only)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import pytest
from lxml import etree

from feeds.archive import Archive
from feeds.model import ParsedItem
from feeds.site_files import OPML_FILE
from feeds.site_paths import category_slugs
from feeds.validate import check_json_feed
from tests.conftest import NOW
from tests.feed_samples import AUTHORITY, BASE, build_files, sample_site

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return sample_site(tmp_path_factory.mktemp("formats"))


@pytest.fixture(scope="module")
def files(settings):
    return build_files(settings)


class _JsonFeed:
    """JSON Feed read the way feedparser would present it (feedparser 6.0 reads only XML)."""

    def __init__(self, data: bytes):
        feed = json.loads(data)
        self.bozo = feed.get("version") != "https://jsonfeed.org/version/1.1"
        self.version = "json11"
        self.entries = [
            feedparser.FeedParserDict(id=item["id"], title=item["title"],
                                      published_parsed=datetime.fromisoformat(item["date_published"])
                                      .astimezone(UTC).timetuple())
            for item in feed["items"]
        ]


def parse(name: str, data: bytes):
    if name.endswith(".json"):
        assert check_json_feed(name, data, now=NOW) == []
        return _JsonFeed(data)
    return feedparser.parse(data)


def subscription_feeds(files):
    return sorted(name for name in files if name.endswith((".atom", ".rss", ".json")) and "/archive/" not in name)


def test_every_feed_reads_back_without_bozo_and_with_unique_ids(files):
    names = subscription_feeds(files) + sorted(n for n in files if "/archive/" in n)
    assert len(names) == 3 * (2 + 7) + 17
    for name in names:
        parsed = parse(name, files[name])
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        ids = [entry.id for entry in parsed.entries]
        assert ids and len(ids) == len(set(ids)), name


@pytest.mark.parametrize("stem, entries", [("items", 50), ("digest", 17)])
def test_atom_rss_and_json_say_the_same(files, stem, entries):
    atom, rss, jsonf = (parse(f"feeds/{stem}.{ext}", files[f"feeds/{stem}.{ext}"]) for ext in ("atom", "rss", "json"))
    assert rss.version == "rss20" and jsonf.version == "json11"
    for parsed in (atom, rss, jsonf):
        assert len(parsed.entries) == entries
    assert [e.id for e in rss.entries] == [e.id for e in atom.entries] == [e.id for e in jsonf.entries]
    assert [e.title for e in rss.entries] == [e.title for e in atom.entries]
    assert [e.title for e in jsonf.entries] == [e.title for e in atom.entries]
    assert [tuple(e.published_parsed)[:6] for e in rss.entries] == [tuple(e.published_parsed)[:6] for e in atom.entries]
    assert [tuple(e.published_parsed)[:6] for e in jsonf.entries] == [tuple(e.published_parsed)[:6] for e in atom.entries]


def test_rss_channel_link_is_the_site_and_self_is_the_feed(files):
    root = etree.fromstring(files["feeds/items.rss"])
    channel = root.find("channel")
    assert channel.findtext("link") == BASE
    self_link = channel.find(f"{ATOM}link")
    assert (self_link.get("rel"), self_link.get("href"), self_link.get("type")) == (
        "self", BASE + "feeds/items.rss", "application/rss+xml")
    assert channel.findtext("language") == "en"
    assert channel.findtext("lastBuildDate") == "Wed, 25 Jan 2023 00:00:01 +0100"  # newest item, not now
    item = channel.find("item")
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("guid").startswith(f"tag:{AUTHORITY}:item/")
    assert item.findtext("pubDate") == "Wed, 25 Jan 2023 00:00:01 +0100"
    assert b"python-feedgen" not in files["feeds/items.rss"]


def test_json_feed_fields(files):
    feed = json.loads(files["feeds/items.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["home_page_url"] == BASE and feed["feed_url"] == BASE + "feeds/items.json"
    assert feed["language"] == "en"
    assert feed["authors"] == [{"name": "ILO Cooperatives Unit (COOP)", "url": "mailto:coop@example.org"}]
    first = feed["items"][0]
    assert isinstance(first["id"], str) and first["content_html"].startswith("<p>")
    assert first["date_published"] == "2023-01-25T00:00:01+01:00"
    assert first["url"].startswith(BASE + "issues/2023-01.html#item-")
    assert datetime.fromisoformat(first["date_modified"]).tzinfo is not None


def test_category_feeds_group_spelling_variants(files):
    # the label (and so the file name) is the spelling first stored: page 002 comes before 003
    cooperators = feedparser.parse(files["feeds/category/spotlight-interviews-with-co-operators.atom"])
    assert len(cooperators.entries) == 2  # "Co-operators" and "Cooperators" are one category
    assert cooperators.feed.id == f"tag:{AUTHORITY}:feed/category/spotlight-interviews-with-co-operators"
    news = feedparser.parse(files["feeds/category/news.rss"])
    assert len(news.entries) == 31
    assert not any(name.startswith("feeds/category/spotlight-interviews-with-cooperators") for name in files)


def test_category_slugs_are_safe_stable_and_distinct():
    labels = {"cafe": "Cafe", "café": "Café", "кооперативы": "Кооперативы", "co operators": "x"}
    slugs = category_slugs(["cafe", "café", "кооперативы"], labels)
    assert slugs["cafe"] == "cafe"
    assert slugs["café"].startswith("cafe-") and len(set(slugs.values())) == 3
    assert slugs["кооперативы"].startswith("category-")
    assert all(set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") for slug in slugs.values())
    # a new category never renames an existing feed
    assert category_slugs(["café"], labels)["café"] == slugs["café"]
    assert category_slugs(["cafe", "café", "cafee"], {**labels, "cafee": "Cafee"})["cafe"] == "cafe"


def test_opml_lists_every_subscription_feed_once(files):
    root = etree.fromstring(files[OPML_FILE])
    urls = [outline.get("xmlUrl") for outline in root.iter("outline")]
    atom_feeds = [BASE + name for name in subscription_feeds(files) if name.endswith(".atom")]
    assert sorted(urls) == sorted(atom_feeds)
    assert all(outline.get("type") == "rss" for outline in root.iter("outline"))


def test_index_page_announces_every_feed_for_autodiscovery(files):
    index = lxml.html.document_fromstring(files["index.html"])
    links = [{"title": link.get("title"), "url": link.get("href"), "type": link.get("type")}
             for link in index.xpath("//head/link[@rel='alternate']")]
    assert len(links) == 3 * (2 + 7)
    assert {link["type"] for link in links} == {"application/atom+xml", "application/rss+xml", "application/feed+json"}
    assert links[0] == {"title": "ILO COOP eNewsUpdate (Atom)", "url": BASE + "feeds/items.atom",
                        "type": "application/atom+xml"}
    assert sorted(link["url"].removeprefix(BASE) for link in links) == subscription_feeds(files)


# -- RFC 5005 ---------------------------------------------------------------------


def walk_archives(files) -> tuple[dict[str, str], list[str]]:
    """Follow prev-archive from the subscription document as a client does.
    Returns {entry id: document it was first seen in} and the documents visited."""
    seen: dict[str, str] = {}
    visited = []
    url = BASE + "feeds/items.atom"
    while url:
        name = url.removeprefix(BASE)
        assert name not in visited, "archive chain loops"
        visited.append(name)
        parsed = feedparser.parse(files[name])
        assert not parsed.bozo
        for entry in parsed.entries:
            seen.setdefault(entry.id, name)
        url = next((link.href for link in parsed.feed.links if link.rel == "prev-archive"), None)
    return seen, visited


def test_following_prev_archive_yields_every_item_once(files):
    seen, visited = walk_archives(files)
    assert len(seen) == 50
    archives = [name for name in visited if "/archive/" in name]
    assert len(archives) == 17 == len([n for n in files if "/archive/" in n])
    ids_per_archive = [[e.id for e in feedparser.parse(files[name]).entries] for name in archives]
    all_archived = [entry_id for ids in ids_per_archive for entry_id in ids]
    assert len(all_archived) == len(set(all_archived)) == 50  # no archive repeats an entry


def test_archive_documents_follow_rfc5005(files):
    newest = etree.fromstring(files["feeds/archive/items-2023-01.atom"])
    assert newest.find(f"{FH}archive") is not None
    links = {link.get("rel"): link.get("href") for link in newest.findall(f"{ATOM}link")}
    assert links["current"] == BASE + "feeds/items.atom"
    assert links["prev-archive"] == BASE + "feeds/archive/items-2022-12.atom"
    assert "next-archive" not in links
    oldest = etree.fromstring(files["feeds/archive/items-2016-12.atom"])
    oldest_links = {link.get("rel") for link in oldest.findall(f"{ATOM}link")}
    assert "prev-archive" not in oldest_links and "next-archive" in oldest_links
    subscription = etree.fromstring(files["feeds/items.atom"])
    assert subscription.find(f"{FH}archive") is None
    prev = [link.get("href") for link in subscription.findall(f"{ATOM}link") if link.get("rel") == "prev-archive"]
    assert prev == [BASE + "feeds/archive/items-2023-01.atom"]


def test_archives_stay_byte_stable_when_the_current_month_grows(tmp_path, files):
    settings = sample_site(tmp_path)
    later = datetime(2023, 2, 10, 9, 0, tzinfo=UTC)
    with Archive.open(settings.archive) as archive:
        report = archive.ingest(
            [("late.txt", (ParsedItem("A February item", date(2023, 2, 9), "News", "Something new."),))],
            now=later, zone=ZoneInfo("Europe/Zurich"), authority=AUTHORITY,
        )
    assert len(report.added) == 1
    february = build_files(settings, today=date(2023, 2, 10))
    archives = {n for n in files if "/archive/" in n}
    assert {n for n in february if "/archive/" in n} == archives
    assert all(february[name] == files[name] for name in archives), "a closed month was rewritten"
    assert february["feeds/items.atom"] != files["feeds/items.atom"]
    entries = feedparser.parse(february["feeds/items.atom"]).entries
    assert len(entries) == 50 and entries[0].title == "A February item"

    # When February closes, it gets an archive and January gains its next-archive link: nothing else moves.
    march = build_files(settings, today=date(2023, 3, 1))
    changed = {n for n in archives if march[n] != files[n]}
    assert changed == {"feeds/archive/items-2023-01.atom"}
    assert b'rel="next-archive"' in march["feeds/archive/items-2023-01.atom"]
    seen, _ = walk_archives(march)
    assert len(seen) == 51


def test_building_twice_gives_identical_bytes(settings, files):
    assert build_files(settings) == files


def test_no_feed_carries_the_build_time(files):
    today = datetime.now(UTC)
    stamps = {today.strftime("%Y-%m-%d"), (today - timedelta(days=1)).strftime("%Y-%m-%d")}
    for name, data in files.items():
        assert not any(stamp.encode() in data for stamp in stamps), name
