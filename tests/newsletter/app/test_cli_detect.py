"""`feedletter detect`, `parse --json` on pages, and detection in `run`: over a real HTTP
server on 127.0.0.1, with a real archive file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.http_fixture import Server

CASES = Path(__file__).resolve().parents[2] / "cases" / "html"
SITE = """[site]
title = "Detect test"
base_url = "https://news.example.org/"
timezone = "UTC"
tag_authority = "news.example.org,2023"
author = { name = "Newsroom", email = "news@example.org" }
"""


def html(body: bytes) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body


@pytest.fixture
def server():
    with Server() as running:
        for name in ("cms-card-grid", "ul-news-list", "sign-in", "undated-first-seen", "wordpress-archive"):
            running.routes[f"/{name}"] = html((CASES / f"{name}.html").read_bytes())
        running.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"},
                                       b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                       b"</channel></rss>")
        yield running


def stored(tmp_path: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        return sorted(db.execute("SELECT title, date, url FROM items"))


def test_detect_prints_the_items_and_a_block_that_gives_the_same_items(tmp_path, server):
    status, out, err = run_cli("detect", "--json", server.url("/cms-card-grid"))
    assert (status, err) == (0, "")
    report = json.loads(out)
    assert report["found"] and report["method"] == "blocks"
    assert report["items"][0] == {
        "title": "Co-operative Housing Week returns in March", "date": "2023-02-10",
        "link": server.url("/news/housing-week-2023"), "category": "Events",
        "summary": "More than sixty housing co-ops open their doors to visitors.",
        "image": {"url": server.url("/media/housing-week.jpg"), "alt": "Housing week poster", "width": 640,
                  "height": 360},
    }
    # the block pasted into a config: `run` stores exactly the items detect printed
    config = tmp_path / "feedletter.toml"
    config.write_text(SITE + "\n" + report["toml"], encoding="utf-8")
    assert "selectors = {item = " in report["toml"]
    status, _, err = run_cli("--config", str(config), "run")
    assert (status, err) == (0, "")
    assert stored(tmp_path) == sorted((i["title"], i["date"], i["link"]) for i in report["items"])


def test_detect_as_a_table_names_the_feed_the_page_advertises(server):
    status, out, _ = run_cli("detect", server.url("/ul-news-list"))
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"{server.url('/ul-news-list')}: 7 items (blocks, item = '.news > li')"
    assert "  2023-02-09  League publishes its savings rates review" in lines
    assert (f'The page advertises its own feed: RSS {server.url("/news/rss.xml")} ("Credit Union League news (RSS)"); '
            'kind = "feed" reads it directly.') in lines
    assert "# Paste into feedletter.toml:" in lines and "[[sources]]" in lines
    assert f'# to read it instead, set kind = "feed" and location = "{server.url("/news/rss.xml")}"' in lines


def test_detect_says_why_a_page_is_no_listing_and_exits_1(server, tmp_path):
    status, out, err = run_cli("detect", server.url("/sign-in"))
    assert status == 1
    assert out.splitlines()[0] == f"{server.url('/sign-in')}: no news list found"
    assert err.startswith(f"feedletter: {server.url('/sign-in')}: no news list found: the best candidates: "
                          "'.auth-links > li' (3 items): its items have no dates, headings, summaries or pictures")
    assert err.count("\n") == 1
    status, out, _ = run_cli("detect", "--json", server.url("/sign-in"))
    assert status == 1 and json.loads(out)["found"] is False and json.loads(out)["toml"] is None


def test_detect_refuses_what_is_no_html_page(server, tmp_path):
    status, _, err = run_cli("detect", server.url("/feed.xml"))
    assert status == 2 and err == (f'feedletter: {server.url("/feed.xml")}: this is a feed, not an HTML page; '
                                   'read it with kind = "feed"\n')
    status, _, err = run_cli("detect", str(tmp_path / "missing.html"))
    assert status == 1 and "missing.html" in err and err.count("\n") == 1
    status, _, err = run_cli("detect")
    assert status == 2


def test_detect_keeps_an_undated_page_with_first_seen(tmp_path, server):
    status, out, _ = run_cli("detect", "--json", server.url("/undated-first-seen"))
    report = json.loads(out)
    assert status == 0 and all(item["date"] is None for item in report["items"])
    assert 'undated = "first-seen"' in report["toml"]
    config = tmp_path / "feedletter.toml"
    config.write_text(SITE + "\n" + report["toml"], encoding="utf-8")
    assert run_cli("--config", str(config), "run")[0] == 0
    assert [title for title, _, _ in stored(tmp_path)] == sorted(item["title"] for item in report["items"])


def test_parse_json_prints_link_image_and_the_printed_day(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes((CASES / "lazy-images.html").read_bytes())
    status, out, err = run_cli("parse", "--kind", "html", "--json", str(page))
    assert (status, err) == (0, "")
    first = json.loads(out)[0]["items"][0]
    assert set(first) == {"title", "date", "link", "summary", "category", "image"}
    assert first["date"] == "2023-02-07" and first["link"] is None  # a saved page: its relative links have no site
    assert first["image"] is None


def _config(tmp_path: Path, location: str, extra: str = "") -> Path:
    config = tmp_path / "feedletter.toml"
    config.write_text(SITE + f'\n[[sources]]\nname = "page"\nkind = "html"\nlocation = "{location}"\n{extra}',
                      encoding="utf-8")
    return config


REDESIGN = (b"<html><body><main>"
            b'<div class="row"><h4><a href="/n/a">First story after the redesign</a></h4><p>3 February 2023</p></div>'
            b'<div class="row"><h4><a href="/n/b">Second story after the redesign</a></h4><p>1 February 2023</p></div>'
            b"</main></body></html>")


def test_run_remembers_the_selectors_and_tells_a_redesign_once(tmp_path, server):
    config = _config(tmp_path, server.url("/cms-card-grid"))
    status, _, err = run_cli("--config", str(config), "-v", "run")
    assert status == 0
    assert "source page: items found by detection: item = '.card', title = '.card__title' (blocks)" in err
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        method, selectors = db.execute("SELECT method, selectors FROM detected_selectors WHERE source = 'page'").fetchone()
    assert method == "blocks" and json.loads(selectors)["item"] == ".card"
    status, _, err = run_cli("--config", str(config), "-v", "run")
    assert "source page: items found by the selectors detection chose before" in err
    server.routes["/cms-card-grid"] = html(REDESIGN)
    status, _, err = run_cli("--config", str(config), "run")
    assert status == 0
    assert err == (f"feedletter: warning: source page: {server.url('/cms-card-grid')}:1: the items moved: the "
                   "remembered selectors match nothing (item = '.card', title = '.card__title' (blocks)); detection "
                   "now picks item = '.row', title = 'h4' (blocks), 2 items\n")
    assert "First story after the redesign" in {title for title, _, _ in stored(tmp_path)}
    assert run_cli("--config", str(config), "run")[2] == ""  # told once: the new selectors are remembered


def test_ingest_uses_detection_and_says_so_with_v(tmp_path, server):
    config = _config(tmp_path, server.url("/wordpress-archive"))
    status, _, err = run_cli("--config", str(config), "-v", "ingest", server.url("/wordpress-archive"))
    assert status == 0 and "items found by detection: item = " in err
    assert ("Member dividend paid into accounts", "2023-01-30",
            "https://riverside.example.coop/2023/01/30/member-dividend/") in stored(tmp_path)


def test_a_source_may_keep_undated_items_only_when_it_is_html(tmp_path):
    config = _config(tmp_path, "page.html", 'undated = "sometimes"\n')
    status, _, err = run_cli("--config", str(config), "run")
    assert status == 2 and 'undated: must be one of first-seen, problem, not \'sometimes\'' in err
    config.write_text(SITE + '\n[[sources]]\nname = "f"\nkind = "feed"\nlocation = "f.xml"\nundated = "first-seen"\n',
                      encoding="utf-8")
    status, _, err = run_cli("--config", str(config), "run")
    assert status == 2 and 'undated: only applies to kind = "html"' in err
    config.write_text(SITE + '\n[[sources]]\nname = "p"\nkind = "html"\nlocation = "p.html"\nundated = "first-seen"\n'
                      'selectors = { item = "li", title = "a" }\n', encoding="utf-8")
    (tmp_path / "p.html").write_text("<ul><li><a href='https://x.example/1'>An undated item</a></li></ul>",
                                     encoding="utf-8")
    assert run_cli("--config", str(config), "run")[0] == 0  # no date selector needed
    assert [title for title, _, _ in stored(tmp_path)] == ["An undated item"]


def test_detect_of_a_saved_page_takes_its_address_for_the_links(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes((CASES / "lazy-images.html").read_bytes())
    status, out, _ = run_cli("detect", "--json", str(page))
    assert status == 0 and json.loads(out)["items"][0]["link"] is None
    status, out, _ = run_cli("detect", "--json", "--url", "https://news.example.org/press/", str(page))
    links = [item["link"] for item in json.loads(out)["items"]]
    assert status == 0 and links and all(link.startswith("https://news.example.org/") for link in links)
    status, _, err = run_cli("detect", "--url", "news.example.org", str(page))
    assert status == 2 and "'news.example.org' is not an http(s) URL" in err
