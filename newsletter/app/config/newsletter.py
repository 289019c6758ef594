"""The [newsletter] table of feedletter.toml and its subtables -> NewsletterSettings."""

from __future__ import annotations

import re
import string
from dataclasses import fields
from pathlib import Path
from typing import Any

from feeds.merge_tags import PLACEHOLDERS, merge_tag

from ...issue.language import available_languages, parse_locale
from ...issue.settings import (
    DELIVERY_MODES,
    NUMBERING_SCHEMES,
    SUBJECT_FIELDS,
    Colors,
    Editorial,
    Footer,
    NewsletterSettings,
    SectionSpec,
    SocialLink,
    localised_defaults,
)
from .reader import WEB, Keys, Table

_FONT_STACK = re.compile(r"[A-Za-z0-9 ,'\-]+")
_EDITORIAL_FILES = (".md", ".txt", ".markdown")
# A value of each kind a placeholder takes, to try a pattern before an issue needs it.
_SAMPLE_FIELDS = {"title": "News", "month": "December 2022", "month_name": "December", "year": 2022,
                  "key": "2022-12", "date_line": "December, 2022"}
_NUMBERED, _UNNUMBERED = (1,), ("",)
_BRACED = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")  # {token}, not a merge tag's {{ … }}
WEB_OR_MAIL = (*WEB, "mailto")

LEAD = Keys("newsletter.lead", user_keys=True)
EDITORIAL = Keys("newsletter.editorial", ("text", "file"), user_keys=True)
SECTIONS = Keys("newsletter.sections", ("title", "categories", "keywords", "catch_all"))
SOCIAL = Keys("newsletter.footer.social", user_keys=True)
FOOTER = Keys("newsletter.footer", ("contact", "email", "archive_url", "archive_text", "copyright", "address", "note"),
              (SOCIAL,))
COLORS = Keys("newsletter.colors", tuple(colour.name for colour in fields(Colors)))
FONTS = Keys("newsletter.fonts", user_keys=True)
NEWSLETTER = Keys(
    "newsletter",
    ("title", "subtitle", "subject", "subject_unnumbered", "date_line", "numbering", "first_issue", "first_number",
     "lead_categories", "section_heading", "exclude_titles", "editorial_heading", "preheader", "online_text",
     "more_text", "unsubscribe_url", "unsubscribe_mailto", "preferences_url", "delivery", "list_address", "from", "to",
     "logo_url", "logo_dark_url", "logo_alt", "logo_width", "font_family", "language", "show_category", "show_date"),
    (LEAD, EDITORIAL, SECTIONS, FOOTER, COLORS, FONTS),
)


def newsletter_from_table(table: Any, *, where: str, base_dir: Path, site_language: str = "en") -> NewsletterSettings:
    """A [newsletter] table on its own, as if read from the file `where`."""
    return read_newsletter(Table({"newsletter": table}, Keys("", tables=(NEWSLETTER,)), file=where).table("newsletter"),
                           base_dir, site_language)


def read_newsletter(table: Table, base_dir: Path, site_language: str = "en") -> NewsletterSettings:
    """The [newsletter] table; a text it leaves unset is the default in the issue's
    language (`language`, else site.language)."""
    tag = _language(table, site_language)
    d = localised_defaults(tag)
    numbering = table.choice("numbering", NUMBERING_SCHEMES, d.numbering)
    first_issue = table.month("first_issue")
    if first_issue is None and numbering == "continuous":
        raise table.error("first_issue", 'missing, expected the month of issue No. 1 (such as "2020-01") '
                                         'when numbering = "continuous"')
    unsubscribe_url = _personal_url(table, "unsubscribe_url", WEB)
    unsubscribe_mailto = _personal_url(table, "unsubscribe_mailto", ("mailto",))
    delivery, list_address = _delivery(table, unsubscribe_url, unsubscribe_mailto)
    return NewsletterSettings(
        language=tag,
        title=table.line("title", d.title) or d.title,
        subtitle=_pattern(table, "subtitle", d.subtitle),
        subject=_pattern(table, "subject", d.subject, numbers=_NUMBERED),
        subject_unnumbered=_pattern(table, "subject_unnumbered", d.subject_unnumbered, numbers=_UNNUMBERED),
        date_line=_pattern(table, "date_line", d.date_line),
        numbering=numbering,
        first_issue=first_issue,
        first_number=table.integer("first_number", d.first_number),
        lead_categories=table.strings("lead_categories", d.lead_categories),
        lead=_lead(table.table("lead")),
        sections=_sections(table) if table.has("sections") else d.sections,
        section_heading=_pattern(table, "section_heading", d.section_heading),
        exclude_titles=table.strings("exclude_titles", d.exclude_titles),
        editorial_heading=table.line("editorial_heading", d.editorial_heading),
        editorial=_editorials(table.table("editorial"), base_dir),
        preheader=table.line("preheader", d.preheader),
        online_text=table.line("online_text", d.online_text) or d.online_text,
        more_text=table.line("more_text", d.more_text) or d.more_text,
        footer=_footer(table.table("footer"), d.footer),
        unsubscribe_url=unsubscribe_url,
        unsubscribe_mailto=unsubscribe_mailto,
        preferences_url=_personal_url(table, "preferences_url", WEB_OR_MAIL),
        delivery=delivery,
        delivery_set=table.has("delivery"),
        list_address=list_address,
        from_addr=_address_line(table, "from"),
        to_addr=_address_line(table, "to"),
        logo_url=table.url("logo_url"),
        logo_dark_url=table.url("logo_dark_url"),
        logo_alt=table.line("logo_alt", d.logo_alt),
        show_category=table.flag("show_category", d.show_category),
        show_date=table.flag("show_date", d.show_date),
        logo_width=table.integer("logo_width", d.logo_width, low=16, high=600, unit="pixels"),
        colors=_colors(table.table("colors")),
        font_family=_font_family(table, d.font_family),
        fonts=_fonts(table.table("fonts")),
    )


def _personal_url(table: Table, key: str, schemes: tuple[str, ...]) -> str:
    """A link that may hold {token} and {email}, filled per subscriber; any other {name} is a typo."""
    value = table.url(key, schemes=schemes)
    for name in _BRACED.findall(value):
        if "{" + name + "}" not in PLACEHOLDERS:
            raise table.error(key, f"unknown placeholder {{{name}}}, expected {' or '.join(PLACEHOLDERS)}")
    return value


def _delivery(table: Table, unsubscribe_url: str, unsubscribe_mailto: str) -> tuple[str, str]:
    """(delivery, list_address). Without a `delivery` key: "esp" when an unsubscribe link
    holds a merge tag (only an e-mail service fills it in), else "direct"."""
    tagged = any(merge_tag(url) for url in (unsubscribe_url, unsubscribe_mailto))
    delivery = table.choice("delivery", DELIVERY_MODES, "esp" if tagged else "direct")
    list_address = _address_line(table, "list_address")
    if delivery == "list" and not list_address:
        raise table.error("list_address", 'missing, expected the address of the mailing list that the list server '
                                          'expands (such as "coop-news@lists.example.org") with delivery = "list"')
    if list_address and delivery != "list":
        raise table.error("list_address", f'is set but delivery is "{delivery}", expected delivery = "list" '
                                          "with a list_address (or no list_address)")
    return delivery, list_address


def _language(table: Table, site_language: str) -> str:
    """[newsletter] language, which must be one CLDR knows; else site.language (free
    text for the feeds: one Babel does not know gives English words and dates)."""
    if not table.has("language"):
        return site_language or "en"
    value = table.line("language", "")
    if parse_locale(value) is None:
        known = ", ".join(["en", *available_languages()])
        raise table.must("language", f"a language tag such as {known}", value)
    return value


def _pattern(table: Table, key: str, default: str, *, numbers: tuple[Any, ...] = (1, "")) -> str:
    """Text with {placeholders}; tried with sample values so that an issue never fails on it."""
    value = table.line(key, default)
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as error:
        raise table.must(key, "text with {placeholders}", value, shown=f"{value!r} ({error})") from None
    for name in names:
        if name not in SUBJECT_FIELDS:
            allowed = ", ".join("{" + field + "}" for field in SUBJECT_FIELDS)
            raise table.error(key, f"unknown placeholder {{{name}}}, expected one of {allowed}")
    for number in numbers:
        try:
            value.format(**_SAMPLE_FIELDS, number=number)
        except (ValueError, TypeError) as error:  # a format spec that does not fit, such as {title:d}
            raise table.must(key, "text with {placeholders}", value, shown=f"{value!r} ({error})") from None
    return value


def _address_line(table: Table, key: str) -> str:
    """A From or To header: one line, "" when unset."""
    value = table.line(key, "")
    if value:
        table.check_address(key, value)
    return value


def _font_family(table: Table, default: str) -> str:
    value = table.line("font_family", default)
    if not _FONT_STACK.fullmatch(value):
        raise table.must("font_family", "font names, commas, spaces and single quotes only", value)
    return value


def _fonts(fonts: Table) -> tuple[tuple[str, str], ...]:
    """(font name, https URL of its CSS), in file order."""
    return tuple((name, fonts.url(name, schemes=("https",), required="the https:// URL of a CSS file"))
                 for name in fonts.names())


def _lead(lead: Table) -> tuple[tuple[str, str], ...]:
    """(month, item title or id), by month."""
    return tuple(sorted((lead.month_key(month), lead.line(month, "")) for month in lead.names()))


def _editorials(editorials: Table, base_dir: Path) -> tuple[tuple[str, Editorial], ...]:
    found = [(editorials.month_key(month), _editorial(editorials, month, base_dir)) for month in editorials.names()]
    return tuple(sorted(found, key=lambda pair: pair[0]))


def _editorial(editorials: Table, month: str, base_dir: Path) -> Editorial:
    """Inline text, a path to a .md/.txt file, or a table with exactly one of text and file."""
    value = editorials.data[month]
    if isinstance(value, dict):
        entry = editorials.entry(month)
        if entry.has("text") == entry.has("file"):
            raise entry.error(None, "holds both text and file or neither, expected exactly one of them")
        if entry.has("text"):
            return Editorial(text=entry.text("text", "").strip())
        return Editorial(path=base_dir / entry.text("file", ""))
    if not isinstance(value, str):
        raise editorials.must(month, "text, the path of a .md/.txt file, or a table with text or file", value)
    stripped = value.strip()
    if "\n" not in stripped and stripped.lower().endswith(_EDITORIAL_FILES):
        return Editorial(path=base_dir / stripped)
    return Editorial(text=stripped)


def _sections(table: Table) -> tuple[SectionSpec, ...]:
    specs = tuple(_section(entry) for entry in table.tables("sections", named_by="title", non_empty=True))
    catch_alls = sum(spec.catch_all for spec in specs)
    if catch_alls > 1:
        raise table.error("sections", f"{catch_alls} sections have catch_all = true, expected only one")
    return specs


def _section(entry: Table) -> SectionSpec:
    title = entry.line("title", "")
    if not title:
        raise entry.error("title", "missing, expected the heading of the section")
    return SectionSpec(
        title=title,
        categories=entry.strings("categories", ()),
        keywords=entry.strings("keywords", ()),
        catch_all=entry.flag("catch_all", False),
    )


def _footer(footer: Table, d: Footer) -> Footer:
    email = footer.line("email", "")
    if email.lower().startswith("mailto:"):
        email = email[len("mailto:"):]
    return Footer(
        contact=footer.line("contact", d.contact),
        email=footer.check_address("email", email, bare=True) if email else "",
        archive_url=footer.url("archive_url"),
        archive_text=footer.line("archive_text", d.archive_text) or d.archive_text,
        copyright=footer.line("copyright", d.copyright),
        address=footer.line("address", d.address),
        social=_social(footer.table("social")),
        note=footer.line("note", d.note),
    )


def _social(social: Table) -> tuple[SocialLink, ...]:
    """(network name, link), in file order."""
    return tuple(SocialLink(" ".join(name.split()), social.url(name, schemes=WEB_OR_MAIL, required="a link"))
                 for name in social.names())


def _colors(colors: Table) -> Colors:
    d = Colors()
    return Colors(**{key: colors.colour(key, getattr(d, key)) for key in COLORS.keys})
