"""The data that flows through feedletter: frozen values, no I/O."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in an input, located by source and 1-based line."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One item as read from a source, before the archive gives it an identity."""

    title: str
    date: date
    category: str | None = None
    summary: str | None = None
    url: str | None = None
    line: int = 0
    guid: str | None = None  # an id the source itself gives (feeds), if any


def first_of_each(items: Iterable[ParsedItem]) -> tuple[ParsedItem, ...]:
    """The items in order, without repeats: the same date and normalised title is the
    same item (a page listing one story twice, a feed repeating an entry)."""
    seen: set[tuple[date, str]] = set()
    unique = []
    for item in items:
        key = (item.date, normalise_title(item.title))
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return tuple(unique)


@dataclass(frozen=True, slots=True)
class ParseResult:
    source: str
    items: tuple[ParsedItem, ...] = ()
    problems: tuple[Problem, ...] = ()
    encoding: str = "UTF-8"  # how the bytes were decoded, when detected otherwise (UTF-16)


@dataclass(frozen=True, slots=True)
class Item:
    """An archived item: identity and times are minted once and never recomputed."""

    id: str
    title: str
    date: date
    category: str | None
    summary: str | None
    url: str | None
    source: str
    published: datetime  # aware; start of `date` in the site timezone plus a stored offset
    updated: datetime  # aware; equals `published` until an edit is seen
    hidden: bool = False

    @property
    def category_key(self) -> str | None:
        return category_key(self.category) if self.category else None


@dataclass(frozen=True, slots=True)
class Section:
    """Items of one category (or one newsletter section) inside a month."""

    key: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Month:
    """One calendar month of items, newest first."""

    year: int
    month: int
    items: tuple[Item, ...]
    sections: tuple[Section, ...] = field(default=())

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def updated(self) -> datetime:
        return max(item.updated for item in self.items)

    @property
    def published(self) -> datetime:
        return max(item.published for item in self.items)


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """What every feed document of a site shares."""

    title: str
    base_url: str  # absolute, ends with "/"
    language: str
    author: Author
    id_authority: str  # tag URI authority, e.g. "example.org,2024"
    subtitle: str | None = None


def whole_minute_offset(moment: datetime) -> datetime:
    """The same wall time with the UTC offset rounded to whole minutes. Zones used local
    mean time before about 1900 (Europe/Zurich +00:34:08), but RFC 3339 and RFC 822
    offsets have no seconds."""
    offset = moment.utcoffset()
    if offset is None or offset.total_seconds() % 60 == 0:
        return moment
    return moment.replace(tzinfo=timezone(timedelta(minutes=round(offset.total_seconds() / 60))))


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces too) into one space."""
    return " ".join(text.split())


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


def slugify(text: str) -> str:
    """A safe file-name slug: lowercase ASCII letters, digits and single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "category"
