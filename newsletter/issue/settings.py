"""The [newsletter] table of feedletter.toml: validated once, frozen, no I/O but `load_editorial`."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from feeds.errors import ConfigError

# --- defaults (enews-format.md §8/§9) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One newsletter section: listing categories it takes, title keywords for items without a
    category, and whether it takes everything no other section claims."""

    title: str
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    catch_all: bool = False


DEFAULT_SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(
        "News from the field",
        (
            "News",
            "Article",
            "Cooperatives",
            "Decent work",
            "Our impact, Their voices",
            "International Day of Cooperatives",
            "Statement",
            "Press release",
            "Video",
            "Presentation",
            "Project",
        ),
        catch_all=True,
    ),
    SectionSpec(
        "Spotlight Interviews with Co-operators",
        ("Spotlight Interviews with Co-operators",),
        keywords=("Interview",),
    ),
    SectionSpec("Spotlight on Cooperatives", ("Spotlight on Cooperatives",), keywords=("Spotlight on",)),
    SectionSpec("COOP Champions", ("COOP Champions", "COOP Champion"), keywords=("COOP Champion",)),
    SectionSpec("ILO COOP 100", ("ILO COOP 100 Interview", "ILO COOP 100"), keywords=("ILO COOP 100",)),
    SectionSpec(
        "Publications and resources",
        (
            "Publication",
            "Publications",
            "Brief",
            "A cooperative 2030 series",
            "Countries in Focus on Statistics of Cooperatives",
            "Resources",
        ),
    ),
    SectionSpec(
        "Upcoming events",
        (
            "Event",
            "Events",
            "Call for expression of interest",
            "Call for expressions of interest",
        ),
    ),
)

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

_MONTH_KEY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONT_STACK = re.compile(r"^[A-Za-z0-9 ,'\-]+$")
_ABSOLUTE = re.compile(r"^(?:https?://[^\s/]+\S*|mailto:\S+)$", re.IGNORECASE)

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
    archive_text: str = "Archive of all issues"
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
    subject: str = "{title} No. {number}, {month}"
    subject_unnumbered: str = "{title}, {month}"
    date_line: str = "{month_name}, {year}"
    numbering: str = "yearly"
    first_issue: str | None = None  # "YYYY-MM"
    first_number: int = 1
    lead_categories: tuple[str, ...] = DEFAULT_LEAD_CATEGORIES
    lead: tuple[tuple[str, str], ...] = ()  # (month key, item title or id); "" = no lead
    sections: tuple[SectionSpec, ...] = DEFAULT_SECTIONS
    section_heading: str = "{title}"  # template B: "{title} for {month}"
    exclude_titles: tuple[str, ...] = DEFAULT_EXCLUDE_TITLES
    editorial_heading: str = ""  # template B: "Message from ILO COOP"
    editorial: tuple[tuple[str, Editorial], ...] = ()
    preheader: str = "Can't read this e-mail?"
    online_text: str = "View our online version"
    more_text: str = ">>More"
    footer: Footer = field(default_factory=Footer)
    unsubscribe_url: str = ""  # https, may hold a merge tag such as *|UNSUB|*
    unsubscribe_mailto: str = ""  # mailto:…
    preferences_url: str = ""
    from_addr: str = ""  # empty: the site author
    to_addr: str = ""
    logo_url: str = ""
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

    # --- construction ---

    @classmethod
    def from_table(cls, table: dict, *, where: str, base_dir: Path) -> NewsletterSettings:
        return _Reader(where, Path(base_dir)).settings(table)


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


# --- validation -------------------------------------------------------------------------------

_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", list: "an array", dict: "a table"}


class _Reader:
    def __init__(self, where: str, base_dir: Path) -> None:
        self.where = where
        self.base_dir = base_dir

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: '{key}' {message}")

    def unknown(self, table: dict, allowed: set[str], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                raise ConfigError(f"{self.where}: unknown key '{prefix}.{key}'")

    def get(self, table: dict, name: str, kind: type, prefix: str, default: Any) -> Any:
        if name not in table:
            return default
        value = table[name]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            raise self.fail(f"{prefix}.{name}", f"must be {_TYPE_NAMES[kind]}, not {_toml_type(value)}")
        return value

    def text(self, table: dict, name: str, prefix: str, default: str, *, line: bool = True) -> str:
        value = self.get(table, name, str, prefix, default)
        return " ".join(value.split()) if line else value.strip()

    def strings(self, table: dict, name: str, prefix: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self.get(table, name, list, prefix, None)
        if value is None:
            return default
        for element in value:
            if not isinstance(element, str):
                raise self.fail(f"{prefix}.{name}", f"must be an array of strings, found {_toml_type(element)}")
        return tuple(" ".join(v.split()) for v in value if v.strip())

    def url(self, table: dict, name: str, prefix: str, *, mailto: bool | None = None) -> str:
        value = self.text(table, name, prefix, "")
        if not value:
            return ""
        if not _ABSOLUTE.match(value):
            raise self.fail(f"{prefix}.{name}", f"must be an absolute https:// or mailto: address, not {value!r}")
        is_mailto = value.lower().startswith("mailto:")
        if mailto is True and not is_mailto:
            raise self.fail(f"{prefix}.{name}", f"must be a mailto: address, not {value!r}")
        if mailto is False and is_mailto:
            raise self.fail(f"{prefix}.{name}", f"must be an http(s) address, not {value!r}")
        return value

    def pattern(self, table: dict, name: str, prefix: str, default: str) -> str:
        value = self.text(table, name, prefix, default)
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise self.fail(f"{prefix}.{name}", f"is not a valid pattern: {exc}") from None
        for f in fields:
            if f not in SUBJECT_FIELDS:
                allowed = ", ".join("{" + s + "}" for s in SUBJECT_FIELDS)
                raise self.fail(f"{prefix}.{name}", f"uses unknown placeholder {{{f}}}; use {allowed}")
        return value

    def month_key(self, key: str, name: str) -> str:
        if not _MONTH_KEY.match(key):
            raise self.fail(name, f"must be a month written YYYY-MM, not {key!r}")
        return key

    def settings(self, table: dict) -> NewsletterSettings:
        if not isinstance(table, dict):
            raise ConfigError(f"{self.where}: 'newsletter' must be a table, not {_toml_type(table)}")
        p = "newsletter"
        d = NewsletterSettings()
        allowed = {
            "title", "subtitle", "subject", "subject_unnumbered", "date_line", "numbering", "first_issue",
            "first_number", "lead_categories", "lead", "sections", "section_heading", "exclude_titles",
            "editorial_heading", "editorial", "preheader", "online_text", "more_text", "footer",
            "unsubscribe_url", "unsubscribe_mailto", "preferences_url", "from", "to", "logo_url",
            "logo_width", "colors", "font_family", "fonts",
        }  # fmt: skip
        self.unknown(table, allowed, p)

        numbering = self.text(table, "numbering", p, d.numbering)
        if numbering not in NUMBERING_SCHEMES:
            raise self.fail(f"{p}.numbering", f"must be one of {', '.join(NUMBERING_SCHEMES)}, not {numbering!r}")
        first_issue = self.get(table, "first_issue", str, p, None)
        if first_issue is not None:
            first_issue = self.month_key(first_issue.strip(), f"{p}.first_issue")
        elif numbering == "continuous":
            raise self.fail(f"{p}.first_issue", 'is required when numbering = "continuous" (e.g. "2020-01")')
        first_number = self.get(table, "first_number", int, p, d.first_number)

        lead_table = self.get(table, "lead", dict, p, {})
        lead = []
        for key, value in lead_table.items():
            self.month_key(key, f"{p}.lead")
            if not isinstance(value, str):
                raise self.fail(f"{p}.lead.{key}", f"must be a string (an item title or id), not {_toml_type(value)}")
            lead.append((key, " ".join(value.split())))

        editorial = []
        for key, value in self.get(table, "editorial", dict, p, {}).items():
            editorial.append((self.month_key(key, f"{p}.editorial"), self.editorial(value, f"{p}.editorial.{key}")))

        logo_width = self.get(table, "logo_width", int, p, d.logo_width)
        if not 16 <= logo_width <= 600:
            raise self.fail(f"{p}.logo_width", f"must be between 16 and 600 (pixels), not {logo_width}")
        font_family = self.text(table, "font_family", p, d.font_family)
        if not _FONT_STACK.match(font_family):
            raise self.fail(f"{p}.font_family", "may hold only font names, commas, spaces and single quotes")

        fonts = []
        for name, url in self.get(table, "fonts", dict, p, {}).items():
            if not isinstance(url, str) or not url.startswith("https://"):
                raise self.fail(f"{p}.fonts.{name}", "must be the https:// URL of a CSS file")
            fonts.append((name, url))

        from_addr = self.text(table, "from", p, "")
        to_addr = self.text(table, "to", p, "")
        return NewsletterSettings(
            title=self.text(table, "title", p, d.title) or d.title,
            subtitle=self.pattern(table, "subtitle", p, d.subtitle),
            subject=self.pattern(table, "subject", p, d.subject),
            subject_unnumbered=self.pattern(table, "subject_unnumbered", p, d.subject_unnumbered),
            date_line=self.pattern(table, "date_line", p, d.date_line),
            numbering=numbering,
            first_issue=first_issue,
            first_number=first_number,
            lead_categories=self.strings(table, "lead_categories", p, d.lead_categories),
            lead=tuple(sorted(lead)),
            sections=self.sections(table.get("sections"), f"{p}.sections") if "sections" in table else d.sections,
            section_heading=self.pattern(table, "section_heading", p, d.section_heading),
            exclude_titles=self.strings(table, "exclude_titles", p, d.exclude_titles),
            editorial_heading=self.text(table, "editorial_heading", p, d.editorial_heading),
            editorial=tuple(sorted(editorial, key=lambda pair: pair[0])),
            preheader=self.text(table, "preheader", p, d.preheader),
            online_text=self.text(table, "online_text", p, d.online_text) or d.online_text,
            more_text=self.text(table, "more_text", p, d.more_text) or d.more_text,
            footer=self.footer(self.get(table, "footer", dict, p, {}), f"{p}.footer"),
            unsubscribe_url=self.url(table, "unsubscribe_url", p, mailto=False),
            unsubscribe_mailto=self.url(table, "unsubscribe_mailto", p, mailto=True),
            preferences_url=self.url(table, "preferences_url", p),
            from_addr=self.address(from_addr, f"{p}.from"),
            to_addr=self.address(to_addr, f"{p}.to"),
            logo_url=self.url(table, "logo_url", p, mailto=False),
            logo_width=logo_width,
            colors=self.colors(self.get(table, "colors", dict, p, {}), f"{p}.colors"),
            font_family=font_family,
            fonts=tuple(fonts),
        )

    def address(self, value: str, name: str) -> str:
        if value and "@" not in value:
            raise self.fail(name, f"must be an e-mail address such as 'News <news@example.org>', not {value!r}")
        return value

    def editorial(self, value: Any, name: str) -> Editorial:
        if isinstance(value, dict):
            self.unknown(value, {"text", "file"}, name)
            if ("text" in value) == ("file" in value):
                raise self.fail(name, "needs exactly one of 'text' or 'file'")
            if "text" in value:
                return Editorial(text=self.get(value, "text", str, name, "").strip())
            return Editorial(path=self.base_dir / self.get(value, "file", str, name, ""))
        if not isinstance(value, str):
            raise self.fail(name, f"must be a string (text, or a path to a .md/.txt file), not {_toml_type(value)}")
        stripped = value.strip()
        if "\n" not in stripped and stripped.lower().endswith((".md", ".txt", ".markdown")):
            return Editorial(path=self.base_dir / stripped)
        return Editorial(text=stripped)

    def sections(self, value: Any, name: str) -> tuple[SectionSpec, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(name, "must be a non-empty array of tables ([[newsletter.sections]])")
        specs = []
        for index, entry in enumerate(value):
            where = f"{name}[{index}]"
            if not isinstance(entry, dict):
                raise self.fail(where, f"must be a table with title and categories, not {_toml_type(entry)}")
            self.unknown(entry, {"title", "categories", "keywords", "catch_all"}, where)
            title = self.text(entry, "title", where, "")
            if not title:
                raise self.fail(f"{where}.title", "is required")
            specs.append(
                SectionSpec(
                    title=title,
                    categories=self.strings(entry, "categories", where, ()),
                    keywords=self.strings(entry, "keywords", where, ()),
                    catch_all=self.get(entry, "catch_all", bool, where, False),
                )
            )
        if sum(spec.catch_all for spec in specs) > 1:
            raise self.fail(name, "may have only one section with catch_all = true")
        return tuple(specs)

    def footer(self, table: dict, p: str) -> Footer:
        self.unknown(table, {"contact", "email", "archive_url", "archive_text", "copyright", "address", "social", "note"}, p)
        d = Footer()
        social = []
        for name, url in self.get(table, "social", dict, p, {}).items():
            if not isinstance(url, str) or not _ABSOLUTE.match(url.strip()):
                raise self.fail(f"{p}.social.{name}", "must be an absolute https:// address")
            social.append(SocialLink(" ".join(name.split()), url.strip()))
        email = self.text(table, "email", p, "")
        if email.lower().startswith("mailto:"):
            email = email[7:]
        if email and ("@" not in email or " " in email):
            raise self.fail(f"{p}.email", f"must be an e-mail address, not {email!r}")
        return Footer(
            contact=self.text(table, "contact", p, d.contact),
            email=email,
            archive_url=self.url(table, "archive_url", p, mailto=False),
            archive_text=self.text(table, "archive_text", p, d.archive_text) or d.archive_text,
            copyright=self.text(table, "copyright", p, d.copyright),
            address=self.text(table, "address", p, d.address),
            social=tuple(social),
            note=self.text(table, "note", p, d.note),
        )

    def colors(self, table: dict, p: str) -> Colors:
        names = [f.name for f in fields(Colors)]
        self.unknown(table, set(names), p)
        d = Colors()
        values = {}
        for name in names:
            value = self.text(table, name, p, getattr(d, name))
            if not _COLOUR.match(value):
                raise self.fail(f"{p}.{name}", f"must be a colour written #rrggbb, not {value!r}")
            values[name] = value
        return Colors(**values)


def _toml_type(value: Any) -> str:
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return name
    if isinstance(value, float):
        return "a number"
    return f"a {type(value).__name__}"
