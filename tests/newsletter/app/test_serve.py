"""`feedletter serve`: the real server on 127.0.0.1 in a thread, real HTTP clients."""

from __future__ import annotations

import gzip
import http.client
import os
import threading
import time
from email.utils import formatdate

import feedparser
import pytest

from feeds.output import Output
from newsletter.app.serve import make_server
from tests.feed_samples import build_files, sample_site


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    build_files(sample_site(tmp))  # the real site, in tmp/public
    root = tmp / "public"
    (root / "index.html").write_text('<!doctype html><html lang="en"><title>x</title></html>', encoding="utf-8")
    (root / "issues" / "index.html").write_text("<html lang='en'></html>", encoding="utf-8")
    (tmp / "secret.txt").write_text("outside the root", encoding="utf-8")
    os.symlink(tmp / "secret.txt", root / "link-out.txt")
    for name in (".env", "feeds/.hidden.atom", ".git/config"):  # never served
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text("SECRET=1", encoding="utf-8")
    httpd = make_server(root, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], root
    httpd.shutdown()
    httpd.server_close()


def request(port, path, method="GET", headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("path, expected", [
    ("/feeds/items.atom", "application/atom+xml; charset=utf-8"),
    ("/feeds/items.rss", "application/rss+xml; charset=utf-8"),
    ("/feeds/items.json", "application/feed+json; charset=utf-8"),
    ("/feeds/feeds.opml", "text/x-opml; charset=utf-8"),
    ("/feeds/archive/items-2022-12.atom", "application/atom+xml; charset=utf-8"),
    ("/index.html", "text/html; charset=utf-8"),
    ("/", "text/html; charset=utf-8"),
])
def test_content_types(server, path, expected):
    status, headers, body = request(server[0], path)
    assert status == 200 and headers["content-type"] == expected
    assert int(headers["content-length"]) == len(body)


def test_etag_and_if_none_match(server):
    port, root = server
    status, headers, body = request(port, "/feeds/items.atom")
    assert body == (root / "feeds" / "items.atom").read_bytes()
    etag = headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    status, again, body = request(port, "/feeds/items.atom", headers={"If-None-Match": etag})
    assert (status, body, again["etag"]) == (304, b"", etag)
    assert request(port, "/feeds/items.atom", headers={"If-None-Match": '"other"'})[0] == 200
    assert request(port, "/feeds/items.rss", headers={"If-None-Match": etag})[0] == 200


def test_if_modified_since(server):
    port, root = server
    status, headers, _ = request(port, "/feeds/items.rss")
    modified = headers["last-modified"]
    assert modified == formatdate(int((root / "feeds" / "items.rss").stat().st_mtime), usegmt=True)
    assert request(port, "/feeds/items.rss", headers={"If-Modified-Since": modified})[0] == 304
    earlier = formatdate(int((root / "feeds" / "items.rss").stat().st_mtime) - 60, usegmt=True)
    assert request(port, "/feeds/items.rss", headers={"If-Modified-Since": earlier})[0] == 200


def test_head_has_headers_and_no_body(server):
    get_status, get_headers, body = request(server[0], "/feeds/items.json")
    status, headers, head_body = request(server[0], "/feeds/items.json", method="HEAD")
    assert (status, head_body) == (200, b"")
    assert headers["content-length"] == str(len(body)) and headers["etag"] == get_headers["etag"]


def test_gzip_when_accepted(server):
    port, root = server
    status, plain, body = request(port, "/feeds/items.atom")
    status, headers, compressed = request(port, "/feeds/items.atom", headers={"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(compressed) == body and len(compressed) < len(body)
    assert headers["vary"] == plain["vary"] == "Accept-Encoding"
    assert headers["etag"] != plain["etag"]
    assert request(port, "/feeds/items.atom", headers={"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})[0] == 304
    assert "content-encoding" not in request(port, "/feeds/items.atom", headers={"Accept-Encoding": "gzip;q=0"})[1]


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/feeds/%2E%2E/%2e%2e/secret.txt", "/feeds/..%2f..%2fsecret.txt",
    "/link-out.txt", "/nothing-here.atom", "/%00",
])
def test_nothing_outside_the_root(server, path):
    status, _, body = request(server[0], path)
    assert status in (400, 403, 404)
    assert b"outside the root" not in body


def test_directory_redirects_then_serves_index(server):
    status, headers, _ = request(server[0], "/issues")
    assert status == 301 and headers["location"] == "/issues/"
    assert request(server[0], "/issues/")[0] == 200


def test_feedparser_conditional_get_gets_304(server):
    url = f"http://127.0.0.1:{server[0]}/feeds/items.atom"
    first = feedparser.parse(url)
    assert first.status == 200 and not first.bozo and len(first.entries) == 50
    assert first.etag and first.modified
    second = feedparser.parse(url, etag=first.etag, modified=first.modified)
    assert second.status == 304 and not second.entries
    only_modified = feedparser.parse(url, modified=first.modified)
    assert only_modified.status == 304


def test_unchanged_rebuild_keeps_etag_and_304(server, tmp_path):
    """Writing the same bytes again is skipped, so the validators a reader holds stay valid."""
    port, root = server
    _, headers, _ = request(port, "/feeds/items.atom")
    time.sleep(0.01)
    files = {"feeds/items.atom": (root / "feeds" / "items.atom").read_bytes()}
    assert Output(root).write_all(files) == []
    status, again, _ = request(port, "/feeds/items.atom", headers={
        "If-None-Match": headers["etag"], "If-Modified-Since": headers["last-modified"]})
    assert status == 304 and again["last-modified"] == headers["last-modified"]


@pytest.mark.parametrize("accept", ["gzip;q=abc", "gzip;q=", "gzip;q=2", "gzip;q=nan", "gzip; level=9; q=x"])
def test_a_bad_accept_encoding_is_ignored(server, accept):
    status, headers, body = request(server[0], "/feeds/items.atom", headers={"Accept-Encoding": accept})
    assert status == 200 and "content-encoding" not in headers
    assert body == (server[1] / "feeds" / "items.atom").read_bytes()


def test_gzip_with_a_valid_q_and_other_parameters(server):
    _, headers, _ = request(server[0], "/feeds/items.atom", headers={"Accept-Encoding": "br, gzip; level=9; q=0.5"})
    assert headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("target, location", [
    ("//issues", "/issues/"), ("http://x//issues", "/issues/"), ("http://evil.example//issues", "/issues/"),
    ("/./issues?x=1", "/issues/"), ("/issues/../issues", None), ("//evil.example/issues", None),
])
def test_redirects_stay_on_the_same_origin(server, target, location):
    status, headers, _ = request(server[0], target)
    if location is None:
        assert status == 404
    else:
        assert status == 301 and headers["location"] == location


@pytest.mark.parametrize("path", ["/.env", "/feeds/.hidden.atom", "/.git/config", "/%2eenv", "/feeds/%2Ehidden.atom"])
def test_dotfiles_are_not_served(server, path):
    status, _, body = request(server[0], path)
    assert status == 404 and b"SECRET" not in body


def test_a_request_target_that_is_no_path_is_refused(server):
    status, _, _ = request(server[0], "*", method="GET")
    assert status == 400


def test_server_header_has_no_trailing_space(server):
    _, headers, _ = request(server[0], "/feeds/items.atom")
    assert headers["server"] == "feedletter"
