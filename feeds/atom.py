"""Atom and RSS 2.0 documents from a `FeedDoc`. The only module that imports feedgen.

feedgen stamps the current time and its own version into every document unless told
otherwise; everything is set explicitly here so the same FeedDoc gives the same bytes.
"""

from __future__ import annotations

from .documents import FeedDoc
from .model import FeedMeta

GENERATOR = "feedletter"


def _generator(doc: FeedDoc, meta: FeedMeta):
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(doc.id)
    feed.title(doc.title)
    feed.subtitle(doc.subtitle or doc.title)
    feed.language(meta.language)
    feed.author({"name": meta.author.name, **({"email": meta.author.email} if meta.author.email else {})})
    feed.generator(GENERATOR)
    feed.updated(doc.updated)
    feed.lastBuildDate(doc.updated)
    # feedgen takes the RSS channel <link> from the last link added: the site goes last.
    feed.link(href=doc.self_url, rel="self")
    for link in doc.links:
        feed.link(href=link.href, rel=link.rel, **({"type": link.type} if link.type else {}))
    feed.link(href=doc.home_url, rel="alternate", type="text/html")
    for entry in doc.entries:
        fe = feed.add_entry(order="append")
        fe.id(entry.id)
        fe.guid(entry.id, permalink=False)
        fe.title(entry.title)
        fe.published(entry.published)
        fe.updated(entry.updated)
        fe.content(entry.content_html, type="html")
        if entry.link:
            fe.link(href=entry.link, rel="alternate", type="text/html")
        if entry.category:
            fe.category(term=entry.category)
    return feed


def atom_bytes(doc: FeedDoc, meta: FeedMeta) -> bytes:
    return _generator(doc, meta).atom_str(pretty=True, encoding="UTF-8")
