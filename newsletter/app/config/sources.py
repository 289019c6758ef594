"""The [[sources]] entries of feedletter.toml -> frozen SourceConfig values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from feeds.dates import ORDERS
from feeds.sources import KINDS
from feeds.sources.selectors import SELECTOR_KEYS, UNDATED_KEPT
from feeds.urls import is_web_url

from .reader import Keys, Table

SOURCE_KINDS = (*KINDS, "auto")
REQUIRED_SELECTORS = ("item", "title", "date")  # date: unless undated = "first-seen"
UNDATED_CHOICES = (UNDATED_KEPT, "problem")

FILTER = Keys("sources.filter", ("include", "exclude"))
SELECTORS = Keys("sources.selectors", SELECTOR_KEYS)
SOURCES = Keys("sources", ("name", "kind", "location", "category", "timeout", "date_order", "undated", "images"),
               (FILTER, SELECTORS))
IMAGE_MODES = ("source", "page")  # the source's own pictures only, or also each item page's og:image


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    kind: str  # listing | html | feed | items | auto
    location: str  # an http(s) URL, or an absolute file path
    category: str | None = None  # for items that have none
    include: str | None = None  # keep only items whose title matches (regex)
    exclude: str | None = None  # drop items whose title matches (regex)
    selectors: tuple[tuple[str, str], ...] = ()  # html: item, title, date, summary, link, category, image
    timeout: float | None = None
    date_order: str | None = None  # DMY | MDY | YMD: how numeric dates read (else site.language's)
    images: str = "source"  # "page": an item without a picture takes its own page's og:image
    undated: str | None = None  # "first-seen": html items without a date are kept, dated when first seen

    @property
    def detects(self) -> bool:
        """Whether its items are found by detection: an HTML page without selectors."""
        return self.kind in ("html", "auto") and not self.selectors

    @property
    def is_url(self) -> bool:
        return is_web_url(self.location)

    @property
    def selector_map(self) -> dict[str, str]:
        return dict(self.selectors)


def read_sources(entries: list[Table], base: Path) -> tuple[SourceConfig, ...]:
    found: list[SourceConfig] = []
    for entry in entries:
        source = _source(entry, base)
        if any(other.name == source.name for other in found):
            raise entry.error("name", f"{source.name!r} is taken by another source, expected a name of its own")
        found.append(source)
    return tuple(found)


def _source(entry: Table, base: Path) -> SourceConfig:
    name = entry.filled("name", required='a name for the source, such as "ilo-coop"')
    kind = entry.choice("kind", SOURCE_KINDS, "auto")
    location = entry.filled("location", required="a file path (relative to this file) or an http(s) URL")
    assert name is not None and location is not None  # `required` raised otherwise
    filters = entry.table("filter")
    undated = entry.choice("undated", UNDATED_CHOICES, "problem")
    if undated == UNDATED_KEPT and kind not in ("html", "auto"):
        raise entry.error("undated", f'only applies to kind = "html" (feeds keep undated entries already), '
                                     f'this source is kind = "{kind}"')
    return SourceConfig(
        name=name,
        kind=kind,
        location=_location(entry, location, base),
        category=entry.filled("category"),
        include=filters.regex("include"),
        exclude=filters.regex("exclude"),
        selectors=_selectors(entry, kind, dates_needed=undated != UNDATED_KEPT),
        timeout=entry.number("timeout", None, positive=True, unit="seconds"),
        date_order=entry.choice("date_order", ORDERS, "") or None,
        undated=UNDATED_KEPT if undated == UNDATED_KEPT else None,
        images=entry.choice("images", IMAGE_MODES, "source"),
    )


def _location(entry: Table, location: str, base: Path) -> str:
    """An http(s) URL as written, else a path made absolute; a one-letter scheme is a Windows drive."""
    if is_web_url(location):
        return location
    if len(urlsplit(location).scheme) > 1:
        raise entry.must("location", "a file path or an http(s) URL with a host", location)
    return str(entry.resolve("location", location, base))


def _selectors(entry: Table, kind: str, *, dates_needed: bool) -> tuple[tuple[str, str], ...]:
    if not entry.has("selectors"):
        return ()
    if kind not in ("html", "auto"):
        raise entry.error("selectors", f'only apply to kind = "html", this source is kind = "{kind}"')
    table = entry.table("selectors")
    required = {key for key in REQUIRED_SELECTORS if dates_needed or key != "date"}
    picked = {key: table.filled(key, required="a CSS selector" if key in required else "")
              for key in SELECTOR_KEYS}
    for key, value in picked.items():
        if value is not None:
            _check_selector(table, key, value)
    return tuple((key, value) for key, value in picked.items() if value)


def _check_selector(table: Table, key: str, value: str) -> None:
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError  # only when a source has selectors

    try:
        LexborHTMLParser("<p></p>").css(value)
    except SelectolaxError as error:
        raise table.must(key, "a CSS selector", value, shown=f"{value!r} ({error})") from None
