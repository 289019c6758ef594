"""feeds.fetch against a real HTTP server on 127.0.0.1: 200, 304, 404, 500, slow, huge,
redirects and loops, wrong content type, honest User-Agent."""

from __future__ import annotations

import time

import pytest

from feeds.errors import SourceError
from feeds.fetch import Validators, fetch
from tests.http_fixture import Server, conditional
from tests.source_samples import ATOM

AGENT = "feedletter/0.1.0 (+https://coop-news.example.org/)"


@pytest.fixture
def server():
    with Server() as running:
        yield running


def test_200_then_304_with_the_stored_validators(server):
    server.routes["/feed.atom"] = conditional(ATOM.encode(), "application/atom+xml", '"v1"')
    first = fetch(server.url("/feed.atom"), user_agent=AGENT)
    assert (first.status, first.data, first.etag, first.content_type) == (200, ATOM.encode(), '"v1"', "application/atom+xml")
    assert first.last_modified == "Wed, 01 Feb 2023 08:00:00 GMT"
    second = fetch(server.url("/feed.atom"), Validators(first.etag, first.last_modified), user_agent=AGENT)
    assert second.not_modified and second.data is None and second.etag == '"v1"'
    sent = server.hits("/feed.atom")
    assert [h.get("User-Agent") for h in sent] == [AGENT, AGENT]
    assert "If-None-Match" not in sent[0] and sent[1]["If-None-Match"] == '"v1"'
    assert sent[1]["If-Modified-Since"] == "Wed, 01 Feb 2023 08:00:00 GMT"


def test_404_is_not_retried(server):
    with pytest.raises(SourceError, match=r"HTTP 404"):
        fetch(server.url("/missing"), backoff=0)
    assert len(server.hits("/missing")) == 1


def test_500_is_retried_with_backoff_then_fails(server):
    server.routes["/down"] = (500, {"Content-Type": "text/plain"}, b"oops")
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"HTTP 500 .*after 3 attempts"):
        fetch(server.url("/down"), retries=2, backoff=0.05)
    assert len(server.hits("/down")) == 3
    assert time.monotonic() - started >= 0.05 + 0.1


def test_500_then_200_recovers(server):
    answers = iter([(503, {}, b""), (200, {"Content-Type": "text/plain"}, b"ok")])
    server.routes["/flaky"] = lambda handler: next(answers)
    assert fetch(server.url("/flaky"), backoff=0).data == b"ok"


def test_connection_refused_is_retried_then_reported():
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(SourceError, match=r"cannot connect.*after 2 attempts"):
        fetch(f"http://127.0.0.1:{port}/", retries=1, backoff=0)


def test_slow_server_times_out(server):
    def slow(handler):
        time.sleep(1.5)
        return 200, {"Content-Type": "text/plain"}, b"late"

    server.routes["/slow"] = slow
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"no answer within 0.3 s"):
        fetch(server.url("/slow"), timeout=0.3, backoff=0)
    assert time.monotonic() - started < 1.4


def test_huge_body_is_cut_at_the_size_limit(server):
    server.routes["/huge"] = (200, {"Content-Type": "text/plain"}, b"x" * 200_000)
    with pytest.raises(SourceError, match=r"100000 bytes"):
        fetch(server.url("/huge"), max_bytes=100_000)
    # without a Content-Length the bytes are counted while reading
    server.routes["/stream"] = (200, {"Content-Type": "text/plain", "Content-Length": ""}, b"y" * 200_000)
    with pytest.raises(SourceError, match=r"more than the limit of 100000 bytes; download stopped"):
        fetch(server.url("/stream"), max_bytes=100_000)


def test_redirects_are_followed_and_loops_stopped(server):
    server.routes["/old"] = (301, {"Location": "/new"}, b"")
    server.routes["/new"] = (200, {"Content-Type": "application/atom+xml"}, ATOM.encode())
    moved = fetch(server.url("/old"))
    assert moved.location == server.url("/new") and moved.data == ATOM.encode()
    server.routes["/a"] = (302, {"Location": "/b"}, b"")
    server.routes["/b"] = (307, {"Location": server.url("/a")}, b"")
    with pytest.raises(SourceError, match=r"redirect loop"):
        fetch(server.url("/a"))
    for n in range(10):
        server.routes[f"/r{n}"] = (302, {"Location": f"/r{n + 1}"}, b"")
    with pytest.raises(SourceError, match=r"more than 3 redirects"):
        fetch(server.url("/r0"), max_redirects=3)
    server.routes["/file"] = (302, {"Location": "file:///etc/passwd"}, b"")
    with pytest.raises(SourceError, match=r"not an http\(s\) URL"):
        fetch(server.url("/file"))


def test_wrong_content_type_is_refused(server):
    server.routes["/image"] = (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n")
    with pytest.raises(SourceError, match=r"wrong content type image/png"):
        fetch(server.url("/image"))


def test_local_files(tmp_path):
    path = tmp_path / "news.txt"
    path.write_bytes(b"1. x")
    assert fetch(path).data == b"1. x"
    with pytest.raises(SourceError, match="no such file"):
        fetch(tmp_path / "nope.txt")
    with pytest.raises(SourceError, match="limit"):
        fetch(path, max_bytes=2)
