"""`feedletter newsletter --send`: the issue to every subscriber exactly once, one message
each (delivery = "direct"), or one message to the list server (delivery = "list"); or a
test copy (`--to`), which is never recorded as the send.

The whole send holds the run lock. Each answer of the server is committed as it comes
(see deliveries.py), so a send stopped anywhere, by a 4xx, a lost connection or a kill,
is taken up by the next `--send`, which mails only those not yet answered, under the
same Message-IDs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from feeds.errors import FeedletterError

from ...errors import ConfigError, SendError
from ...issue.personal import MessageTemplate
from ..config import Settings
from ..deliveries import ACCEPTED, PENDING, REFUSED, Deliveries
from ..delivery_rules import Addressed, addressed, check_send, envelope_sender, personal_links
from ..journal import Journal
from ..smtp import ConnectionLost, Pacer, SmtpConnection
from ..subscribers import Subscribers, keyed_digest, normalise
from .access import writing_archive


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str  # normalised: the key of its delivery row
    written: str  # as given: the To header
    origin: str  # where it was listed, for messages (file:line)
    token: str = ""


@dataclass(slots=True)
class SendReport:
    issue: str
    kind: str  # 'list' (the send) or 'test'
    delivery: str  # direct | list | esp
    accepted: list[str] = field(default_factory=list)
    pending: dict[str, str] = field(default_factory=dict)  # address -> why (4xx, connection lost)
    refused: dict[str, str] = field(default_factory=dict)  # address -> the server's reason (5xx)
    unsent: list[str] = field(default_factory=list)  # not tried: the server could not be reached again
    stopped: str | None = None  # why the send stopped before the end
    skipped: list[str] = field(default_factory=list)  # unsubscribed while the send went on
    would_send: list[str] = field(default_factory=list)  # --dry-run: who would get the issue
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not (self.pending or self.refused or self.unsent)


def send_newsletter(
    settings: Settings,
    *,
    month: str,
    now: datetime,
    to: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    env: Mapping[str, str] | None = None,
) -> SendReport:
    """Send outbox/<month>.eml as the config's delivery says, or a test copy to `to`."""
    env = os.environ if env is None else env
    news = settings.newsletter
    if settings.smtp is None and not dry_run:
        raise ConfigError(f"{settings.config_path}: no [smtp] table: cannot send (see the README, 'Sending')")
    if to is None:
        check_send(settings, month)
    eml_path = settings.outbox / f"{month}.eml"
    try:
        package = eml_path.read_bytes()
    except FileNotFoundError:
        raise FeedletterError(f"{eml_path}: no e-mail package for {month}; nothing to send") from None
    template = MessageTemplate(package, personal_links(news) if news.delivery == "direct" else ())
    report = SendReport(month, "test" if to else "list", news.delivery)
    with writing_archive(settings, dry_run=dry_run) as archive:
        subscribers, deliveries, journal = Subscribers(archive), Deliveries(archive), Journal(archive)
        if to is not None:
            recipients = [_recipient(subscribers, to, "--to", personal=template.personal)]
        else:
            recipients = _to_do(settings, subscribers, deliveries, journal, report, force=force, now=now)
        if dry_run:
            report.would_send = [recipient.written for recipient in recipients]
            return report
        assert settings.smtp is not None  # checked above
        sender = envelope_sender(settings, template.sender)
        with SmtpConnection(settings.smtp, env) as connection:
            envelope, ways = _addressed(connection, sender, recipients)
            if to is not None:
                _send_test_copy(connection, template, envelope, ways[recipients[0].written], recipients[0], report)
            else:
                _deliver(connection, template, envelope, ways, recipients, subscribers, deliveries, report,
                         settings=settings, now=now)
        journal.record_send(month, kind=report.kind, recipients=len(report.accepted), refused=len(report.refused),
                            now=now)
    return report


def _to_do(settings: Settings, subscribers: Subscribers, deliveries: Deliveries, journal: Journal,
           report: SendReport, *, force: bool, now: datetime) -> list[Recipient]:
    """Who gets the issue now: every subscriber (or the list address) without an answer for
    it yet, or with a temporary one. The config's recipients are imported first."""
    news, month = settings.newsletter, report.issue
    if news.delivery == "list":
        everyone = [_recipient(subscribers, news.list_address, f"{settings.config_path}: [newsletter] list_address",
                               personal=False)]
    else:
        if settings.smtp is not None:
            from ..address_files import config_recipients

            added = subscribers.add(config_recipients(settings.smtp, settings.config_path), now=now, from_config=True)
            report.warnings += [f"{entry.origin}: {normalise(entry.written)} unsubscribed, so it gets nothing; "
                                "remove it there ('feedletter subscribers add --resubscribe' if they asked to "
                                "come back)" for entry in added.left]
        everyone = [Recipient(s.address, s.written, s.origin, s.token) for s in subscribers.subscribed()]
    rows = deliveries.of_issue(month)
    if force:
        deliveries.start_round(month, now=now)
        rows = deliveries.of_issue(month)
    elif not rows and journal.sends(month, kind="list"):
        last = journal.sends(month, kind="list")[-1]
        raise FeedletterError(f"issue {month} was already sent to the list at {last.sent_at} ({last.recipients} "
                              "recipients); pass --force to send it again")
    to_do = [recipient for recipient in everyone
             if recipient.address not in rows or rows[recipient.address].status == PENDING]
    if not to_do and rows:
        counts = {status: sum(row.status == status for row in rows.values()) for status in (ACCEPTED, REFUSED)}
        raise FeedletterError(
            f"issue {month} was already sent to every subscriber ({counts[ACCEPTED]} accepted, {counts[REFUSED]} "
            f"refused; the last answer at {max(row.at for row in rows.values())}); pass --force to send it again")
    if not to_do:
        raise ConfigError(f"{settings.config_path}: no subscribers to send to; add them with 'feedletter subscribers "
                          "add ADDRESS' or 'feedletter subscribers import FILE' (or [smtp] recipients)")
    return to_do


def _recipient(subscribers: Subscribers, written: str, origin: str, *, personal: bool) -> Recipient:
    address = normalise(written)
    return Recipient(address, written, origin, subscribers.token(address) if personal else "")


def _addressed(connection: SmtpConnection, sender: str,
               recipients: list[Recipient]) -> tuple[Addressed, dict[str, Addressed]]:
    """How each recipient goes out. When the server does not offer SMTPUTF8 and some address
    needs it, the whole send is refused before any message: one line per such address."""
    smtputf8 = connection.smtputf8
    ways: dict[str, Addressed | None] = {}
    for written in [sender] + [recipient.written for recipient in recipients]:
        ways[written] = addressed(written, smtputf8=smtputf8)
    origins = [("the envelope sender ([smtp] from, else From)", sender)]
    cannot = [f"{origin}: {normalise(written)} needs SMTPUTF8 (letters beyond ASCII before the @), which "
              f"{connection.where} does not offer"
              for origin, written in origins + [(r.origin, r.written) for r in recipients] if ways[written] is None]
    if cannot:
        raise SendError("\n".join(cannot + ["nothing was sent: use a server that offers SMTPUTF8, or remove "
                                            "those addresses"]))
    envelope = ways[sender]
    assert envelope is not None
    return envelope, {written: way for written, way in ways.items() if way is not None}


def _message_id(template: MessageTemplate, seed: str) -> str:
    domain = template.message_id.rpartition("@")[2].rstrip(">").strip() or "localhost"
    issue = template.message_id.strip("<").partition(".")[0] or "issue"
    return f"<{issue}.{seed}@{domain}>"


def _send_test_copy(connection: SmtpConnection, template: MessageTemplate, sender: Addressed, way: Addressed,
                    recipient: Recipient, report: SendReport) -> None:
    """A test copy, with a Message-ID of its own: never one a subscriber's copy has."""
    data = template.message(message_id=_message_id(template, f"test-{secrets.token_hex(8)}"),
                            to=way.header if template.personal else None, token=recipient.token,
                            email=recipient.address, utf8=way.utf8)
    try:
        answer = connection.send(sender.envelope, way.envelope, data, utf8=way.utf8 or sender.utf8)
    except ConnectionLost as lost:
        raise SendError(f"{connection.where}: the connection was lost during the test copy ({lost})") from None
    if answer.accepted:
        report.accepted.append(recipient.address)
    else:
        (report.pending if answer.temporary else report.refused)[recipient.address] = str(answer)


def _deliver(connection: SmtpConnection, template: MessageTemplate, sender: Addressed, ways: dict[str, Addressed],
             recipients: list[Recipient], subscribers: Subscribers, deliveries: Deliveries, report: SendReport,
             *, settings: Settings, now: datetime) -> None:
    """One message per recipient over one connection, each answer committed as it comes. A
    lost connection (or a 421) is made again once; lost again before any answer, the send stops."""
    assert settings.smtp is not None
    secret, issue = subscribers.secret(), report.issue
    round_number = deliveries.round(issue)
    pacer = Pacer(settings.smtp.rate)
    reconnected = False
    for index, recipient in enumerate(recipients):
        if report.delivery == "direct" and not subscribers.is_subscribed(recipient.address):
            report.skipped.append(recipient.address)  # left while the send went on
            continue
        if not connection.connected:
            try:
                if reconnected:
                    raise SendError(f"{connection.where}: the server closed the connection again")
                connection.connect()
                reconnected = True
            except SendError as error:
                report.stopped, report.unsent = str(error), [r.address for r in recipients[index:]]
                return
        way = ways[recipient.written]
        suffix = f"\n{round_number}" if round_number else ""
        message_id = _message_id(template, keyed_digest(secret, f"{issue}\n{recipient.address}{suffix}"))
        data = template.message(message_id=message_id, to=way.header, token=recipient.token,
                                email=recipient.address, utf8=way.utf8)
        pacer.wait()
        try:
            answer = connection.send(sender.envelope, way.envelope, data, utf8=way.utf8 or sender.utf8)
        except ConnectionLost as lost:
            reason = f"the connection was lost before the server answered ({lost}); sent again next time"
            deliveries.record(issue, recipient.address, status=PENDING, message_id=message_id, reason=reason,
                              round=round_number, now=now)
            report.pending[recipient.address] = reason
            continue
        if connection.connected:
            reconnected = False  # an answer on a connection that stays: the trouble is over
        status = ACCEPTED if answer.accepted else PENDING if answer.temporary else REFUSED
        deliveries.record(issue, recipient.address, status=status, message_id=message_id,
                          reason=None if answer.accepted else str(answer), round=round_number, now=now)
        if status == ACCEPTED:
            report.accepted.append(recipient.address)
        else:
            (report.pending if status == PENDING else report.refused)[recipient.address] = str(answer)
