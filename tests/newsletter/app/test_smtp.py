"""The SMTP edge against a real server on 127.0.0.1 (aiosmtpd): one connection, one
transaction per message, every answer told as the server gave it."""

from __future__ import annotations

import pytest

from newsletter.app.config.smtp import SmtpSettings
from newsletter.app.smtp import ConnectionLost, Pacer, SmtpConnection
from newsletter.errors import ConfigError, SendError
from tests.smtp_fixture import SmtpServer, free_port

MESSAGE = b"From: News <news@example.org>\r\nTo: x@example.net\r\nSubject: t\r\n\r\nbody\r\n"


@pytest.fixture
def smtp():
    with SmtpServer() as recorder:
        yield recorder


def settings(port: int, **more) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", **more)


def test_one_connection_carries_every_message_and_each_answer_is_told(smtp):
    with SmtpConnection(settings(smtp.port), {}) as connection:
        assert not connection.smtputf8
        first = connection.send("bounces@example.org", "ann@example.net", MESSAGE)
        refused = connection.send("bounces@example.org", "gone@refused.example", MESSAGE)
        smtp.busy.add("bob@example.net")
        later = connection.send("bounces@example.org", "bob@example.net", MESSAGE)
        after = connection.send("bounces@example.org", "carol@example.net", MESSAGE)
    assert (first.accepted, first.code) == (True, 250)
    assert (refused.accepted, refused.temporary, refused.code) == (False, False, 550)
    assert "no such user" in str(refused)
    assert (later.temporary, later.code) == (True, 451)
    assert after.accepted  # a refusal ends its transaction only: the connection goes on
    assert [r.recipients for r in smtp.received] == [["ann@example.net"], ["carol@example.net"]]
    assert smtp.received[0].sender == "bounces@example.org"


def test_a_421_closes_the_connection_and_the_next_message_needs_a_new_one(smtp):
    smtp.close_at = 2
    with SmtpConnection(settings(smtp.port), {}) as connection:
        assert connection.send("b@example.org", "a@example.net", MESSAGE).accepted
        closing = connection.send("b@example.org", "b@example.net", MESSAGE)
        assert (closing.code, closing.temporary, connection.connected) == (421, True, False)
        with pytest.raises(ConnectionLost):
            connection.send("b@example.org", "c@example.net", MESSAGE)
        connection.connect()
        assert connection.send("b@example.org", "c@example.net", MESSAGE).accepted
    assert [r.recipients[0] for r in smtp.received] == ["a@example.net", "c@example.net"]


def test_a_server_that_goes_away_mid_send_is_a_lost_connection():
    server = SmtpServer()
    with server as recorder:
        connection = SmtpConnection(settings(recorder.port), {})
        connection.connect()
        assert connection.send("b@example.org", "a@example.net", MESSAGE).accepted
    with pytest.raises(ConnectionLost):  # the server stopped: the socket is gone
        connection.send("b@example.org", "b@example.net", MESSAGE)
    assert not connection.connected


def test_what_cannot_start_a_send_is_one_line(smtp):
    with pytest.raises(ConfigError, match="set both"):
        SmtpConnection(settings(smtp.port), {"FEEDLETTER_SMTP_USER": "u"})
    remote = SmtpSettings(host="smtp.example.net", port=25, security="none")
    with pytest.raises(ConfigError, match="unencrypted"):
        SmtpConnection(remote, {"FEEDLETTER_SMTP_USER": "u", "FEEDLETTER_SMTP_PASSWORD": "p"})
    with pytest.raises(SendError, match="STARTTLS|starttls"):
        SmtpConnection(SmtpSettings(host="127.0.0.1", port=smtp.port, security="starttls"), {}).connect()
    with pytest.raises(SendError, match=r"SMTP 127\.0\.0\.1:\d+: ConnectionRefusedError"):
        SmtpConnection(settings(free_port(), timeout=2), {}).connect()


def test_a_server_offering_smtputf8_is_recognised():
    with SmtpServer(smtputf8=True) as recorder, SmtpConnection(settings(recorder.port), {}) as connection:
        assert connection.smtputf8
        answer = connection.send("b@example.org", "jörg@example.net", "To: jörg@example.net\r\n\r\nx\r\n".encode(),
                                 utf8=True)
        assert answer.accepted
    assert recorder.received[0].recipients == ["jörg@example.net"]


def test_the_pacer_spaces_messages_evenly():
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    pacer = Pacer(10.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        pacer.wait()
    assert slept == [0.1, 0.1, 0.1]  # the first goes at once, then one every 1/10 s
    now[0] += 5  # a slow server: no burst to catch up afterwards
    pacer.wait()
    pacer.wait()
    assert slept[-1] == 0.1
    unpaced = Pacer(None, clock=lambda: now[0], sleep=sleep)
    unpaced.wait()
    unpaced.wait()
    assert len(slept) == 4
