"""The archive file: opening it, its schema migrations and its transactions.

One SQLite file holds the item archive (this package) and the application's journal,
which shares the connection and keeps migrations of its own. This package and the
journal are the only places that import sqlite3; everyone else sees `ArchiveError`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ArchiveError

# The item archive's schema, one script per version (PRAGMA user_version). Versions 3,
# 4 and 6 once created the application's tables too; those now belong to the journal,
# which creates them with migrations of its own, so here they are empty.
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
    # 2: a revision stamp on every change, so a build redoes only the months whose
    # items changed
    """
    ALTER TABLE items ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX items_by_month_rev ON items (substr(date, 1, 7), rev);
    """,
    "",  # 3: the journal's sources and problems
    "",  # 4: the journal's sends
    # 5: a category set by hand (feedletter recategorise) beside the source's own, which
    # ingest keeps comparing, so a later ingest of the page never flips it back
    """
    ALTER TABLE items ADD COLUMN category_override TEXT;
    """,
    "",  # 6: the journal's runs
    # 7: the newest items of each category without sorting the whole archive
    """
    CREATE INDEX items_by_category ON items (COALESCE(category_override, category), date, day_offset);
    """,
)


def run_script(connection: sqlite3.Connection, script: str) -> None:
    """Run the statements of a migration script one by one, inside the caller's transaction."""
    for statement in filter(str.strip, script.split(";")):
        connection.execute(statement)


class Database:
    """An open archive file. Use `Database.open(path)` as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.connection = connection
        self.path = path
        self._rehearsal = False  # inside rehearsal(): writes are undone at its end

    @classmethod
    @contextmanager
    def open(cls, path: Path, *, create: bool = True) -> Iterator[Database]:
        if not create and not path.exists():
            raise ArchiveError(f"{path}: no archive yet; run 'feedletter ingest' or 'feedletter run' first")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ArchiveError(f"{path.parent}: cannot create the archive's folder ({error.strerror})") from None
        try:
            connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA cache_size = -65536")  # 64 MB: bulk ingests touch many index pages
            connection.execute("PRAGMA foreign_keys = ON")
            database = cls(connection, path)
            database._migrate()
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"{path}: not a feedletter archive ({error})") from None
        try:
            yield database
        finally:
            connection.close()

    def _migrate(self) -> None:
        version = self.connection.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise ArchiveError(
                f"{self.path}: archive schema {version} is newer than this feedletter "
                f"({len(MIGRATIONS)}); upgrade feedletter"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction() as db:
                run_script(db, script)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: BEGIN IMMEDIATE takes the write lock up front. Inside a
        rehearsal it is a savepoint, undone with the rehearsal."""
        commit: tuple[str, ...]
        rollback: tuple[str, ...]
        if self._rehearsal:
            begin, commit, rollback = "SAVEPOINT step", ("RELEASE step",), ("ROLLBACK TO step", "RELEASE step")
        else:
            begin, commit, rollback = "BEGIN IMMEDIATE", ("COMMIT",), ("ROLLBACK",)
        self.connection.execute(begin)
        try:
            yield self.connection
        except BaseException:
            for statement in rollback:
                self.connection.execute(statement)
            raise
        for statement in commit:
            self.connection.execute(statement)

    @contextmanager
    def rehearsal(self) -> Iterator[Database]:
        """Everything written inside is undone at the end (--dry-run): reads see the
        writes as if they had happened, and the archive keeps none of them."""
        self.connection.execute("BEGIN IMMEDIATE")
        self._rehearsal = True
        try:
            yield self
        finally:
            self._rehearsal = False
            self.connection.execute("ROLLBACK")

    def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters)

    def meta(self, key: str) -> str | None:
        row = self.connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def next_rev(self, db: sqlite3.Connection) -> int:
        """A counter bumped by every transaction that changes items; a month's highest
        rev tells a build whether anything in it changed since the last build."""
        rev = int(self.meta("rev") or 0) + 1
        db.execute("INSERT OR REPLACE INTO meta VALUES ('rev', ?)", (str(rev),))
        return rev

    def backup(self, target: Path) -> None:
        """Copy the archive to `target` with SQLite's online backup: the last committed
        state, consistent even while another connection is writing."""
        try:
            destination = sqlite3.connect(target)
            try:
                self.connection.backup(destination)
            finally:
                destination.close()
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"{target}: cannot write the backup ({error})") from None

    def integrity_check(self) -> list[str]:
        """SQLite's own check of the file: ['ok'] when sound."""
        return [message for (message,) in self.connection.execute("PRAGMA integrity_check")]


def select_in(db: sqlite3.Connection, sql: str, values: list, *, before: tuple = ()) -> Iterator[tuple]:
    """Rows of `sql` whose "IN ({})" takes `values`, asked in slices small enough for
    SQLite's limit on query parameters; `before` fills the parameters ahead of the list."""
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        yield from db.execute(sql.format(",".join("?" * len(chunk))), [*before, *chunk])

