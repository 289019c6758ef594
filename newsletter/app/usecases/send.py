"""`feedletter newsletter --send`: the package to the list (once) or a test copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeds.archive import Archive
from feeds.errors import FeedletterError
from feeds.output import run_lock

from ..config import Settings
from ..journal import Journal
from .access import lock_path


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

    from ...errors import ConfigError
    from ..smtp import load_recipients, send_package

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
        with Archive.open(settings.archive, wait=settings.lock_wait) as archive:
            journal = Journal(archive)
            if kind == "list" and not force:
                earlier = journal.sends(month, kind="list")
                if earlier:
                    last = earlier[-1]
                    raise FeedletterError(
                        f"issue {month} was already sent to the list at {last.sent_at} "
                        f"({last.recipients} recipients); pass --force to send it again"
                    )
            refused = send_package(eml, recipients, settings.smtp, env)
            from email.parser import BytesHeaderParser

            message_id = BytesHeaderParser().parsebytes(eml).get("Message-ID")
            journal.record_send(month, kind=kind, recipients=len(recipients) - len(refused),
                                refused=len(refused), message_id=message_id, now=now)
    return SendReport(month, kind, len(recipients), refused)
