"""The .eml: headers, structure, line lengths, determinism, and what survives hostile input."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone

import pytest

from newsletter.errors import AddressError, ConfigError
from newsletter.issue.mail import build_message, parse_address

DATE = datetime(2023, 1, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
HTML = "<!doctype html><html><body>" + "<p>R&amp;D café</p>" * 400 + "</body></html>"  # one 7 KB line
TEXT = "Café news\n\n>>More https://example.org/a\n"


def build(**overrides) -> bytes:
    args = dict(subject="ILO COOP eNewsUpdate No. 36, December 2022", from_addr="ILO COOP <coop@example.org>",
                to_addr="Readers <readers@example.org>", date=DATE, message_id_seed="issue-2022-12", html=HTML, text=TEXT,
                list_unsubscribe_https="https://list.example.org/u/*|UNSUB|*",
                list_unsubscribe_mailto="mailto:leave@example.org?subject=*|EMAIL|*")
    args.update(overrides)
    return build_message(**args)


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_headers_and_multipart_alternative_text_first() -> None:
    msg = parse(build())
    assert msg["Subject"] == "ILO COOP eNewsUpdate No. 36, December 2022"
    assert msg["From"] == "ILO COOP <coop@example.org>"
    assert msg["To"] == "Readers <readers@example.org>"
    assert msg["Date"] == "Mon, 02 Jan 2023 09:30:00 +0100"
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "multipart/alternative"
    parts = list(msg.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert parts[0].get_content().replace("\r\n", "\n") == TEXT
    assert parts[1].get_content().replace("\r\n", "\n").rstrip("\n") == HTML
    assert msg["Message-ID"].startswith("<issue-2022-12.") and msg["Message-ID"].endswith("@example.org>")


def test_one_click_unsubscribe_headers_keep_merge_tags() -> None:
    msg = parse(build())
    assert " ".join(str(msg["List-Unsubscribe"]).split()) == (
        "<https://list.example.org/u/*|UNSUB|*>, <mailto:leave@example.org?subject=*|EMAIL|*>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mailto_only_has_no_one_click_header() -> None:
    msg = parse(build(list_unsubscribe_https=None))
    assert str(msg["List-Unsubscribe"]) == "<mailto:leave@example.org?subject=*|EMAIL|*>"
    assert msg["List-Unsubscribe-Post"] is None
    none = parse(build(list_unsubscribe_https=None, list_unsubscribe_mailto=None))
    assert none["List-Unsubscribe"] is None and none["List-Unsubscribe-Post"] is None


def test_no_line_over_998_and_seven_bit() -> None:
    data = build()
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 998
    assert all(byte < 128 for byte in data)
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF throughout


def test_same_inputs_same_bytes_and_stable_message_id() -> None:
    assert build() == build()
    other_day = parse(build(date=DATE + timedelta(days=3)))
    assert other_day["Message-ID"] == parse(build())["Message-ID"]  # the issue, not the run
    assert parse(build(message_id_seed="issue-2023-01"))["Message-ID"] != parse(build())["Message-ID"]


@pytest.mark.parametrize("subject", [
    "Coop\r\nBcc: victim@example.org", "Coop\nX-Injected: 1", "Coop\rX-Injected: 1",
    "Coop <script>alert(1)</script> & \"quotes\"",
])
def test_crlf_in_the_subject_never_makes_a_header(subject: str) -> None:
    data = build(subject=subject)
    msg = parse(data)
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg["Subject"] == " ".join(subject.split())
    header_block = data.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block and b"\r\nX-Injected" not in header_block


def test_non_ascii_subject_and_sender_are_encoded() -> None:
    data = build(subject="Coopératives — décembre 2022", from_addr="Unité COOP <coop@example.org>")
    msg = parse(data)
    assert msg["Subject"] == "Coopératives — décembre 2022"
    assert msg["From"].addresses[0].display_name == "Unité COOP"
    assert all(byte < 128 for byte in data)


def test_naive_date_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        build(date=datetime(2023, 1, 2, 9, 30))


# -- the one e-mail address check ---------------------------------------------------------------


@pytest.mark.parametrize(("value", "header", "bare"), [
    ("user@example.org", "user@example.org", "user@example.org"),
    ("  user@example.org  ", "user@example.org", "user@example.org"),
    ("Name <user@example.org>", "Name <user@example.org>", "user@example.org"),
    ("ILO Cooperatives Unit (COOP) <coop@example.org>", '"ILO Cooperatives Unit (COOP)" <coop@example.org>',
     "coop@example.org"),
    ("Unité COOP <coop@example.org>", "Unité COOP <coop@example.org>", "coop@example.org"),
    ("first.last+tag@sub.example.org", "first.last+tag@sub.example.org", "first.last+tag@sub.example.org"),
    ("news@localhost", "news@localhost", "news@localhost"),
])
def test_parse_address_accepts_one_address_with_or_without_a_name(value: str, header: str, bare: str) -> None:
    address = parse_address(value)
    assert (str(address), address.addr_spec) == (header, bare)


@pytest.mark.parametrize(("value", "reason"), [
    ("nobody", "has no @"),
    ("", "is empty"),
    ("@example.org", "has no local part before the @"),
    ("user@", "has no local part before the @"),
    ("user@-example.org", "has no proper domain after the @"),
    ("user@example..org", "has no proper domain after the @"),
    ("a b@example.org", "is malformed"),
    ("user@example.org\r\nBcc: victim@example.org", "holds a line break"),
    ("Name\n<user@example.org>", "holds a line break"),
    ("a@example.org, b@example.org", "holds more than one address"),
    ("a@example.org b@example.org", "holds more than one address"),
    ("Name <a@example.org> junk", "holds more than one address"),
    (3, "is not text"),
])
def test_parse_address_refuses_what_is_not_exactly_one_address(value: object, reason: str) -> None:
    with pytest.raises(AddressError) as caught:
        parse_address(value)
    assert caught.value.reason.startswith(reason)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith(f"{value!r} is not an e-mail address: it {reason}")


def test_headers_are_built_with_the_same_check() -> None:
    with pytest.raises(ConfigError, match=r"newsletter.from: 'nobody' is not an e-mail address: it has no @"):
        build(from_addr="nobody")
    with pytest.raises(ConfigError, match=r"newsletter.to: .* holds more than one address"):
        build(to_addr="a@example.org, b@example.org")
    folded = parse(build(from_addr="ILO\nCOOP <coop@example.org>"))  # a name from the site author, on one line
    assert folded["From"] == "ILO COOP <coop@example.org>"
