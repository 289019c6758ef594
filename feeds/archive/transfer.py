"""Exporting every stored item, and importing such an export into another archive
with its ids, day offsets and times kept, so both build the same files."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from ..identity import content_hash
from ..model import ParsedItem
from .db import Database
from .ingest import image_from_columns

EXPORT_FIELDS = (
    "id", "title", "date", "category", "category_override", "summary", "url", "source",
    "day_offset", "published", "updated", "first_seen",
    "content_html", "image_url", "image_alt", "image_width", "image_height",
    "hidden",
)  # `hidden` last: stored as 0/1, exported as a boolean
ADDED_FIELDS = ("content_html", "image_url", "image_alt", "image_width", "image_height")  # exports before 0.2 lack them


def export_rows(database: Database) -> list[dict]:
    """Every item, hidden ones too, in the order stored (category labels are the
    first stored), each with the keys it is recognised by; `category` is the
    source's own, `category_override` the one set by hand."""
    keys: dict[str, list[str]] = defaultdict(list)
    for item_id, key in database.execute("SELECT item_id, key FROM item_keys ORDER BY rowid"):
        keys[item_id].append(key)
    rows = database.execute(f"SELECT {', '.join(EXPORT_FIELDS)} FROM items ORDER BY rowid")
    return [
        {**dict(zip(EXPORT_FIELDS, row)), "hidden": bool(row[-1]), "keys": keys.get(row[0], [])}
        for row in rows
    ]


def import_rows(database: Database, rows: Sequence[dict], *, authority: str) -> tuple[int, int]:
    """Store exported rows verbatim (ids, offsets, times) in one transaction. A row
    whose id or any of whose keys is known already is skipped, so nothing is ever
    duplicated. Returns (added, skipped)."""
    added = skipped = 0
    with database.transaction() as db:
        db.execute("INSERT OR IGNORE INTO meta VALUES ('authority', ?)", (authority,))
        rev = database.next_rev(db)
        for row in rows:
            known = db.execute("SELECT 1 FROM items WHERE id = ?", (row["id"],)).fetchone() or any(
                db.execute("SELECT 1 FROM item_keys WHERE key = ?", (key,)).fetchone() for key in row["keys"]
            )
            if known:
                skipped += 1
                continue
            image = image_from_columns(*(row.get(name) for name in ADDED_FIELDS[1:]))
            parsed = ParsedItem(row["title"], date.fromisoformat(row["date"]), row["category"], row["summary"],
                                row["url"], content_html=row.get("content_html"), image=image)
            db.execute(
                f"INSERT INTO items ({', '.join(EXPORT_FIELDS)}, content_hash, rev)"
                f" VALUES ({', '.join('?' * (len(EXPORT_FIELDS) + 2))})",
                [*(row.get(name) for name in EXPORT_FIELDS[:-1]), int(row["hidden"]), content_hash(parsed), rev],
            )
            db.executemany("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", [(key, row["id"]) for key in row["keys"]])
            added += 1
    return added, skipped
