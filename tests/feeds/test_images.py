"""The picture rules: trackers and icons refused, sizes read from the file's own header,
a local picture's published name stable for its bytes and new for new bytes."""

from __future__ import annotations

import struct

import pytest

from feeds.images import image_size, image_type, is_not_a_picture, local_image_name, markup_picture, picture, side
from feeds.model import Image
from tests.image_samples import png


def jpeg_header(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def test_sizes_are_read_from_png_gif_and_jpeg_headers():
    assert image_size(png(40, 30)) == (40, 30)
    assert image_size(b"GIF89a" + struct.pack("<HH", 120, 60) + b"\x00" * 10) == (120, 60)
    assert image_size(jpeg_header(640, 427)) == (640, 427)
    assert image_size(b"\x89PNG\r\n\x1a\n") is None and image_size(b"\xff\xd8\xff") is None


def test_the_type_comes_from_the_bytes_not_the_name():
    assert image_type(png(2, 2)) == ("image/png", "png")
    assert image_type(jpeg_header(1, 1)) == ("image/jpeg", "jpg")
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", "webp")
    assert image_type(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>") is None


@pytest.mark.parametrize(("url", "width", "height", "refused"), [
    ("https://x.example/story.jpg", 800, 600, False),
    ("https://x.example/story.jpg", None, None, False),
    ("https://stats.example/p.gif", 1, 1, True),
    ("https://x.example/open.gif", None, 1, True),
    ("https://x.example/logo-small.png", 32, 32, True),
    ("https://x.example/favicon.png", None, None, True),
    ("https://s.w.org/images/core/emoji/14.0.0/72x72/1f600.png", None, None, True),
    ("https://x.example/wide-banner.png", 600, 20, False),
])
def test_trackers_and_icons_are_not_pictures(url, width, height, refused):
    assert is_not_a_picture(url, width, height) is refused


def test_sides_as_sources_write_them():
    assert [side(value) for value in ("640", 640, "640px", " 12 ", "0", "-5", "wide", True, 10**9, "٣")] == [
        640, 640, 640, 12, None, None, None, None, None, None]


def test_a_picture_is_absolute_http_only():
    assert picture("/a.jpg", "https://x.example/p/") == Image("https://x.example/a.jpg")
    assert picture("data:image/png;base64,AAAA", "https://x.example/") is None
    assert picture("a.jpg") is None  # nothing to resolve it against


def test_the_first_picture_of_markup_skips_trackers():
    markup = ('<p><img src="https://t.example/p.gif" width="1" height="1" alt="">'
              '<img src="https://x.example/a.jpg" alt="A" width="300"></p>')
    assert markup_picture(markup) == Image("https://x.example/a.jpg", "A", 300, None)
    assert markup_picture("<p>no picture</p>") is None


def test_a_published_name_holds_the_bytes_hash():
    first = local_image_name("images/Bakery Oven.png", png(4, 4), "png")
    assert first == local_image_name("other/bakery-oven.png", png(4, 4), "png")  # same bytes, same name
    assert first.startswith("bakery-oven-") and first.endswith(".png")
    assert local_image_name("images/Bakery Oven.png", png(4, 5), "png") != first
    assert local_image_name("images/日本.png", b"x", "png").startswith("image-")


def test_characters_xml_forbids_never_reach_a_picture():
    from feeds.sources import parse_source

    data = b'[{"title": "a", "date": "2023-01-01", "image": {"url": "https://x.example/a.jpg", "alt": "A\\u0001 cat"}}]'
    result = parse_source("items", data, source="x.json")
    assert result.items[0].image == Image("https://x.example/a.jpg", "A cat")
    assert [str(problem) for problem in result.problems] == [
        "x.json:1: 1 character that XML 1.0 forbids (U+0001) removed from item 'a'"]
    assert picture("https://x.example/b.jpg", alt="B\x02").alt == "B"
