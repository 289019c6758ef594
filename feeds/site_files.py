"""Every feed file of a site, as bytes keyed by output path. Pure.

Each subscription feed is written as Atom, RSS 2.0 and JSON Feed from one `FeedDoc`:
the item feed, the monthly digest feed and one feed per category. The item feed also
gets RFC 5005 archive documents, one per closed month (see `archive_months`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from .atom import atom_bytes, rss_bytes
from .dates import month_and_year
from .documents import FeedDoc, Link, digest_feed, item_feed
from .jsonfeed import json_bytes
from .model import FeedMeta, Item, Month
from .opml import Subscription, opml_bytes
from .site_paths import (
    archive_path,
    category_path,
    issue_path,
    item_page_url,
)

ITEMS_FEED = "feeds/items.atom"
DIGEST_FEED = "feeds/digest.atom"
OPML_FILE = "feeds/feeds.opml"

ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
JSON_TYPE = "application/feed+json"

# (file extension, media type, renderer, name shown in autodiscovery titles)
FORMATS: tuple[tuple[str, str, Callable[[FeedDoc, FeedMeta], bytes], str], ...] = (
    ("atom", ATOM_TYPE, atom_bytes, "Atom"),
    ("rss", RSS_TYPE, rss_bytes, "RSS"),
    ("json", JSON_TYPE, json_bytes, "JSON Feed"),
)


# -- archives (RFC 5005) ---------------------------------------------------------


def archive_months(months: Sequence[Month], today: date) -> list[Month]:
    """Closed months, oldest first: every month with items before the run's month.

    The run's own calendar month stays open (items may still arrive); it is served by
    the subscription document only. A month with no items gets no archive document.
    """
    current = (today.year, today.month)
    return sorted((m for m in months if (m.year, m.month) < current), key=lambda m: m.key)


def archive_doc(
    month: Month,
    meta: FeedMeta,
    *,
    prev_key: str | None,
    next_key: str | None,
    link_for: Callable[[Item], str | None],
) -> FeedDoc:
    """The archive document of one closed month, chained by prev-/next-archive links.

    Its bytes depend on its month's items and its neighbours' keys only, so a closed
    month changes when its items change, or (once) when the following month closes
    and next-archive appears.
    """
    links = [Link("current", meta.base_url + ITEMS_FEED, ATOM_TYPE)]
    if prev_key:
        links.append(Link("prev-archive", meta.base_url + archive_path(prev_key), ATOM_TYPE))
    if next_key:
        links.append(Link("next-archive", meta.base_url + archive_path(next_key), ATOM_TYPE))
    path = archive_path(month.key)
    return item_feed(
        month.items,
        meta,
        title=f"{meta.title} (archive: {month_and_year(month.year, month.month)})",
        self_url=meta.base_url + path,
        link_for=link_for,
        links=tuple(links),
        is_archive=True,
    )


def archive_neighbours(keys: Iterable[str], today: date) -> dict[str, tuple[str | None, str | None]]:
    """Closed month key -> (previous closed month, next closed month)."""
    closed = sorted(key for key in keys if key < f"{today:%Y-%m}")
    return {
        key: (closed[i - 1] if i else None, closed[i + 1] if i + 1 < len(closed) else None)
        for i, key in enumerate(closed)
    }


def archive_files(
    months: Iterable[Month],
    meta: FeedMeta,
    neighbours: Mapping[str, tuple[str | None, str | None]],
    *,
    link_for: Callable[[Item], str | None] | None = None,
) -> dict[str, bytes]:
    """Archive documents of the given months that are closed (in `neighbours`).
    `link_for` gives the page of an item without a URL (default: its web-copy anchor)."""
    link_for = link_for or (lambda item: item_page_url(meta, item))
    return {
        archive_path(month.key): atom_bytes(
            archive_doc(month, meta, prev_key=prev, next_key=following, link_for=link_for), meta
        )
        for month in months
        if month.key in neighbours
        for prev, following in [neighbours[month.key]]
    }


# -- every file ------------------------------------------------------------------


def _all_formats(stem: str, doc: FeedDoc, meta: FeedMeta) -> dict[str, bytes]:
    """The same document as Atom, RSS and JSON Feed; each names its own URL as self."""
    return {
        f"{stem}.{ext}": render(replace(doc, self_url=f"{meta.base_url}{stem}.{ext}"), meta)
        for ext, _type, render, _name in FORMATS
    }


def subscription_files(
    newest: Sequence[Item],
    open_items: Sequence[Item],
    recent_months: Sequence[Month],
    by_category: Mapping[str, Sequence[Item]],
    labels: Mapping[str, str],
    meta: FeedMeta,
    *,
    slugs: Mapping[str, str],
    newest_archive: str | None,
    link_for: Callable[[Item], str | None] | None = None,
    month_link: Callable[[Month], str | None] | None = None,
) -> dict[str, bytes]:
    """The feeds readers subscribe to, in every format, and the OPML list of them.

    `newest`: the newest N items; `open_items`: every item of the months not archived
    yet (the subscription document must hold them all, however many); `by_category`:
    the newest N items of each category key; `labels`: key -> label of those categories;
    `slugs`: key -> file-name slug of at least those (see `category_slugs`); `link_for`: the page of an item without a URL (default: its web-copy anchor);
    `month_link`: the page of a month's digest entry (default: its web copy).
    """
    link_for = link_for or (lambda item: item_page_url(meta, item))
    shown = {item.id for item in newest}
    entries = list(newest) + [item for item in open_items if item.id not in shown]
    links: tuple[Link, ...] = ()
    if newest_archive:
        links = (Link("prev-archive", meta.base_url + archive_path(newest_archive), ATOM_TYPE),)
    files: dict[str, bytes] = {}
    items_doc = item_feed(entries, meta, self_url=meta.base_url + ITEMS_FEED, link_for=link_for, links=links)
    files.update(_all_formats("feeds/items", items_doc, meta))

    digest_doc = digest_feed(
        recent_months,
        meta,
        self_url=meta.base_url + DIGEST_FEED,
        link_for=month_link or (lambda month: f"{meta.base_url}{issue_path(month.key)}"),
    )
    files.update(_all_formats("feeds/digest", digest_doc, meta))

    for key, label in labels.items():
        doc = item_feed(
            by_category.get(key, ()),
            meta,
            name=f"category/{slugs[key]}",
            title=f"{meta.title}: {label}",
            self_url=meta.base_url + category_path(slugs[key]),
            link_for=link_for,
        )
        files.update(_all_formats(f"feeds/category/{slugs[key]}", doc, meta))

    # One outline per feed (its Atom form): importing the list must not subscribe
    # a reader to the same feed three times.
    files[OPML_FILE] = opml_bytes(
        f"{meta.title}: feeds",
        meta.author.name,
        [Subscription(title, f"{meta.base_url}{stem}.atom", meta.base_url) for stem, title in _feeds(meta, labels, slugs)],
    )
    return files


def _feeds(meta: FeedMeta, labels: Mapping[str, str], slugs: Mapping[str, str]) -> list[tuple[str, str]]:
    """(path without extension, title) of every subscription feed."""
    feeds = [("feeds/items", meta.title), ("feeds/digest", f"{meta.title} (monthly digest)")]
    feeds += [(f"feeds/category/{slugs[key]}", f"{meta.title}: {labels[key]}") for key in sorted(labels)]
    return feeds


def feed_links(meta: FeedMeta, labels: Mapping[str, str], slugs: Mapping[str, str]) -> list[dict[str, str]]:
    """Every subscription feed in every format, for `<link rel="alternate">` and OPML:
    dicts of title, absolute url and the literal media type ("application/atom+xml");
    `labels` maps the keys of the categories that have a feed to their labels, `slugs`
    the keys to their file-name slugs."""
    return [
        {"title": f"{title} ({name})", "url": f"{meta.base_url}{stem}.{ext}", "type": media_type}
        for stem, title in _feeds(meta, labels, slugs)
        for ext, media_type, _render, name in FORMATS
    ]
