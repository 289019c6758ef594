"""Merge tags and personal placeholders: text that only a mailer fills in, one per
recipient. Pure; the one home of both patterns.

A merge tag is an e-mail service's (Mailchimp `*|UNSUB|*`, Mailjet `[[UNSUB_LINK_EN]]`,
Mailgun `%unsubscribe_url%`, SendGrid `<%asm_group_unsubscribe_raw_url%>`, Brevo or
Postmark `{{ unsubscribe }}`, Campaign Monitor `[unsubscribe]`, Salesforce `%%unsub%%`).
A personal placeholder is feedletter's own, `{token}` or `{email}`, which a direct send
fills for each subscriber. Neither may reach a published page, where nobody fills it.
"""

from __future__ import annotations

import re

PLACEHOLDERS = ("{token}", "{email}")

_MERGE_TAG = re.compile(
    r"\*\|[A-Za-z0-9_:\-]+\|\*"  # Mailchimp, Mandrill
    r"|\[\[[A-Za-z0-9_.:\-]+\]\]"  # Mailjet
    r"|%%[A-Za-z0-9_.:\-]+%%"  # Salesforce, ExactTarget
    r"|<%[A-Za-z0-9_.:\-]+%>"  # SendGrid
    r"|%(?:recipient\.[a-z_]+|[a-z]+(?:_[a-z]+)*_url|tag_unsubscribe_email|mailing_list_unsubscribe_url)%"  # Mailgun
    r"|\{\{\{?\s*[A-Za-z0-9_.:\-]+\s*\}?\}\}"  # Brevo, Postmark, Mailchimp Transactional (handlebars)
    r"|\[(?:unsubscribe|UNSUBSCRIBE|Unsubscribe|email|EMAIL)\]",  # Campaign Monitor
)


def merge_tag(text: str) -> str | None:
    """The first merge tag in `text`, as written, or None."""
    found = _MERGE_TAG.search(text)
    return found.group(0) if found else None


def placeholder(text: str) -> str | None:
    """The first of feedletter's personal placeholders in `text`, or None."""
    return next((mark for mark in PLACEHOLDERS if mark in text), None)


def is_personal(text: str) -> bool:
    """True when `text` (a link) is filled in per recipient, by a service or by feedletter."""
    return merge_tag(text) is not None or placeholder(text) is not None
