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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree, html

from feeds.dates import MONTHS, parse_date
from feeds.identity import category_key
from feeds.model import Author, FeedMeta, Item, ParseResult
from feeds.sanitise import FORBIDDEN, normalise_space
from feeds.site_files import feed_files
from feeds.sources import parse_source
from feeds.sources.listing import parse_listing
from newsletter.issue.mail import build_message
from newsletter.issue.pages import issue_package, issue_page
from newsletter.issue.render import make_environment
from newsletter.issue.settings import NewsletterSettings

SCHEMA = etree.RelaxNG(etree.parse(str(Path(__file__).resolve().parent.parent / "feeds" / "schemas" / "atom.rng")))
ATOM = "{http://www.w3.org/2005/Atom}"
META = FeedMeta("Props & <co>", "https://props.example.org/", "en", Author("P & Q <pq@example.org>", "pq@example.org"),
                "props.example.org,2023")
TODAY = date(2023, 6, 1)


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
        blocks.append(f"{head}\n\n    {day.day} {[m for m, n in MONTHS.items() if n == day.month][0].title()} "
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


def _items_from_source(rows: list[dict]) -> tuple[list[Item], ParseResult]:
    """Rows through the real parse boundary (an items file), then into archive Items."""
    data = ("[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]").encode()
    result = parse_source("items", data, source="rows.json")
    items = []
    for number, parsed in enumerate(result.items):
        published = datetime.combine(parsed.date, datetime.min.time(), UTC) + timedelta(seconds=number + 1)
        items.append(Item(f"tag:props.example.org,2023:item/{number}", parsed.title, parsed.date, parsed.category,
                          parsed.summary, parsed.url, "rows.json", published, published))
    items.sort(key=lambda item: (item.published, item.id), reverse=True)
    return items, result


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
    items, _ = _items_from_source(rows)
    labels = {category_key(i.category): i.category for i in reversed(items) if i.category and category_key(i.category)}
    files = feed_files(items, META, labels=labels, items_per_feed=10, digest_months=3, today=TODAY)
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
    items, result = _items_from_source([{"title": f"T {title}", "summary": f"S {summary}", "category": f"C {category}",
                                         "date": "2023-01-20"}])
    had_forbidden = bool(FORBIDDEN.search(title + summary + category))
    assert any("XML 1.0 forbids" in p.message for p in result.problems) == had_forbidden
    (item,) = items
    assert not FORBIDDEN.search(item.title + item.summary + item.category)
    assert _flat(item.title) == _flat(FORBIDDEN.sub("", f"T {title}"))
    labels = {category_key(item.category): item.category}
    files = feed_files(items, META, labels=labels, items_per_feed=10, digest_months=3, today=date(2023, 1, 31))

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

    from feeds.months import group_by_month

    (month,) = group_by_month(items, labels)
    page, _entry = issue_page(month, NewsletterSettings(), META, ENVIRONMENT)
    text = _flat(html.fromstring(page).text_content())
    assert _flat(item.title) in text and _flat(item.summary) in text
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
    (parsed,) = result.items
    published = datetime(2023, 1, 20, tzinfo=UTC)
    item = Item("tag:props.example.org,2023:item/f", parsed.title, parsed.date, None, parsed.summary, None, "f",
                published, published)
    files = feed_files([item], META, labels={}, items_per_feed=10, digest_months=3, today=date(2023, 1, 31))
    documents = [html.fromstring(issue_page(*(_one_month(item)), NewsletterSettings(), META, ENVIRONMENT)[0])]
    entry = etree.fromstring(files["feeds/items.atom"]).find(f"{ATOM}entry")
    content = entry.findtext(f"{ATOM}content") or entry.findtext(f"{ATOM}summary") or ""
    documents.append(html.fromstring(f"<div>{content}</div>"))
    for tree in documents:
        assert not tree.xpath("//script | //iframe | //svg | //img[@onerror] | //*[@onclick] | //*[@onload]")
        assert not tree.xpath("//a[starts-with(normalize-space(@href), 'javascript:')]")


def _one_month(item: Item):
    from feeds.months import group_by_month

    return group_by_month([item], {})[:1]
