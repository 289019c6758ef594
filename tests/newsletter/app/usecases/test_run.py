"""`feedletter run`, the cron job, end to end against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from feeds.output import run_lock
from tests.conftest import cli_status as cli
from tests.http_fixture import Server, conditional
from tests.source_samples import ATOM, HTML_PAGE, ITEMS_TOML, JSON_FEED, LISTING, RSS2

NOW = "2023-02-01T09:00:00+00:00"
FEEDLETTER = Path(sys.executable).parent / "feedletter"
EXPECTED = {
    "listing": {"Listing news one", "Listing news two"},
    "page": {"HTML news one & more", "HTML news two"},
    "partner": {"RSS news one", "RSS news two", "RSS news undated"},  # undated feed entries are kept
    "atom": {"Atom news one", "Atom news two"},
    "jsonfeed": {"JSON news one", "A title-less JSON post, as microblogs write them.", "JSON undated"},
    "curated": {"TOML item one", "TOML item two"},
}


def write_config(root: Path, base: str, *, lock_wait: float = 60) -> Path:
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "items.toml").write_text(ITEMS_TOML, encoding="utf-8")
    config = root / "feedletter.toml"
    config.write_text(
        f"""
[site]
title = "Sources test"
base_url = "https://news.example.org/"
timezone = "Europe/Zurich"
tag_authority = "news.example.org,2023"
author = {{ name = "Newsroom", email = "news@example.org" }}

[feeds]
lock_wait = {lock_wait}

[[sources]]
name = "listing"
kind = "listing"
location = "{base}/news.txt"

[[sources]]
name = "page"
kind = "html"
location = "{base}/news.html"
category = "Web"
selectors = {{ item = "article.news", title = "h2", date = ".date", summary = ".teaser", link = "a" }}

[[sources]]
name = "partner"
kind = "feed"
location = "{base}/feed.xml"

[[sources]]
name = "atom"
location = "{base}/feed.atom"

[[sources]]
name = "jsonfeed"
kind = "auto"
location = "{base}/feed.json"

[[sources]]
name = "curated"
kind = "items"
location = "data/items.toml"
""",
        encoding="utf-8",
    )
    return config


def serve_all(server: Server) -> None:
    server.routes["/news.txt"] = conditional(LISTING.encode(), "text/plain; charset=utf-8", '"l1"')
    server.routes["/news.html"] = conditional(HTML_PAGE.encode(), "text/html; charset=utf-8", '"h1"')
    server.routes["/feed.xml"] = conditional(RSS2.encode(), "application/rss+xml", '"r1"')
    server.routes["/feed.atom"] = conditional(ATOM.encode(), "application/atom+xml", '"a1"')
    server.routes["/feed.json"] = conditional(JSON_FEED.encode(), "application/feed+json", '"j1"')


@pytest.fixture
def server():
    with Server() as running:
        serve_all(running)
        yield running


def stored(config: Path) -> dict[str, set[str]]:
    with sqlite3.connect(config.parent / "feedletter.db") as db:
        found: dict[str, set[str]] = {}
        for source, title in db.execute("SELECT source, title FROM items"):
            found.setdefault(source, set()).add(title)
    return found


def mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*")) if p.is_file()}


def test_every_kind_lands_in_one_build_then_304s_write_nothing(tmp_path, server, capsys):
    config = write_config(tmp_path, server.base)
    assert cli(config, "run") == 0
    first = capsys.readouterr()
    assert first.out == ""
    assert stored(config) == EXPECTED
    # the problems of the first sight are told once, on stderr, as warnings
    warnings = first.err.splitlines()
    assert all(line.startswith("feedletter: warning: source ") for line in warnings)
    assert any("Undated HTML news" in line for line in warnings)  # a page's undated item is a problem
    assert not any("RSS news undated" in line for line in warnings)  # a feed's is kept, dated when first seen
    public = tmp_path / "public"
    assert (public / "feeds" / "items.atom").exists()
    atom = (public / "feeds" / "items.atom").read_text(encoding="utf-8")
    assert all(title.replace("&", "&amp;") in atom for titles in EXPECTED.values() for title in titles)
    before = mtimes(public)

    assert cli(config, "-v", "run") == 0
    second = capsys.readouterr()
    assert second.out == ""
    for name in ("listing", "page", "partner", "atom", "jsonfeed"):
        assert f"source {name}: not modified (304)" in second.err
    assert "source curated: not modified (unchanged)" in second.err
    assert "0 files written" in second.err
    assert mtimes(public) == before
    for path in ("/news.txt", "/news.html", "/feed.xml", "/feed.atom", "/feed.json"):
        hits = server.hits(path)
        assert len(hits) == 2 and "If-None-Match" in hits[1]
        assert hits[1]["User-Agent"].startswith("feedletter/") and "(+https://news.example.org/)" in hits[1]["User-Agent"]
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        etags = dict(db.execute("SELECT name, etag FROM sources"))
    assert etags["partner"] == '"r1"' and etags["curated"].startswith("sha256:")

    assert cli(config, "status") == 0
    told = capsys.readouterr().out.splitlines()
    assert any(line.startswith("partner: not modified (304); last success 2023-02-01T09:00:00+00:00") for line in told)
    assert any(line.startswith("curated: unchanged (same file); last success ") for line in told)


def test_one_source_down_the_others_land_exit_1_and_one_line(tmp_path, server, capsys):
    server.routes["/feed.xml"] = (500, {"Content-Type": "text/plain"}, b"boom")
    config = write_config(tmp_path, server.base)
    assert cli(config, "run") == 1
    err = capsys.readouterr().err
    failures = [line for line in err.splitlines() if not line.startswith("feedletter: warning:")]
    assert failures == [f"feedletter: source partner: {server.base}/feed.xml: HTTP 500 Internal Server Error (after 3 attempts)"]
    assert stored(config) == {name: titles for name, titles in EXPECTED.items() if name != "partner"}
    assert (tmp_path / "public" / "feeds" / "items.atom").exists()
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        row = db.execute("SELECT last_status, last_error, etag FROM sources WHERE name = 'partner'").fetchone()
    assert row[0] == "failed" and "HTTP 500" in row[1] and row[2] is None

    # back up: the next run stores it, and reports nothing it already told
    server.routes["/feed.xml"] = conditional(RSS2.encode(), "application/rss+xml", '"r1"')
    assert cli(config, "run") == 0
    err = capsys.readouterr().err
    assert stored(config) == EXPECTED
    assert [line for line in err.splitlines() if "source partner" not in line] == []


def test_problems_are_told_once_and_always_with_v(tmp_path, server, capsys):
    config = write_config(tmp_path, server.base)
    assert cli(config, "run") == 0
    assert "Undated HTML news" in capsys.readouterr().err
    # the page changes (new ETag) but keeps its undated item: not told again
    server.routes["/news.html"] = conditional(HTML_PAGE.replace("First paragraph", "First para").encode(), "text/html", '"h2"')
    assert cli(config, "run") == 0
    assert capsys.readouterr().err == ""
    server.routes["/news.html"] = conditional(HTML_PAGE.encode(), "text/html", '"h3"')
    assert cli(config, "-v", "run") == 0
    assert "Undated HTML news" in capsys.readouterr().err


def test_wrong_kind_is_a_failing_source(tmp_path, server, capsys):
    server.routes["/feed.xml"] = (200, {"Content-Type": "text/html"}, b"<html><body>Please log in</body></html>")
    config = write_config(tmp_path, server.base)
    assert cli(config, "run") == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if "source partner" in line]
    assert lines == [f"feedletter: source partner: {server.base}/feed.xml: expected a feed but got an HTML page "
                     '(served as text/html); check the location, or set kind = "html"']


def test_lock_held_the_second_run_waits_then_exits_1(tmp_path, server, capsys):
    config = write_config(tmp_path, server.base, lock_wait=0.5)
    with run_lock(tmp_path / "feedletter.db.lock", wait=1):
        assert cli(config, "run") == 1
    err = capsys.readouterr().err
    assert "another feedletter run holds the lock (waited 0.5 s)" in err
    assert not (tmp_path / "public").exists()


def test_two_runs_at_the_same_moment(tmp_path, server):
    config = write_config(tmp_path, server.base)
    command = [str(FEEDLETTER), "--config", str(config), "--now", NOW, "run"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path) for _ in range(2)]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _, _ in results] == [0, 0], results
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        total = db.execute("SELECT COUNT(*) FROM items").fetchone()[0]
        distinct = db.execute("SELECT COUNT(DISTINCT date || '|' || lower(title)) FROM items").fetchone()[0]
    assert total == distinct == sum(len(titles) for titles in EXPECTED.values())
    # one run fetched, the other found everything unchanged
    assert sorted(len(server.hits(path)) for path in ("/feed.xml",)) == [2]


def test_cron_conditions_env_i_other_directory_no_home(tmp_path, server):
    (tmp_path / "project").mkdir()
    config = write_config(tmp_path / "project", server.base)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        ["env", "-i", str(FEEDLETTER), "--config", str(config), "--now", NOW, "run"],
        cwd=elsewhere, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert (done.returncode, done.stdout, done.stderr.count("warning")) == (0, "", done.stderr.count("\n"))
    assert stored(config) == EXPECTED
    assert (config.parent / "public" / "feeds" / "items.atom").exists()
    assert list(elsewhere.iterdir()) == []
    # a second run the same way: quiet, nothing new
    again = subprocess.run(
        ["env", "-i", str(FEEDLETTER), "--config", str(config), "--now", NOW, "run"],
        cwd=elsewhere, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_ingest_takes_urls_and_files_of_every_kind(tmp_path, server, capsys):
    config = write_config(tmp_path, server.base)
    (tmp_path / "news.txt").write_text(LISTING, encoding="utf-8")
    (tmp_path / "partner.xml").write_text(RSS2, encoding="utf-8")
    args = ["ingest", str(tmp_path / "news.txt"), str(tmp_path / "partner.xml"), str(tmp_path / "data" / "items.toml"),
            server.url("/feed.atom"), server.url("/feed.json")]
    assert cli(config, *args) == 0
    titles = {title for titles in stored(config).values() for title in titles}
    assert titles == EXPECTED["listing"] | EXPECTED["partner"] | EXPECTED["curated"] | EXPECTED["atom"] | EXPECTED["jsonfeed"]
    assert "RSS news undated" not in capsys.readouterr().err
    # an HTML page without selectors goes through detection; one without a news list is
    # read as text, and one holding neither is no listing
    assert cli(config, "ingest", server.url("/news.html")) == 0
    assert stored(config)[server.url("/news.html")] == {"HTML news one & more", "HTML news two"}
    server.routes["/list.html"] = (200, {"Content-Type": "text/html"}, (
        b"<html><body><ol><li><p>Web</p><p>Plain page news</p><p>30 January 2023</p></li></ol></body></html>"))
    assert cli(config, "ingest", server.url("/list.html")) == 0
    assert "Plain page news" in stored(config)[server.url("/list.html")]
    server.routes["/login.html"] = (200, {"Content-Type": "text/html"}, (
        b"<html><body><nav><ul><li><a href='/'>Home</a></li><li><a href='/help'>Help</a></li></ul></nav>"
        b"<form><input name='user'><button>Sign in</button></form></body></html>"))
    capsys.readouterr()
    assert cli(config, "ingest", server.url("/login.html")) == 2
    err = capsys.readouterr().err
    assert "no news items found on the page: the best candidates: " in err and "it is in navigation" in err, err
    # --kind overrides the guess
    assert cli(config, "ingest", "--kind", "feed", str(tmp_path / "news.txt")) == 1
    assert "expected a feed but got listing text" in capsys.readouterr().err


def test_status_names_each_source_state_in_words(tmp_path, server, capsys):
    server.routes["/feed.xml"] = (500, {"Content-Type": "text/plain"}, b"boom")
    config = write_config(tmp_path, server.base)
    assert cli(config, "run") == 1
    capsys.readouterr()
    assert cli(config, "status") == 0
    told = {line.split(":", 1)[0]: line for line in capsys.readouterr().out.splitlines()}
    assert told["listing"].startswith("listing: read (HTTP 200); last success ")
    assert told["curated"].startswith("curated: read (file changed); last success ")
    assert told["partner"].startswith("partner: failed; last success never; failed 2023-02-01T09:00:00+00:00: ")
    assert not any(" last file" in line or "; ok " in line for line in told.values())


def test_run_without_sources_exits_2_and_says_what_to_add(tmp_path, capsys):
    config = tmp_path / "feedletter.toml"
    config.write_text('[site]\nbase_url = "https://news.example.org/"\n', encoding="utf-8")
    assert cli(config, "run") == 2
    err = capsys.readouterr().err
    assert err == (f"feedletter: {config}: no [[sources]] to read; add a [[sources]] table with a name and a "
                   "location for each place the news comes from (README: Configuration)\n")
    assert not (tmp_path / "public").exists()


def test_a_source_with_nothing_readable_fails_without_saying_item_skipped(tmp_path, server, capsys):
    server.routes["/news.txt"] = (200, {"Content-Type": "text/plain"}, b"  1. News\n    A title\n    No date here.\n")
    config = write_config(tmp_path, server.base)
    assert cli(config, "run") == 1
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "source listing:" in line]
    assert line.startswith(f"feedletter: source listing: nothing could be read: {server.base}/news.txt:1: item has no")
    assert "skipped" not in line


def test_a_lock_busy_attempt_is_not_shown_as_the_last_run(tmp_path, server, capsys):
    config = write_config(tmp_path, server.base, lock_wait=0.2)
    assert cli(config, "run") == 0
    with run_lock(tmp_path / "feedletter.db.lock", wait=1):
        assert cli(config, "run") == 1
    capsys.readouterr()
    assert cli(config, "status") == 0
    last = capsys.readouterr().out.splitlines()[0]
    assert last.startswith("last: run 2023-02-01T09:00:00+00:00") and last.endswith("; ok")


def test_sources_are_read_at_once_and_stored_in_config_order(tmp_path):
    """Eight slow sources: the server sees several requests in flight at once, and the
    archive stores them in config order whatever answered first."""
    import threading
    import time

    in_flight, most, lock = [0], [0], threading.Lock()

    def slow(number: int):
        def answer(_handler):
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
            time.sleep(0.3 if number % 2 else 0.05)  # the odd ones answer last
            with lock:
                in_flight[0] -= 1
            page = f"- News\n  Story {number}\n  {number + 1} January 2023\n"
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, page.encode()
        return answer

    with Server() as server:
        sources = ""
        for number in range(8):
            server.routes[f"/s{number}.txt"] = slow(number)
            sources += f'[[sources]]\nname = "s{number}"\nkind = "listing"\nlocation = "{server.url(f"/s{number}.txt")}"\n'
        config = tmp_path / "feedletter.toml"
        config.write_text(f'[site]\nbase_url = "https://n.example.org/"\n[feeds]\nfetch_concurrency = 4\n{sources}',
                          encoding="utf-8")
        assert cli(config, "run") == 0
    assert most[0] >= 2
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        assert [source for (source,) in db.execute("SELECT source FROM items ORDER BY rowid")] == [
            f"s{number}" for number in range(8)]
