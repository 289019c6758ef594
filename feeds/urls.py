"""The one check and normaliser of URLs and IRIs, used by every source kind, the
config, the newsletter and the validator. Pure.

Every link feedletter writes is absolute (feed readers and mail clients have no base
of their own), so relative references are resolved against their page when read and
anything that still is not an absolute http(s) (or, where allowed, mailto:) address
is dropped."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

WEB_SCHEMES = ("http", "https")
# schemes an output may carry without a host (ids, contact links, inline images)
_HOSTLESS_SCHEMES = ("mailto", "tel", "tag", "urn", "data")
_DROPPED = str.maketrans("", "", "\t\n\r")


def is_web_url(text: str) -> bool:
    """An absolute http(s) URL with a host: a location to fetch rather than a path."""
    parts = urlsplit(text.strip())
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.hostname)


def absolute_url(href: Any, base: str | None = None, *, mailto: bool = False) -> str | None:
    """`href` resolved against `base` when it is an absolute http(s) address (or a
    mailto: one, when allowed), else None: javascript:, data:, blanks, bare paths.
    As browsers do, the ends are trimmed, tabs and line breaks dropped and spaces
    inside encoded."""
    if not isinstance(href, str):
        return None
    href = href.strip().translate(_DROPPED).replace(" ", "%20")
    if not href:
        return None
    url = urljoin(base, href) if base else href
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in WEB_SCHEMES and parts.netloc:
        return url
    if mailto and scheme == "mailto" and parts.path:
        return url
    return None


def is_absolute(url: str | None) -> bool:
    """What an output may carry as a link or id: an absolute http(s) URL with a host,
    or a URI of a scheme that needs none (tag:, mailto:, urn:, ...)."""
    if not url:
        return False
    parts = urlsplit(url.strip())
    if parts.scheme in WEB_SCHEMES:
        return bool(parts.netloc)
    return parts.scheme in _HOSTLESS_SCHEMES
