"""Checks over output bytes: what a feed reader, the W3C Feed Validation Service or a
mail client would complain about. Pure: bytes and the run's clock in, findings out.

Atom is checked against the RFC 4287 RELAX NG schema plus the rules the schema cannot
express; RSS 2.0, JSON Feed 1.1, OPML, the web copies of issues and the e-mails by hand.
Messages name the rule the way the W3C validator's documentation does, so a finding
can be looked up there (e.g. "MissingAtomSelfLink").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import PurePosixPath

from .feeds import (
    ARCHIVE_RELS,
    ATOM,
    FH,
    check_atom,
    check_json_feed,
    check_opml,
    check_rss,
)
from .pages import check_email, check_html_page
from .report import Finding

__all__ = ["Finding", "check_atom", "check_email", "check_files", "check_html_page", "check_json_feed",
           "check_opml", "check_rss", "checker_for"]


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


def check_files(files: Mapping[str, bytes], *, now: datetime, delivery: str | None = None) -> list[Finding]:
    """Every checkable file, then the RFC 5005 archive chain across files. Pages are told
    the items' own text, which the feeds among the files publish (see template_leftovers);
    e-mails how they go out (`delivery`, see check_email)."""
    findings: list[Finding] = []
    item_text = ItemText(files)
    for path in sorted(files):
        check = checker_for(path)
        if check is check_email:
            findings += check_email(path, files[path], now=now, item_text=item_text, delivery=delivery)
        elif check is check_html_page:
            findings += check_html_page(path, files[path], now=now, item_text=item_text)
        elif check:
            findings += check(path, files[path], now=now)
    findings += _check_archive_chain(files)
    return findings


class ItemText:
    """The titles, summaries, contents and categories of the entries of every Atom and
    JSON feed among the files, read only when a page needs them: `snippet in item_text`
    is true when some entry's text holds it."""

    def __init__(self, files: Mapping[str, bytes]):
        self._files = files
        self._text: str | None = None

    def __contains__(self, snippet: object) -> bool:
        if self._text is None:
            self._text = "\n".join(_entry_texts(self._files))
        return isinstance(snippet, str) and snippet in self._text


def _entry_texts(files: Mapping[str, bytes]) -> Iterator[str]:
    import json

    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    for path in sorted(files):
        if checker_for(path) is check_atom:
            try:
                root = etree.fromstring(files[path], parser)
            except etree.XMLSyntaxError:
                continue  # reported by check_atom
            for entry in root.iterfind(f"{ATOM}entry"):
                for name in ("title", "summary", "content"):
                    yield from (part.text or "" for part in entry.iterfind(f"{ATOM}{name}"))
                yield from (category.get("term") or "" for category in entry.iterfind(f"{ATOM}category"))
        elif checker_for(path) is check_json_feed:
            try:
                items = json.loads(files[path]).get("items") or []
            except (ValueError, AttributeError):
                continue  # reported by check_json_feed
            for item in items:
                if isinstance(item, dict):
                    yield from (str(item.get(key) or "") for key in ("title", "summary", "content_text", "content_html"))
                    yield from (str(tag) for tag in item.get("tags") or [])


def _check_archive_chain(files: Mapping[str, bytes]) -> Iterable[Finding]:
    """Archive links point at files that exist; no entry is in two archive documents."""
    from lxml import etree

    seen: dict[str, str] = {}
    for path in sorted(p for p in files if p.endswith(".atom")):
        try:
            root = etree.fromstring(files[path], etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue  # reported by check_atom
        self_href = next((link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"), "")
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
