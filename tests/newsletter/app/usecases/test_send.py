"""`feedletter newsletter --send` against a real SMTP server on 127.0.0.1 (aiosmtpd):
each subscriber gets the issue exactly once, with its own To, Message-ID and
unsubscribe link, whatever stops a send half-way."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import cli_status as cli
from tests.conftest import run_cli
from tests.smtp_fixture import SmtpServer, write_project


@pytest.fixture
def smtp():
    with SmtpServer() as recorder:
        yield recorder


def deliveries(root: Path) -> dict[str, tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(root / "feedletter.db")) as db:
        return {address: (status, message_id) for address, status, message_id in
                db.execute("SELECT address, status, message_id FROM deliveries WHERE issue = '2023-01'")}


def ingest(config: Path, root: Path) -> None:
    assert cli(config, "ingest", str(root / "news.txt")) == 0


def send(config: Path, *args: str) -> tuple[int, str, str]:
    return run_cli("--config", str(config), "newsletter", "--send", *args)


def test_each_subscriber_gets_a_message_of_its_own(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port)
    ingest(config, tmp_path)
    status, out, err = send(config)
    assert (status, out, err) == (0, "", "")  # quiet success
    assert sorted(r.recipients[0] for r in smtp.received) == ["ann@example.net", "bob@example.net"]
    tokens = {}
    for received in smtp.received:
        message, address = received.message, received.recipients[0]
        assert received.sender == "bounces@example.org"
        assert message["To"].addresses[0].addr_spec == address
        assert str(message["List-Id"]) == '"Send test news" <send-test-news.news.example.org>'
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe = re.search(r"<(https://[^>]+)>", str(message["List-Unsubscribe"])).group(1)
        token = re.fullmatch(r"https://news\.example\.org/unsubscribe/([A-Za-z0-9_-]{22})\?e=(.+)",
                             unsubscribe).group(1)
        assert unsubscribe.endswith("?e=" + address.replace("@", "%40"))
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        assert f'href="{unsubscribe.replace("&", "&amp;")}"' in html  # the footer's link is the header's
        assert f"Unsubscribe: {unsubscribe}" in text
        assert "{token}" not in received.data.decode() and "{email}" not in received.data.decode()
        tokens[address] = token
    assert len(set(tokens.values())) == 2
    ann, bob = (m for m in sorted(smtp.received, key=lambda r: r.recipients[0]))
    assert tokens["bob@example.net"] not in ann.data.decode() and "bob@" not in ann.data.decode()
    assert tokens["ann@example.net"] not in bob.data.decode() and "ann@" not in bob.data.decode()
    package_id = re.search(rb"Message-ID: (\S+)", (tmp_path / "outbox" / "2023-01.eml").read_bytes()).group(1)
    ids = {received.message_id for received in smtp.received}
    assert len(ids) == 2 and package_id.decode() not in ids
    assert {status for status, _ in deliveries(tmp_path).values()} == {"accepted"}
    assert {message_id for _, message_id in deliveries(tmp_path).values()} == ids


def test_a_repeated_send_mails_nobody_twice_a_test_copy_has_its_own_id_and_force_sends_again(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port)
    ingest(config, tmp_path)
    assert send(config)[0] == 0
    first_ids = {r.message_id for r in smtp.received}
    status, _, err = send(config)  # the repeated cron line
    assert status == 1 and len(err.splitlines()) == 1
    assert err.startswith("feedletter: issue 2023-01 was already sent to every subscriber (2 accepted, 0 refused")
    assert "--force" in err and len(smtp.received) == 2

    assert send(config, "--to", "ann@example.net")[0] == 0  # an editor who is on the list
    test_copy = smtp.received[-1]
    assert test_copy.recipients == ["ann@example.net"] and test_copy.message_id not in first_ids
    assert send(config, "--to", "ann@example.net")[0] == 0
    assert smtp.received[-1].message_id != test_copy.message_id  # every test copy its own
    assert len(deliveries(tmp_path)) == 2  # test copies are never recorded as the send

    assert send(config, "--force")[0] == 0
    again = smtp.received[-2:]
    assert sorted(r.recipients[0] for r in again) == ["ann@example.net", "bob@example.net"]
    assert not {r.message_id for r in again} & first_ids  # a new round, new ids
    with contextlib.closing(sqlite3.connect(tmp_path / "feedletter.db")) as db:
        sends = db.execute("SELECT kind, recipients, refused FROM sends ORDER BY rowid").fetchall()
    assert sends == [("list", 2, 0), ("test", 1, 0), ("test", 1, 0), ("list", 2, 0)]


def test_200_subscribers_a_421_in_the_middle_and_a_resend_each_accepted_exactly_once(tmp_path, smtp):
    everyone = [f"reader{n:03d}@example.net" for n in range(200)]
    config = write_project(tmp_path, smtp.port, subscribers=everyone)
    ingest(config, tmp_path)
    smtp.close_at = 100  # the 100th message: "421 closing", and the connection goes
    status, _, err = send(config)
    assert status == 1
    assert len(smtp.received) == 199  # the connection was made again once, for the other 100
    pending = [line for line in err.splitlines() if "not accepted yet" in line]
    assert len(pending) == 1 and "(421 4.3.2" in pending[0] and "the next --send tries again" in pending[0]
    assert err.splitlines()[-1] == "feedletter: 2023-01: 199 accepted, 1 pending, 0 refused, 0 not sent yet"
    rows = deliveries(tmp_path)
    assert Counter(status for status, _ in rows.values()) == {"accepted": 199, "pending": 1}
    status_lines = run_cli("--config", str(config), "status")[1]
    assert "delivery 2023-01: 199 accepted, 1 pending, 0 refused" in status_lines

    assert send(config)[0] == 0  # the next --send: only the one pending
    assert len(smtp.received) == 200
    assert Counter(r.recipients[0] for r in smtp.received) == Counter(everyone)  # each exactly once
    assert Counter(status for status, _ in deliveries(tmp_path).values()) == {"accepted": 200}
    assert {r.message_id for r in smtp.received} == {mid for _, mid in deliveries(tmp_path).values()}


def test_a_server_that_drops_the_connection_twice_stops_the_send_and_the_rest_go_next_time(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port, subscribers=[f"r{n}@example.net" for n in range(6)])
    ingest(config, tmp_path)
    original = smtp.handle_DATA
    calls = []

    async def closing_from_the_third(server, session, envelope):
        calls.append(1)
        if len(calls) >= 3:
            smtp.close_at = smtp.data_count + 1
        return await original(server, session, envelope)

    smtp.handle_DATA = closing_from_the_third
    status, _, err = send(config)
    assert status == 1 and len(smtp.received) == 2
    assert "the server closed the connection again: 2 not sent yet; the next --send sends to them" in err
    assert Counter(s for s, _ in deliveries(tmp_path).values()) == {"accepted": 2, "pending": 2}
    smtp.handle_DATA = original
    smtp.close_at = None
    assert send(config)[0] == 0
    assert Counter(r.recipients[0] for r in smtp.received) == Counter(f"r{n}@example.net" for n in range(6))


def test_a_permanent_refusal_is_kept_with_its_reason_and_a_temporary_one_is_retried_next_time(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port, subscribers=["ann@example.net", "gone@refused.example",
                                                             "busy@example.net"])
    ingest(config, tmp_path)
    smtp.busy.add("busy@example.net")
    status, _, err = send(config)
    assert status == 1
    assert "feedletter: gone@refused.example: refused by the SMTP server (550 5.1.1 no such user)" in err
    assert "feedletter: busy@example.net: not accepted yet (451 4.3.0 try again later)" in err
    with contextlib.closing(sqlite3.connect(tmp_path / "feedletter.db")) as db:
        reason = db.execute("SELECT reason FROM deliveries WHERE address = 'gone@refused.example'").fetchone()[0]
    assert reason == "550 5.1.1 no such user"
    smtp.busy.clear()
    assert send(config)[0] == 0  # the pending one only; the refused one is not tried again
    assert [r.recipients[0] for r in smtp.received] == ["ann@example.net", "busy@example.net"]
    assert send(config)[0] == 1  # now everyone has an answer


@pytest.mark.parametrize("smtputf8", [False, True])
def test_an_address_beyond_ascii_needs_smtputf8_and_without_it_nothing_is_sent(tmp_path, smtputf8):
    with SmtpServer(smtputf8=smtputf8) as smtp:
        config = write_project(tmp_path, smtp.port,
                               subscribers=["ann@example.net", "Jörg <jörg@example.net>", "eve@bücher.example"])
        ingest(config, tmp_path)
        status, _, err = send(config)
        if not smtputf8:
            assert status == 1 and smtp.received == []  # refused before anything was sent
            assert err.splitlines() == [
                f"feedletter: {tmp_path / 'subscribers.txt'}:3: jörg@example.net needs SMTPUTF8 (letters beyond "
                f"ASCII before the @), which SMTP 127.0.0.1:{smtp.port} does not offer",
                "feedletter: nothing was sent: use a server that offers SMTPUTF8, or remove those addresses",
            ]
            assert deliveries(tmp_path) == {}
            return
        assert status == 0, err
        by_address = {r.recipients[0]: r for r in smtp.received}
        assert set(by_address) == {"ann@example.net", "jörg@example.net", "eve@bücher.example"}
        from email import message_from_string, policy

        joerg = message_from_string(by_address["jörg@example.net"].data.decode("utf-8"), policy=policy.default)
        assert joerg["To"].addresses[0].addr_spec == "jörg@example.net"  # RFC 6532: UTF-8 as is
        assert "e=j%C3%B6rg%40example.net" in str(joerg["List-Unsubscribe"])
        assert b"To: J\xc3\xb6rg <j\xc3\xb6rg@example.net>" in by_address["jörg@example.net"].data


def test_an_idn_domain_goes_out_in_ascii_when_the_server_has_no_smtputf8(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port, subscribers=["eve@bücher.example"])
    ingest(config, tmp_path)
    assert send(config)[0] == 0
    assert smtp.received[0].recipients == ["eve@xn--bcher-kva.example"]
    assert b"To: eve@xn--bcher-kva.example\r\n" in smtp.received[0].data


def test_dry_run_says_who_would_get_it_and_sends_and_records_nothing(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port)
    ingest(config, tmp_path)
    status, out, _ = send(config, "--dry-run")
    assert status == 0
    assert out.splitlines() == ["would send 2023-01 to 2 subscribers:", "  ann@example.net", "  Bob <bob@example.net>"]
    assert smtp.received == [] and deliveries(tmp_path) == {}
    assert run_cli("--config", str(config), "subscribers", "list")[1] == ""  # the import was rehearsed only


@pytest.mark.parametrize(
    ("newsletter", "message"),
    [
        ('unsubscribe_url = "https://mail.example.org/u/*|UNSUB|*"\n',
         '[newsletter] delivery = "esp" (unsubscribe_url holds the merge tag \'*|UNSUB|*\'): '),
        ('unsubscribe_url = "https://mail.example.org/u/*|UNSUB|*"\ndelivery = "direct"\n',
         "[newsletter] unsubscribe_url holds the merge tag '*|UNSUB|*', which only an e-mail service fills in, but "
         'delivery = "direct" sends every message itself: put {token} in its place'),
        ("", '[newsletter] delivery = "direct" needs an unsubscribe link in every message: set unsubscribe_url'),
        ('unsubscribe_url = "https://news.example.org/unsubscribe"\n',
         "[newsletter] unsubscribe_url holds neither {token} nor {email}, so a one-click unsubscribe could not tell"),
        ('delivery = "list"\nlist_address = "all@lists.example.org"\n'
         'unsubscribe_url = "https://news.example.org/u/{token}"\n',
         '[newsletter] unsubscribe_url holds {token}, but delivery = "list" sends one message for everyone'),
    ],
)
def test_a_send_that_cannot_work_is_refused_in_one_line_that_says_what_to_set(tmp_path, smtp, newsletter, message):
    config = write_project(tmp_path, smtp.port, newsletter=newsletter)
    ingest(config, tmp_path)
    status, _, err = send(config)
    assert status == 2 and err.count("\n") == 1, err
    assert err.startswith(f"feedletter: {config}: {message}"), err
    assert smtp.received == []


def test_esp_sends_only_test_copies_with_the_merge_tags_kept(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port, newsletter='unsubscribe_url = "https://mail.example.org/u/*|UNSUB|*"\n')
    ingest(config, tmp_path)
    assert send(config, "--to", "editor@example.org")[0] == 0
    copy = smtp.received[0]
    assert copy.recipients == ["editor@example.org"]
    assert "<https://mail.example.org/u/*|UNSUB|*>" in str(copy.message["List-Unsubscribe"])
    assert copy.message["List-Id"] is None  # the service names its own list
    package = (tmp_path / "outbox" / "2023-01.eml").read_bytes()
    assert re.search(rb"Message-ID: (\S+)", package).group(1).decode() != copy.message_id


def test_list_delivery_is_one_message_to_the_list_address_exactly_once(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port, newsletter=(
        'delivery = "list"\nlist_address = "Coop news <coop-news@lists.example.org>"\n'
        'unsubscribe_mailto = "mailto:coop-news-leave@lists.example.org"\n'))
    ingest(config, tmp_path)
    assert send(config)[0] == 0
    (only,) = smtp.received
    assert only.recipients == ["coop-news@lists.example.org"]
    assert str(only.message["To"]) == "Coop news <coop-news@lists.example.org>"
    assert "<mailto:coop-news-leave@lists.example.org>" == str(only.message["List-Unsubscribe"])
    assert send(config)[0] == 1 and len(smtp.received) == 1
    assert "delivery 2023-01: 1 accepted, 0 pending, 0 refused" in run_cli("--config", str(config), "status")[1]


def test_the_config_recipients_are_imported_on_each_send_and_leave_with_the_config(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port, subscribers=["ann@example.net", "bob@example.net"])
    ingest(config, tmp_path)
    status, _, err = run_cli("--config", str(config), "subscribers", "remove", "bob@example.net")
    assert status == 0 and "bob@example.net is still in [smtp] recipients or recipients_file" in err
    (tmp_path / "subscribers.txt").write_text("ann@example.net\nbob@example.net\ncarol@example.net\n",
                                              encoding="utf-8")
    status, _, err = send(config)
    assert status == 0
    assert f"{tmp_path / 'subscribers.txt'}:2: bob@example.net unsubscribed, so it gets nothing" in err
    assert sorted(r.recipients[0] for r in smtp.received) == ["ann@example.net", "carol@example.net"]
    (tmp_path / "subscribers.txt").write_text("ann@example.net\n", encoding="utf-8")
    status, out, _ = run_cli("--config", str(config), "subscribers", "list", "--all")
    assert "carol@example.net" in out
    send(config, "--dry-run")  # a dry run drops nothing
    assert "carol@example.net" in run_cli("--config", str(config), "subscribers", "list")[1]
    send(config, "--force")
    listed = run_cli("--config", str(config), "subscribers", "list", "--all")[1]
    assert "carol@example.net" not in listed  # dropped from the file, dropped from the list
    assert "bob@example.net" in listed and "unsubscribed" in listed  # but a leaver stays a leaver


def test_without_smtp_or_subscribers_a_send_says_so(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port, subscribers=[])
    ingest(config, tmp_path)
    status, _, err = send(config)
    assert status == 2 and "no subscribers to send to; add them with 'feedletter subscribers add ADDRESS'" in err
    config.write_text(config.read_text(encoding="utf-8").split("[smtp]")[0], encoding="utf-8")
    status, _, err = send(config)
    assert status == 2 and "no [smtp] table" in err


def test_the_open_month_is_sent_only_with_open_month(tmp_path, smtp):
    config = write_project(tmp_path, smtp.port, subscribers=["ann@example.org"])
    today = tmp_path / "today.txt"  # the tests' clock is 1 February 2023: February is open
    today.write_text("  1. News\n    Opening day of the new cooperative hall\n    01 February 2023\n    It opened.\n",
                     "utf-8")
    assert cli(config, "ingest", str(today)) == 0
    status, _, err = send(config, "--month", "2023-02")
    assert status == 2 and smtp.received == []
    assert err.strip() == ("feedletter: 2023-02 is not over yet, so its issue is still in progress; "
                           "pass --open-month to send it now")
    assert run_cli("--config", str(config), "newsletter", "--open-month")[0] == 2  # it only goes with --send
    status, _, err = send(config, "--month", "2023-02", "--open-month")
    assert status == 0 and len(smtp.received) == 1
    assert "Opening day of the new cooperative hall" in smtp.received[0].data.decode("ascii", "replace")
