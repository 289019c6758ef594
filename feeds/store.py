"""The archive: one SQLite file that remembers every item ever seen.

This is the only module that imports sqlite3. Rows become `Item` values here.
Ids and entry times are minted when an item is first seen and then only read back,
so an edited title or a rebuilt site never changes what readers already have.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from .errors import FeedletterError
from .model import Item, ParsedItem, Problem, category_key, normalise_title, whole_minute_offset

MIGRATIONS: tuple[str, ...] = (
    # 1: items, the keys they are recognised by, and archive facts
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE items (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        date TEXT NOT NULL,
        category TEXT,
        summary TEXT,
        url TEXT,
        source TEXT NOT NULL,
        day_offset INTEGER NOT NULL,
        published TEXT NOT NULL,
        updated TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX items_by_date ON items (date, day_offset);
    CREATE INDEX items_by_source_date ON items (source, date);
    CREATE TABLE item_keys (
        key TEXT PRIMARY KEY,
        item_id TEXT NOT NULL REFERENCES items (id)
    );
    """,
    # 2: a revision stamp on every change, and what the last build made of each part, so
    # a build redoes only the months whose items changed
    """
    ALTER TABLE items ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX items_by_month_rev ON items (substr(date, 1, 7), rev);
    CREATE TABLE build_state (part TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
    """,
    # 3: what each configured source last answered (conditional GET validators, the
    # last success and failure), and the source problems already reported by `run`
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        location TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_success TEXT,
        last_failure TEXT,
        last_error TEXT,
        last_status TEXT
    );
    CREATE TABLE problems_seen (
        source TEXT NOT NULL,
        line INTEGER NOT NULL,
        message_hash TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (source, line, message_hash)
    );
    """,
    # 4: every newsletter send, so a repeated cron line never mails the list twice
    """
    CREATE TABLE sends (
        issue TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('list', 'test')),
        recipients INTEGER NOT NULL,
        refused INTEGER NOT NULL DEFAULT 0,
        message_id TEXT,
        sent_at TEXT NOT NULL
    );
    CREATE INDEX sends_by_issue ON sends (issue, kind);
    """,
)


class ArchiveError(FeedletterError):
    pass


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
    added: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    unchanged: int = 0


def item_key(title: str, when: date) -> str:
    """The key an item is recognised by: its date and normalised title."""
    return f"{when.isoformat()}|{normalise_title(title)}"


def mint_id(authority: str, title: str, when: date) -> str:
    """A tag URI (RFC 4151) from the normalised title and date: the same page ingested
    into a new archive gets the same ids, and the stored id never changes afterwards."""
    digest = hashlib.sha256(item_key(title, when).encode()).hexdigest()[:16]
    return f"tag:{authority}:item/{when.isoformat()}/{digest}"


def _content_hash(item: ParsedItem) -> str:
    fields = (item.title, item.category or "", item.summary or "", item.url or "")
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class Archive:
    """An open archive. Use `Archive.open(path)` as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._db = connection
        self.path = path
        self._rev = 0

    @classmethod
    @contextmanager
    def open(cls, path: Path, *, create: bool = True) -> Iterator[Archive]:
        if not create and not path.exists():
            raise ArchiveError(f"{path}: no archive yet; run 'feedletter ingest' or 'feedletter run' first")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA foreign_keys = ON")
            archive = cls(connection, path)
            archive._migrate()
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"{path}: not a feedletter archive ({error})") from None
        try:
            yield archive
        finally:
            connection.close()

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise ArchiveError(
                f"{self.path}: archive schema {version} is newer than this feedletter "
                f"({len(MIGRATIONS)}); upgrade feedletter"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in filter(str.strip, script.split(";")):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: BEGIN IMMEDIATE takes the write lock up front."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- facts about the archive -------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def authority(self, default: str) -> str:
        """The tag URI authority, fixed when the first item is stored."""
        return self.meta("authority") or default

    # -- writing -----------------------------------------------------------------

    def ingest(
        self,
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
        result = _Batch()
        with self.transaction() as db:
            if self.meta("authority") is None:
                db.execute("INSERT INTO meta VALUES ('authority', ?)", (authority,))
            authority = self.meta("authority") or authority
            self._bump_rev(db)
            for source, items in batches:
                self._ingest_source(db, source, items, now, zone, authority, result)
        return IngestReport(tuple(result.added), tuple(result.edited), result.unchanged)

    def _ingest_source(self, db, source, items, now, zone, authority, result: _Batch) -> None:
        unmatched: list[ParsedItem] = []
        present = {item_key(item.title, item.date) for item in items}
        for item in items:
            row = self._lookup(db, item)
            if row is None:
                unmatched.append(item)
                continue
            item_id, title, when, stored_source, stored_hash = row
            current = item_key(title, date.fromisoformat(when)) == item_key(item.title, item.date)
            new_hash = _content_hash(item)
            # Only the item's own source may edit it, and only under its current key, so
            # an old copy of a page or an overlapping page never flips it back and forth.
            if stored_source == source and current and stored_hash != new_hash:
                self._update(db, item_id, item, new_hash, now)
                result.edited.append(item_id)
            else:
                result.unchanged += 1
        new_by_day: dict[date, list[ParsedItem]] = defaultdict(list)
        for item in unmatched:
            edited = self._find_edited(db, source, item, present)
            if edited:
                self._update(db, edited, item, _content_hash(item), now)
                db.execute("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", (item_key(item.title, item.date), edited))
                result.edited.append(edited)
            else:
                new_by_day[item.date].append(item)
        for day, day_items in new_by_day.items():
            base = db.execute(
                "SELECT COALESCE(MAX(day_offset), 0) FROM items WHERE date = ?", (day.isoformat(),)
            ).fetchone()[0]
            # Listing order is newest first: the top item of a day gets the latest time.
            for position, item in enumerate(day_items):
                offset = base + len(day_items) - position
                result.added.append(self._insert(db, source, item, offset, now, zone, authority))

    def _lookup(self, db, item: ParsedItem):
        keys = [item_key(item.title, item.date)]
        if item.guid:
            keys.insert(0, f"guid|{item.guid}")
        for key in keys:
            row = db.execute(
                "SELECT i.id, i.title, i.date, i.source, i.content_hash FROM item_keys k "
                "JOIN items i ON i.id = k.item_id WHERE k.key = ?",
                (key,),
            ).fetchone()
            if row:
                return row
        return None

    def _find_edited(self, db, source: str, item: ParsedItem, present: set[str]) -> str | None:
        if not item.summary:
            return None
        rows = db.execute(
            "SELECT id, title FROM items WHERE source = ? AND date = ? AND summary = ?",
            (source, item.date.isoformat(), item.summary),
        ).fetchall()
        gone = [item_id for item_id, title in rows if item_key(title, item.date) not in present]
        return gone[0] if len(gone) == 1 else None

    def _insert(self, db, source, item: ParsedItem, offset, now, zone, authority) -> str:
        item_id = mint_id(authority, item.title, item.date)
        published = datetime.combine(item.date, time(), zone) + timedelta(seconds=offset)
        db.execute(
            "INSERT INTO items (id, title, date, category, summary, url, source, day_offset,"
            " published, updated, first_seen, content_hash, rev) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                item_id,
                item.title,
                item.date.isoformat(),
                item.category,
                item.summary,
                item.url,
                source,
                offset,
                _rfc3339(published),
                _rfc3339(published),
                _rfc3339(now),
                _content_hash(item),
                self._rev,
            ),
        )
        db.execute("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", (item_key(item.title, item.date), item_id))
        if item.guid:
            db.execute("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", (f"guid|{item.guid}", item_id))
        return item_id

    def _update(self, db, item_id: str, item: ParsedItem, new_hash: str, now: datetime) -> None:
        published = db.execute("SELECT published FROM items WHERE id = ?", (item_id,)).fetchone()[0]
        updated = max(now, datetime.fromisoformat(published))
        db.execute(
            "UPDATE items SET title = ?, category = ?, summary = ?, url = ?, content_hash = ?,"
            " updated = ?, rev = ? WHERE id = ?",
            (item.title, item.category, item.summary, item.url, new_hash, _rfc3339(updated),
             self._rev, item_id),
        )

    def _bump_rev(self, db) -> int:
        """A counter bumped by every transaction that changes items; a month's highest
        rev tells a build whether anything in it changed since the last build."""
        self._rev = int(self.meta("rev") or 0) + 1
        db.execute("INSERT OR REPLACE INTO meta VALUES ('rev', ?)", (str(self._rev),))
        return self._rev

    # -- reading -----------------------------------------------------------------

    _COLUMNS = "id, title, date, category, summary, url, source, published, updated, hidden"

    def items(self, *, until: date | None = None, include_hidden: bool = False) -> list[Item]:
        """Every item dated on or before `until`, newest first (stable for equal days)."""
        where, params = ["1 = 1"], []
        if until is not None:
            where.append("date <= ?")
            params.append(until.isoformat())
        if not include_hidden:
            where.append("hidden = 0")
        rows = self._db.execute(
            f"SELECT {self._COLUMNS} FROM items WHERE {' AND '.join(where)}"
            " ORDER BY published DESC, id",
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
        """Category key -> its newest visible items (at most `limit`), in one pass."""
        rows = self._db.execute(
            f"SELECT {self._COLUMNS} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY category"
            " ORDER BY date DESC, day_offset DESC, id) AS n FROM items"
            " WHERE date <= ? AND hidden = 0 AND category IS NOT NULL) WHERE n <= ?",
            (until.isoformat(), limit),
        )
        found: dict[str, list[Item]] = {}
        for row in rows:  # spellings of one category ("Co-operators", "Cooperators") merge here
            found.setdefault(category_key(row[3]), []).append(_row_to_item(row))
        return {
            key: sorted(items, key=lambda item: (item.published, item.id), reverse=True)[:limit]
            for key, items in sorted(found.items())
        }

    def build_state(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT part, fingerprint FROM build_state"))

    def save_build_state(self, state: dict[str, str]) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM build_state")
            db.executemany("INSERT INTO build_state VALUES (?, ?)", sorted(state.items()))

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    def categories(self) -> dict[str, str]:
        """Category key -> the label it was first stored with; later spellings never
        rename it (the label names the category's feed file)."""
        labels: dict[str, str] = {}
        rows = self._db.execute(
            "SELECT category FROM items WHERE category IS NOT NULL ORDER BY rowid"
        )
        for (category,) in rows:
            labels.setdefault(category_key(category), category)
        return labels

    # -- sources, problems already reported, and sends (feedletter run / --send) ---

    def source_states(self) -> dict[str, SourceState]:
        rows = self._db.execute(f"SELECT {SourceState.COLUMNS} FROM sources ORDER BY name")
        return {row[0]: SourceState(*row) for row in rows}

    def record_sources(self, outcomes: Sequence[SourceOutcome], *, now: datetime) -> None:
        """Remember what each source answered, in one transaction. Call it after the
        items of the run are stored: validators saved before their items were would make
        the next run skip content it never stored."""
        stamp = _rfc3339(now)
        with self.transaction() as db:
            for outcome in outcomes:
                db.execute(
                    "INSERT OR IGNORE INTO sources (name, location) VALUES (?, ?)",
                    (outcome.name, outcome.location),
                )
                if outcome.error is None:
                    db.execute(
                        "UPDATE sources SET location = ?, etag = ?, last_modified = ?,"
                        " last_success = ?, last_status = ? WHERE name = ?",
                        (outcome.location, outcome.etag, outcome.last_modified, stamp,
                         outcome.status, outcome.name),
                    )
                else:
                    db.execute(
                        "UPDATE sources SET location = ?, last_failure = ?, last_error = ?,"
                        " last_status = ? WHERE name = ?",
                        (outcome.location, stamp, outcome.error, outcome.status, outcome.name),
                    )

    def remember_problems(self, source: str, problems: Sequence[Problem], *, now: datetime) -> list[Problem]:
        """The problems of `source` not reported before. The remembered set becomes
        exactly `problems`, so a problem that goes away and comes back is told again."""
        keys = {(p.line, hashlib.sha256(p.message.encode()).hexdigest()[:32]): p for p in problems}
        with self.transaction() as db:
            firsts = {
                (line, digest): first
                for line, digest, first in db.execute(
                    "SELECT line, message_hash, first_seen FROM problems_seen WHERE source = ?", (source,)
                )
            }
            seen = set(firsts)
            db.execute("DELETE FROM problems_seen WHERE source = ?", (source,))
            stamp = _rfc3339(now)
            db.executemany(
                "INSERT INTO problems_seen VALUES (?, ?, ?, ?)",
                [(source, line, digest, firsts.get((line, digest), stamp)) for line, digest in keys],
            )
        return [problem for key, problem in keys.items() if key not in seen]

    def record_send(self, issue: str, *, kind: str, recipients: int, refused: int = 0,
                    message_id: str | None = None, now: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sends (issue, kind, recipients, refused, message_id, sent_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (issue, kind, recipients, refused, message_id, _rfc3339(now)),
            )

    def sends(self, issue: str | None = None, *, kind: str | None = None) -> list[SendRecord]:
        where, params = ["1 = 1"], []
        if issue is not None:
            where.append("issue = ?")
            params.append(issue)
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        rows = self._db.execute(
            "SELECT issue, kind, recipients, refused, message_id, sent_at FROM sends"
            f" WHERE {' AND '.join(where)} ORDER BY sent_at, rowid",
            params,
        )
        return [SendRecord(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class SourceState:
    """What the archive remembers of a source between runs."""

    name: str
    location: str
    etag: str | None = None
    last_modified: str | None = None
    last_success: str | None = None
    last_failure: str | None = None
    last_error: str | None = None
    last_status: str | None = None

    COLUMNS = "name, location, etag, last_modified, last_success, last_failure, last_error, last_status"


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """What one source did in a run: error is None on success ('200', '304')."""

    name: str
    location: str
    status: str
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class SendRecord:
    issue: str
    kind: str  # 'list' | 'test'
    recipients: int
    refused: int
    message_id: str | None
    sent_at: str


def _row_to_item(row: Iterable) -> Item:
    item_id, title, when, category, summary, url, source, published, updated, hidden = row
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
    )
