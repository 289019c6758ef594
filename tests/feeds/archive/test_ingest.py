"""Storing feed entries as feed readers keep them: undated entries dated once when first
seen, entries recognised by their own id, and their own times kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.archive import Archive
from feeds.model import ParsedItem
from feeds.sources import parse_source

ZONE = ZoneInfo("Europe/Zurich")
AUTHORITY = "news.example.org,2026"
NOW = datetime(2023, 2, 1, 9, 0, tzinfo=UTC)
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://f.example/</link>
<item><title>{title}</title><guid>urn:entry:1</guid>{date}<description>{summary}</description></item>
<item><title>Dated</title><guid>urn:entry:2</guid><pubDate>Wed, 25 Jan 2023 09:30:00 +0100</pubDate></item>
</channel></rss>"""


def feed(title: str = "Undated entry", *, date_xml: str = "", summary: str = "First words.") -> tuple[ParsedItem, ...]:
    data = RSS.format(title=title, date=date_xml, summary=summary).encode()
    return parse_source("feed", data, source="feed.rss").items


def ingest(path: Path, items, now: datetime = NOW):
    with Archive.open(path) as archive:
        report = archive.ingest([("news-feed", items)], now=now, zone=ZONE, authority=AUTHORITY)
        return report, {item.title: item for item in archive.items(include_hidden=True)}


def test_an_undated_entry_is_kept_dated_when_first_seen_and_never_moves(tmp_path):
    report, stored = ingest(tmp_path / "a.db", feed())
    assert len(report.added) == 2
    undated = stored["Undated entry"]
    assert undated.published == NOW and undated.date == date(2023, 2, 1)
    report, again = ingest(tmp_path / "a.db", feed(), now=NOW + timedelta(days=3))
    assert report.added == () and report.edited == ()
    assert again["Undated entry"].published == NOW and again["Undated entry"].id == undated.id


def test_an_entry_keeps_its_own_time_and_offset(tmp_path):
    _, stored = ingest(tmp_path / "a.db", feed())
    dated = stored["Dated"]
    assert dated.published == datetime(2023, 1, 25, 8, 30, tzinfo=UTC)
    assert dated.published.utcoffset() == timedelta(hours=1) and dated.date == date(2023, 1, 25)


def test_a_changed_title_under_the_same_guid_is_an_edit_not_a_new_item(tmp_path):
    _, before = ingest(tmp_path / "a.db", feed())
    later = NOW + timedelta(hours=5)
    report, after = ingest(tmp_path / "a.db", feed("Undated entry, title corrected", summary="New words."), now=later)
    assert report.added == () and len(report.edited) == 1
    edited = after["Undated entry, title corrected"]
    assert edited.id == before["Undated entry"].id and edited.updated == later and edited.summary == "New words."
    assert "Undated entry" not in after


def test_a_new_archive_fed_the_same_feed_gives_the_same_ids(tmp_path):
    _, first = ingest(tmp_path / "a.db", feed())
    _, second = ingest(tmp_path / "b.db", feed(), now=NOW + timedelta(days=30))
    assert {item.id for item in first.values()} == {item.id for item in second.values()}
    assert all(item.id.startswith(f"tag:{AUTHORITY}:entry/") for item in first.values())


def test_undated_entries_seen_together_keep_their_feed_order(tmp_path):
    items = (ParsedItem("Top", None, guid="g1"), ParsedItem("Below", None, guid="g2"))
    _, stored = ingest(tmp_path / "a.db", items)
    assert stored["Top"].published > stored["Below"].published
    assert stored["Top"].published.astimezone(timezone.utc) == NOW
