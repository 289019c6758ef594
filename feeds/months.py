"""Group items into calendar months with sections by category. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import groupby

from .identity import category_key
from .model import Item, Month, Section

UNCATEGORISED = "Other news"


def newest_first(items: Iterable[Item]) -> list[Item]:
    """Newest first; items of one day keep their listing order through their stored offsets."""
    return sorted(items, key=lambda item: (item.published, item.id), reverse=True)


def group_by_month(items: Iterable[Item], labels: Mapping[str, str] | None = None) -> list[Month]:
    """Months newest first, each with its items newest first and one section per category.

    `labels` maps a category key to the label to show (so "Co-operators" and
    "Cooperators" make one section); by default the first label met is used.
    """
    months = []
    ordered = newest_first(items)
    for (year, month), group in groupby(ordered, key=lambda item: (item.date.year, item.date.month)):
        month_items = tuple(group)
        months.append(Month(year, month, month_items, sections_of(month_items, labels or {})))
    return months


def sections_of(items: Iterable[Item], labels: Mapping[str, str]) -> tuple[Section, ...]:
    """One section per category, in order of each category's newest item; uncategorised last."""
    buckets: dict[str, list[Item]] = {}
    titles: dict[str, str] = {}
    for item in items:
        key = category_key(item.category) if item.category else ""
        buckets.setdefault(key, []).append(item)
        titles.setdefault(key, labels.get(key, item.category or UNCATEGORISED))
    keys = sorted(buckets, key=lambda key: key == "")  # stable: keeps first-seen order
    return tuple(Section(key or "uncategorised", titles[key], tuple(buckets[key])) for key in keys)
