"""One walk over a parsed page: every element with its stable classes, the part of the
page it sits in (navigation, footer, a sidebar, a "most read" box, a cookie banner …, or
the content), and the page's own facts: the feeds it advertises and whether it calls
itself one article. Pure."""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ...urls import absolute_url

_SKIPPED = frozenset("head script style template noscript svg math iframe object embed canvas select textarea".split())
# elements, ARIA roles and class/id words that mark a part of the page that is no news list
_ZONE_TAGS = {"nav": "navigation", "header": "the page header", "footer": "the footer", "aside": "a sidebar",
              "form": "a form", "dialog": "a dialog"}
_ZONE_ROLES = {"navigation": "navigation", "menu": "navigation", "menubar": "navigation", "banner": "the page header",
               "contentinfo": "the footer", "complementary": "a sidebar", "search": "a form", "dialog": "a dialog",
               "alertdialog": "a dialog"}
_ZONE_WORDS = {
    "nav": "navigation", "navbar": "navigation", "navigation": "navigation", "menu": "navigation",
    "breadcrumb": "navigation", "breadcrumbs": "navigation", "skip": "navigation", "lang": "navigation",
    "pager": "pagination", "pagination": "pagination", "paging": "pagination", "paginacion": "pagination",
    "sidebar": "a sidebar", "side": "a sidebar", "aside": "a sidebar", "widget": "a sidebar", "colonne": "a sidebar",
    "footer": "the footer", "colophon": "the footer", "pie": "the footer", "pied": "the footer",
    "cookie": "a cookie banner", "cookies": "a cookie banner", "consent": "a cookie banner",
    "gdpr": "a cookie banner", "onetrust": "a cookie banner", "modal": "a dialog", "popup": "a dialog",
    "related": "a related box", "popular": "a 'most read' box", "trending": "a 'most read' box",
    "share": "share links", "sharing": "share links", "social": "share links",
    "comments": "comments", "comment": "comments", "ticker": "a ticker", "tagcloud": "a tag cloud",
    "advert": "an advertisement", "sponsored": "an advertisement",
}
# run together ("most-read" -> "mostread"), these mark a box too
_ZONE_JOINED = (("mostread", "a 'most read' box"), ("mostpopular", "a 'most read' box"),
                ("mostviewed", "a 'most read' box"), ("masleid", "a 'most read' box"),
                ("plusl", "a 'most read' box"), ("alire", "a related box"), ("relacionad", "a related box"),
                ("tagcloud", "a tag cloud"), ("cookie", "a cookie banner"))
# a container of the page's layout holds these words beside "sidebar" ("content-sidebar-wrap")
_LAYOUT_WORDS = frozenset("content main wrap wrapper container layout body contenido contenu principal".split())
_MAIN_WORDS = frozenset("main content primary contenido contenu principal maincontent".split())
_STATE_WORDS = frozenset("odd even first last active current selected is on off new hidden visible clearfix".split())
_FEED_TYPES = {"application/rss+xml": "RSS", "application/atom+xml": "Atom", "application/feed+json": "JSON Feed",
               "application/json": "JSON Feed", "application/rdf+xml": "RSS"}
_ARTICLE_TYPES = frozenset("article newsarticle blogposting reportagenewsarticle analysisnewsarticle".split())
_WORD = re.compile(r"[a-z]+")
_STABLE_CLASS = re.compile(r"-?[A-Za-z_][A-Za-z_-]*")  # no digits (post-123, views-row-1), nothing to escape


@dataclass(slots=True, eq=False)
class Element:
    node: Any
    parent: Element | None
    tag: str
    classes: tuple[str, ...]  # the classes a selector can use: stable, no state words, nothing to escape
    zone: str | None  # the part of the page that is no content, when inside one ("navigation", …)
    main: bool  # inside the page's main content
    children: list[Element] = field(default_factory=list)

    @property
    def signature(self) -> str:
        """What siblings of one kind share: the tag and the first stable class."""
        return f"{self.tag}.{self.classes[0]}" if self.classes else self.tag

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


@dataclass(frozen=True, slots=True)
class FeedLink:
    """A feed the page advertises with <link rel="alternate">."""

    format: str  # "RSS", "Atom", "JSON Feed"
    url: str
    title: str | None = None


def fold(text: str) -> str:
    """Lowercase without accents: 'Lo más leído' -> 'lo mas leido'."""
    bare = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in bare if not unicodedata.combining(char))


def words_of(node) -> frozenset[str]:
    """The words of an element's class and id ('site-footer' -> {'site', 'footer'};
    CamelCase parts too: 'StoryCard_kicker' -> {'storycard', 'story', 'card', 'kicker'})."""
    attributes = node.attributes
    return _words(f"{attributes.get('class') or ''} {attributes.get('id') or ''}")


@functools.lru_cache(maxsize=4096)  # pages repeat the same class attributes thousands of times
def _words(raw: str) -> frozenset[str]:
    if raw == " ":
        return frozenset()
    return frozenset(_WORD.findall(raw.lower())) | {part.lower() for part in re.findall(r"[A-Z][a-z]+", raw)}


def stable_classes(node) -> tuple[str, ...]:
    return _stable(node.attributes.get("class") or "")


@functools.lru_cache(maxsize=4096)
def _stable(raw: str) -> tuple[str, ...]:
    return tuple(name for name in raw.split() if _STABLE_CLASS.fullmatch(name) and name.lower() not in _STATE_WORDS)


def own_zone(attributes: dict, tag: str) -> str | None:
    if tag in _ZONE_TAGS:
        return _ZONE_TAGS[tag]
    role = (attributes.get("role") or "").strip().lower()
    if role in _ZONE_ROLES:
        return _ZONE_ROLES[role]
    return _zone_of_words(f"{attributes.get('class') or ''} {attributes.get('id') or ''}")


@functools.lru_cache(maxsize=4096)
def _zone_of_words(raw: str) -> str | None:
    words = _words(raw)
    if not words or words & _LAYOUT_WORDS:
        return None
    for word in sorted(words):
        if word in _ZONE_WORDS:
            return _ZONE_WORDS[word]
    joined = re.sub(r"[^a-z]", "", raw.lower())
    return next((zone for part, zone in _ZONE_JOINED if part in joined), None)


def _is_main(attributes: dict, tag: str) -> bool:
    return tag == "main" or (attributes.get("role") or "").lower() == "main" or bool(
        _words(f"{attributes.get('class') or ''} {attributes.get('id') or ''}") & _MAIN_WORDS)


def walk(root) -> list[Element]:
    """Every element under `root` in document order, without script, style and the
    like; iterative, as pages nest deeper than Python's recursion limit."""
    elements: list[Element] = []
    stack: list[tuple[Any, Element | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        tag = node.tag
        if not isinstance(tag, str) or tag.startswith(("-", "!")) or tag in _SKIPPED:
            continue
        attributes = node.attributes  # built anew at every access: read once
        if "hidden" in attributes:
            continue
        zone = parent.zone if parent is not None and parent.zone else own_zone(attributes, tag)
        main = (parent is not None and parent.main) or _is_main(attributes, tag)
        element = Element(node, parent, tag, _stable(attributes.get("class") or ""), zone, main)
        elements.append(element)
        if parent is not None:
            parent.children.append(element)
        children = []
        child = node.child
        while child is not None:
            if child.tag and not child.tag.startswith("-"):
                children.append(child)
            child = child.next
        stack += [(child, element) for child in reversed(children)]
    return elements


def feed_links(tree, base: str | None) -> tuple[FeedLink, ...]:
    found: list[FeedLink] = []
    for link in tree.css("link[rel][href]"):
        rel = (link.attributes.get("rel") or "").lower().split()
        kind = (link.attributes.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rel or kind not in _FEED_TYPES:
            continue
        href = (link.attributes.get("href") or "").strip()
        url = absolute_url(href, base) or (href if base is None and "://" not in href else None)  # a saved page
        if url and all(known.url != url for known in found):
            title = " ".join((link.attributes.get("title") or "").split()) or None
            found.append(FeedLink(_FEED_TYPES[kind], url, title))
    return tuple(found)


def article_reason(tree, json_ld: list[dict]) -> str | None:
    """Why the page is one article rather than a list, when it says so itself."""
    meta = tree.css_first('meta[property="og:type"]')
    if meta is not None and (meta.attributes.get("content") or "").strip().lower() == "article":
        return 'the page calls itself one article (og:type "article")'
    tops = [entry for entry in json_ld if isinstance(entry, dict)]
    kinds = [fold(str(entry.get("@type") or "")) for entry in tops]
    if len(tops) >= 1 and sum(kind in _ARTICLE_TYPES for kind in kinds) == 1 and "itemlist" not in kinds:
        return "the page calls itself one article (a schema.org Article in its JSON-LD)"
    return None


def json_ld_documents(tree) -> list[Any]:
    """The page's JSON-LD objects, @graph members spread out; what does not parse is passed over."""
    found: list[Any] = []
    for script in tree.css('script[type="application/ld+json"]'):
        text = script.text(deep=True) or ""
        if len(text) > 2_000_000:
            continue
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            continue
        for entry in document if isinstance(document, list) else [document]:
            if isinstance(entry, dict) and isinstance(entry.get("@graph"), list):
                found += [part for part in entry["@graph"] if isinstance(part, dict)]
            elif isinstance(entry, dict):
                found.append(entry)
    return found
