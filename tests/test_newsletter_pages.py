"""Web copies, the archive index, and the outbox package of one issue."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime

import lxml.html

from newsletter.issue.pages import issue_package, issue_pages
from newsletter.issue.render import make_environment
from tests.test_newsletter_data import (
    META,
    december_2022,
    ilo_settings,
    make_item,
    month_of,
)

FEEDS = [
    {"title": "ILO COOP news: items", "url": "https://coop-news.example.org/feeds/items.atom", "type": "application/atom+xml"},
    {"title": "ILO COOP news: monthly digest", "url": "https://coop-news.example.org/feeds/digest.atom", "type": "application/atom+xml"},
]
NOW = datetime(2023, 1, 2, 8, 0, tzinfo=UTC)


def months():
    november = month_of([make_item(900, "November story", date(2022, 11, 20)), make_item(901, "Earlier story", date(2022, 11, 3))])
    only_self = month_of([make_item(902, "ILO COOP eNewsUpdate No. 10, October 2022", date(2022, 10, 31))])
    return [november, december_2022(), only_self]


def test_issue_pages_and_index_newest_first() -> None:
    pages = issue_pages(months(), ilo_settings(), META, make_environment(None), feeds=FEEDS)
    assert sorted(pages) == ["index.html", "issues/2022-11.html", "issues/2022-12.html"]  # October holds only the newsletter itself
    index = pages["index.html"].decode("utf-8")
    doc = lxml.html.document_fromstring(index)
    assert doc.get("lang") == "en"
    links = [a.get("href") for a in doc.xpath("//ol//a")]
    assert links == ["https://coop-news.example.org/issues/2022-12.html", "https://coop-news.example.org/issues/2022-11.html"]
    assert doc.xpath("//ol//a")[0].text == "ILO COOP eNewsUpdate No. 36, December 2022"
    # feed autodiscovery with a literal "+" (an escaped &#43; breaks Liferea)
    assert '<link rel="alternate" type="application/atom+xml" title="ILO COOP news: items" href="https://coop-news.example.org/feeds/items.atom">' in index
    assert "&#43;" not in index
    assert not doc.xpath("//script | //form")


def test_web_copy_holds_the_anchors_the_feeds_link_to() -> None:
    from feeds.site_paths import item_anchor

    pages = issue_pages(months(), ilo_settings(), META, make_environment(None), feeds=FEEDS)
    doc = lxml.html.document_fromstring(pages["issues/2022-12.html"])
    for item in december_2022().items[1:]:  # all but the excluded newsletter item
        assert doc.xpath(f"//*[@id='{item_anchor(item)}']"), item.title
    assert "View our online version" not in pages["issues/2022-12.html"].decode()


def test_issue_package_for_the_outbox() -> None:
    package = issue_package(december_2022(), ilo_settings(), META, make_environment(None), now=NOW)
    assert sorted(package) == ["2022-12.eml", "2022-12.html", "2022-12.mjml", "2022-12.txt"]
    msg = email.message_from_bytes(package["2022-12.eml"], policy=email.policy.default)
    assert msg["Subject"] == "ILO COOP eNewsUpdate No. 36, December 2022"
    assert msg["Date"] == "Mon, 02 Jan 2023 08:00:00 +0000"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html_part = msg.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert html_part.rstrip("\n") == package["2022-12.html"].decode("utf-8").rstrip("\n")
    assert "View our online version" in html_part
    assert package == issue_package(december_2022(), ilo_settings(), META, make_environment(None), now=NOW)


def test_default_from_is_the_site_author_and_empty_month_gives_nothing() -> None:
    from pathlib import Path

    from newsletter.issue.settings import NewsletterSettings

    s = NewsletterSettings.from_table({}, where="feedletter.toml", base_dir=Path("."))
    package = issue_package(december_2022(), s, META, make_environment(None), now=NOW)
    msg = email.message_from_bytes(package["2022-12.eml"], policy=email.policy.default)
    sender = msg["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("ILO Cooperatives Unit (COOP)", "coop@example.org")
    assert msg["Subject"] == "Newsletter No. 12, December 2022"
    assert msg["List-Unsubscribe"] is None
    only_self = month_of([make_item(902, "ILO COOP eNewsUpdate No. 10, October 2022", date(2022, 10, 31))])
    assert issue_package(only_self, s, META, make_environment(None), now=NOW) == {}
