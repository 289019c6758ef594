"""Issue + settings -> the plain data the templates see (strings, lists, dicts). Pure.

Every value is plain text: the templates escape it (autoescape), so markup in a title or summary
shows as text; the one exception is an item's `content_html`, markup that feeds.markup sanitised
at ingest, passed as Markup so it is not escaped a second time. Every link is absolute.
"""

from __future__ import annotations

import re
from dataclasses import fields as dataclass_fields
from typing import Any

from markupsafe import Markup

from feeds.markup import markup_text
from feeds.model import FeedMeta, Image, Item
from feeds.sanitise import normalise_space
from feeds.site_paths import item_anchor
from feeds.urls import absolute_url as resolve_url

from .content import issue_markup
from .language import Language, language
from .plan import Issue, pattern_fields
from .settings import NewsletterSettings

# Spacer after the preview text so the first words of the body do not leak into the inbox
# preview (traps.md 24): combining grapheme joiner, zero-width non-joiner, no-break space.
PREVIEW_SPACER = "\u034f\u200c\u00a0"
PREVIEW_LENGTH = 150  # characters of preview + spacer that inbox lists may show


def absolute_url(url: str | None, base_url: str) -> str | None:
    """An absolute http(s) or mailto: URL resolved against the site, or None for anything
    else (javascript:, data:, blank): the one rule of feeds.urls."""
    return resolve_url(url, base_url, mailto=True)


LEAD_IMAGE_WIDTH = 552  # the 600px body less its 24px margins
THUMBNAIL_WIDTH = 168


def image_context(image: Image | None, title: str, box: int) -> dict | None:
    """An item's picture as the templates show it: never wider than `box` nor than the
    image itself, its height scaled when known, and an alt text that is never empty (the
    source's, else the item's title)."""
    if image is None or not image.url:
        return None
    width = min(box, image.width) if image.width else box
    height = round(image.height * width / image.width) if image.width and image.height else None
    return {"url": image.url, "alt": normalise_space(image.alt or "") or title, "width": width, "height": height}


def item_context(item: Item, *, base_url: str, words: Language, lead: bool = False) -> dict:
    """One item: plain text fields, its markup (sanitised at ingest, trimmed for an issue)
    and the link where the reader learns more, or none: an item without a link of its own
    has no headline link and no ">>More" (never a link back to the same sentence)."""
    title = normalise_space(item.title)
    markup = issue_markup(item.content_html)
    return {
        "id": item.id,
        "anchor": item_anchor(item),
        "title": title,
        "summary": normalise_space(item.summary or ""),
        "content_html": Markup(markup) if markup else None,  # already safe: shown as it is
        "content_text": markup_text(markup) if markup else "",
        "category": normalise_space(item.category or ""),
        "date": words.day(item.date),
        "date_iso": item.date.isoformat(),
        "url": absolute_url(item.url, base_url),
        "image": image_context(item.image, title, LEAD_IMAGE_WIDTH if lead else THUMBNAIL_WIDTH),
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


def _under(heading: str, entry: dict) -> dict:
    """An item shown under a heading that already names its category does not repeat it."""
    if entry["category"].casefold() == heading.casefold():
        entry["category"] = ""
    return entry


def colors_context(settings: NewsletterSettings) -> dict[str, str]:
    return {colour.name: getattr(settings.colors, colour.name) for colour in dataclass_fields(settings.colors)}


def logo_context(settings: NewsletterSettings) -> dict | None:
    if not settings.logo_url:
        return None
    return {"url": settings.logo_url, "dark_url": settings.logo_dark_url, "width": settings.logo_width,
            "alt": settings.logo_alt or settings.title}


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
    published at `web_url` (its pre-header links to the archive instead of to itself, and it
    carries no unsubscribe links nor merge tags); `year_now` is the copyright year (default:
    the issue's year)."""
    base = meta.base_url
    words = language(settings.language)
    fields = pattern_fields(settings, issue.year, issue.month, issue.number)
    lead = item_context(issue.lead, base_url=base, words=words, lead=True) if issue.lead else None
    sections: list[dict[str, Any]] = [
        {
            "title": section.title,
            "anchor": f"section-{section.key}",
            "entries": [_under(section.title, item_context(item, base_url=base, words=words)) for item in section.items],
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
        "lang": words.html_lang,
        "dir": words.direction,
        "newsletter_title": settings.title,
        "subtitle": normalise_space(settings.subtitle.format(**fields)) if settings.subtitle else "",
        "subject": issue.subject,
        "month_key": issue.key,
        "month_label": issue.month_label,
        "number": issue.number if issue.number is not None else "",
        "date_line": issue.date_line,
        "in_progress": issue.in_progress,
        "preview": preview,
        "preview_spacer_count": spacer_count,
        "web_copy": web_copy,
        "web_url": web_url,
        "archive_url": archive,
        "preheader": settings.preheader,
        "online_text": settings.online_text,
        "more_text": settings.more_text,
        "show_category": settings.show_category,
        "show_date": settings.show_date,
        "logo": logo_context(settings),
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
            # a published page is read by anyone: no one's unsubscribe link, no merge tag
            "unsubscribe_url": "" if web_copy else settings.unsubscribe_url or settings.unsubscribe_mailto,
            "preferences_url": "" if web_copy else settings.preferences_url,
        },
        "colors": colors_context(settings),
        "font_family": settings.font_family,
        "fonts": settings.fonts_dict,
        "site_title": meta.title,
    }


def index_entry(issue: Issue, url: str, settings: NewsletterSettings) -> dict:
    """What the archive index shows of one issue: plain data, kept between builds."""
    words = language(settings.language)
    lead = None
    if issue.lead is not None:
        title = normalise_space(issue.lead.title)
        markup = issue_markup(issue.lead.content_html)
        lead = {
            "title": title,
            "summary": normalise_space(markup_text(markup)) if markup else normalise_space(issue.lead.summary or ""),
            "url": f"{url}#{item_anchor(issue.lead)}",
            "image": image_context(issue.lead.image, title, LEAD_IMAGE_WIDTH),
            "date": words.day(issue.lead.date),
        }
    return {
        "key": issue.key,
        "year": issue.year,
        "url": url,
        "subject": issue.subject,
        "month_label": issue.month_label,
        "date_line": issue.date_line,
        "number": issue.number if issue.number is not None else "",
        "item_count": len(issue.items),
        "in_progress": issue.in_progress,
        "lead_title": lead["title"] if lead else "",
        "lead": lead,
        "sections": [{"title": s.title, "count": len(s.items)} for s in issue.sections],
    }


def _subscriptions(feeds: list[dict], base_url: str) -> list[dict]:
    """The feeds grouped by subscription (the same path in each format): [{title, formats:
    [{name, url}], category}], in the order given."""
    grouped: dict[str, dict] = {}
    for feed in feeds:
        url = absolute_url(str(feed["url"]), base_url) or ""
        title, _, name = normalise_space(str(feed.get("title", ""))).rpartition(" (")
        category = "/category/" in url
        if category:  # "Site: Label" -> "Label", under the heading "By category"
            title = title.partition(": ")[2] or title
        entry = grouped.setdefault(url.rpartition(".")[0], {"title": title or name, "formats": [], "category": category})
        entry["formats"].append({"name": name.rstrip(")") or url.rpartition(".")[2], "url": url})
    return list(grouped.values())


def index_context(entries: list[dict], settings: NewsletterSettings, meta: FeedMeta, *, feeds: list[dict]) -> dict:
    """Data for site/index.html.j2, the front page: the latest issue with its lead, every
    issue by year (see `index_entry`), newest first, and the feeds to subscribe to."""
    # entries kept by an older build lack the newer fields: read them as absent
    entries = sorted(({"in_progress": False, "lead": None, **entry} for entry in entries),
                     key=lambda entry: entry["key"], reverse=True)
    words = language(settings.language)
    years: list[dict] = []
    for entry in entries:
        if not years or years[-1]["year"] != entry["key"][:4]:
            years.append({"year": entry["key"][:4], "issues": []})
        years[-1]["issues"].append(entry)
    subscriptions = _subscriptions(feeds, meta.base_url)
    return {
        "lang": words.html_lang,
        "dir": words.direction,
        "site_title": meta.title,
        "subtitle": meta.subtitle or "",
        "newsletter_title": settings.title,
        "logo": logo_context(settings),
        "base_url": meta.base_url,
        "latest": entries[0] if entries else None,
        "issues": entries,
        "years": years,
        "feeds": [
            {"title": normalise_space(str(f.get("title", ""))), "url": absolute_url(str(f["url"]), meta.base_url) or "", "type": str(f.get("type", "application/atom+xml"))}
            for f in feeds
        ],
        "subscribe": [s for s in subscriptions if not s["category"]],
        "subscribe_categories": [s for s in subscriptions if s["category"]],
        "opml_url": f"{meta.base_url}feeds/feeds.opml",
        "colors": colors_context(settings),
        "font_family": settings.font_family,
    }
