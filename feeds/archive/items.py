"""The item store: every item ever seen, read back as `Item` values, hidden, shown
or recategorised by hand. Writing new items is `ingest`'s; exporting `transfer`'s."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..dates import rfc3339, whole_minute_offset
from ..identity import category_key
from ..model import Item, ParsedItem
from . import images, ingest, transfer
from .db import BUSY_WAIT, Database
from .ingest import IMAGE_COLUMNS, IngestReport, image_from_columns


class Archive:
    """An open archive. Use `Archive.open(path)` as a context manager; `database`
    is the file itself, shared with the application's journal."""

    def __init__(self, database: Database):
        self.database = database
        self._db = database.connection
        self.path = database.path

    @classmethod
    @contextmanager
    def open(cls, path: Path, *, create: bool = True, wait: float = BUSY_WAIT) -> Iterator[Archive]:
        """`wait`: seconds a write waits for another process's transaction (see Database.open)."""
        with Database.open(path, create=create, wait=wait) as database:
            yield cls(database)

    def rehearsal(self):
        return self.database.rehearsal()

    def authority(self, default: str) -> str:
        """The tag URI authority, fixed when the first item is stored."""
        return self.database.meta("authority") or default

    def ingest(
        self,
        batches: Sequence[tuple[str, Sequence[ParsedItem]]],
        *,
        now: datetime,
        zone: ZoneInfo,
        authority: str,
    ) -> IngestReport:
        """Store items from (source, items) batches in one transaction (see `ingest`)."""
        return ingest.ingest(self.database, batches, now=now, zone=zone, authority=authority)

    def keep_images(self, pictures: Mapping[str, bytes], *, now: datetime) -> list[str]:
        """Store local sources' pictures by their published name (see feeds.archive.images)."""
        return images.keep(self.database, pictures, now=now)

    def shown_images(self, prefix: str) -> list[str]:
        """Names of stored pictures a visible item links to under the URL `prefix`."""
        return images.shown(self.database, prefix)

    def image_data(self, names: Iterable[str]) -> dict[str, bytes]:
        return images.data(self.database, names)

    def export_rows(self) -> list[dict]:
        return transfer.export_rows(self.database)

    def import_rows(self, rows: Sequence[dict], *, authority: str) -> tuple[int, int]:
        return transfer.import_rows(self.database, rows, authority=authority)

    # a category set by hand wins over the source's own; every read goes through this
    _CATEGORY = "COALESCE(category_override, category)"
    _COLUMNS = (f"id, title, date, {_CATEGORY}, summary, url, source, published, updated, hidden, content_html,"
                f" {IMAGE_COLUMNS}")

    def items(
        self, *, until: date | None = None, month: str | None = None, include_hidden: bool = False
    ) -> list[Item]:
        """Items newest first in listing order: dated on or before `until`, of one YYYY-MM
        `month`, hidden ones too, as asked."""
        where, params = ["1 = 1"], []
        if until is not None:
            where.append("date <= ?")
            params.append(until.isoformat())
        if month is not None:
            where.append("date >= ? AND date < ?")
            params += [f"{month}-01", f"{month}-32"]
        if not include_hidden:
            where.append("hidden = 0")
        rows = self._db.execute(
            f"SELECT {self._COLUMNS} FROM items WHERE {' AND '.join(where)}"
            " ORDER BY date DESC, day_offset DESC, id",
            params,
        )
        return [_row_to_item(row) for row in rows]

    def month_fingerprints(self, *, until: date) -> dict[str, tuple[int, int]]:
        """For each month with visible items dated on or before `until`: (visible items,
        highest revision). It moves whenever an item of the month is added, edited,
        hidden or shown, or comes of age."""
        rows = self._db.execute(
            "SELECT substr(date, 1, 7), SUM(hidden = 0), MAX(rev) FROM items"
            " WHERE date <= ? GROUP BY substr(date, 1, 7) HAVING SUM(hidden = 0) > 0",
            (until.isoformat(),),
        )
        return {month: (visible, rev) for month, visible, rev in rows}

    def items_in_months(self, months: Iterable[str], *, until: date) -> list[Item]:
        """Visible items of the given YYYY-MM months dated on or before `until`, newest first."""
        found: list[Item] = []
        for month in sorted(set(months), reverse=True):
            rows = self._db.execute(
                f"SELECT {self._COLUMNS} FROM items WHERE date >= ? AND date < ? AND date <= ?"
                " AND hidden = 0 ORDER BY date DESC, day_offset DESC, id",
                (f"{month}-01", f"{month}-32", until.isoformat()),
            )
            found.extend(_row_to_item(row) for row in rows)
        return found

    def newest(self, limit: int, *, until: date) -> list[Item]:
        """The newest visible items, in listing order."""
        rows = self._db.execute(
            f"SELECT {self._COLUMNS} FROM items WHERE date <= ? AND hidden = 0"
            " ORDER BY date DESC, day_offset DESC, id LIMIT ?",
            (until.isoformat(), limit),
        )
        return [_row_to_item(row) for row in rows]

    def newest_by_category(self, limit: int, *, until: date) -> dict[str, list[Item]]:
        """Category key -> its newest visible items (at most `limit`)."""
        spellings = [row[0] for row in self._db.execute(
            f"SELECT DISTINCT {self._CATEGORY} FROM items WHERE {self._CATEGORY} IS NOT NULL"
        )]
        found: dict[str, list[Item]] = {}
        for spelling in spellings:  # "Co-operators" and "Cooperators" merge under one key
            rows = self._db.execute(
                f"SELECT {self._COLUMNS} FROM items WHERE {self._CATEGORY} = ? AND date <= ?"
                " AND hidden = 0 ORDER BY date DESC, day_offset DESC, id LIMIT ?",
                (spelling, until.isoformat(), limit),
            )
            found.setdefault(category_key(spelling), []).extend(_row_to_item(row) for row in rows)
        return {
            key: sorted(items, key=lambda item: (item.published, item.id), reverse=True)[:limit]
            for key, items in sorted(found.items())
            if items
        }

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def categories(self) -> dict[str, str]:
        """Category key -> the label it was first stored with; later spellings never
        rename it (the label names the category's feed file)."""
        labels: dict[str, str] = {}
        rows = self._db.execute(
            f"SELECT {self._CATEGORY} AS spelling, MIN(rowid) AS first FROM items"
            " WHERE spelling IS NOT NULL GROUP BY spelling ORDER BY first"
        )
        for category, _first in rows:
            labels.setdefault(category_key(category), category)
        return labels

    def ids_ending(self, suffix: str, *, limit: int = 10) -> list[str]:
        """[suffix] if it is a whole id, else the ids ending with it (at most limit + 1)."""
        if self._db.execute("SELECT 1 FROM items WHERE id = ?", (suffix,)).fetchone():
            return [suffix]
        rows = self._db.execute(
            "SELECT id FROM items WHERE substr(id, -?) = ? ORDER BY id LIMIT ?", (len(suffix), suffix, limit + 1)
        )
        return [item_id for (item_id,) in rows]

    def set_hidden(self, ids: Sequence[str], hidden: bool) -> list[str]:
        """Hide or show items (they stay stored; ingest never touches the flag). Returns
        the ids that changed: only their months and feeds change at the next build."""
        with self.database.transaction() as db:
            changed = [
                item_id for item_id in dict.fromkeys(ids)
                if db.execute("SELECT hidden FROM items WHERE id = ?", (item_id,)).fetchone() not in (None, (int(hidden),))
            ]
            if changed:
                rev = self.database.next_rev(db)
                db.executemany("UPDATE items SET hidden = ?, rev = ? WHERE id = ?",
                               [(int(hidden), rev, item_id) for item_id in changed])
        return changed

    def recategorise(self, item_id: str, category: str, *, now: datetime) -> bool:
        """Set an item's category by hand; naming the source's own category clears it.
        Ingest keeps comparing the source's category, so the page that still carries
        the old one never flips it back. The entry changed: `updated` moves to `now`."""
        with self.database.transaction() as db:
            own, override, published = db.execute(
                "SELECT category, category_override, published FROM items WHERE id = ?", (item_id,)
            ).fetchone()
            wanted = None if category == own else category
            if wanted == override:
                return False
            updated = max(now, datetime.fromisoformat(published))
            db.execute("UPDATE items SET category_override = ?, updated = ?, rev = ? WHERE id = ?",
                       (wanted, rfc3339(updated), self.database.next_rev(db), item_id))
        return True


def _row_to_item(row: Iterable) -> Item:
    item_id, title, when, category, summary, url, source, published, updated, hidden, content_html, *image = row
    return Item(
        id=item_id,
        title=title,
        date=date.fromisoformat(when),
        category=category,
        summary=summary,
        url=url,
        source=source,
        published=whole_minute_offset(datetime.fromisoformat(published)),
        updated=whole_minute_offset(datetime.fromisoformat(updated)),
        hidden=bool(hidden),
        content_html=content_html,
        image=image_from_columns(*image),
    )
