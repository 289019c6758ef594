"""Atom and RSS 2.0 documents from a `FeedDoc`. The only module that imports feedgen.

feedgen stamps the current time and its own version into every document unless told
otherwise; everything is set explicitly here so the same FeedDoc gives the same bytes.
"""

from __future__ import annotations

from .documents import FeedDoc
from .model import FeedMeta, Image

GENERATOR = "feedletter"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 feed history
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"  # Media RSS: an entry's picture, in Atom and RSS alike


class _ArchiveExtension:
    """RFC 5005 `<fh:archive/>`: marks a document whose entries will not change.

    feedgen ships no extension for it; this is the register_extension route."""

    def extend_ns(self):
        return {"fh": FH_NS}

    def extend_atom(self, feed):
        from lxml import etree

        # feedgen calls this before it appends entries, so the element lands among
        # the feed's metadata, where RFC 4287 allows extension elements.
        etree.SubElement(feed, f"{{{FH_NS}}}archive")
        return feed

    def extend_rss(self, feed):
        return feed


class _RssHubExtension:
    """WebSub's `<atom:link rel="hub">` in an RSS channel: feedgen writes only the first
    rel="self" link of a feed into RSS, so the hub link goes in by this extension."""

    href = ""

    def extend_ns(self):
        return {"atom": ATOM_NS}

    def extend_atom(self, feed):
        return feed

    def extend_rss(self, feed):
        from lxml import etree

        etree.SubElement(feed.find("channel"), f"{{{ATOM_NS}}}link", href=self.href, rel="hub")
        return feed


class _MediaFeed:
    """Declares the Media RSS prefix once, on the root; the entries carry the elements."""

    def extend_ns(self):
        return {"media": MEDIA_NS}

    def extend_atom(self, feed):
        return feed

    def extend_rss(self, feed):
        return feed


class _MediaEntry:
    """An entry's picture as Media RSS: `<media:content medium="image">` with its size
    and, when the source gave words for it, `<media:description>`; and the same picture
    as `<media:thumbnail>`, which some readers look for instead. feedgen's own media
    extension has no description, so this is the register_extension route."""

    def __init__(self) -> None:
        self.image: Image | None = None

    def extend_atom(self, entry):
        from lxml import etree

        image = self.image
        if image is None:
            return entry
        sizes = {key: str(value) for key, value in (("width", image.width), ("height", image.height)) if value}
        content = etree.SubElement(entry, f"{{{MEDIA_NS}}}content", {"url": image.url, "medium": "image", **sizes})
        if image.alt:
            description = etree.SubElement(content, f"{{{MEDIA_NS}}}description", {"type": "plain"})
            description.text = image.alt
        etree.SubElement(entry, f"{{{MEDIA_NS}}}thumbnail", {"url": image.url, **sizes})
        return entry

    def extend_rss(self, item):
        return self.extend_atom(item)


def _generator(doc: FeedDoc, meta: FeedMeta, *, self_type: str | None = None):
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(doc.id)
    feed.title(doc.title)
    feed.subtitle(doc.subtitle or doc.title)
    feed.language(meta.language)
    feed.author({"name": meta.author.name, **({"email": meta.author.email} if meta.author.email else {})})
    feed.generator(GENERATOR)  # no version string: an upgrade must not change every file
    feed.updated(doc.updated)
    feed.lastBuildDate(doc.updated)  # not "now": an unchanged feed keeps its bytes
    # feedgen takes the RSS channel <link> from the last link added: the site goes last.
    feed.link(href=doc.self_url, rel="self", **({"type": self_type} if self_type else {}))
    for link in doc.links:
        feed.link(href=link.href, rel=link.rel, **({"type": link.type} if link.type else {}))
    if meta.hub:  # WebSub (W3C): where a reader subscribes to hear of changes at once
        feed.link(href=meta.hub, rel="hub")
        feed.register_extension("websub", _RssHubExtension, None, atom=False, rss=True)
        feed.websub.href = meta.hub
    feed.link(href=doc.home_url, rel="alternate", type="text/html")
    if meta.logo_url:  # Atom logo and RSS <image>, whose title and link must be the channel's
        feed.image(url=meta.logo_url, title=doc.title, link=doc.home_url)
    if meta.icon_url or meta.logo_url:
        feed.icon(meta.icon_url or meta.logo_url)
    if any(entry.image for entry in doc.entries):
        feed.register_extension("media", _MediaFeed, _MediaEntry, atom=True, rss=True)
    return feed


def atom_bytes(doc: FeedDoc, meta: FeedMeta) -> bytes:
    feed = _generator(doc, meta)
    if doc.is_archive:
        feed.register_extension("fh", _ArchiveExtension, None, atom=True, rss=False)
    for entry in doc.entries:
        fe = feed.add_entry(order="append")  # entries are already newest first
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
        if entry.image:
            fe.media.image = entry.image
    return feed.atom_str(pretty=True, encoding="UTF-8")


def rss_bytes(doc: FeedDoc, meta: FeedMeta) -> bytes:
    """RSS 2.0: channel <link> is the site, atom:link rel=self the feed, guid not a permalink.

    The HTML goes into <description> (what every RSS reader shows), not content:encoded;
    pubDate is the entry's publication time, since RSS has no "updated"."""
    feed = _generator(doc, meta, self_type="application/rss+xml")
    feed.description(doc.subtitle or doc.title)
    for entry in doc.entries:
        fe = feed.add_entry(order="append")
        fe.guid(entry.id, permalink=False)
        fe.title(entry.title)
        fe.pubDate(entry.published)
        fe.description(entry.content_html)
        if entry.link:
            fe.link(href=entry.link, rel="alternate")
        if entry.category:
            fe.category(term=entry.category)
        if entry.image:
            fe.media.image = entry.image
    return feed.rss_str(pretty=True, encoding="UTF-8")
