"""The markup kept from sources: what a reader sees in feeds and pages, and in text parts."""

from __future__ import annotations

from feeds.markup import MARKUP_LIMIT, clean_markup, markup_text

BASE = "https://news.example.org/2023/story"


def test_links_and_images_are_made_absolute_and_unsafe_parts_go():
    kept = clean_markup(
        '<p onclick="x()">See <a href="../report.pdf">the report</a></p><img src="cover.jpg" alt="Cover">'
        '<script>alert(1)</script><iframe src="https://evil.example/"></iframe><style>p{}</style>',
        BASE,
    )
    assert kept == ('<p>See <a href="https://news.example.org/report.pdf" rel="noopener noreferrer">the report</a>'
                    '</p><img src="https://news.example.org/2023/cover.jpg" alt="Cover">')


def test_javascript_links_lose_their_target_but_keep_their_words():
    kept = clean_markup('<ul><li><a href="javascript:alert(1)">Click</a> here</li></ul>', BASE)
    assert kept == "<ul><li>Click here</li></ul>"


def test_trackers_and_unsafe_images_go_and_an_image_without_alt_is_decorative():
    kept = clean_markup('<p><img src="https://t.example/p.gif" width="1" height="1"><img src="data:x">'
                        '<img src="/a.png"><em>text</em></p>', BASE)
    assert kept == '<p><img src="https://news.example.org/a.png" alt=""><em>text</em></p>'


def test_plain_text_in_paragraphs_stays_text():
    assert clean_markup("no markup at all", BASE) is None
    assert clean_markup("<p>one</p><p>two<br>lines</p>", BASE) is None
    assert clean_markup("<div><span>only wrappers</span></div>", BASE) is None


def test_a_whole_book_is_cut_at_a_tag_and_stays_well_formed():
    kept = clean_markup("<ul>" + "<li><em>point</em></li>" * 10_000 + "</ul>", BASE)
    assert kept is not None and len(kept) <= MARKUP_LIMIT + 20
    assert kept.endswith("</li></ul>")


def test_text_parts_write_links_out_and_keep_lists():
    text = markup_text('<p>Read <a href="https://x.example/r">the report</a>.</p><ul><li>one</li><li>two</li></ul>'
                       '<p><img src="https://x.example/i.png" alt="A chart"> <a href="mailto:a@x.example">'
                       'a@x.example</a></p>')
    assert text == "Read the report (https://x.example/r).\n\n- one\n\n- two\n\n[A chart] a@x.example"
