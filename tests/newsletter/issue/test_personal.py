"""One message per subscriber from the package, rendered once: each link filled in and
escaped for where it stands, and nothing else of the package changed."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from newsletter.errors import RenderError
from newsletter.issue.mail import build_message
from newsletter.issue.personal import MessageTemplate, fill

LINK = "https://news.example.org/leave?list=a&b&t={token}&e={email}"
MAILTO = "mailto:leave@news.example.org?subject=leave%20{email}"


def package(html_link: str, text_link: str) -> bytes:
    return build_message(
        subject="News, January 2023", from_addr="News <news@example.org>", date=datetime(2023, 2, 1, tzinfo=UTC),
        message_id_seed="issue-2023-01",
        html=f'<html lang="en"><body><p>Caf\u00e9 news</p><a href="{html_link}">Unsubscribe</a> '
             f"<p>An item about {{token}} in its own words</p></body></html>",
        text=f"Caf\u00e9 news\n\nUnsubscribe: {text_link}\n",
        list_unsubscribe_https=LINK, list_unsubscribe_mailto=MAILTO, list_id='"News" <news.news.example.org>')


def test_fill_percent_encodes_the_address_and_keeps_the_token():
    assert fill(LINK, token="Ab-_9", email="o'neil+news@example.org") == (
        "https://news.example.org/leave?list=a&b&t=Ab-_9&e=o%27neil%2Bnews%40example.org")


def test_each_link_is_filled_where_it_stands_and_escaped_for_it():
    escaped = LINK.replace("&", "&amp;")  # as the template's autoescaping wrote it
    template = MessageTemplate(package(escaped, LINK), [LINK, MAILTO])
    data = template.message(message_id="<2023-01.x@example.org>", to="Ann O'Neil <o'neil+news@example.org>",
                            token="TOKEN-1", email="o'neil+news@example.org")
    message = message_from_bytes(data, policy=policy.default)
    assert not message.defects and all(not part.defects for part in message.walk())
    filled = "https://news.example.org/leave?list=a&b&t=TOKEN-1&e=o%27neil%2Bnews%40example.org"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert f'<a href="{filled.replace("&", "&amp;").replace(chr(39), "&#39;")}">Unsubscribe</a>' in html
    assert f"Unsubscribe: {filled}\n" in text
    assert "about {token} in its own words" in html  # an item's own text is not a link: left alone
    assert "Caf\u00e9 news" in html and "Caf\u00e9 news" in text
    assert str(message["List-Unsubscribe"]) == (
        f"<{filled}>, <mailto:leave@news.example.org?subject=leave%20o%27neil%2Bnews%40example.org>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["To"].addresses[0].addr_spec == "o'neil+news@example.org"
    assert (message["Message-ID"], message["List-Id"], message["Subject"]) == (
        "<2023-01.x@example.org>", '"News" <news.news.example.org>', "News, January 2023")
    head, _, body = data.partition(b"\r\n\r\n")
    assert max(len(line) for line in head.split(b"\r\n")) <= 998  # a long link cannot be folded (RFC 5322 2.1.1)
    assert max(len(line) for line in body.split(b"\r\n")) <= 76  # quoted-printable lines (RFC 2045 6.7)


def test_a_template_without_personal_links_keeps_the_package_as_it_is():
    original = package("https://news.example.org/u", "https://news.example.org/u")
    template = MessageTemplate(original, [])
    copy = message_from_bytes(template.message(message_id="<test.1@example.org>"), policy=policy.default)
    source = message_from_bytes(original, policy=policy.default)
    assert copy["Message-ID"] == "<test.1@example.org>" != source["Message-ID"]
    for part in ("plain", "html"):
        assert copy.get_body((part,)).get_content() == source.get_body((part,)).get_content()
    assert copy["To"] is None and copy["List-Unsubscribe"].strip() == source["List-Unsubscribe"].strip()


def test_a_file_that_is_not_a_package_is_one_line():
    with pytest.raises(RenderError, match="not a multipart/alternative message"):
        MessageTemplate(b"Subject: x\r\n\r\nhello\r\n")
