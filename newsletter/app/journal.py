"""The application's journal, kept in the archive file beside the items: what each
source last answered (validators, success, failure), the problems `run` has already
reported, the selectors detection chose for each source (detections.py), every newsletter send, what each run, ingest and build did, and what the
last build made of each part. It shares the archive's connection and has its own
migrations, recorded in its own `journal_schema` table."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feeds.archive import Archive, Database
from feeds.archive.db import run_script
from feeds.dates import rfc3339
from feeds.errors import ArchiveError, FeedletterError, LockTimeout
from feeds.model import Problem

from .image_records import PictureRecords
from .journal_schema import MIGRATIONS, version_before_schema


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
    moved_to: str | None = None
    gone_since: str | None = None
    retry_after: str | None = None

    COLUMNS = ("name, location, etag, last_modified, last_success, last_failure, last_error, last_status,"
               " moved_to, gone_since, retry_after")


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """What one source did in a run: error is None on success ('200', '304') and when it
    was not fetched as its server asked (SKIPPED)."""

    name: str
    location: str
    status: str
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    moved_to: str | None = None
    gone_since: str | None = None
    retry_after: str | None = None

    SKIPPED = ("gone", "deferred")


@dataclass(frozen=True, slots=True)
class SendRecord:
    issue: str
    kind: str  # 'list' | 'test'
    recipients: int
    refused: int
    message_id: str | None
    sent_at: str


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


class Journal:
    """The journal of an open archive. `Journal(archive)` brings its schema up to date."""

    def __init__(self, archive: Archive):
        self._database: Database = archive.database
        self._db = self._database.connection
        self._migrate()  # its SQLite errors, like every other, become ArchiveErrors at Database.open

    def _migrate(self) -> None:
        tables = {name for (name,) in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "journal_schema" in tables:
            version = self._db.execute("SELECT version FROM journal_schema").fetchone()[0]
        else:
            version = version_before_schema(tables)
        if version > len(MIGRATIONS):
            raise ArchiveError(
                f"{self._database.path}: journal schema {version} is newer than this feedletter "
                f"({len(MIGRATIONS)}); upgrade feedletter"
            )
        if version == len(MIGRATIONS) and "journal_schema" in tables:
            return
        with self._database.transaction() as db:
            for script in MIGRATIONS[version:]:
                run_script(db, script)
            db.execute("CREATE TABLE IF NOT EXISTS journal_schema (version INTEGER NOT NULL)")
            db.execute("DELETE FROM journal_schema")
            db.execute("INSERT INTO journal_schema VALUES (?)", (len(MIGRATIONS),))

    def source_states(self) -> dict[str, SourceState]:
        rows = self._db.execute(f"SELECT {SourceState.COLUMNS} FROM sources ORDER BY name")
        return {row[0]: SourceState(*row) for row in rows}

    def record_sources(self, outcomes: Sequence[SourceOutcome], *, now: datetime) -> None:
        """Remember what each source answered, in one transaction. Call it after the
        items of the run are stored: validators saved before their items were would make
        the next run skip content it never stored."""
        stamp = rfc3339(now)
        with self._database.transaction() as db:
            for outcome in outcomes:
                db.execute(
                    "INSERT OR IGNORE INTO sources (name, location) VALUES (?, ?)",
                    (outcome.name, outcome.location),
                )
                db.execute(
                    "UPDATE sources SET location = ?, last_status = ?, moved_to = ?, gone_since = ?,"
                    " retry_after = ? WHERE name = ?",
                    (outcome.location, outcome.status, outcome.moved_to, outcome.gone_since,
                     outcome.retry_after, outcome.name),
                )
                if outcome.error is not None:
                    db.execute("UPDATE sources SET last_failure = ?, last_error = ? WHERE name = ?",
                               (stamp, outcome.error, outcome.name))
                elif outcome.status not in outcome.SKIPPED:
                    db.execute("UPDATE sources SET etag = ?, last_modified = ?, last_success = ? WHERE name = ?",
                               (outcome.etag, outcome.last_modified, stamp, outcome.name))

    def remember_problems(self, source: str, problems: Sequence[Problem], *, now: datetime) -> list[Problem]:
        """The problems of `source` not reported before. The remembered set becomes
        exactly `problems`, so a problem that goes away and comes back is told again."""
        keys = {(p.line, hashlib.sha256(p.message.encode()).hexdigest()[:32]): p for p in problems}
        with self._database.transaction() as db:
            firsts = {
                (line, digest): first
                for line, digest, first in db.execute(
                    "SELECT line, message_hash, first_seen FROM problems_seen WHERE source = ?", (source,)
                )
            }
            seen = set(firsts)
            db.execute("DELETE FROM problems_seen WHERE source = ?", (source,))
            stamp = rfc3339(now)
            db.executemany(
                "INSERT INTO problems_seen (source, line, message_hash, first_seen, message) VALUES (?, ?, ?, ?, ?)",
                [(source, line, digest, firsts.get((line, digest), stamp), problem.message)
                 for (line, digest), problem in keys.items()],
            )
        return [problem for key, problem in keys.items() if key not in seen]

    def record_send(self, issue: str, *, kind: str, recipients: int, refused: int = 0,
                    message_id: str | None = None, now: datetime) -> None:
        with self._database.transaction() as db:
            db.execute(
                "INSERT INTO sends (issue, kind, recipients, refused, message_id, sent_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (issue, kind, recipients, refused, message_id, rfc3339(now)),
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

    def record_run(self, record: RunRecord) -> None:
        """Remember what a run, ingest or build did (the newest 1000 are kept)."""
        with self._database.transaction() as db:
            db.execute(f"INSERT INTO runs ({RunRecord.COLUMNS}) VALUES ({', '.join('?' * 11)})",
                       [getattr(record, name) for name in RunRecord.COLUMNS.split(", ")])
            db.execute("DELETE FROM runs WHERE rowid <= (SELECT MAX(rowid) FROM runs) - 1000")

    def runs(self, *, limit: int = 20) -> list[RunRecord]:
        """The latest runs, newest first."""
        rows = self._db.execute(f"SELECT {RunRecord.COLUMNS} FROM runs ORDER BY rowid DESC LIMIT ?", (limit,))
        return [_run_record(*row) for row in rows]

    def problems_remembered(self) -> list[tuple[str, int, str | None, str]]:
        """(source, line, message, first seen) of the problems `run` has reported."""
        return list(self._db.execute(
            "SELECT source, line, message, first_seen FROM problems_seen ORDER BY source, line"
        ))

    def category_slugs(self) -> dict[str, str]:
        """Category key -> the file-name slug it was given (see feeds.site_paths.category_slugs)."""
        return dict(self._db.execute("SELECT key, slug FROM category_slugs"))

    def remember_category_slugs(self, slugs: dict[str, str]) -> None:
        """Keep the slugs of categories new to the journal; a key's slug never changes."""
        with self._database.transaction() as db:
            db.executemany("INSERT INTO category_slugs (key, slug) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                           sorted(slugs.items()))

    @property
    def pictures(self) -> PictureRecords:
        """The records of pictures: item pages' answers, local sources' picture files."""
        return PictureRecords(self._database)

    def build_state(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT part, fingerprint FROM build_state"))

    def save_build_state(self, state: dict[str, str]) -> None:
        """Replace the build state, writing only the parts that differ."""
        with self._database.transaction() as db:
            old = dict(db.execute("SELECT part, fingerprint FROM build_state"))
            db.executemany("DELETE FROM build_state WHERE part = ?", [(p,) for p in sorted(old.keys() - state.keys())])
            db.executemany(
                "INSERT OR REPLACE INTO build_state VALUES (?, ?)",
                sorted((p, v) for p, v in state.items() if old.get(p) != v),
            )


def _run_record(command, started, finished, added, edited, written, removed, failed, ok, exit_code, error) -> RunRecord:
    return RunRecord(command, started, finished, added, edited, written, removed, failed, bool(ok), exit_code, error)


def recorded(command: str):
    """Decorate a use case `f(settings, ..., now=..., dry_run=False)` so that its outcome
    (or its error) is recorded as a RunRecord. A dry run records nothing, and neither
    does an attempt that found the run lock taken: it did nothing, and recorded it would
    hide the last real run from `status` (the run holding the lock records its own).
    The finish time is the run clock plus the time the use case took, so a fixed clock
    stays fixed."""

    def decorate(function):
        @functools.wraps(function)
        def use_case(settings, *args, **kwargs):
            if kwargs.get("dry_run"):
                return function(settings, *args, **kwargs)
            now: datetime = kwargs["now"]
            start = time.monotonic()
            try:
                result = function(settings, *args, **kwargs)
            except LockTimeout:
                raise
            except FeedletterError as error:
                _record(settings, RunRecord(command, rfc3339(now), _finished(now, start), ok=False,
                                            exit_code=error.exit_code, error=str(error)))
                raise
            _record(settings, summarise(command, result, rfc3339(now), _finished(now, start)))
            return result

        return use_case

    return decorate


def summarise(command: str, result, started: str, finished: str) -> RunRecord:
    """A use case's report (IngestOutcome, BuildReport or RunReport) as a RunRecord."""
    ingest = getattr(result, "ingest", None) or getattr(result, "report", None)
    built = getattr(result, "build", None) or (result if hasattr(result, "written") else None)
    failure = getattr(result, "failure", None)
    return RunRecord(
        command, started, finished,
        added=len(ingest.added) if ingest else 0,
        edited=len(ingest.edited) if ingest else 0,
        written=len(built.written) if built else 0,
        removed=len(built.removed) if built else 0,
        failed=", ".join(getattr(failure, "names", ())) or None,  # the sources that failed
        ok=failure is None,
        exit_code=failure.exit_code if failure else 0,
        error=str(failure) if failure else None,
    )


def _finished(now: datetime, start: float) -> str:
    return rfc3339(now + timedelta(seconds=round(time.monotonic() - start)))


def _record(settings, record: RunRecord) -> None:
    """Never hides the use case's own outcome: no archive (yet), or one that cannot take
    the record (full, busy, damaged: every SQLite error is an ArchiveError), nothing recorded."""
    try:
        with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
            Journal(archive).record_run(record)
    except FeedletterError:
        pass


