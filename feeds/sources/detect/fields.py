"""Inside one candidate item: which element is its title, its link, date, summary,
category and image; and, over all the items of a group, the CSS selector of each
field that reads the same values through feeds.sources.selectors. Pure."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import DateError
from ..html import READ_MORE
from ..selectors import date_in_text, first, image_of, link_of, read_date, text_of
from .page import stable_classes, words_of

HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_TITLE_WORDS = frozenset("title titulo titre headline heading name entrytitle".split())
_SUMMARY_WORDS = frozenset("summary teaser excerpt description desc intro lead dek standfirst abstract snippet blurb "
                           "chapo chapeau resumen resume entradilla extracto text body content".split())
_CATEGORY_WORDS = frozenset("category cat tag label kicker eyebrow section topic rubric rubrique rubrica rubro "
                            "badge type overline categoria genre".split())
_DATE_WORDS = frozenset("date time published posted meta fecha datum when ts created".split())
_NOT_TITLE_WORDS = frozenset("author byline tags category cat tag kicker label".split())
_TITLE_CANDIDATES = ("h1, h2, h3, h4, h5, h6, a[href], [class*=title], [class*=Title], [class*=headline], "
                     "[class*=heading], [class*=Heading], [itemprop=headline], [itemprop=name]")
_BAD_HREF = ("#", "javascript:", "mailto:", "tel:")
_WORDS_IN_A_DATE_LINE = 7  # "Posted on Wednesday, 25 January 2023": longer texts are no date


@dataclass(slots=True)
class Member:
    """What one candidate item holds, as found by looking (not yet by selectors)."""

    node: Any
    title_node: Any = None
    title: str = ""
    link: str | None = None
    date: object = None  # a date, or the message of a date that reads two ways
    date_node: Any = None
    summary_node: Any = None
    category_node: Any = None
    image_node: Any = None
    image: str | None = None

    @property
    def linked(self) -> bool:
        return bool(self.title) and self.link is not None

    @property
    def rich(self) -> bool:
        return self.summary_node is not None or self.image is not None or (
            self.title_node is not None and (self.title_node.tag in HEADINGS or _inside(self.title_node, HEADINGS)))


def _inside(node, tags: frozenset[str], stop=None) -> bool:
    parent = node.parent
    for _ in range(3):
        if parent is None or parent is stop:
            return False
        if parent.tag in tags:
            return True
        parent = parent.parent
    return False


def _same(a, b) -> bool:
    return a is not None and b is not None and a.mem_id == b.mem_id


def _contains(outer, inner) -> bool:
    node = inner
    while node is not None:
        if node.mem_id == outer.mem_id:
            return True
        node = node.parent
    return False


def looks_like_date(text: str, order: str | None) -> bool:
    """Whether a short text is a date ('25 January 2023', 'Publié le 8 février 2023')."""
    if len(text) > 60 or len(text.split()) > _WORDS_IN_A_DATE_LINE or not any(char.isdigit() for char in text):
        return False
    try:
        return date_in_text(text, order) is not None
    except DateError:
        return True


def analyse(node, *, base: str | None, order: str | None) -> Member:
    member = Member(node)
    _find_title(member, order)
    if member.title_node is None:
        return member
    member.link = link_of(node, member.title_node, None, base)
    _find_date(member, order)
    _find_summary(member, order)
    _find_category(member, order)
    member.image_node = first(node, "img")
    found = image_of(node, base)
    member.image = found.url if found else None
    return member


def _find_title(member: Member, order: str | None) -> None:
    best, best_score = None, -1.0
    for position, candidate in enumerate(member.node.css(_TITLE_CANDIDATES)):
        text = text_of(candidate)
        words = len(text.split())
        if not text or len(text) > 300 or (words < 2 and len(text) < 12) or READ_MORE.search(text):
            continue
        if looks_like_date(text, order):
            continue
        href = (candidate.attributes.get("href") or "").strip().lower() if candidate.tag == "a" else ""
        if candidate.tag == "a" and (not href or href.startswith(_BAD_HREF)):
            continue
        word_set = words_of(candidate)
        score = min(words, 15) - position * 0.01
        if candidate.tag in HEADINGS or _inside(candidate, HEADINGS, member.node):
            score += 6
        if word_set & _TITLE_WORDS or any("title" in word for word in word_set):
            score += 4
        if word_set & _NOT_TITLE_WORDS or "tag" in (candidate.attributes.get("rel") or ""):
            score -= 8
        if _same(candidate, member.node):
            score -= 6  # a whole-card link: a heading inside it says the title better
        if score > best_score:
            best, best_score = candidate, score
    if best is not None:
        member.title_node, member.title = best, text_of(best)


def _outside_title(member: Member, node) -> bool:
    title = member.title_node
    return not (_contains(node, title) or _contains(title, node))


def _find_date(member: Member, order: str | None) -> None:
    machine: list[tuple[Any, object]] = []
    written: list[tuple[Any, object]] = []
    marked_nodes = member.node.css("time, [datetime], [itemprop*=date], [itemprop*=Date]")
    for node in marked_nodes or member.node.traverse():  # a machine-readable date spares reading every text
        if node.tag in ("-text", "-comment") or not _outside_title(member, node):
            continue
        attributes = node.attributes
        marked = node.tag == "time" or "datetime" in attributes or (
            "content" in attributes and "date" in (attributes.get("itemprop") or "").lower())
        text = text_of(node)
        if not marked and (len(text) > 80 or not any(char.isdigit() for char in text)):
            continue
        try:
            value: object = read_date(node, order)
        except DateError as error:
            value = str(error)
        if value is None:
            continue
        (machine if marked else written).append((node, value))
    if machine:
        member.date_node, member.date = machine[0]
        return
    if written:  # the innermost element that reads as a date: a <span> rather than its whole <p>
        innermost = [pair for pair in written if not any(_contains(pair[0], other[0]) and pair is not other
                                                         for other in written)]
        labelled = [pair for pair in innermost if words_of(pair[0]) & _DATE_WORDS]
        member.date_node, member.date = (labelled or innermost)[0]


def _find_summary(member: Member, order: str | None) -> None:
    fallback = None
    for node in member.node.css("p, div, span, section"):
        if not _outside_title(member, node) or (member.date_node is not None and _contains(node, member.date_node)):
            continue
        text = text_of(node)
        if len(text) < 25 or len(text.split()) < 4 or len(text) > 2000:
            continue
        if node.css_first("h1, h2, h3, h4, h5, h6") is not None:
            continue  # a block holding the heading too is the whole item
        links = sum(len(text_of(a)) for a in node.css("a"))
        if links > len(text) / 2:
            continue
        if words_of(node) & _SUMMARY_WORDS:
            member.summary_node = node
            return
        if fallback is None and node.tag == "p":
            fallback = node
    member.summary_node = fallback


def _find_category(member: Member, order: str | None) -> None:
    for node in member.node.css("a[rel~=category], a[rel~=tag], [itemprop=articleSection], .p-category, "
                                "[class*=cat], [class*=tag], [class*=label], [class*=kicker], [class*=rubri], "
                                "[class*=topic], [class*=section], [class*=type], [class*=eyebrow], [class*=badge]"):
        if _same(node, member.node) or not _outside_title(member, node):
            continue
        text = text_of(node)
        if not text or len(text) > 40 or len(text.split()) > 4 or looks_like_date(text, order):
            continue
        if node.tag in ("a",) and "rel" in node.attributes or words_of(node) & _CATEGORY_WORDS or \
                node.attributes.get("itemprop") == "articleSection" or "p-category" in (node.attributes.get("class") or ""):
            inner = node.css_first("a[rel~=category], a[rel~=tag]")  # "Categorised as <a>News</a>": the link says it
            member.category_node = inner if inner is not None and text_of(inner) else node
            return


# -- selectors for the fields ----------------------------------------------------------------


def node_selectors(node, within) -> list[str]:
    """Selectors for `node` relative to its item `within`, simplest first."""
    tag, classes = node.tag, stable_classes(node)
    own = [f"{tag}.{name}" for name in classes[:3]] + [f".{name}" for name in classes[:3]]
    if len(classes) > 1:
        own.append(f"{tag}." + ".".join(classes[:2]))
    itemprop = node.attributes.get("itemprop") or ""
    if re.fullmatch(r"[A-Za-z]+", itemprop):
        own.append(f"[itemprop={itemprop}]")
    own.append(tag)
    parent = node.parent
    if parent is not None and not _same(parent, within) and parent.tag not in ("body", "html"):
        for name in stable_classes(parent)[:2]:
            own += [f".{name} {tag}", f"{parent.tag}.{name} {tag}"]
        own.append(f"{parent.tag} {tag}")
    return own


def choose(
    members: Sequence[Member],
    nodes: Sequence[Any],
    expected: Sequence[object],
    read: Callable[[Any, str], object],
    *,
    hints: Sequence[str] = (),
    share: float = 0.5,
) -> str | None:
    """The selector that reads `expected` from the most members and nothing wrong from
    the others; None when none reads it from at least `share` of those that have it."""
    counts: Counter[str] = Counter()
    for member, node in zip(members, nodes):
        if node is not None:
            counts.update(set(node_selectors(node, member.node)))
    # the commonest first; of those, one naming a class or an attribute (it survives an
    # element added in front), then the shortest
    ranked = sorted(counts.items(), key=lambda c: (-c[1], not ("." in c[0] or "[" in c[0]), len(c[0]), c[0]))
    candidates = list(dict.fromkeys([*hints, *(selector for selector, _ in ranked)]))
    wanted = sum(value is not None for value in expected)
    if not wanted:
        return None
    best, best_score = None, 0.0
    for selector in candidates[:24]:
        right = wrong = 0
        for member, value in zip(members, expected):
            found = read(member.node, selector)
            if found is None or found == "":
                continue
            if found == value:
                right += 1
            else:
                wrong += 1
        score = right - 2 * wrong + (0.5 if selector in hints else 0)
        if right >= share * wanted and score > best_score:
            best, best_score = selector, score
    return best
