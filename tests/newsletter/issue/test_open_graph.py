"""Open Graph tags for link previews: each issue's web copy and the index carry title,
description, url and picture (its stories' first, else the site logo), escaped once;
the e-mail carries none."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import lxml.html

from feeds.model import Image
from newsletter.issue.pages import index_page, issue_package, issue_page
from newsletter.issue.render import make_environment
from tests.newsletter.issue.samples import META, ilo_settings, make_item, month_of

LOGO = "https://coop-news.example.org/logo.png"


def tags(html: bytes) -> dict[str, str]:
    doc = lxml.html.document_fromstring(html.decode("utf-8"))
    return {meta.get("property"): meta.get("content") for meta in doc.xpath("//head/meta[starts-with(@property, 'og:')]")}


def month(with_picture: bool = True):
    picture = Image("https://cdn.example.org/a.jpg?w=1200&h=630", None, 1200, 630) if with_picture else None
    first = replace(make_item(1, "Bakers & farmers unite", date(2022, 12, 14), category="News"), image=picture)
    return month_of([first, make_item(2, "A second story", date(2022, 12, 2), category="News")])


def test_an_issue_page_previews_with_its_story_picture():
    page = issue_page(month(), ilo_settings(), META, make_environment(None))
    found = tags(page.html)
    assert found["og:type"] == "article"
    assert found["og:title"].startswith("ILO COOP eNewsUpdate") and "December 2022" in found["og:title"]
    assert found["og:url"] == "https://coop-news.example.org/issues/2022-12.html"
    assert found["og:image"] == "https://cdn.example.org/a.jpg?w=1200&h=630"  # one escape: &amp; in the bytes
    assert b'content="https://cdn.example.org/a.jpg?w=1200&amp;h=630"' in page.html
    assert (found["og:image:width"], found["og:image:height"]) == ("1200", "630")
    assert found["og:image:alt"] == "Bakers & farmers unite"  # no words from the source: the item's title
    assert found["og:description"].startswith("December, 2022: ")


def test_without_a_story_picture_the_logo_and_without_one_no_image():
    with_logo = replace(META, logo_url=LOGO)
    assert tags(issue_page(month(False), ilo_settings(), with_logo, make_environment(None)).html)["og:image"] == LOGO
    assert "og:image" not in tags(issue_page(month(False), ilo_settings(), META, make_environment(None)).html)


def test_the_index_previews_with_the_site_and_its_logo():
    html = index_page([], ilo_settings(), replace(META, logo_url=LOGO, subtitle="News of cooperatives"),
                      make_environment(None), feeds=[])
    assert tags(html) == {"og:type": "website", "og:title": "ILO COOP eNewsUpdate", "og:description": "News of cooperatives",
                          "og:url": "https://coop-news.example.org/", "og:image": LOGO, "og:image:alt": "ILO COOP eNewsUpdate"}


def test_the_e_mail_has_no_open_graph_tags():
    package = issue_package(month(), ilo_settings(), META, make_environment(None), now=datetime(2023, 1, 2, tzinfo=UTC))
    assert b"og:" not in package["2022-12.html"]
