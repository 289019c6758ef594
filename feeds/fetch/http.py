"""One HTTP request and its retries: one connection per request (http.client), one
deadline per attempt covering connect, headers and body, checked before every read of
the socket (a per-read timeout alone lets a server drip a byte at a time forever); a
few retries with backoff for 5xx answers and broken connections only, the whole fetch
bounded by (retries + 1) x timeout. Bodies may come gzip-compressed; the size limit
applies to the decoded bytes, counted as they are decoded (a small bomb cannot fill
memory)."""

from __future__ import annotations

import http.client
import io
import math
import socket
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, cast

from ..errors import SourceBusy, SourceError, SourceGone
from .addresses import Target
from .values import Fetched, Validators

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

Connector = Callable[[tuple[str, int], float], socket.socket]  # (address, port), timeout -> a connected socket
CHUNK = 16 * 1024  # bytes read at a time: the size limit is checked as they arrive
REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/octet-stream", "application/pdf",
                 "application/zip", "application/gzip", "application/x-gzip")
_ACCEPT = ("application/atom+xml, application/rss+xml, application/feed+json, "
           "application/xml;q=0.9, text/html;q=0.9, text/plain;q=0.9, */*;q=0.5")


@dataclass(frozen=True, slots=True)
class Redirect:
    location: str
    permanent: bool


@dataclass(slots=True)
class Plan:
    validators: Validators | None
    user_agent: str
    timeout: float  # one attempt
    retries: int
    backoff: float
    max_bytes: int
    connect: Connector
    ends: float = math.inf  # by then the whole fetch, retries and redirects included, has ended: see _get

    def headers(self, target: Target) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip", "Accept": _ACCEPT,
                   "Connection": "close"}
        if target.authorization:
            headers["Authorization"] = target.authorization
        if self.validators and self.validators.etag:
            headers["If-None-Match"] = self.validators.etag
        if self.validators and self.validators.last_modified:
            headers["If-Modified-Since"] = self.validators.last_modified
        return headers


class _Retryable(Exception):
    pass


def get_with_retries(target: Target, plan: Plan) -> Fetched | Redirect:
    attempt = 0
    while True:
        try:
            return _get(target, plan)
        except _Retryable as error:
            delay = plan.backoff * (2**attempt)
            if attempt >= plan.retries or time.monotonic() + delay >= plan.ends:
                raise SourceError(f"{target.shown}: {error} (after {attempt + 1} attempts)") from None
            time.sleep(delay)
            attempt += 1


def _get(target: Target, plan: Plan) -> Fetched | Redirect:
    """One request: a Fetched, or where a redirect points."""
    started = time.monotonic()
    plan.ends = min(plan.ends, started + plan.timeout * (plan.retries + 1))  # counted from the first request
    deadline = min(started + plan.timeout, plan.ends)
    try:
        with _connected(target, plan, deadline) as sock:
            return _answer(_exchange(sock, target, plan, deadline), target, plan)
    except TimeoutError:
        within = f"{plan.timeout:g} s" if deadline == started + plan.timeout else \
            f"{plan.timeout * (plan.retries + 1):g} s in all (retries and redirects included)"
        raise SourceError(f"{target.shown}: no complete answer within {within}") from None
    except ssl.SSLCertVerificationError as error:
        raise SourceError(f"{target.shown}: certificate not accepted ({error.verify_message})") from None
    except http.client.RemoteDisconnected:
        raise _Retryable("connection closed before an answer") from None
    except http.client.HTTPException as error:
        raise SourceError(f"{target.shown}: not a valid HTTP answer ({error.__class__.__name__})") from None
    except OSError as error:
        raise _Retryable(f"connection broken ({error.strerror or error.__class__.__name__})") from None


def _left(deadline: float) -> float:
    """Seconds until the deadline; a TimeoutError once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _connected(target: Target, plan: Plan, deadline: float) -> socket.socket:
    """A socket connected to the first of the target's checked addresses that answers
    (inside TLS for https)."""
    failure: OSError | None = None
    for index, address in enumerate(target.addresses):
        share = _left(deadline) / (len(target.addresses) - index)  # a silent address leaves time for the next
        try:
            sock = plan.connect((address, target.port), share)
            break
        except OSError as error:
            failure = error
    else:
        if isinstance(failure, TimeoutError):
            raise failure
        raise _Retryable(f"cannot connect ({getattr(failure, 'strerror', None) or failure})")
    if not target.tls:
        return sock
    sock.settimeout(_left(deadline))  # the handshake, as a whole, ends by the deadline
    try:
        return ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
    except BaseException:
        sock.close()
        raise


def _exchange(sock: socket.socket, target: Target, plan: Plan, deadline: float) -> http.client.HTTPResponse:
    """Send the request on `sock`, read the status line and headers of the answer
    (interim 100 Continue answers skipped), every read bounded by the deadline."""
    connection = http.client.HTTPConnection(target.host, target.port)
    connection.default_port = 443 if target.tls else 80  # the Host header names a port only when unusual
    connection.sock = sock  # connected already, to a checked address: http.client only writes the request
    sock.settimeout(_left(deadline))
    connection.request("GET", target.request_target, headers=plan.headers(target))
    # http.client asks its socket only for makefile(); the reader stands in for it
    response = http.client.HTTPResponse(cast(socket.socket, _DeadlineReader(sock, deadline)), method="GET")
    response.begin()
    return response


class _DeadlineReader(io.RawIOBase):
    """The socket as http.client reads an answer from it: each read may wait only until
    the attempt's deadline, so no pace of dripping bytes can stretch an answer."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        self._sock.settimeout(_left(self._deadline))
        return self._sock.recv_into(buffer)

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(self)


def _answer(response: http.client.HTTPResponse, target: Target, plan: Plan) -> Fetched | Redirect:
    status = response.status
    if status == 304:
        validators = plan.validators or Validators()
        return Fetched(target.shown, None, 304, etag=validators.etag, last_modified=validators.last_modified)
    if status in REDIRECTS:
        location = response.getheader("Location")
        if not location:
            raise SourceError(f"{target.shown}: HTTP {status} redirect without a Location")
        return Redirect(location, status in PERMANENT)
    if status == 410:
        raise SourceGone(f"{target.shown}: HTTP 410 Gone: the server says this source was removed for good")
    if status in (429, 503):
        wait = retry_after(response.getheader("Retry-After"), response.getheader("Date"))
        if wait is not None:
            raise SourceBusy(f"{target.shown}: HTTP {status} {response.reason}; asked to wait {wait:.0f} s", wait)
    if status >= 500:
        raise _Retryable(f"HTTP {status} {response.reason}")
    if not 200 <= status < 300:
        raise SourceError(f"{target.shown}: HTTP {status} {response.reason}")
    message = response.msg
    content_type = (message.get_content_type() or "").lower() if message.get("Content-Type") else None
    if content_type and content_type.startswith(_BINARY_TYPES):
        raise SourceError(f"{target.shown}: wrong content type {content_type}, expected a feed, a web page or text")
    if response.length is not None and response.length > plan.max_bytes:
        raise SourceError(f"{target.shown}: {response.length} bytes is more than the limit of {plan.max_bytes} bytes")
    data = _body(response, target, plan.max_bytes)
    return Fetched(target.shown, data, status, content_type, message.get_content_charset(),
                   message.get("ETag"), message.get("Last-Modified"))


def retry_after(value: str | None, server_date: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delay-seconds, or an HTTP-date taken
    relative to the answer's own Date (so a wrong clock on either side does not matter)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    until, now = _http_date(value), _http_date(server_date) or datetime.now(timezone.utc)
    return None if until is None else max(0.0, (until - now).total_seconds())


def _http_date(value: str | None) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _decoder(response: http.client.HTTPResponse, target: Target):
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding in ("identity", ""):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(wbits=31)
    raise SourceError(f"{target.shown}: the answer is encoded as {encoding!r}, which was not asked for "
                      "(expected gzip or none)")


def _body(response: http.client.HTTPResponse, target: Target, max_bytes: int) -> bytes:
    """The whole body, decoded, or an error: above the size limit (counted as bytes are
    decoded), shorter than its Content-Length or its chunked framing said, or a gzip
    stream that is broken or cut off."""
    declared = response.length  # the Content-Length, unless the body is chunked
    decoder = _decoder(response, target)
    chunks: list[bytes] = []
    received = total = 0
    too_big = f"{target.shown}: more than the limit of {max_bytes} bytes; download stopped"
    try:
        while True:
            try:
                chunk = response.read1(CHUNK)  # what has arrived: a silent server cannot hold back the limit
            except http.client.IncompleteRead:
                raise _Retryable("answer cut off before the end of its chunked body") from None
            if not chunk:
                break
            received += len(chunk)
            while chunk:  # decoded a bounded piece at a time: a bomb stops at the limit
                piece = decoder.decompress(chunk, max_bytes + 1 - total) if decoder else chunk
                chunk = decoder.unconsumed_tail if decoder else b""
                total += len(piece)
                if total > max_bytes:
                    raise SourceError(too_big)
                chunks.append(piece)
                if decoder and not piece:
                    break
        if decoder and not decoder.eof:
            raise _Retryable("compressed answer cut off before its end")
    except zlib.error as error:
        raise SourceError(f"{target.shown}: the compressed answer is broken ({error})") from None
    if declared is not None and received < declared:
        raise _Retryable(f"answer cut off after {received} of {declared} bytes")
    return b"".join(chunks)
