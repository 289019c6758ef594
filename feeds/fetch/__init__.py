"""The edge that reads sources: local files and HTTP(S) with conditional GET.

Redirects are followed by hand up to a bound (http/https only, loops stopped, and from
a public address never to a private one); where permanent ones (301, 308) from the
start lead is reported, so the caller can fetch from there next time. A size limit is
checked as bytes arrive; an answer shorter than it said is an error; an honest
User-Agent; If-None-Match / If-Modified-Since from the validators kept in the archive:
a 304 is reported as not modified and costs no parsing. 410 Gone and a Retry-After on
429/503 are errors of their own kinds (SourceGone, SourceBusy), for the caller to
remember. A `user:password@` in a URL is sent (Basic) to that URL's host only, and never
shown: every message and every `Fetched.location` carries the URL redacted.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

from ..errors import SourceError
from ..urls import is_web_url, redacted
from .addresses import Resolver, target_of
from .files import read_file
from .http import Connector, Plan, Redirect, get_with_retries
from .values import BACKOFF, MAX_BYTES, MAX_REDIRECTS, RETRIES, TIMEOUT, Fetched, Validators

__all__ = ["MAX_BYTES", "TIMEOUT", "Connector", "Fetched", "Resolver", "Validators", "fetch", "read_file"]


def fetch(
    location: str | Path,
    validators: Validators | None = None,
    *,
    user_agent: str = "feedletter",
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    resolve: Resolver = socket.getaddrinfo,
    connect: Connector = socket.create_connection,
    public_only: bool = False,
) -> Fetched:
    """Read a file or URL. Raises SourceError with a one-line reason on failure.

    `resolve` finds a host's addresses; they are checked and then they alone are
    connected to through `connect` (no second lookup a DNS answer could change).
    `public_only`: no private address at all, not even the first (a URL that came from
    a source on a public address, such as an item's page)."""
    text = str(location)
    if not is_web_url(text):
        return read_file(Path(text), max_bytes)
    plan = Plan(validators, user_agent, timeout, retries, backoff, max_bytes, connect)
    url = text
    seen = [url]
    moved_to: str | None = None
    permanent = True  # every hop so far was a permanent redirect
    source = target_of(url, resolve)
    target = source
    for _ in range(max_redirects + 1):
        if target.private_address and public_only:
            raise SourceError(f"{target.shown}: on a private address ({target.private_address}); refused, "
                              "as it comes from a source on a public one")
        if target.private_address and not source.private_address:
            raise SourceError(f"{source.shown}: redirected to {target.shown}, a private address "
                              f"({target.private_address}); refused, as the source is on a public one")
        answer = get_with_retries(target, plan)
        if isinstance(answer, Fetched):
            return replace(answer, moved_to=moved_to)
        following = _following(url, answer, target.shown)
        if following in seen:
            chain = " -> ".join(redacted(hop) for hop in [*seen, following])
            raise SourceError(f"{source.shown}: redirect loop ({chain})")
        seen.append(following)
        permanent = permanent and answer.permanent
        if permanent:
            moved_to = following
        url = following
        target = target_of(url, resolve)
    raise SourceError(f"{source.shown}: more than {max_redirects} redirects; last was {target.shown}")


def _following(url: str, redirect: Redirect, shown: str) -> str:
    try:
        following = urljoin(url, redirect.location)
    except ValueError:  # a broken IPv6 literal: refused as it is, just below
        following = redirect.location
    if not is_web_url(following):
        raise SourceError(f"{shown}: redirected to {redacted(following)!r}, which is not an http(s) URL")
    return following
