"""The newsletter's settings: frozen values and their lookups, no I/O but `load_editorial`.

newsletter.app.config reads them from the [newsletter] table of feedletter.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import ConfigError
from .language import N_, language

# --- defaults (enews-format.md §8/§9) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One newsletter section: listing categories it takes, title keywords for items without a
    category, and whether it takes everything no other section claims."""

    title: str
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    catch_all: bool = False


DEFAULT_LEAD_CATEGORIES: tuple[str, ...] = (
    "News",
    "Article",
    "Statement",
    "International Day of Cooperatives",
)

DEFAULT_EXCLUDE_TITLES: tuple[str, ...] = (
    "ILO COOP eNews*",
    "ILO COOP/SSE eNews*",
    "ILO COOP NewsUpdate*",
    "ILO E-news*",
    "eNews*",
)

NUMBERING_SCHEMES = ("yearly", "continuous", "none")
# direct: feedletter mails each subscriber; list: one message to a list server's address;
# esp: the package is for an e-mail service, which fills in its merge tags
DELIVERY_MODES = ("direct", "list", "esp")

_MONTH_KEY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

SUBJECT_FIELDS = ("title", "number", "month", "month_name", "year", "key", "date_line")


@dataclass(frozen=True, slots=True)
class Colors:
    masthead_background: str = "#1f4e8c"
    masthead_text: str = "#ffffff"
    link: str = "#1f4e8c"
    text: str = "#222222"
    muted: str = "#555555"
    background: str = "#eef1f5"
    body_background: str = "#ffffff"
    footer_background: str = "#e4e8ee"


@dataclass(frozen=True, slots=True)
class SocialLink:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Footer:
    contact: str = ""
    email: str = ""
    archive_url: str = ""  # empty: the web archive of the site (FeedMeta.base_url)
    archive_text: str = N_("Archive of all issues")
    copyright: str = ""  # holder; empty: the site author's name
    address: str = ""
    social: tuple[SocialLink, ...] = ()
    note: str = ""  # e.g. "You receive this e-mail because you subscribed to …"


@dataclass(frozen=True, slots=True)
class Editorial:
    """An intro for one month: inline text or a path to a .md/.txt file (read by load_editorial)."""

    text: str | None = None
    path: Path | None = None


@dataclass(frozen=True, slots=True)
class NewsletterSettings:
    title: str = "Newsletter"
    subtitle: str = ""  # template B: "Latest news …: {month}"; placeholders as in subject
    language: str = "en"  # the issue's own words and dates; default: site.language
    subject: str = N_("{title} No. {number}, {month}")
    subject_unnumbered: str = N_("{title}, {month}")
    date_line: str = N_("{month_name}, {year}")
    numbering: str = "yearly"
    first_issue: str | None = None  # "YYYY-MM"
    first_number: int = 1
    lead_categories: tuple[str, ...] = DEFAULT_LEAD_CATEGORIES
    lead: tuple[tuple[str, str], ...] = ()  # (month key, item title or id); "" = no lead
    sections: tuple[SectionSpec, ...] = ()  # none configured: one section per category of the month
    section_heading: str = "{title}"  # template B: "{title} for {month}"
    exclude_titles: tuple[str, ...] = DEFAULT_EXCLUDE_TITLES
    editorial_heading: str = ""  # template B: "Message from ILO COOP"
    editorial: tuple[tuple[str, Editorial], ...] = ()
    preheader: str = N_("Can't read this e-mail?")
    online_text: str = N_("View our online version")
    more_text: str = N_(">>More")
    show_category: bool = True  # each item's category and date above its headline
    show_date: bool = True
    footer: Footer = field(default_factory=Footer)
    unsubscribe_url: str = ""  # https, may hold a merge tag such as *|UNSUB|*
    unsubscribe_mailto: str = ""  # mailto:…
    preferences_url: str = ""
    delivery: str = "direct"  # one of DELIVERY_MODES
    delivery_set: bool = False  # False: `delivery` follows from unsubscribe_url (see the config reader)
    list_address: str = ""  # with delivery = "list": the address the list server expands
    from_addr: str = ""  # empty: the site author
    to_addr: str = ""
    logo_url: str = ""
    logo_dark_url: str = ""  # the logo for a dark background; empty: the logo on a light plate
    logo_alt: str = ""  # empty: the newsletter's title
    logo_width: int = 160
    colors: Colors = field(default_factory=Colors)
    font_family: str = "Arial, Helvetica, sans-serif"
    fonts: tuple[tuple[str, str], ...] = ()  # (name, css url); empty: no web-font link at all

    # --- lookups ---

    def lead_for(self, month_key: str) -> str | None:
        for key, value in self.lead:
            if key == month_key:
                return value
        return None

    def editorial_for(self, month_key: str) -> Editorial | None:
        for key, value in self.editorial:
            if key == month_key:
                return value
        return None

    @property
    def fonts_dict(self) -> dict[str, str]:
        return dict(self.fonts)


def localised_defaults(tag: str) -> NewsletterSettings:
    """The default settings with their texts in the language `tag` (English when no
    catalog has them): what an unset key means in that language."""
    d = NewsletterSettings()
    words = language(tag)
    text = words.gettext
    return replace(
        d,
        language=tag,
        subject=text(d.subject),
        subject_unnumbered=text(d.subject_unnumbered),
        date_line=text(d.date_line),
        preheader=text(d.preheader),
        online_text=text(d.online_text),
        more_text=text(d.more_text),
        footer=replace(d.footer, archive_text=text(d.footer.archive_text)),
    )


def month_parts(key: str) -> tuple[int, int] | None:
    match = _MONTH_KEY.match(key)
    return (int(match.group(1)), int(match.group(2))) if match else None


def load_editorial(settings: NewsletterSettings, month_key: str) -> str | None:
    """The editorial text of a month (inline, or read from its file), or None."""
    editorial = settings.editorial_for(month_key)
    if editorial is None:
        return None
    if editorial.path is None:
        return editorial.text
    try:
        return editorial.path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"newsletter.editorial.{month_key}: cannot read {editorial.path}: {exc.strerror or exc}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"newsletter.editorial.{month_key}: {editorial.path} is not UTF-8 text") from exc
    except ValueError as exc:  # a NUL byte in the path
        raise ConfigError(f"newsletter.editorial.{month_key}: cannot read {str(editorial.path)!r}: {exc}") from exc

