"""Checks over output bytes: what a feed reader, the W3C Feed Validation Service or a
mail client would complain about. Pure: bytes and the run's clock in, findings out.

Atom is checked against the RFC 4287 RELAX NG schema plus the rules the schema cannot
express; RSS 2.0, JSON Feed 1.1, OPML, the web copies of issues and the e-mails by hand.
Messages name the rule the way the W3C validator's documentation does, so a finding
can be looked up there (e.g. "MissingAtomSelfLink").
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "atom.rng"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ARCHIVE_RELS = ("current", "prev-archive", "next-archive")

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")
_RFC822 = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{2,4}) \d\d:\d\d(:\d\d)? ([+-]\d{4}|GMT|UT|[ECMP][SD]T)\Z"
)
_URL_ATTRS = ("href", "src", "cite", "action", "background", "poster")


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.path}: {'warning: ' if self.warning else ''}{self.message}"


class _Report:
    """Collects findings for one file."""

    def __init__(self, path: str):
        self.path = path
        self.findings: list[Finding] = []

    def error(self, message: str) -> None:
        self.findings.append(Finding(self.path, message))

    def warn(self, message: str) -> None:
        self.findings.append(Finding(self.path, message, warning=True))


def is_absolute(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https"):
        return bool(parts.netloc)
    return parts.scheme in ("mailto", "tel", "tag", "urn", "data")


def _xml(data: bytes, report: _Report):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        report.error(f"not well-formed XML: {error}")
        return None
    if root.getroottree().docinfo.doctype:
        report.error("has a DOCTYPE: feeds must not declare one (entities are not resolved)")
    return root


def _date3339(value: str | None, what: str, now: datetime, report: _Report) -> datetime | None:
    if value is None or not _RFC3339.match(value.strip()):
        report.error(f"{what}: not an RFC 3339 date-time with a zone: {value!r}")
        return None
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment > now:
        report.error(f"{what}: ImplausibleDate: {value} is in the future (run time {now.isoformat()})")
    return moment


def _date822(value: str | None, what: str, now: datetime, report: _Report) -> datetime | None:
    text = (value or "").strip()
    match = _RFC822.match(text)
    try:
        moment = parsedate_to_datetime(text) if match else None
    except (TypeError, ValueError):
        moment = None
    if moment is None:
        report.error(f"{what}: InvalidRFC2822Date: not an RFC 822 date-time: {value!r}")
        return None
    if len(match.group(3)) != 4:
        report.error(f"{what}: ProblematicalRFC822Date: use a four-digit year: {value!r}")
    if match.group(1) and match.group(1) != moment.strftime("%a"):
        report.error(f"{what}: IncorrectDOW: {value!r} is not a {match.group(1)}")
    if moment.tzinfo is None:
        report.error(f"{what}: no time zone: {value!r}")
        return None
    if moment > now:
        report.error(f"{what}: ImplausibleDate: {value} is in the future (run time {now.isoformat()})")
    return moment


def _html_problems(html: str, what: str, report: _Report) -> None:
    """Escaped HTML inside a feed: no relative references, nothing executable."""
    if not html or not html.strip():
        return
    from lxml import etree
    from lxml import html as lxml_html

    try:
        fragments = lxml_html.fragments_fromstring(html)
    except (etree.ParserError, ValueError):
        report.error(f"{what}: content is not parseable HTML")
        return
    for fragment in fragments:
        if not isinstance(fragment, etree._Element):
            continue
        for element in fragment.iter():
            if not isinstance(element.tag, str):
                continue
            if element.tag in ("script", "iframe", "object", "embed"):
                report.error(f"{what}: SecurityRisk: <{element.tag}> in content")
            for name, value in element.attrib.items():
                if name.lower().startswith("on"):
                    report.error(f"{what}: SecurityRiskAttr: {name} attribute in content")
                if name in _URL_ATTRS and not is_absolute(value):
                    report.error(f"{what}: ContainsRelRef: relative URL {value!r} in content")


# -- Atom -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _atom_schema():
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.RelaxNG(etree.parse(str(SCHEMA), parser))


def check_atom(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    report = _Report(path)
    root = _xml(data, report)
    if root is None:
        return report.findings
    if root.tag != f"{ATOM}feed":
        report.error(f"not an Atom feed: root element is {root.tag}")
        return report.findings
    schema = _atom_schema()
    if not schema.validate(root):
        for error in list(schema.error_log)[:5]:
            report.error(f"line {error.line}: RFC 4287 schema: {error.message}")

    feed_id = root.findtext(f"{ATOM}id")
    if not is_absolute(feed_id):
        report.error(f"feed id is not an absolute IRI: {feed_id!r}")
    entries = root.findall(f"{ATOM}entry")
    links = root.findall(f"{ATOM}link")
    rels = Counter(link.get("rel", "alternate") for link in links)
    _atom_links(links, "feed", report)
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
    ids = Counter()
    updated_values = Counter()
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
            moment = _date3339(updated_text, f"{what} updated", now, report)
            if moment and (newest is None or moment > newest):
                newest = moment
        if entry.findtext(f"{ATOM}published") is not None:
            _date3339(entry.findtext(f"{ATOM}published"), f"{what} published", now, report)
        entry_links = entry.findall(f"{ATOM}link")
        _atom_links(entry_links, what, report)
        content = entry.find(f"{ATOM}content")
        if content is None and not any(link.get("rel", "alternate") == "alternate" for link in entry_links):
            report.error(f"{what}: neither content nor an alternate link (RFC 4287 4.1.2)")
        for text_element in (content, entry.find(f"{ATOM}summary")):
            if text_element is not None and text_element.get("type") == "html":
                _html_problems(text_element.text or "", what, report)
            if text_element is not None and text_element.get("src") and not is_absolute(text_element.get("src")):
                report.error(f"{what}: ContainsRelRef: content src is relative")
    for entry_id, count in ids.items():
        if count > 1:
            report.error(f"DuplicateEntries: entry id {entry_id} appears {count} times")
    for value, count in updated_values.items():
        if count > 1:
            report.warn(f"DuplicateUpdated: {count} entries share updated {value}")
    feed_updated = root.findtext(f"{ATOM}updated")
    moment = _date3339(feed_updated, "feed updated", now, report) if feed_updated is not None else None
    if moment and newest and moment != newest:
        report.error(f"feed updated {feed_updated} is not the newest entry's updated ({newest.isoformat()})")
    return report.findings


def _atom_links(links, what: str, report: _Report) -> None:
    seen = Counter()
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
    report = _Report(path)
    root = _xml(data, report)
    if root is None:
        return report.findings
    channel = root.find("channel")
    if root.tag != "rss" or root.get("version") != "2.0" or channel is None:
        report.error("not an RSS 2.0 document (<rss version=\"2.0\"><channel>)")
        return report.findings
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
    if not channel.findtext("language"):
        report.warn("channel has no <language>")
    for name in ("pubDate", "lastBuildDate"):
        if channel.find(name) is not None:
            _date822(channel.findtext(name), f"channel {name}", now, report)
    guids = Counter()
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
            _date822(item.findtext("pubDate"), f"{what} pubDate", now, report)
        else:
            report.warn(f"{what}: no pubDate")
        if item.findtext("link") is not None and not is_absolute(item.findtext("link")):
            report.error(f"{what}: link is not an absolute URL: {item.findtext('link')!r}")
        _html_problems(item.findtext("description") or "", what, report)
        _html_problems(item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") or "", what, report)
    for guid, count in guids.items():
        if count > 1:
            report.error(f"DuplicateValue: guid {guid} appears {count} times")
    return report.findings


# -- JSON Feed 1.1 ----------------------------------------------------------------


def check_json_feed(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    report = _Report(path)
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
    ids = Counter()
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
            _html_problems(html, what, report)
        for key in ("url", "external_url", "image", "banner_image"):
            if key in item and not is_absolute(item[key]):
                report.error(f"{what}: {key} is not an absolute URL: {item[key]!r}")
        for key in ("date_published", "date_modified"):
            if key in item:
                _date3339(item[key], f"{what} {key}", now, report)
    for item_id, count in ids.items():
        if count > 1:
            report.error(f"duplicate item id {item_id} appears {count} times")
    return report.findings


# -- OPML -------------------------------------------------------------------------


def check_opml(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    report = _Report(path)
    root = _xml(data, report)
    if root is None:
        return report.findings
    if root.tag != "opml" or root.get("version") not in ("1.0", "2.0"):
        report.error("not an OPML 1.0/2.0 document")
        return report.findings
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


# -- web copies and e-mails ----------------------------------------------------------


def check_html_page(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    """Issue pages and e-mails: rendered completely, labelled, safe, absolute links."""
    from lxml import etree
    from lxml import html as lxml_html

    report = _Report(path)
    text = data.decode("utf-8", "replace")
    for marker in ("{{", "{%"):
        if marker in text:
            report.error(f"template leftover {marker!r} in the output")
    try:
        document = lxml_html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        report.error("not parseable HTML")
        return report.findings
    root = document.getroottree().getroot()
    if root.tag != "html" or not (root.get("lang") or "").strip() or root.get("lang") == "und":
        report.error("no <html lang=\"…\">: screen readers and mail clients need the language")
    if document.find(".//script") is not None:
        report.error("contains <script>")
    missing_alt = sum(1 for image in document.iter("img") if image.get("alt") is None)
    if missing_alt:
        report.error(f"{missing_alt} <img> without alt")
    relative = sorted({
        value for element in document.iter() if isinstance(element.tag, str)
        for name, value in element.attrib.items()
        if name in _URL_ATTRS and not value.startswith("#") and not is_absolute(value)
    })
    for value in relative[:5]:
        report.error(f"relative link {value!r} (e-mail and copied pages have no base URL)")
    return report.findings


def check_email(path: str, data: bytes, *, now: datetime) -> list[Finding]:
    from email import message_from_bytes, policy

    report = _Report(path)
    long_lines = [n for n, line in enumerate(data.split(b"\n"), 1) if len(line.rstrip(b"\r")) > 998]
    if long_lines:
        report.error(f"line {long_lines[0]} is longer than 998 characters (RFC 5322 2.1.1)")
    message = message_from_bytes(data, policy=policy.default)
    for header in ("From", "Subject", "Date"):
        if not message[header]:
            report.error(f"no {header} header")
    html = message.get_body(preferencelist=("html",))
    if message.get_body(preferencelist=("plain",)) is None:
        report.error("no text/plain part")
    if html is None:
        report.error("no text/html part")
    else:
        body = html.get_content()
        report.findings += [
            Finding(path, f"HTML part: {finding.message}", finding.warning)
            for finding in check_html_page(path, body.encode("utf-8"), now=now)
        ]
    return report.findings


# -- a whole output tree --------------------------------------------------------------


def checker_for(path: str):
    """The check for a relative output path, or None for files we do not check."""
    pure = PurePosixPath(path)
    suffix = pure.suffix
    if suffix == ".atom":
        return check_atom
    if suffix == ".rss":
        return check_rss
    if suffix == ".json" and "feeds" in pure.parts:
        return check_json_feed
    if suffix == ".opml":
        return check_opml
    if suffix == ".html" and ("issues" in pure.parts or "outbox" in pure.parts):
        return check_html_page
    if suffix == ".eml":
        return check_email
    return None


def check_files(files: Mapping[str, bytes], *, now: datetime) -> list[Finding]:
    """Every checkable file, then the RFC 5005 archive chain across files."""
    findings: list[Finding] = []
    for path in sorted(files):
        check = checker_for(path)
        if check:
            findings += check(path, files[path], now=now)
    findings += _check_archive_chain(files)
    return findings


def _check_archive_chain(files: Mapping[str, bytes]) -> Iterable[Finding]:
    """Archive links point at files that exist; no entry is in two archive documents."""
    from lxml import etree

    seen: dict[str, str] = {}
    for path in sorted(p for p in files if p.endswith(".atom")):
        try:
            root = etree.fromstring(files[path], etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue  # reported by check_atom
        self_href = next((l.get("href") for l in root.findall(f"{ATOM}link") if l.get("rel") == "self"), "")
        base = self_href[: -len(path)] if self_href.endswith("/" + path) else None
        for link in root.findall(f"{ATOM}link"):
            href = link.get("href") or ""
            if base and link.get("rel") in ARCHIVE_RELS and href.startswith(base) and href[len(base):] not in files:
                yield Finding(path, f"{link.get('rel')} link points at {href}, which is not in the output")
        if root.find(f"{FH}archive") is None:
            continue
        for entry_id in root.iterfind(f"{ATOM}entry/{ATOM}id"):
            if entry_id.text in seen:
                yield Finding(path, f"entry {entry_id.text} is also in archive {seen[entry_id.text]}")
            seen.setdefault(entry_id.text, path)
