"""Existing feeds: RSS 0.9x/1.0/2.0 and Atom through feedparser, JSON Feed by hand.

Feeds are untrusted. The bytes are handed to feedparser as a stream (so it never
fetches anything), and a feed whose DOCTYPE declares entities (XML bombs, external
entities such as file:///etc/passwd) is refused before any XML parser sees it; lxml,
used only to find line numbers, runs with resolve_entities=False and no network. HTML in summaries is sanitised with nh3 and
then reduced to text, because every item summary in feedletter is plain text.

Item ids: the feed's guid/id, else the link. Dates: the entry's own date as written
in the feed (its local day) and, when it has a zone, its instant, kept with its offset;
feedparser's UTC-normalised dates are the fallback. An undated entry is kept: the
archive dates it when it is first seen, once (feed readers do the same).
A bozo feed is still read where entries can be recovered, with a warning problem.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from ..dates import parse_instant, plausible
from ..identity import first_of_each
from ..images import feed_entry_picture, json_item_picture
from ..markup import clean_markup
from ..model import ParsedItem, ParseResult, Problem
from ..sanitise import normalise_space
from ..urls import absolute_url
from .html import MAX_HTML_DEPTH, nesting_line, node_text

SUMMARY_LIMIT = 1200  # characters of summary text kept from a feed entry
JSON_FEED_PREFIX = "https://jsonfeed.org/version/"
SAFE_TAGS = {"a", "p", "br", "b", "strong", "i", "em", "ul", "ol", "li", "blockquote", "code", "pre"}


def sanitise_to_text(markup: str) -> str:
    """Untrusted HTML -> a safe subset (nh3) -> plain text with paragraphs."""
    if "<" not in markup and "&" not in markup:
        return normalise_paragraphs(markup)
    import nh3

    from .html import _parser

    cleaned = nh3.clean(
        markup,
        tags=SAFE_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        strip_comments=True,
    )
    tree = _parser(f"<body>{cleaned}</body>")
    return node_text(tree.body) if tree.body is not None else ""


def normalise_paragraphs(text: str) -> str:
    paragraphs = [normalise_space(p) for p in text.replace("\r\n", "\n").split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _shorten(text: str) -> str:
    if len(text) <= SUMMARY_LIMIT:
        return text
    cut = text[:SUMMARY_LIMIT].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + " …"


def is_json_feed(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("version", "")).startswith(JSON_FEED_PREFIX)


def parse(data: bytes, *, source: str, base_url: str | None = None) -> ParseResult:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return parse_json_feed(data, source=source, base_url=base_url)
    return parse_xml_feed(data, source=source, base_url=base_url)


# -- RSS / Atom ------------------------------------------------------------------------


_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


def entity_declaration_line(data: bytes) -> int | None:
    """The line of an <!ENTITY …> declared in the DOCTYPE's internal subset, if any.

    Such declarations are how XML bombs (billion laughs) and external entities
    (file:///etc/passwd, http://127.0.0.1/…) work; no real feed needs them, so the feed
    is refused before any XML parser sees it. UTF-16/32 feeds are scanned decoded."""
    text = data
    if b"\x00" in data[:4]:
        for encoding in ("utf-32", "utf-16", "utf-16-le", "utf-16-be"):
            try:
                text = data.decode(encoding).encode("utf-8")
                break
            except UnicodeDecodeError:
                continue
    subset = _DOCTYPE_SUBSET.search(text)
    if not subset:
        return None
    entity = _ENTITY.search(text, subset.end())
    return text.count(b"\n", 0, entity.start()) + 1 if entity else None


def parse_xml_feed(data: bytes, *, source: str, base_url: str | None = None) -> ParseResult:
    import feedparser

    line = entity_declaration_line(data)
    if line is not None:
        return ParseResult(source, problems=(Problem(
            source, line, "the feed declares entities in its DOCTYPE (<!ENTITY …>); refused, "
            "because entities can read local files or expand without bound"),))

    # A content type of our own: the XML declaration decides the encoding (RFC 7303), and
    # feedparser does not flag the missing HTTP header as a defect.
    headers = {"content-type": "application/xml"}
    if base_url:
        headers["content-location"] = base_url
    try:
        parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=True,
                                  resolve_relative_uris=True)
    except Exception as error:  # feedparser must never take a run down
        return ParseResult(source, problems=(Problem(source, 1, f"not a readable feed: {error}"),))
    entries = parsed.get("entries") or []
    problems: list[Problem] = []
    bozo = parsed.get("bozo") and not isinstance(
        parsed.get("bozo_exception"), (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    )
    reason = parsed.get("bozo_exception")
    if not entries:
        if bozo or not parsed.get("version"):
            why = f" ({reason})" if reason else ""
            problems.append(Problem(source, _error_line(reason), f"not a readable feed{why}: no entry could be recovered"))
        return ParseResult(source, problems=tuple(problems))
    if bozo:
        problems.append(
            Problem(source, _error_line(reason),
                    f"the feed is not well-formed ({reason}); {len(entries)} entries recovered, check them")
        )
    facts = _entry_facts(data, len(entries))
    lines, alts = facts if facts else (None, [None] * len(entries))
    site = absolute_url(parsed.get("feed", {}).get("link"), base_url) or base_url
    return _result(source, list(zip(entries, alts)), lines, problems,
                   lambda pair, line: _read_entry(pair[0], line=line, source=source, base=site, alt=pair[1]))


def _result(source: str, entries: list, lines: list[int] | None, problems: list[Problem],
            read: Callable[[Any, int], tuple[ParsedItem | None, Problem | None]]) -> ParseResult:
    """Each entry read on the line it stands on (else its position), the first copy of
    each repeated one kept; `problems` are those found before, to which the entries' add."""
    items: list[ParsedItem] = []
    for position, entry in enumerate(entries):
        item, problem = read(entry, lines[position] if lines else position + 1)
        if problem:
            problems.append(problem)
        if item:
            items.append(item)
    return ParseResult(source, first_of_each(items), tuple(problems))


def _error_line(error: Any) -> int:
    getter = getattr(error, "getLineNumber", None)
    try:
        return int(getter()) if getter else 1
    except Exception:
        return 1


MRSS = "{http://search.yahoo.com/mrss/}"
# where an entry's Media RSS alt text stands, best first: the picture's own words, then the group's, then the entry's
_ALT_PATHS = tuple(f"{parent}{MRSS}{child}" for parent in (f"{MRSS}content/", f"{MRSS}group/", "")
                   for child in ("description", "title"))


def _entry_facts(data: bytes, count: int) -> tuple[list[int], list[str | None]] | None:
    """Source lines of the <item>/<entry> elements and their Media RSS alt text
    (media:description, else media:title), which feedparser does not keep apart, when
    they can be found reliably."""
    try:
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False, recover=True)
        root = etree.fromstring(data, parser)
    except Exception:
        return None
    if root is None:
        return None
    elements = [
        element
        for element in root.iter()
        if isinstance(element.tag, str) and etree.QName(element).localname in ("item", "entry")
    ]
    if len(elements) != count:
        return None
    return [element.sourceline or 1 for element in elements], [_media_alt(element) for element in elements]


def _media_alt(element: Any) -> str | None:
    for path in _ALT_PATHS:
        text = normalise_space(sanitise_to_text(element.findtext(path) or ""))
        if text:
            return text
    return None


def _entry_time(entry: Any) -> tuple[date | None, datetime | None]:
    """The entry's day as written and, when it gives one with a zone, its instant (kept
    with its own offset); (None, None) for an undated entry."""
    present = set(entry.keys())  # asking for an absent key makes feedparser map and warn
    for key in ("published", "updated", "created", "issued", "modified"):
        raw = entry.get(key) if key in present else None
        if isinstance(raw, str):
            moment = parse_instant(raw)
            if moment is not None:
                return moment.date(), moment if moment.tzinfo is not None else None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key) if key in present else None
        if parsed:
            day = date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
            if plausible(day):
                return day, None
    return None, None


def _nested_too_deep(markups: list[Any], *, source: str, line: int) -> Problem | None:
    """An entry whose HTML nests deeper than browsers go is skipped before nh3 and lexbor
    build trees of it, which takes time growing with the square of the depth."""
    if any(isinstance(markup, str) and nesting_line(markup) is not None for markup in markups):
        return Problem(source, line, f"the entry's HTML nests elements more than {MAX_HTML_DEPTH} deep, "
                                     f"expected at most {MAX_HTML_DEPTH}; skipped")
    return None


def _read_entry(entry: Any, *, line: int, source: str, base: str | None,
                alt: str | None = None) -> tuple[ParsedItem | None, Problem | None]:
    markups = [entry.get("title"), entry.get("summary"), *(part.get("value") for part in entry.get("content") or [])]
    too_deep = _nested_too_deep(markups, source=source, line=line)
    if too_deep is not None:
        return None, too_deep
    title = normalise_space(sanitise_to_text(entry.get("title") or ""))
    link = absolute_url(entry.get("link"), base)
    summary_html = entry.get("summary") or ""
    if not summary_html and entry.get("content"):
        summary_html = entry["content"][0].get("value") or ""
    summary = _shorten(sanitise_to_text(summary_html)) if summary_html else ""
    if not title:
        if not summary:
            return None, Problem(source, line, "entry has neither title nor summary; skipped")
        title = _shorten_title(summary)
    when, moment = _entry_time(entry)  # undated entries are kept: the archive dates them when first seen
    guid = entry.get("id") or entry.get("guid") or link
    written = next((entry[key] for key in ("published", "updated") if key in set(entry.keys())), None)
    problem = None
    if when is None and written:
        problem = Problem(source, line, f"entry {title!r}: its date {written!r} is not readable; "
                          "it is dated when first seen")
    tags = entry.get("tags") or []
    category = next((normalise_space(t.get("term") or t.get("label") or "") for t in tags if (t.get("term") or t.get("label"))), None)
    markup = _entry_markup(entry, link or base)
    return ParsedItem(title, when, category or None, summary or None, link, line=line,
                      guid=str(guid).strip() or None if guid else None, moment=moment, content_html=markup,
                      image=feed_entry_picture(entry, link or base, alt=alt, markup=markup)), problem


def _entry_markup(entry: Any, base: str | None) -> str | None:
    """The entry's fullest HTML (Atom content or content:encoded, else its summary or
    description), cleaned; feedparser has already applied xml:base."""
    parts = [*(entry.get("content") or []), entry.get("summary_detail") or {}]
    for part in parts:
        value = part.get("value") or ""
        if value and "html" in (part.get("type") or "text/html"):
            return clean_markup(value, base)
    return None


def _shorten_title(text: str, limit: int = 90) -> str:
    first = text.split("\n", 1)[0]
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + " …"


# -- JSON Feed ---------------------------------------------------------------------------


def parse_json_feed(data: bytes, *, source: str, base_url: str | None = None) -> ParseResult:
    from .decoding import decode_text
    from .items import json_elements_with_lines, nesting_problem

    text, problem = decode_text(data, source=source)
    if text is None:
        return ParseResult(source, problems=(problem,) if problem else ())
    problem = nesting_problem(text, source=source, syntax="json")
    if problem is not None:
        return ParseResult(source, problems=(problem,))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return ParseResult(source, problems=(Problem(source, error.lineno, f"not a readable JSON Feed: {error.msg}"),))
    if not is_json_feed(document):
        return ParseResult(source, problems=(Problem(source, 1, f"not a JSON Feed: 'version' must start with {JSON_FEED_PREFIX}"),))
    entries = document.get("items")
    if not isinstance(entries, list):
        return ParseResult(source, problems=(Problem(source, 1, "JSON Feed without an 'items' array"),))
    try:
        located = json_elements_with_lines(text)
    except (ValueError, IndexError):
        located = None
    lines = [line for line, _ in located] if located and len(located) == len(entries) else None
    base = absolute_url(document.get("home_page_url"), base_url) or base_url

    def read(entry: Any, line: int) -> tuple[ParsedItem | None, Problem | None]:
        if not isinstance(entry, dict):
            return None, Problem(source, line, "item is not an object; skipped")
        return _read_json_item(entry, line=line, source=source, base=base)

    return _result(source, entries, lines, [], read)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _read_json_item(entry: dict, *, line: int, source: str, base: str | None) -> tuple[ParsedItem | None, Problem | None]:
    too_deep = _nested_too_deep([entry.get("content_html")], source=source, line=line)
    if too_deep is not None:
        return None, too_deep
    link = absolute_url(entry.get("url"), base) or absolute_url(entry.get("external_url"), base)
    if _text(entry.get("summary")):
        summary = normalise_paragraphs(_text(entry.get("summary")))
    elif _text(entry.get("content_text")):
        summary = normalise_paragraphs(_text(entry.get("content_text")))
    else:
        summary = sanitise_to_text(_text(entry.get("content_html")))
    summary = _shorten(summary) if summary else ""
    title = normalise_space(_text(entry.get("title")))
    if not title:
        if not summary:
            return None, Problem(source, line, "item has neither title nor content; skipped")
        title = _shorten_title(summary)
    when, moment = None, None  # undated items are kept: the archive dates them when first seen
    for key in ("date_published", "date_modified"):
        found = parse_instant(_text(entry.get(key)))
        if found is not None:
            when, moment = found.date(), found if found.tzinfo is not None else None
            break
    raw_id = entry.get("id")
    guid = str(raw_id).strip() if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
    tags = [normalise_space(t) for t in entry.get("tags") or [] if isinstance(t, str) and t.strip()]
    markup = clean_markup(_text(entry.get("content_html")), link or base)
    return ParsedItem(title, when, tags[0] if tags else None, summary or None, link, line=line,
                      guid=guid or link, moment=moment, content_html=markup,
                      image=json_item_picture(entry, link or base, markup=markup)), None
