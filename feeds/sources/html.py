"""HTML listing pages: CSS selectors from the config, else the selectors detection
finds (feeds.sources.detect), else HTML -> text -> the listing parser.

Markup is read with selectolax (lexbor, an HTML5 parser), never with regular
expressions (one only counts how deep the tags nest, before a parser sees them). Links
are resolved against the page URL (and its <base href>) so items carry absolute URLs.
Pure: a function of the bytes, the page URL and the selectors.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..model import ParseResult, Problem
from ..sanitise import normalise_space
from .listing import parse_listing
from .selectors import SELECTOR_KEYS, page_base, parse_tree, select_items

if TYPE_CHECKING:
    from .detect import Detection

__all__ = ["SELECTOR_KEYS", "PageRead", "decode_html", "html_to_text", "node_text", "parse", "read_page"]

_SKIP = frozenset(
    "head script style template noscript svg math iframe object embed canvas nav "
    "header footer aside form button select textarea".split()
)
_BLOCK = frozenset(
    "address article blockquote dd details dialog div dl dt fieldset figcaption figure "
    "h1 h2 h3 h4 h5 h6 hr main ol p pre section summary table tbody thead tfoot tr ul "
    "li caption".split()
)
# what sighted readers never see, and the "read more" links after a teaser: not part of its text
_HIDDEN_CLASSES = frozenset("screen-reader-text sr-only visually-hidden visuallyhidden hidden element-invisible".split())
READ_MORE = re.compile(
    r"(?:read|view|see|learn)\s+(?:more|the\s+full|all|story|article)|continue\s+reading|^more\b|^\W*more\W*$|"
    r"lire\s+la\s+suite|en\s+savoir\s+plus|leer\s+m[aá]s|ver\s+m[aá]s|seguir\s+leyendo|^>+$|»$",
    re.IGNORECASE,
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
    return parse_tree(markup)


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
    if _HIDDEN_CLASSES.intersection((child.attributes.get("class") or "").split()):
        return []
    if tag == "a" and READ_MORE.search(" ".join(child.text(deep=True).split())):
        return []
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


# -- reading a page --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PageRead:
    """A page read: its items and problems, and how they were found."""

    result: ParseResult
    how: str  # "selectors" (the config's), "remembered", "detected", "text", "nothing"
    method: str | None = None  # how detection found them: json-ld, microdata, h-entry, blocks
    selectors: tuple[tuple[str, str], ...] = ()  # the selectors used, when detected or remembered
    detection: Detection | None = None  # when detection ran
    moved: bool = False  # the remembered selectors matched nothing (reported as a problem)


def parse(data: bytes, *, source: str, base_url: str | None = None, selectors: Mapping[str, str] | None = None,
          charset: str | None = None, date_order: str | None = None, undated: str | None = None) -> ParseResult:
    return read_page(data, source=source, base_url=base_url, selectors=selectors, charset=charset,
                     date_order=date_order, undated=undated).result


def read_page(
    data: bytes,
    *,
    source: str,
    base_url: str | None = None,
    selectors: Mapping[str, str] | None = None,
    charset: str | None = None,
    date_order: str | None = None,
    undated: str | None = None,
    remembered: tuple[str, Mapping[str, str]] | None = None,
) -> PageRead:
    """A page's items: with the config's `selectors` when given; else with the selectors
    detection `remembered` from an earlier read (method, selectors) while they still find
    items; else by detection. A page where detection finds no list is read as listing
    text when that finds items (pages shaped like the listing format); otherwise the one
    problem says why it is no listing."""
    markup = decode_html(data, charset)
    too_deep = nesting_problem(markup, source=source)
    if too_deep is not None:
        return PageRead(ParseResult(source, problems=(too_deep,)), "nothing")
    if selectors:
        tree = parse_tree(markup)
        return PageRead(select_items(tree, selectors, source=source, base=page_base(tree, base_url),
                                     date_order=date_order, undated=undated), "selectors")
    from .detect import detect, not_a_listing

    moved = False
    if remembered is not None:
        method, kept = remembered
        if method != "json-ld" and kept:
            tree = parse_tree(markup)
            result = select_items(tree, kept, source=source, base=page_base(tree, base_url), date_order=date_order,
                                  undated=undated)
            if result.items:
                return PageRead(result, "remembered", method, tuple(kept.items()))
            moved = True
    detection = detect(markup, source=source, url=base_url, date_order=date_order, undated=undated)
    if remembered is not None and remembered[0] == "json-ld" and detection.method != "json-ld":
        moved = True
    if detection.found:
        result = detection.result
        if moved:
            result = replace(result, problems=(Problem(source, 1, _moved(remembered, detection)), *result.problems))
        return PageRead(result, "detected", detection.method, detection.selectors, detection, moved)
    text = parse_listing(html_to_text(markup), source=source, date_order=date_order)
    if text.items and not moved:
        return PageRead(text, "text", detection=detection)
    problem = not_a_listing(detection, source)
    if moved:
        problem = Problem(source, 1, f"the items moved: the remembered selectors match nothing, and {problem.message}")
    return PageRead(ParseResult(source, problems=(problem,)), "nothing", detection=detection, moved=moved)


def describe_selectors(method: str | None, selectors) -> str:
    """'item = "article.card" (blocks)', or 'the page's JSON-LD'."""
    if method == "json-ld" or not selectors:
        return "the page's JSON-LD list"
    picked = dict(selectors)
    return f"item = {picked.get('item')!r}, title = {picked.get('title')!r}" + (f" ({method})" if method else "")


def _moved(remembered: tuple[str, Mapping[str, str]] | None, detection: Detection) -> str:
    method, kept = remembered or (None, {})
    count = len(detection.result.items)
    return (f"the items moved: the remembered selectors match nothing ({describe_selectors(method, kept)}); "
            f"detection now picks {describe_selectors(detection.method, detection.selectors)}, "
            f"{count} item{'s' * (count != 1)}")
