"""Issue + settings -> the plain data the templates see (strings, lists, dicts). Pure.

Every value is plain text: the templates escape it (autoescape), so markup in a title or summary
shows as text. Every link is absolute.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from feeds.dates import MONTH_NAMES
from feeds.merge_tags import is_personal
from feeds.model import FeedMeta, Item
from feeds.sanitise import normalise_space
from feeds.site_paths import item_anchor

from .plan import Issue, pattern_fields
from .settings import NewsletterSettings

# Spacer after the preview text so the first words of the body do not leak into the inbox
# preview (traps.md 24): combining grapheme joiner, zero-width non-joiner, no-break space.
PREVIEW_SPACER = "\u034f\u200c\u00a0"
PREVIEW_LENGTH = 150  # characters of preview + spacer that inbox lists may show


def absolute_url(url: str | None, base_url: str) -> str | None:
    """An absolute http(s)/mailto URL, or None for anything else (javascript:, data:, blank)."""
    if not url or not url.strip():
        return None
    url = urljoin(base_url, "".join(url.split()))
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return url
    if parts.scheme == "mailto" and parts.path:
        return url
    return None


def format_day(day) -> str:
    return f"{day.day:02d} {MONTH_NAMES[day.month - 1]} {day.year}"


def item_context(item: Item, *, web_url: str, base_url: str) -> dict:
    anchor = item_anchor(item)
    own_url = absolute_url(item.url, base_url)
    return {
        "id": item.id,
        "anchor": anchor,
        "title": normalise_space(item.title),
        "summary": normalise_space(item.summary or ""),
        "category": normalise_space(item.category or ""),
        "date": format_day(item.date),
        "date_iso": item.date.isoformat(),
        "url": own_url or f"{web_url}#{anchor}",
        "has_url": own_url is not None,
    }


_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)|(https?://[^\s<>()]+[^\s<>().,;:!?'\"])")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def paragraphs(text: str, base_url: str) -> list[list[dict]]:
    """A little Markdown for editorials: blank lines separate paragraphs; "# " headings, "**bold**",
    "[text](url)" and bare URLs are understood. Each paragraph is a list of runs
    {text, href (or ""), bold}; everything else stays text."""
    result = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip()):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        heading = lines[0].startswith("#")
        joined = " ".join(line.lstrip("#").strip() if heading else line for line in lines)
        runs: list[dict] = []
        position = 0
        for match in _LINK.finditer(joined):
            runs.extend(_emphasis(joined[position : match.start()], heading))
            label, target, bare = match.group(1), match.group(2), match.group(3)
            href = absolute_url(target or bare, base_url)
            runs.append({"text": label or bare, "href": href or "", "bold": heading})
            position = match.end()
        runs.extend(_emphasis(joined[position:], heading))
        result.append([run for run in runs if run["text"]])
    return [p for p in result if p]


def _emphasis(text: str, bold: bool) -> list[dict]:
    runs = []
    position = 0
    for match in _EMPHASIS.finditer(text):
        runs.append({"text": text[position : match.start()], "href": "", "bold": bold})
        runs.append({"text": match.group(2), "href": "", "bold": True})
        position = match.end()
    runs.append({"text": text[position:], "href": "", "bold": bold})
    return runs


def plain_paragraph(runs: list[dict]) -> str:
    """A paragraph of runs as plain text, links written out."""
    parts = []
    for run in runs:
        if run["href"] and run["href"] != run["text"]:
            parts.append(f"{run['text']} <{run['href']}>")
        else:
            parts.append(run["text"])
    return normalise_space("".join(parts))


def issue_context(
    issue: Issue,
    settings: NewsletterSettings,
    meta: FeedMeta,
    *,
    web_url: str,
    archive_url: str,
    editorial: str | None = None,
    web_copy: bool = False,
    year_now: int | None = None,
) -> dict:
    """Plain data for newsletter/issue.*: see templates/newsletter/base.mjml.j2 for its use.

    `editorial` is the month's intro text (from `load_editorial`); `web_copy` renders the page
    published at `web_url` (its pre-header links to the archive instead of to itself);
    `year_now` is the copyright year (default: the issue's year)."""
    base = meta.base_url
    fields = pattern_fields(settings, issue.year, issue.month, issue.number)
    lead = item_context(issue.lead, web_url=web_url, base_url=base) if issue.lead else None
    sections: list[dict[str, Any]] = [
        {
            "title": section.title,
            "anchor": f"section-{section.key}",
            "entries": [item_context(item, web_url=web_url, base_url=base) for item in section.items],
        }
        for section in issue.sections
    ]
    preview_source = (
        lead["title"] if lead else (sections[0]["entries"][0]["title"] if sections else issue.subject)
    )
    preview = normalise_space(f"{issue.date_line}: {preview_source}")[:PREVIEW_LENGTH]
    spacer_count = 60 + max(0, PREVIEW_LENGTH - len(preview)) // len(PREVIEW_SPACER)

    footer = settings.footer
    email = footer.email or (meta.author.email or "")
    holder = footer.copyright or meta.author.name
    archive = absolute_url(footer.archive_url, base) or archive_url
    social = [{"name": s.name, "url": absolute_url(s.url, base) or ""} for s in footer.social]
    editorial_paragraphs = paragraphs(editorial, base) if editorial and editorial.strip() else []

    return {
        "lang": meta.language or "en",
        "newsletter_title": settings.title,
        "subtitle": normalise_space(settings.subtitle.format(**fields)) if settings.subtitle else "",
        "subject": issue.subject,
        "month_key": issue.key,
        "month_label": issue.month_label,
        "number": issue.number if issue.number is not None else "",
        "date_line": issue.date_line,
        "preview": preview,
        "preview_spacer_count": spacer_count,
        "web_copy": web_copy,
        "web_url": web_url,
        "archive_url": archive,
        "preheader": settings.preheader,
        "online_text": settings.online_text,
        "more_text": settings.more_text,
        "logo": {"url": settings.logo_url, "width": settings.logo_width, "alt": settings.title} if settings.logo_url else None,
        "editorial": {
            "heading": settings.editorial_heading,
            "paragraphs": editorial_paragraphs,
            "plain": [plain_paragraph(p) for p in editorial_paragraphs],
        }
        if editorial_paragraphs
        else None,
        "lead": lead,
        "sections": sections,
        "item_count": len(issue.items),
        "footer": {
            "contact": footer.contact,
            "email": email,
            "email_url": f"mailto:{email}" if email else "",
            "archive_url": archive,
            "archive_text": footer.archive_text,
            "copyright": f"\u00a9 {holder} {year_now or issue.year}" if holder else "",
            "address": footer.address,
            "social": [s for s in social if s["url"]],
            "note": footer.note,
            # a web copy is read by anyone: a link filled in per recipient has no place there
            "unsubscribe_url": _unless_personal(settings.unsubscribe_url or settings.unsubscribe_mailto, web_copy),
            "preferences_url": _unless_personal(settings.preferences_url, web_copy),
        },
        "colors": {
            "masthead_background": settings.colors.masthead_background,
            "masthead_text": settings.colors.masthead_text,
            "link": settings.colors.link,
            "text": settings.colors.text,
            "muted": settings.colors.muted,
            "background": settings.colors.background,
            "body_background": settings.colors.body_background,
            "footer_background": settings.colors.footer_background,
        },
        "font_family": settings.font_family,
        "fonts": settings.fonts_dict,
        "site_title": meta.title,
    }


def _unless_personal(link: str, web_copy: bool) -> str:
    return "" if web_copy and is_personal(link) else link


def index_entry(issue: Issue, url: str) -> dict:
    """What the archive index shows of one issue: plain data, kept between builds."""
    return {
        "key": issue.key,
        "url": url,
        "subject": issue.subject,
        "month_label": issue.month_label,
        "date_line": issue.date_line,
        "number": issue.number if issue.number is not None else "",
        "item_count": len(issue.items),
        "lead_title": normalise_space(issue.lead.title) if issue.lead else "",
        "sections": [{"title": s.title, "count": len(s.items)} for s in issue.sections],
    }


def index_context(entries: list[dict], settings: NewsletterSettings, meta: FeedMeta, *, feeds: list[dict]) -> dict:
    """Data for site/index.html.j2: issue entries (see `index_entry`), newest first."""
    entries = sorted(entries, key=lambda entry: entry["key"], reverse=True)
    return {
        "lang": meta.language or "en",
        "site_title": meta.title,
        "subtitle": meta.subtitle or "",
        "newsletter_title": settings.title,
        "base_url": meta.base_url,
        "issues": entries,
        "feeds": [
            {"title": normalise_space(str(f.get("title", ""))), "url": absolute_url(str(f["url"]), meta.base_url) or "", "type": str(f.get("type", "application/atom+xml"))}
            for f in feeds
        ],
        # The page shows the site-wide feeds; every feed stays in the <head> links and the OPML.
        "subscribe": [
            {"title": normalise_space(str(f.get("title", ""))), "url": absolute_url(str(f["url"]), meta.base_url) or ""}
            for f in feeds
            if "/category/" not in str(f["url"])
        ],
        "opml_url": f"{meta.base_url}feeds/feeds.opml",
        "colors": {
            "masthead_background": settings.colors.masthead_background,
            "masthead_text": settings.colors.masthead_text,
            "link": settings.colors.link,
            "text": settings.colors.text,
            "background": settings.colors.background,
            "body_background": settings.colors.body_background,
        },
        "font_family": settings.font_family,
    }

