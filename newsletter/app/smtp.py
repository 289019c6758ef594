"""The SMTP edge: one connection for a whole send, one transaction per message.

Host, port and TLS mode come from the config's [smtp] table; the login comes only from
the environment (FEEDLETTER_SMTP_USER, FEEDLETTER_SMTP_PASSWORD), never from a file.
`SmtpConnection.send` gives the server's answer for one message (`Answer`), or raises
`ConnectionLost` when the connection broke before the answer came: whether that message
arrived is then unknown. `Pacer` spaces messages evenly at `[smtp] rate`.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ConfigError, SendError
from .config.smtp import SmtpSettings

USER_ENV = "FEEDLETTER_SMTP_USER"
PASSWORD_ENV = "FEEDLETTER_SMTP_PASSWORD"
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
CLOSING = 421  # "service not available, closing transmission channel"


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server said to one message: its last reply code and text."""

    code: int
    text: str

    @property
    def accepted(self) -> bool:
        return 200 <= self.code < 300

    @property
    def temporary(self) -> bool:
        return 400 <= self.code < 500

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip()


class ConnectionLost(Exception):
    """The connection broke before the server answered for a message."""


class SmtpConnection:
    """`with SmtpConnection(settings, env) as smtp:` connects, says EHLO, starts TLS and logs
    in (SendError when it cannot); `smtp.send(...)` per message; `reconnect()` after a loss."""

    def __init__(self, settings: SmtpSettings, env: Mapping[str, str]):
        self.settings = settings
        self.where = f"SMTP {settings.host}:{settings.port}"
        self._user, self._password = credentials(settings, env)
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close(polite=exc[0] is None)

    @property
    def smtputf8(self) -> bool:
        """The server takes addresses and headers in UTF-8 (RFC 6531)."""
        return self._client is not None and self._client.has_extn("smtputf8")

    def connect(self) -> None:
        settings = self.settings
        try:
            context = ssl.create_default_context()
            client: smtplib.SMTP
            if settings.security == "tls":
                client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            self._client = client
            client.ehlo()
            if settings.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if self._user and self._password:
                client.login(self._user, self._password)
        except smtplib.SMTPAuthenticationError as error:
            self.close(polite=False)
            raise SendError(f"{self.where}: login refused ({error.smtp_code}); check {USER_ENV} and "
                            f"{PASSWORD_ENV}") from None
        except smtplib.SMTPNotSupportedError as error:
            self.close(polite=False)
            raise SendError(f"{self.where}: {error}") from None
        except smtplib.SMTPResponseException as error:
            self.close(polite=False)
            raise SendError(f"{self.where}: the server answered {error.smtp_code} {_text(error.smtp_error)}") from None
        except ssl.SSLError as error:
            self.close(polite=False)
            raise SendError(f"{self.where}: TLS failed ({error.reason or error})") from None
        except (smtplib.SMTPException, OSError) as error:
            self.close(polite=False)
            raise SendError(f"{self.where}: {error.__class__.__name__}: {error}") from None

    def reconnect(self) -> None:
        self.close(polite=False)
        self.connect()

    def close(self, *, polite: bool = True) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if polite:
                client.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            client.close()

    @property
    def connected(self) -> bool:
        return self._client is not None

    def send(self, sender: str, recipient: str, data: bytes, *, utf8: bool = False) -> Answer:
        """One message to one recipient (bare addresses). A refusal is an Answer with the
        server's code; a 421 closes the connection, so the next message reconnects."""
        client = self._client
        if client is None:
            raise ConnectionLost("not connected")
        try:
            answer = self._transaction(client, sender, recipient, data, utf8)
        except UnicodeEncodeError:  # smtplib writes commands in ASCII unless SMTPUTF8 is on: this one never went
            try:
                client.rset()
            except OSError:
                self.close(polite=False)
            return Answer(553, "the address needs SMTPUTF8, which this send does not use")
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self.close(polite=False)
            raise ConnectionLost(f"{error.__class__.__name__}: {error}".rstrip(": ")) from None
        if answer.code == CLOSING:
            self.close(polite=False)
        return answer

    def _transaction(self, client: smtplib.SMTP, sender: str, recipient: str, data: bytes, utf8: bool) -> Answer:
        reply: bytes | str
        code, reply = client.mail(sender, ["SMTPUTF8"] if utf8 else [])
        if code == 250:
            code, reply = client.rcpt(recipient)
            if code in (250, 251):
                try:
                    code, reply = client.data(data)
                except smtplib.SMTPDataError as error:  # DATA itself refused
                    code, reply = error.smtp_code, error.smtp_error
                if 200 <= code < 300:
                    return Answer(code, _text(reply))
        answer = Answer(code, _text(reply))
        if code != CLOSING:
            client.rset()  # end the failed transaction; the connection goes on
        return answer


class Pacer:
    """Messages evenly spaced at `rate` per second (None: no waiting)."""

    def __init__(self, rate: float | None, clock=time.monotonic, sleep=time.sleep):
        self._interval = 1 / rate if rate else 0.0
        self._clock, self._sleep = clock, sleep
        self._next = 0.0

    def wait(self) -> None:
        if not self._interval:
            return
        now = self._clock()
        if self._next > now:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self._interval


def credentials(settings: SmtpSettings, env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The login from the environment: both or neither, and never in clear text to another host."""
    user, password = env.get(USER_ENV) or None, env.get(PASSWORD_ENV) or None
    if bool(user) != bool(password):
        raise ConfigError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
    if user and settings.security == "none" and settings.host not in _LOCAL_HOSTS:
        raise ConfigError(
            f"[smtp] security = \"none\": refusing to send the SMTP password unencrypted to {settings.host}; "
            "use starttls or tls"
        )
    return user, password


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
