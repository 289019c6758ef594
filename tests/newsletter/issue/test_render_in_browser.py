"""The e-mail, a web copy and the front page in a real browser (Debian's chromium through
Playwright, one launch for the module): they fit a phone and a desktop, thumbnails stack on
the phone, dark mode switches the palette, and axe-core finds no violation (its default
rules, best-practice ones included) at 375 and 600 px, light and dark."""

from __future__ import annotations

import struct
import zlib

import pytest

from feeds.site_files import feed_links
from newsletter.issue.context import issue_context
from newsletter.issue.pages import index_page, issue_page
from newsletter.issue.plan import plan_issue
from newsletter.issue.render import make_environment, render_issue
from tests.browser_fixture import AXE, REQUIRED, axe_violations, launch, needs, png, serve_images
from tests.newsletter.issue.samples import IMAGE_BASE, META, big_month, december_2022, illustrated_month, ilo_settings

pytestmark = needs()
LOGO = "https://images.example.org/logo.png"
LOGO_DARK = "https://images.example.org/logo-dark.png"
IMAGES = {f"{IMAGE_BASE}photo-{n}.png": png(800, 533, (40 + 9 * n, 100, 150)) for n in range(12)}
IMAGES[LOGO] = png(240, 80, (31, 78, 140))
IMAGES[LOGO_DARK] = png(240, 80, (220, 230, 245))


def mail_html(month, **settings) -> str:
    s = ilo_settings(logo_url=LOGO, **settings)
    issue = plan_issue(month, s)
    context = issue_context(issue, s, META, web_url=f"{META.base_url}issues/{issue.key}.html", archive_url=META.base_url)
    return render_issue(make_environment(None), context).html


def site_pages() -> dict[str, str]:
    """The e-mail, the web copy (of an open month) and the front page of the illustrated month."""
    s = ilo_settings(logo_url=LOGO)
    env = make_environment(None)
    web = issue_page(illustrated_month(), s, META, env, in_progress=True)
    feeds = feed_links(META, {"news": "News", "event": "Event"}, {"news": "news", "event": "event"})
    return {"mail": mail_html(illustrated_month()), "web": web.html.decode(),
            "index": index_page([web.entry], s, META, env, feeds=feeds).decode()}


def png_colours(data: bytes, limit: int = 50) -> set[bytes]:
    """Distinct pixel colours of a PNG (8-bit RGB/RGBA, as Chromium writes), up to `limit`."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour_type = header[0], header[1], header[2], header[3]
    assert depth == 8 and colour_type in (2, 6)
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        previous = line
        for i in range(0, stride, bpp * 7):
            colours.add(bytes(line[i : i + 3]))
        if len(colours) >= limit:
            break
    return colours


@pytest.fixture(scope="module")
def browser():
    from playwright import sync_api
    with sync_api.sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return site_pages()


def open_page(browser, html: str, width: int, scheme: str = "light"):
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    serve_images(page, IMAGES)
    page.set_content(html, wait_until="load")
    return page


@pytest.mark.parametrize("width", [600, 375])
@pytest.mark.parametrize("which", ["december", "forty"])
def test_issue_fits_and_is_not_blank_with_images_off(browser, width: int, which: str) -> None:
    html = mail_html(december_2022() if which == "december" else big_month(40))
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        # refuse the logo and every other request: the mail must read well without them
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        assert page.evaluate("window.innerWidth") == width
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"scrolls sideways at {width}px: {scroll_width}px wide"
        shot = page.screenshot()
        assert len(png_colours(shot)) > 3, "the screenshot is blank"
        assert page.get_by_role("heading", name="ILO COOP eNewsUpdate", level=1).is_visible()
        assert page.get_by_text("News from the field").first.is_visible()
    finally:
        page.close()


@pytest.mark.parametrize(("width", "side_by_side"), [(600, True), (375, False)])
def test_thumbnails_sit_beside_the_text_and_stack_on_a_phone(browser, pages, width: int, side_by_side: bool) -> None:
    page = open_page(browser, pages["mail"], width)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        thumb = page.locator(".fl-thumb img").first
        headline = page.locator("h3.fl-headline").first
        thumb_box, text_box = thumb.bounding_box(), headline.bounding_box()
        assert thumb.evaluate("img => img.complete && img.naturalWidth") == 800  # the picture loaded
        if side_by_side:
            assert thumb_box["x"] + thumb_box["width"] <= text_box["x"] and abs(thumb_box["y"] - text_box["y"]) < 30
        else:
            assert thumb_box["y"] + thumb_box["height"] <= text_box["y"]
        lead = page.locator("[role=main] img").first
        box = lead.bounding_box()
        assert box["width"] > width - 60  # the lead picture spans the column
        assert lead.get_attribute("height") == "368"  # its size is known: Outlook gets 552 x 368
        assert abs(box["height"] / box["width"] - 533 / 800) < 0.02  # and a phone keeps its proportions
    finally:
        page.close()


def test_dark_mode_switches_the_palette_and_keeps_the_logo_visible(browser) -> None:
    for html, plate in ((mail_html(december_2022()), True), (mail_html(december_2022(), logo_dark_url=LOGO_DARK), False)):
        light, dark = open_page(browser, html, 600, "light"), open_page(browser, html, 600, "dark")
        try:
            def colours(page):
                return page.evaluate("""() => {
                    const main = document.querySelector('[role=main] .fl-s');
                    const text = document.querySelector('[role=main] h3');
                    const visible = [...document.querySelectorAll('.fl-mast img')].filter(i => i.offsetWidth > 0);
                    return {surface: getComputedStyle(main).backgroundColor, text: getComputedStyle(text).color,
                            logo: visible.map(i => i.src),
                            plate: visible.map(i => getComputedStyle(i.parentElement).backgroundColor)};
                }""")
            day, night = colours(light), colours(dark)
            assert day["surface"] == "rgb(255, 255, 255)" and night["surface"] == "rgb(28, 31, 36)"
            assert day["text"] == "rgb(34, 34, 34)" and night["text"] == "rgb(232, 234, 237)"
            assert day["logo"] == [LOGO]
            if plate:  # no dark variant: the logo sits on a light plate in both schemes
                assert night["logo"] == [LOGO] and night["plate"] == ["rgb(255, 255, 255)"]
            else:
                assert night["logo"] == [LOGO_DARK]
        finally:
            light.close()
            dark.close()


@pytest.mark.skipif(not AXE.is_file() and not REQUIRED, reason="axe-core is not installed (npm install --prefix tests/browser)")
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("which", ["mail", "web", "index"])
def test_axe_finds_no_violation(browser, pages, which: str, width: int, scheme: str) -> None:
    page = open_page(browser, pages[which], width, scheme)
    try:
        ran, violations = axe_violations(page)
        assert ran >= 30, f"only {ran} axe rules had something to check"
        assert not violations, "\n".join(violations)
    finally:
        page.close()
