"""The edge that reads sources: local files and HTTP(S) with conditional GET.

HTTP, one connection per request (http.client): one deadline per attempt covering
connect, headers and body, checked before every read of the socket (a per-read
timeout alone lets a server drip a byte at a time forever); a few retries with backoff
for 5xx answers and broken connections only, the whole fetch bounded by
(retries + 1) x timeout; redirects followed by hand up to a bound (http/https only,
loops stopped, and from a public address never to a private one); a size limit
checked as bytes arrive; an answer shorter than it said is an error; an honest
User-Agent; If-None-Match / If-Modified-Since from the validators kept in the archive:
a 304 is reported as not modified and costs no parsing. A `user:password@` in a URL is
sent (Basic) to that URL's host only, and never shown: every message and every
`Fetched.location` carries the URL redacted.

Files: regular files only (a device or a named pipe may never end, or block forever),
read up to the size limit.
"""

from __future__ import annotations

import base64
import http.client
import io
import ipaddress
import math
import os
import socket
import ssl
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, unquote, urljoin, urlsplit

from .errors import SourceError, UsageError
from .urls import is_web_url, redacted

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

MAX_BYTES = 64 * 1024 * 1024  # a 50 MB listing is read; a 100 MB feed is refused
TIMEOUT = 20.0
RETRIES = 2
BACKOFF = 1.0
MAX_REDIRECTS = 5
CHUNK = 16 * 1024  # bytes read at a time: the size limit is checked as they arrive
_REDIRECTS = (301, 302, 303, 307, 308)
_BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/octet-stream", "application/pdf",
                 "application/zip", "application/gzip", "application/x-gzip")
_ACCEPT = ("application/atom+xml, application/rss+xml, application/feed+json, "
           "application/xml;q=0.9, text/html;q=0.9, text/plain;q=0.9, */*;q=0.5")
_SAFE_IN_TARGET = "!#$%&'()*+,/:;=?@[]~"  # kept as they are when a request target is percent-encoded

Resolver = Callable[..., Sequence[tuple[Any, ...]]]  # the shape of socket.getaddrinfo
Connector = Callable[[tuple[str, int], float], socket.socket]  # (address, port), timeout -> a connected socket


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    location: str  # the final URL (after redirects, without credentials) or the file path
    data: bytes | None  # None when not modified
    status: int = 200
    content_type: str | None = None  # media type, lowercase, without parameters
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


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
    resolve: Resolver = socket.getaddrinfo,
    connect: Connector = socket.create_connection,
) -> Fetched:
    """Read a file or URL. Raises SourceError with a one-line reason on failure.

    `resolve` finds a host's addresses; they are checked and then they alone are
    connected to through `connect` (no second lookup a DNS answer could change)."""
    text = str(location)
    if not is_web_url(text):
        return read_file(Path(text), max_bytes)
    plan = _Plan(validators, user_agent, timeout, retries, backoff, max_bytes, connect)
    url = text
    seen = [url]
    source = _target(url, resolve)
    target = source
    for _ in range(max_redirects + 1):
        if target.private_address and not source.private_address:
            raise SourceError(f"{source.shown}: redirected to {target.shown}, a private address "
                              f"({target.private_address}); refused, as the source is on a public one")
        answer = _get_with_retries(target, plan)
        if isinstance(answer, Fetched):
            return answer
        try:
            following = urljoin(url, answer)
        except ValueError:  # a broken IPv6 literal: refused as it is, just below
            following = answer
        if not is_web_url(following):
            raise SourceError(f"{target.shown}: redirected to {redacted(following)!r}, which is not an http(s) URL")
        if following in seen:
            chain = " -> ".join(redacted(hop) for hop in [*seen, following])
            raise SourceError(f"{source.shown}: redirect loop ({chain})")
        seen.append(following)
        url = following
        target = _target(url, resolve)
    raise SourceError(f"{source.shown}: more than {max_redirects} redirects; last was {target.shown}")


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> Fetched:
    """A local file's bytes, refused above the size limit like a download. Only a
    regular file is read: a device or a named pipe may never end, or block forever."""
    try:
        size = _regular_size(path, path.stat())
        if size > max_bytes:
            raise SourceError(f"{path}: {size} bytes is more than the limit of {max_bytes} bytes; not read")
        # non-blocking open: a file swapped for a pipe since the check cannot block here
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as file:
            _regular_size(path, os.fstat(file.fileno()))
            data = file.read(max_bytes + 1)  # a file growing meanwhile is still read within the limit
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read ({error.strerror})") from None
    if len(data) > max_bytes:
        raise SourceError(f"{path}: more than the limit of {max_bytes} bytes; not read")
    return Fetched(str(path), data)


_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _regular_size(path: Path, status: os.stat_result) -> int:
    if stat.S_ISDIR(status.st_mode):
        raise UsageError(f"{path}: is a directory, expected a listing, page, feed or items file")
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _NOT_REGULAR if test(status.st_mode)), "a special file")
        raise UsageError(f"{path}: not a regular file ({kind}); expected a listing, page, feed or items file")
    return status.st_size


# --- where a request goes: the URL's parts and its checked addresses ---

@dataclass(frozen=True, slots=True)
class _Target:
    shown: str  # the URL as every message shows it: without credentials
    host: str
    port: int
    tls: bool
    request_target: str  # path and query, percent-encoded
    authorization: str | None
    addresses: tuple[str, ...]  # what `resolve` answered: the only addresses connected to
    private_address: str | None  # the first that is not public (loopback, private, link-local, ...)


def _target(url: str, resolve: Resolver) -> _Target:
    parts = urlsplit(url)
    shown = redacted(url)
    tls = parts.scheme.lower() == "https"
    try:
        port = parts.port or (443 if tls else 80)
    except ValueError:
        raise SourceError(f"{shown}: not a valid port number") from None
    host = parts.hostname or ""
    addresses = _addresses(host, port, resolve, shown)
    path = parts.path or "/"
    request_target = quote(f"{path}?{parts.query}" if parts.query else path, safe=_SAFE_IN_TARGET)
    private = next((address for address in addresses if not _is_public(address)), None)
    return _Target(shown, host, port, tls, request_target, _basic_authorization(parts.username, parts.password),
                   addresses, private)


def _addresses(host: str, port: int, resolve: Resolver, shown: str) -> tuple[str, ...]:
    try:
        return (str(ipaddress.ip_address(host)),)  # an address already: nothing to look up
    except ValueError:
        pass
    try:
        found = resolve(host, port, 0, socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise SourceError(f"{shown}: unknown host ({error.strerror or error})") from None
    except UnicodeError:
        raise SourceError(f"{shown}: not a valid host name") from None
    addresses = tuple(dict.fromkeys(str(entry[4][0]) for entry in found if entry[0] in (socket.AF_INET, socket.AF_INET6)))
    if not addresses:
        raise SourceError(f"{shown}: unknown host (no IP address)")
    return addresses


def _is_public(address: str) -> bool:
    """Reachable on the internet: not loopback, private, link-local, shared (CGNAT),
    reserved or unspecified. An IPv4 address written as IPv6 counts as itself."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global


def _basic_authorization(user: str | None, password: str | None) -> str | None:
    if user is None:
        return None
    pair = f"{unquote(user)}:{unquote(password or '')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


# --- one attempt, its retries, and the deadline ---

@dataclass(slots=True)
class _Plan:
    validators: Validators | None
    user_agent: str
    timeout: float  # one attempt
    retries: int
    backoff: float
    max_bytes: int
    connect: Connector
    ends: float = math.inf  # by then the whole fetch, retries and redirects included, has ended: see _get

    def headers(self, target: _Target) -> dict[str, str]:
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity", "Accept": _ACCEPT,
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


def _get_with_retries(target: _Target, plan: _Plan) -> Fetched | str:
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


def _get(target: _Target, plan: _Plan) -> Fetched | str:
    """One request: a Fetched, or the Location of a redirect."""
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


def _connected(target: _Target, plan: _Plan, deadline: float) -> socket.socket:
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


def _exchange(sock: socket.socket, target: _Target, plan: _Plan, deadline: float) -> http.client.HTTPResponse:
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


def _answer(response: http.client.HTTPResponse, target: _Target, plan: _Plan) -> Fetched | str:
    status = response.status
    if status == 304:
        validators = plan.validators or Validators()
        return Fetched(target.shown, None, 304, etag=validators.etag, last_modified=validators.last_modified)
    if status in _REDIRECTS:
        location = response.getheader("Location")
        if not location:
            raise SourceError(f"{target.shown}: HTTP {status} redirect without a Location")
        return location
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


def _body(response: http.client.HTTPResponse, target: _Target, max_bytes: int) -> bytes:
    """The whole body, or an error: above the size limit (counted as bytes arrive), or
    shorter than its Content-Length or its chunked framing said."""
    declared = response.length  # the Content-Length, unless the body is chunked
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            chunk = response.read(min(CHUNK, max_bytes + 1 - total))
        except http.client.IncompleteRead:
            raise _Retryable("answer cut off before the end of its chunked body") from None
        if not chunk:
            break
        total += len(chunk)
        if total > max_bytes:
            raise SourceError(f"{target.shown}: more than the limit of {max_bytes} bytes; download stopped")
        chunks.append(chunk)
    if declared is not None and total < declared:
        raise _Retryable(f"answer cut off after {total} of {declared} bytes")
    return b"".join(chunks)
