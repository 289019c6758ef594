"""The e-mail package: a multipart/alternative message (text, then HTML) as deterministic bytes."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses

from feeds.errors import ConfigError
from feeds.sanitise import strip as strip_forbidden

# CRLF line ends, 7-bit safe bodies (quoted-printable/base64 chosen by the email package, so no
# line exceeds 998 characters whatever the HTML looks like), headers folded at 78.
POLICY = SMTP.clone(cte_type="7bit")


def one_line(value: str) -> str:
    """Header text on one line: CR, LF and every other run of whitespace become one space;
    control characters (those XML 1.0 forbids) are removed."""
    return " ".join(strip_forbidden(str(value)).split())


def _address(value: str, what: str) -> str:
    value = one_line(value)
    parsed = getaddresses([value])
    if len(parsed) != 1 or "@" not in parsed[0][1]:
        raise ConfigError(f"newsletter.{what}: not an e-mail address: {value!r}")
    name, addr = parsed[0]
    local, _, domain = addr.rpartition("@")
    try:
        return str(Address(display_name=name, username=local, domain=domain))
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"newsletter.{what}: not an e-mail address: {value!r}") from exc


def _domain(from_addr: str) -> str:
    addr = getaddresses([from_addr])[0][1]
    domain = addr.rpartition("@")[2].strip().lower()
    return re.sub(r"[^a-z0-9.\-]", "", domain) or "localhost"


def message_id(seed: str, from_addr: str) -> str:
    digest = hashlib.sha256(f"{seed}\n{from_addr}".encode()).hexdigest()[:16]
    local = re.sub(r"[^A-Za-z0-9.\-]", "-", one_line(seed)).strip("-.") or "issue"
    return f"<{local}.{digest}@{_domain(from_addr)}>"


def _unsubscribe_uri(value: str) -> str:
    # Angle brackets delimit the URIs; spaces or brackets inside would break the header.
    return re.sub(r"[\s<>]", "", value)


def build_message(
    *,
    subject: str,
    from_addr: str,
    to_addr: str | None = None,
    date: datetime,
    message_id_seed: str,
    html: str,
    text: str,
    list_unsubscribe_https: str | None = None,
    list_unsubscribe_mailto: str | None = None,
) -> bytes:
    """A complete .eml: Subject, From, [To], Date, Message-ID, List-Unsubscribe(-Post), MIME-Version,
    multipart/alternative with the text part first. Same inputs, same bytes."""
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("build_message needs an aware datetime for Date")
    sender = _address(from_addr, "from")
    subject = one_line(subject)
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = subject
    msg["From"] = sender
    if to_addr:
        msg["To"] = _address(to_addr, "to")
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id(message_id_seed, sender)
    uris = []
    if list_unsubscribe_https:
        uris.append(f"<{_unsubscribe_uri(list_unsubscribe_https)}>")
    if list_unsubscribe_mailto:
        uris.append(f"<{_unsubscribe_uri(list_unsubscribe_mailto)}>")
    if uris:
        msg["List-Unsubscribe"] = ", ".join(uris)
    if list_unsubscribe_https:
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["MIME-Version"] = "1.0"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    boundary = "=_" + hashlib.sha256(f"{message_id_seed}\n{subject}".encode()).hexdigest()[:32]
    msg.set_boundary(boundary)
    return msg.as_bytes(policy=POLICY)
