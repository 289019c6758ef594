"""The e-mail in a real browser: Debian's chromium through Playwright, desktop and phone widths."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from newsletter.issue.context import issue_context
from newsletter.issue.plan import plan_issue
from newsletter.issue.render import make_environment, render_issue
from tests.newsletter.issue.samples import META, big_month, december_2022, ilo_settings

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    # .ci/run installs chromium and sets FEEDLETTER_REQUIRE_BROWSER: there a missing browser fails.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("FEEDLETTER_REQUIRE_BROWSER"),
        reason="/usr/bin/chromium is not installed (apt-get install chromium)",
    ),
]


def html_of(month) -> str:
    settings = ilo_settings(logo_url="https://www.ilo.org/logo.png")
    issue = plan_issue(month, settings)
    context = issue_context(issue, settings, META, web_url=f"{META.base_url}issues/{issue.key}.html", archive_url=META.base_url)
    return render_issue(make_environment(None), context).html


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
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("width", [600, 375])
@pytest.mark.parametrize("which", ["december", "forty"])
def test_issue_fits_and_is_not_blank(browser, width: int, which: str) -> None:
    html = html_of(december_2022() if which == "december" else big_month(40))
    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        # block the (absent) logo and any other request: the mail must look right without them
        page.route("**/*", lambda route: route.abort())
        page.set_content(html, wait_until="load")
        assert page.evaluate("window.innerWidth") == width
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"scrolls sideways at {width}px: {scroll_width}px wide"
        shot = page.screenshot()
        assert len(png_colours(shot)) > 3, "the screenshot is blank"
        # the masthead band and the headline are visible on screen
        assert page.get_by_text("ILO COOP eNewsUpdate", exact=True).first.is_visible()
        assert page.get_by_text("News from the field").first.is_visible()
    finally:
        page.close()
