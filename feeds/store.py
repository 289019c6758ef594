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
from .model import (
    Item,
    ParsedItem,
    Problem,
    category_key,
    normalise_title,
    whole_minute_offset,
)

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
    # 5: a category set by hand (feedletter recategorise) beside the source's own, which
    # ingest keeps comparing, so a later ingest of the page never flips it back
    """
    ALTER TABLE items ADD COLUMN category_override TEXT;
    """,
    # 6: what each run, ingest and build did (feedletter status), and the text of the
    # problems `run` remembers
    """
    CREATE TABLE runs (
        command TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT NOT NULL,
        added INTEGER NOT NULL DEFAULT 0,
        edited INTEGER NOT NULL DEFAULT 0,
        written INTEGER NOT NULL DEFAULT 0,
        removed INTEGER NOT NULL DEFAULT 0,
        failed TEXT,
        ok INTEGER NOT NULL,
        exit_code INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    ALTER TABLE problems_seen ADD COLUMN message TEXT;
    """,
    # 7: the newest items of each category without sorting the whole archive
    """
    CREATE INDEX items_by_category ON items (COALESCE(category_override, category), date, day_offset);
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


def mint_id(authority: str, title: str, when: date, *, key: str | None = None) -> str:
    """A tag URI (RFC 4151) from the normalised title and date: the same page ingested
    into a new archive gets the same ids, and the stored id never changes afterwards.
    `key` is `item_key(title, when)` when the caller has it already."""
    digest = hashlib.sha256((key or item_key(title, when)).encode()).hexdigest()[:16]
    return f"tag:{authority}:item/{when.isoformat()}/{digest}"


def _select_in(db, sql: str, values: list, *, before: tuple = ()) -> Iterator[tuple]:
    """Rows of `sql` whose "IN ({})" takes `values`, asked in slices small enough for
    SQLite's limit on query parameters; `before` fills the parameters ahead of the list."""
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        yield from db.execute(sql.format(",".join("?" * len(chunk))), [*before, *chunk])


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
        self._rehearsal = False  # inside rehearsal(): writes are undone at its end

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
            connection.execute("PRAGMA cache_size = -65536")  # 64 MB: bulk ingests touch many index pages
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
        """All or nothing: BEGIN IMMEDIATE takes the write lock up front. Inside a
        rehearsal it is a savepoint, undone with the rehearsal."""
        if self._rehearsal:
            begin, commit, rollback = "SAVEPOINT step", ("RELEASE step",), ("ROLLBACK TO step", "RELEASE step")
        else:
            begin, commit, rollback = "BEGIN IMMEDIATE", ("COMMIT",), ("ROLLBACK",)
        self._db.execute(begin)
        try:
            yield self._db
        except BaseException:
            for statement in rollback:
                self._db.execute(statement)
            raise
        for statement in commit:
            self._db.execute(statement)

    @contextmanager
    def rehearsal(self) -> Iterator[Archive]:
        """Everything written inside is undone at the end (--dry-run): reads see the
        writes as if they had happened, and the archive keeps none of them."""
        self._db.execute("BEGIN IMMEDIATE")
        self._rehearsal = True
        try:
            yield self
        finally:
            self._rehearsal = False
            self._db.execute("ROLLBACK")

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
        # Keys are computed once and looked up in bulk: ingest speed is dominated by
        # per-item queries otherwise.
        keyed: dict[str, ParsedItem] = {}
        for item in items:
            keyed.setdefault(item_key(item.title, item.date), item)  # one page, one copy
        known = self._known(db, keyed, items)
        unmatched: list[tuple[str, ParsedItem]] = []
        for key, item in keyed.items():
            row = known.get(f"guid|{item.guid}") if item.guid else None
            row = row or known.get(key)
            if row is None:
                unmatched.append((key, item))
                continue
            item_id, title, when, stored_source, stored_hash = row
            current = item_key(title, date.fromisoformat(when)) == key
            new_hash = _content_hash(item)
            # Only the item's own source may edit it, and only under its current key, so
            # an old copy of a page or an overlapping page never flips it back and forth.
            if stored_source == source and current and stored_hash != new_hash:
                self._update(db, item_id, item, new_hash, now)
                result.edited.append(item_id)
            else:
                result.unchanged += 1
        new_by_day: dict[date, list[tuple[str, ParsedItem]]] = defaultdict(list)
        candidates = self._edit_candidates(db, source, [item for _, item in unmatched if item.summary])
        for key, item in unmatched:
            edited = self._find_edited(candidates, item, keyed)
            if edited:
                self._update(db, edited, item, _content_hash(item), now)
                db.execute("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", (key, edited))
                result.edited.append(edited)
            else:
                new_by_day[item.date].append((key, item))
        bases = self._day_offsets(db, new_by_day)
        seen = _rfc3339(now)
        rows, keys = [], []
        for day, day_items in new_by_day.items():
            start = datetime.combine(day, time(), zone)
            base = bases.get(day.isoformat(), 0)
            # Listing order is newest first: the top item of a day gets the latest time.
            for position, (key, item) in enumerate(day_items):
                offset = base + len(day_items) - position
                published = _rfc3339(start + timedelta(seconds=offset))
                row = self._new_row(source, key, item, offset, published, seen, authority)
                rows.append(row)
                keys.append((key, row[0]))
                if item.guid:
                    keys.append((f"guid|{item.guid}", row[0]))
                result.added.append(row[0])
        db.executemany(
            "INSERT INTO items (id, title, date, category, summary, url, source, day_offset,"
            " published, updated, first_seen, content_hash, rev) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        db.executemany("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", keys)

    def _known(self, db, keyed: dict[str, ParsedItem], items) -> dict[str, tuple]:
        """Key -> (id, title, date, source, content_hash) of the stored items known by it."""
        wanted = list(keyed) + [f"guid|{item.guid}" for item in keyed.values() if item.guid]
        rows = _select_in(
            db,
            "SELECT k.key, i.id, i.title, i.date, i.source, i.content_hash FROM item_keys k"
            " JOIN items i ON i.id = k.item_id WHERE k.key IN ({})",
            wanted,
        )
        found = {row[0]: row[1:] for row in rows}
        return found

    def _edit_candidates(self, db, source: str, items: list[ParsedItem]) -> dict[tuple[str, str], list]:
        """(date, summary) -> [(id, title)] of this source's stored items on those days."""
        days = sorted({item.date.isoformat() for item in items})
        found: dict[tuple[str, str], list] = defaultdict(list)
        rows = _select_in(
            db,
            "SELECT id, title, date, summary FROM items WHERE source = ?"
            " AND date IN ({}) AND summary IS NOT NULL",
            days,
            before=(source,),
        )
        for item_id, title, when, summary in rows:
            found[(when, summary)].append((item_id, title))
        return found

    def _find_edited(self, candidates, item: ParsedItem, present: dict[str, ParsedItem]) -> str | None:
        if not item.summary:
            return None
        rows = candidates.get((item.date.isoformat(), item.summary), ())
        gone = [item_id for item_id, title in rows if item_key(title, item.date) not in present]
        return gone[0] if len(gone) == 1 else None

    def _day_offsets(self, db, days: Iterable[date]) -> dict[str, int]:
        wanted = sorted(day.isoformat() for day in days)
        return dict(_select_in(db, "SELECT date, MAX(day_offset) FROM items WHERE date IN ({}) GROUP BY date", wanted))

    def _new_row(self, source, key: str, item: ParsedItem, offset, published, seen, authority) -> tuple:
        return (
            mint_id(authority, item.title, item.date, key=key),
            item.title,
            item.date.isoformat(),
            item.category,
            item.summary,
            item.url,
            source,
            offset,
            published,
            published,
            seen,
            _content_hash(item),
            self._rev,
        )

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

    # a category set by hand wins over the source's own; every read goes through this
    _CATEGORY = "COALESCE(category_override, category)"
    _COLUMNS = f"id, title, date, {_CATEGORY}, summary, url, source, published, updated, hidden"

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

    def build_state(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT part, fingerprint FROM build_state"))

    def save_build_state(self, state: dict[str, str]) -> None:
        """Replace the build state, writing only the parts that differ."""
        with self.transaction() as db:
            old = dict(db.execute("SELECT part, fingerprint FROM build_state"))
            db.executemany("DELETE FROM build_state WHERE part = ?", [(p,) for p in sorted(old.keys() - state.keys())])
            db.executemany(
                "INSERT OR REPLACE INTO build_state VALUES (?, ?)",
                sorted((p, v) for p, v in state.items() if old.get(p) != v),
            )

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
                "INSERT INTO problems_seen (source, line, message_hash, first_seen, message) VALUES (?, ?, ?, ?, ?)",
                [(source, line, digest, firsts.get((line, digest), stamp), problem.message)
                 for (line, digest), problem in keys.items()],
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

    # -- looking after the archive: items, hide, recategorise, export, import, backup,
    #    and what the runs did (feedletter status) ----------------------------------------

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
        with self.transaction() as db:
            changed = [
                item_id for item_id in dict.fromkeys(ids)
                if db.execute("SELECT hidden FROM items WHERE id = ?", (item_id,)).fetchone() not in (None, (int(hidden),))
            ]
            if changed:
                rev = self._bump_rev(db)
                db.executemany("UPDATE items SET hidden = ?, rev = ? WHERE id = ?",
                               [(int(hidden), rev, item_id) for item_id in changed])
        return changed

    def recategorise(self, item_id: str, category: str, *, now: datetime) -> bool:
        """Set an item's category by hand; naming the source's own category clears it.
        Ingest keeps comparing the source's category, so the page that still carries
        the old one never flips it back. The entry changed: `updated` moves to `now`."""
        with self.transaction() as db:
            own, override, published = db.execute(
                "SELECT category, category_override, published FROM items WHERE id = ?", (item_id,)
            ).fetchone()
            wanted = None if category == own else category
            if wanted == override:
                return False
            updated = max(now, datetime.fromisoformat(published))
            db.execute("UPDATE items SET category_override = ?, updated = ?, rev = ? WHERE id = ?",
                       (wanted, _rfc3339(updated), self._bump_rev(db), item_id))
        return True

    def export_rows(self) -> list[dict]:
        """Every item, hidden ones too, in the order stored (category labels are the
        first stored), each with the keys it is recognised by; `category` is the
        source's own, `category_override` the one set by hand."""
        keys: dict[str, list[str]] = defaultdict(list)
        for item_id, key in self._db.execute("SELECT item_id, key FROM item_keys ORDER BY rowid"):
            keys[item_id].append(key)
        rows = self._db.execute(f"SELECT {', '.join(EXPORT_FIELDS)} FROM items ORDER BY rowid")
        return [
            {**dict(zip(EXPORT_FIELDS, row)), "hidden": bool(row[-1]), "keys": keys.get(row[0], [])}
            for row in rows
        ]

    def import_rows(self, rows: Sequence[dict], *, authority: str) -> tuple[int, int]:
        """Store exported rows verbatim (ids, offsets, times) in one transaction. A row
        whose id or any of whose keys is known already is skipped, so nothing is ever
        duplicated. Returns (added, skipped)."""
        added = skipped = 0
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta VALUES ('authority', ?)", (authority,))
            rev = self._bump_rev(db)
            for row in rows:
                known = db.execute("SELECT 1 FROM items WHERE id = ?", (row["id"],)).fetchone() or any(
                    db.execute("SELECT 1 FROM item_keys WHERE key = ?", (key,)).fetchone() for key in row["keys"]
                )
                if known:
                    skipped += 1
                    continue
                parsed = ParsedItem(row["title"], date.fromisoformat(row["date"]), row["category"], row["summary"], row["url"])
                db.execute(
                    f"INSERT INTO items ({', '.join(EXPORT_FIELDS)}, content_hash, rev)"
                    f" VALUES ({', '.join('?' * (len(EXPORT_FIELDS) + 2))})",
                    [*(row[name] for name in EXPORT_FIELDS[:-1]), int(row["hidden"]), _content_hash(parsed), rev],
                )
                db.executemany("INSERT OR IGNORE INTO item_keys VALUES (?, ?)", [(key, row["id"]) for key in row["keys"]])
                added += 1
        return added, skipped

    def backup(self, target: Path) -> None:
        """Copy the archive to `target` with SQLite's online backup: the last committed
        state, consistent even while another connection is writing."""
        destination = sqlite3.connect(target)
        try:
            self._db.backup(destination)
        finally:
            destination.close()

    def integrity_check(self) -> list[str]:
        """SQLite's own check of the file: ['ok'] when sound."""
        return [message for (message,) in self._db.execute("PRAGMA integrity_check")]

    def record_run(self, record: RunRecord) -> None:
        """Remember what a run, ingest or build did (the newest 1000 are kept)."""
        with self.transaction() as db:
            db.execute(f"INSERT INTO runs ({RunRecord.COLUMNS}) VALUES ({', '.join('?' * 11)})",
                       [getattr(record, name) for name in RunRecord.COLUMNS.split(", ")])
            db.execute("DELETE FROM runs WHERE rowid <= (SELECT MAX(rowid) FROM runs) - 1000")

    def runs(self, *, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        rows = self._db.execute(f"SELECT {RunRecord.COLUMNS} FROM runs ORDER BY rowid DESC LIMIT ?", (limit,))
        return [RunRecord(*row[:8], bool(row[8]), *row[9:]) for row in rows]

    def problems_remembered(self) -> list[tuple[str, int, str | None, str]]:
        """(source, line, message, first seen) of the problems `run` has reported."""
        return list(self._db.execute(
            "SELECT source, line, message, first_seen FROM problems_seen ORDER BY source, line"
        ))


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


EXPORT_FIELDS = (
    "id", "title", "date", "category", "category_override", "summary", "url", "source",
    "day_offset", "published", "updated", "first_seen", "hidden",
)  # `hidden` last: stored as 0/1, exported as a boolean


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What one run, ingest or build did; times are RFC 3339 strings."""

    command: str  # 'run' | 'ingest' | 'build'
    started: str
    finished: str
    added: int = 0
    edited: int = 0
    written: int = 0
    removed: int = 0
    failed: str | None = None  # the names of the sources that failed, comma-separated
    ok: bool = True
    exit_code: int = 0
    error: str | None = None

    COLUMNS = "command, started, finished, added, edited, written, removed, failed, ok, exit_code, error"


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
