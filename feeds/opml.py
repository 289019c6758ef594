"""An OPML 2.0 subscription list of a site's feeds. Pure.

Written by hand with explicit escaping: a fixed layout gives stable bytes, and there is
no date in it (OPML's dateCreated would be the build time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True, slots=True)
class Subscription:
    title: str
    xml_url: str  # the feed
    html_url: str  # the page it belongs to


def opml_bytes(title: str, owner: str, subscriptions: Sequence[Subscription]) -> bytes:
    # type="rss" is OPML 2.0's word for any feed subscription, Atom included.
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{escape(title, quote=False)}</title>",
        f"    <ownerName>{escape(owner, quote=False)}</ownerName>",
        "    <docs>http://opml.org/spec2.opml</docs>",
        "  </head>",
        "  <body>",
    ]
    for sub in subscriptions:
        text = escape(sub.title)
        lines.append(
            f'    <outline type="rss" text="{text}" title="{text}" '
            f'xmlUrl="{escape(sub.xml_url)}" htmlUrl="{escape(sub.html_url)}"/>'
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")
