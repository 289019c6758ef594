"""What every check shares: findings, the per-file report, the hardened XML parser,
and the date and embedded-HTML rules of feed documents. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..urls import iri_fault, is_absolute

_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")
_RFC822 = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{2,4}) \d\d:\d\d(:\d\d)? ([+-]\d{4}|GMT|UT|[ECMP][SD]T)\Z"
)
URL_ATTRS = ("href", "src", "cite", "action", "background", "poster")
# where the XML formats checked carry links and ids: attributes, and elements (by local name)
# whose text is one; an RSS guid is one unless it says isPermaLink="false"
_IRI_ATTRIBUTES = ("href", "src", "uri", "url", "xmlUrl", "htmlUrl")
_IRI_ELEMENTS = ("id", "uri", "icon", "logo", "link", "docs", "comments", "url", "guid")
_JSON_IRI_KEYS = ("home_page_url", "feed_url", "next_url", "icon", "favicon", "url", "external_url", "image",
                  "banner_image", "avatar")
_IRIS_TOLD = 5  # per file: one broken link usually repeats in every entry


@dataclass(frozen=True, slots=True)
class Finding:
    path: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.path}: {'warning: ' if self.warning else ''}{self.message}"


class Report:
    """Collects findings for one file."""

    def __init__(self, path: str):
        self.path = path
        self.findings: list[Finding] = []

    def error(self, message: str) -> None:
        self.findings.append(Finding(self.path, message))

    def warn(self, message: str) -> None:
        self.findings.append(Finding(self.path, message, warning=True))


def iri_problems(values: Iterable[tuple[str, str]], report: Report, *, warn: bool = False) -> None:
    """InvalidIRI: every (what, value) link or id is an IRI as written (RFC 3987), with no
    space, quote, line break or stray % a reader would have to guess about. `warn` where a
    mail service's merge tag (*|UNSUB|*) may stand in for a link until it is sent."""
    tell = report.warn if warn else report.error
    told = 0
    for what, value in values:
        fault = iri_fault(value)
        if fault and told < _IRIS_TOLD:
            tell(f"{what}: InvalidIRI: {value!r} {fault}")
            told += 1


def xml_iris(root) -> Iterator[tuple[str, str]]:
    """(what, value) for every link and id of an Atom, RSS or OPML document."""
    from lxml import etree

    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        for attribute in _IRI_ATTRIBUTES:
            if element.get(attribute) is not None:
                yield f"<{name} {attribute}>", element.get(attribute)
        text = (element.text or "").strip()
        if name in _IRI_ELEMENTS and text and not (name == "guid" and element.get("isPermaLink") == "false"):
            yield f"<{name}>", text


def json_iris(document: Any) -> Iterator[tuple[str, str]]:
    """(what, value) for every link of a JSON Feed, at any depth (items, authors, hubs)."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, inner in value.items():
                if key in _JSON_IRI_KEYS and isinstance(inner, str):
                    yield key, inner
                else:
                    stack.append(inner)
        elif isinstance(value, list):
            stack.extend(reversed(value))


def parse_xml(data: bytes, report: Report):
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


def date3339(value: str | None, what: str, now: datetime, report: Report) -> datetime | None:
    if value is None or not _RFC3339.match(value.strip()):
        report.error(f"{what}: not an RFC 3339 date-time with a zone: {value!r}")
        return None
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if moment > now:
        report.error(f"{what}: ImplausibleDate: {value} is in the future (run time {now.isoformat()})")
    return moment


def date822(value: str | None, what: str, now: datetime, report: Report) -> datetime | None:
    text = (value or "").strip()
    match = _RFC822.match(text)
    try:
        moment = parsedate_to_datetime(text) if match else None
    except (TypeError, ValueError):
        moment = None
    if moment is None or match is None:
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


def html_problems(html: str, what: str, report: Report) -> None:
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
                if name in URL_ATTRS and not is_absolute(value):
                    report.error(f"{what}: ContainsRelRef: relative URL {value!r} in content")
                elif name in URL_ATTRS and iri_fault(value):
                    report.error(f"{what}: InvalidIRI: {value!r} in content {iri_fault(value)}")
