"""A real HTTP server on 127.0.0.1 (port 0) for the source tests.

Each route maps a path to a function of the request handler returning
(status, headers, body) — or to a fixed tuple. Every request is logged with its
headers, so tests can check conditional GET and the User-Agent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]] | tuple[int, dict[str, str], bytes]


class Server:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.log: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.log.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                elif callable(route):
                    status, headers, body = route(self)
                else:
                    status, headers, body = route
                self.send_response(status)
                headers = dict(headers)
                if headers.get("Content-Length") == "":  # no length: the body ends with the connection
                    del headers["Content-Length"]
                    self.close_connection = True
                elif status != 304:
                    headers.setdefault("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    if status != 304 and body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [headers for logged, headers in self.log if logged == path]

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def conditional(body: bytes, content_type: str, etag: str, last_modified: str = "Wed, 01 Feb 2023 08:00:00 GMT"):
    """A route answering 304 when the client's If-None-Match matches."""

    def route(handler: BaseHTTPRequestHandler):
        headers = {"ETag": etag, "Last-Modified": last_modified}
        if handler.headers.get("If-None-Match") == etag:
            return 304, headers, b""
        return 200, {**headers, "Content-Type": content_type}, body

    return route
