"""Every kind of input, each a pure function `bytes -> ParseResult`.

    listing  the plain-text listing format (feeds.parse)
    html     an HTML listing page: CSS selectors, detected ones, or HTML -> text -> listing parser
    feed     RSS 0.9x/1.0/2.0, Atom (feedparser) and JSON Feed
    items    hand-curated items in TOML, JSON or CSV

`detect_kind` recognises the kind from the content (the name is only a hint);
`parse_source` reads bytes of a given kind. Fetching lives in feeds.fetch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..model import ParseResult
from ..sanitise import clean_result

KINDS = ("listing", "html", "feed", "items")
KIND_NAMES = {"listing": "listing text", "html": "an HTML page", "feed": "a feed", "items": "an items file"}
_FEED_ROOTS = {"rss", "feed", "rdf", "channel"}
_FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")


def detect_kind(data: bytes, name: str = "") -> str:
    """'listing', 'html', 'feed' or 'items', from the content first, then the name."""
    lowered = name.lower().rsplit("?", 1)[0]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", "replace").encode("utf-8")
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        from .feed import is_json_feed
        from .items import nesting_problem

        try:
            text = data.decode("utf-8-sig")
            if nesting_problem(text, source=name, syntax="json") is not None:
                return "items"  # refused with its line by the items reader
            document = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            return "items"  # reported as invalid JSON by the items reader
        return "feed" if is_json_feed(document) else "items"
    if head.startswith(b"<"):
        root = _root_name(head)
        if root in _FEED_ROOTS:
            return "feed"
        if root in ("html", "!doctype html", "head", "body"):
            return "html"
        if lowered.endswith(_FEED_SUFFIXES) and root is not None and ":" not in root:
            return "feed"
        return "html"
    from .items import guess_format

    text = head.decode("utf-8", "replace")
    if lowered.endswith((".toml", ".csv")) or guess_format(text, "") in ("toml", "csv"):
        return "items"
    return "listing"


def _root_name(head: bytes) -> str | None:
    """The first element's local name (lowercase), skipping the XML declaration,
    comments, processing instructions and a DOCTYPE (a text scan, no XML parser,
    so nothing is ever resolved)."""
    index = 0
    for _ in range(64):
        while index < len(head) and head[index : index + 1].isspace():
            index += 1
        chunk = head[index:]
        if chunk.startswith(b"<?"):
            end = head.find(b"?>", index)
        elif chunk.startswith(b"<!--"):
            end = head.find(b"-->", index)
            end = end + 1 if end >= 0 else end
        elif chunk[:9].lower() == b"<!doctype":
            if chunk[9:].lstrip()[:4].lower() == b"html":
                return "!doctype html"
            bracket, close = head.find(b"[", index), head.find(b">", index)
            end = head.find(b"]>", index) if 0 <= bracket < close else close - 1
        elif chunk.startswith(b"<"):
            match = re.match(rb"<([A-Za-z_][\w.:-]*)", chunk)
            if not match:
                return None
            name = match[1].decode("ascii", "replace").lower()
            return name.rsplit(":", 1)[-1]  # <rdf:RDF>, <r:rss>: dialects with a prefix
        else:
            return None
        if end < 0:
            return None
        index = end + 2
    return None


def parse_source(
    kind: str,
    data: bytes,
    *,
    source: str,
    base_url: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> ParseResult:
    """Read `data` as `kind` ('auto' detects it). Pure; never raises on any bytes.

    options: selectors (html), charset (from HTTP), name (file name hint),
    format ('toml' | 'json' | 'csv' for items), date_order ('DMY' | 'MDY' | 'YMD': how
    numeric dates read in listings and pages), undated ('first-seen': html items without a
    date are kept, dated when first seen), local (items: read from disk, so an image
    may be a path relative to the file). Characters that XML 1.0 forbids are
    removed from every field and reported (feeds.sanitise), whatever the kind.
    """
    return clean_result(_parse(kind, data, source=source, base_url=base_url, options=options or {}))


def _parse(kind: str, data: bytes, *, source: str, base_url: str | None, options: Mapping[str, Any]) -> ParseResult:
    if kind == "auto":
        kind = detect_kind(data, options.get("name") or source)
    if kind == "listing":
        from . import listing

        return listing.parse(data, source=source, charset=options.get("charset"), date_order=options.get("date_order"))
    if kind == "html":
        from . import html

        return html.parse(data, source=source, base_url=base_url, selectors=options.get("selectors"),
                          charset=options.get("charset"), date_order=options.get("date_order"),
                          undated=options.get("undated"))
    if kind == "feed":
        from . import feed

        return feed.parse(data, source=source, base_url=base_url)
    if kind == "items":
        from . import items

        return items.parse(data, source=source, name=options.get("name") or source, format=options.get("format"),
                           local=bool(options.get("local")))
    raise ValueError(f"unknown source kind {kind!r}; expected one of {', '.join(KINDS)} or auto")


def apply_defaults(
    result: ParseResult,
    *,
    category: str | None = None,
    include: re.Pattern[str] | str | None = None,
    exclude: re.Pattern[str] | str | None = None,
) -> ParseResult:
    """A source's defaults: a category for items that have none, and a title filter
    (kept when `include` matches and `exclude` does not)."""
    items = []
    for item in result.items:
        if include is not None and not re.search(include, item.title):
            continue
        if exclude is not None and re.search(exclude, item.title):
            continue
        if category and not item.category:
            item = replace(item, category=category)
        items.append(item)
    return replace(result, items=tuple(items))
