"""`images = "page"` on a source: an item that comes without a picture takes the one its
own page names for link previews (og:image, else twitter:image). Each page is fetched
once, ever: its answer (a picture, none, or why it could not be read) is kept in the
journal and applied every time the source is read again, so the item's content, and
with it its feeds, stay the same from run to run. Pages are fetched as sources are: the
same fetch edge, time and size limits, `fetch_concurrency` at a time. A source on a
public address cannot send us to a private one: its items' pages are fetched only
from public addresses (a hostile feed must not make feedletter probe its own network)."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

from feeds.errors import FeedletterError
from feeds.model import ParseResult, Problem

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
    known = journal.pictures.page_answers(list(wanted))
    fetched = _fetch_pages({page: source for page, source in wanted.items() if page not in known},
                           agent=agent, concurrency=settings.fetch_concurrency)
    if fetched:
        journal.pictures.remember_page_answers(fetched, now=now)
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
            fetched = fetch(page, user_agent=agent, timeout=source.timeout or TIMEOUT,
                            public_only=not _private_source(source))
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
    from feeds.fetch.addresses import target_of

    if not source.is_url:
        return True
    try:
        return target_of(source.location, socket.getaddrinfo).private_address is not None
    except FeedletterError:  # an unknown host: its pages are held to the public rule
        return False
