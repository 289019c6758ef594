"""`run` keeps the manners its sources' servers ask for, against a real HTTP server on
127.0.0.1: a permanent redirect moves the source (told once), 410 Gone stops it until its
location changes, Retry-After skips it quietly until then; entries gone from a feed stay."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from datetime import timedelta

import pytest

from newsletter.app.cli import main
from tests.conftest import NOW
from tests.feeds.test_fetch import stored_items, write_config
from tests.http_fixture import Server
from tests.source_samples import ATOM

FEED = (200, {"Content-Type": "application/atom+xml"}, ATOM.encode())


@pytest.fixture
def server():
    with Server() as running:
        yield running


def run(config, *, later: timedelta = timedelta(0), verbose: bool = False) -> tuple[int, str]:
    """`feedletter run` at NOW + later: (exit status, stderr + stdout)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.raises(SystemExit) as done:
        main(["--config", str(config), "--now", (NOW + later).isoformat(), "run", *(["-v"] if verbose else [])])
    return int(done.value.code or 0), err.getvalue() + out.getvalue()


def status_line(config) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["--config", str(config), "--now", NOW.isoformat(), "status"])
    return next(line for line in out.getvalue().splitlines() if line.strip().startswith("news:"))


def test_a_permanent_redirect_moves_the_source_and_is_told_once(tmp_path, server):
    server.routes["/old.atom"] = (301, {"Location": "/new.atom"}, b"")
    server.routes["/new.atom"] = FEED
    config = write_config(tmp_path, ("news", server.url("/old.atom"), None))
    status, said = run(config)
    assert status == 0
    assert said.count("moved permanently to") == 1 and server.url("/new.atom") in said
    assert stored_items(config)
    status, said = run(config, later=timedelta(days=1))
    assert (status, said) == (0, "")  # quiet from then on
    assert len(server.hits("/old.atom")) == 1 and len(server.hits("/new.atom")) == 2  # read where it moved
    assert "moved permanently to " + server.url("/new.atom") in status_line(config)


def test_a_temporary_redirect_keeps_the_source_where_it_is(tmp_path, server):
    server.routes["/feed.atom"] = (302, {"Location": "/today.atom"}, b"")
    server.routes["/today.atom"] = FEED
    config = write_config(tmp_path, ("news", server.url("/feed.atom"), None))
    assert run(config) == (0, "")
    assert run(config, later=timedelta(days=1)) == (0, "")
    assert len(server.hits("/feed.atom")) == 2


def test_410_gone_stops_the_source_until_its_location_changes(tmp_path, server):
    server.routes["/feed.atom"] = FEED
    config = write_config(tmp_path, ("news", server.url("/feed.atom"), None))
    assert run(config)[0] == 0
    kept = stored_items(config)
    server.routes["/feed.atom"] = (410, {"Content-Type": "text/plain"}, b"gone")
    status, said = run(config, later=timedelta(days=1))
    assert status == 1 and "HTTP 410 Gone" in said and "until its location in the config changes" in said
    for day in (2, 3):
        assert run(config, later=timedelta(days=day)) == (0, "")  # told once, then quiet and not asked
    assert len(server.hits("/feed.atom")) == 2
    assert "gone (HTTP 410 since" in status_line(config)
    assert stored_items(config) == kept  # what the feed had stays in the archive
    server.routes["/elsewhere.atom"] = FEED
    config.write_text(config.read_text().replace("/feed.atom", "/elsewhere.atom"))
    assert run(config, later=timedelta(days=4)) == (0, "")
    assert len(server.hits("/elsewhere.atom")) == 1


def test_retry_after_skips_the_source_quietly_until_then(tmp_path, server):
    server.routes["/feed.atom"] = (503, {"Retry-After": "7200"}, b"")
    config = write_config(tmp_path, ("news", server.url("/feed.atom"), None))
    assert run(config) == (0, "")  # quiet: the server will answer later
    assert len(server.hits("/feed.atom")) == 1
    status, said = run(config, later=timedelta(hours=1), verbose=True)
    assert status == 0 and "not read: its server asked to be left alone" in said
    assert len(server.hits("/feed.atom")) == 1  # not asked again before the time it gave
    assert "deferred: its server asked not to be read before" in status_line(config)
    server.routes["/feed.atom"] = FEED
    assert run(config, later=timedelta(hours=3)) == (0, "")
    assert len(server.hits("/feed.atom")) == 2 and stored_items(config)


def test_a_retry_after_of_a_year_is_kept_to_a_week(tmp_path, server):
    server.routes["/feed.atom"] = (429, {"Retry-After": str(365 * 86400)}, b"")
    config = write_config(tmp_path, ("news", server.url("/feed.atom"), None))
    assert run(config) == (0, "")
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        (until,) = db.execute("SELECT retry_after FROM sources").fetchone()
    assert until == (NOW + timedelta(days=7)).isoformat()
