"""Feed documents: Atom (against the RFC 4287 RELAX NG schema, plus the rules the
schema cannot express), RSS 2.0, JSON Feed 1.1 and OPML. Messages name each rule as the
W3C validator's documentation does, so a finding can be looked up there. Pure."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from ..urls import is_absolute
from .report import Finding, Report, date822, date3339, html_problems, iri_problems, json_iris, parse_xml, xml_iris

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
MEDIA = "{http://search.yahoo.com/mrss/}"
MEDIA_MEDIUMS = ("image", "audio", "video", "document", "executable")
SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "atom.rng"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ARCHIVE_RELS = ("current", "prev-archive", "next-archive")


@lru_cache(maxsize=1)
def _atom_schema():
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.RelaxNG(etree.parse(str(SCHEMA), parser))


def check_atom(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    report = Report(path)
    root = parse_xml(data, report)
    if root is None:
        return report.findings
    if root.tag != f"{ATOM}feed":
        report.error(f"not an Atom feed: root element is {root.tag}")
        return report.findings
    schema = _atom_schema()
    if not schema.validate(root):
        for error in list(schema.error_log)[:5]:
            report.error(f"line {error.line}: RFC 4287 schema: {error.message}")

    iri_problems(xml_iris(root), report)
    feed_id = root.findtext(f"{ATOM}id")
    if not is_absolute(feed_id):
        report.error(f"feed id is not an absolute IRI: {feed_id!r}")
    entries = root.findall(f"{ATOM}entry")
    links = root.findall(f"{ATOM}link")
    rels = Counter(link.get("rel", "alternate") for link in links)
    _atom_links(links, "feed", report)
    _media_elements(root, report)
    if not rels["self"]:
        report.error("MissingSelf: no link rel=\"self\" naming the feed's own URL")
    if root.find(f"{FH}archive") is not None:
        if not rels["current"]:
            report.error("MissingCurrentInArchive: archive document without a rel=\"current\" link")
    for what in ("icon", "logo"):
        value = root.findtext(f"{ATOM}{what}")
        if value is not None and not is_absolute(value):
            report.error(f"feed {what} is not an absolute URL: {value!r}")
    for uri in root.iter(f"{ATOM}uri"):
        if not is_absolute(uri.text):
            report.error(f"author uri is not an absolute URL: {uri.text!r}")

    feed_has_author = root.find(f"{ATOM}author") is not None
    ids: Counter[str] = Counter()
    updated_values: Counter[str] = Counter()
    newest = None
    for number, entry in enumerate(entries, start=1):
        entry_id = entry.findtext(f"{ATOM}id")
        what = f"entry {entry_id or number}"
        ids[entry_id] += 1
        if not is_absolute(entry_id):
            report.error(f"{what}: id is not an absolute IRI")
        if not feed_has_author and entry.find(f"{ATOM}author") is None:
            report.error(f"{what}: MissingAuthor: neither the feed nor the entry has an author")
        updated_text = entry.findtext(f"{ATOM}updated")
        if updated_text is None:
            report.error(f"{what}: no updated (RFC 4287 4.1.2)")
        else:
            updated_values[updated_text] += 1
            moment = date3339(updated_text, f"{what} updated", now, report)
            if moment and (newest is None or moment > newest):
                newest = moment
        if entry.findtext(f"{ATOM}published") is not None:
            date3339(entry.findtext(f"{ATOM}published"), f"{what} published", now, report)
        entry_links = entry.findall(f"{ATOM}link")
        _atom_links(entry_links, what, report)
        content = entry.find(f"{ATOM}content")
        if content is None and not any(link.get("rel", "alternate") == "alternate" for link in entry_links):
            report.error(f"{what}: neither content nor an alternate link (RFC 4287 4.1.2)")
        for text_element in (content, entry.find(f"{ATOM}summary")):
            if text_element is not None and text_element.get("type") == "html":
                html_problems(text_element.text or "", what, report)
            if text_element is not None and text_element.get("src") and not is_absolute(text_element.get("src")):
                report.error(f"{what}: ContainsRelRef: content src is relative")
    for entry_id, count in ids.items():
        if count > 1:
            report.error(f"DuplicateEntries: entry id {entry_id} appears {count} times")
    for value, count in updated_values.items():
        if count > 1:
            report.warn(f"DuplicateUpdated: {count} entries share updated {value}")
    feed_updated = root.findtext(f"{ATOM}updated")
    moment = date3339(feed_updated, "feed updated", now, report) if feed_updated is not None else None
    if moment and newest and moment != newest:
        report.error(f"feed updated {feed_updated} is not the newest entry's updated ({newest.isoformat()})")
    return report.findings


def _atom_links(links, what: str, report: Report) -> None:
    seen: Counter[tuple[str, str]] = Counter()
    for link in links:
        href, rel = link.get("href"), link.get("rel", "alternate")
        if not is_absolute(href):
            report.error(f"{what}: ContainsRelRef: link rel={rel} href is not absolute: {href!r}")
        if rel == "self" and link.get("type") not in (None, "application/atom+xml"):
            report.error(f"{what}: SelfNotAtom: self link has type {link.get('type')}")
        if rel == "alternate":
            seen[(link.get("type"), link.get("hreflang"))] += 1
        if what != "feed" and rel in ARCHIVE_RELS:
            report.error(f"{what}: FeedHistoryRelInEntry: {rel} link inside an entry")
    if any(count > 1 for count in seen.values()):
        report.error(f"{what}: DuplicateAtomLink: alternate links with the same type and hreflang")


# -- RSS 2.0 ----------------------------------------------------------------------


def check_rss(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    report = Report(path)
    root = parse_xml(data, report)
    if root is None:
        return report.findings
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        report.error("not an RSS 2.0 document (<rss version=\"2.0\"><channel>)")
        return report.findings
    iri_problems(xml_iris(root), report)
    for name in ("title", "link", "description"):
        if not (channel.findtext(name) or "").strip():
            report.error(f"MissingElement: missing channel element: {name}")
    if channel.findtext("link") and not is_absolute(channel.findtext("link")):
        report.error(f"channel link is not an absolute URL: {channel.findtext('link')!r}")
    selves = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if not selves:
        report.error("MissingAtomSelfLink: no atom:link rel=\"self\" naming the feed's own URL")
    for link in selves:
        if not is_absolute(link.get("href")):
            report.error(f"RelativeSelf: atom:link self href is not absolute: {link.get('href')!r}")
        if link.get("type") not in (None, "application/rss+xml"):
            report.error(f"atom:link self has type {link.get('type')}, expected application/rss+xml")
        if channel.findtext("link") and link.get("href") == channel.findtext("link").strip():
            report.error("channel link is the feed itself: it must be the site (self is the feed)")
    _rss_image(channel, report)
    _media_elements(root, report)
    if not channel.findtext("language"):
        report.warn("channel has no <language>")
    for name in ("pubDate", "lastBuildDate"):
        if channel.find(name) is not None:
            date822(channel.findtext(name), f"channel {name}", now, report)
    guids: Counter[str] = Counter()
    for number, item in enumerate(channel.findall("item"), start=1):
        guid = item.find("guid")
        what = f"item {guid.text if guid is not None else number}"
        if not (item.findtext("title") or item.findtext("description")):
            report.error(f"{what}: ItemMustContainTitleOrDescription")
        if guid is None or not (guid.text or "").strip():
            report.error(f"{what}: MissingGuid: no guid")
        else:
            guids[guid.text.strip()] += 1
            if guid.get("isPermaLink", "true") != "false" and not is_absolute(guid.text):
                report.error(f"{what}: InvalidPermalink: guid is a permalink but not a full URL")
        if item.find("pubDate") is not None:
            date822(item.findtext("pubDate"), f"{what} pubDate", now, report)
        else:
            report.warn(f"{what}: no pubDate")
        if item.findtext("link") is not None and not is_absolute(item.findtext("link")):
            report.error(f"{what}: link is not an absolute URL: {item.findtext('link')!r}")
        html_problems(item.findtext("description") or "", what, report)
        html_problems(item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or "", what, report)
    for guid, count in guids.items():
        if count > 1:
            report.error(f"DuplicateValue: guid {guid} appears {count} times")
    return report.findings


def _rss_image(channel, report: Report) -> None:
    """The channel <image>: url, title and link, the last two the channel's own."""
    image = channel.find("image")
    if image is None:
        return
    for name in ("url", "title", "link"):
        if not (image.findtext(name) or "").strip():
            report.error(f"MissingElement: missing image element: {name}")
    if not is_absolute(image.findtext("url")):
        report.error(f"image url is not an absolute URL: {image.findtext('url')!r}")
    if image.findtext("title") and image.findtext("title") != channel.findtext("title"):
        report.warn("ImageTitleDoesntMatch: the image title is not the channel title")
    if image.findtext("link") and image.findtext("link") != channel.findtext("link"):
        report.warn("ImageLinkDoesntMatch: the image link is not the channel link")


def _media_elements(root, report: Report) -> None:
    """Media RSS media:content and media:thumbnail: an absolute url, a known medium,
    sizes in whole pixels."""
    for element in root.iter(f"{MEDIA}content", f"{MEDIA}thumbnail"):
        what = f"media:{element.tag.rsplit('}', 1)[-1]}"
        if not is_absolute(element.get("url")):
            report.error(f"{what} url is missing or not an absolute URL: {element.get('url')!r}")
        if element.get("medium") not in (None, *MEDIA_MEDIUMS):
            report.error(f"{what} medium {element.get('medium')!r} is not one of {', '.join(MEDIA_MEDIUMS)}")
        for size in ("width", "height"):
            value = element.get(size)
            if value is not None and not (value.isascii() and value.isdigit()):
                report.error(f"{what} {size} {value!r} is not a whole number of pixels")


# -- JSON Feed 1.1 ----------------------------------------------------------------


def check_json_feed(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    report = Report(path)
    try:
        feed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        report.error(f"not UTF-8 JSON: {error}")
        return report.findings
    if not isinstance(feed, dict):
        report.error("not a JSON Feed: the top level is not an object")
        return report.findings
    if feed.get("version") != JSON_FEED_VERSION:
        report.error(f"version is {feed.get('version')!r}, expected {JSON_FEED_VERSION!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"].strip():
        report.error("title missing or not a string")
    iri_problems(json_iris(feed), report)
    for key in ("home_page_url", "feed_url"):
        if not is_absolute(feed.get(key)):
            report.error(f"{key} missing or not an absolute URL: {feed.get(key)!r}")
    authors = feed.get("authors", [])
    if not isinstance(authors, list) or not all(isinstance(a, dict) and (a.get("name") or a.get("url")) for a in authors):
        report.error("authors must be a list of objects with a name or url")
    items = feed.get("items")
    if not isinstance(items, list):
        report.error("items missing or not a list")
        return report.findings
    ids: Counter[str] = Counter()
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            report.error(f"item {number}: not an object")
            continue
        item_id = item.get("id")
        what = f"item {item_id if isinstance(item_id, str) else number}"
        if not isinstance(item_id, str) or not item_id:
            report.error(f"{what}: id missing or not a string")
        else:
            ids[item_id] += 1
        html, text = item.get("content_html"), item.get("content_text")
        if not isinstance(html, str) and not isinstance(text, str):
            report.error(f"{what}: neither content_html nor content_text")
        if isinstance(html, str):
            html_problems(html, what, report)
        for key in ("url", "external_url", "image", "banner_image"):
            if key in item and not is_absolute(item[key]):
                report.error(f"{what}: {key} is not an absolute URL: {item[key]!r}")
        for key in ("date_published", "date_modified"):
            if key in item:
                date3339(item[key], f"{what} {key}", now, report)
    for item_id, count in ids.items():
        if count > 1:
            report.error(f"duplicate item id {item_id} appears {count} times")
    return report.findings


# -- OPML -------------------------------------------------------------------------


def check_opml(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    report = Report(path)
    root = parse_xml(data, report)
    if root is None:
        return report.findings
    if root.tag != "opml" or root.get("version") not in ("1.0", "2.0"):
        report.error("not an OPML 1.0/2.0 document")
        return report.findings
    iri_problems(xml_iris(root), report)
    if not root.findtext("head/title"):
        report.error("head has no title")
    outlines = root.findall(".//body//outline")
    if not outlines:
        report.error("body lists no outline")
    for outline in outlines:
        if outline.get("xmlUrl") is None:
            continue
        if outline.get("type") != "rss":
            report.warn(f"MissingOutlineType: outline {outline.get('text')!r} has no type=\"rss\"")
        if not is_absolute(outline.get("xmlUrl")):
            report.error(f"outline {outline.get('text')!r}: xmlUrl is not absolute")
        if not outline.get("text"):
            report.error("outline without text")
    return report.findings
