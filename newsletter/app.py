"""Use cases: the only place where I/O meets the pure core. The clock is passed in."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from feeds.errors import FeedletterError, NotAListing, SourceError
from feeds.model import ParseResult, Problem
from feeds.output import Output, run_lock
from feeds.parse import parse_listing
from feeds.store import Archive, IngestReport

from .build import BuildReport
from .config import Settings
from .runlog import recorded


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    report: IngestReport
    problems: tuple[Problem, ...] = ()
    parsed: int = 0
    notes: tuple[str, ...] = ()  # told with -v: e.g. a file read as UTF-16
    titles: dict[str, str] = field(default_factory=dict)  # --dry-run: id -> title of new and edited items


def read_text(path: Path, data: bytes | None = None) -> tuple[str, str]:
    """A listing file's text and the encoding it was read in (UTF-8, or UTF-16 with or
    without a BOM). Binary or non-UTF-8 bytes are an error naming file:line, never
    silent mojibake."""
    from feeds.sources.listing import decode

    text, encoding, problem = decode(_read_local(path) if data is None else data, source=str(path))
    if text is None:
        raise NotAListing(str(problem))
    return text, encoding


def parse_file(path: Path, data: bytes | None = None) -> ParseResult:
    """A listing file parsed; characters that XML 1.0 forbids are removed and reported."""
    text, encoding = read_text(path, data)
    result = parse_listing(text, source=str(path))
    return result if encoding == "UTF-8" else replace(result, encoding=encoding)


def encoding_notes(results: Sequence[ParseResult]) -> tuple[str, ...]:
    return tuple(f"{r.source}: read as {r.encoding}" for r in results if r.encoding != "UTF-8")


def require_items(result: ParseResult) -> ParseResult:
    """A file with no readable item at all is not a listing: a usage error."""
    if not result.items:
        reason = result.problems[0] if result.problems else f"{result.source}:1: no items found"
        raise NotAListing(str(reason))
    return result


def lock_path(settings: Settings) -> Path:
    return settings.archive.with_name(settings.archive.name + ".lock")


@contextmanager
def writing_archive(settings: Settings, *, dry_run: bool = False) -> Iterator[Archive]:
    """The archive for a use case that writes to it, under the run lock. A dry run takes
    no lock and keeps nothing: its writes happen in a rehearsal that is rolled back (in a
    throwaway archive when there is none yet), so it can report what they would do."""
    if not dry_run:
        with run_lock(lock_path(settings), wait=settings.lock_wait), Archive.open(settings.archive) as archive:
            yield archive
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="feedletter-dry-run-") as scratch:
        path = settings.archive if settings.archive.exists() else Path(scratch) / "archive.db"
        with Archive.open(path) as archive, archive.rehearsal():
            yield archive


def changed_titles(archive: Archive, report: IngestReport) -> dict[str, str]:
    """id -> title of the items an ingest added or edited (what a dry run shows)."""
    wanted = set(report.added) | set(report.edited)
    return {item.id: item.title for item in archive.items(include_hidden=True) if item.id in wanted}


@recorded("build")
def build(settings: Settings, *, now: datetime, dry_run: bool = False) -> BuildReport:
    """Bring every feed and page up to date, under the run lock. A dry run reports
    what would be written and removed, and touches nothing (so it takes no lock)."""
    if dry_run:
        return build_unlocked(settings, now=now, dry_run=True)
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        return build_unlocked(settings, now=now)


def build_unlocked(settings: Settings, *, now: datetime, dry_run: bool = False) -> BuildReport:
    """The build for a caller that already holds the run lock; items dated after
    today (in the site's timezone) are held back."""
    from .build import build as build_site

    today = now.astimezone(settings.timezone).date()
    with Archive.open(settings.archive, create=False) as archive:
        return build_site(settings, archive, today=today, dry_run=dry_run)


def last_complete_month(now: datetime, settings: Settings) -> str:
    today = now.astimezone(settings.timezone).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@dataclass(frozen=True, slots=True)
class PackageReport:
    month: str
    written: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


def newsletter_package(settings: Settings, *, now: datetime, month: str | None) -> PackageReport:
    """Write one month's e-mail package (html, text, .eml) into the outbox.

    The default month (the last complete one) with nothing to send writes nothing; an
    explicit month with nothing to send is an error."""
    from feeds.digest import group_by_month

    from .pages import issue_package
    from .render import make_environment

    key = month or last_complete_month(now, settings)
    today = now.astimezone(settings.timezone).date()
    with Archive.open(settings.archive, create=False) as archive:
        items = archive.items_in_months([key], until=today)
        labels = archive.categories()
    months = group_by_month(items, labels)
    package = {}
    if months:
        package = issue_package(months[0], settings.newsletter, settings.meta,
                                make_environment(settings.templates), now=now)
    if not package:
        if month:
            raise FeedletterError(f"{key}: no items to send for this month")
        return PackageReport(key)
    written = Output(settings.outbox).write_all(package)
    return PackageReport(key, tuple(written), tuple(sorted(package)))


# -- sources: files and URLs of every kind (feedletter ingest, feedletter run) ----------


def user_agent(settings: Settings) -> str:
    """An honest User-Agent: who we are and where the output lives."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("feedletter")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        own = "0"
    return f"feedletter/{own} (+{settings.meta.base_url})"


def parse_fetched(fetched, *, kind: str, source: str, selectors=None) -> ParseResult:
    """Bytes read from a file or URL -> items, checking that they are what was asked for."""
    from feeds.fetch import is_url
    from feeds.sources import KIND_NAMES, detect_kind, parse_source

    data = fetched.data or b""
    detected = detect_kind(data, fetched.location)
    if kind in ("auto", "", None):
        kind = detected
    elif kind != detected:
        served = f" (served as {fetched.content_type})" if fetched.content_type else ""
        raise SourceError(
            f"{fetched.location}: expected {KIND_NAMES.get(kind, kind)} but got "
            f"{KIND_NAMES.get(detected, detected)}{served}; check the location, or set kind = \"{detected}\""
        )
    return parse_source(
        kind,
        data,
        source=source,
        base_url=fetched.location if is_url(fetched.location) else None,
        options={"selectors": selectors or None, "charset": fetched.charset, "name": fetched.location},
    )


def _read_local(path: Path) -> bytes:
    from feeds.fetch import read_file

    return read_file(path).data or b""


@recorded("ingest")
def ingest(
    settings: Settings,
    locations: Sequence[str | Path],
    *,
    now: datetime,
    strict: bool = False,
    source: str | None = None,
    kind: str | None = None,
    dry_run: bool = False,
) -> IngestOutcome:
    """`feedletter ingest`: files and URLs of every kind, the kind recognised from the
    content unless given. Everything is read and parsed first, then stored in one
    transaction."""
    agent = user_agent(settings)
    with paused_gc():
        named = _read_locations(locations, source=source, kind=kind, agent=agent)
    problems = tuple(problem for _, result in named for problem in result.problems)
    parsed = sum(len(result.items) for _, result in named)
    notes = encoding_notes([result for _, result in named])
    if strict and problems:
        return IngestOutcome(IngestReport(), problems, parsed, notes)
    with writing_archive(settings, dry_run=dry_run) as archive, paused_gc():
        report = archive.ingest(
            [(name, result.items) for name, result in named],
            now=now, zone=settings.timezone, authority=settings.meta.id_authority,
        )
        titles = changed_titles(archive, report) if dry_run else {}
    return IngestOutcome(report, problems, parsed, notes, titles)


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector while bulk-reading items: they form no cycles, and its
    passes over hundreds of thousands of young objects cost a third of the parse time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read_locations(locations: Sequence[str | Path], *, source: str | None, kind: str | None, agent: str):
    from feeds.fetch import Fetched, fetch, is_url
    from feeds.sources import detect_kind

    named: list[tuple[str, ParseResult]] = []
    for location in map(str, locations):
        if is_url(location):
            fetched = fetch(location, user_agent=agent)
            result = parse_fetched(fetched, kind=kind or "auto", source=location)
            named.append((source or location, require_items(result)))
            continue
        path = Path(location)
        data = _read_local(path)
        wanted = kind if kind not in (None, "auto") else detect_kind(data, path.name)
        if wanted == "listing":
            result = parse_file(path, data)  # the listing reader's own messages for bad text
        else:
            result = parse_fetched(Fetched(str(path), data), kind=wanted, source=str(path))
        named.append((source or path.name, require_items(result)))
    return named


@dataclass(frozen=True, slots=True)
class SourceReport:
    name: str
    status: str  # '200' fetched, '304' not modified, 'unchanged' same file bytes, 'file', 'failed'
    items: int = 0
    problems: tuple[Problem, ...] = ()  # every problem of this run
    new_problems: tuple[Problem, ...] = ()  # those not reported by an earlier run
    error: str | None = None


@dataclass(frozen=True, slots=True)
class RunReport:
    sources: tuple[SourceReport, ...]
    ingest: IngestReport
    build: BuildReport  # newsletter.build.BuildReport
    titles: dict[str, str] = field(default_factory=dict)  # --dry-run: id -> title of new and edited items

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(report for report in self.sources if report.error is not None)


def _content_tag(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


def _read_source(source, state, *, agent: str):
    """Fetch and parse one configured source -> (outcome, result or None if unchanged)."""
    from feeds.fetch import TIMEOUT, Validators, fetch
    from feeds.sources import apply_defaults
    from feeds.store import SourceOutcome

    same_place = state is not None and state.location == source.location
    validators = Validators(state.etag, state.last_modified) if same_place and source.is_url else None
    fetched = fetch(source.location, validators, user_agent=agent, timeout=source.timeout or TIMEOUT)
    if fetched.not_modified:
        return SourceOutcome(source.name, source.location, "304", fetched.etag, fetched.last_modified), None
    if source.is_url:
        outcome = SourceOutcome(source.name, source.location, str(fetched.status), fetched.etag, fetched.last_modified)
    else:
        tag = _content_tag(fetched.data or b"")
        if same_place and state.etag == tag:
            return SourceOutcome(source.name, source.location, "unchanged", tag), None
        outcome = SourceOutcome(source.name, source.location, "file", tag)
    label = source.location if source.is_url else Path(source.location).name
    result = parse_fetched(fetched, kind=source.kind, source=label, selectors=source.selector_map)
    result = apply_defaults(result, category=source.category, include=source.include, exclude=source.exclude)
    if not result.items and result.problems:
        raise SourceError(f"nothing could be read: {result.problems[0]}")
    return outcome, result


@recorded("run")
def run(
    settings: Settings,
    *,
    now: datetime,
    verbose: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """The cron job: under the run lock, read every configured source (a failing one is
    reported and the others go on), store all their items in one transaction, remember
    what each source answered, then build. `verbose` only changes what the caller prints;
    the report holds everything. A dry run reads the sources and reports what would
    change, keeping nothing (see writing_archive). `progress` is told each source's name
    once it has been read."""
    from feeds.store import SourceOutcome

    agent = user_agent(settings)
    reports: list[SourceReport] = []
    outcomes: list[SourceOutcome] = []
    fresh: list[tuple[str, ParseResult]] = []
    with writing_archive(settings, dry_run=dry_run) as archive:
        states = archive.source_states()
        for source in settings.sources:
            try:
                outcome, result = _read_source(source, states.get(source.name), agent=agent)
            except FeedletterError as error:
                message = str(error)
            except Exception as error:  # a parser bug must not stop the other sources
                message = f"unexpected {type(error).__name__}: {error}"
            else:
                message = None
                outcomes.append(outcome)
                if result is None:
                    reports.append(SourceReport(source.name, outcome.status))
                else:
                    fresh.append((source.name, result))
            if message is not None:
                outcomes.append(SourceOutcome(source.name, source.location, "failed", error=message))
                reports.append(SourceReport(source.name, "failed", error=message))
            if progress:
                progress(source.name)
        report = IngestReport()
        if fresh:
            report = archive.ingest(
                [(name, result.items) for name, result in fresh],
                now=now, zone=settings.timezone, authority=settings.meta.id_authority,
            )
        archive.record_sources(outcomes, now=now)  # after the items: see record_sources
        statuses = {outcome.name: outcome.status for outcome in outcomes}
        for name, result in fresh:
            new = archive.remember_problems(name, result.problems, now=now)
            reports.append(SourceReport(name, statuses[name], len(result.items), result.problems, tuple(new)))
        from .build import build as build_site  # the lock is ours already: no second take


        built = build_site(settings, archive, today=now.astimezone(settings.timezone).date(), dry_run=dry_run)
        titles = changed_titles(archive, report) if dry_run else {}
    order = {source.name: position for position, source in enumerate(settings.sources)}
    reports.sort(key=lambda r: order.get(r.name, 0))
    return RunReport(tuple(reports), report, built, titles)


# -- sending the issue (feedletter newsletter --send) -------------------------------------


@dataclass(frozen=True, slots=True)
class SendReport:
    issue: str
    kind: str  # 'list' or 'test'
    recipients: int
    refused: dict[str, str]


def send_newsletter(
    settings: Settings,
    *,
    month: str,
    now: datetime,
    to: str | None = None,
    force: bool = False,
    env=None,
) -> SendReport:
    """Send outbox/<month>.eml to the list (once, unless `force`) or a test copy `to`.

    The whole send holds the run lock and is recorded in the archive, so two cron lines
    or a repeated one never mail the list twice."""
    import os

    from feeds.errors import ConfigError

    from .send import load_recipients, send_package

    env = os.environ if env is None else env
    if settings.smtp is None:
        raise ConfigError(f"{settings.config_path}: no [smtp] table: cannot send (see the README, 'Sending')")
    eml_path = settings.outbox / f"{month}.eml"
    try:
        eml = eml_path.read_bytes()
    except FileNotFoundError:
        raise FeedletterError(f"{eml_path}: no e-mail package for {month}; nothing to send") from None
    if to:
        recipients, kind = [to], "test"
    else:
        recipients, kind = load_recipients(settings.smtp), "list"
        if not recipients:
            raise ConfigError(f"{settings.config_path}: [smtp] has no recipients or recipients_file entries")
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive) as archive:
            if kind == "list" and not force:
                earlier = archive.sends(month, kind="list")
                if earlier:
                    last = earlier[-1]
                    raise FeedletterError(
                        f"issue {month} was already sent to the list at {last.sent_at} "
                        f"({last.recipients} recipients); pass --force to send it again"
                    )
            refused = send_package(eml, recipients, settings.smtp, env)
            from email.parser import BytesHeaderParser

            message_id = BytesHeaderParser().parsebytes(eml).get("Message-ID")
            archive.record_send(month, kind=kind, recipients=len(recipients) - len(refused),
                                refused=len(refused), message_id=message_id, now=now)
    return SendReport(month, kind, len(recipients), refused)
