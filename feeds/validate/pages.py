"""Web copies of issues and the e-mail packages: rendered completely, labelled, safe,
with absolute links. Pure."""

from __future__ import annotations

from collections.abc import Container, Iterator
from datetime import datetime
from pathlib import PurePosixPath

from ..merge_tags import is_personal, merge_tag, placeholder
from ..urls import is_absolute
from .report import URL_ATTRS, Finding, Report, iri_problems

_MARKERS = {"{{": "}}", "{%": "%}"}  # Jinja's, opening and closing


def check_html_page(path: str, data: bytes, *, now: datetime, item_text: Container[str] = (),
                    published: bool | None = None) -> list[Finding]:
    """Issue pages and e-mails: rendered completely, labelled, safe, absolute links.
    `item_text` holds the text the items have of their own (see template_leftovers).
    A published page (by default: one outside outbox/) must carry no merge tag nor
    personal placeholder: nobody fills them in there, so every such link is broken."""
    if published is None:
        published = "outbox" not in PurePosixPath(path).parts
    from lxml import etree
    from lxml import html as lxml_html

    report = Report(path)
    try:
        document = lxml_html.document_fromstring(data)
    except (etree.ParserError, ValueError):
        report.error("not parseable HTML")
        return report.findings
    for marker, leftover in template_leftovers(document, item_text).items():
        report.error(f"template leftover {marker!r} in the output: {leftover[:80]!r}")
    if published:
        for tag in personal_leftovers(document, item_text):
            report.error(f"merge tag {tag!r} in a published page: nobody fills it in here, so its link is broken "
                         "for every reader (only an e-mail service or a send fills it in)")
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
        if name in URL_ATTRS and not value.startswith("#") and not is_absolute(value)
    })
    for value in relative[:5]:
        report.error(f"relative link {value!r} (e-mail and copied pages have no base URL)")
    iri_problems(((f"<{element.tag} {name}>", value) for element in document.iter() if isinstance(element.tag, str)
                  for name, value in element.attrib.items()
                  if name in URL_ATTRS and not value.startswith("#") and is_absolute(value)
                  and not (is_personal(value) and not published)), report, warn=True)  # filled in when sent
    return report.findings


def personal_leftovers(document, item_text: Container[str]) -> list[str]:
    """The merge tags and personal placeholders of a page, each once, but for those in the
    items' own text (see template_leftovers)."""
    found: list[str] = []
    for text in _strings(document):
        for tag in (merge_tag(text), placeholder(text)):
            if tag and tag not in found and tag not in item_text:
                found.append(tag)
    return found


def template_leftovers(document, item_text: Container[str]) -> dict[str, str]:
    """The first Jinja construct ("{{ … }}", "{% … %}") of each kind the template left
    unrendered. Items are printed as they are written, and a title may well read
    "Mustache {{ 7*7 }}": a construct counts only when it is not part of the items' own text
    (`item_text`, what the feeds beside the page publish of them). Every text node, attribute
    and comment is looked at, decoded, so an escaped item title matches its plain text."""
    found: dict[str, str] = {}
    for text in _strings(document):
        for marker, closing in _MARKERS.items():
            start = text.find(marker)
            while start >= 0 and marker not in found:
                end = text.find(closing, start + len(marker))
                construct = text[start:] if end < 0 else text[start:end + len(closing)]
                if construct not in item_text:
                    found[marker] = construct
                start = text.find(marker, start + len(marker))
    return found


def _strings(document) -> Iterator[str]:
    for element in document.iter():
        yield from (value for value in (element.text, element.tail) if value)
        if isinstance(element.tag, str):
            yield from element.attrib.values()


def check_email(path: str, data: bytes, *, now: datetime, item_text: Container[str] = (),
                delivery: str | None = None) -> list[Finding]:
    """An e-mail package. `delivery` is how it goes out ("direct", "list", "esp"; None: not
    known): a direct or list issue needs a way out, and a direct one no merge tag, which
    only an e-mail service would fill in."""
    from email import message_from_bytes, policy

    report = Report(path)
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
            for finding in check_html_page(path, body.encode("utf-8"), now=now, item_text=item_text, published=False)
        ]
    if delivery in ("direct", "list") and not message["List-Unsubscribe"]:
        report.warn(f"no unsubscribe (no List-Unsubscribe header): the subscribers of a {delivery} issue have no "
                    "one-click way out; set [newsletter] unsubscribe_url or unsubscribe_mailto")
    if delivery == "direct":
        parts = [message.get_body(preferencelist=(kind,)) for kind in ("plain", "html")]
        texts = [str(message["List-Unsubscribe"] or "")] + [part.get_content() for part in parts if part is not None]
        tags = [tag for tag in map(merge_tag, texts) if tag and tag not in item_text]
        if tags:
            report.error(f"merge tag {tags[0]!r}: delivery = \"direct\" would send it to every subscriber as "
                         "written (only {token} and {email} are filled in)")
    return report.findings
