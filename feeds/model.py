"""The data that flows through feedletter: frozen values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in an input, located by source and 1-based line."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Image:
    """A picture of an item: an absolute http(s) URL, with what the source tells of it.

    Read from a local items file, `url` may instead be a path relative to that file until
    the application copies the picture into the output (see feeds.images.is_local_path)."""

    url: str
    alt: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedItem:
    """One item as read from a source, before the archive gives it an identity."""

    title: str
    date: date | None  # None: the source gives none (a feed entry); the archive dates it when first seen
    category: str | None = None
    summary: str | None = None
    url: str | None = None
    line: int = 0
    guid: str | None = None  # an id the source itself gives (feeds: guid/id, else link), if any
    moment: datetime | None = None  # aware: the entry's own time, when the source gives one
    content_html: str | None = None  # sanitised markup with absolute links, when the source has markup
    image: Image | None = None


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
    content_html: str | None = None  # sanitised markup (the summary is its text)
    image: Image | None = None


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
    hub: str | None = None  # a WebSub hub that every feed names (rel="hub")
    logo_url: str | None = None  # the site's logo (Atom logo, RSS image), absolute
    icon_url: str | None = None  # a small square icon (Atom icon), absolute; else the logo
