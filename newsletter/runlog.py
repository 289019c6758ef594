"""What the runs did: each `run`, `ingest` and `build` is recorded in the archive at its
end, in its own small transaction, and `feedletter status` reads it back with each
source's last answer, the problems `run` remembered and the sends."""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from feeds.errors import FeedletterError
from feeds.store import Archive, RunRecord, SendRecord, SourceState

from .config import Settings


def recorded(command: str):
    """Decorate a use case `f(settings, ..., now=..., dry_run=False)` so that its outcome
    (or its error) is recorded as a RunRecord. A dry run records nothing. The finish
    time is the run clock plus the time the use case took, so a fixed clock stays fixed."""

    def decorate(function):
        @functools.wraps(function)
        def use_case(settings: Settings, *args, **kwargs):
            if kwargs.get("dry_run"):
                return function(settings, *args, **kwargs)
            now: datetime = kwargs["now"]
            start = time.monotonic()
            try:
                result = function(settings, *args, **kwargs)
            except FeedletterError as error:
                _record(settings, RunRecord(command, _stamp(now), _finished(now, start), ok=False,
                                            exit_code=error.exit_code, error=str(error)))
                raise
            _record(settings, summarise(command, result, _stamp(now), _finished(now, start)))
            return result

        return use_case

    return decorate


def summarise(command: str, result, started: str, finished: str) -> RunRecord:
    """A use case's report (IngestOutcome, BuildReport or RunReport) as a RunRecord."""
    ingest = getattr(result, "ingest", None) or getattr(result, "report", None)
    built = getattr(result, "build", None) or (result if hasattr(result, "written") else None)
    failed = [source.name for source in getattr(result, "failed", ())]
    return RunRecord(
        command, started, finished,
        added=len(ingest.added) if ingest else 0,
        edited=len(ingest.edited) if ingest else 0,
        written=len(built.written) if built else 0,
        removed=len(built.removed) if built else 0,
        failed=", ".join(failed) or None,
        ok=not failed,
        exit_code=1 if failed else 0,
    )


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _finished(now: datetime, start: float) -> str:
    return _stamp(now + timedelta(seconds=round(time.monotonic() - start)))


def _record(settings: Settings, record: RunRecord) -> None:
    """Never hides the use case's own outcome: no archive (yet), nothing recorded."""
    try:
        with Archive.open(settings.archive, create=False) as archive:
            archive.record_run(record)
    except FeedletterError:
        pass


# -- feedletter status -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Status:
    runs: tuple[RunRecord, ...]  # newest first
    sources: tuple[tuple[str, SourceState | None], ...]  # configured first, then any others
    problems: tuple[tuple[str, int, str | None, str], ...]  # source, line, message, first seen
    sends: tuple[SendRecord, ...]  # oldest first

    def last(self, *commands: str) -> RunRecord | None:
        return next((run for run in self.runs if run.command in commands), None)

    def as_json(self) -> dict:
        return {
            "last_run": _run_json(self.last("run")),
            "last_ingest": _run_json(self.last("run", "ingest")),
            "last_build": _run_json(self.last("run", "build")),
            "runs": [_run_json(run) for run in self.runs],
            "sources": [
                {"name": name, **({k: v for k, v in asdict(state).items() if k != "name"} if state else {}),
                 "never_run": state is None}
                for name, state in self.sources
            ],
            "problems": [
                {"source": source, "line": line, "message": message, "first_seen": first}
                for source, line, message, first in self.problems
            ],
            "sends": [asdict(send) for send in self.sends],
        }


def _run_json(run: RunRecord | None) -> dict | None:
    return None if run is None else asdict(run)


def status(settings: Settings, *, runs: int = 10) -> Status:
    with Archive.open(settings.archive, create=False) as archive:
        records = archive.runs(limit=runs)
        states = archive.source_states()
        problems = archive.problems_remembered()
        sends = archive.sends()
    configured = [source.name for source in settings.sources]
    names = configured + sorted(set(states) - set(configured))
    return Status(tuple(records), tuple((name, states.get(name)) for name in names), tuple(problems), tuple(sends))


def describe_run(run: RunRecord) -> str:
    """One line: 'run 2023-02-01T09:00:00+00:00 (2 s): 3 new, 1 edited, 5 files written; failed (exit 1): ...'."""
    started = datetime.fromisoformat(run.started)
    seconds = int((datetime.fromisoformat(run.finished) - started).total_seconds())
    parts = []
    if run.command in ("run", "ingest"):
        parts.append(f"{run.added} new, {run.edited} edited")
    if run.command in ("run", "build"):
        parts.append(f"{run.written} files written, {run.removed} removed")
    line = f"{run.command} {run.started} ({seconds} s)"
    if run.ok:
        return f"{line}: {'; '.join(parts)}; ok" if parts else f"{line}: ok"
    why = f"sources failed: {run.failed}" if run.failed else run.error or "failed"
    return f"{line}: {'; '.join(parts + [''])}failed (exit {run.exit_code}): {why}"
