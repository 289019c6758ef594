"""The e-mail package: a multipart/alternative message (text, then HTML) as deterministic bytes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses
from urllib.parse import urlsplit

from feeds.sanitise import strip as strip_forbidden

from ..errors import AddressError, ConfigError

# CRLF line ends, 7-bit safe bodies (quoted-printable/base64 chosen by the email package, so no
# line exceeds 998 characters whatever the HTML looks like), headers folded at 78.
POLICY = SMTP.clone(cte_type="7bit")


def one_line(value: str) -> str:
    """Header text on one line: CR, LF and every other run of whitespace become one space;
    control characters (those XML 1.0 forbids) are removed."""
    return " ".join(strip_forbidden(str(value)).split())


# Dot-separated labels of letters, digits and inner hyphens (IDN labels keep their letters).
# A dot-atom local part whose atoms may hold letters beyond ASCII (RFC 6531 3.3).
_UTF8_LOCAL = re.compile(r"[^\x00-\x20()<>\[\]:;@\\,.\"\x7f]+(?:\.[^\x00-\x20()<>\[\]:;@\\,.\"\x7f]+)*")
_DOMAIN = re.compile(r"[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*")


def parse_address(value: object) -> Address:
    """The one e-mail address check: `Name <user@example.org>` or `user@example.org`, as an Address
    (`str()` of it is header-ready, `.addr_spec` the bare address). Raises AddressError for
    anything else: no local part or domain, a line break, several addresses in one string."""
    if not isinstance(value, str):
        raise AddressError(value, "is not text")
    text = value.strip()
    if not text:
        raise AddressError(value, "is empty")
    if "\r" in text or "\n" in text:
        raise AddressError(value, "holds a line break")
    if "@" not in text:
        raise AddressError(value, "has no @")
    parsed = getaddresses([text])
    if len(parsed) != 1:
        raise AddressError(value, "holds more than one address")
    name, addr_spec = parsed[0]
    local, at, domain = addr_spec.rpartition("@")
    if not at or not local:
        raise AddressError(value, "has no local part before the @")
    if not _DOMAIN.fullmatch(domain):
        raise AddressError(value, "has no proper domain after the @")
    if not local.isascii():  # RFC 6531: letters beyond ASCII, sent with SMTPUTF8; the email package's
        if not _UTF8_LOCAL.fullmatch(local):  # grammar refuses them, so they are checked here
            raise AddressError(value, "has a malformed local part before the @")
        return Address(display_name=name, username=local, domain=domain)
    try:
        return Address(display_name=name, addr_spec=addr_spec)
    except (ValueError, IndexError) as error:  # the email package's own grammar check
        raise AddressError(value, f"is malformed: {error}") from None


def _header_address(value: str, what: str) -> str:
    # Folded onto one line first: a display name may come from the site author's name.
    try:
        return str(parse_address(one_line(value)))
    except AddressError as error:
        raise ConfigError(f"newsletter.{what}: {error}") from None


def _domain(from_addr: str) -> str:
    addr = getaddresses([from_addr])[0][1]
    domain = addr.rpartition("@")[2].strip().lower()
    return re.sub(r"[^a-z0-9.\-]", "", domain) or "localhost"


def message_id(seed: str, from_addr: str) -> str:
    digest = hashlib.sha256(f"{seed}\n{from_addr}".encode()).hexdigest()[:16]
    local = re.sub(r"[^A-Za-z0-9.\-]", "-", one_line(seed)).strip("-.") or "issue"
    return f"<{local}.{digest}@{_domain(from_addr)}>"


def list_id(title: str, base_url: str) -> str:
    """The List-Id (RFC 2919) of a newsletter: its title, then `<title-slug.host>`, a label
    that stays the same from issue to issue so that filters and receivers recognise the list."""
    host = (urlsplit(base_url).hostname or "localhost").encode("idna").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower())
    label = f"{slug.strip('-') or 'newsletter'}.{host}"
    name = one_line(title)
    if name.isascii():
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{label}>"


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
    list_id: str | None = None,
) -> bytes:
    """A complete .eml: Subject, From, [To], Date, Message-ID, List-Unsubscribe(-Post), [List-Id], MIME-Version,
    multipart/alternative with the text part first. Same inputs, same bytes."""
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("build_message needs an aware datetime for Date")
    sender = _header_address(from_addr, "from")
    subject = one_line(subject)
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = subject
    msg["From"] = sender
    if to_addr:
        msg["To"] = _header_address(to_addr, "to")
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
    if list_id:
        msg["List-Id"] = list_id
    msg["MIME-Version"] = "1.0"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    boundary = "=_" + hashlib.sha256(f"{message_id_seed}\n{subject}".encode()).hexdigest()[:32]
    msg.set_boundary(boundary)
    return msg.as_bytes(policy=POLICY)
