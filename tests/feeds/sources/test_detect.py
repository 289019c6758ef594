"""Detection (feeds.sources.detect) on the corpus of tests/cases/html and on pages made
here: the items found match the hand-written truth, the selectors it prints read the same
items, pages that are no listing say why, and a redesign is told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feeds.sources.detect import detect
from feeds.sources.html import decode_html, read_page
from feeds.sources.selectors import UNDATED_KEPT, page_base, parse_tree, select_items

CASES = Path(__file__).resolve().parents[2] / "cases" / "html"


def corpus() -> list[tuple[str, dict]]:
    pages = []
    for path in sorted(CASES.glob("*.expected.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        if "corpus" in spec:
            pages.append((path.name.removesuffix(".expected.json"), spec))
    return pages


CORPUS = corpus()
TUNED = [(name, spec) for name, spec in CORPUS if not spec["corpus"]["held_out"]]
HELD_OUT = [(name, spec) for name, spec in CORPUS if spec["corpus"]["held_out"]]


def detected(name: str, spec: dict, **extra):
    markup = decode_html((CASES / f"{name}.html").read_bytes())
    options = spec.get("options") or {}
    return detect(markup, source=f"{name}.html", url=spec.get("base_url"), date_order=options.get("date_order"),
                  undated=UNDATED_KEPT, **extra)


def found_rows(detection) -> set[tuple[str, str | None, str | None]]:
    return {(item.title, item.url, item.date.isoformat() if item.date else None) for item in detection.result.items}


def truth_rows(spec: dict) -> set[tuple[str, str | None, str | None]]:
    return {(row["title"], row["url"], row.get("date")) for row in spec["corpus"]["truth"]}


def test_the_corpus_is_large_enough_and_keeps_pages_aside():
    assert len(CORPUS) >= 25 and len(HELD_OUT) >= 8
    shapes = {spec["corpus"]["shape"] for _, spec in CORPUS}
    assert {"card grid", "ul news list", "table", "WordPress archive loop", "Drupal views", "JSON-LD", "microdata",
            "h-entry", "French page", "Spanish page", "month-heading split list"} <= shapes


@pytest.mark.parametrize(("name", "spec"), TUNED, ids=[name for name, _ in TUNED])
def test_tuned_pages_give_exactly_their_truth(name, spec):
    found = detected(name, spec)
    assert found_rows(found) == truth_rows(spec)
    assert found.found == bool(spec["corpus"]["truth"])


def test_held_out_pages_reach_the_target_precision_and_recall():
    right = found = wanted = dated_right = dated_found = dated_wanted = 0
    for name, spec in HELD_OUT:
        rows, truth = found_rows(detected(name, spec)), truth_rows(spec)
        pairs, true_pairs = {r[:2] for r in rows}, {t[:2] for t in truth}
        right, found, wanted = right + len(pairs & true_pairs), found + len(pairs), wanted + len(true_pairs)
        dated = {r for r in rows if r[2]}
        true_dated = {t for t in truth if t[2]}
        dated_right += len(dated & true_dated)
        dated_found, dated_wanted = dated_found + len(dated), dated_wanted + len(true_dated)
    assert right / found >= 0.95 and right / wanted >= 0.95, (right, found, wanted)
    assert dated_right / dated_found >= 0.95 and dated_right / dated_wanted >= 0.95


@pytest.mark.parametrize(("name", "spec"), CORPUS, ids=[name for name, _ in CORPUS])
def test_the_selectors_it_prints_read_the_same_items(name, spec):
    found = detected(name, spec)
    if not found.selectors:  # nothing to paste: no listing, or items read from the page's JSON-LD
        assert not found.found or found.method == "json-ld", found.method
        return
    tree = parse_tree(decode_html((CASES / f"{name}.html").read_bytes()))
    options = spec.get("options") or {}
    again = select_items(tree, found.selector_map, source=f"{name}.html", base=page_base(tree, spec.get("base_url")),
                         date_order=options.get("date_order"), undated=UNDATED_KEPT)
    assert again.items == found.result.items


def test_a_sign_in_page_is_no_listing_and_says_what_each_candidate_lacked():
    spec = dict(CORPUS)["sign-in"]
    found = detected("sign-in", spec)
    assert not found.found and not found.result.items
    why = found.why_not()
    assert "'.auth-links > li' (3 items): its items have no dates, headings, summaries or pictures" in why
    assert "it is in the footer" in why


def test_an_article_page_is_no_listing_even_with_a_box_of_dated_links():
    found = detected("ho-article-page", dict(CORPUS)["ho-article-page"])
    assert not found.found
    assert 'the page calls itself one article (og:type "article")' in found.why_not()


def test_a_page_advertising_its_own_feed_is_told():
    found = detected("ul-news-list", dict(CORPUS)["ul-news-list"])
    assert [(feed.format, feed.url, feed.title) for feed in found.feeds] == [
        ("RSS", "https://www.cu-league.example/news/rss.xml", "Credit Union League news (RSS)"),
        ("Atom", "https://www.cu-league.example/news/atom.xml", "Credit Union League news (Atom)"),
    ]


def test_pictures_skip_trackers_icons_and_placeholders():
    found = detected("lazy-images", dict(CORPUS)["lazy-images"])
    assert [item.image.url if item.image else None for item in found.result.items] == [
        "https://fishers.example.coop/photos/2023/boats-dawn.jpg",  # data-src over a placeholder, after an icon
        "https://fishers.example.coop/photos/2023/net-mending-960.jpg",
        "https://fishers.example.coop/photos/2023/auction-1200.jpg",  # the widest data-srcset, after a 1x1 tracker
    ]


def test_json_ld_dates_keep_the_day_the_page_prints():
    found = detected("ho-json-ld-list", dict(CORPUS)["ho-json-ld-list"])
    assert found.method == "json-ld"
    late = next(item for item in found.result.items if item.title.startswith("Interview"))
    assert late.date.isoformat() == "2023-01-24"  # 23:30 at -05:00: the 25th in UTC, the 24th on the page


def test_structured_markup_is_used_first():
    assert detected("microdata-articles", dict(CORPUS)["microdata-articles"]).method == "microdata"
    assert detected("h-entry-feed", dict(CORPUS)["h-entry-feed"]).method == "h-entry"
    assert detected("json-ld-graph", dict(CORPUS)["json-ld-graph"]).method == "json-ld"


def test_undated_items_are_problems_unless_kept():
    page = (CASES / "undated-cards.html").read_bytes()
    read = read_page(page, source="p.html", base_url="https://makers.example.coop/projects")
    assert read.result.items == () and len(read.result.problems) == 3
    assert 'dates are needed for months; set undated = "first-seen"' in read.result.problems[0].message
    kept = read_page(page, source="p.html", base_url="https://makers.example.coop/projects", undated=UNDATED_KEPT)
    assert [(item.date, item.guid) for item in kept.result.items][0] == (
        None, "https://makers.example.coop/projects/community-loom")


REDESIGNED = b"""<html><body><nav><ul><li><a href="/">Home</a></li></ul></nav><main>
<div class="row"><h4 class="t"><a href="/n/a">First story after the redesign</a></h4><p class="d">3 March 2023</p></div>
<div class="row"><h4 class="t"><a href="/n/b">Second story after the redesign</a></h4><p class="d">1 March 2023</p></div>
</main></body></html>"""


def test_remembered_selectors_are_kept_while_they_match_and_a_redesign_is_told():
    page = (CASES / "cms-card-grid.html").read_bytes()
    first = read_page(page, source="p.html", base_url="https://x.example/")
    assert first.how == "detected" and first.method == "blocks"
    remembered = (first.method, dict(first.selectors))
    again = read_page(page, source="p.html", base_url="https://x.example/", remembered=remembered)
    assert again.how == "remembered" and again.result.items == first.result.items
    moved = read_page(REDESIGNED, source="p.html", base_url="https://x.example/", remembered=remembered)
    assert moved.how == "detected" and moved.moved
    assert [item.title for item in moved.result.items] == ["First story after the redesign",
                                                           "Second story after the redesign"]
    told = moved.result.problems[0].message
    assert told.startswith("the items moved: the remembered selectors match nothing (item = '.card'")
    assert "detection now picks item = '.row'" in told and told.endswith("2 items")


def test_a_page_detection_cannot_read_falls_back_to_listing_text():
    page = b"<html><body><ol><li><p>News</p><p>A plain item</p><p>25 January 2023</p></li></ol></body></html>"
    read = read_page(page, source="p.html")
    assert read.how == "text" and [item.title for item in read.result.items] == ["A plain item"]


def test_detection_of_a_large_page_is_bounded():
    rows = "".join(f'<article class="post"><h2><a href="/p/{n}">Story number {n} of the archive</a></h2>'
                   f'<time datetime="2023-01-{n % 28 + 1:02d}">x</time><p>Teaser text for story {n}.</p></article>'
                   for n in range(400))
    page = f"<html><body><main>{rows}</main></body></html>"
    found = detect(page, source="big.html", url="https://x.example/")
    assert found.found and len(found.result.items) == 400 and found.selector_map["item"] == ".post"
