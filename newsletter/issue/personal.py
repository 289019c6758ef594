"""One message per subscriber from the issue's package, rendered once. Pure.

The package (`build_message`'s bytes) is taken apart once: its shared headers are kept
as written, its text and HTML parts are cut around each personal link (a link holding
`{token}` or `{email}`). A subscriber's message is then the shared headers, its own
To, Message-ID and List-Unsubscribe, and the parts with the filled-in links, each part
quoted-printable encoded by binascii: no template and no MJML run per message.

A filled-in link is escaped for where it goes: as the template wrote it into the HTML
(attribute text, `&` as `&amp;`), as is into the text part, and in angle brackets into
List-Unsubscribe. The token is url-safe base64 and `{email}` is percent-encoded, so
neither can break out of a link, and each message holds one subscriber's values only.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from urllib.parse import quote

from markupsafe import escape

from ..errors import RenderError
from .mail import POLICY

# rebuilt for each message; every other header of the package is kept byte for byte
_OWN_HEADERS = (b"to", b"message-id", b"list-unsubscribe", b"list-unsubscribe-post", b"mime-version", b"content-type")
_UTF8_POLICY = POLICY.clone(utf8=True)
_LINE_END = re.compile(r"\r\n|\r|\n")
_URI_SAFE = "!#$%&'()*+,-./:;=?@[]^_`{|}~"  # printable ASCII but for <, >, ", backslash and space: merge tags stay


def fill(link: str, *, token: str, email: str) -> str:
    """A personal link for one subscriber: `{token}` as is (url-safe), `{email}` percent-encoded."""
    return link.replace("{token}", token).replace("{email}", quote(email, safe=""))


class MessageTemplate:
    """The package of an issue, ready to be personalised. `links` are the personal links
    (unsubscribe_url, unsubscribe_mailto, preferences_url) as the config writes them."""

    def __init__(self, package: bytes, links: Sequence[str] = ()):
        head, separator, _body = package.partition(b"\r\n\r\n")
        message = message_from_bytes(package, policy=email_policy.default)
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        boundary = message.get_boundary()
        if not separator or message.get_content_type() != "multipart/alternative" or None in (text, html, boundary):
            raise RenderError("the e-mail package is not a multipart/alternative message with a text and an HTML "
                              "part; write it again with 'feedletter newsletter'")
        assert text is not None and html is not None  # for mypy: checked above
        self.links = tuple(link for link in links if link)
        self._shared = b"".join(line for line in _header_fields(head) if _name(line) not in _OWN_HEADERS)
        self._mime = b"".join(line for line in _header_fields(head) if _name(line) in (b"mime-version", b"content-type"))
        self.to = str(message.get("To", ""))
        self.sender = str(message.get("From", ""))
        self.message_id = str(message.get("Message-ID", ""))
        self._unsubscribe = [uri.strip().strip("<>") for uri in str(message.get("List-Unsubscribe", "")).split(",")
                             if uri.strip()]
        self._one_click = message.get("List-Unsubscribe-Post") is not None
        self._boundary = f"--{boundary}".encode("ascii")
        self._text = _cut(_crlf(text.get_content()), self.links)
        self._html = _cut(_crlf(html.get_content()), [str(escape(link)) for link in self.links])

    @property
    def personal(self) -> bool:
        return bool(self.links)

    def message(self, *, message_id: str, to: str | None = None, token: str = "", email: str = "",
                utf8: bool = False) -> bytes:
        """The message for one recipient: `to` its To header (None: the package's), its own
        Message-ID, and the personal links filled with `token` and `email`. `utf8`: the
        headers may hold UTF-8 as is (the server offers SMTPUTF8)."""
        filled = [fill(link, token=token, email=email) for link in self.links]
        headers = _to_field(to or self.to, utf8=utf8) + f"Message-ID: {message_id}\r\n".encode("ascii")
        if self._unsubscribe:
            headers += _list_unsubscribe(self._unsubscribe, dict(zip(self.links, filled)), self._one_click)
        text = _join(self._text, filled)
        html = _join(self._html, [str(escape(link)) for link in filled])
        return b"".join((
            self._shared, headers, self._mime, b"\r\n",
            self._boundary, b'\r\nContent-Type: text/plain; charset="utf-8"\r\n'
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n", _quoted_printable(text), b"\r\n",
            self._boundary, b'\r\nContent-Type: text/html; charset="utf-8"\r\n'
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n", _quoted_printable(html), b"\r\n",
            self._boundary, b"--\r\n",
        ))


def _to_field(to: str, *, utf8: bool) -> bytes:
    """The To field: an ASCII address as written (the caller gives it header-ready), else
    through the email package, which encodes a name beyond ASCII (RFC 2047) or, with
    `utf8`, keeps it as UTF-8 (RFC 6532)."""
    if not to:
        return b""
    if to.isascii() and len(to) < 900:
        return f"To: {to}\r\n".encode("ascii")
    own = EmailMessage(policy=_UTF8_POLICY if utf8 else POLICY)
    own["To"] = to
    return own.as_bytes(policy=own.policy).removesuffix(b"\r\n")


def _list_unsubscribe(uris: list[str], filled: dict[str, str], one_click: bool) -> bytes:
    """List-Unsubscribe with each URI in angle brackets on a line of its own (RFC 2369 folds only
    between them), in ASCII: letters beyond it, spaces and brackets in a link are percent-encoded."""
    written = [quote(filled.get(uri, uri), safe=_URI_SAFE) for uri in uris]
    field = b"List-Unsubscribe: " + b",\r\n ".join(f"<{uri}>".encode("ascii") for uri in written) + b"\r\n"
    return field + (b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" if one_click else b"")


def _header_fields(head: bytes) -> list[bytes]:
    """The header block as whole fields (continuation lines kept with their field), each ending in CRLF."""
    fields: list[bytes] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line + b"\r\n"
        elif line:
            fields.append(line + b"\r\n")
    return fields


def _name(field: bytes) -> bytes:
    return field.partition(b":")[0].strip().lower()


def _crlf(text: str) -> str:
    return _LINE_END.sub("\r\n", text)


def _cut(text: str, links: Sequence[str]) -> list[str | int]:
    """`text` as literal pieces and the indexes of the links found in it, in order."""
    if not links:
        return [text]
    pattern = re.compile("|".join(re.escape(link) for link in sorted(set(links), key=len, reverse=True)))
    index = {link: number for number, link in reversed(list(enumerate(links)))}
    pieces: list[str | int] = []
    last = 0
    for found in pattern.finditer(text):
        pieces += [text[last:found.start()], index[found.group(0)]]
        last = found.end()
    pieces.append(text[last:])
    return pieces


def _join(pieces: Sequence[str | int], values: Sequence[str]) -> str:
    return "".join(piece if isinstance(piece, str) else values[piece] for piece in pieces)


def _quoted_printable(text: str) -> bytes:
    return binascii.b2a_qp(text.encode("utf-8"), istext=True)

