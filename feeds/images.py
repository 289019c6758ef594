"""Pictures of items: which one each source kind offers, what is known of it, and the
stable name a local picture is published under. Pure.

A picture is kept only as an absolute http(s) URL (a local items file's relative path
is the one exception, until the application copies it into the output). Trackers
(1x1 pixels) and icons (favicons, emoji, badges, anything 32 px or smaller) are never an
item's picture.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Mapping
from typing import Any

from .model import Image
from .sanitise import normalise_space, strip
from .urls import absolute_url, is_web_url

MAX_SIDE = 30_000  # pixels: a width or height above it is not believed
ICON_SIDE = 32  # pixels: a picture this small on both sides is an icon, not a story's picture
_NOT_A_PICTURE = re.compile(
    r"favicon|\.ico(?:$|\?)|/emoji/|/smilies/|/pixel(?:\.|/|$)|spacer\.gif|/~r/|/~ff/|gravatar\.com/avatar"
    r"|/badges?/|/tracking/|/beacon", re.IGNORECASE)
_NAME_UNSAFE = re.compile(r"[^a-z0-9]+")
# what a local picture may be: sniffed from its first bytes, never taken from its name
# (SVG is refused: served from the site's own origin, its scripts would run there)
IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def side(value: Any) -> int | None:
    """A width or height as sources write it ("640", 640, "640px"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().removesuffix("px").strip()
        if not value.isascii() or not value.isdigit():
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_SIDE:
        return value
    return None


def is_not_a_picture(url: str, width: int | None, height: int | None) -> bool:
    """A tracker pixel, a spacer or an icon rather than a story's picture."""
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return True
    if width is not None and height is not None and max(width, height) <= ICON_SIDE:
        return True
    return bool(_NOT_A_PICTURE.search(url))


def picture(url: Any, base: str | None = None, *, alt: Any = None, width: Any = None, height: Any = None) -> Image | None:
    """An Image of `url` made absolute against `base`, or None: not http(s), or a tracker or icon."""
    found = absolute_url(strip(url) if isinstance(url, str) else url, base)
    if found is None:
        return None
    wide, high = side(width), side(height)
    if is_not_a_picture(found, wide, high):
        return None
    text = normalise_space(strip(alt)) if isinstance(alt, str) else ""  # no XML-forbidden character
    return Image(found, text or None, wide, high)


def first_picture(candidates: Iterable[Image | None]) -> Image | None:
    return next((image for image in candidates if image is not None), None)


def markup_picture(markup: str | None) -> Image | None:
    """The first <img> of cleaned markup (its links already absolute) that is a picture."""
    if not markup or "<img" not in markup:
        return None
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(f"<body>{markup}</body>").body
    if body is None:
        return None
    return first_picture(
        picture(node.attributes.get("src"), alt=node.attributes.get("alt"), width=node.attributes.get("width"),
                height=node.attributes.get("height"))
        for node in body.css("img")
    )


def _is_image_media(media: Mapping[str, Any]) -> bool:
    medium = str(media.get("medium") or "").lower()
    kind = str(media.get("type") or "").lower()
    if medium or kind:
        return medium == "image" or kind.startswith("image/")
    return bool(re.search(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|\?)", str(media.get("url") or ""), re.IGNORECASE))


def feed_entry_picture(entry: Mapping[str, Any], base: str | None, *, alt: str | None, markup: str | None) -> Image | None:
    """An RSS/Atom entry's picture as feedparser reads it: media:content of an image
    medium or type, else media:thumbnail, else an image enclosure, else the first
    picture of its markup. `alt` is the entry's media:description or media:title."""
    contents = [media for media in entry.get("media_content") or [] if _is_image_media(media)]
    enclosures = [link for link in entry.get("enclosures") or [] if str(link.get("type") or "").lower().startswith("image/")]
    return first_picture([
        *(picture(media.get("url"), base, alt=alt, width=media.get("width"), height=media.get("height"))
          for media in contents),
        *(picture(thumb.get("url"), base, alt=alt, width=thumb.get("width"), height=thumb.get("height"))
          for thumb in entry.get("media_thumbnail") or []),
        *(picture(link.get("href"), base, alt=alt) for link in enclosures),
        markup_picture(markup),
    ])


def json_item_picture(entry: Mapping[str, Any], base: str | None, *, markup: str | None) -> Image | None:
    """A JSON Feed item's `image`, else its `banner_image`, else its markup's first picture."""
    return first_picture([picture(entry.get("image"), base), picture(entry.get("banner_image"), base),
                          markup_picture(markup)])


# -- local pictures (an items file's relative paths) ------------------------------


def is_local_path(image: Image | None) -> bool:
    """A picture named by a path relative to a local items file, not yet copied."""
    return image is not None and not is_web_url(image.url)


def image_type(data: bytes) -> tuple[str, str] | None:
    """(media type, file extension) of PNG, JPEG or GIF bytes, from their signature."""
    for signature, media_type, extension in IMAGE_TYPES:
        if data.startswith(signature):
            return media_type, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels read from a PNG, GIF or JPEG header, or None."""
    try:
        if data.startswith(b"\x89PNG") and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data.startswith(b"GIF8"):
            return struct.unpack("<HH", data[6:10])
        if data.startswith(b"\xff\xd8"):
            return _jpeg_size(data)
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        length = struct.unpack(">H", data[index + 2 : index + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


def local_image_name(path: str, data: bytes, extension: str) -> str:
    """The file name a local picture is published under: its own name, made safe, and
    a hash of its bytes, so a changed picture gets a new URL and a cached one stays right."""
    stem = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    slug = _NAME_UNSAFE.sub("-", stem.lower()).strip("-")[:40] or "image"
    return f"{slug}-{hashlib.sha256(data).hexdigest()[:12]}.{extension}"
