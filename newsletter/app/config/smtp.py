"""The [smtp] table of feedletter.toml -> SmtpSettings. The login never comes from the file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .reader import Keys, Table

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
_RATE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*/\s*(s|sec|second|m|min|minute|h|hour)\s*")
_PER = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_SECRET = ("does not belong in the config file, expected FEEDLETTER_SMTP_USER and FEEDLETTER_SMTP_PASSWORD "
           "in the environment")

SMTP = Keys(
    "smtp",
    ("host", "port", "security", "from", "recipients", "recipients_file", "timeout", "rate"),
    misplaced=tuple((secret, _SECRET) for secret in ("password", "user", "username")),
)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"  # starttls | tls | none
    sender: str | None = None  # envelope sender; default: the message's From
    recipients: tuple[str, ...] = ()
    recipients_file: Path | None = None
    timeout: float = 30.0
    rate: float | None = None  # messages per second, evenly spaced; None: as fast as the server takes them


def read_smtp(smtp: Table, base: Path) -> SmtpSettings:
    host = smtp.filled("host", required='the name of the mail server, such as "smtp.example.org"')
    assert host is not None  # `required` raised otherwise
    security = smtp.choice("security", SECURITY, "starttls")
    recipients_file = smtp.filled("recipients_file")
    return SmtpSettings(
        host=host,
        port=smtp.integer("port", DEFAULT_PORTS[security], low=1, high=65535),
        security=security,
        sender=smtp.address("from", blank=False),
        recipients=smtp.addresses("recipients"),
        recipients_file=smtp.resolve("recipients_file", recipients_file, base) if recipients_file else None,
        timeout=smtp.number("timeout", 30.0, positive=True, unit="seconds"),
        rate=_rate(smtp),
    )


def _rate(smtp: Table) -> float | None:
    """`rate = "10/s"` (or "/min", "/h"): messages per second."""
    expected = 'a rate such as "10/s", "300/min" or "2000/h"'
    value = smtp.text("rate", None)
    if value is None:
        return None
    found = _RATE.fullmatch(value)
    if not found or float(found.group(1)) <= 0:
        raise smtp.must("rate", expected, value)
    return float(found.group(1)) / _PER[found.group(2)]

