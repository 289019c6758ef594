"""feedletter.toml -> frozen Settings.

Paths in the file are relative to the file itself, because cron runs from $HOME.
An unknown key or a value of the wrong type is an error that names the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.errors import ConfigError
from feeds.model import Author, FeedMeta

from ...issue.settings import NewsletterSettings
from .sources import SmtpSettings, SourceConfig, smtp_from_table, sources_from_list

CONFIG_ENV = "FEEDLETTER_CONFIG"
DEFAULT_NAME = "feedletter.toml"


@dataclass(frozen=True, slots=True)
class Settings:
    config_path: Path
    meta: FeedMeta
    timezone: ZoneInfo
    archive: Path
    output: Path
    outbox: Path
    templates: Path | None
    items_per_feed: int
    digest_months: int
    lock_wait: float
    newsletter: NewsletterSettings = field(default_factory=NewsletterSettings)
    sources: tuple[SourceConfig, ...] = ()
    smtp: SmtpSettings | None = None

    @property
    def base_dir(self) -> Path:
        return self.config_path.parent


def config_path(flag: str | None) -> Path:
    """--config, then $FEEDLETTER_CONFIG, then ./feedletter.toml."""
    return Path(flag or os.environ.get(CONFIG_ENV) or DEFAULT_NAME).expanduser().absolute()


def _take(table: dict, key: str, kind: type | tuple[type, ...], default: Any, where: str) -> Any:
    value = table.pop(key, default)
    if value is default:
        return value
    if isinstance(value, bool) and kind in (int, float):
        value = None  # TOML booleans are not numbers
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        expected = {"str": "a string", "int": "an integer", "float": "a number", "dict": "a table",
                    "list": "an array"}.get(names, names)
        raise ConfigError(f"{where}: '{key}' must be {expected}")
    return value


def _no_extra(table: dict, where: str) -> None:
    if table:
        key = sorted(table)[0]
        raise ConfigError(f"{where}: unknown key '{key}'")


def load_settings(path: Path) -> Settings:
    try:
        with open(path, "rb") as stream:
            data = tomllib.load(stream)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file; run 'feedletter init' to write one, or pass --config"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    return settings_from_dict(data, path)


def settings_from_dict(data: dict[str, Any], path: Path) -> Settings:
    where = str(path)
    data = dict(data)
    site = dict(_take(data, "site", dict, {}, where))
    paths = dict(_take(data, "paths", dict, {}, where))
    feeds = dict(_take(data, "feeds", dict, {}, where))
    newsletter = dict(_take(data, "newsletter", dict, {}, where))
    sources = _take(data, "sources", list, [], where)
    smtp_table = _take(data, "smtp", dict, None, where)
    _no_extra(data, where)

    s = f"{where}: [site]"
    title = _take(site, "title", str, "News", s)
    subtitle = _take(site, "subtitle", str, None, s)
    base_url = _take(site, "base_url", str, None, s)
    if base_url is None:
        raise ConfigError(f"{s}: 'base_url' is required (the address where the output is published)")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{s}: 'base_url' must be an absolute http(s) URL, got {base_url!r}")
    base_url = base_url.rstrip("/") + "/"
    language = _take(site, "language", str, "en", s)
    zone_name = _take(site, "timezone", str, "UTC", s)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{s}: unknown timezone {zone_name!r}, expected a name such as 'Europe/Zurich'") from None
    author_table = dict(_take(site, "author", dict, {}, s))
    author = Author(
        name=_take(author_table, "name", str, title, f"{s} author"),
        email=_take(author_table, "email", str, None, f"{s} author"),
    )
    _no_extra(author_table, f"{s} author")
    authority = _take(site, "tag_authority", str, None, s) or f"{parts.hostname},2000"
    _no_extra(site, s)

    p = f"{where}: [paths]"
    base = path.parent

    def resolve(key: str, default: str | None) -> Path | None:
        value = _take(paths, key, str, default, p)
        return None if value is None else (base / Path(value).expanduser()).resolve()

    archive = resolve("archive", "feedletter.db")
    output = resolve("output", "public")
    outbox = resolve("outbox", "outbox")
    templates = resolve("templates", None)
    _no_extra(paths, p)

    f = f"{where}: [feeds]"
    items_per_feed = _take(feeds, "items", int, 50, f)
    digest_months = _take(feeds, "digest_months", int, 24, f)
    lock_wait = float(_take(feeds, "lock_wait", (int, float), 60, f))
    _no_extra(feeds, f)
    if items_per_feed < 1 or digest_months < 1:
        raise ConfigError(f"{f}: 'items' and 'digest_months' must be at least 1")

    source_configs = sources_from_list(sources, where=where, base=base)
    smtp = smtp_from_table(smtp_table, where=where, base=base)

    return Settings(
        config_path=path,
        meta=FeedMeta(
            title=title,
            subtitle=subtitle,
            base_url=base_url,
            language=language,
            author=author,
            id_authority=authority,
        ),
        timezone=zone,
        archive=archive,
        output=output,
        outbox=outbox,
        templates=templates,
        items_per_feed=items_per_feed,
        digest_months=digest_months,
        lock_wait=lock_wait,
        newsletter=NewsletterSettings.from_table(newsletter, where=where, base_dir=base),
        sources=source_configs,
        smtp=smtp,
    )
