"""Local preview server for the output directory, with the HTTP semantics feed readers
rely on: the right Content-Type, strong ETags, Last-Modified, 304s, HEAD and gzip.

Only the standard library: http.server is enough for a preview on 127.0.0.1. Nothing
outside the root is ever served, whether by `..`, percent-encoding or a symlink, nor
any dotfile (`.env`, `.git/`) inside it; redirects never leave the server's origin.
"""

from __future__ import annotations

import gzip
import hashlib
import posixpath
import re
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

TYPES = {
    ".atom": "application/atom+xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".eml": "message/rfc822",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
}
FEED_JSON = "application/feed+json; charset=utf-8"
COMPRESSIBLE = ("text/", "application/atom+xml", "application/rss+xml", "application/feed+json",
                "application/json", "application/xml", "image/svg+xml")


def content_type(relative: str) -> str:
    suffix = posixpath.splitext(relative)[1].lower()
    if suffix == ".json" and relative.startswith("feeds/"):
        return FEED_JSON  # JSON Feed 1.1's own type; other JSON stays application/json
    return TYPES.get(suffix, "application/octet-stream")


_QVALUE = re.compile(r"0(\.\d{0,3})?|1(\.0{0,3})?")  # RFC 9110 12.4.2


def _accepts_gzip(header: str | None) -> bool:
    """True if Accept-Encoding allows gzip (a q=0 refuses it). A malformed weight
    refuses it too: the identity encoding is always a safe answer."""
    for part in (header or "").split(","):
        name, *params = part.split(";")
        if name.strip().lower() in ("gzip", "x-gzip", "*"):
            weights = [value.strip() for key, _, value in (p.partition("=") for p in params) if key.strip() == "q"]
            weight = weights[-1] if weights else "1"
            return _QVALUE.fullmatch(weight) is not None and float(weight) > 0
    return False


def _target_path(target: str) -> str | None:
    """The percent-encoded path of a request target, origin form ("/a?q") or absolute
    form ("http://host/a"); None for anything else ("*", garbage)."""
    if target.startswith("/"):
        return target.split("?", 1)[0].split("#", 1)[0]
    split = urlsplit(target)
    if split.scheme in ("http", "https") and split.netloc:
        return split.path or "/"
    return None


class Handler(BaseHTTPRequestHandler):
    root: Path  # resolved output directory, set by make_server
    verbose: bool = False
    server_version = "feedletter"

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def version_string(self) -> str:
        return self.server_version  # no Python version, and no trailing space

    def log_message(self, format: str, *args) -> None:
        if self.verbose:
            super().log_message(format, *args)

    def _resolve(self) -> tuple[Path, str] | int:
        """The file for the request path, or an HTTP status to answer with (a
        301 goes to `_directory_location`)."""
        raw = _target_path(self.path)
        if raw is None:
            return HTTPStatus.BAD_REQUEST
        path = unquote(raw)
        if "\x00" in path or "\\" in path:
            return HTTPStatus.BAD_REQUEST
        parts = _parts(path)
        if any(part.startswith(".") for part in parts):
            return HTTPStatus.NOT_FOUND  # never walk up (even where it would land inside), no dotfiles
        target = self.root.joinpath(*parts)
        try:
            real = target.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError, RuntimeError, OSError):
            return HTTPStatus.NOT_FOUND
        if real != self.root and self.root not in real.parents:
            return HTTPStatus.FORBIDDEN  # a symlink pointing out of the root
        if real.is_dir():
            if not raw.endswith("/"):
                return HTTPStatus.MOVED_PERMANENTLY
            real = real / "index.html"
            if not real.is_file():
                return HTTPStatus.NOT_FOUND
            parts = [*parts, "index.html"]
        return real, "/".join(parts)

    def _respond(self, *, head: bool) -> None:
        found = self._resolve()
        if found == HTTPStatus.MOVED_PERMANENTLY:
            self.send_response(found)
            self.send_header("Location", _directory_location(self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not isinstance(found, tuple):
            self.send_error(found)
            return
        path, relative = found
        try:
            data = path.read_bytes()
            mtime = path.stat().st_mtime
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        kind = content_type(relative)
        compressible = kind.startswith(COMPRESSIBLE)
        tag = hashlib.sha256(data).hexdigest()[:32]
        use_gzip = compressible and _accepts_gzip(self.headers.get("Accept-Encoding"))
        etag = f'"{tag}-gzip"' if use_gzip else f'"{tag}"'  # another representation, another tag
        last_modified = formatdate(int(mtime), usegmt=True)

        status = HTTPStatus.NOT_MODIFIED if self._not_modified(etag, int(mtime)) else HTTPStatus.OK
        self.send_response(status)
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.send_header("Cache-Control", "no-cache")  # always revalidate: cheap with 304s
        if compressible:
            self.send_header("Vary", "Accept-Encoding")
        if status == HTTPStatus.NOT_MODIFIED:
            self.end_headers()
            return
        if use_gzip:
            data = gzip.compress(data, mtime=0)  # mtime=0: same bytes for the same file
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        """RFC 9110 13.1: If-None-Match wins over If-Modified-Since when both are sent."""
        none_match = self.headers.get("If-None-Match")
        if none_match is not None:
            tags = [t.strip().removeprefix("W/") for t in none_match.split(",")]
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return mtime <= parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError, IndexError):
                return False
        return False


def _parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part not in ("", ".")]


def _directory_location(target: str) -> str:
    """Where a directory's request is sent: its path with a trailing slash, rebuilt from
    its parts so that it stays on this origin ("//host/x" would be another host)."""
    path = unquote(_target_path(target) or "/")
    return quote("/" + "".join(f"{part}/" for part in _parts(path)))


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000, *, verbose: bool = False) -> ThreadingHTTPServer:
    """A server for `root` (not yet serving); port 0 picks a free port."""
    handler = type("FeedletterHandler", (Handler,), {"root": root.resolve(), "verbose": verbose})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
