"""Every feed file of a site, as bytes keyed by output path. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .atom import atom_bytes
from .digest import group_by_month
from .documents import digest_feed, item_feed
from .model import FeedMeta, Item, Month

ITEMS_FEED = "feeds/items.atom"
DIGEST_FEED = "feeds/digest.atom"


def issue_path(month_key: str) -> str:
    return f"issues/{month_key}.html"


def item_anchor(item: Item) -> str:
    """The fragment of an item in its month's web copy; stable because the id is."""
    return "item-" + item.id.rsplit("/", 1)[-1]


def item_page_url(meta: FeedMeta, item: Item) -> str:
    return f"{meta.base_url}{issue_path(f'{item.date:%Y-%m}')}#{item_anchor(item)}"


def feed_files(
    items: Sequence[Item],
    meta: FeedMeta,
    *,
    labels: Mapping[str, str],
    items_per_feed: int,
    digest_months: int,
    months: Sequence[Month] | None = None,
) -> dict[str, bytes]:
    """The item feed (newest N items) and the digest feed (one entry per month)."""
    months = list(months) if months is not None else group_by_month(items, labels)
    newest = items[:items_per_feed]
    files = {
        ITEMS_FEED: atom_bytes(
            item_feed(
                newest,
                meta,
                self_url=meta.base_url + ITEMS_FEED,
                link_for=lambda item: item_page_url(meta, item),
            ),
            meta,
        ),
        DIGEST_FEED: atom_bytes(
            digest_feed(
                months[:digest_months],
                meta,
                self_url=meta.base_url + DIGEST_FEED,
                link_for=lambda month: f"{meta.base_url}{issue_path(month.key)}",
            ),
            meta,
        ),
    }
    return files
