"""The archive file: opening it, its schema migrations and its transactions.

One SQLite file holds the item archive (this package) and the application's journal,
which shares the connection and keeps migrations of its own. Everyone else, the journal
included, sees `ArchiveError`: any SQLite error raised while the file is open becomes
one at `Database.open`, with a line a user can act on (a full disk, a busy or a damaged
archive).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ArchiveBusy, ArchiveDamaged, ArchiveError

BUSY_WAIT = 30.0  # seconds a write waits for another process's transaction, unless told

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
    # 8: an item's markup (sanitised HTML, beside its text summary) and its picture
    """
    ALTER TABLE items ADD COLUMN content_html TEXT;
    ALTER TABLE items ADD COLUMN image_url TEXT;
    ALTER TABLE items ADD COLUMN image_alt TEXT;
    ALTER TABLE items ADD COLUMN image_width INTEGER;
    ALTER TABLE items ADD COLUMN image_height INTEGER;
    """,
    # 9: the pictures of local sources, kept like their items: published from here, so
    # a build never depends on the source's folder still holding them
    """
    CREATE TABLE images (name TEXT PRIMARY KEY, data BLOB NOT NULL, first_seen TEXT NOT NULL);
    """,
)


def run_script(connection: sqlite3.Connection, script: str) -> None:
    """Run the statements of a migration script one by one, inside the caller's transaction."""
    for statement in filter(str.strip, script.split(";")):
        connection.execute(statement)


# The files this process found sound (PRAGMA quick_check) and what they looked like when it
# last left them, by (device, inode): a second connection to a file nobody else has touched
# since (the journal's record after a build) need not read all of it again.
_SOUND_FILES: dict[tuple[int, int], tuple] = {}


def _file_state(path: Path) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(device, inode) and (size, modification time) of the file. Its WAL is left out: it
    is made anew by every connection, and only SQLite writes to it."""
    try:
        main = os.stat(path)
    except OSError:
        return None
    return (main.st_dev, main.st_ino), (main.st_size, main.st_mtime_ns)


class Database:
    """An open archive file. Use `Database.open(path)` as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self.connection = connection
        self.path = path
        self._rehearsal = False  # inside rehearsal(): writes are undone at its end
        self._sound = False  # PRAGMA quick_check passed: this connection may write

    @classmethod
    @contextmanager
    def open(cls, path: Path, *, create: bool = True, wait: float = BUSY_WAIT) -> Iterator[Database]:
        """The open archive; `wait` seconds is how long a write waits for another
        process's transaction. Any SQLite error inside becomes an ArchiveError."""
        if not create and not path.exists():
            raise ArchiveError(f"{path}: no archive yet; run 'feedletter ingest' or 'feedletter run' first")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ArchiveError(f"{path.parent}: cannot create the archive's folder ({error.strerror})") from None
        try:
            connection = sqlite3.connect(path, timeout=wait, isolation_level=None)
        except sqlite3.Error as error:
            raise archive_error(path, error, wait=wait) from None
        database = cls(connection, path)
        try:
            database._prepare()
            yield database
        except sqlite3.Error as error:
            database._forget_sound()
            raise archive_error(path, error, wait=wait) from None
        finally:
            connection.close()
            if database._sound:
                database._remember_sound()  # as closing left it (the WAL folded back in)

    def _prepare(self) -> None:
        self.connection.execute("PRAGMA journal_mode = WAL")
        self.connection.execute("PRAGMA synchronous = NORMAL")
        self.connection.execute("PRAGMA cache_size = -65536")  # 64 MB: bulk ingests touch many index pages
        self.connection.execute("PRAGMA foreign_keys = ON")
        self._migrate()

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
            self.check_sound()
            begin, commit, rollback = "BEGIN IMMEDIATE", ("COMMIT",), ("ROLLBACK",)
        self.connection.execute(begin)
        try:
            yield self.connection
            for statement in commit:
                self.connection.execute(statement)
            if not self._rehearsal:
                self._remember_sound()  # our own write changed the file
        except BaseException:
            if self.connection.in_transaction:  # a failed COMMIT (a full disk) may have ended it
                for statement in rollback:
                    self.connection.execute(statement)
            raise

    def check_sound(self) -> None:
        """Refuse to write to a damaged file, which SQLite would otherwise go on writing
        to: PRAGMA quick_check once per connection (on 10,000 items, a 10 MB file: about
        10 ms from the page cache, 0.1 s from a cold disk; 0.16 s on 100,000 items), unless
        this process checked the file and it has not changed since."""
        if self._sound:
            return
        known = _file_state(self.path)
        if known is None or _SOUND_FILES.get(known[0]) != known[1]:
            if [message for (message,) in self.connection.execute("PRAGMA quick_check")] != ["ok"]:
                raise ArchiveDamaged(damaged(self.path))
        self._sound = True
        self._remember_sound()

    def _remember_sound(self) -> None:
        known = _file_state(self.path)
        if known is not None:
            _SOUND_FILES[known[0]] = known[1]

    def _forget_sound(self) -> None:
        """An SQLite error: whatever it was, the next connection checks the file again."""
        self._sound = False
        known = _file_state(self.path)
        if known is not None:
            _SOUND_FILES.pop(known[0], None)

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
            if self.connection.in_transaction:  # see transaction()
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


def archive_error(path: Path, error: sqlite3.Error, *, wait: float) -> ArchiveError:
    """The one line a user reads for an SQLite error on the archive file."""
    extended = getattr(error, "sqlite_errorcode", None) or 0
    code = extended & 0xFF  # the primary result code of an extended one
    if code == sqlite3.SQLITE_FULL or extended == sqlite3.SQLITE_IOERR_SHMSIZE:  # no room for the WAL index
        return ArchiveError(f"{path}: cannot write the archive: its disk is full")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return ArchiveBusy(f"{path}: the archive is busy: another process is writing to it "
                           f"(waited {wait:g} s); try again later")
    if code == sqlite3.SQLITE_CORRUPT:
        return ArchiveDamaged(damaged(path))
    if code == sqlite3.SQLITE_NOTADB:
        return ArchiveError(f"{path}: not a feedletter archive ({error})")
    return ArchiveError(f"{path}: cannot use the archive ({error})")


def damaged(path: Path) -> str:
    """What to do about a damaged archive, with its real path."""
    recovered = shlex.quote(str(path.with_name("recovered.db")))
    return (f"{path}: the archive is damaged: restore a backup, or "
            f"`sqlite3 {shlex.quote(str(path))} .recover | sqlite3 {recovered}`")


def select_in(db: sqlite3.Connection, sql: str, values: list, *, before: tuple = ()) -> Iterator[tuple]:
    """Rows of `sql` whose "IN ({})" takes `values`, asked in slices small enough for
    SQLite's limit on query parameters; `before` fills the parameters ahead of the list."""
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        yield from db.execute(sql.format(",".join("?" * len(chunk))), [*before, *chunk])

