"""The pictures of local sources, stored by their published name (which holds a hash of
their bytes, so a name always means the same bytes) and kept forever, like items."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..dates import rfc3339
from .db import Database, select_in


def keep(database: Database, images: Mapping[str, bytes], *, now) -> list[str]:
    """Store the pictures not stored yet; returns their names."""
    if not images:
        return []
    with database.transaction() as db:
        known = {name for (name,) in select_in(db, "SELECT name FROM images WHERE name IN ({})", sorted(images))}
        new = sorted(set(images) - known)
        db.executemany("INSERT INTO images (name, data, first_seen) VALUES (?, ?, ?)",
                       [(name, images[name], rfc3339(now)) for name in new])
    return new


def shown(database: Database, prefix: str) -> list[str]:
    """The names of stored pictures that a visible item links to under `prefix` (the
    site's image folder URL): what a build publishes. A hidden item's picture is not."""
    if database.execute("SELECT 1 FROM images LIMIT 1").fetchone() is None:
        return []  # no local pictures at all: no need to read every item
    rows = database.execute(
        "SELECT DISTINCT substr(i.image_url, ?) FROM items i JOIN images p ON p.name = substr(i.image_url, ?)"
        " WHERE i.hidden = 0 AND substr(i.image_url, 1, ?) = ? ORDER BY 1",
        (len(prefix) + 1, len(prefix) + 1, len(prefix), prefix),
    )
    return [name for (name,) in rows]


def data(database: Database, names: Iterable[str]) -> dict[str, bytes]:
    return dict(select_in(database.connection, "SELECT name, data FROM images WHERE name IN ({})", sorted(names)))
