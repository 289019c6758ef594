"""`images = "page"`: items without a picture take their own page's og:image (else
twitter:image), fetched from a real HTTP server on 127.0.0.1 once per item, ever,
with the run's concurrency; the answer is remembered, found or not."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import feedparser
import pytest

from tests.conftest import cli_status as cli
from tests.http_fixture import Server, conditional


def entry(title: str, link: str, extra: str = "") -> str:
    return (f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
            f"<pubDate>Wed, 25 Jan 2023 09:00:00 +0000</pubDate><description>About {title}.</description>{extra}</item>")


def feed(base: str, *entries: str) -> bytes:
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
            f"<title>Partner</title><link>{base}/</link><description>News</description>{''.join(entries)}"
            "</channel></rss>").encode()


def page(head: str) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, f"<!doctype html><html><head>{head}</head><body>x</body></html>".encode()


OG = ('<meta property="og:image" content="/media/og.jpg"><meta property="og:image:alt" content="Members vote">'
      '<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">')
TWITTER = '<meta name="twitter:image" content="https://cdn.example.org/tw.png">'


def write_config(root: Path, base: str, concurrency: int = 4) -> Path:
    config = root / "feedletter.toml"
    config.write_text(
        '[site]\ntitle = "Pages"\nbase_url = "https://news.example.org/"\ntimezone = "UTC"\n'
        f'tag_authority = "news.example.org,2023"\n\n[feeds]\nfetch_concurrency = {concurrency}\n\n'
        f'[[sources]]\nname = "partner"\nkind = "feed"\nlocation = "{base}/feed.xml"\nimages = "page"\n',
        encoding="utf-8")
    return config


def pictures(root: Path) -> dict[str, dict | None]:
    parsed = feedparser.parse((root / "public" / "feeds" / "items.atom").read_bytes())
    return {e.title: (e.get("media_content") or [None])[0] for e in parsed.entries}


@pytest.fixture
def server():
    with Server() as running:
        base = running.base
        running.routes["/feed.xml"] = conditional(feed(
            base,
            entry("Own picture", f"{base}/p/own",
                  '<media:content url="https://cdn.example.org/own.jpg" medium="image"/>'),
            entry("Open Graph", f"{base}/p/og"),
            entry("Twitter card", f"{base}/p/twitter"),
            entry("No tags", f"{base}/p/none"),
            entry("Gone", f"{base}/p/gone"),
        ), "application/rss+xml", '"v1"')
        running.routes["/p/og"] = page(OG)
        running.routes["/p/twitter"] = page(TWITTER)
        running.routes["/p/none"] = page("<title>Nothing for previews</title>")
        yield running


def test_pages_give_their_pictures_once_and_the_answers_are_kept(tmp_path, server, capsys):
    config = write_config(tmp_path, server.base)
    assert cli(config, "run") == 0
    warnings = capsys.readouterr().err
    assert pictures(tmp_path) == {
        "Own picture": {"url": "https://cdn.example.org/own.jpg", "medium": "image"},
        "Open Graph": {"url": f"{server.base}/media/og.jpg", "medium": "image", "width": "1200", "height": "630"},
        "Twitter card": {"url": "https://cdn.example.org/tw.png", "medium": "image"},
        "No tags": None,
        "Gone": None,
    }
    atom = (tmp_path / "public" / "feeds" / "items.atom").read_text(encoding="utf-8")
    assert "<media:description type=\"plain\">Members vote</media:description>" in atom
    assert server.hits("/p/own") == []  # it has a picture: its page is not asked
    assert [len(server.hits(f"/p/{name}")) for name in ("og", "twitter", "none", "gone")] == [1, 1, 1, 1]
    assert server.hits("/p/og")[0]["User-Agent"].startswith("feedletter/")
    assert "item 'Gone': no picture from its page" in warnings and "HTTP 404" in warnings
    assert "the page is not fetched again" in warnings

    # the feed changes: its items are read again, their pages are not fetched again, a new one's is
    base = server.base
    server.routes["/feed.xml"] = conditional(feed(
        base, entry("New story", f"{base}/p/new"), entry("Open Graph", f"{base}/p/og"),
        entry("Twitter card", f"{base}/p/twitter"), entry("No tags", f"{base}/p/none"), entry("Gone", f"{base}/p/gone"),
    ), "application/rss+xml", '"v2"')
    server.routes["/p/new"] = page('<meta property="og:image" content="https://cdn.example.org/new.jpg">')
    before = (tmp_path / "public" / "feeds" / "items.atom").read_bytes()
    assert cli(config, "run") == 0
    again = capsys.readouterr().err
    assert [len(server.hits(f"/p/{name}")) for name in ("og", "twitter", "none", "gone", "new")] == [1, 1, 1, 1, 1]
    assert "Gone" not in again  # told once
    found = pictures(tmp_path)
    assert found["New story"]["url"] == "https://cdn.example.org/new.jpg"
    assert found["Open Graph"]["url"] == f"{server.base}/media/og.jpg"  # the remembered answer, still applied
    after = (tmp_path / "public" / "feeds" / "items.atom").read_bytes()
    assert after.count(b"<media:content") == before.count(b"<media:content") + 1  # the new story's; none lost


def test_a_source_without_images_page_never_fetches_pages(tmp_path, server, capsys):
    config = write_config(tmp_path, server.base)
    config.write_text(config.read_text(encoding="utf-8").replace('images = "page"\n', ""), encoding="utf-8")
    assert cli(config, "run") == 0
    assert [len(server.hits(f"/p/{name}")) for name in ("og", "twitter", "none", "gone")] == [0, 0, 0, 0]
    assert pictures(tmp_path)["Open Graph"] is None


def test_pages_are_fetched_fetch_concurrency_at_a_time(tmp_path, capsys):
    in_flight, most = 0, 0
    lock = threading.Lock()

    def slow(handler):
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.3)
        with lock:
            in_flight -= 1
        return page(OG)

    with Server() as server:
        links = [f"{server.base}/p/{number}" for number in range(6)]
        server.routes["/feed.xml"] = conditional(feed(server.base, *(entry(f"Story {n}", link) for n, link in enumerate(links))),
                                                 "application/rss+xml", '"v1"')
        for number in range(6):
            server.routes[f"/p/{number}"] = slow
        assert cli(write_config(tmp_path, server.base, concurrency=3), "run") == 0
    assert most == 3
    assert all(found is not None for found in pictures(tmp_path).values())


def test_a_source_on_a_public_address_cannot_send_us_to_a_private_one(server):
    from newsletter.app.config.sources import SourceConfig
    from newsletter.app.usecases.page_images import _fetch_pages

    public = SourceConfig("partner", "feed", "https://feeds.example.org/feed.xml", images="page")
    local = SourceConfig("mine", "feed", "/srv/feeds/feed.xml", images="page")
    answers = _fetch_pages({f"{server.base}/p/og": public, f"{server.base}/p/twitter": local},
                           agent="feedletter", concurrency=2)
    refused = answers[f"{server.base}/p/og"]
    assert refused.image is None and "on a private address (127.0.0.1); refused" in (refused.error or "")
    assert server.hits("/p/og") == []
    assert answers[f"{server.base}/p/twitter"].image is not None  # a local source's pages may be on the intranet
