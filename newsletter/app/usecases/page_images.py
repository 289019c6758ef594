"""`images = "page"` on a source: an item that comes without a picture takes the one its
own page names for link previews (og:image, else twitter:image). Each page is fetched
once, ever: its answer (a picture, none, or why it could not be read) is kept in the
journal and applied every time the source is read again, so the item's content, and
with it its feeds, stay the same from run to run. Pages are fetched as sources are: the
same fetch edge, time and size limits, `fetch_concurrency` at a time. A source on a
public address cannot send us to a private one: its items' pages are fetched only
from public addresses (a hostile feed must not make feedletter probe its own network)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from feeds.errors import FeedletterError, SourceError
from feeds.model import ParseResult, Problem
from feeds.urls import redacted

from ..config import Settings
from ..config.sources import SourceConfig
from ..image_records import PageAnswer
from ..journal import Journal


def add_page_images(settings: Settings, journal: Journal, batches: Sequence[tuple[SourceConfig, ParseResult]], *,
                    agent: str, now: datetime) -> list[ParseResult]:
    """Each result, its items without a picture given their page's when the source asks
    for it; a page that could not be read is a problem, told the one time it is fetched."""
    wanted: dict[str, SourceConfig] = {}
    for source, result in batches:
        if source.images == "page":
            for item in result.items:
                if item.image is None and item.url:
                    wanted.setdefault(item.url, source)
    if not wanted:
        return [result for _, result in batches]
    known = journal.page_answers(list(wanted))
    fetched = _fetch_pages({page: source for page, source in wanted.items() if page not in known},
                           agent=agent, concurrency=settings.fetch_concurrency)
    if fetched:
        journal.remember_page_answers(fetched, now=now)
    answers = {**known, **fetched}
    return [_applied(result, answers, fetched) if source.images == "page" else result for source, result in batches]


def _applied(result: ParseResult, answers: dict[str, PageAnswer], fetched: dict[str, PageAnswer]) -> ParseResult:
    items, problems = [], list(result.problems)
    for item in result.items:
        answer = answers.get(item.url) if item.image is None and item.url else None
        if answer is not None and answer.image is not None:
            item = replace(item, image=answer.image)
        elif answer is not None and answer.error and item.url in fetched:
            problems.append(Problem(result.source, item.line, f"item {item.title!r}: no picture from its page "
                                                              f"({answer.error}); the page is not fetched again"))
        items.append(item)
    return replace(result, items=tuple(items), problems=tuple(problems))


def _fetch_pages(pages: dict[str, SourceConfig], *, agent: str, concurrency: int) -> dict[str, PageAnswer]:
    """Page -> its answer, fetched `concurrency` at a time with its source's time limit."""
    from feeds.fetch import TIMEOUT, fetch
    from feeds.opengraph import page_picture

    def read(page: str) -> PageAnswer:
        try:
            source = pages[page]
            resolve = socket.getaddrinfo if _private_source(source) else _public_only(page)
            fetched = fetch(page, user_agent=agent, timeout=source.timeout or TIMEOUT, resolve=resolve)
            return PageAnswer(page_picture(fetched.data or b"", fetched.location, charset=fetched.charset))
        except FeedletterError as error:
            return PageAnswer(error=str(error))
        except Exception as error:  # a reader bug must not stop the run
            return PageAnswer(error=f"unexpected {type(error).__name__}: {error}")

    if not pages:
        return {}
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return dict(zip(pages, pool.map(read, pages)))


def _private_source(source: SourceConfig) -> bool:
    """A local file, or a URL on a private address (an intranet): its pages may be private too."""
    if not source.is_url:
        return True
    host = urlsplit(source.location).hostname or ""
    try:
        return any(not _public(address) for address in _addresses(host))
    except (OSError, UnicodeError, ValueError):
        return False


def _addresses(host: str) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return [str(entry[4][0]) for entry in socket.getaddrinfo(host, None, 0, socket.SOCK_STREAM)]


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global


def _public_only(page: str):
    """A resolver for the fetch edge that refuses a page on a private address (an
    address written in the URL is checked here, as the edge looks up names only)."""
    shown = redacted(page)
    host = urlsplit(page).hostname or ""

    def refuse(address: str) -> SourceError:
        return SourceError(f"{shown}: on a private address ({address}); not fetched for a source on a public one")

    try:
        literal = str(ipaddress.ip_address(host))
    except ValueError:
        literal = None
    if literal is not None and not _public(literal):
        raise refuse(literal)

    def resolve(name, port, *args):
        found = socket.getaddrinfo(name, port, *args)
        private = next((str(entry[4][0]) for entry in found if not _public(str(entry[4][0]))), None)
        if private is not None:
            raise refuse(private)
        return found

    return resolve
