"""What makes an issue look finished: pictures, item markup, category and date, links that
say where they go, the logo, dark mode, the in-progress month, languages and size."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import lxml.html
import pytest

from feeds.model import Image
from feeds.site_files import feed_links
from newsletter.app.config.newsletter import newsletter_from_table
from newsletter.errors import ConfigError
from newsletter.issue.context import issue_context
from newsletter.issue.pages import index_page, issue_page
from newsletter.issue.plan import plan_issue
from newsletter.issue.render import RenderedIssue, make_environment, render_issue
from newsletter.issue.settings import NewsletterSettings
from tests.newsletter.issue.samples import (
    IMAGE_BASE,
    META,
    big_month,
    december_2022,
    illustrated_month,
    ilo_settings,
    make_item,
    month_of,
)


def render(month, settings: NewsletterSettings, *, web_copy: bool = False, in_progress: bool = False) -> RenderedIssue:
    issue = plan_issue(month, settings, in_progress=in_progress)
    context = issue_context(issue, settings, META, web_url=f"{META.base_url}issues/{issue.key}.html",
                            archive_url=META.base_url, web_copy=web_copy)
    return render_issue(make_environment(None, settings.language), context)


def visible_text(html: str) -> str:
    body = lxml.html.document_fromstring(html).xpath("//div[@aria-roledescription='email']")[0]
    return " ".join(body.text_content().split())


@pytest.fixture(scope="module")
def illustrated() -> RenderedIssue:
    return render(illustrated_month(), ilo_settings(logo_url="https://www.ilo.org/logo.png", logo_width=120))


# --- pictures --------------------------------------------------------------------------------


def test_lead_picture_spans_the_column_and_others_are_thumbnails(illustrated) -> None:
    doc = lxml.html.document_fromstring(illustrated.html)
    main = doc.xpath("//*[@role='main']")[0]
    pictures = main.xpath(".//img")
    assert len(pictures) == 8  # the lead and the seven other items: one picture each
    lead = pictures[0]
    assert lead.get("src") == f"{IMAGE_BASE}photo-1.png"  # photo-0 is the newsletter's own listing item
    assert lead.get("width") == "552" and lead.get("height") == "368"  # 800x533 scaled to the column
    unsized = render(month_of([replace(item, image=replace(item.image, width=None, height=None)) if item.image else item
                               for item in illustrated_month().items]), ilo_settings())
    lead = lxml.html.document_fromstring(unsized.html).xpath("//*[@role='main']//img")[0]
    assert lead.get("width") == "552" and lead.get("height") == "auto"  # no size known: the browser keeps the ratio
    sized = [img for img in pictures[1:] if img.get("height") not in (None, "auto")]
    assert sized and all(img.get("width") == "168" and img.get("height") == "112" for img in sized)  # 800x533 scaled
    for img in doc.iter("img"):  # every picture: a width always, an alt text never empty
        assert img.get("width") and img.get("alt", "").strip(), lxml.html.tostring(img)
    titles = {img.get("src"): img.get("alt") for img in pictures}
    assert titles[f"{IMAGE_BASE}photo-1.png"] == "Photo: participants of story 1"  # the source's alt
    assert titles[f"{IMAGE_BASE}photo-2.png"] == illustrated_month().items[2].title  # none given: the item's title


def test_logo_with_alt_width_and_a_light_plate_or_a_dark_variant() -> None:
    plain = render(december_2022(), ilo_settings())
    assert "<img" not in plain.html
    with_logo = render(december_2022(), ilo_settings(logo_url="https://www.ilo.org/logo.png", logo_alt="ILO logo",
                                                       logo_width=120))
    img = lxml.html.document_fromstring(with_logo.html).xpath("//*[@role='banner']//img")
    assert [(i.get("src"), i.get("alt"), i.get("width")) for i in img] == [("https://www.ilo.org/logo.png", "ILO logo", "120")]
    assert "background-color:#ffffff" in img[0].getparent().get("style")  # a light plate, visible on any band
    dark = render(december_2022(), ilo_settings(logo_url="https://www.ilo.org/logo.png",
                                                logo_dark_url="https://www.ilo.org/logo-dark.png"))
    sources = [i.get("src") for i in lxml.html.document_fromstring(dark.html).xpath("//*[@role='banner']//img")]
    assert sources == ["https://www.ilo.org/logo.png", "https://www.ilo.org/logo-dark.png"]
    assert ".fl-logo-dark { display: block !important;" in dark.html


def test_the_issue_reads_with_images_off(illustrated) -> None:
    """Outlook blocks pictures: every word is text, none is inside a picture."""
    doc = lxml.html.document_fromstring(illustrated.html)
    for img in doc.iter("img"):
        img.drop_tree()
    text = " ".join(doc.xpath("//*[@role='main']")[0].text_content().split())
    assert "ILO PROSPECTS undertakes training workshop" in text and "News from the field" in text


# --- item markup, category, date, links -------------------------------------------------------


def test_item_markup_is_shown_as_html_once_and_fits_the_outline(illustrated) -> None:
    doc = lxml.html.document_fromstring(illustrated.html)
    assert doc.xpath("//a[@href='https://www.ica.coop/' and text()='the ICA']")
    assert doc.xpath("//li[text()='Supply chains need fair partners.']")
    assert "&lt;p&gt;" not in illustrated.html and "&amp;lt;" not in illustrated.html
    # its own heading became bold text: the issue's outline is h1 title, h2 lead and sections, h3 items
    assert doc.xpath("//strong[text()='What was said']") and not doc.xpath("//h2[text()='What was said']")
    levels = [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    # the text part writes the markup out with its links
    assert "the ICA (https://www.ica.coop/)" in illustrated.text
    assert "- Supply chains need fair partners." in illustrated.text


def test_long_item_markup_is_cut_to_an_opening_before_more() -> None:
    article = "".join(f"<p>Paragraph {n}: " + "words of the article " * 12 + "</p>" for n in range(40))
    item = make_item(1, "A whole article", date(2022, 12, 5), url="https://example.org/a")
    rendered = render(month_of([replace(item, content_html=article)]), ilo_settings(lead={"2022-12": ""}))
    assert "Paragraph 0:" in rendered.html and "Paragraph 39:" not in rendered.html
    assert "Paragraph 39:" not in rendered.text


def test_category_and_date_are_shown_and_can_be_switched_off(illustrated) -> None:
    assert "News · 20 December 2022" in visible_text(illustrated.html)
    assert re.search(r"<time datetime=\"2022-12-20\">20 December 2022</time>", illustrated.html)
    assert "News · 20 December 2022" in illustrated.text
    bare = render(illustrated_month(), ilo_settings(show_category=False, show_date=False))
    assert "20 December 2022" not in visible_text(bare.html) and "<time" not in bare.html
    assert "20 December 2022" not in bare.text
    only_dates = render(illustrated_month(), ilo_settings(show_category=False))
    assert "20 December 2022" in visible_text(only_dates.html) and "News · " not in visible_text(only_dates.html)


def test_more_goes_to_the_item_link_and_says_where(illustrated) -> None:
    doc = lxml.html.document_fromstring(illustrated.html)
    more = doc.xpath("//a[@class='fl-more']")
    items = illustrated_month().items
    with_link = [item for item in items if item.url and not item.title.startswith("ILO COOP eNews")]
    assert len(more) == len(with_link) and len(more) < len(items) - 1  # none for an item without a link
    for link in more:
        name = " ".join(link.text_content().split())
        headline = link.xpath("ancestor::div[1]/preceding-sibling::*[self::h2 or self::h3][1] | "
                              "preceding::*[self::h2 or self::h3][1]")[-1]
        title = " ".join(headline.text_content().split())
        assert name == f">>More about {title}", name  # the link's name says where it goes
        assert link.get("href") == headline.xpath(".//a/@href")[0]
    hidden = doc.xpath("//a[@class='fl-more']/span[@class='fl-sr']")[0]
    assert "position:absolute" in hidden.get("style") and "clip:rect(0 0 0 0)" in hidden.get("style")
    for item in items:
        if item.url is None and not item.title.startswith("ILO COOP eNews"):
            assert f"{item.title}\n\n>>More" not in illustrated.text


# --- dark mode, the web copy, the open month ---------------------------------------------------


def test_dark_mode_is_declared_in_mail_and_pages(illustrated) -> None:
    for html in (illustrated.html, render(december_2022(), ilo_settings(), web_copy=True).html):
        assert re.search(r'<meta name="color-scheme" content="light dark" ?/?>', html)
        assert "@media (prefers-color-scheme: dark)" in html
        assert "background-color: #1c1f24 !important" in html


def test_the_web_copy_carries_no_unsubscribe_link_nor_merge_tag() -> None:
    web = render(december_2022(), ilo_settings(), web_copy=True)
    mail = render(december_2022(), ilo_settings())
    assert "*|UNSUB|*" in mail.html and "Unsubscribe" in mail.html
    assert "*|" not in web.html and "Unsubscribe" not in web.html and "Update preferences" not in web.html


def test_the_open_month_says_it_is_in_progress() -> None:
    page = render(december_2022(), ilo_settings(), web_copy=True, in_progress=True)
    assert "This issue is in progress: items are added until the month ends." in visible_text(page.html)
    assert "in progress" not in render(december_2022(), ilo_settings(), web_copy=True).html


def test_front_page_has_masthead_latest_issue_years_and_feeds() -> None:
    s = ilo_settings(logo_url="https://www.ilo.org/logo.png")
    env = make_environment(None)
    december = issue_page(illustrated_month(), s, META, env)
    january = issue_page(month_of([make_item(1, "New year news", date(2023, 1, 5))]), s, META, env, in_progress=True)
    feeds = feed_links(META, {"news": "News"}, {"news": "news"})
    html = index_page([december.entry, january.entry], s, META, env, feeds=feeds).decode()
    doc = lxml.html.document_fromstring(html)
    assert doc.xpath("//header//img[@alt='ILO COOP eNewsUpdate']") and doc.findtext(".//h1") == "ILO COOP eNewsUpdate"
    latest = doc.xpath("//section[@aria-labelledby='latest']")[0]
    assert "No. 37, January 2023" in latest.text_content() and "in progress" in latest.text_content()
    assert [h.text for h in doc.xpath("//section[@aria-labelledby='issues']/h3")] == ["2023", "2022"]
    feeds_block = " ".join(doc.xpath("//section[@aria-labelledby='subscribe']")[0].text_content().split())
    assert "News: Atom" in feeds_block and "All feeds as OPML" in feeds_block
    assert {a.get("href") for a in doc.xpath("//section[@aria-labelledby='subscribe']//a")} >= {
        f"{META.base_url}feeds/category/news.atom", f"{META.base_url}feeds/items.json", f"{META.base_url}feeds/feeds.opml"}
    assert "*|" not in html and "nsubscribe" not in html
    # the December entry keeps its lead and picture for when it is the latest
    only = lxml.html.document_fromstring(index_page([december.entry], s, META, env, feeds=feeds).decode())
    assert only.xpath("//section[@aria-labelledby='latest']//img[@src='https://images.example.org/photo-1.png']")


# --- size ------------------------------------------------------------------------------------


def test_forty_items_with_pictures_stay_under_the_gmail_clip() -> None:
    month = big_month(40)
    pictured = month_of([replace(item, image=Image(f"{IMAGE_BASE}photo-{n}.jpg", alt=f"Photo {n}", width=800, height=533))
                         for n, item in enumerate(month.items)])
    rendered = render(pictured, ilo_settings(logo_url="https://www.ilo.org/logo.png"))
    size = len(rendered.html.encode("utf-8"))
    assert size <= 102_000, size
    assert rendered.html.count("<img") == 41  # the logo and one picture per item


# --- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize(("tag", "words"), [
    ("fr", ["Vous ne pouvez pas lire ce message ? Voir la version en ligne", "Décembre 2022",
            "News · 20 décembre 2022", "Se désabonner", "Modifier vos préférences", "Archives de tous les numéros"]),
    ("es", ["¿No puede leer este mensaje? Ver la versión en línea", "Diciembre de 2022",
            "News · 20 de diciembre de 2022", "Darse de baja", "Actualizar preferencias", "Archivo de todos los números"]),
])
def test_the_issue_speaks_the_configured_language(tag: str, words: list[str]) -> None:
    rendered = render(illustrated_month(), ilo_settings(language=tag))
    text = visible_text(rendered.html)
    assert all(word in text for word in words), [word for word in words if word not in text]
    assert lxml.html.document_fromstring(rendered.html).get("lang") == tag
    more = {"fr": ">>Lire la suite sur « ", "es": ">>Leer más sobre «"}[tag]
    assert more in text
    subject = {"fr": "ILO COOP eNewsUpdate n° 36, décembre 2022", "es": "ILO COOP eNewsUpdate n.º 36, diciembre 2022"}
    assert plan_issue(december_2022(), ilo_settings(language=tag)).subject == subject[tag]
    assert words[0].split("? ")[-1] in rendered.text  # the text part too


def test_site_language_is_the_default_and_texts_set_by_hand_stay() -> None:
    s = newsletter_from_table({"more_text": "Plus"}, where="feedletter.toml", base_dir=Path("."), site_language="fr")
    assert s.language == "fr" and s.more_text == "Plus" and s.online_text == "Voir la version en ligne"
    s = newsletter_from_table({"language": "es"}, where="feedletter.toml", base_dir=Path("."), site_language="fr")
    assert s.language == "es" and s.preheader == "¿No puede leer este mensaje?"
    # a language without a catalog keeps English words but its own dates
    s = newsletter_from_table({"language": "de"}, where="feedletter.toml", base_dir=Path("."))
    assert s.preheader == "Can't read this e-mail?" and plan_issue(december_2022(), s).date_line == "Dezember, 2022"
    with pytest.raises(ConfigError, match=r"\[newsletter\] language: must be a language tag such as en, es, fr, not 'xx-nowhere'"):
        newsletter_from_table({"language": "xx-nowhere"}, where="feedletter.toml", base_dir=Path("."))


def test_french_front_page() -> None:
    s = ilo_settings(language="fr")
    env = make_environment(None, "fr")
    page = issue_page(december_2022(), s, META, env)
    html = index_page([page.entry], s, META, env, feeds=feed_links(META, {}, {})).decode()
    text = " ".join(lxml.html.document_fromstring(html).text_content().split())
    for words in ("Dernier numéro", "Tous les numéros", "8 articles", "S’abonner", "Tous les flux en OPML"):
        assert words in text, words
    assert '<html lang="fr" dir="ltr">' in html


def test_an_item_under_its_own_category_heading_does_not_repeat_it() -> None:
    day = date(2024, 5, 10)
    month = month_of([make_item(1, "Budget vote", day, category="Council", url="https://example.org/1"),
                      make_item(2, "Jazz in the park", day, category="Culture", url="https://example.org/2")])

    def meta_lines(settings: NewsletterSettings) -> list[str]:
        doc = lxml.html.document_fromstring(render(month, settings).html)
        return [" ".join(p.text_content().split()) for p in doc.xpath("//*[@role='main']//p[@class='fl-muted']")]

    archive_sections = newsletter_from_table({"lead": {"2024-05": ""}}, where="feedletter.toml", base_dir=Path("."))
    assert meta_lines(archive_sections) == ["10 May 2024", "10 May 2024"]  # under "Council", under "Culture"
    named = meta_lines(ilo_settings(lead={"2024-05": ""}))  # "News from the field" takes both: categories shown
    assert named == ["Council · 10 May 2024", "Culture · 10 May 2024"]
