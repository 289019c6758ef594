"""`feedletter status`: what the runs did, each source's last answer, the problems
`run` remembered and the sends, read back from the journal."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from feeds.archive import Archive

from ..config import Settings
from ..journal import Journal, RunRecord, SendRecord, SourceState


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
    with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
        journal = Journal(archive)
        records = journal.runs(limit=runs)
        states = journal.source_states()
        problems = journal.problems_remembered()
        sends = journal.sends()
    configured = [source.name for source in settings.sources]
    names = configured + sorted(set(states) - set(configured))
    return Status(tuple(records), tuple((name, states.get(name)) for name in names), tuple(problems), tuple(sends))


# What a source's last answer (SourceOutcome.status) was, in a user's words
_SOURCE_STATES = {
    "file": "read (file changed)",
    "unchanged": "unchanged (same file)",
    "304": "not modified (304)",
    "failed": "failed",
}


def describe_source(name: str, state: SourceState | None) -> str:
    """One line: 'news: read (file changed); last success 2023-02-01T09:00:00+00:00', then
    '; failed <when>: <error>' if it ever failed."""
    if state is None:
        return f"{name}: never read"
    status = state.last_status
    words = _SOURCE_STATES.get(status or "", f"read (HTTP {status})" if status else "not read yet")
    if status == "gone":
        words = f"gone (HTTP 410 since {state.gone_since}): not read until its location in the config changes"
    elif status == "deferred":
        words = f"deferred: its server asked not to be read before {state.retry_after}"
    line = f"{name}: {words}; last success {state.last_success or 'never'}"
    if state.moved_to:
        line += f"; moved permanently to {state.moved_to}"
    if state.last_failure:
        line += f"; failed {state.last_failure}: {state.last_error}"
    return line


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
