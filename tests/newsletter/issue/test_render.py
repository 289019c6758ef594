"""The e-mail HTML and text: what a reader (and a mail client) would notice."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import lxml.html
import pytest

from feeds.site_paths import item_anchor
from newsletter.errors import RenderError
from newsletter.issue.context import issue_context
from newsletter.issue.plan import plan_issue
from newsletter.issue.render import RenderedIssue, make_environment, render_issue
from newsletter.issue.settings import NewsletterSettings
from tests.newsletter.issue.samples import (
    META,
    big_month,
    december_2022,
    ilo_settings,
    make_item,
    month_of,
)

WEB_URL = "https://coop-news.example.org/issues/2022-12.html"
ABSOLUTE = re.compile(r"^(https?://[^/\s]+|mailto:[^\s]+)")


def render(month, settings: NewsletterSettings, *, env=None, editorial: str | None = None, web_copy: bool = False) -> RenderedIssue:
    issue = plan_issue(month, settings)
    context = issue_context(issue, settings, META, web_url=f"{META.base_url}issues/{issue.key}.html",
                            archive_url=META.base_url, editorial=editorial, web_copy=web_copy)
    return render_issue(env or make_environment(None), context)


@pytest.fixture(scope="module")
def december() -> RenderedIssue:
    return render(december_2022(), ilo_settings())


def text_of(html: str) -> str:
    """What a reader sees: the body without the hidden preview text."""
    return lxml.html.document_fromstring(html).xpath("//div[@role='article']")[0].text_content()


def test_html_holds_the_mail_rules(december: RenderedIssue) -> None:
    html = december.html
    doc = lxml.html.document_fromstring(html)
    assert doc.get("lang") == "en"
    assert doc.findtext(".//title") == "ILO COOP eNewsUpdate No. 36, December 2022"
    for img in doc.iter("img"):
        assert img.get("alt") is not None
    tables = list(doc.iter("table"))
    assert tables and all(table.get("role") == "presentation" for table in tables)
    assert not doc.xpath("//script | //form | //input | //iframe")
    assert not doc.xpath("//link[@rel='stylesheet']")
    assert "fonts.googleapis" not in html and "@import" not in html
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert hrefs and all(ABSOLUTE.match(href) for href in hrefs), [h for h in hrefs if not ABSOLUTE.match(h)]
    for leftover in ("{{", "}}", "{%", "%}", "{#", "<mj-", "</mj-"):
        assert leftover not in html, leftover
    # explicit backgrounds, so dark-mode inversion has something to work with
    assert "background-color:#eef1f5" in doc.find(".//body").get("style")
    assert "background-color:#1f4e8c" in html


def test_preheader_is_present_and_padded(december: RenderedIssue) -> None:
    doc = lxml.html.document_fromstring(december.html)
    hidden = doc.xpath("//body/div[contains(@style, 'display:none')]")[0].text_content()
    assert hidden.startswith("December, 2022: ILO PROSPECTS undertakes training workshop")
    assert hidden.count("\u034f\u200c\u00a0") >= 30  # the spacer keeps body text out of the inbox preview


def test_template_a_reading_order(december: RenderedIssue) -> None:
    text = " ".join(text_of(december.html).split())
    order = ["Can't read this e-mail? View our online version", "ILO COOP eNewsUpdate", "December, 2022",
             "ILO PROSPECTS undertakes training workshop", "News from the field",
             "ILO holds kick-off briefing session", "Strengthening cooperatives to address decent work",
             "ILO Cooperatives Unit (COOP) coop@example.org", "Archive of all issues", "Unsubscribe",
             "Update preferences", "© International Labour Organization 2022", "4 route des Morillons"]
    positions = [text.find(part) for part in order]
    assert all(p >= 0 for p in positions), [part for part, p in zip(order, positions) if p < 0]
    assert positions == sorted(positions)
    assert "ILO COOP eNewsUpdate Every month" not in text  # the excluded listing item
    assert ">>More" not in text  # listing items have no page of their own: no link back to the same words


def test_links_point_at_the_web_copy_anchors(december: RenderedIssue) -> None:
    doc = lxml.html.document_fromstring(december.html)
    month = december_2022()
    lead = next(item for item in month.items if item.title.startswith("ILO PROSPECTS"))
    anchor = item_anchor(lead)
    assert re.fullmatch(r"item-[0-9a-f]{12}", anchor)
    assert doc.xpath(f"//*[@id='{anchor}']")
    # the web copy holds the same sentence: nothing links there from an item
    assert not doc.xpath(f"//a[starts-with(@href, '{WEB_URL}#')]")
    online = doc.xpath("//a[text()='View our online version']")[0]
    assert online.get("href") == WEB_URL
    unsubscribe = doc.xpath("//a[text()='Unsubscribe']")[0]
    assert unsubscribe.get("href") == "https://ilo.msgfocus.example/u/*|UNSUB|*"


def test_item_urls_are_used_and_unsafe_ones_are_not() -> None:
    day = date(2022, 12, 5)
    good = make_item(1, "Has a page", day, url="https://www.ilo.org/coop/a?x=1&y=2")
    relative = make_item(2, "Relative", day, url="/coop/b")
    evil = make_item(3, "Script link", day, url="javascript:alert(1)")
    rendered = render(month_of([good, relative, evil]), ilo_settings(lead={"2022-12": ""}))
    doc = lxml.html.document_fromstring(rendered.html)
    more = [a.get("href") for a in doc.xpath("//a[text()='>>More']")]
    assert more == ["https://www.ilo.org/coop/a?x=1&y=2", "https://coop-news.example.org/coop/b"]
    assert not doc.xpath("//h3[@id=$anchor]//a", anchor=item_anchor(evil))  # no link, not a made-up one
    assert "javascript:" not in rendered.html and "javascript:" not in rendered.text
    assert ">>More https://www.ilo.org/coop/a?x=1&y=2" in rendered.text


def test_text_part_is_readable_and_wrapped(december: RenderedIssue) -> None:
    text = december.text
    lines = text.split("\n")
    assert lines[0] == f"View our online version: {WEB_URL}"
    assert "December, 2022" in lines
    assert "News from the field" in lines
    assert all(len(line) <= 72 or "http" in line for line in lines), [line for line in lines if len(line) > 72]
    assert ">>More" not in text  # the sample items have no links of their own
    assert "Unsubscribe: https://ilo.msgfocus.example/u/*|UNSUB|*" in text
    assert "&amp;" not in text and "&#" not in text and "<" not in text.replace("<https", "")


def test_forty_items_stay_under_the_gmail_clip() -> None:
    rendered = render(big_month(40), ilo_settings())
    size = len(rendered.html.encode("utf-8"))
    assert size < 102_000, size
    doc = lxml.html.document_fromstring(rendered.html)
    assert len(doc.xpath("//a[text()='>>More']")) == 20  # the items that have a link
    # all items of a section share one section: far fewer section tables than items
    assert rendered.mjml.count("<mj-section") < 15


HOSTILE = "<script>alert('x')</script> R&D \"quoted\" 'single' a < b & c > d"


def test_markup_in_every_field_comes_out_as_text() -> None:
    month = month_of([
        make_item(1, "Lead " + HOSTILE, date(2022, 12, 9), summary="Summary " + HOSTILE),
        make_item(2, "Item\r\n" + HOSTILE, date(2022, 12, 8), category="Event <b>", summary=HOSTILE,
                  url="https://example.org/?a=<x>&b=\"y\""),
    ])
    s = ilo_settings(
        title="Coop & Co <i>News</i>\r\n",
        preheader=HOSTILE,
        more_text="<More> & more",
        footer={"contact": HOSTILE, "address": HOSTILE, "copyright": HOSTILE, "note": HOSTILE},
        editorial_heading=HOSTILE,
    )
    rendered = render(month, s, editorial="Editorial " + HOSTILE + " [a link](https://example.org/?q=<1>&r=2)")
    doc = lxml.html.document_fromstring(rendered.html)
    assert not doc.xpath("//script | //i | //b")
    text = " ".join(text_of(rendered.html).split())
    assert "Lead <script>alert('x')</script> R&D \"quoted\" 'single' a < b & c > d" in text
    assert text.count("<script>alert('x')</script>") >= 8
    assert "<More> & more" in text
    assert doc.findtext(".//title") == "Coop & Co <i>News</i> No. 36, December 2022"
    # the text part: the same characters, unescaped
    assert "Lead <script>alert('x')</script> R&D \"quoted\"" in rendered.text
    assert "&amp;" not in rendered.text and "&lt;" not in rendered.text and "&#" not in rendered.text
    assert "Coop & Co <i>News</i>" in rendered.text


def test_editorial_markdown_links_and_paragraphs(tmp_path: Path) -> None:
    rendered = render(december_2022(), ilo_settings(editorial_heading="Message from ILO COOP"),
                      editorial="# A good year\n\nWe thank **all partners**.\nSee [the report](https://www.ilo.org/coop/report).\n\nBare https://www.ilo.org/coop too.")
    doc = lxml.html.document_fromstring(rendered.html)
    assert doc.xpath("//h2[text()='Message from ILO COOP']")
    assert doc.xpath("//a[@href='https://www.ilo.org/coop/report' and text()='the report']")
    assert doc.xpath("//strong[text()='all partners']")
    assert "See the report <https://www.ilo.org/coop/report>." in rendered.text
    text = " ".join(text_of(rendered.html).split())
    assert text.index("A good year") < text.index("ILO PROSPECTS undertakes")


def test_logo_only_when_configured_and_with_alt() -> None:
    plain = render(december_2022(), ilo_settings())
    assert "<img" not in plain.html
    with_logo = render(december_2022(), ilo_settings(logo_url="https://www.ilo.org/logo.png"))
    img = lxml.html.document_fromstring(with_logo.html).xpath("//img")[0]
    assert img.get("alt") == "ILO COOP eNewsUpdate"
    assert img.get("src") == "https://www.ilo.org/logo.png"


def test_web_copy_links_to_the_archive_instead_of_itself() -> None:
    rendered = render(december_2022(), ilo_settings(), web_copy=True)
    assert "View our online version" not in rendered.html
    doc = lxml.html.document_fromstring(rendered.html)
    assert doc.xpath(f"//a[@href='{META.base_url}' and text()='Archive of all issues']")


def test_rendering_is_deterministic() -> None:
    first = render(december_2022(), ilo_settings())
    second = render(december_2022(), ilo_settings())
    assert first == second


# --- user templates and errors ---------------------------------------------------------------


def test_user_template_overrides_one_block(tmp_path: Path) -> None:
    (tmp_path / "newsletter").mkdir()
    (tmp_path / "newsletter" / "issue.mjml.j2").write_text(
        '{% extends "default:newsletter/issue.mjml.j2" %}\n'
        "{% block dateline %}<mj-section><mj-column><mj-text>Issue {{ number }} &middot; {{ month_label }}</mj-text>"
        "</mj-column></mj-section>{% endblock %}\n",
        encoding="utf-8",
    )
    rendered = render(december_2022(), ilo_settings(), env=make_environment(tmp_path))
    text = " ".join(text_of(rendered.html).split())
    assert "Issue 36 · December 2022" in text
    assert "December, 2022" not in text  # the block was replaced
    assert "News from the field" in text and "Unsubscribe" in text  # the rest is the default theme
    assert rendered.text == render(december_2022(), ilo_settings()).text  # the text part is untouched


def test_user_item_block_override(tmp_path: Path) -> None:
    (tmp_path / "newsletter").mkdir()
    (tmp_path / "newsletter" / "issue.mjml.j2").write_text(
        '{% extends "default:newsletter/issue.mjml.j2" %}\n'
        '{% block item %}<mj-text><a href="{{ item.url }}">{{ item.title }}</a> ({{ item.date }})</mj-text>{% endblock %}\n',
        encoding="utf-8",
    )
    rendered = render(december_2022(), ilo_settings(), env=make_environment(tmp_path))
    assert "(14 December 2022)" in text_of(rendered.html)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('{% extends "default:newsletter/issue.mjml.j2" %}{% block lead %}{% if %}{% endblock %}', "issue.mjml.j2:1: "),
        ('{% extends "default:newsletter/issue.mjml.j2" %}{% block lead %}{{ no_such_value }}{% endblock %}', "'no_such_value' is undefined"),
        ('{% extends "default:newsletter/nothing.mjml.j2" %}', "template not found: default:newsletter/nothing.mjml.j2"),
        ('{% extends "default:newsletter/issue.mjml.j2" %}{% block lead %}<mj-section><mj-column><mj-text>{{ "R&D a < b" | safe }}</mj-text></mj-column></mj-section>{% endblock %}',
         "newsletter/issue.mjml.j2: the MJML it produced does not convert"),
    ],
)
def test_broken_user_template_is_a_render_error_naming_it(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "newsletter").mkdir()
    (tmp_path / "newsletter" / "issue.mjml.j2").write_text(source, encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        render(december_2022(), ilo_settings(), env=make_environment(tmp_path))
    assert message in str(caught.value)
    assert "issue.mjml.j2" in str(caught.value)


def test_a_rust_panic_is_a_render_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import mjml

    class PanicException(BaseException):  # what pyo3 raises: not an Exception
        pass

    def panic(*args, **kwargs):
        raise PanicException("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(mjml, "mjml2html", panic)
    with pytest.raises(RenderError, match=r"newsletter/issue.mjml.j2: .*Option::unwrap"):
        render(december_2022(), ilo_settings())


def test_autoescape_by_extension() -> None:
    env = make_environment(None)
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert env.autoescape("newsletter/issue.mjml.j2") is True
    assert env.autoescape("default:site/index.html.j2") is True
    assert env.autoescape("newsletter/issue.txt.j2") is False
