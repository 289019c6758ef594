"""`feedletter run`, the cron job: every configured source, then the build."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from feeds.archive import IngestReport
from feeds.dates import rfc3339
from feeds.errors import FeedletterError, SourceBusy, SourceError, SourceGone
from feeds.model import Problem
from feeds.urls import redacted, with_credentials_of

from ...errors import ConfigError, SourcesFailed
from .. import detections
from ..config import Settings
from ..config.sources import SourceConfig
from ..detections import Remembered
from ..journal import Journal, SourceOutcome, SourceState, recorded
from .access import changed_titles, writing_archive
from .build import BuildReport, build_site
from .inputs import date_order, parse_fetched, user_agent
from .local_images import LocalImages, publish_local_images, unchanged_pictures
from .page_images import add_page_images


@dataclass(frozen=True, slots=True)
class SourceReport:
    name: str
    status: str  # '200' fetched, '304' not modified, 'unchanged' same file bytes, 'file', 'failed', 'gone', 'deferred'
    items: int = 0
    problems: tuple[Problem, ...] = ()  # every problem of this run
    new_problems: tuple[Problem, ...] = ()  # those not reported by an earlier run
    error: str | None = None
    notice: str | None = None  # told once: the source moved for good
    notes: tuple[str, ...] = ()  # told with -v: how the items of a page were found


@dataclass(frozen=True, slots=True)
class RunReport:
    sources: tuple[SourceReport, ...]
    ingest: IngestReport
    build: BuildReport
    titles: dict[str, str] = field(default_factory=dict)  # --dry-run: id -> title of new and edited items

    @property
    def failed(self) -> tuple[SourceReport, ...]:
        return tuple(report for report in self.sources if report.error is not None)

    @property
    def failure(self) -> SourcesFailed | None:
        """The run's error when sources failed: what the journal records and the exit status."""
        return SourcesFailed([report.name for report in self.failed]) if self.failed else None


def _content_tag(data: bytes) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(data).hexdigest()


MAX_WAIT = timedelta(days=7)  # the longest a Retry-After keeps a source from being read


def _read_source(source, state, *, agent: str, order: str | None, now: datetime, pictures: dict[str, str], meta,
                 remembered=None):
    """Fetch and parse one configured source -> (outcome, (Parsed, its items with their
    local pictures made public) or None if unchanged, or not fetched as its server
    asked). `pictures`: the picture files it read last time; a local source whose file
    and pictures are the same is unchanged. A page read by detection tries the selectors
    `remembered` for it first."""
    from feeds.fetch import TIMEOUT, Validators, fetch
    from feeds.sources import apply_defaults

    kept = redacted(source.location)  # what the journal keeps and messages show: no credentials
    same_place = state is not None and state.location == kept  # a changed location starts afresh
    if same_place and source.is_url:
        waiting = _asked_to_wait(source.name, state, now)
        if waiting is not None:
            return waiting, None
    moved_to = state.moved_to if same_place and source.is_url else None
    where = with_credentials_of(moved_to, source.location) if moved_to else source.location
    validators = Validators(state.etag, state.last_modified) if same_place and source.is_url else None
    try:
        fetched = fetch(where, validators, user_agent=agent, timeout=source.timeout or TIMEOUT)
    except SourceGone as gone:
        return SourceOutcome(source.name, kept, "gone", moved_to=moved_to, gone_since=rfc3339(now),
                             error=f"{gone}; not fetched again until its location in the config changes"), None
    except SourceBusy as busy:
        until = now + min(timedelta(seconds=busy.retry_after), MAX_WAIT)
        return SourceOutcome(source.name, kept, "deferred", moved_to=moved_to, retry_after=rfc3339(until)), None
    if fetched.moved_to:
        moved_to = redacted(fetched.moved_to)
    if fetched.not_modified:
        return SourceOutcome(source.name, kept, "304", fetched.etag, fetched.last_modified, moved_to=moved_to), None
    if source.is_url:
        outcome = SourceOutcome(source.name, kept, str(fetched.status), fetched.etag, fetched.last_modified,
                                moved_to=moved_to)
    else:
        tag = _content_tag(fetched.data or b"")
        if same_place and state.etag == tag and unchanged_pictures(pictures):
            return SourceOutcome(source.name, kept, "unchanged", tag), None
        outcome = SourceOutcome(source.name, kept, "file", tag)
    label = kept if source.is_url else Path(source.location).name
    parsed = parse_fetched(fetched, kind=source.kind, source=label, selectors=source.selector_map, date_order=order,
                           undated=source.undated, remembered=remembered if source.detects else None)
    result = apply_defaults(parsed.result, category=source.category, include=source.include, exclude=source.exclude)
    if not result.items and result.problems:
        raise SourceError(f"nothing could be read: {_without_skip(result.problems[0])}")
    parsed = replace(parsed, result=result)
    if source.is_url:
        return outcome, (parsed, LocalImages(result))
    return outcome, (parsed, publish_local_images(result, Path(source.location), meta))


def _asked_to_wait(name: str, state: SourceState, now: datetime) -> SourceOutcome | None:
    """The outcome of a source its server asked us to leave alone: gone (until its
    location changes), or not before a time that has not come yet."""
    kept = dict(moved_to=state.moved_to, gone_since=state.gone_since, retry_after=state.retry_after)
    if state.gone_since:
        return SourceOutcome(name, state.location, "gone", **kept)
    if state.retry_after and datetime.fromisoformat(state.retry_after) > now:
        return SourceOutcome(name, state.location, "deferred", **kept)
    return None


def moved_notice(outcome: SourceOutcome, state: SourceState | None) -> str | None:
    """Said once, the run a source is first found to have moved for good."""
    if outcome.moved_to is None or (state is not None and state.moved_to == outcome.moved_to):
        return None
    return (f"moved permanently to {outcome.moved_to}; read from there from now on "
            f'(set location = "{outcome.moved_to}" in the config)')


_SKIPPED = re.compile(r"; (?:\w+ )*skipped$")  # "; skipped", "; item skipped", "; row skipped"


def _without_skip(problem: Problem) -> str:
    """A problem told as the reason a source failed: "; item skipped" would say that
    the rest of the source was read."""
    return f"{problem.source}:{problem.line}: {_SKIPPED.sub('', problem.message)}"


def _read_all(settings: Settings, states, pictures, remembered, agent: str, now: datetime,
              progress: Callable[[str], None] | None) -> list:
    """Every source read, `fetch_concurrency` at a time (they mostly wait on the network),
    each as (outcome, result or None) or its one-line error; in config order, so what is
    stored, and so every output, does not depend on which answered first."""

    def read(source: SourceConfig):
        try:
            return _read_source(source, states.get(source.name), agent=agent,
                                order=date_order(settings, source.date_order), now=now,
                                pictures=pictures.get(source.name, {}), meta=settings.meta,
                                remembered=remembered.get(source.name))
        except FeedletterError as error:
            return str(error)
        except Exception as error:  # a parser bug must not stop the other sources
            return f"unexpected {type(error).__name__}: {error}"

    reads = []
    with ThreadPoolExecutor(max_workers=settings.fetch_concurrency) as pool:
        for source, answer in zip(settings.sources, pool.map(read, settings.sources)):
            reads.append(answer)
            if progress:
                progress(source.name)
    return reads


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
    if not settings.sources:  # cron would never notice that every source was lost
        raise ConfigError(
            f"{settings.config_path}: no [[sources]] to read; add a [[sources]] table with a name and a "
            "location for each place the news comes from (README: Configuration)"
        )
    agent = user_agent(settings)
    reports: list[SourceReport] = []
    outcomes: list[SourceOutcome] = []
    read_now: list[tuple[SourceConfig, LocalImages]] = []
    notices: dict[str, str | None] = {}
    chosen: dict[str, Remembered] = {}  # what detection picked, to remember
    notes: dict[str, tuple[str, ...]] = {}
    with writing_archive(settings, dry_run=dry_run) as archive:
        journal = Journal(archive)
        states = journal.source_states()
        kept = detections.remembered(archive)
        pictures = journal.pictures.source_pictures()
        for source, read in zip(settings.sources, _read_all(settings, states, pictures, kept, agent, now, progress)):
            if isinstance(read, str):
                outcomes.append(SourceOutcome(source.name, redacted(source.location), "failed", error=read))
                reports.append(SourceReport(source.name, "failed", error=read))
                continue
            outcome, parsed_and_local = read
            outcomes.append(outcome)
            notice = moved_notice(outcome, states.get(source.name))
            notices[source.name] = notice
            if outcome.error is not None:
                reports.append(SourceReport(source.name, outcome.status, error=outcome.error))
            elif parsed_and_local is None:
                reports.append(SourceReport(source.name, outcome.status, notice=notice))
            else:
                parsed, local = parsed_and_local
                read_now.append((source, local))
                notes[source.name] = parsed.notes(f"source {source.name}")
                if parsed.remember is not None:
                    chosen[source.name] = parsed.remember
        results = add_page_images(settings, journal, [(source, local.result) for source, local in read_now],
                                  agent=agent, now=now)
        fresh = [(source.name, result) for (source, _), result in zip(read_now, results)]
        report = IngestReport()
        if fresh:
            archive.keep_images({name: data for _, local in read_now for name, data in local.files.items()}, now=now)
            report = archive.ingest(
                [(name, result.items) for name, result in fresh],
                now=now, zone=settings.timezone, authority=settings.meta.id_authority,
            )
        journal.record_sources(outcomes, now=now)  # after the items: see record_sources
        detections.remember(archive, chosen, now=now)
        for source, local in read_now:
            if not source.is_url:
                journal.pictures.remember_source_pictures(source.name, local.read)
        statuses = {outcome.name: outcome.status for outcome in outcomes}
        for name, result in fresh:
            new = journal.remember_problems(name, result.problems, now=now)
            reports.append(SourceReport(name, statuses[name], len(result.items), result.problems, tuple(new),
                                        notice=notices[name], notes=notes.get(name, ())))
        # the lock is ours already: the build takes no second one
        built = build_site(settings, archive, today=now.astimezone(settings.timezone).date(), dry_run=dry_run)
        titles = changed_titles(archive, report) if dry_run else {}
    order = {source.name: position for position, source in enumerate(settings.sources)}
    reports.sort(key=lambda r: order.get(r.name, 0))
    return RunReport(tuple(reports), report, built, titles)
