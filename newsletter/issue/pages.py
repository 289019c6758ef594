"""The newsletter's outputs as {relative path: bytes}: web copies and archive index for the site,
and the e-mail package of one issue for the outbox. Writing them is the caller's job."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import formataddr
from urllib.parse import urlsplit

import jinja2

from feeds.model import FeedMeta, Image, Month
from feeds.site_paths import issue_path

from .context import index_context, index_entry, issue_context
from .mail import build_message, list_id
from .plan import Issue, plan_issue
from .render import render_issue, render_page
from .settings import NewsletterSettings, load_editorial

INDEX_TEMPLATE = "site/index.html.j2"


def issue_url(meta: FeedMeta, month_key: str) -> str:
    return f"{meta.base_url}{issue_path(month_key)}"


def open_graph(*, title: str, description: str, url: str, image: Image | None, kind: str = "website") -> dict:
    """The Open Graph tags of a published page (link previews), as property -> value;
    the templates write those that are set."""
    return {
        "type": kind,
        "title": title,
        "description": description,
        "url": url,
        "image": image.url if image else None,
        "image:alt": (image.alt or title) if image else None,
        "image:width": image.width if image else None,
        "image:height": image.height if image else None,
    }


def _issue_open_graph(issue: Issue, context: dict, meta: FeedMeta) -> dict:
    """An issue's preview: its subject, its pre-header words, its lead's picture, else its
    first story's, else the site's logo."""
    pictured = next((item for item in issue.items if item.image), None)
    image = replace(pictured.image, alt=pictured.image.alt or pictured.title) if pictured and pictured.image else None
    logo = Image(meta.logo_url, meta.title) if meta.logo_url else None
    return open_graph(title=issue.subject, description=context["preview"], url=issue_url(meta, issue.key),
                      image=image or logo, kind="article")


def _context(issue: Issue, settings: NewsletterSettings, meta: FeedMeta, *, web_copy: bool) -> dict:
    context = _issue_context(issue, settings, meta, web_copy=web_copy)
    if web_copy:  # a page: link previews; the e-mail has none
        context["og"] = _issue_open_graph(issue, context, meta)
    return context


def _issue_context(issue: Issue, settings: NewsletterSettings, meta: FeedMeta, *, web_copy: bool) -> dict:
    return issue_context(
        issue,
        settings,
        meta,
        web_url=issue_url(meta, issue.key),
        archive_url=meta.base_url,
        editorial=load_editorial(settings, issue.key),
        web_copy=web_copy,
    )


@dataclass(frozen=True, slots=True)
class WebCopy:
    html: bytes  # the page, or b"" when the month has nothing to show
    entry: dict | None  # its entry in the archive of issues
    warnings: tuple[str, ...] = ()  # what planning the issue found (see plan_issue)


def issue_page(
    month: Month, settings: NewsletterSettings, meta: FeedMeta, env: jinja2.Environment, *, in_progress: bool = False
) -> WebCopy:
    """The web copy of a month's issue and its entry for the index; an empty one when
    the month has nothing to show (only the newsletter's own listing item). The open
    month (`in_progress`) says so on its page and in the index."""
    issue = plan_issue(month, settings, in_progress=in_progress)
    if issue.is_empty:
        return WebCopy(b"", None, issue.warnings)
    rendered = render_issue(env, _context(issue, settings, meta, web_copy=True), text=False)
    entry = index_entry(issue, issue_url(meta, issue.key), settings)
    return WebCopy(rendered.html.encode("utf-8"), entry, issue.warnings)


def index_page(
    entries: list[dict], settings: NewsletterSettings, meta: FeedMeta, env: jinja2.Environment, *, feeds: list[dict]
) -> bytes:
    """The archive of issues, newest first; `feeds` are its autodiscovery links."""
    context = index_context(entries, settings, meta, feeds=feeds)
    context["og"] = open_graph(title=settings.title, description=meta.subtitle or f"{settings.title}: archive of issues",
                               url=meta.base_url, image=Image(meta.logo_url, settings.title) if meta.logo_url else None)
    return render_page(env, INDEX_TEMPLATE, context).encode("utf-8")


def default_from(settings: NewsletterSettings, meta: FeedMeta) -> str:
    """The configured From, else the site author, else newsletter@<host of base_url>."""
    if settings.from_addr:
        return settings.from_addr
    name = meta.author.name or settings.title
    if meta.author.email:
        return formataddr((name, meta.author.email))
    host = urlsplit(meta.base_url).hostname or "localhost"
    return formataddr((name, f"newsletter@{host}"))


def issue_package(
    month: Month, settings: NewsletterSettings, meta: FeedMeta, env: jinja2.Environment, *, now: datetime
) -> dict[str, bytes]:
    """{"YYYY-MM.html", "YYYY-MM.txt", "YYYY-MM.eml", "YYYY-MM.mjml"} for the outbox; {} when the
    month has nothing to send (no items, or only excluded ones). `now` (aware) is the Date header."""
    issue = plan_issue(month, settings)
    if issue.is_empty:
        return {}
    context = _context(issue, settings, meta, web_copy=False)
    rendered = render_issue(env, context)
    eml = build_message(
        subject=issue.subject,
        from_addr=default_from(settings, meta),
        to_addr=settings.to_addr or None,
        date=now,
        message_id_seed=f"issue-{issue.key}",
        html=rendered.html,
        text=rendered.text,
        list_unsubscribe_https=settings.unsubscribe_url or None,
        list_unsubscribe_mailto=settings.unsubscribe_mailto or None,
        # feedletter sending itself is the list; a list server or an e-mail service names its own
        list_id=list_id(settings.title, meta.base_url) if settings.delivery == "direct" else None,
    )
    key = issue.key
    return {
        f"{key}.html": rendered.html.encode("utf-8"),
        f"{key}.txt": rendered.text.encode("utf-8"),
        f"{key}.eml": eml,
        f"{key}.mjml": rendered.mjml.encode("utf-8"),
    }
