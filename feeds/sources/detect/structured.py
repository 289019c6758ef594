"""What a page says about its items in markup made for machines, read before any
guessing: JSON-LD (an ItemList, or NewsArticle objects), schema.org microdata and
h-entry microformats. Pure."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ...dates import date_value
from ...model import Image, ParsedItem, Problem
from ...sanitise import normalise_space
from ...urls import absolute_url
from ..selectors import UNDATED_KEPT
from .page import fold

_ARTICLES = frozenset(
    "article newsarticle blogposting reportagenewsarticle analysisnewsarticle opinionnewsarticle "
    "reviewnewsarticle backgroundnewsarticle report scholarlyarticle techarticle socialmediaposting "
    "liveblogposting pressrelease".split()
)
MICRODATA_TYPES = _ARTICLES | {"event", "creativework", "webpage", "videoobject", "podcastepisode"}

# field -> selectors, tried in order, for items marked up as microdata or h-entry
MICRODATA_HINTS = {
    "title": ("[itemprop=headline]", "[itemprop=name]"),
    "date": ("[itemprop=datePublished]", "[itemprop=dateCreated]", "[itemprop=startDate]"),
    "link": ("[itemprop=url]",),
    "summary": ("[itemprop=description]", "[itemprop=abstract]"),
    "category": ("[itemprop=articleSection]", "[itemprop=genre]"),
    "image": ("[itemprop=image]", "[itemprop=thumbnailUrl]"),
}
H_ENTRY_HINTS = {
    "title": (".p-name",),
    "date": (".dt-published",),
    "link": (".u-url",),
    "summary": (".p-summary", ".e-content"),
    "category": (".p-category",),
    "image": (".u-photo", ".u-featured"),
}


def _kind(entry: dict) -> set[str]:
    value = entry.get("@type")
    return {fold(str(kind)) for kind in (value if isinstance(value, list) else [value]) if kind}


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = next((part for part in value if isinstance(part, str) and part.strip()), "")
    return normalise_space(value) if isinstance(value, str) else ""


def _image(value: Any, base: str | None) -> Image | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        url = absolute_url(value.get("url") or value.get("contentUrl"), base)
        width, height = value.get("width"), value.get("height")
        return Image(url, None, width if isinstance(width, int) else None,
                     height if isinstance(height, int) else None) if url else None
    url = absolute_url(value, base) if isinstance(value, str) else None
    return Image(url) if url else None


def json_ld_entries(documents: list[Any]) -> list[dict]:
    """The article objects a page lists: an ItemList's elements (ListItem.item, or the
    element itself), else the top-level Article/NewsArticle objects when there are
    several. A single article describes the page itself, not a list."""
    for document in documents:
        if not isinstance(document, dict):
            continue
        lists = [document] if "itemlist" in _kind(document) else []
        main = document.get("mainEntity")
        if isinstance(main, dict) and "itemlist" in _kind(main):
            lists.append(main)
        for listing in lists:
            elements = listing.get("itemListElement")
            entries = []
            for element in elements if isinstance(elements, list) else []:
                if isinstance(element, dict):
                    inner = element.get("item")
                    entries.append(inner if isinstance(inner, dict) else element)
            named = [entry for entry in entries if _text(entry.get("headline") or entry.get("name"))]
            if len(named) >= 2:
                return named
    articles = [entry for entry in documents if isinstance(entry, dict) and _kind(entry) & _ARTICLES]
    return articles if len(articles) >= 2 else []


def json_ld_items(entries: list[dict], *, source: str, base: str | None,
                  undated: str | None) -> tuple[list[ParsedItem], list[Problem]]:
    items, problems = [], []
    for position, entry in enumerate(entries, start=1):
        title = _text(entry.get("headline") or entry.get("name"))
        url = absolute_url(_text(entry.get("url")) or _text(entry.get("@id")), base)
        when = date_value(_text(entry.get("datePublished")) or _text(entry.get("dateCreated")))
        where = f"item {position} (JSON-LD)"
        if not title:
            problems.append(Problem(source, position, f"{where} has no headline or name; item skipped"))
            continue
        if when is None and undated != UNDATED_KEPT:
            problems.append(Problem(source, position, f"{where} {title!r} has no readable datePublished, and dates "
                                    'are needed for months; set undated = "first-seen" on the source to keep undated '
                                    "items, dated when first seen; item skipped"))
            continue
        items.append(ParsedItem(
            title, when, _text(entry.get("articleSection")) or None, _text(entry.get("description")) or None, url,
            line=position, guid=url if when is None else None, image=_image(entry.get("image"), base),
        ))
    return items, problems


def microdata_selector(tree) -> str | None:
    """The item selector of the page's repeated schema.org items, when it has two or more."""
    kinds: Counter[str] = Counter()
    for node in tree.css("[itemscope][itemtype]"):
        written = (node.attributes.get("itemtype") or "").strip()
        if fold(written.rstrip("/").rsplit("/", 1)[-1]) in MICRODATA_TYPES and '"' not in written:
            kinds[written] += 1
    repeated = [(count, kind) for kind, count in kinds.items() if count >= 2]
    if not repeated:
        return None
    _, kind = max(repeated)
    return f'[itemtype="{kind}"]'


def h_entry_selector(tree) -> str | None:
    return ".h-entry" if len(tree.css(".h-entry")) >= 2 else None
