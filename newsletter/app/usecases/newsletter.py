"""`feedletter newsletter`: one month's e-mail package into the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeds.archive import Archive
from feeds.errors import FeedletterError
from feeds.output import Output

from ..config import Settings


def last_complete_month(now: datetime, settings: Settings) -> str:
    today = now.astimezone(settings.timezone).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def month_is_open(key: str, now: datetime, settings: Settings) -> bool:
    """The month is not over yet (in the site's timezone): items may still arrive, so it
    is not an issue to send (`newsletter --send` wants --open-month for it)."""
    today = now.astimezone(settings.timezone).date()
    return key >= f"{today:%Y-%m}"


@dataclass(frozen=True, slots=True)
class PackageReport:
    month: str
    written: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # what planning the issue found: a lead that names nothing, ...


def newsletter_package(settings: Settings, *, now: datetime, month: str | None) -> PackageReport:
    """Write one month's e-mail package (html, text, .eml) into the outbox.

    The default month (the last complete one) with nothing to send writes nothing; an
    explicit month with nothing to send is an error."""
    from feeds.months import group_by_month

    from ...issue.pages import issue_package
    from ...issue.plan import plan_issue
    from ...issue.render import make_environment

    key = month or last_complete_month(now, settings)
    today = now.astimezone(settings.timezone).date()
    with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
        items = archive.items_in_months([key], until=today)
        labels = archive.categories()
    months = group_by_month(items, labels)
    package = {}
    if months:
        package = issue_package(months[0], settings.newsletter, settings.meta,
                                make_environment(settings.templates, settings.newsletter.language), now=now)
    if not package:
        if month:
            raise FeedletterError(f"{key}: no items to send for this month")
        return PackageReport(key)
    written = Output(settings.outbox).write_all(package)
    warnings = plan_issue(months[0], settings.newsletter).warnings
    return PackageReport(key, tuple(written), tuple(sorted(package)), warnings)
