"""WebSub: every feed names the hub, and a build that changed feeds announces exactly
those to a real hub on 127.0.0.1; an unchanged build announces nothing."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import feedparser
import pytest

from newsletter.app.config import load_settings
from newsletter.app.usecases.build import build
from newsletter.app.usecases.ingest import ingest
from tests.conftest import NOW, SAMPLES, run_cli

BASE = "https://coop-news.example.org/"


class Hub:
    """A WebSub hub that records each publish request; `status` is what it answers."""

    def __init__(self) -> None:
        self.pings: list[dict[str, list[str]]] = []
        self.status = 204
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode("ascii"))
                hub.pings.append({**form, "content-type": [self.headers.get("Content-Type", "")]})
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hub"

    def announced(self) -> list[str]:
        found = []
        for ping in self.pings:
            assert ping["hub.mode"] == ["publish"]
            assert ping["content-type"] == ["application/x-www-form-urlencoded"]
            found += ping["hub.url"]
        self.pings.clear()
        return found

    def __enter__(self) -> Hub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hub():
    with Hub() as running:
        yield running


def with_hub(site, url: str):
    site.write_text(site.read_text(encoding="utf-8") + f'\n[feeds]\nwebsub_hub = "{url}"\n', encoding="utf-8")
    return load_settings(site)


def feeds_of(written) -> list[str]:
    return sorted(BASE + name for name in written if name.startswith("feeds/") and not name.endswith(".opml"))


def test_every_feed_names_the_hub(site, hub):
    settings = with_hub(site, hub.url)
    ingest(settings, SAMPLES, now=NOW)
    build(settings, now=NOW)
    feeds = sorted(path for path in settings.output.rglob("*") if path.suffix in (".atom", ".rss"))
    assert len(feeds) > 20
    for path in feeds:
        links = feedparser.parse(path.read_bytes()).feed.links
        assert [link["href"] for link in links if link["rel"] == "hub"] == [hub.url], path
    for path in settings.output.glob("feeds/**/*.json"):
        assert json.loads(path.read_bytes())["hubs"] == [{"type": "WebSub", "url": hub.url}]
    status, out, _ = run_cli("--config", str(site), "validate", str(settings.output))
    assert (status, out) == (0, "")  # the schema, RSS and JSON Feed checks take the hub links


def test_a_build_announces_exactly_the_feeds_it_changed_and_an_unchanged_one_nothing(site, hub, tmp_path):
    settings = with_hub(site, hub.url)
    ingest(settings, SAMPLES, now=NOW)
    first = build(settings, now=NOW)
    assert sorted(hub.announced()) == feeds_of(first.written)
    assert len(feeds_of(first.written)) > 20

    assert build(settings, now=NOW).written == ()
    assert hub.pings == []  # an unchanged build pings nothing

    late = tmp_path / "late.txt"
    late.write_text("  1. News\n    A late story from March 2021\n    15 March 2021\n    Found later.\n", "utf-8")
    later = NOW + timedelta(hours=1)
    ingest(settings, [late], now=later)
    report = build(settings, now=later)
    changed = feeds_of(report.written)
    assert BASE + "feeds/archive/items-2021-03.atom" in changed and BASE + "feeds/items.atom" in changed
    assert BASE + "feeds/archive/items-2022-12.atom" not in changed
    assert sorted(hub.announced()) == changed


def test_a_failing_hub_is_a_warning_and_the_next_build_announces_what_it_missed(site, hub):
    with_hub(site, hub.url)
    hub.status = 503
    assert run_cli("--config", str(site), "ingest", *map(str, SAMPLES))[0] == 0
    status, _, err = run_cli("--config", str(site), "build")
    assert status == 0  # never a failed build
    (warning,) = err.splitlines()
    assert warning.startswith(f"feedletter: warning: WebSub hub {hub.url}: HTTP 503")
    assert "not announced, the next build tries again" in warning
    assert len(hub.announced()) == 1  # the first failure stops the round

    hub.status = 202
    status, _, err = run_cli("--config", str(site), "build")  # nothing changed, but the hub missed them all
    assert (status, err) == (0, "")
    missed = hub.announced()
    assert len(missed) > 20 and len(set(missed)) == len(missed)
    assert run_cli("--config", str(site), "build")[0] == 0
    assert hub.pings == []


def test_an_unreachable_hub_is_a_warning_too(site):
    settings = with_hub(site, "http://127.0.0.1:9/hub")  # the discard port: nobody listens
    ingest(settings, SAMPLES[:1], now=NOW)
    report = build(settings, now=NOW)
    assert any(warning.startswith("WebSub hub http://127.0.0.1:9/hub: cannot reach it") for warning in report.warnings)
