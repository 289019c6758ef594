"""The archive as a use case that writes to it takes it: under the run lock, or, for
a dry run, inside a rehearsal that keeps nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from feeds.archive import Archive, IngestReport
from feeds.output import run_lock

from ..config import Settings


def lock_path(settings: Settings) -> Path:
    return settings.archive.with_name(settings.archive.name + ".lock")


@contextmanager
def writing_archive(settings: Settings, *, dry_run: bool = False) -> Iterator[Archive]:
    """The archive for a use case that writes to it, under the run lock. A dry run takes
    no lock and keeps nothing: its writes happen in a rehearsal that is rolled back (in a
    throwaway archive when there is none yet), so it can report what they would do."""
    if not dry_run:
        with (
            run_lock(lock_path(settings), wait=settings.lock_wait),
            Archive.open(settings.archive, wait=settings.lock_wait) as archive,
        ):
            yield archive
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="feedletter-dry-run-") as scratch:
        path = settings.archive if settings.archive.exists() else Path(scratch) / "archive.db"
        with Archive.open(path, wait=settings.lock_wait) as archive, archive.rehearsal():
            yield archive


def changed_titles(archive: Archive, report: IngestReport) -> dict[str, str]:
    """id -> title of the items an ingest added or edited (what a dry run shows)."""
    wanted = set(report.added) | set(report.edited)
    return {item.id: item.title for item in archive.items(include_hidden=True) if item.id in wanted}
