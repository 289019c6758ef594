"""feedletter.toml -> frozen Settings.

Paths in the file are relative to the file itself, because cron runs from $HOME.
Every table is read by `reader.Table`, so an unknown key or a wrong value is an error in one
form, `FILE: [table] key: what is wrong, what is expected`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from feeds.model import FeedMeta
from feeds.sources.decoding import utf16_without_bom
from feeds.sources.items import nesting_problem

from ...errors import ConfigError
from ...issue.settings import NewsletterSettings
from .newsletter import NEWSLETTER, read_newsletter
from .reader import Keys, Table
from .site import FEEDS, PATHS, SITE, read_feeds, read_paths, read_site
from .smtp import SMTP, SmtpSettings, read_smtp
from .sources import SOURCES, SourceConfig, read_sources

CONFIG_ENV = "FEEDLETTER_CONFIG"
DEFAULT_NAME = "feedletter.toml"
CONFIG = Keys("", tables=(SITE, PATHS, FEEDS, NEWSLETTER, SOURCES, SMTP))


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
    fetch_concurrency: int = 4  # sources `run` reads at once
    newsletter: NewsletterSettings = field(default_factory=NewsletterSettings)
    sources: tuple[SourceConfig, ...] = ()
    smtp: SmtpSettings | None = None

    @property
    def base_dir(self) -> Path:
        return self.config_path.parent


def config_path(flag: str | None) -> Path:
    """--config, then $FEEDLETTER_CONFIG, then ./feedletter.toml."""
    return Path(flag or os.environ.get(CONFIG_ENV) or DEFAULT_NAME).expanduser().absolute()


def config_keys() -> list[str]:
    """Every key the config accepts, dotted (`site.title`, `newsletter.footer.email`); a table whose
    keys the user picks (months, font names) is listed by its own name (`newsletter.lead`)."""
    return list(CONFIG.dotted())


def load_settings(path: Path) -> Settings:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file; run 'feedletter init' to write one, or pass --config"
        ) from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    return settings_from_dict(_toml(data, path), path)


def _toml(data: bytes, path: Path) -> dict[str, Any]:
    """The file read as TOML, which is UTF-8 text; nesting is measured first because the
    parser recurses once per level."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(data):
        raise ConfigError(f"{path}: UTF-16 text, expected a config saved as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}), "
                          "expected a config saved as UTF-8") from None
    too_deep = nesting_problem(text, source=str(path), syntax="toml")
    if too_deep is not None:
        raise ConfigError(str(too_deep))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def settings_from_dict(data: dict[str, Any], path: Path) -> Settings:
    top = Table(data, CONFIG, file=str(path))
    base = path.parent
    meta, timezone = read_site(top.table("site"))
    newsletter = read_newsletter(top.table("newsletter"), base, meta.language)
    if meta.logo_url is None and newsletter.logo_url:  # the masthead's logo is the site's too
        meta = replace(meta, logo_url=newsletter.logo_url)
    paths = read_paths(top.table("paths"), base)
    limits = read_feeds(top.table("feeds"))
    sources = read_sources(top.tables("sources", named_by="name"), base)
    return Settings(
        config_path=path,
        meta=replace(meta, hub=limits.websub_hub or None),
        timezone=timezone,
        archive=paths.archive,
        output=paths.output,
        outbox=paths.outbox,
        templates=paths.templates,
        items_per_feed=limits.items_per_feed,
        digest_months=limits.digest_months,
        lock_wait=limits.lock_wait,
        fetch_concurrency=limits.fetch_concurrency,
        newsletter=newsletter,
        sources=sources,
        smtp=read_smtp(top.table("smtp"), base) if top.has("smtp") else None,
    )
