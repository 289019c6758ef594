"""Detection, measured: how well and how fast feedletter finds the items of a page.

1. The corpus of tests/cases/html (pages with a `corpus` truth written by hand): precision
   and recall of (title, link) pairs and of dates, per page shape and overall, for the
   pages used to develop detection (tuned) and those kept aside (held out); time per page.
   Undated items are counted as found (detection runs with undated = "first-seen").
2. A synthetic 500 KB listing page (navigation, sidebars, a most-read box, long teasers):
   detection time, median of several runs; the target is well under 100 ms.
3. The whole `feedletter detect URL --json` command, start-up included, against a
   loopback HTTP server serving a corpus page and the 500 KB page; the target is under 1 s.

    .venv/bin/python benchmarks/detect.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases" / "html"
FEEDLETTER = Path(sys.executable).parent / "feedletter"
sys.path.insert(0, str(ROOT))

from feeds.sources.detect import detect  # noqa: E402
from feeds.sources.html import decode_html  # noqa: E402
from feeds.sources.selectors import UNDATED_KEPT  # noqa: E402


class Tally:
    def __init__(self) -> None:
        self.right = self.found = self.wanted = 0
        self.dated_right = self.dated_found = self.dated_wanted = 0

    def add(self, rows: set, truth: set) -> None:
        pairs, true_pairs = {r[:2] for r in rows}, {t[:2] for t in truth}
        self.right += len(pairs & true_pairs)
        self.found += len(pairs)
        self.wanted += len(true_pairs)
        dated, true_dated = {r for r in rows if r[2]}, {t for t in truth if t[2]}
        self.dated_right += len(dated & true_dated)
        self.dated_found += len(dated)
        self.dated_wanted += len(true_dated)

    @staticmethod
    def _ratio(a: int, b: int) -> str:
        return f"{a / b:.3f}" if b else "  -  "

    def line(self, label: str, pages: int) -> str:
        return (f"  {label:28} {pages:3}  {self._ratio(self.right, self.found)}  {self._ratio(self.right, self.wanted)}"
                f"    {self._ratio(self.dated_right, self.dated_found)}  {self._ratio(self.dated_right, self.dated_wanted)}")


def corpus_figures() -> None:
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    pages: dict[tuple[str, str], int] = defaultdict(int)
    times = []
    for spec_path in sorted(CASES.glob("*.expected.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        corpus = spec.get("corpus")
        if corpus is None:
            continue
        name = spec_path.name.removesuffix(".expected.json")
        markup = decode_html((CASES / f"{name}.html").read_bytes())
        options = spec.get("options") or {}
        start = time.perf_counter()
        found = detect(markup, source=name, url=spec.get("base_url"), date_order=options.get("date_order"),
                       undated=UNDATED_KEPT)
        times.append(time.perf_counter() - start)
        rows = {(i.title, i.url, i.date.isoformat() if i.date else None) for i in found.result.items}
        truth = {(t["title"], t["url"], t.get("date")) for t in corpus["truth"]}
        part = "held out" if corpus["held_out"] else "tuned"
        for key in ((part, corpus["shape"]), (part, "all"), ("all", "all")):
            tallies[key].add(rows, truth)
            pages[key] += 1
        if rows != truth:
            print(f"  {name}: {len(rows - truth)} wrong, {len(truth - rows)} missed")
    print("Corpus (tests/cases/html), precision and recall:")
    print(f"  {'shape':28} pages  (title, link) P  R    dates P  R")
    for part in ("tuned", "held out"):
        print(f" {part}:")
        for (group, shape), tally in sorted(tallies.items()):
            if group == part and shape != "all":
                print(tally.line(shape, pages[(group, shape)]))
        print(tallies[(part, "all")].line(f"all {part}", pages[(part, "all")]))
    print(tallies[("all", "all")].line("all pages", pages[("all", "all")]))
    times.sort()
    print(f"  time per page: median {statistics.median(times) * 1000:.1f} ms, slowest {times[-1] * 1000:.1f} ms "
          f"(the first page includes loading the month names)")


def _article(n: int) -> str:
    return (f'<article class="post post-{n} type-post"><div class="thumb"><a href="/story/{n}"><img src="/img/{n}.jpg" '
            f'srcset="/img/{n}-300.jpg 300w, /img/{n}-900.jpg 900w" alt="" width="300" height="200"></a></div>'
            f'<span class="cat"><a href="/category/{n % 7}" rel="category tag">Topic {n % 7}</a></span>'
            f'<h2 class="entry-title"><a href="/story/{n}">Story number {n}: what the members decided this week</a></h2>'
            f'<time class="entry-date" datetime="2023-01-{n % 28 + 1:02d}T10:00:00+01:00">{n % 28 + 1} January 2023'
            f'</time><div class="excerpt"><p>{"A long teaser sentence about the cooperative and its members. " * 4}'
            f'</p></div><a class="more-link" href="/story/{n}">Read more</a></article>')


def big_page(target: int = 500_000, *, items: int | None = None) -> str:
    """A listing page of about `target` bytes with the noise real pages carry: menus,
    a most-read sidebar, a footer; with `items`, that many stories and the rest of the
    bytes in inline scripts and SVG icons (as a typical CMS page), else stories only."""
    nav = "".join(f'<li class="menu-item"><a href="/section/{n}">Section {n}</a></li>' for n in range(40))
    side = "".join(f'<li><a href="/popular/{n}">A popular story that many people read, number {n}</a>'
                   f'<span class="date">{n % 28 + 1} January 2023</span></li>' for n in range(30))
    rows = [_article(n) for n in range(items)] if items else []
    n = 0
    while not items and sum(map(len, rows)) < target - 20_000:
        rows.append(_article(n))
        n += 1
    page = (f'<!DOCTYPE html><html><head><title>News</title>{{scripts}}</head><body><header><nav><ul class="menu">{nav}'
            f'</ul></nav></header><main><h1>News</h1><div class="posts">{"".join(rows)}</div></main>'
            f'<aside class="sidebar"><h2>Most read</h2><ul>{side}</ul></aside><footer><ul>{nav}</ul>{{icons}}</footer>'
            f'</body></html>')
    filler = max(0, target - len(page))
    script = "<script>window.__STATE__ = " + '{"k": "' + "x" * (filler // 2) + '"};</script>'
    icon = '<svg width="16" height="16" viewBox="0 0 16 16"><path d="M0 0h16v16H0z"/></svg>'
    return page.replace("{scripts}", script).replace("{icons}", icon * (filler // 2 // len(icon)))


def big_page_figures(page: str, label: str, runs: int) -> None:
    from feeds.sources.selectors import page_base, parse_tree, select_items
    from feeds.urls import _resolved as resolved_urls

    times, reads, found = [], [], None
    for _ in range(runs):
        resolved_urls.cache_clear()  # every run as the first: no link resolved before
        start = time.perf_counter()
        found = detect(page, source="big.html", url="https://bench.example.org/news/")
        times.append(time.perf_counter() - start)
        tree = parse_tree(page)
        start = time.perf_counter()
        select_items(tree, found.selector_map, source="big.html", base=page_base(tree, "https://bench.example.org/"))
        reads.append(time.perf_counter() - start)
    assert found is not None
    total, reading = statistics.median(times) * 1000, statistics.median(reads) * 1000
    print(f"  {label}: {len(page.encode()) / 1000:.0f} KB, {len(found.result.items)} items "
          f"(item = {found.selector_map.get('item')!r}): detection {total:.1f} ms median "
          f"(best {min(times) * 1000:.1f}), of which reading the items through the selectors {reading:.1f} ms")


def serve(pages: dict[str, bytes]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def command_figures(page: str, runs: int) -> None:
    pages = {"/news": (CASES / "ho-wordpress-magazine.html").read_bytes(), "/big": page.encode()}
    server = serve(pages)
    port = server.server_address[1]
    print("\n`feedletter detect URL --json`, start-up included (loopback HTTP):")
    for path, label in (("/news", "a 13 KB magazine page"), ("/big", "the 500 KB page")):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run([str(FEEDLETTER), "detect", "--json", f"http://127.0.0.1:{port}{path}"],
                                  capture_output=True, check=False)
            times.append(time.perf_counter() - start)
            assert done.returncode == 0, done.stderr
        print(f"  {label:22} median {statistics.median(times):.2f} s, best {min(times):.2f} s over {runs} runs")
    start = time.perf_counter()
    subprocess.run([str(FEEDLETTER), "--help"], capture_output=True, check=True)
    print(f"  (`feedletter --help` alone: {time.perf_counter() - start:.2f} s)")
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    corpus_figures()
    print(f"\nA 500 KB page, median of {args.runs} runs:")
    typical, dense = big_page(items=60), big_page()
    big_page_figures(typical, "typical (60 stories, scripts, icons)", args.runs)
    big_page_figures(dense, "dense (stories only)", args.runs)
    command_figures(dense, args.runs)


if __name__ == "__main__":
    main()
