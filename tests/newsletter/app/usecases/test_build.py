"""Incremental builds: only what changed is redone, and the result equals a full build."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feeds.archive import Archive
from feeds.errors import OutputError
from newsletter.app.config import load_settings
from newsletter.app.journal import Journal
from newsletter.app.usecases.build import build
from newsletter.app.usecases.ingest import ingest
from tests.conftest import NOW, SAMPLES


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*")) if p.is_file()}


def test_second_build_renders_no_month_and_writes_nothing(site):
    settings = load_settings(site)
    ingest(settings, SAMPLES, now=NOW)
    first = build(settings, now=NOW)
    assert first.items == 50 and first.months == 17 and first.rendered_months == 17
    before = mtimes(settings.output)
    second = build(settings, now=NOW)
    assert second.rendered_months == 0 and second.written == ()
    assert mtimes(settings.output) == before


def test_a_late_item_redoes_only_its_month(site, tmp_path):
    settings = load_settings(site)
    ingest(settings, SAMPLES, now=NOW)
    build(settings, now=NOW)
    late = tmp_path / "late.txt"
    late.write_text("  1. News\n    A late story from March 2021\n    15 March 2021\n    Found later.\n", "utf-8")
    ingest(settings, [late], now=NOW + timedelta(hours=1))
    report = build(settings, now=NOW + timedelta(hours=1))
    assert report.rendered_months == 1
    changed = set(report.written)
    assert {"issues/2021-03.html", "feeds/archive/items-2021-03.atom"} <= changed
    assert not any(name.startswith("issues/") and name != "issues/2021-03.html" for name in changed)
    assert not any(name.startswith("feeds/archive/") and "2021-03" not in name for name in changed)


def test_incremental_result_equals_a_full_build(site, tmp_path):
    settings = load_settings(site)
    for number, page in enumerate(SAMPLES):  # one page a day, building after each
        when = NOW + timedelta(days=number)
        ingest(settings, [page], now=when)
        build(settings, now=when)
    incremental = tree(settings.output)
    shutil.rmtree(settings.output)
    (settings.archive.parent / "feedletter.db").exists()
    with Archive.open(settings.archive) as archive:
        Journal(archive).save_build_state({})
    build(settings, now=NOW + timedelta(days=len(SAMPLES) - 1))
    assert tree(settings.output) == incremental


def test_deleted_outputs_are_rebuilt(site):
    settings = load_settings(site)
    ingest(settings, SAMPLES, now=NOW)
    build(settings, now=NOW)
    page = settings.output / "issues" / "2017-11.html"
    original = page.read_bytes()
    page.unlink()
    report = build(settings, now=NOW)
    assert report.rendered_months == 1 and page.read_bytes() == original


def test_a_template_change_rebuilds_every_page(site, tmp_path):
    templates = tmp_path / "theme" / "site"
    templates.mkdir(parents=True)
    site.write_text(site.read_text() + '\n[paths]\ntemplates = "theme"\n', "utf-8")
    settings = load_settings(site)
    ingest(settings, SAMPLES, now=NOW)
    build(settings, now=NOW)
    (templates / "index.html.j2").write_text(
        '{% extends "default:site/index.html.j2" %}{% block title %}Our archive{% endblock %}', "utf-8"
    )
    report = build(settings, now=NOW)
    assert report.rendered_months == 17
    assert "<title>Our archive</title>" in (settings.output / "index.html").read_text("utf-8")


def test_future_item_appears_on_its_day(site, tmp_path):
    settings = load_settings(site)
    upcoming = tmp_path / "upcoming.txt"
    upcoming.write_text("  1. Event\n    Cooperative summit\n    10 February 2023\n    In Geneva.\n", "utf-8")
    ingest(settings, [*SAMPLES, upcoming], now=NOW)
    build(settings, now=NOW)
    assert b"Cooperative summit" not in (settings.output / "feeds" / "items.atom").read_bytes()
    later = datetime(2023, 2, 10, 12, tzinfo=UTC)
    report = build(settings, now=later)
    assert "issues/2023-02.html" in report.written
    assert b"Cooperative summit" in (settings.output / "feeds" / "items.atom").read_bytes()


def test_every_feed_link_to_our_site_reaches_a_published_page_and_anchor(site):
    """A reader clicking any entry lands on a page that exists, at an anchor that exists."""
    import re

    import feedparser

    settings = load_settings(site)
    ingest(settings, SAMPLES, now=NOW)
    build(settings, now=NOW)
    base = settings.meta.base_url
    checked = 0
    for feed in sorted((settings.output / "feeds").rglob("*.atom")):
        for entry in feedparser.parse(feed.read_bytes()).entries:
            link = entry.get("link", "")
            assert link.startswith(base), (feed.name, link)
            page, _, anchor = link.removeprefix(base).partition("#")
            target = settings.output / (page or "index.html")
            assert target.is_file(), (feed.name, entry.title, link)
            if anchor:
                assert re.search(rf'id="{re.escape(anchor)}"', target.read_text("utf-8")), (entry.title, link)
            checked += 1
    assert checked > 100
    items = feedparser.parse((settings.output / "feeds" / "items.atom").read_bytes())
    own_issue = next(entry for entry in items.entries if entry.title == "ILO COOP eNewsUpdate")
    assert own_issue.link == base  # left out of the issue: it links to the archive of issues


def test_a_build_that_fails_half_way_changes_no_output(site):
    """Every changed file is staged first and moved into place only once all rendered:
    a month that cannot be written stops the build before any output changed."""
    settings = load_settings(site)
    ingest(settings, SAMPLES, now=NOW)
    build(settings, now=NOW)
    before = tree(settings.output)
    site.write_text(site.read_text().replace('title = "ILO COOP eNewsUpdate"', 'title = "Another title"'))
    blocked = settings.output / "issues" / "2019-12.html"  # a month in the middle of the archive
    assert blocked.is_file()
    blocked.unlink()
    blocked.mkdir()
    before.pop("issues/2019-12.html")
    with pytest.raises(OutputError, match="2019-12.html"):
        build(load_settings(site), now=NOW)
    assert tree(settings.output) == before
    assert [p.name for p in settings.output.rglob(".*")] == []


def test_the_open_month_is_in_progress_and_joins_the_digest_when_it_closes(site, tmp_path):
    import feedparser

    settings = load_settings(site)
    today = tmp_path / "today.txt"  # NOW is 1 February 2023: February is the open month
    today.write_text("  1. News\n    Opening day of the new cooperative hall\n    01 February 2023\n    It opened.\n", "utf-8")
    ingest(settings, [*SAMPLES, today], now=NOW)
    build(settings, now=NOW)
    page = (settings.output / "issues" / "2023-02.html").read_text("utf-8")
    assert "This issue is in progress" in page
    index = (settings.output / "index.html").read_text("utf-8")
    assert "No. 2, February 2023" in index and "in progress" in index
    digest = feedparser.parse((settings.output / "feeds" / "digest.atom").read_bytes())
    assert digest.entries[0].id.endswith("digest/2023-01")  # not February yet
    assert all(not entry.id.endswith("2023-02") for entry in digest.entries)
    assert "Opening day" in (settings.output / "feeds" / "items.atom").read_text("utf-8")  # the item feed has it

    closed = NOW.replace(month=3)
    build(settings, now=closed)
    assert "in progress" not in (settings.output / "issues" / "2023-02.html").read_text("utf-8")
    assert "in progress" not in (settings.output / "index.html").read_text("utf-8")
    digest = feedparser.parse((settings.output / "feeds" / "digest.atom").read_bytes())
    assert digest.entries[0].id.endswith("digest/2023-02")
