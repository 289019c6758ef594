"""Item pictures and the site's logo in every feed format: Media RSS in Atom and RSS,
`image` in JSON Feed, Atom icon/logo and the RSS channel image; still valid (RELAX NG
schema and the validator's rules) and read back by feedparser as a reader would."""

from __future__ import annotations

import json
from datetime import date
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree

from feeds.archive import Archive
from feeds.model import Image, ParsedItem
from feeds.validate import check_files
from newsletter.app.config import load_settings
from newsletter.app.usecases.build import build_site
from tests.conftest import NOW
from tests.feed_samples import CONFIG, output_tree

LOGO = "https://coop-news.example.org/logo.png"
ICON = "https://coop-news.example.org/icon.png"
PICTURED = ParsedItem(
    "Bakers open a cooperative", date(2023, 1, 25), "News", "A bakery owned by its bakers.",
    "https://coop.example.org/bakery",
    image=Image("https://cdn.example.org/bakery.jpg", "Bakers at the oven & the bread", 1200, 800),
)
NO_WORDS = ParsedItem("A picture without words", date(2023, 1, 24), "News", "Look.",
                      image=Image("https://cdn.example.org/look.png"))
PLAIN = ParsedItem("No picture at all", date(2023, 1, 23), "News", "Only text.")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, bytes]:
    tmp = tmp_path_factory.mktemp("images")
    config = tmp / "feedletter.toml"
    config.write_text(CONFIG.replace("[site]\n", f'[site]\nlogo_url = "{LOGO}"\nicon_url = "{ICON}"\n'),
                      encoding="utf-8")
    settings = load_settings(config)
    with Archive.open(settings.archive) as archive:
        archive.ingest([("pictures.toml", [PICTURED, NO_WORDS, PLAIN])], now=NOW,
                       zone=ZoneInfo("Europe/Zurich"), authority="coop-news.example.org,2026")
        build_site(settings, archive, today=date(2023, 2, 1))
    return output_tree(settings.output)


def by_title(parsed) -> dict:
    return {entry.title: entry for entry in parsed.entries}


def test_every_feed_stays_valid(files):
    findings = check_files({name: data for name, data in files.items() if name.startswith("feeds/")}, now=NOW)
    assert [str(finding) for finding in findings if not finding.warning] == []


@pytest.mark.parametrize("name", ["feeds/items.atom", "feeds/items.rss", "feeds/category/news.atom"])
def test_feedparser_reads_each_picture_back(files, name):
    parsed = feedparser.parse(files[name])
    assert not parsed.bozo, parsed.get("bozo_exception")
    entries = by_title(parsed)
    pictured = entries["Bakers open a cooperative"]
    assert pictured.media_content == [{"url": "https://cdn.example.org/bakery.jpg", "medium": "image",
                                       "width": "1200", "height": "800"}]
    assert pictured.media_thumbnail == [{"url": "https://cdn.example.org/bakery.jpg", "width": "1200", "height": "800"}]
    assert entries["A picture without words"].media_content[0]["url"] == "https://cdn.example.org/look.png"
    assert "media_content" not in entries["No picture at all"]


def test_alt_text_is_escaped_once_in_media_description(files):
    root = etree.fromstring(files["feeds/items.atom"])
    descriptions = root.findall(".//{http://search.yahoo.com/mrss/}description")
    assert [element.text for element in descriptions] == ["Bakers at the oven & the bread"]
    assert b"Bakers at the oven &amp; the bread" in files["feeds/items.atom"]


def test_atom_icon_and_logo_and_rss_channel_image(files):
    atom = feedparser.parse(files["feeds/items.atom"]).feed
    assert (atom.logo, atom.icon) == (LOGO, ICON)
    rss = feedparser.parse(files["feeds/items.rss"]).feed
    assert rss.image.href == LOGO
    assert rss.image.title == rss.title and rss.image.link == "https://coop-news.example.org/"


def test_json_feed_items_carry_their_image_and_the_feed_its_icons(files):
    feed = json.loads(files["feeds/items.json"])
    images = {item["title"]: item.get("image") for item in feed["items"]}
    assert images == {"Bakers open a cooperative": "https://cdn.example.org/bakery.jpg",
                      "A picture without words": "https://cdn.example.org/look.png", "No picture at all": None}
    assert (feed["icon"], feed["favicon"]) == (LOGO, ICON)


def test_digest_entry_shows_its_newest_picture(files):
    digest = feedparser.parse(files["feeds/digest.atom"])
    assert digest.entries[0].media_content[0]["url"] == "https://cdn.example.org/bakery.jpg"
    assert json.loads(files["feeds/digest.json"])["items"][0]["image"] == "https://cdn.example.org/bakery.jpg"
