"""An item's cleaned markup fitted into an issue."""

from __future__ import annotations

from newsletter.issue.content import TEXT_BUDGET, issue_markup


def test_headings_become_bold_lines_and_pictures_and_rules_go() -> None:
    markup = ('<h2>Results &amp; plans</h2><figure><img src="https://x.org/a.png" alt=""><figcaption>A</figcaption>'
              '</figure><p>Text <img src="https://x.org/b.png" alt="b"> on.</p><hr><blockquote><h4>Quote</h4> said</blockquote>'
              '<pre>a    b</pre>')
    assert issue_markup(markup) == (
        '<p><strong>Results &amp; plans</strong></p><p>Text  on.</p><blockquote>Quote said</blockquote>'
        '<pre style="white-space:pre-wrap;word-break:break-word;">a    b</pre>')


def test_an_opening_of_about_the_budget_is_kept() -> None:
    paragraphs = [f"<p>{n} " + "x" * 200 + "</p>" for n in range(20)]
    kept = issue_markup("".join(paragraphs))
    assert kept.startswith(paragraphs[0]) and kept.count("<p>") == TEXT_BUDGET // 202


def test_nothing_to_show_is_none() -> None:
    assert issue_markup(None) is None and issue_markup("  ") is None
    assert issue_markup('<figure><img src="https://x.org/a.png" alt=""></figure>') is None
