"""What a send may do, said before anything is sent: the three ways out of
`[newsletter] delivery`, and how an address goes into the envelope and the To header.

- direct: feedletter mails each subscriber; each message needs an unsubscribe link that
  is the subscriber's own ({token}), never an e-mail service's merge tag.
- list: one message to `list_address`, which a list server expands; a link there is
  everyone's, so it cannot hold {token} or {email}.
- esp: the package is for an e-mail service, merge tags and all; feedletter sends only
  test copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address

from feeds.merge_tags import merge_tag, placeholder

from ..errors import AddressError, ConfigError
from ..issue.mail import parse_address
from ..issue.settings import NewsletterSettings
from .config import Settings


def personal_links(newsletter: NewsletterSettings) -> tuple[str, ...]:
    """The links a direct send fills in for each subscriber."""
    links = (newsletter.unsubscribe_url, newsletter.unsubscribe_mailto, newsletter.preferences_url)
    return tuple(link for link in links if link and placeholder(link))


def check_send(settings: Settings, month: str) -> None:
    """Refuse, in one line that says what to set, a send to the list that cannot work."""
    news, where = settings.newsletter, f"{settings.config_path}: [newsletter]"
    links = {"unsubscribe_url": news.unsubscribe_url, "unsubscribe_mailto": news.unsubscribe_mailto,
             "preferences_url": news.preferences_url}
    if news.delivery == "esp":
        why = "" if news.delivery_set else f" (unsubscribe_url holds the merge tag {_first_tag(links)!r})"
        raise ConfigError(
            f'{where} delivery = "esp"{why}: {settings.outbox / (month + ".eml")} is for your e-mail service, which '
            "fills in its merge tags; feedletter sends only test copies (--send --to ADDRESS). To have feedletter "
            'send it, set delivery = "direct" and an unsubscribe_url with {token}')
    if news.delivery == "list":
        for key, link in links.items():
            if link and placeholder(link):
                raise ConfigError(
                    f'{where} {key} holds {placeholder(link)}, but delivery = "list" sends one message for everyone; '
                    "set it to the list server's own unsubscribe address (or leave it out: most list servers add one)")
        return
    for key, link in links.items():
        if link and merge_tag(link):
            raise ConfigError(
                f"{where} {key} holds the merge tag {merge_tag(link)!r}, which only an e-mail service fills in, but "
                'delivery = "direct" sends every message itself: put {token} in its place (a page of yours, such as '
                "feedletter unsubscribe-server answers) or set delivery = \"esp\"")
    if not news.unsubscribe_url and not news.unsubscribe_mailto:
        raise ConfigError(
            f'{where} delivery = "direct" needs an unsubscribe link in every message: set unsubscribe_url (https, '
            'with {token}, such as "https://news.example.org/unsubscribe/{token}", which feedletter '
            "unsubscribe-server answers) or unsubscribe_mailto")
    if news.unsubscribe_url and not placeholder(news.unsubscribe_url):
        raise ConfigError(
            f"{where} unsubscribe_url holds neither {{token}} nor {{email}}, so a one-click unsubscribe could not "
            "tell who leaves: add {token} to it (such as \"https://news.example.org/unsubscribe/{token}\")")


def _first_tag(links: dict[str, str]) -> str:
    return next(tag for tag in map(merge_tag, links.values()) if tag)


@dataclass(frozen=True, slots=True)
class Addressed:
    """An address as one message carries it: `header` for To, `envelope` for RCPT TO,
    and whether that message needs SMTPUTF8."""

    header: str
    envelope: str
    utf8: bool


def addressed(written: str, *, smtputf8: bool) -> Addressed | None:
    """How `written` goes out: as written when the server takes UTF-8, else in ASCII with
    its domain in IDNA form; None when it cannot go out without SMTPUTF8 (a local part
    beyond ASCII)."""
    address = parse_address(written)
    if address.addr_spec.isascii() and str(address).isascii():
        return Addressed(str(address), address.addr_spec, False)
    if smtputf8:
        return Addressed(str(address), address.addr_spec, not address.addr_spec.isascii())
    if not address.username.isascii():
        return None
    try:
        domain = address.domain.encode("idna").decode("ascii")
    except UnicodeError:  # a label IDNA 2003 cannot write
        return None
    ascii_address = Address(display_name=address.display_name, username=address.username, domain=domain)
    return Addressed(str(ascii_address), ascii_address.addr_spec, False)


def envelope_sender(settings: Settings, from_header: str) -> str:
    """[smtp] from, else the message's From: the bare address bounces go to."""
    written = (settings.smtp.sender if settings.smtp else None) or from_header
    try:
        return parse_address(written).addr_spec
    except AddressError:
        raise ConfigError(f"{settings.config_path}: the message has no From address and [smtp] sets no 'from'") \
            from None
