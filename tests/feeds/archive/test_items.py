"""The archive: idempotent ingest, stable ids, edits, held-back dates, one transaction."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from feeds.archive import Archive
from feeds.identity import mint_id
from feeds.model import ParsedItem
from feeds.sources.listing import parse_listing
from tests.conftest import NOW, SAMPLES

ZONE = ZoneInfo("Europe/Zurich")
AUTHORITY = "coop-news.example.org,2026"


def ingest(archive, batches, now=NOW):
    return archive.ingest(batches, now=now, zone=ZONE, authority=AUTHORITY)


def sample_batches():
    return [(path.name, parse_listing(path.read_text("utf-8"), source=path.name).items) for path in SAMPLES]


def snapshot(path):
    with sqlite3.connect(path) as db:
        return db.execute("SELECT * FROM items ORDER BY id").fetchall()


def test_samples_ingest_once_and_again_changes_nothing(tmp_path):
    with Archive.open(tmp_path / "a.db") as archive:
        first = ingest(archive, sample_batches())
        assert len(first.added) == 50 and archive.count() == 50
    before = snapshot(tmp_path / "a.db")
    with Archive.open(tmp_path / "a.db") as archive:
        again = ingest(archive, sample_batches(), now=NOW + timedelta(days=3))
    assert not again.changed and again.unchanged == 50
    assert snapshot(tmp_path / "a.db") == before


def test_new_archive_from_same_pages_gets_same_ids(tmp_path):
    ids = []
    for name in ("one.db", "two.db"):
        with Archive.open(tmp_path / name) as archive:
            ingest(archive, sample_batches())
            ids.append([item.id for item in archive.items()])
    assert ids[0] == ids[1]
    assert ids[0][0].startswith(f"tag:{AUTHORITY}:item/2023-01-25/")


def test_same_day_items_keep_listing_order_and_distinct_times(tmp_path):
    with Archive.open(tmp_path / "a.db") as archive:
        ingest(archive, sample_batches())
        items = archive.items()
    december_20 = [item.title for item in items if item.date == date(2022, 12, 20)]
    assert december_20[0].startswith("ILO PROSPECTS undertakes")  # first on the page, newest
    assert len({item.published for item in items}) == len(items)
    assert items[0].published == datetime(2023, 1, 25, 0, 0, 1, tzinfo=ZONE)


def test_edited_title_keeps_id_and_moves_updated(tmp_path):
    page = [
        ParsedItem("Cooperatives meet in Geneva", date(2023, 1, 5), "News", "A meeting took place."),
        ParsedItem("Second story", date(2023, 1, 4), "News", None),
    ]
    edited = [ParsedItem("Cooperatives meet in Geneva and Turin", date(2023, 1, 5), "News", "A meeting took place."), page[1]]
    later = NOW + timedelta(days=1)
    with Archive.open(tmp_path / "a.db") as archive:
        ingest(archive, [("page", page)])
        original = archive.items()[0]
        report = ingest(archive, [("page", edited)], now=later)
        items = archive.items()
        # the old copy of the page does not flip the title back
        ingest(archive, [("page", page)], now=later + timedelta(days=1))
        after_old_copy = archive.items()
    assert report.edited == (original.id,) and not report.added
    assert len(items) == 2
    assert items[0].id == original.id and items[0].title.endswith("and Turin")
    assert items[0].updated == later and items[0].published == original.published
    assert after_old_copy == items


def test_two_summaryless_items_of_one_day_are_two_items(tmp_path):
    first = [ParsedItem("Alpha report", date(2017, 11, 23), "News")]
    second = [ParsedItem("Beta report", date(2017, 11, 23), "News")]
    with Archive.open(tmp_path / "a.db") as archive:
        ingest(archive, [("page", first)])
        report = ingest(archive, [("page", second)])
    assert len(report.added) == 1 and not report.edited


def test_same_item_from_overlapping_pages_is_stored_once(tmp_path):
    item = ParsedItem("Shared story", date(2022, 5, 1), "News", "Text.")
    with Archive.open(tmp_path / "a.db") as archive:
        ingest(archive, [("page-1", [item]), ("page-2", [item])])
        assert archive.count() == 1


def test_future_items_are_stored_but_held_back(tmp_path):
    item = ParsedItem("Upcoming", date(2023, 3, 1), "Event", "Soon.")
    with Archive.open(tmp_path / "a.db") as archive:
        ingest(archive, [("page", [item])])
        assert archive.items(until=date(2023, 2, 1)) == []
        assert len(archive.items(until=date(2023, 3, 1))) == 1


def test_failed_ingest_stores_nothing(tmp_path):
    class Boom(Exception):
        pass

    good = ParsedItem("Good", date(2022, 1, 1), "News")

    class Exploding:
        def __iter__(self):
            yield good
            raise Boom

    with Archive.open(tmp_path / "a.db") as archive:
        with pytest.raises(Boom):
            ingest(archive, [("page", [good]), ("other", Exploding())])
        assert archive.count() == 0


def test_ids_do_not_depend_on_case_or_spacing():
    a = mint_id(AUTHORITY, "ILO  COOP News", date(2022, 1, 1))
    b = mint_id(AUTHORITY, "ilo coop news", date(2022, 1, 1))
    assert a == b


def test_schema_version_is_recorded(tmp_path):
    with Archive.open(tmp_path / "a.db"):
        pass
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_markup_and_pictures_are_kept_and_a_change_to_them_is_an_edit(tmp_path):
    from feeds.documents import item_entry
    from feeds.model import Image

    cover = Image("https://news.example.org/cover.jpg", "The cover", 600, 400)
    first = ParsedItem("Report", date(2023, 1, 10), summary="In brief.", url="https://news.example.org/r",
                       content_html='<p>In <em>brief</em>.</p>', image=cover)
    with Archive.open(tmp_path / "a.db") as archive:
        ingest(archive, [("feed", [first])])
        (stored,) = archive.items()
        assert (stored.content_html, stored.image, stored.summary) == ('<p>In <em>brief</em>.</p>', cover, "In brief.")
        assert item_entry(stored, lambda item: None).content_html == '<p>In <em>brief</em>.</p>'
        report = ingest(archive, [("feed", [first])], now=NOW + timedelta(days=1))
        assert not report.changed
        edited = ParsedItem(first.title, first.date, summary=first.summary, url=first.url,
                            content_html='<p>In <strong>brief</strong>.</p>')
        report = ingest(archive, [("feed", [edited])], now=NOW + timedelta(days=2))
        (stored,) = archive.items()
        assert report.edited == (stored.id,) and stored.image is None
        assert stored.content_html == '<p>In <strong>brief</strong>.</p>'
