"""HTML listing pages: CSS selectors from the config, or HTML -> text -> listing parser.

Markup is read with selectolax (lexbor, an HTML5 parser), never with regular
expressions (one only counts how deep the tags nest, before a parser sees them). Links
are resolved against the page URL (and its <base href>) so items carry absolute URLs.
Pure: a function of the bytes, the page URL and the selectors.

HTML has no useful line numbers once parsed, so a problem's number is the position of
the item on the page (1 = the first element the item selector matched).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from ..dates import loose_date, parse_date
from ..errors import DateError
from ..identity import first_of_each
from ..model import ParsedItem, ParseResult, Problem
from ..sanitise import normalise_space
from ..urls import absolute_url
from .listing import parse_listing

SELECTOR_KEYS = ("item", "title", "date", "summary", "link", "category")

_SKIP = frozenset(
    "head script style template noscript svg math iframe object embed canvas nav "
    "header footer aside form button select textarea".split()
)
_BLOCK = frozenset(
    "address article blockquote dd details dialog div dl dt fieldset figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr main ol p pre section summary table tbody thead tfoot tr ul "
    "li caption".split()
)
_PARAGRAPH = frozenset("p h1 h2 h3 h4 h5 h6 blockquote pre table figure hr".split())
_CELL = frozenset(("td", "th"))

# HTML5 tree building (lexbor here, html5ever in nh3) takes time growing with the square of
# the nesting depth: 100,000 nested <div>s take over a minute. Chromium nests no deeper than
# 512, so markup nested deeper is refused before any parser builds its tree.
MAX_HTML_DEPTH = 512
_TAG = re.compile(
    r"<!--.*?(?:-->|\Z)"  # a comment
    r"|<(?P<raw>script|style|textarea|title|xmp|iframe|noembed|noframes)(?=[\s/>]).*?(?:</(?P=raw)\s*>|\Z)"
    r"|<(?P<end>/?)(?P<name>[A-Za-z][^\s/>]*)(?:[^<>\"']|\"[^\"]*\"|'[^']*')*>",  # one character at a time: linear
    re.DOTALL | re.IGNORECASE,
)
_VOID = frozenset("area base br col embed hr img input link meta source track wbr param keygen basefont bgsound "
                  "frame".split())
# closed by the parser when a sibling or the parent ends, so pages that never close them stay flat
_IMPLIED_END = frozenset("p li dt dd option optgroup tr td th thead tbody tfoot caption colgroup rb rt rtc rp "
                         "head body html".split())
_FOREIGN = frozenset(("svg", "math"))  # inside them "/>" closes an element; in HTML it means nothing


def decode_html(data: bytes, charset: str | None = None) -> str:
    """HTML text: BOM, then the declared charset, then UTF-8, then Windows-1252
    (what browsers assume for undeclared legacy pages)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    for encoding in filter(None, (charset, "utf-8")):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", "replace")


def nesting_line(markup: str) -> int | None:
    """The line where elements first nest more than MAX_HTML_DEPTH deep, or None. Counted
    from the tags as written, before any tree is built: an end tag closes what is open inside
    its element, and elements whose end the parser implies are not counted."""
    stack: list[str] = []
    open_names: Counter[str] = Counter()
    foreign = 0
    for match in _TAG.finditer(markup):
        name = (match["name"] or "").lower()
        if not name or name in _VOID or name in _IMPLIED_END:
            continue
        if match["end"]:
            while open_names[name]:
                closed = stack.pop()
                open_names[closed] -= 1
                foreign -= closed in _FOREIGN
                if closed == name:
                    break
            continue
        if foreign and match[0].endswith("/>"):
            continue
        stack.append(name)
        open_names[name] += 1
        foreign += name in _FOREIGN
        if len(stack) > MAX_HTML_DEPTH:
            return markup.count("\n", 0, match.start()) + 1
    return None


def nesting_problem(markup: str, *, source: str, outcome: str = "nothing read") -> Problem | None:
    line = nesting_line(markup)
    if line is None:
        return None
    return Problem(source, line, f"HTML elements nested more than {MAX_HTML_DEPTH} deep, expected at most "
                                 f"{MAX_HTML_DEPTH} (as deep as browsers go); {outcome}")


def _parser(markup: str):
    from selectolax.lexbor import LexborHTMLParser

    return LexborHTMLParser(markup)


# -- HTML -> listing-like text ---------------------------------------------------


def html_to_text(markup: str) -> str:
    """Readable text with the page's structure: blocks on their own lines, paragraphs
    separated by a blank line, list items as '1.' / '-' blocks (nested ones indented)."""
    tree = _parser(markup)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return ""
    return _assemble(_tokens(root, lists=[]))


def node_text(node) -> str:
    """The text of one element with its block structure (paragraphs kept)."""
    return _assemble(_tokens(node, lists=[])).strip()


def _tokens(node, *, lists: list[list]) -> Iterator[tuple[str, object]]:
    """The text, breaks and list markers under `node`, in document order. The tree is walked
    with a stack of its own: pages nest deeper than Python's recursion limit."""
    stack: list[tuple[str, Any]] = [("children", (node, lists))]
    while stack:
        kind, value = stack.pop()
        if kind == "children":
            parent, within = value
            steps: list[tuple[str, Any]] = []
            child = parent.child
            while child is not None:
                steps += _steps(child, within)
                child = child.next
            stack += reversed(steps)
        elif kind == "item marker":
            yield ("marker", _marker(value))
        else:
            yield (kind, value)


def _steps(child, lists: list[list]) -> list[tuple[str, Any]]:
    """What one node gives: tokens, and ("children", (node, lists)) for what is inside it."""
    tag = child.tag
    inside = ("children", (child, lists))
    if tag == "-text":
        return [("text", child.text_content)]
    if tag in ("-comment", "!doctype") or tag in _SKIP or tag is None:
        return []
    if tag == "br":
        return [("break", 1)]
    if tag == "li":
        marker = [("item marker", lists)] if lists else []  # numbered when reached, in document order
        return [("break", 1), *marker, inside, ("break", 1)]
    if tag in ("ol", "ul"):
        start = None
        if tag == "ol":
            try:
                start = int((child.attributes.get("start") or "1").strip())
            except ValueError:
                start = 1
        return [("break", 1), ("children", (child, [*lists, [start]])), ("break", 1)]
    if tag in _CELL:
        return [("text", " "), inside, ("text", " ")]
    if tag in _BLOCK:
        weight = 2 if tag in _PARAGRAPH else 1
        return [("break", weight), inside, ("break", weight)]
    return [inside]


def _marker(lists: list[list]) -> str:
    """'- ' or the next number of the innermost list, indented by its depth."""
    counter = lists[-1]
    if counter[0] is None:
        marker = "-"
    else:
        marker = f"{counter[0]}."
        counter[0] += 1
    return "  " * (len(lists) - 1) + marker + " "


def _assemble(tokens: Iterator[tuple[str, object]]) -> str:
    lines: list[str] = []
    current: list[str] = []
    prefix = ""  # a list marker with its indentation, waiting for the item's first text
    pending = 0

    def flush() -> None:
        text = normalise_space("".join(current))
        if text:
            lines.append(prefix + text)

    for kind, value in tokens:
        if kind == "break":
            pending = max(pending, int(str(value)))
            continue
        text = str(value)
        if kind == "text" and not text.strip() and not current:
            continue
        if kind == "marker":
            flush()
            current, prefix, pending = [], text, 0
            continue
        if pending:
            if current:
                flush()
                current, prefix = [], ""
                if pending > 1 and lines and lines[-1]:
                    lines.append("")
            pending = 0
        current.append(text)
    flush()
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


# -- selectors ---------------------------------------------------------------------


def parse(
    data: bytes,
    *,
    source: str,
    base_url: str | None = None,
    selectors: Mapping[str, str] | None = None,
    charset: str | None = None,
    date_order: str | None = None,
) -> ParseResult:
    markup = decode_html(data, charset)
    too_deep = nesting_problem(markup, source=source)
    if too_deep is not None:
        return ParseResult(source, problems=(too_deep,))
    if not selectors:
        return parse_listing(html_to_text(markup), source=source, date_order=date_order)
    return _parse_with_selectors(markup, source=source, base_url=base_url, selectors=selectors, date_order=date_order)


def _first(node, selector: str | None):
    if not selector:
        return None
    try:
        return node.css_first(selector)
    except Exception:  # a selector lexbor rejects is a config problem, reported once below
        return None


def _date_of(node, date_order: str | None) -> date | None:
    """The date a node gives (its datetime/content attribute first, then its text);
    raises the `DateError` of a date that reads two ways, or none, rather than guess."""
    candidates = []
    attribute = node.attributes.get("datetime") or node.attributes.get("content")
    if attribute:
        candidates.append(attribute.strip()[:10])
    candidates.append(normalise_space(node.text(deep=True)))
    broken: DateError | None = None
    for text in candidates:
        try:
            when = parse_date(text, date_order)
        except DateError as error:
            broken = broken or error
            continue
        if when is None:
            when = loose_date(text)
        if when is not None:
            return when
    if broken:
        raise broken
    return None


def _parse_with_selectors(
    markup: str, *, source: str, base_url: str | None, selectors: Mapping[str, str], date_order: str | None
) -> ParseResult:
    tree = _parser(markup)
    base = base_url
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = absolute_url(base_node.attributes.get("href"), base_url) or base
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
        where = f"item {position} ({item_selector!r})"
        title_node = _first(node, selectors.get("title"))
        title = normalise_space(title_node.text(deep=True)) if title_node is not None else ""
        if not title:
            problems.append(Problem(source, position, f"{where} has no title (selector {selectors.get('title')!r}); item skipped"))
            continue
        date_node = _first(node, selectors.get("date"))
        try:
            when = _date_of(date_node, date_order) if date_node is not None else None
        except DateError as error:
            problems.append(Problem(source, position, f"{where} {title!r}: {error}; item skipped"))
            continue
        if when is None:
            problems.append(Problem(source, position, f"{where} {title!r} has no readable date (selector {selectors.get('date')!r}); item skipped"))
            continue
        summary_node = _first(node, selectors.get("summary"))
        summary = node_text(summary_node) if summary_node is not None else ""
        category_node = _first(node, selectors.get("category"))
        category = normalise_space(category_node.text(deep=True)) if category_node is not None else ""
        link_node = _first(node, selectors.get("link")) if selectors.get("link") else None
        if link_node is None:
            link_node = (title_node if title_node.tag == "a" else _first(title_node, "a[href]")) or _first(node, "a[href]")
        if link_node is not None and link_node.tag != "a" and "href" not in link_node.attributes:
            link_node = _first(link_node, "a[href]")
        url = absolute_url(link_node.attributes.get("href"), base) if link_node is not None else None
        items.append(ParsedItem(title, when, category or None, summary or None, url, line=position))
    return ParseResult(source, first_of_each(items), tuple(problems))
