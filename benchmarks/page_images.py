"""`images = "page"` over slow item pages on loopback: the first run fetches every page
(sequential, then concurrent), the next run after the feed changed fetches none.

One feed source on a local HTTP server lists ITEMS entries, each linking to a page that
takes DELAY seconds to answer and names an og:image. `feedletter run` reads it with
`[feeds] fetch_concurrency = 1` and with the default 4 (fresh archives), then, in the
second archive, once more after the feed's bytes changed: the remembered answers are
applied and no page is asked again. The floor of the first run is ITEMS / 4 x DELAY.

    .venv/bin/python benchmarks/page_images.py [--items 20] [--delay 0.5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEEDLETTER = Path(sys.executable).parent / "feedletter"


def serve(items: int, delay: float, state: dict) -> ThreadingHTTPServer:
    class Pages(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/feed.xml":
                entries = "".join(f"<item><title>Story {n}</title><link>{host}/p/{n}</link><guid>s{n}</guid>"
                                  f"<pubDate>Wed, 25 Jan 2023 09:00:00 +0000</pubDate></item>" for n in range(items))
                body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench</title><link>{host}/</link>'
                        f"<description>v{state['version']}</description>{entries}</channel></rss>").encode()
                kind = "application/rss+xml"
            else:
                state["pages"] += 1
                time.sleep(delay)
                body = f'<html><head><meta property="og:image" content="{host}/img{self.path}.jpg"></head></html>'.encode()
                kind = "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed_run(config: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(FEEDLETTER), "--config", str(config), "run"], check=True)
    return time.perf_counter() - start


def write_config(folder: Path, port: int, concurrency: int) -> Path:
    config = folder / "feedletter.toml"
    config.write_text(f'[site]\nbase_url = "https://bench.example.org/"\n[feeds]\nfetch_concurrency = {concurrency}\n'
                      f'[[sources]]\nname = "feed"\nkind = "feed"\nlocation = "http://127.0.0.1:{port}/feed.xml"\n'
                      'images = "page"\n', encoding="utf-8")
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.5)
    args = parser.parse_args()
    state = {"version": 1, "pages": 0}
    server = serve(args.items, args.delay, state)
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as four:
        sequential = timed_run(write_config(Path(one), port, 1))
        concurrent = timed_run(write_config(Path(four), port, 4))
        fetched = state["pages"]
        state["version"] = 2  # new feed bytes: its entries are read again
        again = timed_run(Path(four) / "feedletter.toml")
    floor = -(-args.items // 4) * args.delay
    print(f"{args.items} item pages answering in {args.delay:g} s each, on 127.0.0.1:")
    print(f"  first run, fetch_concurrency = 1: {sequential:6.2f} s")
    print(f"  first run, fetch_concurrency = 4: {concurrent:6.2f} s   ({sequential / concurrent:.1f}x faster; "
          f"floor {floor:.1f} s)")
    print(f"  pages fetched by the two first runs: {fetched}; by the run after the feed changed: "
          f"{state['pages'] - fetched} ({again:.2f} s)")
    server.shutdown()


if __name__ == "__main__":
    main()
