"""What the SMTP server said about each (issue, address), kept in the archive file.

A row is written, in a transaction of its own, as soon as the server answers for one
message: `accepted` (it took the message), `pending` (a temporary refusal, 4xx, or a
connection lost mid-message: the next send tries again) or `refused` (5xx, with the
server's reason). An address without a row has not been sent the issue. A send after a
kill therefore mails only those without an answer, and the Message-ID of each message
is derived from (issue, address, round), so a message in flight at the kill is sent
again under the same Message-ID and a receiver can drop the repeat. `--force` starts a
new round: every row of the issue becomes pending again, with new Message-IDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeds.archive import Archive
from feeds.dates import rfc3339

from .journal import Journal

ACCEPTED, PENDING, REFUSED = "accepted", "pending", "refused"


@dataclass(frozen=True, slots=True)
class Delivery:
    issue: str
    address: str
    round: int
    status: str  # accepted | pending | refused
    message_id: str
    reason: str | None
    attempts: int
    at: str

    COLUMNS = "issue, address, round, status, message_id, reason, attempts, at"


@dataclass(frozen=True, slots=True)
class IssueDelivery:
    """How far an issue has gone out: counts of rows by status, and the last answer's time."""

    issue: str
    accepted: int = 0
    pending: int = 0
    refused: int = 0
    last: str = ""

    @property
    def total(self) -> int:
        return self.accepted + self.pending + self.refused


class Deliveries:
    """The delivery rows of an open archive; shares the journal's connection."""

    def __init__(self, archive: Archive):
        Journal(archive)  # brings the schema up to date
        self._database = archive.database
        self._db = archive.database.connection

    def of_issue(self, issue: str) -> dict[str, Delivery]:
        rows = self._db.execute(f"SELECT {Delivery.COLUMNS} FROM deliveries WHERE issue = ?", (issue,))
        return {row[1]: Delivery(*row) for row in rows}

    def round(self, issue: str) -> int:
        (found,) = self._db.execute("SELECT MAX(round) FROM deliveries WHERE issue = ?", (issue,)).fetchone()
        return found or 0

    def record(self, issue: str, address: str, *, status: str, message_id: str, reason: str | None,
               round: int, now: datetime) -> None:
        """The server's answer for one message, committed at once."""
        with self._database.transaction() as db:
            db.execute(
                f"INSERT INTO deliveries ({Delivery.COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 1, ?)"
                " ON CONFLICT (issue, address) DO UPDATE SET status = excluded.status, round = excluded.round,"
                " message_id = excluded.message_id, reason = excluded.reason, attempts = attempts + 1, at = excluded.at",
                (issue, address, round, status, message_id, reason, rfc3339(now)),
            )

    def start_round(self, issue: str, *, now: datetime) -> int:
        """--force: every row of the issue pending again, in a new round; the round's number."""
        number = self.round(issue) + 1
        with self._database.transaction() as db:
            db.execute("UPDATE deliveries SET status = ?, round = ?, reason = ?, at = ? WHERE issue = ?",
                       (PENDING, number, "sent again (--force)", rfc3339(now), issue))
        return number

    def summary(self) -> list[IssueDelivery]:
        """Every issue with delivery rows, oldest first."""
        rows = self._db.execute(
            "SELECT issue, SUM(status = 'accepted'), SUM(status = 'pending'), SUM(status = 'refused'), MAX(at)"
            " FROM deliveries GROUP BY issue ORDER BY issue"
        )
        return [IssueDelivery(issue, accepted, pending, refused, last) for issue, accepted, pending, refused, last in rows]
