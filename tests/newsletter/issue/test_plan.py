"""Planning an issue: lead, sections in order, exclusions, numbering, subject."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from newsletter.app.config.newsletter import newsletter_from_table
from newsletter.issue.plan import issue_number, plan_issue
from newsletter.issue.settings import NewsletterSettings
from tests.newsletter.issue.samples import ILO_SECTIONS, december_2022, ilo_settings, make_item, month_of


def settings(**table) -> NewsletterSettings:
    return newsletter_from_table(table, where="feedletter.toml", base_dir=Path("."))


def test_december_2022_from_the_samples() -> None:
    issue = plan_issue(december_2022(), ilo_settings())
    assert issue.key == "2022-12"
    assert issue.date_line == "December, 2022"
    assert issue.number == 36  # continuous from January 2020
    assert issue.subject == "ILO COOP eNewsUpdate No. 36, December 2022"
    # the newsletter's own listing item is not news
    assert [item.title for item in issue.excluded] == ["ILO COOP eNewsUpdate"]
    # lead: the newest item of a lead category, without a heading
    assert issue.lead.title.startswith("ILO PROSPECTS undertakes training workshop for agricultural cooperatives")
    assert [section.title for section in issue.sections] == ["News from the field"]
    news = issue.sections[0].items
    assert len(news) == 7
    assert news[0].title.startswith("ILO holds kick-off briefing session")
    assert news[-1].title.startswith("Strengthening cooperatives to address decent work deficits")
    assert [item.date for item in news] == sorted((item.date for item in news), reverse=True)
    assert issue.lead not in news
    assert len(issue.items) == 8


@pytest.mark.parametrize(
    "title",
    ["ILO COOP eNewsUpdate No. 3, 26 April 2017", "ILO COOP eNewsUpdate Issue No 2, February 2019",
     "ILO COOP/SSE eNewsUpdate Issue No. 18, June 2021", "ILO COOP eNews - October issue",
     "ILO E-news Special Issue for ILO COOP 100 Symposium", "eNews special", "ILO COOP NewsUpdate Issue No. 1"],
)
def test_newsletter_listing_items_are_excluded(title: str) -> None:
    month = month_of([make_item(1, title, date(2021, 6, 30)), make_item(2, "Real news", date(2021, 6, 2))])
    issue = plan_issue(month, settings())
    assert [item.title for item in issue.excluded] == [title]
    assert [item.title for item in issue.items] == ["Real news"]


def test_sections_follow_the_configured_order_and_match_category_spellings() -> None:
    day = date(2021, 3, 20)
    month = month_of([
        make_item(1, "Marta Lozano Molano, Founding Member of Wazo Cooperative", day, category="Spotlight Interviews with Cooperators"),
        make_item(2, "Hans Lind, We Effect", day, category="Spotlight interviews with co-operators"),
        make_item(3, "Honey and cheese cooperatives created in Cahul district", day, category="Spotlight on Cooperatives"),
        make_item(4, "ILO COOP 100 Interview with Mr. Upali Herath", day, category=None),
        make_item(5, "Interview with Michele Pellegrini: The experience of a social cooperative", day, category=None),
        make_item(6, "A guide to cooperatives", day, category="Publication"),
        make_item(7, "Webinar on SSE", day, category="Event"),
        make_item(8, "Banking co-ops grow", day, category="Banking co-ops"),  # free-text kicker -> catch-all
        make_item(9, "Untitled news", day, category=None),
        make_item(10, "ILO supports cooperatives in Timor-Leste", date(2021, 3, 28), category="News"),
    ])
    issue = plan_issue(month, settings(sections=ILO_SECTIONS))
    assert issue.lead.title == "ILO supports cooperatives in Timor-Leste"
    got = {section.title: [item.title.split(" ")[0] for item in section.items] for section in issue.sections}
    assert list(got) == ["News from the field", "Spotlight Interviews with Co-operators", "Spotlight on Cooperatives",
                         "ILO COOP 100", "Publications and resources", "Upcoming events"]
    assert got["Spotlight Interviews with Co-operators"] == ["Marta", "Hans", "Interview"]
    assert got["ILO COOP 100"] == ["ILO"]
    assert got["News from the field"] == ["Banking", "Untitled"]


def test_lead_override_by_title_or_id_or_none() -> None:
    month = december_2022()
    cameroon = next(item for item in month.items if "Cameroon" in item.title)
    by_title = plan_issue(month, ilo_settings(lead={"2022-12": "  training of trainers in CAMEROON on ILO tools relating to the development of cooperatives "}))
    assert by_title.lead == cameroon
    assert cameroon not in by_title.sections[0].items
    assert plan_issue(month, ilo_settings(lead={"2022-12": cameroon.id})).lead == cameroon
    no_lead = plan_issue(month, ilo_settings(lead={"2022-12": ""}))
    assert no_lead.lead is None and len(no_lead.sections[0].items) == 8
    missing = plan_issue(month, ilo_settings(lead={"2022-12": "No such story"}))
    assert missing.lead.title.startswith("ILO PROSPECTS")
    assert "newsletter.lead.2022-12" in missing.warnings[0]


def test_no_catch_all_leaves_unmatched_items_out_with_a_warning() -> None:
    s = settings(sections=[{"title": "Events", "categories": ["Event"]}], lead_categories=[])
    month = month_of([make_item(1, "Webinar", date(2022, 5, 3), category="Event"), make_item(2, "Other", date(2022, 5, 2), category="News")])
    issue = plan_issue(month, s)
    assert issue.lead is None
    assert [item.title for item in issue.sections[0].items] == ["Webinar"]
    assert [item.title for item in issue.excluded] == ["Other"]
    assert "fits no section" in issue.warnings[0]


def test_month_stamped_headings_and_subtitle_of_template_b() -> None:
    s = settings(section_heading="{title} for {month}", date_line="{month}")
    issue = plan_issue(month_of([make_item(1, "A", date(2021, 4, 2)), make_item(2, "B", date(2021, 4, 1))]), s)
    assert issue.sections[0].title == "News for April 2021"
    assert issue.date_line == "April 2021"


@pytest.mark.parametrize(
    ("table", "year", "month", "number"),
    [
        ({}, 2019, 9, 9),  # yearly: the number is the month, as in 2019
        ({"numbering": "continuous", "first_issue": "2020-01"}, 2021, 5, 17),  # as observed
        ({"numbering": "continuous", "first_issue": "2020-01"}, 2020, 8, 8),
        ({"numbering": "continuous", "first_issue": "2020-01"}, 2019, 12, None),  # before the first issue
        ({"numbering": "continuous", "first_issue": "2020-01", "first_number": 10}, 2020, 3, 12),
        ({"numbering": "yearly", "first_issue": "2017-02"}, 2017, 2, 1),
        ({"numbering": "yearly", "first_issue": "2017-02"}, 2017, 6, 5),
        ({"numbering": "yearly", "first_issue": "2017-02"}, 2018, 1, 1),
        ({"numbering": "yearly", "first_issue": "2017-02"}, 2016, 12, None),
        ({"numbering": "none"}, 2022, 12, None),
    ],
)
def test_issue_numbers(table: dict, year: int, month: int, number: int | None) -> None:
    assert issue_number(settings(**table), year, month) == number


def test_unnumbered_subject_and_crlf_in_titles() -> None:
    s = settings(numbering="none", title="Coop\r\nNews\nBcc: victim@example.org")
    issue = plan_issue(month_of([make_item(1, "A", date(2022, 12, 2))]), s)
    assert issue.subject == "Coop News Bcc: victim@example.org, December 2022"
    assert "\n" not in issue.subject and "\r" not in issue.subject


def test_hidden_items_are_not_in_the_issue() -> None:
    from dataclasses import replace

    shown = make_item(1, "Shown", date(2022, 12, 2))
    hidden = replace(make_item(2, "Hidden", date(2022, 12, 3)), hidden=True)
    issue = plan_issue(month_of([shown, hidden]), settings())
    assert [item.title for item in issue.items] == ["Shown"]


def test_without_configured_sections_each_category_of_the_month_is_a_section() -> None:
    day = date(2024, 5, 10)
    month = month_of([
        make_item(1, "Budget vote tonight", day, category="Council"),
        make_item(2, "Library opens on Sundays", day, category="Culture"),
        make_item(3, "Jazz in the park", day, category="Culture"),
        make_item(4, "New bus line 12", day, category="Transport"),
        make_item(5, "Road works on Main Street", day, category="transport"),  # one section, any spelling
        make_item(6, "Bike lanes extended", day, category="Transport"),
        make_item(7, "Mayor's statement on the floods", date(2024, 5, 20), category="Statement"),
        make_item(8, "A word from the editor", day, category=None),
        make_item(9, "Town hall opening hours", day, category="Council"),
    ])
    issue = plan_issue(month, settings(lead_categories=["Statement", "Council"]))
    assert issue.lead.title == "Mayor's statement on the floods"
    # lead categories first (their configured order), then by item count, ties by name, uncategorised last
    assert [(s.title, len(s.items)) for s in issue.sections] == [
        ("Council", 2), ("Transport", 3), ("Culture", 2), ("Other news", 1)]
    assert not issue.warnings and len(issue.items) == 9
    # the same month planned again gives the same sections (a stable order)
    assert plan_issue(month, settings(lead_categories=["Statement", "Council"])) == issue


def test_a_month_without_categories_is_one_news_section_in_the_issue_language() -> None:
    day = date(2024, 5, 10)
    month = month_of([make_item(n, f"Story {n}", day, category=None) for n in range(3)])
    assert [s.title for s in plan_issue(month, settings()).sections] == ["News"]
    assert [s.title for s in plan_issue(month, settings(language="fr")).sections] == ["Actualités"]
    assert [s.title for s in plan_issue(month, settings(language="es")).sections] == ["Noticias"]


def test_a_site_without_the_lead_categories_still_opens_with_a_story_the_newest_with_a_picture() -> None:
    from dataclasses import replace

    from feeds.model import Image

    bakery = replace(make_item(2, "Bakery opens", date(2026, 11, 10), category="Stories"),
                     image=Image("https://news.example.org/oven.jpg", "The oven"))
    housing = make_item(1, "Housing co-op grows", date(2026, 11, 12), category="Housing")
    month = month_of([housing, bakery])
    assert plan_issue(month, settings()).lead == bakery  # the default lead categories are the ILO's
    pictureless = month_of([housing, replace(bakery, image=None)])
    assert plan_issue(pictureless, settings()).lead == housing  # none has one: the newest
    assert plan_issue(month, settings(lead_categories=[])).lead is None  # no lead categories: no lead
