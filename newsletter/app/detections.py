"""The selectors detection chose for each source read without selectors, kept in the
journal (its table `detected_selectors`, journal migration 7). A later read tries them
first, so the feed stays what it was while they still find items; when they find none,
the page has been redesigned, and the read tells it (see feeds.sources.html.read_page)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from feeds.archive import Archive
from feeds.dates import rfc3339

Remembered = tuple[str, dict[str, str]]  # (method, key -> CSS selector); what read_page takes


def remembered(archive: Archive) -> dict[str, Remembered]:
    """Source name -> the method and selectors detection last chose for it."""
    from .journal import Journal

    Journal(archive)  # brings the journal's schema up to date
    found: dict[str, Remembered] = {}
    for source, method, selectors in archive.database.connection.execute(
        "SELECT source, method, selectors FROM detected_selectors ORDER BY source"
    ):
        try:
            picked = json.loads(selectors)
        except ValueError:
            continue  # never written so by feedletter: detection starts afresh
        if isinstance(picked, dict):
            found[source] = (method, {str(key): str(value) for key, value in picked.items()})
    return found


def remember(archive: Archive, chosen: Mapping[str, Remembered], *, now: datetime) -> None:
    """Keep what detection chose for these sources (one transaction); a source whose
    choice is unchanged keeps the time it was first detected."""
    if not chosen:
        return
    from .journal import Journal

    Journal(archive)  # brings the journal's schema up to date
    with archive.database.transaction() as db:
        for source, (method, selectors) in sorted(chosen.items()):
            written = json.dumps(dict(selectors), ensure_ascii=False, sort_keys=True)
            db.execute(
                "INSERT INTO detected_selectors (source, method, selectors, detected) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (source) DO UPDATE SET method = excluded.method, selectors = excluded.selectors,"
                " detected = excluded.detected"
                " WHERE detected_selectors.method != excluded.method"
                " OR detected_selectors.selectors != excluded.selectors",
                (source, method, written, rfc3339(now)),
            )
