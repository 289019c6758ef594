"""Items of an HTML page read with CSS selectors: one element per item, and inside it
the title, date, link, summary, category and image. The selectors come from the config
or from detection (feeds.sources.detect); both read through here, so selectors that
detection prints, pasted into a config, give the same items. Pure.

A problem's line number is the position of the item on the page (1 = the first element
the item selector matched): parsed HTML has no useful line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date

from ..dates import loose_date, parse_date
from ..errors import DateError
from ..identity import first_of_each
from ..model import Image, ParsedItem, ParseResult, Problem
from ..sanitise import normalise_space
from ..urls import absolute_url

SELECTOR_KEYS = ("item", "title", "date", "summary", "link", "category", "image")
UNDATED_KEPT = "first-seen"  # undated = "first-seen": items without a date are dated when first seen

_DATE_ATTRIBUTES = ("datetime", "content")
_WORDS_IN_A_DATE = 6  # "mercredi 1er février 2023", "Wednesday, January 25th, 2023"
_YEAR = re.compile(r"\b[12]\d{3}\b")
_EDGE_PUNCTUATION = " |·•—–-:;,()[]"
# lazy-loading scripts put the real picture in one of these, and a placeholder in src
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url")
_SRCSETS = ("srcset", "data-srcset", "data-lazy-srcset")
_PLACEHOLDER = re.compile(r"(?:^|[/_.-])(?:placeholder|blank|spacer|transparent|pixel|loading|lazy)[^/]*$", re.I)
_ICON_WORDS = frozenset("icon icons sprite pixel tracker tracking spacer emoji avatar gravatar badge".split())
_ICON_SIZE = 32  # pixels: a picture this small or smaller on both sides is an icon


def parse_tree(markup: str):
    from selectolax.lexbor import LexborHTMLParser

    return LexborHTMLParser(markup)


def page_base(tree, url: str | None) -> str | None:
    """What relative links resolve against: the page's <base href>, else its URL."""
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        return absolute_url(base_node.attributes.get("href"), url) or url
    return url


def first(node, selector: str | None):
    """The first element under `node` (itself included) that `selector` matches."""
    if not selector or node is None:
        return None
    try:
        return node.css_first(selector)
    except Exception:  # a selector lexbor rejects: the config checks them, detection makes none
        return None


def text_of(node) -> str:
    return normalise_space(node.text(deep=True)) if node is not None else ""


# -- dates --------------------------------------------------------------------------------


def read_date(node, order: str | None) -> date | None:
    """The day a node gives: its datetime/content attribute as written (never shifted
    to UTC), then its text as a whole, then a date inside its text ('Published on 8
    February 2023', 'Publié le 1er janvier 2023'). Raises the `DateError` of a date that
    reads two ways or names no day, rather than guess."""
    for name in _DATE_ATTRIBUTES:
        value = (node.attributes.get(name) or "").strip()
        if value:
            try:
                found = parse_date(value[:10], order)
            except DateError:
                found = None
            if found is not None:
                return found
    return date_in_text(text_of(node), order)


def date_in_text(text: str, order: str | None) -> date | None:
    """The date a short text spells, whole or in part; None when it holds none."""
    if not text or len(text) > 120 or not any(char.isdigit() for char in text):
        return None
    broken: DateError | None = None
    try:
        found = parse_date(text, order)
    except DateError as error:
        found, broken = None, error
    if found is None and broken is None:
        found = loose_date(text)
    if found is not None:
        return found
    if _YEAR.search(text) or broken:
        words = text.split()
        for size in range(min(_WORDS_IN_A_DATE, len(words)), 0, -1):  # the longest reading first
            for start in range(len(words) - size + 1):
                part = " ".join(words[start : start + size]).strip(_EDGE_PUNCTUATION)
                try:
                    found = parse_date(part, order)
                except DateError as error:
                    broken = broken or error
                    continue
                if found is not None:
                    return found
    if broken:
        raise broken
    return None


# -- links and images ---------------------------------------------------------------------


def link_of(item, title_node, link_selector: str | None, base: str | None) -> str | None:
    """The item's link: the `link` selector's, else the title's own or inner link, else
    the item's first link (the item itself when it is one)."""
    node = first(item, link_selector) if link_selector else None
    if node is None and title_node is not None:
        node = title_node if title_node.tag == "a" else first(title_node, "a[href]")
    if node is None:
        node = first(item, "a[href]")
    if node is not None and node.tag != "a" and "href" not in node.attributes:
        node = first(node, "a[href]") or node
    if node is None:
        return None
    return absolute_url(node.attributes.get("href") or node.attributes.get("content"), base)


def image_of(node, base: str | None) -> Image | None:
    """The first real picture at or under `node`: lazy-loading attributes before a
    placeholder src, the widest srcset candidate, a <picture>'s sources; 1x1 trackers,
    icons and data: URIs are passed over."""
    if node is None:
        return None
    images = [node] if node.tag == "img" else list(node.css("img"))
    if not images and node.attributes.get("content"):  # <meta itemprop="image" content="…">
        url = absolute_url(node.attributes.get("content"), base)
        return Image(url) if url else None
    for image in images:
        if _is_icon(image):
            continue
        url = _image_url(image, base)
        if url:
            alt = normalise_space(image.attributes.get("alt") or "")
            return Image(url, alt or None, _pixels(image, "width"), _pixels(image, "height"))
    return None


def image_in(item, selector: str | None, base: str | None) -> Image | None:
    """The item's picture: the first real one among the elements `selector` matches
    (so "img" passes over an icon or a tracker before the photo)."""
    if not selector:
        return None
    try:
        nodes = item.css(selector)
    except Exception:
        return None
    for node in nodes:
        found = image_of(node, base)
        if found is not None:
            return found
    return None


def _image_url(image, base: str | None) -> str | None:
    for candidate in _image_sources(image):
        url = absolute_url(candidate, base) if candidate else None
        if url:
            return url
    return None


def _image_sources(image) -> Iterator[str | None]:
    """Where an <img> may say its picture is, the likeliest first."""
    attributes = image.attributes
    yield from (attributes.get(name) for name in _LAZY_SOURCES)
    source = (attributes.get("src") or "").strip()
    if source and not source.startswith("data:") and not _PLACEHOLDER.search(source.split("?")[0]):
        yield source
    yield from (_widest(attributes.get(name)) for name in _SRCSETS)
    parent = image.parent
    if parent is not None and parent.tag == "picture":
        yield from (_widest(s.attributes.get("srcset")) for s in parent.css("source"))


def _widest(srcset: str | None) -> str | None:
    """The widest candidate of a srcset ('a.jpg 480w, b.jpg 960w' -> 'b.jpg')."""
    best, best_width = None, -1.0
    for part in (srcset or "").split(","):
        words = part.split()
        if not words or words[0].startswith("data:"):
            continue
        descriptor = words[1] if len(words) > 1 else "1x"
        try:
            width = float(descriptor[:-1]) * (1 if descriptor.endswith("w") else 1000)
        except ValueError:
            width = 0
        if width > best_width:
            best, best_width = words[0], width
    return best


def _pixels(image, name: str) -> int | None:
    value = (image.attributes.get(name) or "").strip().removesuffix("px")
    return int(value) if value.isdigit() and int(value) > 0 else None


def _is_icon(image) -> bool:
    width, height = _pixels(image, "width"), _pixels(image, "height")
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return True  # a tracking pixel
    if width is not None and height is not None and width <= _ICON_SIZE and height <= _ICON_SIZE:
        return True
    words = set(re.split(r"[^a-z]+", f"{image.attributes.get('class') or ''} {image.attributes.get('src') or ''}".lower()))
    return bool(words & _ICON_WORDS)


# -- items -----------------------------------------------------------------------------------


def select_items(
    tree,
    selectors: Mapping[str, str],
    *,
    source: str,
    base: str | None,
    date_order: str | None = None,
    undated: str | None = None,
) -> ParseResult:
    """The items `selectors` find. An item without a title, or without a readable date
    (unless `undated` is "first-seen"), is a problem at its position; its neighbours
    are kept."""
    item_selector = selectors.get("item") or "li"
    try:
        nodes = tree.css(item_selector)
    except Exception as error:
        return ParseResult(source, problems=(Problem(source, 1, f"bad item selector {item_selector!r}: {error}"),))
    if not nodes:
        return ParseResult(
            source,
            problems=(Problem(source, 1, f"no element matches the item selector {item_selector!r}; has the page changed?"),),
        )
    items: list[ParsedItem] = []
    problems: list[Problem] = []
    for position, node in enumerate(nodes, start=1):
        item, problem = read_item(node, selectors, position=position, base=base, date_order=date_order,
                                  undated=undated)
        if problem:
            problems.append(Problem(source, position, problem))
        if item is not None:
            items.append(item)
    return ParseResult(source, first_of_each(items), tuple(problems))


def read_item(node, selectors: Mapping[str, str], *, position: int, base: str | None, date_order: str | None,
              undated: str | None = None) -> tuple[ParsedItem | None, str | None]:
    """One item element -> (the item, or None when skipped; the problem, if any)."""
    where = f"item {position} ({selectors.get('item') or 'li'!r})"
    title_node = first(node, selectors.get("title"))
    title = text_of(title_node)
    if not title:
        return None, f"{where} has no title (selector {selectors.get('title')!r}); item skipped"
    date_selector = selectors.get("date")
    date_node = first(node, date_selector)
    try:
        when = read_date(date_node, date_order) if date_node is not None else None
    except DateError as error:
        return None, f"{where} {title!r}: {error}; item skipped"
    url = link_of(node, title_node, selectors.get("link"), base)
    if when is None and undated != UNDATED_KEPT:
        why = (f"has no readable date (selector {date_selector!r})" if date_selector
               else "has no date, and dates are needed for months; set undated = \"first-seen\" on the source "
                    "to keep undated items, dated when first seen")
        return None, f"{where} {title!r} {why}; item skipped"
    summary_node = first(node, selectors.get("summary"))
    from .html import node_text

    summary = node_text(summary_node) if summary_node is not None else ""
    category = text_of(first(node, selectors.get("category")))
    image = image_in(node, selectors.get("image"), base)
    guid = url if when is None else None  # an undated item is known again by its link
    return ParsedItem(title, when, category or None, summary or None, url, line=position, guid=guid,
                      image=image), None
