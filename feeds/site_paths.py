"""Where each thing lives in the published site: output paths, anchors and file-name
slugs, each a function of the item or key it names, so links never move. Pure."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping

from .model import FeedMeta, Item


def issue_path(month_key: str) -> str:
    return f"issues/{month_key}.html"


def item_anchor(item: Item) -> str:
    """The HTML id of an item in its month's web copy; stable because the id never changes."""
    return "item-" + hashlib.sha256(item.id.encode("utf-8")).hexdigest()[:12]


def item_page_url(meta: FeedMeta, item: Item) -> str:
    return f"{meta.base_url}{issue_path(f'{item.date:%Y-%m}')}#{item_anchor(item)}"


def archive_path(month_key: str) -> str:
    return f"feeds/archive/items-{month_key}.atom"


def category_slugs(keys: Iterable[str], labels: Mapping[str, str]) -> dict[str, str]:
    """Category key -> file-name slug, each a function of its own key and label only,
    so a new category never renames an existing feed.

    A slug that keeps everything of the key ("Co-operators" -> "co-operators") is used
    as is; two different keys cannot share such a slug. A lossy slug (accents, other
    scripts) gets a short hash of the key. A clash left after that (vanishingly rare)
    is numbered in key order.
    """
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for key in sorted(set(keys)):
        slug = slugify(labels.get(key, key))
        if slug.replace("-", "") != key:
            slug = f"{slug}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
        base, number = slug, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        slugs[key] = slug
    return slugs


def slugify(text: str) -> str:
    """A safe file-name slug: lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "category"


def category_path(slug: str, ext: str = "atom") -> str:
    return f"feeds/category/{slug}.{ext}"
