"""SMTP delivery of an issue's .eml package.

Host, port and TLS mode come from the config's [smtp] table; the login comes only from
the environment (FEEDLETTER_SMTP_USER, FEEDLETTER_SMTP_PASSWORD), never from a file.
The message bytes are sent as built (headers untouched); list recipients go in the
SMTP envelope only, so no subscriber sees another's address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from email.utils import parseaddr

from ..errors import AddressError, ConfigError, SendError
from ..issue.mail import parse_address
from .config.smtp import SmtpSettings

USER_ENV = "FEEDLETTER_SMTP_USER"
PASSWORD_ENV = "FEEDLETTER_SMTP_PASSWORD"
BATCH = 50  # envelope recipients per SMTP transaction
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def load_recipients(smtp: SmtpSettings) -> list[str]:
    """The configured addresses plus those of the list file (one per line, # comments),
    without duplicates, in order."""
    addresses = list(smtp.recipients)
    if smtp.recipients_file is not None:
        try:
            text = smtp.recipients_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{smtp.recipients_file}: no such recipients file") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"{smtp.recipients_file}: cannot read ({error})") from None
        for number, line in enumerate(text.splitlines(), start=1):
            entry = line.split("#", 1)[0].strip()
            if not entry:
                continue
            try:
                parse_address(entry)
            except AddressError as error:
                raise ConfigError(
                    f"{smtp.recipients_file}:{number}: {entry!r} {error.reason}, "
                    "expected one e-mail address per line such as 'Ann <ann@example.org>'"
                ) from None
            addresses.append(entry)
    seen: set[str] = set()
    unique = []
    for address in addresses:
        key = parseaddr(address)[1].lower()
        if key not in seen:
            seen.add(key)
            unique.append(address)
    return unique


def send_package(
    eml_bytes: bytes,
    recipients: Sequence[str],
    smtp_settings: SmtpSettings,
    env: Mapping[str, str],
) -> dict[str, str]:
    """Deliver the message to every recipient. Returns the refused addresses with the
    server's reason (empty when all were accepted); raises SendError when nothing could
    be sent."""
    import smtplib
    import ssl
    from email.parser import BytesHeaderParser

    headers = BytesHeaderParser().parsebytes(eml_bytes)
    sender = smtp_settings.sender or parseaddr(headers.get("From", ""))[1]
    if not sender:
        raise SendError("the message has no From address and [smtp] sets no 'from'")
    user, password = env.get(USER_ENV) or None, env.get(PASSWORD_ENV) or None
    if bool(user) != bool(password):
        raise ConfigError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
    host, port, security = smtp_settings.host, smtp_settings.port, smtp_settings.security
    if user and security == "none" and host not in _LOCAL_HOSTS:
        raise ConfigError(
            f"[smtp] security = \"none\": refusing to send the SMTP password unencrypted to {host}; "
            "use starttls or tls"
        )
    envelope = [parseaddr(address)[1] or address for address in recipients]
    refused: dict[str, str] = {}
    where = f"SMTP {host}:{port}"
    try:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if security == "tls":
            client = smtplib.SMTP_SSL(host, port, timeout=smtp_settings.timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=smtp_settings.timeout)
        with client:
            client.ehlo()
            if security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if user and password:
                client.login(user, password)
            for start in range(0, len(envelope), BATCH):
                batch = envelope[start : start + BATCH]
                try:
                    rejected = client.sendmail(sender, batch, eml_bytes)
                except smtplib.SMTPRecipientsRefused as error:
                    rejected = error.recipients
                for address, (code, reason) in rejected.items():
                    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
                    refused[address] = f"{code} {text}"
    except smtplib.SMTPAuthenticationError as error:
        raise SendError(f"{where}: login refused ({error.smtp_code}); check {USER_ENV} and {PASSWORD_ENV}") from None
    except smtplib.SMTPNotSupportedError as error:
        raise SendError(f"{where}: {error}") from None
    except smtplib.SMTPResponseException as error:
        answer = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        raise SendError(f"{where}: the server answered {error.smtp_code} {answer}") from None
    except ssl.SSLError as error:
        raise SendError(f"{where}: TLS failed ({error.reason or error})") from None
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(f"{where}: {error.__class__.__name__}: {error}") from None
    if refused and len(refused) == len(envelope):
        first = next(iter(refused.items()))
        raise SendError(f"{where}: every recipient was refused (e.g. {first[0]}: {first[1]})")
    return refused
