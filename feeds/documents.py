"""What goes into each feed document, independent of its format. Pure.

A `FeedDoc` is rendered as Atom or RSS by `feeds.atom` and as JSON Feed by
`feeds.jsonfeed`; building it once keeps the formats saying the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from .dates import long_date, month_and_year
from .model import FeedMeta, Image, Item, Month

EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    title: str
    published: datetime
    updated: datetime
    content_html: str  # escaped exactly once here; serialisers escape it again as XML/JSON text
    link: str | None = None  # absolute URL of the entry's own page, if any
    category: str | None = None
    image: Image | None = None  # its picture (Media RSS in Atom and RSS, `image` in JSON Feed)


@dataclass(frozen=True, slots=True)
class Link:
    rel: str
    href: str
    type: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class FeedDoc:
    id: str
    title: str
    self_url: str
    home_url: str  # the site page the feed belongs to (Atom rel="alternate", RSS <link>)
    entries: tuple[Entry, ...]
    subtitle: str | None = None
    links: tuple[Link, ...] = ()  # RFC 5005 and other relations
    is_archive: bool = False

    @property
    def updated(self) -> datetime:
        """The newest entry's `updated`: never the build time."""
        return max((entry.updated for entry in self.entries), default=EPOCH)


def feed_id(meta: FeedMeta, name: str) -> str:
    return f"tag:{meta.id_authority}:feed/{name}"


def summary_html(text: str | None) -> str:
    """Plain-text paragraphs as HTML paragraphs."""
    if not text:
        return ""
    return "".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in text.split("\n\n"))


def item_entry(item: Item, link_for: Callable[[Item], str | None]) -> Entry:
    content = item.content_html or summary_html(item.summary) or f"<p>{escape(item.title, quote=False)}</p>"
    return Entry(
        id=item.id,
        title=item.title,
        published=item.published,
        updated=item.updated,
        content_html=content,
        link=item.url or link_for(item),
        category=item.category,
        image=item.image,
    )


def month_html(month: Month) -> str:
    """A month's items as a simple HTML list by section: the digest feed's content."""
    parts = []
    for section in month.sections:
        parts.append(f"<h2>{escape(section.title, quote=False)}</h2><ul>")
        for item in section.items:
            title = escape(item.title, quote=False)
            if item.url:
                title = f'<a href="{escape(item.url)}">{title}</a>'
            when = long_date(item.date)
            parts.append(f"<li><strong>{title}</strong> ({when})")
            if item.summary:
                parts.append(f"<br>{escape(item.summary, quote=False)}")
            parts.append("</li>")
        parts.append("</ul>")
    return "".join(parts)


def item_feed(
    items: Sequence[Item],
    meta: FeedMeta,
    *,
    name: str = "items",
    title: str | None = None,
    self_url: str,
    link_for: Callable[[Item], str | None] = lambda item: None,
    links: tuple[Link, ...] = (),
    is_archive: bool = False,
) -> FeedDoc:
    """A feed of items; `items` must already be newest first and cut to size."""
    return FeedDoc(
        id=feed_id(meta, name),
        title=title or meta.title,
        subtitle=meta.subtitle,
        self_url=self_url,
        home_url=meta.base_url,
        entries=tuple(item_entry(item, link_for) for item in items),
        links=links,
        is_archive=is_archive,
    )


def digest_feed(
    months: Sequence[Month], meta: FeedMeta, *, self_url: str, link_for: Callable[[Month], str | None]
) -> FeedDoc:
    """One entry per month, newest first."""
    entries = tuple(
        Entry(
            id=f"tag:{meta.id_authority}:digest/{month.key}",
            title=f"{meta.title}: {month_and_year(month.year, month.month)}",
            published=month.published,
            updated=month.updated,
            content_html=month_html(month),
            link=link_for(month),
            image=next((item.image for item in month.items if item.image), None),  # its newest story's
        )
        for month in months
    )
    return FeedDoc(
        id=feed_id(meta, "digest"),
        title=f"{meta.title} (monthly digest)",
        subtitle=meta.subtitle,
        self_url=self_url,
        home_url=meta.base_url,
        entries=entries,
    )
