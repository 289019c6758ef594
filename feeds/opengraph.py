"""An item's own page -> the picture it shows in link previews: Open Graph `og:image`
(with `og:image:alt`, `og:image:width`, `og:image:height`), else `twitter:image`. Pure.

Only the page's <head> is read (that is where these tags live), so a huge or deeply
nested body costs nothing; the URL is made absolute against the page, http(s) only, and
a tracker or icon is no picture.
"""

from __future__ import annotations

import re

from .images import picture
from .model import Image
from .sources.html import decode_html, nesting_line

HEAD_LIMIT = 512 * 1024  # characters read when the page never closes its <head>
_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.IGNORECASE)


def page_picture(data: bytes, page_url: str, *, charset: str | None = None) -> Image | None:
    """The picture a page names for link previews, or None."""
    text = decode_html(data, charset)
    end = _HEAD_END.search(text, 0, HEAD_LIMIT)
    head = text[: end.start() if end else HEAD_LIMIT]
    if "<meta" not in head.lower() or nesting_line(head) is not None:
        return None
    from selectolax.lexbor import LexborHTMLParser

    tags: dict[str, str] = {}
    for node in LexborHTMLParser(head).css("meta"):
        key = (node.attributes.get("property") or node.attributes.get("name") or "").strip().lower()
        value = node.attributes.get("content")
        if key and value and key not in tags:  # the first of each wins, as previewers read them
            tags[key] = value
    for prefix, url_keys in (("og:image", ("og:image:secure_url", "og:image:url", "og:image")),
                             ("twitter:image", ("twitter:image", "twitter:image:src"))):
        for key in url_keys:
            found = picture(tags.get(key), page_url, alt=tags.get(f"{prefix}:alt"),
                            width=tags.get(f"{prefix}:width"), height=tags.get(f"{prefix}:height"))
            if found is not None:
                return found
    return None
