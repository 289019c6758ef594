"""`feedletter newsletter --send` against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import socket
import sqlite3
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from newsletter.app.config.smtp import SmtpSettings
from newsletter.app.smtp import load_recipients, send_package
from newsletter.errors import ConfigError, SendError
from tests.conftest import cli_status as cli
from tests.source_samples import LISTING


class Recorder:
    """An SMTP handler that keeps every envelope and refuses addresses at refused.example."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted"


def free_port() -> int:
    # aiosmtpd 1.4 cannot start on port 0 (aio-libs/aiosmtpd#388): ask the OS for one
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.port = controller.port
    try:
        yield recorder
    finally:
        controller.stop()


def write_project(root: Path, port: int) -> Path:
    (root / "subscribers.txt").write_text("# the list\nann@example.net\n\nbob@example.net  # Bob\nANN@example.net\n", encoding="utf-8")
    (root / "news.txt").write_text(LISTING, encoding="utf-8")
    config = root / "feedletter.toml"
    config.write_text(
        f"""
[site]
title = "Send test"
base_url = "https://news.example.org/"
tag_authority = "news.example.org,2023"
author = {{ name = "Newsroom", email = "news@example.org" }}

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
from = "bounces@example.org"
recipients = ["carol@example.net"]
recipients_file = "subscribers.txt"
""",
        encoding="utf-8",
    )
    return config


def test_send_to_the_list_once_then_refused_then_forced(tmp_path, smtp, capsys):
    config = write_project(tmp_path, smtp.port)
    assert cli(config, "ingest", str(tmp_path / "news.txt")) == 0
    assert cli(config, "newsletter", "--send") == 0
    assert tuple(capsys.readouterr()) == ("", "")  # quiet success
    assert len(smtp.received) == 1
    sender, recipients, data = smtp.received[0]
    assert sender == "bounces@example.org"
    assert recipients == ["carol@example.net", "ann@example.net", "bob@example.net"]
    eml = (tmp_path / "outbox" / "2023-01.eml").read_bytes()
    received = message_from_bytes(data, policy=policy.default)
    assert received["Subject"] == message_from_bytes(eml, policy=policy.default)["Subject"]
    assert received.get_body(("plain",)) is not None and "Listing news one" in received.get_body(("plain",)).get_content()
    for address in recipients:  # envelope only: no subscriber sees another's address
        assert address not in str(received.get("To", "")) + str(received.get("Cc", ""))

    # the repeated cron line: refused, nothing sent, exit 1 with one clear line
    assert cli(config, "newsletter", "--send") == 1
    err = capsys.readouterr().err
    assert err.startswith("feedletter: issue 2023-01 was already sent to the list at 2023-02-01T09:00:00+00:00 (3 recipients)")
    assert "--force" in err and len(err.splitlines()) == 1
    assert len(smtp.received) == 1

    # a test copy is always allowed, and --force sends to the list again
    assert cli(config, "newsletter", "--send", "--to", "editor@example.org") == 0
    assert smtp.received[-1][1] == ["editor@example.org"]
    assert cli(config, "newsletter", "--send", "--force") == 0
    assert len(smtp.received) == 3
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        sends = db.execute("SELECT issue, kind, recipients, refused FROM sends ORDER BY rowid").fetchall()
    assert sends == [("2023-01", "list", 3, 0), ("2023-01", "test", 1, 0), ("2023-01", "list", 3, 0)]


def test_refused_recipients_are_reported_and_the_rest_delivered(tmp_path, smtp, capsys):
    config = write_project(tmp_path, smtp.port)
    (tmp_path / "subscribers.txt").write_text("ann@example.net\ngone@refused.example\n", encoding="utf-8")
    assert cli(config, "ingest", str(tmp_path / "news.txt")) == 0
    assert cli(config, "newsletter", "--send") == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("feedletter: gone@refused.example: refused by the SMTP server (550")
    assert smtp.received[0][1] == ["carol@example.net", "ann@example.net"]
    assert cli(config, "newsletter", "--send") == 1  # recorded: no second mail to the others
    assert len(smtp.received) == 1


def test_send_package_errors(smtp, tmp_path):
    eml = b"From: News <news@example.org>\r\nTo: x@example.net\r\nSubject: t\r\n\r\nbody\r\n"
    settings = SmtpSettings(host="127.0.0.1", port=smtp.port, security="none")
    assert send_package(eml, ["x@example.net"], settings, {}) == {}
    assert smtp.received[-1][0] == "news@example.org"  # envelope sender from the message
    with pytest.raises(SendError, match="every recipient was refused"):
        send_package(eml, ["a@refused.example"], settings, {})
    with pytest.raises(ConfigError, match="set both"):
        send_package(eml, ["x@example.net"], settings, {"FEEDLETTER_SMTP_USER": "u"})
    remote = SmtpSettings(host="smtp.example.net", port=25, security="none")
    with pytest.raises(ConfigError, match="unencrypted"):
        send_package(eml, ["x@example.net"], remote, {"FEEDLETTER_SMTP_USER": "u", "FEEDLETTER_SMTP_PASSWORD": "p"})
    with pytest.raises(SendError, match="STARTTLS|starttls"):
        send_package(eml, ["x@example.net"], SmtpSettings(host="127.0.0.1", port=smtp.port, security="starttls"), {})
    closed = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=2)
    with pytest.raises(SendError, match="SMTP 127.0.0.1"):
        send_package(eml, ["x@example.net"], closed, {})


def test_recipients_file_and_config_checks(tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("ok@example.net\nnot an address\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"list.txt:2: 'not an address'"):
        load_recipients(SmtpSettings(host="h", port=25, recipients_file=listing))
    config = write_project(tmp_path, 25)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('security = "none"', 'security = "none"\npassword = "x"'), encoding="utf-8")
    assert cli(config, "build") == 2
    config.write_text(text.replace('security = "none"', 'security = "none"\ncolour = 1'), encoding="utf-8")
    assert cli(config, "build") == 2


def test_send_without_smtp_table_is_a_config_error(tmp_path, capsys):
    config = write_project(tmp_path, 25)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.split("[smtp]")[0], encoding="utf-8")
    assert cli(config, "ingest", str(tmp_path / "news.txt")) == 0
    assert cli(config, "newsletter", "--send") == 2
    assert "no [smtp] table" in capsys.readouterr().err


def test_the_open_month_is_sent_only_with_open_month(tmp_path, smtp, capsys):
    config = write_project(tmp_path, smtp.port)
    today = tmp_path / "today.txt"  # the tests' clock is 1 February 2023: February is open
    today.write_text("  1. News\n    Opening day of the new cooperative hall\n    01 February 2023\n    It opened.\n", "utf-8")
    assert cli(config, "ingest", str(today)) == 0
    capsys.readouterr()
    assert cli(config, "newsletter", "--send", "--month", "2023-02") == 2
    err = capsys.readouterr().err
    assert "2023-02 is not over yet, so its issue is still in progress; pass --open-month to send it now" in err
    assert len(err.strip().splitlines()) == 1 and smtp.received == []
    assert cli(config, "newsletter", "--open-month") == 2  # it only goes with --send
    assert cli(config, "newsletter", "--send", "--month", "2023-02", "--open-month") == 0
    assert len(smtp.received) == 1
    assert "Opening day of the new cooperative hall" in smtp.received[0][2].decode("ascii", "replace")
