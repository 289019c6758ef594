"""The unsubscribe page: a WSGI application for the links of `[newsletter] unsubscribe_url`.

- `POST` (RFC 8058 one-click, `List-Unsubscribe=One-Click`, or the confirm page's
  button): checks the token and records the unsubscribe in the archive; idempotent.
- `GET` / `HEAD` (the footer link): a page with a button that POSTs, so that a link
  checker or a mail scanner opening the link unsubscribes nobody.

The link is matched against the configured URL, so `{token}` (and `{email}`) may be in
the path or the query; mounted under a prefix, or behind a proxy that strips one, the
path still matches by its end. No answer says whether an address is subscribed: a
valid link always gets the same pages, an invalid one the same "not valid" page.

`feedletter unsubscribe-server` runs it with wsgiref for small sites. Any WSGI server can
mount `newsletter.app.unsubscribe:application` (the config from FEEDLETTER_CONFIG), or
the application `make_app("/path/to/feedletter.toml")` returns.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from feeds.archive import Archive
from feeds.errors import FeedletterError

from ..errors import AddressError, ConfigError
from .config import Settings, config_path, load_settings
from .subscribers import Subscribers, normalise

MAX_BODY = 64 * 1024
_TOKEN = r"(?P<token>[A-Za-z0-9_-]{16,64})"
_EMAIL = r"(?P<email>[^/?#]{3,320})"
_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Robots-Tag", "noindex"),
    ("Referrer-Policy", "no-referrer"),  # the URL holds the token: it must not travel on in a Referer
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
]
StartResponse = Callable[..., object]


class LinkPattern:
    """Where {token} and {email} are in the configured link, as regular expressions. In the
    path, only its end from the first placeholder on must match: whatever prefix the app is
    mounted under, or a proxy strips, the token is found."""

    def __init__(self, link: str):
        if "{token}" not in link:
            raise ConfigError("[newsletter] unsubscribe_url holds no {token}: the unsubscribe server can only tell "
                              'a real link by its token, such as "https://news.example.org/unsubscribe/{token}"')
        parts = urlsplit(link)
        segments = unquote(parts.path).split("/")
        first = next((i for i, segment in enumerate(segments) if "{" in segment), None)
        self._path = None if first is None else re.compile(r"(?:.*/)?" + _regex("/".join(segments[first:])))
        self._query = {name: re.compile(_regex(values[0])) for name, values in parse_qs(parts.query).items()
                       if "{" in values[0]}

    def match(self, path: str, query: str) -> dict[str, str] | None:
        """{"token": …, "email": …} (those the link holds) for a request of this link, else None."""
        hits = [self._path.fullmatch(path) if self._path else None]
        if self._path and hits[0] is None:
            return None
        params = parse_qs(query)
        for name, pattern in self._query.items():
            hit = pattern.fullmatch(params.get(name, [""])[0])
            if hit is None:
                return None
            hits.append(hit)
        found = {key: value for hit in hits if hit for key, value in hit.groupdict().items() if value}
        return found if "token" in found else None


def _regex(template: str) -> str:
    escaped = re.escape(template)
    return escaped.replace(re.escape("{token}"), _TOKEN, 1).replace(re.escape("{email}"), _EMAIL, 1)


class UnsubscribeApp:
    def __init__(self, settings: Settings):
        from ..issue.render import make_environment

        self.settings = settings
        self.pattern = LinkPattern(settings.newsletter.unsubscribe_url)
        self._templates = make_environment(settings.templates)

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "HEAD", "POST"):
            return self._answer(start_response, "405 Method Not Allowed", "invalid", extra=[("Allow", "GET, HEAD, POST")])
        raw_path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1", "replace")
        found = self.pattern.match(raw_path.decode("utf-8", "replace"), environ.get("QUERY_STRING", ""))
        if method == "POST":
            _read_body(environ)  # RFC 8058: "List-Unsubscribe=One-Click"; any POST of a valid link leaves
        try:
            address = self._address(found) if found else None
            if address is not None and method == "POST":
                with Archive.open(self.settings.archive, create=False, wait=self.settings.lock_wait) as archive:
                    Subscribers(archive).unsubscribe(address, now=_now(), origin="unsubscribe link")
        except FeedletterError:
            return self._answer(start_response, "503 Service Unavailable", "busy", method=method,
                                extra=[("Retry-After", "60")])
        if address is None:
            return self._answer(start_response, "404 Not Found", "invalid", method=method)
        return self._answer(start_response, "200 OK", "done" if method == "POST" else "confirm", method=method)

    def _address(self, found: dict[str, str]) -> str | None:
        """The normalised address a link stands for, or None when its token does not check out."""
        with Archive.open(self.settings.archive, create=False, wait=self.settings.lock_wait) as archive:
            subscribers = Subscribers(archive)
            if "email" in found:
                try:
                    address = normalise(unquote(found["email"]))
                except AddressError:
                    return None
                return address if subscribers.check_token(address, found["token"]) else None
            subscriber = subscribers.by_token(found["token"])
            return subscriber.address if subscriber else None

    def _answer(self, start_response: StartResponse, status: str, state: str, *, method: str = "GET",
                extra: list[tuple[str, str]] | None = None) -> list[bytes]:
        body = self.page(state)
        start_response(status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                                *_HEADERS, *(extra or [])])
        return [] if method == "HEAD" else [body]

    def page(self, state: str) -> bytes:
        from ..issue.render import render_page

        news, meta = self.settings.newsletter, self.settings.meta
        colors = news.colors
        return render_page(self._templates, "unsubscribe/page.html.j2", {
            "state": state, "lang": meta.language or "en", "newsletter_title": news.title,
            "archive_url": news.footer.archive_url or meta.base_url, "font_family": news.font_family,
            "colors": {name: getattr(colors, name) for name in ("background", "text", "body_background",
                                                               "masthead_background", "masthead_text", "link")},
        }).encode("utf-8")


def make_app(config: str | Path | None = None) -> UnsubscribeApp:
    """The application for a config file (default: FEEDLETTER_CONFIG, else ./feedletter.toml)."""
    return UnsubscribeApp(load_settings(config_path(str(config) if config else None)))


def application(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
    """For WSGI servers: the config is read from FEEDLETTER_CONFIG once, at the first request."""
    global _application
    if _application is None:
        _application = make_app(os.environ.get("FEEDLETTER_CONFIG"))
    return _application(environ, start_response)


_application: UnsubscribeApp | None = None


def _read_body(environ: dict) -> bytes:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)
