"""The [site], [paths] and [feeds] tables of feedletter.toml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.model import Author, FeedMeta

from .reader import Keys, Table

AUTHOR = Keys("site.author", ("name", "email"))
SITE = Keys("site", ("title", "subtitle", "base_url", "language", "timezone", "tag_authority", "logo_url", "icon_url"),
            (AUTHOR,))
PATHS = Keys("paths", ("archive", "output", "outbox", "templates"))
FEEDS = Keys("feeds", ("items", "digest_months", "lock_wait", "fetch_concurrency", "websub_hub"))


@dataclass(frozen=True, slots=True)
class Paths:
    archive: Path
    output: Path
    outbox: Path
    templates: Path | None


@dataclass(frozen=True, slots=True)
class FeedLimits:
    items_per_feed: int
    digest_months: int
    lock_wait: float
    fetch_concurrency: int
    websub_hub: str = ""  # "" : no hub


def read_site(site: Table) -> tuple[FeedMeta, ZoneInfo]:
    title = site.text("title", "News")
    base_url = site.url("base_url", required="the absolute http(s) URL where the output is published")
    author = site.table("author")
    meta = FeedMeta(
        title=title,
        subtitle=site.text("subtitle", None),
        base_url=base_url.rstrip("/") + "/",
        language=site.text("language", "en"),
        author=Author(name=author.text("name", title), email=author.address("email", bare=True)),
        id_authority=site.text("tag_authority", "") or f"{urlsplit(base_url).hostname},2000",
        logo_url=site.url("logo_url") or None,
        icon_url=site.url("icon_url") or None,
    )
    return meta, _timezone(site)


def _timezone(site: Table) -> ZoneInfo:
    name = site.text("timezone", "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory such as "Europe"
        raise site.error("timezone", f"unknown timezone {name!r}, expected a name such as 'Europe/Zurich'") from None


def read_paths(paths: Table, base: Path) -> Paths:
    output = paths.path("output", "public", base=base)
    return Paths(
        archive=_unpublished(paths, "archive", paths.path("archive", "feedletter.db", base=base), output),
        output=output,
        outbox=_unpublished(paths, "outbox", paths.path("outbox", "outbox", base=base), output),
        templates=paths.path("templates", "", base=base) if paths.has("templates") else None,
    )


def _unpublished(paths: Table, key: str, path: Path, output: Path) -> Path:
    """`path`, refused inside the output folder: whatever is there gets published (the
    archive holds hidden items, the outbox the issues before they are sent)."""
    if path == output or output in path.parents:
        raise paths.must(key, f"outside the output folder {output} (everything in it is published)", str(path))
    return path


def read_feeds(feeds: Table) -> FeedLimits:
    return FeedLimits(
        items_per_feed=feeds.integer("items", 50, low=1),
        digest_months=feeds.integer("digest_months", 24, low=1),
        lock_wait=feeds.number("lock_wait", 60.0, unit="seconds"),
        fetch_concurrency=feeds.integer("fetch_concurrency", 4, low=1),
        websub_hub=feeds.url("websub_hub"),
    )
