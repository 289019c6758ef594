"""Reading inputs for `ingest` and `run`: files and URLs of every kind, checked to be
what was asked for, with a User-Agent that says who is asking."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from feeds.errors import NotAListing, SourceError
from feeds.model import ParseResult
from feeds.sources.listing import parse_listing
from feeds.urls import is_web_url

from ..config import Settings

if TYPE_CHECKING:
    from feeds.sources.html import PageRead


def read_text(path: Path, data: bytes | None = None) -> tuple[str, str]:
    """A listing file's text and the encoding it was read in (UTF-8, or UTF-16 with or
    without a BOM). Binary or non-UTF-8 bytes are an error naming file:line, never
    silent mojibake."""
    from feeds.sources.decoding import decode

    text, encoding, problem = decode(_read_local(path) if data is None else data, source=str(path))
    if text is None:
        raise NotAListing(str(problem))
    return text, encoding


def parse_file(path: Path, data: bytes | None = None, *, date_order: str | None = None) -> ParseResult:
    """A listing file parsed; characters that XML 1.0 forbids are removed and reported."""
    text, encoding = read_text(path, data)
    result = parse_listing(text, source=str(path), date_order=date_order)
    return result if encoding == "UTF-8" else replace(result, encoding=encoding)


def encoding_notes(results: Sequence[ParseResult]) -> tuple[str, ...]:
    return tuple(f"{r.source}: read as {r.encoding}" for r in results if r.encoding != "UTF-8")


def require_items(result: ParseResult) -> ParseResult:
    """An input in which nothing could be read is not a listing: a usage error. One that
    reads but holds nothing yet (a valid feed with no entries) is an empty source."""
    if not result.items and result.problems:
        raise NotAListing(str(result.problems[0]))
    return result


def date_order(settings: Settings, source_order: str | None = None) -> str | None:
    """How numeric dates read: the source's date_order, else the site language's."""
    from feeds.dates import order_for_language

    return source_order or order_for_language(settings.meta.language)


def user_agent(settings: Settings) -> str:
    """An honest User-Agent: who we are and where the output lives."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("feedletter")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        own = "0"
    return f"feedletter/{own} (+{settings.meta.base_url})"


@dataclass(frozen=True, slots=True)
class Parsed:
    """An input parsed, and for an HTML page read without selectors, how its items were found."""

    result: ParseResult
    page: PageRead | None = None

    def notes(self, name: str) -> tuple[str, ...]:
        """What -v tells of it: that detection found the items, and with which selectors."""
        page = self.page
        if page is None or page.how in ("selectors", "nothing"):
            return ()
        if page.how == "text":
            return (f"{name}: no news list detected; the page was read as listing text",)
        from feeds.sources.html import describe_selectors

        how = "the selectors detection chose before" if page.how == "remembered" else "detection"
        return (f"{name}: items found by {how}: {describe_selectors(page.method, page.selectors)}",)

    @property
    def remember(self) -> tuple[str, dict[str, str]] | None:
        """The method and selectors detection chose, to keep for the next read."""
        page = self.page
        if page is None or page.how != "detected" or page.method is None:
            return None
        return page.method, dict(page.selectors)


def parse_fetched(fetched, *, kind: str, source: str, selectors=None, date_order: str | None = None,
                  undated: str | None = None, remembered: tuple[str, dict[str, str]] | None = None) -> Parsed:
    """Bytes read from a file or URL -> items, checking that they are what was asked for.
    An HTML page without selectors goes through detection, trying the selectors it
    `remembered` for the source first."""
    from feeds.sanitise import clean_result
    from feeds.sources import KIND_NAMES, detect_kind, parse_source
    from feeds.sources.html import read_page

    data = fetched.data or b""
    detected = detect_kind(data, fetched.location)
    wanted = detected if kind in ("auto", "", None) else kind  # a kind given is never overridden
    base_url = fetched.location if is_web_url(fetched.location) else None
    page = None
    if wanted == "html":
        page = read_page(data, source=source, base_url=base_url, selectors=selectors or None, charset=fetched.charset,
                         date_order=date_order, undated=undated, remembered=remembered)
        result = clean_result(page.result)
    else:
        result = parse_source(
            wanted,
            data,
            source=source,
            base_url=base_url,
            options={"selectors": selectors or None, "charset": fetched.charset, "name": fetched.location,
                     "date_order": date_order, "local": base_url is None},  # local: pictures may be paths beside it
        )
    if wanted != detected and not result.items:
        served = f" (served as {fetched.content_type})" if fetched.content_type else ""
        raise SourceError(
            f"{fetched.location}: expected {KIND_NAMES.get(wanted, wanted)} but got "
            f"{KIND_NAMES.get(detected, detected)}{served}; check the location, or set kind = \"{detected}\""
        )
    return Parsed(result, page)


def _read_local(path: Path) -> bytes:
    from feeds.fetch import read_file

    return read_file(path).data or b""


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector while bulk-reading items: they form no cycles, and its
    passes over hundreds of thousands of young objects cost a third of the parse time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
