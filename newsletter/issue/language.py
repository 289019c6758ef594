"""The newsletter's own words in the reader's language: gettext catalogs for the messages
(newsletter/locale/<lang>/LC_MESSAGES/feedletter.mo) and CLDR data (Babel) for dates and
writing direction. Reading a catalog is the only I/O here, like the template loader's.

A translator adds a language by adding its .po file (see newsletter/locale/README.md);
no code names the languages.
"""

from __future__ import annotations

import functools
import gettext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "feedletter"
DEFAULT_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a default text for the catalogs (pybabel extract finds N_); it is translated
    where the language is known (see `localised_defaults` in settings)."""
    return message


def parse_locale(tag: str) -> Locale | None:
    """The CLDR locale of a language tag ("fr", "en-GB", "es_419"), or None if Babel knows none."""
    try:
        return Locale.parse(tag.strip().replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@dataclass(frozen=True, slots=True)
class Language:
    tag: str  # as configured: "fr", "en-GB"
    locale: Locale
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def month_name(self, month: int) -> str:
        """The month's name standing alone ("December", "décembre"), as CLDR writes it."""
        return format_date(date(2000, month, 1), "LLLL", locale=self.locale)

    def day(self, day: date) -> str:
        """An item's date: "05 December 2022" in English (the ILO listings' form), the
        language's long form elsewhere ("5 décembre 2022", "5 de diciembre de 2022")."""
        if self.locale.language == "en":
            return format_date(day, "dd MMMM yyyy", locale=self.locale)
        return format_date(day, "long", locale=self.locale)

    @property
    def direction(self) -> str:
        return "rtl" if self.locale.character_order == "right-to-left" else "ltr"

    @property
    def html_lang(self) -> str:
        """The tag for lang="…" attributes: "fr", "en-GB"."""
        return self.tag.strip().replace("_", "-") or DEFAULT_LANGUAGE


@functools.lru_cache(maxsize=16)
def language(tag: str) -> Language:
    """The words of `tag`; a tag Babel does not know falls back to English formatting (the
    config reader refuses one in [newsletter] language, site.language is free text)."""
    locale = parse_locale(tag or DEFAULT_LANGUAGE) or Locale.parse(DEFAULT_LANGUAGE)
    translations = Translations.load(str(LOCALE_DIR), [locale], DOMAIN)
    return Language(tag or DEFAULT_LANGUAGE, locale, translations)


def available_languages() -> list[str]:
    """The languages that have a catalog, besides English (the messages' own language)."""
    return sorted(path.parent.parent.name for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
