"""A real HTTP server on 127.0.0.1 (port 0) for the source tests.

Each route maps a path to a function of the request handler returning
(status, headers, body) — or to a fixed tuple. Every request is logged with its
headers, so tests can check conditional GET and the User-Agent.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

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


class RawServer:
    """A TCP server on 127.0.0.1 whose answers are scripts written on the socket itself,
    for what http.server cannot do: drip headers, flood `100 Continue`, cut a body short.

    `answer(connection, stopped)` is called once the request's headers are read;
    `stopped` is set when the server shuts down, so a script that waits ends with it."""

    def __init__(self, answer: Callable[[socket.socket, threading.Event], None]) -> None:
        self.requests: list[bytes] = []  # the head of every request, as received
        self.stopped = threading.Event()
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                head = b""
                while b"\r\n\r\n" not in head:
                    data = self.request.recv(4096)
                    if not data:
                        return
                    head += data
                server.requests.append(head)
                try:
                    answer(self.request, server.stopped)
                except OSError:  # the client gave up: what a deadline is for
                    pass

        self.tcp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.tcp.daemon_threads = True
        self.thread = threading.Thread(target=self.tcp.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.tcp.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.tcp.shutdown()
        self.tcp.server_close()


def drip(data: bytes, every: float = 0.2, *, then: bytes = b"", size: int = 1) -> Callable[[socket.socket, threading.Event], None]:
    """A script sending `then` at once, then `data` in pieces of `size` bytes, one
    every `every` seconds."""

    def answer(connection: socket.socket, stopped: threading.Event) -> None:
        connection.sendall(then)
        for start in range(0, len(data), size):
            if stopped.wait(every):
                return
            connection.sendall(data[start:start + size])

    return answer


def serve_tls(server: Server, directory: Path) -> Path:
    """Make `server` (not started yet) answer over TLS, with a fresh self-signed
    certificate for 127.0.0.1 made by the openssl command. Returns the certificate's
    path: trusted once SSL_CERT_FILE names it."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    return cert
