"""Candidate groups: siblings of one kind (same tag, same first class), each holding a
title with a link, widened by the CSS selector that picks them to the items of the same
kind above them (a featured story) and beside them (the next month's list); scored on how
many there are, how alike, how long their titles, how many are dated, and where they sit.
Pure."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .fields import HEADINGS, Member
from .page import Element, fold

MAX_CANDIDATES = 12  # groups analysed in full, out of the cheap first ranking
SAMPLE = 40  # members analysed per group: enough to judge, bounded on huge pages
_MAX_TRIES = 48  # item selectors tried per group
_IDENT = re.compile(r"-?[A-Za-z_][A-Za-z_-]*")
_BOX_HEADINGS = re.compile(
    r"most read|most popular|most viewed|popular|trending|related|you may also like|recommended|read next|"
    r"read also|also read|see also|more from|from our partners|lo mas leido|mas leid|mas vist|relacionad|"
    r"te puede interesar|les plus lus|a lire aussi|a lire egalement|sur le meme sujet|populaire|tendances|"
    r"dans la meme rubrique|autres actualites"
)


@dataclass(slots=True)
class Group:
    container: Element
    members: list[Element]  # the siblings found
    selector: str | None = None  # the item selector that picks them (and their kin)
    matched: list = field(default_factory=list)  # the nodes it picks, in page order
    analysed: list[Member] = field(default_factory=list)  # a sample of them, looked at
    score: float = 0.0
    lacks: list[str] = field(default_factory=list)  # why it is not the list, if it is not
    structured: str | None = None  # "microdata" | "h-entry": the page marked its items up

    @property
    def convincing(self) -> bool:
        return self.selector is not None and not self.lacks


def sibling_groups(elements: Sequence[Element]) -> list[Group]:
    """Siblings of one kind, two or more; a wrapper holding one element each (Bootstrap's
    div.col around div.card) gives way to what it wraps."""
    groups = []
    for element in elements:
        if len(element.children) < 2:
            continue
        kinds: dict[str, list[Element]] = defaultdict(list)
        for child in element.children:
            kinds[child.signature].append(child)
        for members in kinds.values():
            if len(members) < 2:
                continue
            container = element
            while all(len(m.children) == 1 and m.children[0].tag != "a" for m in members) and \
                    len({m.children[0].signature for m in members}) == 1:
                container, members = members[0], [m.children[0] for m in members]
            groups.append(Group(container, members))
    return groups


def quick_rank(groups: list[Group]) -> list[Group]:
    """The groups worth a full look: links in most members, more than a word or two of text."""
    ranked = []
    for group in groups:
        sample = group.members[:: max(1, len(group.members) // 10)][:10]
        linked = [m for m in sample if m.node.css_first("a[href]") is not None]
        if len(linked) < min(2, len(sample)):
            continue
        words = sorted(len(m.node.text(deep=True).split()) for m in linked)
        median = words[len(words) // 2]
        share = len(linked) / len(sample)
        zone = 0.3 if zone_of(group) else 1.0
        ranked.append((share * min(median, 12) * math.log2(1 + len(group.members)) * zone, group))
    ranked.sort(key=lambda pair: -pair[0])
    return [group for _, group in ranked[:MAX_CANDIDATES]]


def zone_of(group: Group) -> str | None:
    """The part of the page a group sits in, when it is not content."""
    if group.container.zone:
        return group.container.zone
    zones = Counter(member.zone for member in group.members)
    zone, count = zones.most_common(1)[0]
    return zone if zone and count * 2 > len(group.members) else _box_heading(group.container)


def _heading_text(element: Element | None) -> str:
    if element is None:
        return ""
    if element.tag in HEADINGS or element.node.css_first("h1, h2, h3, h4, h5, h6") is not None:
        text = element.node.text(deep=True)
        return fold(" ".join(text.split())) if len(text) < 80 else ""
    return ""


def _previous(element: Element) -> Element | None:
    siblings = element.parent.children if element.parent is not None else []
    index = next((i for i, other in enumerate(siblings) if other is element), 0)
    return siblings[index - 1] if index > 0 else None


def _box_heading(container: Element) -> str | None:
    """A heading right above a list ('Most read', 'À lire aussi') that says it is a box."""
    texts = [_heading_text(_previous(container)), fold(container.node.attributes.get("aria-label") or "")]
    if container.children and container.children[0].tag in HEADINGS:
        texts.append(_heading_text(container.children[0]))
    parent = container.parent
    if parent is not None and parent.children and parent.children[0] is container:
        texts.append(_heading_text(_previous(parent)))
    for text in texts:
        if text and _BOX_HEADINGS.search(text):
            return f"a box headed {text!r}"
    return None


# -- the item selector -------------------------------------------------------------------


def _contexts(element: Element) -> list[str]:
    found = []
    identifier = element.node.attributes.get("id") or ""
    if _IDENT.fullmatch(identifier):
        found.append(f"#{identifier}")
    for name in element.classes[:2]:
        found += [f".{name}", f"{element.tag}.{name}"]
    if element.tag not in ("div", "span"):
        found.append(element.tag)
    return found


def candidate_selectors(group: Group) -> list[str]:
    """Item selectors for a group, from the widest to the narrowest."""
    members, tag = group.members, group.members[0].tag
    common = [name for name in members[0].classes if all(name in m.classes for m in members)]
    own = [f".{name}" for name in common] + [f"{tag}.{name}" for name in common]
    if len(common) > 1:
        own.append(f"{tag}." + ".".join(common[:3]))
    own.append(tag)
    if tag == "tr":
        own.append("tr:has(td)")
    selectors = list(own)
    selectors += [f"{context} > {part}" for context in _contexts(group.container) for part in own]
    ancestor = group.container.parent
    for _ in range(3):
        if ancestor is None or ancestor.tag in ("body", "html"):
            break
        selectors += [f"{context} {part}" for context in _contexts(ancestor) for part in own]
        ancestor = ancestor.parent
    selectors += [f"{selector}:has(a[href])" for selector in own[-1:]]
    return list(dict.fromkeys(selectors))


def pick_selector(group: Group, tree, acceptable: Callable[[object], bool]) -> None:
    """The first (widest) selector that picks every linked member of the group and, beyond
    them, only items of the same kind that are acceptable; None when there is none."""
    wanted = {m.node.mem_id for m in group.members}
    for selector in candidate_selectors(group)[:_MAX_TRIES]:
        try:
            matched = tree.css(selector)
        except Exception:
            continue
        ids = {node.mem_id for node in matched}
        if not wanted <= ids or len(ids) != len(matched):
            continue
        extras = [node for node in matched if node.mem_id not in wanted]
        step = max(1, len(extras) // SAMPLE)  # judged on a sample, as the members are
        if all(acceptable(node) for node in extras[::step]) and not _nested(matched):
            group.selector, group.matched = selector, list(matched)
            return


def _nested(nodes) -> bool:
    ids = {node.mem_id for node in nodes}
    for node in nodes:
        parent = node.parent
        while parent is not None:
            if parent.mem_id in ids:
                return True
            parent = parent.parent
    return False


# -- scoring --------------------------------------------------------------------------------------


def judge(group: Group, zone: str | None, article: str | None) -> None:
    """Score a group on its analysed members, and say what it lacks to be the list."""
    linked = [m for m in group.analysed if m.linked]
    count = round(len(linked) / max(1, len(group.analysed)) * len(group.matched)) if group.matched else len(linked)
    words = sorted(len(m.title.split()) for m in linked) or [0]
    median = words[len(words) // 2]
    dated = sum(m.date is not None for m in linked) / max(1, len(linked))
    rich = sum(m.rich for m in linked) / max(1, len(linked))
    titled = min(1.0, max(0.0, (median - 1) / 3))
    main = 1.2 if group.container.main else 1.0
    group.score = math.log2(1 + count) * titled * (1 + 1.5 * dated + 0.5 * rich) * main * (0.2 if zone else 1)
    if zone:
        group.lacks.append(f"it is in {zone}")
    if article:
        group.lacks.append(article)
    if count < 2:
        group.lacks.append(f"{'only one item has' if count == 1 else 'no item has'} a title with a link")
    elif titled == 0:
        group.lacks.append(f"its links are too short to be titles ({median} word{'s' * (median != 1)})")
    elif dated < 0.5 and not (rich >= 0.5 and count >= 3):
        group.lacks.append("its items have no dates, headings, summaries or pictures")
    if group.selector is None and group.structured is None and not group.lacks:
        group.lacks.append("no CSS selector picks exactly its items")


_LANDMARKS = frozenset("main nav header footer aside form section article table".split())


def where(group: Group) -> str:
    """A group without a selector, said as a path: 'footer ul > li'."""
    path = f"{group.container.signature} > {group.members[0].signature}"
    for ancestor in group.container.ancestors():
        identifier = ancestor.node.attributes.get("id") or ""
        if _IDENT.fullmatch(identifier):
            return f"#{identifier} {path}"
        if ancestor.tag in _LANDMARKS:
            return f"{ancestor.signature} {path}"
    return path
