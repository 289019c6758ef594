"""How an item is recognised, named and compared: pure rules, used by every source
kind and by the archive.

An item's id is minted once from its key and stored; these functions are what make
re-ingesting the same pages into a new archive give the same ids."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from .model import ParsedItem

_NOT_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=1 << 17)  # parsing and storing a page ask for the same titles
def normalise_title(title: str) -> str:
    """The form of a title used to recognise the same item again: case, accents of
    punctuation, quotes, dashes and spacing do not matter."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return _NOT_WORD.sub(" ", text).strip()


def category_key(category: str) -> str:
    """Categories equal but for case, hyphens or spacing share a key ("Co-operators" / "Cooperators")."""
    text = unicodedata.normalize("NFKC", category).casefold()
    return _NOT_WORD.sub("", text)


def item_key(title: str, when: date) -> str:
    """The key an item is recognised by: its date and normalised title."""
    return f"{when.isoformat()}|{normalise_title(title)}"


def guid_key(guid: str) -> str:
    """The key a feed entry is recognised by when its source gives it an id."""
    return f"guid|{guid}"


def undated_key(title: str) -> str:
    """The key of an item with neither a date nor an id of its own: its title."""
    return f"undated|{normalise_title(title)}"


def parsed_key(item: ParsedItem) -> str:
    """The key an item of a source is stored under (besides its guid's)."""
    return item_key(item.title, item.date) if item.date else undated_key(item.title)


def mint_id(authority: str, title: str, when: date, *, key: str | None = None) -> str:
    """A tag URI (RFC 4151) from the normalised title and date: the same page ingested
    into a new archive gets the same ids, and the stored id never changes afterwards.
    `key` is `item_key(title, when)` when the caller has it already."""
    digest = hashlib.sha256((key or item_key(title, when)).encode()).hexdigest()[:16]
    return f"tag:{authority}:item/{when.isoformat()}/{digest}"


def mint_entry_id(authority: str, source: str, guid: str) -> str:
    """A feed entry's tag URI, from its source and its own id (guid, id, else link): the
    same feed ingested into a new archive gets the same ids, dated or not."""
    digest = hashlib.sha256(f"{source}\x1f{guid}".encode()).hexdigest()[:16]
    return f"tag:{authority}:entry/{digest}"


def content_hash(item: ParsedItem) -> str:
    """What an edit changes: a stored item whose hash differs has been edited."""
    fields = [item.title, item.category or "", item.summary or "", item.url or ""]
    # markup and pictures count only when there are some, so hashes stored before they
    # were kept still match
    if item.content_html:
        fields.append(item.content_html)
    if item.image:
        image = item.image
        fields.append("\x1e".join(str(part or "") for part in (image.url, image.alt, image.width, image.height)))
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def first_of_each(items: Iterable[ParsedItem]) -> tuple[ParsedItem, ...]:
    """The items in order, without repeats: the same date and normalised title is the
    same item (a page listing one story twice, a feed repeating an entry)."""
    seen: set[tuple[date | None, str]] = set()
    unique = []
    for item in items:
        key = (item.date, normalise_title(item.title))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return tuple(unique)
