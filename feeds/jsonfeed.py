"""JSON Feed 1.1 from a `FeedDoc`, written by hand (feedgen has no JSON Feed). Pure.

Keys are written in a fixed order (not sorted: `version` first reads best) and the
output ends with a newline, so the same FeedDoc always gives the same bytes.
"""

from __future__ import annotations

import json

from .dates import rfc3339
from .documents import Entry, FeedDoc
from .model import FeedMeta

VERSION = "https://jsonfeed.org/version/1.1"


def _author(meta: FeedMeta) -> dict:
    # JSON Feed authors have no e-mail field; a mailto: URL is the usual stand-in.
    author = {"name": meta.author.name}
    if meta.author.email:
        author["url"] = f"mailto:{meta.author.email}"
    return author


def _item(entry: Entry) -> dict:
    item: dict[str, object] = {"id": entry.id}  # a string, as 1.1 requires; the same id as Atom and RSS
    if entry.link:
        item["url"] = entry.link
    item["title"] = entry.title
    item["content_html"] = entry.content_html
    item["date_published"] = rfc3339(entry.published)
    item["date_modified"] = rfc3339(entry.updated)
    if entry.category:
        item["tags"] = [entry.category]
    if entry.image:
        item["image"] = entry.image.url
    return item


def json_feed(doc: FeedDoc, meta: FeedMeta) -> dict:
    feed: dict[str, object] = {
        "version": VERSION,
        "title": doc.title,
        "home_page_url": doc.home_url,
        "feed_url": doc.self_url,
    }
    if doc.subtitle:
        feed["description"] = doc.subtitle
    if meta.icon_url or meta.logo_url:  # JSON Feed's icon is the large one (512 px), its favicon the small
        feed["icon"] = meta.logo_url or meta.icon_url
    if meta.icon_url:
        feed["favicon"] = meta.icon_url
    feed["language"] = meta.language
    if meta.hub:
        feed["hubs"] = [{"type": "WebSub", "url": meta.hub}]
    feed["authors"] = [_author(meta)]
    feed["items"] = [_item(entry) for entry in doc.entries]
    return feed


def json_bytes(doc: FeedDoc, meta: FeedMeta) -> bytes:
    text = json.dumps(json_feed(doc, meta), ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")
