"""The `[[sources]]` and `[smtp]` tables of feedletter.toml -> frozen values.

Kept apart from config.py so that Settings stays small; config.py calls these.
Unknown keys are errors that name the key; paths are relative to the config file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feeds.errors import ConfigError
from feeds.urls import is_web_url

SOURCE_KINDS = ("listing", "html", "feed", "items", "auto")
SELECTOR_KEYS = ("item", "title", "date", "summary", "link", "category")
SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    kind: str  # listing | html | feed | items | auto
    location: str  # an http(s) URL, or an absolute file path
    category: str | None = None  # for items that have none
    include: str | None = None  # keep only items whose title matches (regex)
    exclude: str | None = None  # drop items whose title matches (regex)
    selectors: tuple[tuple[str, str], ...] = ()  # html: item, title, date, summary, link, category
    timeout: float | None = None

    @property
    def is_url(self) -> bool:
        return is_web_url(self.location)

    @property
    def selector_map(self) -> dict[str, str]:
        return dict(self.selectors)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"  # starttls | tls | none
    sender: str | None = None  # envelope sender; default: the message's From
    recipients: tuple[str, ...] = ()
    recipients_file: Path | None = None
    timeout: float = 30.0


def _string(table: dict, key: str, where: str, *, required: bool = False) -> str | None:
    value = table.pop(key, None)
    if value is None:
        if required:
            raise ConfigError(f"{where}: '{key}' is required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _no_extra(table: dict, where: str) -> None:
    if table:
        raise ConfigError(f"{where}: unknown key '{sorted(table)[0]}'")


def _regex(value: str | None, key: str, where: str) -> str | None:
    if value is None:
        return None
    try:
        re.compile(value)
    except re.error as error:
        raise ConfigError(f"{where}: '{key}' is not a valid regular expression ({error})") from None
    return value


def sources_from_list(entries: list[Any], *, where: str, base: Path) -> tuple[SourceConfig, ...]:
    found: list[SourceConfig] = []
    names: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: [[sources]] entry {number} must be a table")
        table = dict(entry)
        here = f"{where}: [[sources]] entry {number}"
        name = _string(table, "name", here, required=True)
        assert name is not None
        here = f"{where}: [[sources]] {name!r}"
        if name in names:
            raise ConfigError(f"{here}: another source has the same name")
        names.add(name)
        kind = _string(table, "kind", here) or "auto"
        if kind not in SOURCE_KINDS:
            raise ConfigError(f"{here}: 'kind' must be one of {', '.join(SOURCE_KINDS)}, got {kind!r}")
        raw_location = _string(table, "location", here, required=True)
        assert raw_location is not None
        parts = urlsplit(raw_location)
        if parts.scheme in ("http", "https"):
            if not parts.hostname:
                raise ConfigError(f"{here}: 'location' {raw_location!r} has no host")
            location = raw_location
        elif parts.scheme and len(parts.scheme) > 1:
            raise ConfigError(f"{here}: 'location' must be a file path or an http(s) URL, got {raw_location!r}")
        else:
            location = str((base / Path(raw_location).expanduser()).resolve())
        category = _string(table, "category", here)
        include = exclude = None
        filters = table.pop("filter", None)
        if filters is not None:
            if not isinstance(filters, dict):
                raise ConfigError(f"{here}: 'filter' must be a table with include and/or exclude")
            filters = dict(filters)
            include = _regex(_string(filters, "include", f"{here} filter"), "include", f"{here} filter")
            exclude = _regex(_string(filters, "exclude", f"{here} filter"), "exclude", f"{here} filter")
            _no_extra(filters, f"{here} filter")
        selectors: tuple[tuple[str, str], ...] = ()
        raw_selectors = table.pop("selectors", None)
        if raw_selectors is not None:
            if kind not in ("html", "auto"):
                raise ConfigError(f"{here}: 'selectors' only apply to kind = \"html\"")
            if not isinstance(raw_selectors, dict):
                raise ConfigError(f"{here}: 'selectors' must be a table of CSS selectors")
            raw_selectors = dict(raw_selectors)
            picked = {key: _string(raw_selectors, key, f"{here} selectors") for key in SELECTOR_KEYS}
            _no_extra(raw_selectors, f"{here} selectors")
            for key in ("item", "title", "date"):
                if not picked[key]:
                    raise ConfigError(f"{here} selectors: '{key}' is required (CSS selector)")
            _check_selectors(picked, f"{here} selectors")
            selectors = tuple((key, value) for key, value in picked.items() if value)
        timeout = table.pop("timeout", None)
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
            raise ConfigError(f"{here}: 'timeout' must be a positive number of seconds")
        _no_extra(table, here)
        found.append(SourceConfig(name, kind, location, category, include, exclude, selectors,
                                  float(timeout) if timeout is not None else None))
    return tuple(found)


def _check_selectors(selectors: dict[str, str | None], where: str) -> None:
    from selectolax.lexbor import LexborHTMLParser

    probe = LexborHTMLParser("<p></p>")
    for key, value in selectors.items():
        if value:
            try:
                probe.css(value)
            except Exception as error:
                raise ConfigError(f"{where}: '{key}' is not a valid CSS selector ({error})") from None


def _address(value: Any, where: str) -> str:
    if not isinstance(value, str) or "@" not in parseaddr(value)[1]:
        raise ConfigError(f"{where}: {value!r} is not an e-mail address")
    return value.strip()


def smtp_from_table(table: dict[str, Any] | None, *, where: str, base: Path) -> SmtpSettings | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: 'smtp' must be a table")
    table = dict(table)
    here = f"{where}: [smtp]"
    for secret in ("password", "user", "username"):
        if secret in table:
            raise ConfigError(
                f"{here}: '{secret}' does not belong in the config file; set FEEDLETTER_SMTP_USER "
                "and FEEDLETTER_SMTP_PASSWORD in the environment"
            )
    host = _string(table, "host", here, required=True)
    security = _string(table, "security", here) or "starttls"
    if security not in SECURITY:
        raise ConfigError(f"{here}: 'security' must be one of {', '.join(SECURITY)}, got {security!r}")
    port = table.pop("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"{here}: 'port' must be a port number")
    sender = _string(table, "from", here)
    if sender is not None:
        sender = _address(sender, f"{here} from")
    recipients = table.pop("recipients", [])
    if isinstance(recipients, str):
        recipients = [recipients]
    if not isinstance(recipients, list):
        raise ConfigError(f"{here}: 'recipients' must be an address or a list of addresses")
    recipients = [_address(value, f"{here} recipients") for value in recipients]
    recipients_file = _string(table, "recipients_file", here)
    timeout = table.pop("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(f"{here}: 'timeout' must be a positive number of seconds")
    _no_extra(table, here)
    assert host is not None
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        sender=sender,
        recipients=tuple(recipients),
        recipients_file=(base / Path(recipients_file).expanduser()).resolve() if recipients_file else None,
        timeout=float(timeout),
    )
