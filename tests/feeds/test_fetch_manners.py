"""feeds.fetch as a polite client, against a real HTTP server on 127.0.0.1: compressed
answers (the size limit on the decoded bytes), permanent and temporary redirects,
410 Gone, and Retry-After on 429/503."""

from __future__ import annotations

import gzip
import time
from email.utils import formatdate

import pytest

from feeds.errors import SourceBusy, SourceError, SourceGone
from feeds.fetch import fetch
from tests.http_fixture import Server
from tests.source_samples import ATOM


@pytest.fixture
def server():
    with Server() as running:
        yield running


def test_gzip_is_asked_for_and_decoded(server):
    server.routes["/feed"] = (200, {"Content-Type": "application/atom+xml", "Content-Encoding": "gzip"},
                              gzip.compress(ATOM.encode()))
    fetched = fetch(server.url("/feed"))
    assert fetched.data == ATOM.encode()
    assert server.hits("/feed")[0]["Accept-Encoding"] == "gzip"


def test_the_size_limit_applies_to_the_decoded_body(server):
    bomb = gzip.compress(b"x" * 50_000_000)  # 50 MB in about 50 KB
    server.routes["/bomb"] = (200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"}, bomb)
    with pytest.raises(SourceError, match=r"more than the limit of 1000000 bytes; download stopped"):
        fetch(server.url("/bomb"), max_bytes=1_000_000)


def test_a_broken_or_cut_gzip_body_is_an_error_not_a_traceback(server):
    whole = gzip.compress(ATOM.encode() * 20)
    server.routes["/broken"] = (200, {"Content-Encoding": "gzip"}, b"not gzip at all")
    server.routes["/cut"] = (200, {"Content-Encoding": "gzip"}, whole[: len(whole) // 2])
    server.routes["/br"] = (200, {"Content-Encoding": "br"}, b"...")
    with pytest.raises(SourceError, match=r"/broken: the compressed answer is broken"):
        fetch(server.url("/broken"), retries=0)
    with pytest.raises(SourceError, match=r"compressed answer cut off before its end"):
        fetch(server.url("/cut"), retries=0)
    with pytest.raises(SourceError, match=r"encoded as 'br', which was not asked for"):
        fetch(server.url("/br"))


def test_permanent_redirects_tell_the_new_address_and_temporary_ones_do_not(server):
    server.routes["/old"] = (301, {"Location": "/newer"}, b"")
    server.routes["/newer"] = (308, {"Location": "/feed"}, b"")
    server.routes["/feed"] = (200, {"Content-Type": "application/atom+xml"}, ATOM.encode())
    server.routes["/for-now"] = (302, {"Location": "/old"}, b"")
    assert fetch(server.url("/old")).moved_to == server.url("/feed")
    assert fetch(server.url("/for-now")).moved_to is None  # a temporary hop first: the source stays put
    server.routes["/moved-then-temporary"] = (301, {"Location": "/for-now"}, b"")
    assert fetch(server.url("/moved-then-temporary")).moved_to == server.url("/for-now")
    assert fetch(server.url("/feed")).moved_to is None


def test_410_gone_is_its_own_error_and_not_retried(server):
    server.routes["/gone"] = (410, {"Content-Type": "text/plain"}, b"gone")
    with pytest.raises(SourceGone, match=r"HTTP 410 Gone"):
        fetch(server.url("/gone"), backoff=0)
    assert len(server.hits("/gone")) == 1


@pytest.mark.parametrize(("status", "later"), [(429, "120"), (503, "in an hour")])
def test_retry_after_is_told_and_not_retried_now(server, status, later):
    if later == "in an hour":  # an HTTP-date, taken against the answer's own Date
        later = formatdate(time.time() + 3600, usegmt=True)
    server.routes["/busy"] = (status, {"Retry-After": later}, b"")
    with pytest.raises(SourceBusy) as busy:
        fetch(server.url("/busy"), backoff=0)
    assert busy.value.retry_after == 120 if status == 429 else 3590 <= busy.value.retry_after <= 3600
    assert len(server.hits("/busy")) == 1


def test_503_without_retry_after_is_retried_and_429_without_it_fails(server):
    server.routes["/down"] = (503, {}, b"")
    server.routes["/slow-down"] = (429, {}, b"")
    with pytest.raises(SourceError, match=r"HTTP 503 .*after 2 attempts"):
        fetch(server.url("/down"), retries=1, backoff=0)
    with pytest.raises(SourceError, match=r"HTTP 429") as failure:
        fetch(server.url("/slow-down"), backoff=0)
    assert not isinstance(failure.value, SourceBusy)
