"""Debian's chromium through Playwright, with axe-core (tests/browser/package.json, installed
by .ci/run) for the accessibility checks. Tests that need them are skipped when either is
missing, unless FEEDLETTER_REQUIRE_BROWSER is set (as .ci/run does): then they fail."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
REQUIRED = bool(os.environ.get("FEEDLETTER_REQUIRE_BROWSER"))


def chromium_path() -> str | None:
    return shutil.which("chromium") or (str(Path("/usr/bin/chromium")) if Path("/usr/bin/chromium").exists() else None)


def needs() -> list[pytest.MarkDecorator]:
    """Marks for a browser test module: skipped without chromium, failing in CI."""
    missing = chromium_path() is None and not REQUIRED
    return [pytest.mark.browser, pytest.mark.skipif(missing, reason="chromium is not installed (apt-get install chromium)")]


def launch(playwright):
    path = chromium_path()
    assert path, "chromium is not installed (apt-get install chromium), and FEEDLETTER_REQUIRE_BROWSER is set"
    return playwright.chromium.launch(executable_path=path, args=ARGS)


def axe_violations(page) -> tuple[int, list[str]]:
    """(rules that ran and found something to check or passed, one line per violation) of
    axe-core's default run, best-practice rules included, on the page as it is."""
    assert AXE.is_file(), f"{AXE} is missing: npm install --prefix tests/browser"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return {ran: r.passes.length + r.violations.length + r.incomplete.length,
                violations: r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' | '
                    + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ')).join(' || '))};
    }""")
    return result["ran"], result["violations"]


def png(width: int, height: int, colour: tuple[int, int, int] = (46, 125, 50)) -> bytes:
    """A real PNG of one colour with a lighter band, for pages that show pictures."""
    rows = []
    for y in range(height):
        shade = colour if y < height * 2 // 3 else tuple(min(255, c + 90) for c in colour)
        rows.append(b"\x00" + bytes(shade) * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


def serve_images(page, images: dict[str, bytes]) -> None:
    """Answer requests for `images` (absolute URL -> PNG bytes) and refuse every other one."""
    def answer(route):
        body = images.get(route.request.url)
        if body is None:
            route.abort()
        else:
            route.fulfill(status=200, content_type="image/png", body=body)

    page.route("**/*", answer)
