"""The gettext catalogs: every message of the code and templates is translated in each
language, and the compiled .mo files that ship are those of the .po files."""

from __future__ import annotations

import io

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from newsletter.issue.language import DOMAIN, LOCALE_DIR, available_languages, language
from tests.conftest import ROOT

LANGUAGES = available_languages()


def source_messages() -> set[str]:
    """Every msgid pybabel extract finds with newsletter/locale/babel.cfg (as a translator runs it)."""
    with open(LOCALE_DIR / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map, keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_french_and_spanish_are_there() -> None:
    assert {"fr", "es"} <= set(LANGUAGES)


@pytest.mark.parametrize("tag", LANGUAGES)
def test_every_message_is_translated_and_compiled(tag: str) -> None:
    po_path = LOCALE_DIR / tag / "LC_MESSAGES" / f"{DOMAIN}.po"
    with open(po_path, "rb") as po:
        catalog = read_po(po)
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog if message.id}
    wanted = source_messages()
    assert wanted and wanted == ids, f"{po_path}: missing {sorted(wanted - ids)}, stale {sorted(ids - wanted)}"
    untranslated = [message.id for message in catalog if message.id and not all(
        message.string if isinstance(message.string, tuple) else (message.string,))]
    assert not untranslated, f"{po_path}: untranslated {untranslated}"
    # the shipped .mo holds exactly this catalog (pybabel compile -D feedletter -d newsletter/locale)
    with open(po_path.with_suffix(".mo"), "rb") as mo:
        shipped = read_mo(mo)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    fresh = read_mo(compiled)
    def messages(catalog) -> dict:
        return {str(m.id): str(m.string) for m in catalog if m.id}

    assert messages(shipped) == messages(fresh), \
        f"{po_path.with_suffix('.mo')} is out of date: pybabel compile -D {DOMAIN} -d newsletter/locale"


def test_an_unknown_language_speaks_english() -> None:
    assert language("en").gettext("Unsubscribe") == "Unsubscribe"
    assert language("x-none").gettext("Unsubscribe") == "Unsubscribe"
    assert language("fr-CH").gettext("Unsubscribe") == "Se désabonner"  # the region falls back to its language
    assert language("ar").direction == "rtl" and language("fr").direction == "ltr"


def test_the_template_for_translators_is_up_to_date() -> None:
    with open(LOCALE_DIR / f"{DOMAIN}.pot", "rb") as pot:
        ids = {str(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(pot) if m.id}
    assert ids == source_messages(), "run the pybabel extract line of newsletter/locale/README.md"
