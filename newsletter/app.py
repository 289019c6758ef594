"""Use cases: the only place where I/O meets the pure core. The clock is passed in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feeds.errors import FeedletterError, NotAListing, SourceError, UsageError
from feeds.model import ParseResult, Problem
from feeds.output import Output, run_lock
from feeds.parse import parse_listing
from feeds.publish import feed_files
from feeds.store import Archive, IngestReport

from .config import Settings


@dataclass(frozen=True, slots=True)
class BuildReport:
    items: int
    months: int
    written: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    report: IngestReport
    problems: tuple[Problem, ...] = ()
    parsed: int = 0


def read_text(path: Path) -> str:
    """A listing file's text. Undecodable bytes are an error, never silent mojibake."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, expected a listing file") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read ({error.strerror})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if b"\x00" in data[:8192]:
        raise NotAListing(f"{path}:1: binary data, expected a text listing")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise NotAListing(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); "
            "save the listing as UTF-8"
        ) from None


def parse_file(path: Path) -> ParseResult:
    return parse_listing(read_text(path), source=str(path))


def require_items(result: ParseResult) -> ParseResult:
    """A file with no readable item at all is not a listing: a usage error."""
    if not result.items:
        reason = result.problems[0] if result.problems else f"{result.source}:1: no items found"
        raise NotAListing(str(reason))
    return result


def ingest(
    settings: Settings,
    paths: Sequence[Path],
    *,
    now: datetime,
    strict: bool = False,
    source: str | None = None,
) -> IngestOutcome:
    """Parse every file first, then store them all in one transaction."""
    results = [require_items(parse_file(path)) for path in paths]
    problems = tuple(problem for result in results for problem in result.problems)
    if strict and problems:
        return IngestOutcome(IngestReport(), problems, sum(len(r.items) for r in results))
    batches = [(source or Path(result.source).name, result.items) for result in results]
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive) as archive:
            report = archive.ingest(
                batches, now=now, zone=settings.timezone, authority=settings.meta.id_authority
            )
    return IngestOutcome(report, problems, sum(len(r.items) for r in results))


def lock_path(settings: Settings) -> Path:
    return settings.archive.with_name(settings.archive.name + ".lock")


def build(settings: Settings, *, now: datetime) -> BuildReport:
    """Render every output in memory, then write those whose bytes changed."""
    today = now.astimezone(settings.timezone).date()
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive, create=False) as archive:
            items = archive.items(until=today)  # items dated after today are held back
            labels = archive.categories()
        if not items:
            return BuildReport(0, 0)
        files = site_files(settings, items, labels, today=today)
        written = Output(settings.output).write_all(files)
    months = len({(item.date.year, item.date.month) for item in items})
    return BuildReport(len(items), months, tuple(written))


def site_files(settings: Settings, items, labels, *, today) -> dict[str, bytes]:
    """Every feed and web page, rendered in memory."""
    from feeds.digest import group_by_month
    from feeds.publish import feed_links

    from .pages import issue_pages
    from .render import make_environment

    months = group_by_month(items, labels)
    files = feed_files(
        items,
        settings.meta,
        labels=labels,
        items_per_feed=settings.items_per_feed,
        digest_months=settings.digest_months,
        months=months,
        today=today,
    )
    environment = make_environment(settings.templates)
    links = feed_links(settings.meta, labels, items)
    files.update(issue_pages(months, settings.newsletter, settings.meta, environment, feeds=links))
    return files


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
