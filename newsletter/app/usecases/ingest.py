"""`feedletter ingest`: files and URLs of every kind into the archive, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from feeds.archive import IngestReport
from feeds.model import ParseResult, Problem

from ..config import Settings
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


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    report: IngestReport
    problems: tuple[Problem, ...] = ()
    parsed: int = 0
    notes: tuple[str, ...] = ()  # told with -v: e.g. a file read as UTF-16
    titles: dict[str, str] = field(default_factory=dict)  # --dry-run: id -> title of new and edited items

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
        named = _read_locations(locations, source=source, kind=kind, agent=agent, order=date_order(settings))
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

def _read_locations(locations: Sequence[str | Path], *, source: str | None, kind: str | None, agent: str,
                    order: str | None):
    from feeds.fetch import Fetched, fetch
    from feeds.sources import detect_kind
    from feeds.urls import is_web_url

    named: list[tuple[str, ParseResult]] = []
    for location in map(str, locations):
        if is_web_url(location):
            fetched = fetch(location, user_agent=agent)
            result = parse_fetched(fetched, kind=kind or "auto", source=location, date_order=order)
            named.append((source or location, require_items(result)))
            continue
        path = Path(location)
        data = _read_local(path)
        wanted = kind if kind not in (None, "auto") else detect_kind(data, path.name)
        if wanted == "listing":
            result = parse_file(path, data, date_order=order)  # the listing reader's own messages for bad text
        else:
            result = parse_fetched(Fetched(str(path), data), kind=wanted, source=str(path), date_order=order)
        named.append((source or path.name, require_items(result)))
    return named
