"""Storing parsed items: new ones get an id and entry times minted once, known ones are
recognised by their keys, and edits are told apart from new items.

Ids and entry times are minted when an item is first seen and then only read back,
so an edited title or a rebuilt site never changes what readers already have.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..dates import rfc3339
from ..identity import content_hash, guid_key, item_key, mint_entry_id, mint_id, parsed_key
from ..model import Image, ParsedItem
from .db import Database, select_in

IMAGE_COLUMNS = "image_url, image_alt, image_width, image_height"


def image_columns(image: Image | None) -> tuple:
    return (image.url, image.alt, image.width, image.height) if image else (None, None, None, None)


def image_from_columns(url, alt, width, height) -> Image | None:
    return Image(url, alt, width, height) if url else None


@dataclass(frozen=True, slots=True)
class IngestReport:
    added: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.edited)


@dataclass(slots=True)
class _Batch:
    """What one ingest transaction did so far, and the revision it stamps."""

    rev: int
    added: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    unchanged: int = 0


def ingest(
    database: Database,
    batches: Sequence[tuple[str, Sequence[ParsedItem]]],
    *,
    now: datetime,
    zone: ZoneInfo,
    authority: str,
) -> IngestReport:
    """Store items from (source, items) batches in one transaction.

    An item already known by its key is the same item. An unknown item from the same
    source, with the same date and non-empty summary as a stored item whose title is
    no longer on that source, is an edit of it: same id, `updated` moves to `now`.
    """
    with database.transaction() as db:
        if database.meta("authority") is None:
            db.execute("INSERT INTO meta VALUES ('authority', ?)", (authority,))
        authority = database.meta("authority") or authority
        result = _Batch(database.next_rev(db))
        for source, items in batches:
            _ingest_source(db, source, items, now, zone, authority, result)
    return IngestReport(tuple(result.added), tuple(result.edited), result.unchanged)


def _ingest_source(db, source: str, items, now: datetime, zone: ZoneInfo, authority: str, result: _Batch) -> None:
    # Keys are computed once and looked up in bulk: ingest speed is dominated by
    # per-item queries otherwise.
    keyed: dict[str, ParsedItem] = {}
    for item in items:
        keyed.setdefault(parsed_key(item), item)  # one page, one copy
    known = _known(db, keyed)
    unmatched: list[tuple[str, ParsedItem]] = []
    for key, item in keyed.items():
        by_guid = known.get(guid_key(item.guid)) if item.guid else None
        row = by_guid or known.get(key)
        if row is None:
            unmatched.append((key, item))
            continue
        item_id, title, when, stored_source, stored_hash = row
        # Only the item's own source may edit it, and only under its current key (or the
        # entry's own id), so an old copy of a page never flips it back and forth.
        current = by_guid is not None or item_key(title, date.fromisoformat(when)) == key
        new_hash = content_hash(item)
        if stored_source == source and current and stored_hash != new_hash:
            _update(db, item_id, item, new_hash, now, result.rev)
            result.edited.append(item_id)
        else:
            result.unchanged += 1
    new_by_day: dict[date, list[tuple[str, ParsedItem]]] = defaultdict(list)
    candidates = _edit_candidates(db, source, [item for _, item in unmatched if item.summary and item.date])
    undated = 0
    for key, item in unmatched:
        edited = _find_edited(candidates, item, keyed)
        if edited:
            _update(db, edited, item, content_hash(item), now, result.rev)
            db.execute("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", (key, edited))
            result.edited.append(edited)
        elif item.date is None:  # dated when first seen, once, a second apart in feed order
            seen = now.astimezone(zone) - timedelta(seconds=undated)
            new_by_day[seen.date()].append((key, replace(item, moment=seen)))
            undated += 1
        else:
            new_by_day[item.date].append((key, item))
    _insert_new(db, source, new_by_day, rfc3339(now), zone, authority, result)


def _insert_new(db, source: str, new_by_day, seen: str, zone: ZoneInfo, authority: str, result: _Batch) -> None:
    bases = _day_offsets(db, new_by_day)
    rows, keys = [], []
    for day, day_items in new_by_day.items():
        start = datetime.combine(day, time(), zone)
        base = bases.get(day.isoformat(), 0)
        # Listing order is newest first: the top item of a day gets the latest time. An
        # entry with a time of its own keeps it, and its offset orders it in the day.
        for position, (key, item) in enumerate(day_items):
            if item.moment is not None:
                wall = item.moment.time()
                offset = wall.hour * 3600 + wall.minute * 60 + wall.second
                published = rfc3339(item.moment)
            else:
                offset = base + len(day_items) - position
                published = rfc3339(start + timedelta(seconds=offset))
            item_id = (mint_entry_id(authority, source, item.guid) if item.guid
                       else mint_id(authority, item.title, day, key=key))
            rows.append((
                item_id, item.title, day.isoformat(), item.category, item.summary, item.url, source,
                offset, published, published, seen, content_hash(item), result.rev,
                item.content_html, *image_columns(item.image),
            ))
            keys.append((key, item_id))
            if item.guid:
                keys.append((guid_key(item.guid), item_id))
            result.added.append(item_id)
    db.executemany(
        "INSERT INTO items (id, title, date, category, summary, url, source, day_offset, published, updated,"
        f" first_seen, content_hash, rev, content_html, {IMAGE_COLUMNS}) VALUES ({', '.join('?' * 18)})",
        rows,
    )
    db.executemany("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", keys)


def _known(db, keyed: dict[str, ParsedItem]) -> dict[str, tuple]:
    """Key -> (id, title, date, source, content_hash) of the stored items known by it."""
    wanted = list(keyed) + [guid_key(item.guid) for item in keyed.values() if item.guid]
    rows = select_in(
        db,
        "SELECT k.key, i.id, i.title, i.date, i.source, i.content_hash FROM item_keys k"
        " JOIN items i ON i.id = k.item_id WHERE k.key IN ({})",
        wanted,
    )
    return {row[0]: row[1:] for row in rows}


def _edit_candidates(db, source: str, items: list[ParsedItem]) -> dict[tuple[str, str], list]:
    """(date, summary) -> [(id, title)] of this source's stored items on those days."""
    days = sorted({item.date.isoformat() for item in items if item.date})
    found: dict[tuple[str, str], list] = defaultdict(list)
    rows = select_in(
        db,
        "SELECT id, title, date, summary FROM items WHERE source = ?"
        " AND date IN ({}) AND summary IS NOT NULL",
        days,
        before=(source,),
    )
    for item_id, title, when, summary in rows:
        found[(when, summary)].append((item_id, title))
    return found


def _find_edited(candidates, item: ParsedItem, present: dict[str, ParsedItem]) -> str | None:
    if not item.summary or item.date is None:
        return None
    rows = candidates.get((item.date.isoformat(), item.summary), ())
    gone = [item_id for item_id, title in rows if item_key(title, item.date) not in present]
    return gone[0] if len(gone) == 1 else None


def _day_offsets(db, days: Iterable[date]) -> dict[str, int]:
    wanted = sorted(day.isoformat() for day in days)
    return dict(select_in(db, "SELECT date, MAX(day_offset) FROM items WHERE date IN ({}) GROUP BY date", wanted))


def _update(db: sqlite3.Connection, item_id: str, item: ParsedItem, new_hash: str, now: datetime, rev: int) -> None:
    published = db.execute("SELECT published FROM items WHERE id = ?", (item_id,)).fetchone()[0]
    updated = max(now, datetime.fromisoformat(published))
    db.execute(
        "UPDATE items SET title = ?, category = ?, summary = ?, url = ?, content_html = ?, image_url = ?,"
        " image_alt = ?, image_width = ?, image_height = ?, content_hash = ?, updated = ?, rev = ? WHERE id = ?",
        (item.title, item.category, item.summary, item.url, item.content_html, *image_columns(item.image),
         new_hash, rfc3339(updated), rev, item_id),
    )
