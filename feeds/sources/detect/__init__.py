"""Finding the news items on an HTML page that comes without selectors.

Markup made for machines is read first: a JSON-LD ItemList or several NewsArticle
objects, schema.org microdata, h-entry microformats. Otherwise the page's repeated
blocks are scored (see groups.py) and the best group of a news list is taken, with the
CSS selectors that read its fields (fields.py). The items are then read through those
selectors (feeds.sources.selectors), exactly as a config holding them would read them.
A page whose best group is not convincing (fewer than two items with a title and a link,
a menu, a sidebar, a single article, a sign-in form) is not a listing: the verdict names
the best candidates and what each lacked. Pure: a function of the markup and the URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...model import ParseResult, Problem
from ..selectors import image_in, link_of, page_base, parse_tree, read_date, select_items, text_of
from . import fields, groups
from .page import FeedLink, article_reason, feed_links, json_ld_documents, walk
from .structured import (
    H_ENTRY_HINTS,
    MICRODATA_HINTS,
    h_entry_selector,
    json_ld_entries,
    json_ld_items,
    microdata_selector,
)

__all__ = ["Candidate", "Detection", "FeedLink", "detect"]

METHODS = ("json-ld", "microdata", "h-entry", "blocks")
_NO_URL = "https://page.invalid/"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A group of blocks detection considered: its item selector (or where it is), how
    many items it holds, and what it lacks to be the news list (nothing: the one chosen)."""

    selector: str
    items: int
    score: float
    lacks: tuple[str, ...] = ()

    def describe(self) -> str:
        why = "; ".join(self.lacks) if self.lacks else "chosen"
        return f"{self.selector!r} ({self.items} item{'s' * (self.items != 1)}): {why}"


@dataclass(frozen=True, slots=True)
class Detection:
    result: ParseResult  # the items, read through `selectors` (or from JSON-LD), and their problems
    method: str | None  # one of METHODS; None when the page is no listing
    selectors: tuple[tuple[str, str], ...] = ()  # key -> CSS selector, in SELECTOR_KEYS order
    feeds: tuple[FeedLink, ...] = ()  # feeds the page advertises
    candidates: tuple[Candidate, ...] = ()  # the best groups considered, best first

    @property
    def found(self) -> bool:
        return self.method is not None

    @property
    def selector_map(self) -> dict[str, str]:
        return dict(self.selectors)

    def why_not(self) -> str:
        """Why the page is no listing, in one line."""
        if not self.candidates:
            return "no repeated blocks with links were found"
        return "the best candidates: " + "; ".join(candidate.describe() for candidate in self.candidates[:3])


def detect(markup: str, *, source: str, url: str | None = None, date_order: str | None = None,
           undated: str | None = None) -> Detection:
    """The news items of a page and the selectors that find them, or the verdict that
    it is no listing (`found` false, the candidates saying why)."""
    tree = parse_tree(markup)
    base = page_base(tree, url)
    feeds = feed_links(tree, base)
    documents = json_ld_documents(tree)
    entries = json_ld_entries(documents)
    if entries:
        items, problems = json_ld_items(entries, source=source, base=base, undated=undated)
        if len(items) + len(problems) >= 2:
            return Detection(ParseResult(source, tuple(items), tuple(problems)), "json-ld", (), feeds)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return Detection(ParseResult(source), None, (), feeds)
    elements = walk(root)
    by_id = {element.node.mem_id: element for element in elements}
    reader = _Reader(tree, base, date_order)
    considered: list[groups.Group] = []
    for method, selector, hints in (("microdata", microdata_selector(tree), MICRODATA_HINTS),
                                    ("h-entry", h_entry_selector(tree), H_ENTRY_HINTS)):
        group = reader.structured_group(selector, method, by_id) if selector else None
        if group is not None and group.convincing:
            chosen = reader.field_selectors(group, hints)
            if chosen is not None:
                return reader.detection(group, chosen, method, feeds, source, undated)
        if group is not None:
            considered.append(group)
    article = article_reason(tree, documents)
    for group in groups.quick_rank(groups.sibling_groups(elements)):
        reader.judge_blocks(group, by_id, article)
        considered.append(group)
    considered.sort(key=lambda group: -group.score)
    for group in considered:
        if not group.convincing:
            continue
        chosen = reader.field_selectors(group, {})
        if chosen is None:
            group.lacks.append("no selector reads its titles")
            continue
        detection = reader.detection(group, chosen, "blocks", feeds, source, undated)
        if len(detection.result.items) + len(detection.result.problems) >= 2:
            return detection
        group.lacks.append("its selectors read fewer than two items")
    candidates = tuple(_candidate(group) for group in considered[:5])
    return Detection(ParseResult(source), None, (), feeds, candidates)


def _candidate(group: groups.Group) -> Candidate:
    where = group.selector or groups.where(group)
    return Candidate(where, len(group.matched) or len(group.members), round(group.score, 2), tuple(group.lacks))


def _sample(nodes: list) -> list:
    step = max(1, len(nodes) // groups.SAMPLE)
    return nodes[::step][: groups.SAMPLE]


class _Reader:
    """The page being read, with what every group analysis needs."""

    def __init__(self, tree, base: str | None, order: str | None):
        self.tree, self.base, self.order = tree, base, order
        # a page read from a file has no URL: its relative links still say where items link to
        self.judged = base or _NO_URL
        self._members: dict[int, fields.Member] = {}

    def member(self, node) -> fields.Member:
        known = self._members.get(node.mem_id)
        if known is None:
            known = self._members[node.mem_id] = fields.analyse(node, base=self.judged, order=self.order)
        return known

    def structured_group(self, selector: str, method: str, by_id: dict) -> groups.Group | None:
        nodes = self.tree.css(selector)
        members = [by_id[node.mem_id] for node in nodes if node.mem_id in by_id]
        if len(members) < 2 or members[0].parent is None:
            return None
        group = groups.Group(members[0].parent, members, selector, list(nodes), structured=method)
        group.analysed = [self.member(node) for node in _sample(group.matched)]
        groups.judge(group, None, None)
        return group

    def judge_blocks(self, group: groups.Group, by_id: dict, article: str | None) -> None:
        # members without any link (a table's header row) are left out; the rest are judged on a sample
        linked = [m for m in group.members if m.node.css_first("a[href]") is not None]
        zone = groups.zone_of(group)
        sample = [self.member(m.node) for m in _sample(linked)]
        if sum(m.linked for m in sample) >= 2 and not zone and not article:
            group.members = linked
            groups.pick_selector(group, self.tree, lambda node: self._acceptable(node, by_id))
        group.analysed = [self.member(node) for node in _sample(group.matched)] if group.matched else sample
        groups.judge(group, zone, article)

    def _acceptable(self, node, by_id: dict) -> bool:
        """An item of the same kind beyond the group's siblings: a featured story above
        them, the next month's list; never one in a menu, a sidebar or a box."""
        element = by_id.get(node.mem_id)
        if element is None or not self.member(node).linked:
            return False
        probe = groups.Group(element.parent or element, [element])
        return element.zone is None and groups.zone_of(probe) is None

    def field_selectors(self, group: groups.Group, hints: dict) -> dict[str, str] | None:
        members = [m for m in group.analysed if m.linked] or group.analysed
        read_text = lambda node, selector: text_of(fields.first(node, selector))  # noqa: E731
        title = fields.choose(members, [m.title_node for m in members], [m.title for m in members], read_text,
                              hints=hints.get("title", ()), share=0.8)
        if title is None:
            return None
        chosen = {"item": group.selector or "", "title": title}
        date = fields.choose(members, [m.date_node for m in members], [m.date for m in members], self._read_date,
                             hints=hints.get("date", ()))
        if date:
            chosen["date"] = date
        from ..html import node_text

        def read_summary(node, selector):
            found = fields.first(node, selector)
            return node_text(found) if found is not None else None

        for key, nodes, values, read in (
            ("summary", [m.summary_node for m in members],
             [node_text(m.summary_node) if m.summary_node is not None else None for m in members], read_summary),
            ("category", [m.category_node for m in members],
             [text_of(m.category_node) or None for m in members], read_text),
            ("image", [m.image_node for m in members], [m.image for m in members], self._read_image),
        ):
            picked = fields.choose(members, nodes, values, read, hints=hints.get(key, ()))
            if picked:
                chosen[key] = picked
        link = self._link_selector(members, title, hints.get("link", ()))
        if link:
            chosen["link"] = link
        return chosen

    def _read_date(self, node, selector: str) -> object:
        found = fields.first(node, selector)
        if found is None:
            return None
        try:
            return read_date(found, self.order)
        except ValueError as error:
            return str(error)

    def _read_image(self, node, selector: str) -> str | None:
        found = image_in(node, selector, self.judged)
        return found.url if found else None

    def _link_selector(self, members: list[fields.Member], title: str, hints) -> str | None:
        """None when the title's link (else the item's first) is right for all, else the
        selector of the right links."""
        def read(node, selector):
            return link_of(node, fields.first(node, title), selector or None, self.judged)

        if all(read(m.node, "") == m.link for m in members):
            return None
        anchors = []
        for member in members:
            anchors.append(next((a for a in member.node.css("a[href]")
                                 if link_of(member.node, a, None, self.judged) == member.link), None))
        return fields.choose(members, anchors, [m.link for m in members], read, hints=hints, share=0.8)

    def detection(self, group: groups.Group, chosen: dict[str, str], method: str, feeds, source: str,
                  undated: str | None) -> Detection:
        from ..selectors import SELECTOR_KEYS

        selectors = tuple((key, chosen[key]) for key in SELECTOR_KEYS if chosen.get(key))
        result = select_items(self.tree, dict(selectors), source=source, base=self.base, date_order=self.order,
                              undated=undated)
        kept = tuple(problem for problem in result.problems if problem.line >= 1)
        candidate = Candidate(chosen["item"], len(group.matched), round(group.score, 2))
        return Detection(ParseResult(source, result.items, kept), method, selectors, feeds, (candidate,))


def not_a_listing(detection: Detection, source: str) -> Problem:
    """The one problem that says why a page held no items."""
    return Problem(source, 1, f"no news items found on the page: {detection.why_not()}")
