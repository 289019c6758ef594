"""Property-based tests (hypothesis, derandomized: the same examples on every run).

- any text given to the listing parser returns a ParseResult and never raises;
- items rendered back into listing text parse to the same items;
- any item set builds feeds that the Atom RELAX NG schema accepts and feedparser reads
  without a bozo flag;
- any string in any field is escaped exactly once in Atom, RSS, JSON Feed, the HTML issue
  page, the text part and the e-mail headers; characters XML 1.0 forbids are removed and
  reported; HTML summaries from feed sources stay sanitised.

`pytest tests/test_properties.py --hypothesis-show-statistics` prints the examples run.
"""

from __future__ import annotations

import email
import email.policy
import json
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree, html

from feeds.archive import Archive
from feeds.dates import MONTH_NAMES, parse_date
from feeds.model import Author, FeedMeta, Item, ParsedItem, ParseResult
from feeds.months import group_by_month
from feeds.sanitise import FORBIDDEN, normalise_space
from feeds.sources import parse_source
from feeds.sources.listing import parse_listing
from newsletter.app.config import load_settings
from newsletter.app.usecases.build import build_site
from newsletter.issue.mail import build_message
from newsletter.issue.pages import issue_package
from newsletter.issue.render import make_environment
from newsletter.issue.settings import NewsletterSettings
from tests.feed_samples import output_tree

SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).resolve().parent.parent / "feeds" / "schemas" / "atom.rng")))
ATOM = "{http://www.w3.org/2005/Atom}"
META = FeedMeta("Props & <co>", "https://props.example.org/", "en", Author("P & Q <pq@example.org>", "pq@example.org"),
                "props.example.org,2023")
TODAY = date(2023, 6, 1)
CONFIG = """
[site]
title = "Props & <co>"
base_url = "https://props.example.org/"
timezone = "UTC"
tag_authority = "props.example.org,2023"
author = { name = "P & Q <pq@example.org>", email = "pq@example.org" }

[feeds]
items = 10
digest_months = 3
"""


def fast(examples: int) -> settings:
    """Fixed example counts, derandomized (same examples every run), no deadline."""
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

TOKENS = ["1. ", "2) ", "- ", "* ", "• ", "News", "25 January 2023", "31 February 2023", "1 January 0",
          "January 2023", "2023-01-25", "Jan 5, 2023", "© Photo", "(c) ILO 2020", "photo: x", "\n", "\n\n",
          "\r\n", "\r", "  ", "\t", "\u00a0", "\ufeff", "\x00", "\x0b", "\ufffe", "\ud800", "<b>", "&amp;", "]]>"]
listing_like = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=12)), max_size=60).map("".join)


@fast(1000)
@given(st.one_of(st.text(max_size=3000), listing_like))
def test_any_text_parses_without_raising(text):
    result = parse_listing(text, source="fuzz")
    assert isinstance(result, ParseResult)
    lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert all(1 <= problem.line <= lines for problem in result.problems)
    for item in result.items:
        assert item.title and not FORBIDDEN.search(item.title + (item.category or "") + (item.summary or ""))


# -- round trip: items -> listing text -> the same items ----------------------------------------


def _plain_line(text: str) -> bool:
    """A line the parser reads as text: not a marker, date, month header or photo credit."""
    probe = parse_listing(f"  1. {text}\n\n    Title\n\n    1 May 2023\n", source="probe")
    try:
        is_date = parse_date(text) is not None
    except ValueError:
        is_date = True
    return (not is_date and len(probe.items) == 1 and probe.items[0].category == text
            and normalise_space(text) == text)


words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30)
line_text = words.map(normalise_space).filter(bool).filter(_plain_line)
listing_items = st.lists(
    st.tuples(
        st.one_of(st.none(), line_text),  # category
        line_text,  # title
        st.dates(date(1000, 1, 1), date(2999, 12, 31)),
        st.lists(line_text, max_size=3),  # summary paragraphs
    ),
    max_size=8,
    unique_by=lambda item: (item[2], " ".join(item[1].casefold().split())),
)


def render_listing(items) -> str:
    blocks = []
    for number, (category, title, day, paragraphs) in enumerate(items, 1):
        head = f"  {number}. {category}\n\n    {title}" if category else f"  {number}. {title}"
        body = "".join(f"\n\n    {p}" for p in paragraphs)
        blocks.append(f"{head}\n\n    {day.day} {MONTH_NAMES[day.month - 1]} "
                      f"{day.year}{body}\n")
    return "A listing\n\n" + "\n".join(blocks)


@fast(500)
@given(listing_items)
def test_rendered_items_parse_back_to_the_same_items(items):
    result = parse_listing(render_listing(items), source="round")
    expected = [(c, t, d, "\n\n".join(p) or None) for c, t, d, p in items]
    got = [(i.category, i.title, i.date, i.summary) for i in result.items]
    if not items:
        assert got == [] and "no items found" in result.problems[0].message
    else:
        assert got == expected and result.problems == ()


# -- any item set builds valid feeds --------------------------------------------------------------

field_text = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(TOKENS)), min_size=1, max_size=8).map("".join)


def _parsed_rows(rows: list[dict]) -> ParseResult:
    """Rows through the real parse boundary: an items file."""
    data = ("[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]").encode()
    return parse_source("items", data, source="rows.json")


def _built(parsed: Sequence[ParsedItem], *, today: date) -> tuple[list[Item], dict[str, bytes]]:
    """Items through the real archive and the real build: (stored items, output files)."""
    with tempfile.TemporaryDirectory(prefix="feedletter-props-") as tmp:
        config = Path(tmp) / "feedletter.toml"
        config.write_text(CONFIG, encoding="utf-8")
        settings = load_settings(config)
        with Archive.open(settings.archive) as archive:
            archive.ingest([("rows.json", parsed)], now=datetime(2023, 6, 1, tzinfo=UTC), zone=settings.timezone,
                           authority=META.id_authority)
            build_site(settings, archive, today=today)
            items = archive.items()
        return items, output_tree(settings.output)


rows = st.lists(
    st.fixed_dictionaries(
        {"title": field_text, "date": st.dates(date(2022, 10, 1), date(2023, 5, 31)).map(str)},
        optional={"category": field_text, "summary": field_text},
    ),
    min_size=1,
    max_size=6,
)


@fast(200)
@given(rows)
def test_any_item_set_builds_valid_feeds(rows):
    _items, files = _built(_parsed_rows(rows).items, today=TODAY)
    for name, data in files.items():
        if name.endswith(".atom"):
            assert SCHEMA.validate(etree.fromstring(data)), (name, SCHEMA.error_log)
        if name.endswith((".atom", ".rss")):
            parsed = feedparser.parse(data)
            assert not parsed.bozo, (name, parsed.bozo_exception)
        if name.endswith(".json"):
            json.loads(data)


# -- escaped exactly once everywhere; forbidden characters removed and reported ------------------


def _flat(text: str) -> str:
    return "".join(text.split())


def _html_text(markup: str) -> str:
    return _flat(html.fromstring(f"<div>{markup}</div>").text_content()) if markup.strip() else ""


ENVIRONMENT = make_environment(None)


@fast(200)
@given(field_text, field_text, field_text)
def test_any_string_is_escaped_exactly_once_everywhere(title, summary, category):
    result = _parsed_rows([{"title": f"T {title}", "summary": f"S {summary}", "category": f"C {category}",
                            "date": "2023-01-20"}])
    items, files = _built(result.items, today=date(2023, 1, 31))
    had_forbidden = bool(FORBIDDEN.search(title + summary + category))
    assert any("XML 1.0 forbids" in p.message for p in result.problems) == had_forbidden
    (item,) = items
    assert not FORBIDDEN.search(item.title + item.summary + item.category)
    assert _flat(item.title) == _flat(FORBIDDEN.sub("", f"T {title}"))

    atom = etree.fromstring(files["feeds/items.atom"])
    entry = atom.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == item.title
    content = entry.findtext(f"{ATOM}content") or entry.findtext(f"{ATOM}summary")
    assert _flat(item.summary) in _html_text(content)
    rss = etree.fromstring(files["feeds/items.rss"])
    assert rss.findtext("channel/item/title") == item.title
    assert _flat(item.summary) in _html_text(rss.findtext("channel/item/description"))
    feed = json.loads(files["feeds/items.json"])
    assert feed["items"][0]["title"] == item.title
    body = feed["items"][0].get("content_text") or _html_text(feed["items"][0]["content_html"])
    assert _flat(item.summary) in _flat(body)

    text = _flat(html.fromstring(files["issues/2023-01.html"]).text_content())
    assert _flat(item.title) in text and _flat(item.summary) in text
    (month,) = group_by_month(items)
    package = issue_package(month, NewsletterSettings(), META, ENVIRONMENT,
                            now=datetime(2023, 2, 1, tzinfo=UTC))
    plain = _flat(package["2023-01.txt"].decode())
    assert _flat(item.title) in plain and _flat(item.summary) in plain


@fast(300)
@given(field_text)
def test_any_subject_stays_one_header(subject):
    raw = build_message(subject=subject, from_addr="News <news@example.org>", date=datetime(2023, 2, 1, tzinfo=UTC),
                        message_id_seed="x", html="<p>x</p>", text="x")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert sorted(message.keys()) == ["Content-Type", "Date", "From", "MIME-Version", "Message-ID", "Subject"]
    assert message["Subject"] == " ".join(FORBIDDEN.sub("", subject).split())


markup = st.lists(st.sampled_from([
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">j</a>',
    "<style>p{}</style>", "<iframe src=x></iframe>", "<p onclick=x>p</p>", "<b>b</b>", "&amp;", "&lt;x&gt;",
    "<![CDATA[c]]>", "<!-- c -->", "text", " ", "<svg onload=alert(1)>", "&#1;", "\x01",
]), min_size=1, max_size=10).map("".join)


@fast(200)
@given(markup)
def test_html_summaries_from_feeds_stay_sanitised(description):
    rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://f.example/</link>'
           "<item><title>Feed item</title><guid>g</guid><pubDate>Fri, 20 Jan 2023 10:00:00 GMT</pubDate>"
           f"<description><![CDATA[{description.replace(']]>', '')}]]></description></item></channel></rss>")
    result = parse_source("feed", rss.encode(), source="feed.rss")
    _items, files = _built(result.items, today=date(2023, 1, 31))
    documents = [html.fromstring(files["issues/2023-01.html"])]
    entry = etree.fromstring(files["feeds/items.atom"]).find(f"{ATOM}entry")
    content = entry.findtext(f"{ATOM}content") or entry.findtext(f"{ATOM}summary") or ""
    documents.append(html.fromstring(f"<div>{content}</div>"))
    for tree in documents:
        assert not tree.xpath("//script | //iframe | //svg | //img[@onerror] | //*[@onclick] | //*[@onload]")
        assert not tree.xpath("//a[starts-with(normalize-space(@href), 'javascript:')]")
