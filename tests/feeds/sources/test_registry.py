"""Every source kind as a pure function of its bytes: listing, HTML, feeds, items files."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from feeds.sources import apply_defaults, detect_kind, parse_source
from feeds.sources.html import html_to_text
from tests.source_samples import (
    ATOM,
    HTML_PAGE,
    HTML_SELECTORS,
    ITEMS_CSV,
    ITEMS_JSON,
    ITEMS_TOML,
    JSON_FEED,
    LISTING,
    RSS091,
    RSS1,
    RSS2,
)


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (LISTING, "news.txt", "listing"),
        (HTML_PAGE, "index.html", "html"),
        ("<div><p>fragment</p></div>", "page", "html"),
        (RSS2, "feed", "feed"),
        (RSS1, "feed", "feed"),
        (RSS091, "feed", "feed"),
        (ATOM, "feed", "feed"),
        ('<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE feed [<!ENTITY a "b">]>\n<feed/>', "x", "feed"),
        (JSON_FEED, "feed.json", "feed"),
        (ITEMS_TOML, "news.toml", "items"),
        (ITEMS_TOML, "no-suffix", "items"),
        (ITEMS_JSON, "news.json", "items"),
        (ITEMS_CSV, "news.csv", "items"),
        (ITEMS_CSV, "no-suffix", "items"),
    ],
)
def test_detect_kind_from_content(data, name, kind):
    assert detect_kind(data.encode(), name) == kind


def test_detect_kind_reads_utf16_and_bom():
    assert detect_kind(ATOM.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16"), "x") == "feed"
    assert detect_kind(b"\xef\xbb\xbf" + LISTING.encode(), "x") == "listing"


def test_listing_bytes_wrap_the_listing_parser():
    result = parse_source("listing", LISTING.encode(), source="news.txt")
    assert [(i.title, i.date, i.category) for i in result.items] == [
        ("Listing news one", date(2023, 1, 10), "Cooperatives"),
        ("Listing news two", date(2023, 1, 12), "Events"),
    ]
    bad = parse_source("listing", b"1. News\nTitle\n10 January 2023\n\xff\xfe".replace(b"\xff\xfe", b"\xe9"), source="x")
    assert not bad.items and "not UTF-8" in bad.problems[0].message and bad.problems[0].line == 4


def test_html_with_selectors_resolves_links_and_reports_bad_items():
    result = parse_source("html", HTML_PAGE.encode(), source="page", base_url="https://www.example.org/news/index.html",
                          options={"selectors": HTML_SELECTORS})
    assert [(i.title, i.date, i.url) for i in result.items] == [
        ("HTML news one & more", date(2023, 1, 14), "https://www.example.org/news/2023/html-one.html"),
        ("HTML news two", date(2023, 1, 16), "https://www.example.org/news/two.html?utm=x"),
    ]
    assert result.items[0].summary == "First paragraph.\n\nSecond paragraph."
    assert len(result.problems) == 1 and result.problems[0].line == 3
    assert "Undated HTML news" in result.problems[0].message


def test_html_respects_base_href_and_drops_script_links():
    page = (
        '<html><head><base href="https://cdn.example.org/a/"></head><body>'
        '<div class="i"><h3><a href="javascript:alert(1)">Bad link</a></h3><p class="d">2023-01-05</p></div>'
        '<div class="i"><h3><a href="b.html">Good link</a></h3><p class="d">5 January 2023</p></div>'
        "</body></html>"
    )
    result = parse_source("html", page.encode(), source="p", base_url="https://www.example.org/",
                          options={"selectors": {"item": "div.i", "title": "h3", "date": ".d"}})
    assert [i.url for i in result.items] == [None, "https://cdn.example.org/a/b.html"]


def test_html_selector_matching_nothing_is_one_problem():
    result = parse_source("html", HTML_PAGE.encode(), source="p", options={"selectors": {**HTML_SELECTORS, "item": "li.gone"}})
    assert not result.items and "no element matches" in result.problems[0].message


def test_html_without_selectors_goes_through_text_and_the_listing_parser():
    page = """<html><body><nav><ul><li>Home</li></ul></nav><h1>News</h1><ol>
      <li><p>Cooperatives</p><h3>Fallback &amp; news</h3><p>25 January 2023</p><p>Para <b>one</b>.</p><p>Para two.</p></li>
      <li><p>Second fallback</p><p>26 January 2023</p></li></ol><script>var x = "1. Fake\\n2 May 2023";</script></body></html>"""
    result = parse_source("html", page.encode(), source="p")
    assert [(i.title, i.category, i.date) for i in result.items] == [
        ("Fallback & news", "Cooperatives", date(2023, 1, 25)),
        ("Second fallback", None, date(2023, 1, 26)),
    ]
    assert result.items[0].summary == "Para one.\n\nPara two."
    assert not result.problems
    assert "Fake" not in html_to_text(page)


def test_html_legacy_encoding_is_decoded():
    page = "<html><body><ol><li><p>Caf\u00e9 news</p><p>3 January 2023</p></li></ol></body></html>".encode("cp1252")
    assert parse_source("html", page, source="p").items[0].title == "Caf\u00e9 news"


def test_rss2_guid_dates_categories_and_sanitised_summary():
    result = parse_source("feed", RSS2.encode(), source="rss", base_url="https://partner.example.net/feed.xml")
    one, two, undated = result.items
    assert (one.title, one.guid, one.category, one.url) == ("RSS news one", "partner-1", "Partners", "https://partner.example.net/one")
    assert one.date == date(2023, 1, 18)  # the feed's own day, not the UTC one (19 January)
    assert one.summary == "Hello world"  # script content and the img handler are gone
    assert two.guid == "https://partner.example.net/two" and two.url == two.guid  # no guid: the link
    assert (undated.title, undated.date) == ("RSS news undated", None) and not result.problems  # dated when first seen


@pytest.mark.parametrize(("data", "title", "day"), [(RSS1, "RDF item", 5), (RSS091, "Old item", 6)])
def test_rss1_and_rss091(data, title, day):
    result = parse_source("feed", data.encode(), source="f")
    assert [(i.title, i.date) for i in result.items] == [(title, date(2023, 1, day))]
    assert not result.problems


def test_atom_html_title_content_and_ids():
    one, two = parse_source("feed", ATOM.encode(), source="atom").items
    assert (one.title, one.guid, one.category, one.summary) == ("Atom news one", "tag:atom.example.net,2023:1", "Atoms", "Atom summary")
    assert one.date == date(2023, 1, 20)
    assert (two.title, two.summary, two.guid, two.date) == ("Atom news two", "Content link", "https://atom.example.net/2", date(2023, 1, 21))


def test_json_feed_read_by_hand():
    result = parse_source("feed", JSON_FEED.encode(), source="j")
    one, two, undated = result.items
    assert (one.title, one.guid, one.category, one.summary) == ("JSON news one", "j1", "JSON", "JSON summary")
    assert two.title.startswith("A title-less JSON post") and two.url == "https://json.example.net/2" and two.guid == "2"
    assert (undated.title, undated.date) == ("JSON undated", None) and not result.problems  # dated when first seen


def test_bozo_feed_keeps_recoverable_entries_with_a_warning():
    broken = RSS2.replace("<title>RSS news two</title>", "<title>RSS & news two</title>").replace("</channel>", "")
    result = parse_source("feed", broken.encode(), source="b")
    assert [i.title for i in result.items] == ["RSS news one", "RSS & news two", "RSS news undated"]
    assert "not well-formed" in result.problems[0].message


@pytest.mark.parametrize("data", [b"<html><body>no feed</body></html>", b"", b"\x00\x01binary", b"<rss", b"{]"])
def test_unreadable_feed_is_a_problem_never_a_crash(data):
    result = parse_source("feed", data, source="x")
    assert not result.items and result.problems


def test_feed_entities_are_never_resolved_and_expansion_is_bounded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = f"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>
<rss version="2.0"><channel><title>t</title><item><title>A &xxe; B</title><description>&xxe;</description>
<pubDate>Wed, 18 Jan 2023 10:00:00 GMT</pubDate></item></channel></rss>"""
    result = parse_source("feed", xxe.encode(), source="x")
    assert all("TOP-SECRET" not in (i.title + (i.summary or "")) for i in result.items)
    entities = '<!ENTITY l0 "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY l{n} "' + f"&l{n - 1};" * 10 + '">' for n in range(1, 10)
    )
    bomb = (f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel><title>t</title>'
            "<item><title>X &l9;</title><pubDate>Wed, 18 Jan 2023 10:00:00 GMT</pubDate></item></channel></rss>")
    started = time.monotonic()
    result = parse_source("feed", bomb.encode(), source="x")
    assert time.monotonic() - started < 20
    assert all(len(i.title) < 10_000 for i in result.items)


def test_items_toml_rows_with_lines():
    result = parse_source("items", ITEMS_TOML.encode(), source="news.toml", options={"name": "news.toml"})
    assert [(i.title, i.date, i.line) for i in result.items] == [
        ("TOML item one", date(2023, 1, 24), 2), ("TOML item two", date(2023, 1, 25), 12)]
    assert [(p.line, p.message.split(" ")[0]) for p in result.problems] == [(9, "item"), (12, "unknown")]


def test_items_json_rows_with_lines():
    result = parse_source("items", ITEMS_JSON.encode(), source="news.json")
    assert [(i.title, i.line, i.url) for i in result.items] == [("JSON item one", 2, None), ("JSON item two", 4, None)]
    assert [p.line for p in result.problems] == [3, 4]
    wrapped = parse_source("items", b'{"note": "x",\n "items": [\n {"title": "A", "date": "2023-01-02"},\n {"title": "B"}]}', source="w")
    assert [i.line for i in wrapped.items] == [3] and wrapped.problems[0].line == 4


def test_items_csv_rows_with_lines_multiline_fields():
    result = parse_source("items", ITEMS_CSV.encode(), source="news.csv")
    assert [(i.title, i.line) for i in result.items] == [("CSV item one", 2), ("CSV item two", 4)]
    assert result.items[0].summary == "A summary, with a comma"
    assert [p.line for p in result.problems] == [3]


@pytest.mark.parametrize("data", [b"title = [", b"[1, 2", b"name,when\nx,y", b"{}", b"[[items]]\ntitle = 3\ndate = 2023-01-01"])
def test_bad_items_files_are_problems(data):
    result = parse_source("items", data, source="bad")
    assert not result.items and result.problems


def test_defaults_category_and_title_filter():
    result = parse_source("listing", LISTING.encode(), source="x")
    kept = apply_defaults(result, category="Fallback", exclude=r"two$")
    assert [(i.title, i.category) for i in kept.items] == [("Listing news one", "Cooperatives")]
    result = parse_source("items", ITEMS_JSON.encode(), source="x")
    kept = apply_defaults(result, category="Curated", include=r"(?i)item one")
    assert [(i.title, i.category) for i in kept.items] == [("JSON item one", "Curated")]


# -- item URLs: valid IRIs from every source kind --------------------------------------------

RAW_URLS = [  # (as written, as published)
    ('https://x.example/a b"c<d>', "https://x.example/a%20b%22c%3Cd%3E"),
    ("https://x.example/line\r\nbreak", "https://x.example/linebreak"),
    ("https://x.example/ü{x}|^`\\?q=[1] 2#top#more", "https://x.example/ü%7Bx%7D%7C%5E%60%5C?q=%5B1%5D%202#top%23more"),
    ("https://x.example/100%/ok%20", "https://x.example/100%25/ok%20"),
    ("https://exa mple.example/", None),
    ("https://x.example:99999/", None),
    ("https://[::1/", None),
]


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") \
        .replace("\r", "&#13;").replace("\n", "&#10;")


def _url_sources(url: str) -> dict[str, tuple[str, str, dict]]:
    """The same item linked to `url` in every kind of source that writes links."""
    rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://x.example/</link><item>'
           f"<title>A</title><link>{_escaped(url)}</link><pubDate>Mon, 02 Jan 2023 10:00:00 GMT</pubDate></item>"
           "</channel></rss>")
    atom = ('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id>'
            f'<updated>2023-01-02T10:00:00Z</updated><entry><title>A</title><id>urn:a</id><link href="{_escaped(url)}"/>'
            "<updated>2023-01-02T10:00:00Z</updated></entry></feed>")
    json_feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t",
                            "items": [{"id": "1", "title": "A", "url": url, "date_published": "2023-01-02T10:00:00Z"}]})
    html = f'<ul><li><a href="{_escaped(url)}">A</a> <time>2 January 2023</time></li></ul>'
    one_word = url.replace("\r", "").replace("\n", "").replace(" ", "%20")  # a listing's link is one word
    listing = f"Listing\n\n  1. News\n\n    [A]({one_word})\n\n    2 January 2023\n"
    return {
        "rss": ("feed", rss, {}),
        "atom": ("feed", atom, {}),
        "json feed": ("feed", json_feed, {}),
        "html": ("html", html, {"selectors": {"item": "li", "title": "a", "date": "time"}}),
        "listing": ("listing", listing, {}),
    }


@pytest.mark.parametrize(("url", "published"), RAW_URLS)
def test_item_urls_are_percent_encoded_or_dropped_in_every_source_kind(url, published):
    for name, (kind, text, options) in _url_sources(url).items():
        result = parse_source(kind, text.encode(), source="s", base_url="https://x.example/", options=options)
        (item,) = result.items
        assert item.url == published, (name, item.url)


def test_an_items_file_url_that_is_not_an_iri_is_dropped_with_a_problem():
    for url, _ in RAW_URLS:
        result = parse_source("items", json.dumps([{"title": "A", "date": "2023-01-02", "url": url}]).encode(),
                              source="s.json")
        (item,) = result.items
        assert item.url is None
        assert [str(p) for p in result.problems] == [f"s.json:1: url {url!r} is not an absolute http(s) URL; url dropped"]
