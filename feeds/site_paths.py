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


IMAGES_FOLDER = "images"  # local sources' pictures, published under their stable names


def image_path(name: str) -> str:
    return f"{IMAGES_FOLDER}/{name}"


def archive_path(month_key: str) -> str:
    return f"feeds/archive/items-{month_key}.atom"


SLUG_BYTES = 80  # far under a file name's 255 bytes, with room for numbering and ".atom"
_HASH_CHARS = 8


def category_slugs(
    keys: Iterable[str], labels: Mapping[str, str], given: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Category key -> file-name slug: the slug `given` before (key -> slug, as stored in
    the archive) where there is one, else a new one that no other key was ever given,
    so a category that arrives later never takes over an existing feed.

    A new slug is a function of its own key and label: one that keeps everything of the
    key ("Co-operators" -> "co-operators") is used as is; a lossy one (accents, other
    scripts, cut to SLUG_BYTES) gets a short hash of the key. A clash left after that
    (with a slug given before, or between new keys) is numbered in key order.
    """
    given, wanted = given or {}, set(keys)
    slugs = {key: given[key] for key in wanted if key in given}
    taken = set(given.values())
    for key in sorted(wanted - slugs.keys()):
        base = slug = _category_slug(key, labels.get(key, key))
        number = 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        slugs[key] = slug
    return slugs


def _category_slug(key: str, label: str) -> str:
    slug = _ascii_slug(label)
    if slug and slug.replace("-", "") == key and len(slug) <= SLUG_BYTES:
        return slug
    return _hashed(slug or "category", key)


def slugify(text: str) -> str:
    """A safe file-name slug: lowercase ASCII letters, digits and single hyphens, at most
    SLUG_BYTES long; a longer one is cut and ends in a short hash of the whole text, so
    two long texts that start alike stay apart."""
    slug = _ascii_slug(text)
    if len(slug) > SLUG_BYTES:
        return _hashed(slug, text)
    return slug or "category"


def _ascii_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _hashed(slug: str, text: str) -> str:
    """`slug` cut on a word to leave room for "-" and a hash of `text`."""
    room = SLUG_BYTES - _HASH_CHARS - 1
    if len(slug) > room:
        slug = slug[: room + 1].rpartition("-")[0] or slug[:room]  # the last whole word that fits
    return f"{slug}-{hashlib.sha256(text.encode()).hexdigest()[:_HASH_CHARS]}"


def category_path(slug: str, ext: str = "atom") -> str:
    return f"feeds/category/{slug}.{ext}"
