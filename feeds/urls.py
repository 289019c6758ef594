"""The one check and normaliser of URLs and IRIs, used by every source kind, the
config, the newsletter and the validator. Pure.

Every link feedletter writes is absolute (feed readers and mail clients have no base
of their own), so relative references are resolved against their page when read and
anything that still is not an absolute http(s) (or, where allowed, mailto:) address
is dropped."""

from __future__ import annotations

import functools
import re
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

from .sanitise import FORBIDDEN

WEB_SCHEMES = ("http", "https")
# schemes an output may carry without a host (ids, contact links, inline images)
_HOSTLESS_SCHEMES = ("mailto", "tel", "tag", "urn", "data")
_DROPPED = str.maketrans("", "", "\t\n\r")
# RFC 3987: the letters beyond ASCII an IRI holds as they are (ucschar)
_UCSCHAR = "\xa0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef" + "".join(
    f"{chr(plane << 16)}-{chr(plane << 16 | 0xFFFD)}" for plane in range(1, 15))
# what a path, query or fragment may not hold as written: anything but unreserved and
# reserved ASCII (no "#", "[" or "]" there), ucschar and %XX escapes
_UNSAFE_IN_TAIL = re.compile(f"%(?![0-9A-Fa-f]{{2}})|[^%A-Za-z0-9\\-._~:/?@!$&'()*+,;={_UCSCHAR}]")
_HOST = re.compile(f"[A-Za-z0-9\\-._~!$&'()*+,;={_UCSCHAR}]+|\\[[0-9A-Fa-f:.]+\\]")
_USER_INFO_CHARS = re.compile(f"(?:[A-Za-z0-9\\-._~!$&'()*+,;=:{_UCSCHAR}]|%[0-9A-Fa-f]{{2}})*")


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # a broken IPv6 literal: "https://[::1/"
        return None


def is_web_url(text: str) -> bool:
    """An absolute http(s) URL with a host: a location to fetch rather than a path."""
    parts = _split(text.strip())
    return parts is not None and parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def absolute_url(href: Any, base: str | None = None, *, mailto: bool = False) -> str | None:
    """`href` resolved against `base` when it is an absolute http(s) address with a valid
    host (or a mailto: one, when allowed), else None: javascript:, data:, blanks, bare
    paths, a host with a space. As browsers do, the ends are trimmed and tabs and line
    breaks dropped; then whatever an IRI may not hold as written (spaces, quotes, <>,
    a second #, a stray %) is percent-encoded, so every link written is a valid IRI.
    Characters XML 1.0 forbids are left to feeds.sanitise, which removes and reports
    them in every field of every source."""
    if not isinstance(href, str):
        return None
    return _resolved(href, base, mailto)


@functools.lru_cache(maxsize=4096)  # a page's links are read more than once (detection, then its selectors)
def _resolved(href: str, base: str | None, mailto: bool) -> str | None:
    href = href.strip().translate(_DROPPED)
    if not href:
        return None
    try:
        url = urljoin(base, href) if base else href
    except ValueError:  # a broken IPv6 literal
        return None
    parts = _split(url)
    if parts is None:
        return None
    scheme = parts.scheme.lower()
    if scheme in WEB_SCHEMES and parts.netloc and _valid_authority(parts.netloc):
        end = url.find("//" + parts.netloc) + 2 + len(parts.netloc)  # nothing before it holds "//"
        return url[:end] + _encoded_tail(url[end:])
    if mailto and scheme == "mailto" and parts.path:
        head, _, tail = url.partition(":")
        return head + ":" + _encoded_tail(tail)
    return None


def _encoded_tail(tail: str) -> str:
    """A path, query and fragment with what an IRI may not hold percent-encoded (the first
    "#" starts the fragment; any other is encoded too)."""
    before, hash_mark, fragment = tail.partition("#")
    return _UNSAFE_IN_TAIL.sub(_escape, before) + hash_mark + _UNSAFE_IN_TAIL.sub(_escape, fragment)


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    if FORBIDDEN.match(char):
        return char  # removed and reported by feeds.sanitise, with the item it came from
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))


def _valid_authority(netloc: str) -> bool:
    """`[user[:password]@]host[:port]` with a host a resolver could look up (no space,
    quote, backslash or %) and a port up to 65535."""
    user_info, at, host_port = netloc.rpartition("@")
    if at and not _USER_INFO_CHARS.fullmatch(user_info):
        return False
    host, colon, port = host_port.rpartition(":")
    if not colon or host_port.endswith("]"):  # no port; an IPv6 literal has colons of its own
        host, port = host_port, ""
    if port and not (port.isascii() and port.isdigit() and int(port) <= 65535):
        return False
    return bool(_HOST.fullmatch(host))


def iri_fault(text: str) -> str | None:
    """What keeps `text` from being an IRI as written (RFC 3987), or None: a character it
    must percent-encode (a space, a quote, a line break, ...), a "%" that starts no escape,
    a host that is no host."""
    parts = _split(text)
    if parts is None:
        return "has a broken [IPv6] host"
    if parts.netloc and not _valid_authority(parts.netloc):
        return f"has a host that is not one ({parts.netloc!r})"
    start = len(parts.scheme) + 1 if parts.scheme else 0
    if parts.netloc:
        start = text.find("//" + parts.netloc) + 2 + len(parts.netloc)
    before, _, fragment = text[start:].partition("#")
    for part in (before, fragment):
        unsafe = _UNSAFE_IN_TAIL.search(part) or FORBIDDEN.search(part)
        if unsafe:
            char = unsafe[0]
            return "holds a '%' that starts no %XX escape" if char == "%" else f"holds {char!r}, which must be percent-encoded"
    return None


def is_absolute(url: str | None) -> bool:
    """What an output may carry as a link or id: an absolute http(s) URL with a host,
    or a URI of a scheme that needs none (tag:, mailto:, urn:, ...)."""
    if not url:
        return False
    parts = _split(url.strip())
    if parts is None:
        return False
    if parts.scheme in WEB_SCHEMES:
        return bool(parts.netloc)
    return parts.scheme in _HOSTLESS_SCHEMES


# the scheme (if any), `//`, then the authority up to its last `@`: the user information
_USER_INFO = re.compile(r"^(\s*(?:[A-Za-z][A-Za-z0-9+.-]*:)?//)[^/?#]*@")


def redacted(url: str) -> str:
    """`url` fit to show or to keep: without the `user:password@` it may carry."""
    return _USER_INFO.sub(r"\1", url)


def with_credentials_of(url: str, original: str) -> str:
    """`url` (kept redacted) with the `user:password@` of `original` when both name the
    same host and port: a source that moved within its site keeps its login, and no
    other host is ever sent it."""
    login = _USER_INFO.match(original)
    if login is None or _USER_INFO.match(url):
        return url
    before, after = urlsplit(original), urlsplit(url)
    if (before.hostname, before.port) != (after.hostname, after.port):
        return url
    user_info = login.group(0)[len(login.group(1)):]
    return url.replace("//", "//" + user_info, 1)
