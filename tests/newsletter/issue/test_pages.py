"""Web copies, the archive index, and the outbox package of one issue."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime

import feedparser
import lxml.html
import pytest

from newsletter.app.config.newsletter import newsletter_from_table
from newsletter.issue.pages import issue_package
from newsletter.issue.render import make_environment
from tests.feed_samples import BASE, build_files, sample_site
from tests.newsletter.issue.samples import (
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


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, bytes]:
    """The bundled samples as the real build publishes them."""
    return build_files(sample_site(tmp_path_factory.mktemp("pages")))


def test_index_lists_the_issues_newest_first_with_feed_autodiscovery(site) -> None:
    index = site["index.html"].decode("utf-8")
    doc = lxml.html.document_fromstring(index)
    assert doc.get("lang") == "en"
    links = [a.get("href") for a in doc.xpath("//ol//a")]
    assert links == [f"{BASE}{name}" for name in sorted((n for n in site if n.startswith("issues/")), reverse=True)]
    assert links[:2] == [f"{BASE}issues/2023-01.html", f"{BASE}issues/2022-12.html"]
    # feed autodiscovery with a literal "+" (an escaped &#43; breaks Liferea)
    assert f'<link rel="alternate" type="application/atom+xml" title="ILO COOP eNewsUpdate (Atom)" href="{BASE}feeds/items.atom">' in index
    assert "&#43;" not in index
    assert not doc.xpath("//script | //form")


def test_web_copy_holds_the_anchors_the_feeds_link_to(site) -> None:
    for entry in feedparser.parse(site["feeds/items.atom"]).entries:
        page, _, anchor = entry.link.removeprefix(BASE).partition("#")
        if not anchor:
            continue
        doc = lxml.html.document_fromstring(site[page])
        assert doc.xpath(f"//*[@id='{anchor}']"), entry.title
        assert "View our online version" not in site[page].decode()


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


    s = newsletter_from_table({}, where="feedletter.toml", base_dir=Path("."))
    package = issue_package(december_2022(), s, META, make_environment(None), now=NOW)
    msg = email.message_from_bytes(package["2022-12.eml"], policy=email.policy.default)
    sender = msg["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("ILO Cooperatives Unit (COOP)", "coop@example.org")
    assert msg["Subject"] == "Newsletter No. 12, December 2022"
    assert msg["List-Unsubscribe"] is None
    only_self = month_of([make_item(902, "ILO COOP eNewsUpdate No. 10, October 2022", date(2022, 10, 31))])
    assert issue_package(only_self, s, META, make_environment(None), now=NOW) == {}
