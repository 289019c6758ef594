"""`feedletter run` over slow sources on loopback: sequential, then concurrent.

Twenty listing sources on a local HTTP server that each take DELAY seconds to answer
are read by `feedletter run` once with `[feeds] fetch_concurrency = 1` (one at a time,
as before concurrency) and once with the default 4. Prints the wall times and their
ratio; the floor is the delay of the slowest wave (sources / concurrency x DELAY).

    .venv/bin/python benchmarks/sources.py [--sources 20] [--delay 1.0]
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


def serve(delay: float) -> ThreadingHTTPServer:
    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(delay)
            number = int(self.path.strip("/").removesuffix(".txt"))
            body = f"- News\n  Story {number}\n  {number % 28 + 1} January 2023\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed_run(port: int, sources: int, concurrency: int) -> float:
    with tempfile.TemporaryDirectory(prefix="feedletter-bench-") as folder:
        config = Path(folder) / "feedletter.toml"
        entries = "".join(f'[[sources]]\nname = "s{n}"\nkind = "listing"\nlocation = "http://127.0.0.1:{port}/{n}.txt"\n'
                          for n in range(sources))
        config.write_text(f'[site]\nbase_url = "https://bench.example.org/"\n[feeds]\n'
                          f"fetch_concurrency = {concurrency}\n{entries}", encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([str(FEEDLETTER), "--config", str(config), "run"], check=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--delay", type=float, default=1.0)
    args = parser.parse_args()
    server = serve(args.delay)
    port = server.server_address[1]
    sequential = timed_run(port, args.sources, 1)
    concurrent = timed_run(port, args.sources, 4)
    floor = -(-args.sources // 4) * args.delay
    print(f"{args.sources} sources answering in {args.delay:g} s each, on 127.0.0.1:")
    print(f"  fetch_concurrency = 1: {sequential:6.2f} s")
    print(f"  fetch_concurrency = 4: {concurrent:6.2f} s   ({sequential / concurrent:.1f}x faster; "
          f"floor {floor:.1f} s, {concurrent / floor:.2f}x the floor)")
    server.shutdown()


if __name__ == "__main__":
    main()
