"""The [newsletter] table: defaults, validation messages, editorials."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.errors import ConfigError
from newsletter.issue.settings import (
    DEFAULT_SECTIONS,
    NewsletterSettings,
    load_editorial,
)


def settings(table: dict, base_dir: Path = Path("/nonexistent")) -> NewsletterSettings:
    return NewsletterSettings.from_table(table, where="site/feedletter.toml", base_dir=base_dir)


def test_empty_table_gives_complete_defaults() -> None:
    s = settings({})
    assert s.title == "Newsletter"
    assert s.subject == "{title} No. {number}, {month}"
    assert [spec.title for spec in s.sections][:2] == ["News from the field", "Spotlight Interviews with Co-operators"]
    assert "Upcoming events" in [spec.title for spec in s.sections]
    assert sum(spec.catch_all for spec in s.sections) == 1
    assert s.colors.masthead_background == "#1f4e8c"
    assert s.font_family == "Arial, Helvetica, sans-serif"
    assert s.fonts == ()  # no web-font link unless configured
    assert s.sections == DEFAULT_SECTIONS


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"xyz": 1}, "site/feedletter.toml: unknown key 'newsletter.xyz'"),
        ({"footer": {"fax": "1"}}, "site/feedletter.toml: unknown key 'newsletter.footer.fax'"),
        ({"colors": {"border": "#fff"}}, "unknown key 'newsletter.colors.border'"),
        ({"title": 3}, "'newsletter.title' must be a string, not an integer"),
        ({"first_number": "1"}, "'newsletter.first_number' must be an integer, not a string"),
        ({"first_number": True}, "'newsletter.first_number' must be an integer, not true or false"),
        ({"lead_categories": "News"}, "'newsletter.lead_categories' must be an array, not a string"),
        ({"sections": [{"title": "A", "categories": [1]}]}, "'newsletter.sections[0].categories' must be an array of strings"),
        ({"sections": [{"categories": ["News"]}]}, "'newsletter.sections[0].title' is required"),
        ({"sections": [{"title": "A", "colour": "x"}]}, "unknown key 'newsletter.sections[0].colour'"),
        ({"subject": "{title} {issue}"}, "'newsletter.subject' uses unknown placeholder {issue}"),
        ({"numbering": "weekly"}, "'newsletter.numbering' must be one of yearly, continuous, none"),
        ({"numbering": "continuous"}, "'newsletter.first_issue' is required"),
        ({"first_issue": "2020-13"}, "'newsletter.first_issue' must be a month written YYYY-MM"),
        ({"lead": {"December": "x"}}, "'newsletter.lead' must be a month written YYYY-MM"),
        ({"colors": {"link": "blue"}}, "'newsletter.colors.link' must be a colour written #rrggbb"),
        ({"unsubscribe_url": "/unsubscribe"}, "'newsletter.unsubscribe_url' must be an absolute"),
        ({"unsubscribe_url": "mailto:x@example.org"}, "'newsletter.unsubscribe_url' must be an http(s) address"),
        ({"unsubscribe_mailto": "https://example.org/u"}, "'newsletter.unsubscribe_mailto' must be a mailto: address"),
        ({"font_family": "Arial; } body { display:none"}, "'newsletter.font_family' may hold only font names"),
        ({"from": "nobody"}, "'newsletter.from' must be an e-mail address"),
        ({"editorial": {"2022-12": {"text": "a", "file": "b.md"}}}, "needs exactly one of 'text' or 'file'"),
    ],
)
def test_bad_settings_name_the_key(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(table)
    assert message in str(caught.value)
    assert str(caught.value).startswith("site/feedletter.toml: ")


def test_merge_tags_are_kept_verbatim() -> None:
    s = settings({"unsubscribe_url": "https://list.example.org/u?id=*|UNSUB|*", "unsubscribe_mailto": "mailto:leave@example.org?subject=*|EMAIL|*"})
    assert s.unsubscribe_url == "https://list.example.org/u?id=*|UNSUB|*"
    assert s.unsubscribe_mailto == "mailto:leave@example.org?subject=*|EMAIL|*"


def test_editorial_inline_text_and_file_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "intros").mkdir()
    (tmp_path / "intros" / "2022-12.md").write_text("# Season's greetings\n\nA year of **cooperation**.\n", encoding="utf-8")
    s = settings(
        {"editorial": {"2022-12": "intros/2022-12.md", "2022-11": "Welcome to the November issue.", "2022-10": {"file": "missing.txt"}}},
        base_dir=tmp_path,
    )
    assert s.editorial_for("2022-12").path == tmp_path / "intros" / "2022-12.md"  # kept as a path, read lazily
    assert load_editorial(s, "2022-12").startswith("# Season's greetings")
    assert load_editorial(s, "2022-11") == "Welcome to the November issue."
    assert load_editorial(s, "2022-09") is None
    with pytest.raises(ConfigError, match=r"newsletter.editorial.2022-10: cannot read .*missing.txt"):
        load_editorial(s, "2022-10")


def test_sections_lead_and_numbering_from_the_table() -> None:
    s = settings(
        {
            "sections": [
                {"title": "Highlights", "categories": ["News"], "catch_all": True},
                {"title": "Reading", "categories": ["Publication"], "keywords": ["Report"]},
            ],
            "lead": {"2022-12": "ILO COOP 100"},
            "numbering": "continuous",
            "first_issue": "2020-01",
            "first_number": 1,
        }
    )
    assert [spec.title for spec in s.sections] == ["Highlights", "Reading"]
    assert s.sections[1].keywords == ("Report",)
    assert s.lead_for("2022-12") == "ILO COOP 100"
    assert s.lead_for("2022-11") is None


def test_only_one_catch_all() -> None:
    with pytest.raises(ConfigError, match="only one section with catch_all"):
        settings({"sections": [{"title": "A", "catch_all": True}, {"title": "B", "catch_all": True}]})
