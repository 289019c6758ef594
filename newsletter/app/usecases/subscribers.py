"""`feedletter subscribers add|remove|list|import`: the subscribers kept in the archive.

These take no run lock: a send in progress reads each subscriber's state again before
its message, so an address removed meanwhile is skipped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from feeds.archive import Archive

from ...errors import InputError
from ..config import Settings
from ..subscribers import AddReport, Listed, Subscriber, Subscribers, checked, normalise

BY_HAND = "feedletter subscribers add"


def add_subscribers(settings: Settings, addresses: Sequence[str], *, now: datetime,
                    resubscribe: bool = False) -> AddReport:
    """Add addresses given on the command line; one that is not an address refuses them all."""
    listed, bad = checked(Listed(address, BY_HAND) for address in addresses)
    if bad:
        raise InputError([line.removeprefix(f"{BY_HAND}: ") for line in bad])
    with Archive.open(settings.archive, wait=settings.lock_wait) as archive:
        return Subscribers(archive).add(listed, now=now, resubscribe=resubscribe)


def import_subscribers(settings: Settings, path: Path, *, now: datetime, resubscribe: bool = False) -> AddReport:
    """Add every address of a file (one a line, or CSV): all of them or, with a bad line, none."""
    from ..address_files import read_address_file

    listed = read_address_file(path)
    with Archive.open(settings.archive, wait=settings.lock_wait) as archive:
        return Subscribers(archive).add(listed, now=now, resubscribe=resubscribe)


@dataclass(frozen=True, slots=True)
class Removal:
    address: str
    was_subscribed: bool  # remove: it was subscribed; forget: there was something to delete
    in_config: bool  # still listed by [smtp] recipients / recipients_file


def remove_subscribers(settings: Settings, addresses: Sequence[str], *, now: datetime,
                       forget: bool = False) -> list[Removal]:
    """Unsubscribe each address (kept as unsubscribed, so no import adds it back), or with
    `forget` delete it and its delivery rows."""
    listed, bad = checked(Listed(address, "") for address in addresses)
    if bad:
        raise InputError([line.removeprefix(": ") for line in bad])
    configured = _configured(settings)
    removals = []
    with Archive.open(settings.archive, wait=settings.lock_wait) as archive:
        subscribers = Subscribers(archive)
        for entry in listed:
            address = normalise(entry.written)
            done = subscribers.forget(address) if forget else subscribers.unsubscribe(
                address, now=now, origin="feedletter subscribers remove")
            removals.append(Removal(address, done, address in configured))
    return removals


def list_subscribers(settings: Settings, *, include_unsubscribed: bool = False) -> list[Subscriber]:
    if not settings.archive.exists():
        return []
    with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
        return Subscribers(archive).all(include_unsubscribed=include_unsubscribed)


def _configured(settings: Settings) -> set[str]:
    from ..address_files import config_recipients

    if settings.smtp is None:
        return set()
    return {normalise(entry.written) for entry in config_recipients(settings.smtp, settings.config_path)}
