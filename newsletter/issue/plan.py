"""Plan one issue: which items lead, which go where, which are left out. Pure."""

from __future__ import annotations

import difflib
import fnmatch
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from feeds.identity import category_key, normalise_title
from feeds.model import Item, Month
from feeds.sanitise import normalise_space
from feeds.site_paths import slugify

from .language import N_, language
from .settings import NewsletterSettings, SectionSpec, month_parts

OTHER_NEWS = N_("Other news")  # the default section of items without a category
NEWS = N_("News")  # ... when no item of the month has one


@dataclass(frozen=True, slots=True)
class IssueSection:
    title: str  # the heading as shown (section_heading pattern applied)
    key: str  # a slug, stable: used as the HTML anchor "section-<key>"
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Issue:
    key: str  # "2022-12"
    year: int
    month: int
    number: int | None
    month_label: str  # "December 2022"
    date_line: str  # "December, 2022"
    subject: str  # one line, never CR/LF
    lead: Item | None
    sections: tuple[IssueSection, ...]  # configured order; empty sections left out
    excluded: tuple[Item, ...]
    warnings: tuple[str, ...] = ()
    in_progress: bool = False  # the open month: items may still arrive, it is not sent

    @property
    def items(self) -> tuple[Item, ...]:
        """Every item in the issue, in reading order."""
        lead = (self.lead,) if self.lead else ()
        return lead + tuple(item for section in self.sections for item in section.items)

    @property
    def is_empty(self) -> bool:
        return self.lead is None and not self.sections


def issue_number(settings: NewsletterSettings, year: int, month: int) -> int | None:
    """The issue number of a month under the configured scheme; None before the first issue."""
    if settings.numbering == "none":
        return None
    first = month_parts(settings.first_issue) if settings.first_issue else None
    if settings.numbering == "continuous":
        assert first is not None  # the config reader requires first_issue for continuous numbering
        offset = (year * 12 + month) - (first[0] * 12 + first[1])
        return settings.first_number + offset if offset >= 0 else None
    # yearly: restart every January; in the first year count from the first issue
    if first is not None:
        if (year, month) < first:
            return None
        if year == first[0]:
            return settings.first_number + month - first[1]
    return month


def pattern_fields(settings: NewsletterSettings, year: int, month: int, number: int | None) -> dict[str, object]:
    month_name = language(settings.language).month_name(month)
    date_fields = {"month_name": month_name, "year": year, "month": f"{month_name} {year}", "key": f"{year:04d}-{month:02d}"}
    date_line = normalise_space(settings.date_line.format(title=settings.title, number=number or "", date_line="", **date_fields))
    date_line = date_line[:1].upper() + date_line[1:]  # a line of its own: "Décembre 2022"
    return {"title": settings.title, "number": number if number is not None else "", "date_line": date_line, **date_fields}


def is_excluded(item: Item, settings: NewsletterSettings) -> bool:
    title = normalise_space(item.title).casefold()
    return any(fnmatch.fnmatchcase(title, pattern.casefold()) for pattern in settings.exclude_titles)


@functools.lru_cache(maxsize=8)
def _section_keys(specs: tuple[SectionSpec, ...]) -> tuple[dict[str, int], tuple[tuple[str, ...], ...]]:
    """Category key -> first section naming it, and each section's normalised keywords:
    computed once per configuration, not once per item."""
    by_category: dict[str, int] = {}
    for index, spec in enumerate(specs):
        for category in spec.categories:
            by_category.setdefault(category_key(category), index)
    keywords = tuple(tuple(normalise_title(keyword) for keyword in spec.keywords) for spec in specs)
    return by_category, keywords


def section_index(item: Item, specs: tuple[SectionSpec, ...]) -> int | None:
    """The section an item belongs to: by category key; without a category (or with one no section
    names) by the longest matching title keyword; else the catch-all section; else None."""
    by_category, keywords = _section_keys(specs)
    if item.category:
        index = by_category.get(category_key(item.category))
        if index is not None:
            return index
    title = f" {normalise_title(item.title)} "
    best: tuple[int, int] | None = None  # (keyword length, -index)
    for index, words in enumerate(keywords):
        for word in words:
            if word and f" {word} " in title:
                candidate = (len(word), -index)
                if best is None or candidate > best:
                    best = candidate
    if best is not None:
        return -best[1]
    for index, spec in enumerate(specs):
        if spec.catch_all:
            return index
    return None


def settings_warnings(settings: NewsletterSettings, categories: Mapping[str, str], months: Iterable[str]) -> list[str]:
    """What in the [newsletter] settings names nothing in the archive: a lead or an
    editorial for a month with no items, and, in sections the user configured, a
    category that looks like a misspelt stored one, or a section no item can reach.
    (A category no item has yet is not told: a section list is written for the
    categories a site will have.) `categories` maps the archive's category keys to
    their labels, `months` its YYYY-MM keys with items."""
    found: list[str] = []
    with_items = set(months)
    for table, keys in (("newsletter.lead", settings.lead), ("newsletter.editorial", settings.editorial)):
        found += [f"[{table}] {key}: no item is dated in {key}; it names nothing" for key, _ in keys
                  if key not in with_items]
    if not settings.sections:  # sections follow the archive: nothing to name
        return found
    by_category, keywords = _section_keys(settings.sections)
    for index, spec in enumerate(settings.sections):
        for category in spec.categories:
            key = category_key(category)
            if key in categories or key in by_category and by_category[key] != index:
                continue
            near = difflib.get_close_matches(key, [k for k in categories if k not in by_category], n=1, cutoff=0.8)
            if near:
                found.append(f"[[newsletter.sections]] {spec.title!r}: no stored item has the category {category!r}; "
                             f"did you mean {categories[near[0]]!r}?")
        if index not in by_category.values() and not any(keywords[index]) and not spec.catch_all:
            found.append(f"[[newsletter.sections]] {spec.title!r}: no item can reach this section "
                         "(its categories are taken by an earlier section, and it has no keywords)")
    return found


def _find_named(items: tuple[Item, ...], wanted: str) -> Item | None:
    for item in items:
        if item.id == wanted:
            return item
    key = normalise_title(wanted)
    for item in items:
        if normalise_title(item.title) == key:
            return item
    return None


def archive_sections(month: Month, items: Iterable[Item], settings: NewsletterSettings) -> tuple[SectionSpec, ...]:
    """The sections when none are configured: one per category `items` have, the
    lead categories first (in their configured order), then by item count, most first,
    ties by name; items without a category last, under "Other news" ("News" when no
    item has a category). Titles are the archive's labels (`month.sections`)."""
    labels = {section.key: section.title for section in month.sections}
    counts: dict[str, int] = {}
    categories: dict[str, str] = {}
    uncategorised = False
    for item in items:
        if not item.category:
            uncategorised = True
            continue
        key = category_key(item.category)
        counts[key] = counts.get(key, 0) + 1
        categories.setdefault(key, item.category)
    lead_rank: dict[str, int] = {}
    for rank, category in enumerate(settings.lead_categories):
        lead_rank.setdefault(category_key(category), rank)

    def title(key: str) -> str:
        return labels.get(key) or categories[key]

    def order(key: str) -> tuple[int, int, int, str]:
        if key in lead_rank:
            return (0, lead_rank[key], 0, "")
        return (1, 0, -counts[key], title(key).casefold())

    specs = [SectionSpec(title(key), (categories[key],)) for key in sorted(counts, key=order)]
    if uncategorised:
        words = language(settings.language)
        specs.append(SectionSpec(words.gettext(OTHER_NEWS if counts else NEWS), catch_all=True))
    return tuple(specs)


def plan_issue(month: Month, settings: NewsletterSettings, *, in_progress: bool = False) -> Issue:
    """Lead, sections (configured order, newest first inside each) and excluded items of a
    month; `in_progress`: the month is still open."""
    key = month.key
    number = issue_number(settings, month.year, month.month)
    fields = pattern_fields(settings, month.year, month.month, number)
    pattern = settings.subject if number is not None else settings.subject_unnumbered
    subject = normalise_space(pattern.format(**fields))

    visible = tuple(item for item in month.items if not item.hidden)
    excluded = tuple(item for item in visible if is_excluded(item, settings))
    candidates = tuple(item for item in visible if item not in excluded)
    warnings: list[str] = []

    lead: Item | None = None
    named = settings.lead_for(key)
    if named is not None:
        if named:
            lead = _find_named(candidates, named)
            if lead is None:
                warnings.append(f"newsletter.lead.{key}: no item of {key} is titled {named!r}; using the default lead")
    if lead is None and named != "" and settings.lead_categories:
        lead_keys = {category_key(c) for c in settings.lead_categories}
        lead = next((item for item in candidates if item.category and category_key(item.category) in lead_keys), None)
        # none of those categories this month (or on this site): an issue still opens with a
        # story, the newest with a picture if any has one
        lead = lead or next((item for item in candidates if item.image), candidates[0] if candidates else None)

    specs = settings.sections or archive_sections(month, (item for item in candidates if item is not lead), settings)
    buckets: list[list[Item]] = [[] for _ in specs]
    for item in candidates:
        if item is lead:
            continue
        index = section_index(item, specs)
        if index is None:
            warnings.append(f"{key}: {item.title!r} (category {item.category!r}) fits no section; left out")
            excluded += (item,)
            continue
        buckets[index].append(item)

    sections = []
    used: set[str] = set()
    for spec, items in zip(specs, buckets):
        slug = slugify(spec.title)
        while slug in used:
            slug += "-2"
        used.add(slug)
        if items:
            heading = normalise_space(settings.section_heading.format(**{**fields, "title": spec.title}))
            sections.append(IssueSection(title=heading, key=slug, items=tuple(items)))

    return Issue(
        key=key,
        year=month.year,
        month=month.month,
        number=number,
        month_label=str(fields["month"]),
        date_line=str(fields["date_line"]),
        subject=subject,
        lead=lead,
        sections=tuple(sections),
        excluded=excluded,
        warnings=tuple(warnings),
        in_progress=in_progress,
    )
