"""`feedletter ingest` (and `parse`): files and URLs of every kind, each its own unit:
the good ones are stored, each bad one is told, and the exit status is the worst."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from feeds.archive import IngestReport
from feeds.errors import FeedletterError
from feeds.model import ParseResult, Problem
from feeds.urls import is_web_url, redacted

from ...errors import InputsFailed
from .. import detections
from ..config import Settings
from ..detections import Remembered
from ..journal import recorded
from .access import changed_titles, writing_archive
from .inputs import (
    _read_local,
    date_order,
    encoding_notes,
    parse_fetched,
    parse_file,
    paused_gc,
    require_items,
    user_agent,
)
from .local_images import publish_local_images


@dataclass(frozen=True, slots=True)
class InputRead:
    """One input of `ingest` or `parse`: what it parsed into, or why it could not be read."""

    name: str  # the source name its items are stored under
    location: str
    result: ParseResult | None = None
    error: FeedletterError | None = None
    notes: tuple[str, ...] = ()  # told with -v: how the items of a page were found
    remember: Remembered | None = None  # what detection chose for the page, to keep
    images: dict[str, bytes] = field(default_factory=dict)  # a local items file's pictures, by published name


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    report: IngestReport
    problems: tuple[Problem, ...] = ()
    parsed: int = 0
    notes: tuple[str, ...] = ()  # told with -v: e.g. a file read as UTF-16
    titles: dict[str, str] = field(default_factory=dict)  # --dry-run: id -> title of new and edited items
    failures: tuple[FeedletterError, ...] = ()  # inputs that could not be read, each told on its own
    stored_from: int = 0  # inputs whose items were stored

    @property
    def failure(self) -> InputsFailed | None:
        """The ingest's error when inputs failed: what the journal records and the exit status."""
        return InputsFailed(list(self.failures)) if self.failures else None


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
    content unless given. Every input is read and parsed first; the readable ones are
    then stored in one transaction. `strict`: any problem or unreadable input stores
    nothing."""
    with paused_gc():
        reads = read_inputs(settings, locations, source=source, kind=kind, remembered=_remembered(settings))
    good = [(read.name, read.result) for read in reads if read.result is not None]
    failures = tuple(read.error for read in reads if read.error is not None)
    problems = tuple(problem for _, result in good for problem in result.problems)
    parsed = sum(len(result.items) for _, result in good)
    notes = encoding_notes([result for _, result in good]) + tuple(note for read in reads for note in read.notes)
    if strict and (problems or failures):
        return IngestOutcome(IngestReport(), problems, parsed, notes, failures=failures)
    with writing_archive(settings, dry_run=dry_run) as archive, paused_gc():
        good = _with_page_images(settings, archive, good, now=now)
        problems = tuple(problem for _, result in good for problem in result.problems)
        archive.keep_images({name: data for read in reads for name, data in read.images.items()}, now=now)
        report = archive.ingest(
            [(name, result.items) for name, result in good],
            now=now, zone=settings.timezone, authority=settings.meta.id_authority,
        )
        detections.remember(archive, {read.name: read.remember for read in reads if read.remember}, now=now)
        titles = changed_titles(archive, report) if dry_run else {}
    return IngestOutcome(report, problems, parsed, notes, titles, failures, len(good))


def _remembered(settings: Settings) -> dict[str, Remembered]:
    """The selectors detection chose for each source before, when there is an archive."""
    from feeds.archive import Archive

    if not settings.archive.exists():
        return {}
    with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
        return detections.remembered(archive)


def _with_page_images(settings: Settings, archive, good: list[tuple[str, ParseResult]], *,
                      now: datetime) -> list[tuple[str, ParseResult]]:
    """Inputs stored under a configured source's name get its `images = "page"`."""
    from ..journal import Journal
    from .page_images import add_page_images

    configured = {source.name: source for source in settings.sources}
    if not any(configured.get(name) and configured[name].images == "page" for name, _ in good):
        return good
    from ..config.sources import SourceConfig

    batches = [(configured.get(name) or SourceConfig(name, "auto", ""), result) for name, result in good]
    results = add_page_images(settings, Journal(archive), batches, agent=user_agent(settings), now=now)
    return [(name, result) for (name, _), result in zip(good, results)]


def read_inputs(settings: Settings | None, locations: Sequence[str | Path], *, source: str | None = None,
                kind: str | None = None, remembered: dict[str, Remembered] | None = None) -> list[InputRead]:
    """Each location read and parsed on its own (no settings: `parse` outside a site). An
    HTML page without selectors tries the selectors detection `remembered` for its source."""
    agent = user_agent(settings) if settings else "feedletter"
    order = date_order(settings) if settings else None
    reads = []
    for location in map(str, locations):
        try:
            read = _read_location(location, source=source, kind=kind, agent=agent, order=order,
                                  remembered=remembered or {})
        except FeedletterError as error:
            reads.append(InputRead(source or redacted(location), redacted(location), error=error))
        else:
            if settings is not None and not is_web_url(location) and read.result is not None:
                local = publish_local_images(read.result, Path(location), settings.meta)
                read = replace(read, result=local.result, images=local.files)
            reads.append(read)
    return reads


def _read_location(location: str, *, source: str | None, kind: str | None, agent: str,
                   order: str | None, remembered: dict[str, Remembered]) -> InputRead:
    from feeds.fetch import Fetched, fetch
    from feeds.sources import detect_kind
    from feeds.urls import is_web_url

    if is_web_url(location):
        shown = redacted(location)  # a user:pass@ is never printed nor stored
        name = source or shown
        fetched = fetch(location, user_agent=agent)
        parsed = parse_fetched(fetched, kind=kind or "auto", source=shown, date_order=order,
                               remembered=remembered.get(name))
        return InputRead(name, location, require_items(parsed.result), notes=parsed.notes(shown),
                         remember=parsed.remember)
    path = Path(location)
    name = source or path.name
    data = _read_local(path)
    wanted = kind if kind not in (None, "auto") else detect_kind(data, path.name)
    if wanted == "listing":
        result = parse_file(path, data, date_order=order)  # the listing reader's own messages for bad text
        return InputRead(name, location, require_items(result))
    parsed = parse_fetched(Fetched(str(path), data), kind=wanted, source=str(path), date_order=order,
                           remembered=remembered.get(name))
    return InputRead(name, location, require_items(parsed.result), notes=parsed.notes(str(path)),
                     remember=parsed.remember)
