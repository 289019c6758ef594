"""Where a request goes: a URL's parts, its credentials, and the addresses its host
resolves to, checked once (public or private) and then the only ones connected to."""

from __future__ import annotations

import base64
import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ..errors import SourceError
from ..urls import redacted

Resolver = Callable[..., Sequence[tuple[Any, ...]]]  # the shape of socket.getaddrinfo
_SAFE_IN_TARGET = "!#$%&'()*+,/:;=?@[]~"  # kept as they are when a request target is percent-encoded


@dataclass(frozen=True, slots=True)
class Target:
    shown: str  # the URL as every message shows it: without credentials
    host: str
    port: int
    tls: bool
    request_target: str  # path and query, percent-encoded
    authorization: str | None
    addresses: tuple[str, ...]  # what `resolve` answered: the only addresses connected to
    private_address: str | None  # the first that is not public (loopback, private, link-local, ...)


def target_of(url: str, resolve: Resolver) -> Target:
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
    return Target(shown, host, port, tls, request_target, _basic_authorization(parts.username, parts.password),
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


