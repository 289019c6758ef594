"""The subscribers, kept in the archive file beside the journal, and the secret their
unsubscribe tokens are made with.

An address is kept normalised (`normalise`): the key of its row, of its deliveries and
of its token. Leaving is kept too: an unsubscribed address stays as a row, so that no
import, no recipients file and no `subscribers add` brings it back without
`--resubscribe`; only `forget` deletes it, with its deliveries.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from feeds.archive import Archive
from feeds.dates import rfc3339

from ..errors import AddressError
from ..issue.mail import parse_address
from .journal import Journal

SUBSCRIBED, UNSUBSCRIBED = "subscribed", "unsubscribed"
_SECRET_NAME = "unsubscribe-token"


def normalise(address: str) -> str:
    """The bare address of `Name <user@example.org>`, lower-cased and in Unicode NFC: how
    one person is recognised however the address is written. Raises AddressError."""
    return unicodedata.normalize("NFC", parse_address(address).addr_spec).lower()


@dataclass(frozen=True, slots=True)
class Subscriber:
    address: str  # normalised
    written: str  # as given, with its name: the To header
    token: str
    status: str  # subscribed | unsubscribed
    origin: str  # where it came from: "subscribers.txt:3", "feedletter subscribers add", ...
    from_config: bool  # listed by [smtp] recipients or recipients_file, so it leaves with them
    added: str
    changed: str

    COLUMNS = "address, written, token, status, origin, from_config, added, changed"


@dataclass(frozen=True, slots=True)
class Listed:
    """An address as a file or the config lists it; `origin` says where (file:line)."""

    written: str
    origin: str


@dataclass(frozen=True, slots=True)
class AddReport:
    added: tuple[str, ...] = ()
    resubscribed: tuple[str, ...] = ()
    already: tuple[str, ...] = ()
    left: tuple[Listed, ...] = ()  # unsubscribed before: not added back without resubscribe
    dropped: tuple[str, ...] = ()  # config addresses no longer in the config


class Subscribers:
    """The subscribers of an open archive; shares the journal's connection."""

    def __init__(self, archive: Archive):
        Journal(archive)  # brings the schema up to date
        self._database = archive.database
        self._db = archive.database.connection
        self._secret: bytes | None = None

    # --- tokens ---

    def secret(self) -> bytes:
        """The secret of every token and Message-ID, created once (the first caller wins)."""
        if self._secret is None:
            row = self._db.execute("SELECT value FROM secrets WHERE name = ?", (_SECRET_NAME,)).fetchone()
            if row is None:
                with self._database.transaction() as db:
                    db.execute("INSERT OR IGNORE INTO secrets VALUES (?, ?)", (_SECRET_NAME, secrets.token_hex(32)))
                row = self._db.execute("SELECT value FROM secrets WHERE name = ?", (_SECRET_NAME,)).fetchone()
            self._secret = bytes.fromhex(row[0])
        return self._secret

    def token(self, address: str) -> str:
        """The url-safe token of a normalised address: an HMAC-SHA256 with the archive's secret."""
        return keyed_digest(self.secret(), address)

    def check_token(self, address: str, token: str) -> bool:
        return hmac.compare_digest(self.token(normalise(address)), token)

    # --- reading ---

    def all(self, *, include_unsubscribed: bool = True) -> list[Subscriber]:
        where = "" if include_unsubscribed else f" WHERE status = '{SUBSCRIBED}'"
        rows = self._db.execute(f"SELECT {Subscriber.COLUMNS} FROM subscribers{where} ORDER BY added, rowid")
        return [_subscriber(row) for row in rows]

    def subscribed(self) -> list[Subscriber]:
        return self.all(include_unsubscribed=False)

    def get(self, address: str) -> Subscriber | None:
        row = self._db.execute(f"SELECT {Subscriber.COLUMNS} FROM subscribers WHERE address = ?",
                               (address,)).fetchone()
        return _subscriber(row) if row else None

    def by_token(self, token: str) -> Subscriber | None:
        row = self._db.execute(f"SELECT {Subscriber.COLUMNS} FROM subscribers WHERE token = ?", (token,)).fetchone()
        return _subscriber(row) if row else None

    def is_subscribed(self, address: str) -> bool:
        row = self._db.execute("SELECT status FROM subscribers WHERE address = ?", (address,)).fetchone()
        return row is not None and row[0] == SUBSCRIBED

    # --- changing ---

    def add(self, listed: Sequence[Listed], *, now: datetime, resubscribe: bool = False,
            from_config: bool = False) -> AddReport:
        """Add every address (checked first: one that is not an address raises AddressError
        and nothing is added), in one transaction. An unsubscribed one stays out unless
        `resubscribe`. `from_config`: these are the config's recipients, all of them; those
        the config listed before and lists no more are dropped (not unsubscribed: listed
        again, they come back)."""
        keyed = _unique((normalise(entry.written), entry) for entry in listed)
        stamp = rfc3339(now)
        self.secret()  # made outside the transaction below
        added, again, already, left = [], [], [], []
        with self._database.transaction() as db:
            for address, entry in keyed.items():
                row = db.execute("SELECT status, from_config FROM subscribers WHERE address = ?", (address,)).fetchone()
                if row is None:
                    db.execute(f"INSERT INTO subscribers ({Subscriber.COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               (address, entry.written.strip(), self.token(address), SUBSCRIBED, entry.origin,
                                int(from_config), stamp, stamp))
                    added.append(address)
                elif row[0] == UNSUBSCRIBED and not resubscribe:
                    left.append(entry)
                elif row[0] == UNSUBSCRIBED:
                    db.execute("UPDATE subscribers SET status = ?, written = ?, origin = ?, from_config = ?, changed = ?"
                               " WHERE address = ?", (SUBSCRIBED, entry.written.strip(), entry.origin,
                                                      int(from_config), stamp, address))
                    again.append(address)
                else:
                    if row[1] and not from_config:  # added by hand as well: it stays when the config drops it
                        db.execute("UPDATE subscribers SET from_config = 0, origin = ? WHERE address = ?",
                                   (entry.origin, address))
                    already.append(address)
            dropped = []
            if from_config:
                listed_now = set(keyed)
                for (address,) in db.execute("SELECT address FROM subscribers WHERE from_config = 1 AND status = ?",
                                             (SUBSCRIBED,)).fetchall():
                    if address not in listed_now:
                        db.execute("DELETE FROM subscribers WHERE address = ?", (address,))
                        dropped.append(address)
        return AddReport(tuple(added), tuple(again), tuple(already), tuple(left), tuple(dropped))

    def unsubscribe(self, address: str, *, now: datetime, origin: str) -> bool:
        """Record that `address` (normalised) left; idempotent. An address never subscribed
        is recorded as well, so that no later import adds it. True when it was subscribed."""
        stamp = rfc3339(now)
        self.secret()  # made outside the transaction below
        with self._database.transaction() as db:
            row = db.execute("SELECT status FROM subscribers WHERE address = ?", (address,)).fetchone()
            if row is None:
                db.execute(f"INSERT INTO subscribers ({Subscriber.COLUMNS}) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                           (address, address, self.token(address), UNSUBSCRIBED, origin, stamp, stamp))
                return False
            if row[0] == SUBSCRIBED:
                db.execute("UPDATE subscribers SET status = ?, changed = ?, from_config = 0 WHERE address = ?",
                           (UNSUBSCRIBED, stamp, address))
                return True
            return False

    def forget(self, address: str) -> bool:
        """Delete the address and every delivery row of it (the right to be forgotten)."""
        with self._database.transaction() as db:
            deliveries = db.execute("DELETE FROM deliveries WHERE address = ?", (address,)).rowcount
            rows = db.execute("DELETE FROM subscribers WHERE address = ?", (address,)).rowcount
        return bool(rows or deliveries)


def keyed_digest(secret: bytes, text: str) -> str:
    """HMAC-SHA256 of `text`, cut to 128 bits, in url-safe base64 without padding (22 characters)."""
    digest = hmac.new(secret, text.encode("utf-8"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def checked(listed: Iterable[Listed]) -> tuple[list[Listed], list[str]]:
    """The entries that are addresses, and a `origin: 'x' is not an e-mail address …` line for each other."""
    good, bad = [], []
    for entry in listed:
        try:
            normalise(entry.written)
        except AddressError as error:
            bad.append(f"{entry.origin}: {error.value!r} {error.reason}, expected one e-mail address "
                       "such as 'Ann <ann@example.org>'")
            continue
        good.append(entry)
    return good, bad


def _unique(pairs: Iterable[tuple[str, Listed]]) -> dict[str, Listed]:
    found: dict[str, Listed] = {}
    for address, entry in pairs:
        found.setdefault(address, entry)
    return found


def _subscriber(row) -> Subscriber:
    address, written, token, status, origin, from_config, added, changed = row
    return Subscriber(address, written, token, status, origin, bool(from_config), added, changed)
