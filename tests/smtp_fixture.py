"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the delivery tests.

`Recorder` keeps every message it accepts (envelope and bytes), refuses addresses at
refused.example (550), and can be told to answer one message with a 421 and close the
connection (`close_at`), or to answer some with a 451 (`busy`).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self):
        return message_from_bytes(self.data, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Recorder:
    received: list[Received] = field(default_factory=list)
    close_at: int | None = None  # the DATA of message number N (1-based, counting every DATA) gets 421 + close
    busy: set[str] = field(default_factory=set)  # addresses answered 451 at RCPT
    data_count: int = 0
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such user"
        if address in self.busy:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_count += 1
            number = self.data_count
        if number == self.close_at:
            asyncio.get_running_loop().call_later(0.01, server.transport.close)
            return "421 4.3.2 closing the connection, try again later"
        data = envelope.original_content or envelope.content
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), data))
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [message for message in self.received if address in message.recipients]


def free_port() -> int:
    # aiosmtpd 1.4 cannot start on port 0 (aio-libs/aiosmtpd#388): ask the OS for one
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """`with SmtpServer(smtputf8=True) as recorder:` a server on 127.0.0.1, stopped at the end."""

    def __init__(self, *, smtputf8: bool = False, recorder: Recorder | None = None):
        from aiosmtpd.controller import Controller

        self.recorder = recorder or Recorder()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=free_port(),
                                     enable_SMTPUTF8=smtputf8, ready_timeout=10)

    def __enter__(self) -> Recorder:
        self.controller.start()
        self.recorder.port = self.controller.port
        return self.recorder

    def __exit__(self, *exc) -> None:
        self.controller.stop()


UNSUBSCRIBE_URL = "https://news.example.org/unsubscribe/{token}?e={email}"


def write_project(root, port: int, *, subscribers: list[str] | None = None, newsletter: str | None = None,
                  smtp: str = "") -> object:
    """A site with one month of items (January 2023), a subscribers file and an [smtp] table
    pointing at 127.0.0.1:`port`; `newsletter` replaces the [newsletter] table's keys."""
    from pathlib import Path

    from tests.source_samples import LISTING

    root = Path(root)
    listed = ["ann@example.net", "Bob <bob@example.net>"] if subscribers is None else subscribers
    (root / "subscribers.txt").write_text("# the list\n" + "".join(f"{entry}\n" for entry in listed), encoding="utf-8")
    (root / "news.txt").write_text(LISTING, encoding="utf-8")
    if newsletter is None:
        newsletter = f'unsubscribe_url = "{UNSUBSCRIBE_URL}"\nunsubscribe_mailto = "mailto:leave@news.example.org"\n'
    config = root / "feedletter.toml"
    config.write_text(
        f"""
[site]
title = "Send test"
base_url = "https://news.example.org/"
tag_authority = "news.example.org,2023"
author = {{ name = "Newsroom", email = "news@example.org" }}

[newsletter]
title = "Send test news"
{newsletter}
[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "bounces@example.org"
recipients_file = "subscribers.txt"
timeout = 10
{smtp}
""",
        encoding="utf-8",
    )
    return config
