"""The edge that reads sources: local files and HTTP(S) with conditional GET.

HTTP: timeouts (per socket operation and for the whole download), a few retries with
backoff for 5xx answers and connection errors only, redirects followed by hand up to a
bound (http/https only, loops stopped), a size limit, an honest User-Agent, and
If-None-Match / If-Modified-Since from the validators kept in the archive: a 304 is
reported as not modified and costs no parsing.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import urljoin

from .errors import SourceError, UsageError
from .urls import is_web_url

MAX_BYTES = 64 * 1024 * 1024  # a 50 MB listing is read; a 100 MB feed is refused
TIMEOUT = 20.0
RETRIES = 2
BACKOFF = 1.0
MAX_REDIRECTS = 5
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/octet-stream", "application/pdf",
                 "application/zip", "application/gzip", "application/x-gzip")


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    location: str  # the final URL (after redirects) or the file path
    data: bytes | None  # None when not modified
    status: int = 200
    content_type: str | None = None  # media type, lowercase, without parameters
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # redirects are followed by `fetch`, with its own bound


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(_NoRedirect())


def fetch(
    location: str | Path,
    validators: Validators | None = None,
    *,
    user_agent: str = "feedletter",
    timeout: float = TIMEOUT,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> Fetched:
    """Read a file or URL. Raises SourceError with a one-line reason on failure."""
    text = str(location)
    if not is_web_url(text):
        return read_file(Path(text), max_bytes)
    url = text
    seen = [url]
    for _ in range(max_redirects + 1):
        answer = _get_with_retries(url, validators, user_agent=user_agent, timeout=timeout,
                                   retries=retries, backoff=backoff, max_bytes=max_bytes)
        if isinstance(answer, Fetched):
            return answer
        target = urljoin(url, answer)
        if not is_web_url(target):
            raise SourceError(f"{url}: redirected to {target!r}, which is not an http(s) URL")
        if target in seen:
            raise SourceError(f"{seen[0]}: redirect loop ({' -> '.join([*seen, target])})")
        seen.append(target)
        url = target
    raise SourceError(f"{seen[0]}: more than {max_redirects} redirects; last was {url}")


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> Fetched:
    """A local file's bytes, refused above the size limit like a download."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise SourceError(f"{path}: {size} bytes is more than the limit of {max_bytes} bytes; not read")
        return Fetched(str(path), path.read_bytes())
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, expected a listing, page, feed or items file") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read ({error.strerror})") from None


def _get_with_retries(url, validators, *, user_agent, timeout, retries, backoff, max_bytes) -> Fetched | str:
    attempt = 0
    while True:
        try:
            return _get(url, validators, user_agent=user_agent, timeout=timeout, max_bytes=max_bytes)
        except _Retryable as error:
            if attempt >= retries:
                raise SourceError(f"{url}: {error} (after {attempt + 1} attempts)") from None
            time.sleep(backoff * (2**attempt))
            attempt += 1


class _Retryable(Exception):
    pass


def _get(url: str, validators: Validators | None, *, user_agent: str, timeout: float, max_bytes: int) -> Fetched | str:
    """One request: a Fetched, or the Location of a redirect."""
    headers = {"User-Agent": user_agent, "Accept-Encoding": "identity",
               "Accept": "application/atom+xml, application/rss+xml, application/feed+json, "
                         "application/xml;q=0.9, text/html;q=0.9, text/plain;q=0.9, */*;q=0.5"}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    request = urllib.request.Request(url, headers=headers, method="GET")
    try:
        response = _opener().open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        with error:
            status = error.code
            if status == 304:
                return Fetched(url, None, 304, etag=(validators.etag if validators else None),
                               last_modified=(validators.last_modified if validators else None))
            if status in (301, 302, 303, 307, 308):
                location = error.headers.get("Location")
                if not location:
                    raise SourceError(f"{url}: HTTP {status} redirect without a Location") from None
                return location
            if status >= 500:
                raise _Retryable(f"HTTP {status} {error.reason}") from None
            raise SourceError(f"{url}: HTTP {status} {error.reason}") from None
    except TimeoutError:
        raise SourceError(f"{url}: no answer within {timeout:g} s") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise SourceError(f"{url}: no answer within {timeout:g} s") from None
        if isinstance(reason, socket.gaierror):
            raise SourceError(f"{url}: unknown host ({reason.strerror or reason})") from None
        raise _Retryable(f"cannot connect ({getattr(reason, 'strerror', None) or reason})") from None
    except (ConnectionError, http.client.HTTPException) as error:
        raise _Retryable(f"connection failed ({error.__class__.__name__}: {error})") from None
    with response:
        message: Message = response.headers
        content_type = (message.get_content_type() or "").lower() if message.get("Content-Type") else None
        charset = message.get_content_charset()
        if content_type and content_type.startswith(_BINARY_TYPES):
            raise SourceError(f"{url}: wrong content type {content_type}, expected a feed, a web page or text")
        length = message.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise SourceError(f"{url}: {int(length)} bytes is more than the limit of {max_bytes} bytes")
        data = _read_bounded(response, url, timeout=timeout, max_bytes=max_bytes)
        return Fetched(url, data, response.status, content_type, charset,
                       message.get("ETag"), message.get("Last-Modified"))


def _read_bounded(response, url: str, *, timeout: float, max_bytes: int) -> bytes:
    deadline = time.monotonic() + max(timeout * 3, timeout + 30)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = response.read(65536)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise SourceError(f"{url}: more than the limit of {max_bytes} bytes; download stopped")
            if time.monotonic() > deadline:
                raise SourceError(f"{url}: download too slow; stopped")
            chunks.append(chunk)
    except TimeoutError:
        raise SourceError(f"{url}: no data within {timeout:g} s; download stopped") from None
    except (ConnectionError, http.client.HTTPException) as error:
        raise _Retryable(f"connection broken while reading ({error.__class__.__name__})") from None
    return b"".join(chunks)
