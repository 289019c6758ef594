"""The og:image reader: what a page names for link previews, read from its <head>."""

from __future__ import annotations

import pytest

from feeds.model import Image
from feeds.opengraph import page_picture

PAGE = "https://news.example.org/stories/1"


def head(tags: str) -> bytes:
    return f"<!doctype html><html><head><title>t</title>{tags}</head><body><p>Story</p></body></html>".encode()


@pytest.mark.parametrize(("tags", "expected"), [
    ('<meta property="og:image" content="/a.jpg"><meta property="og:image:alt" content=" A  picture ">'
     '<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">',
     Image("https://news.example.org/a.jpg", "A picture", 1200, 630)),
    ('<meta property="og:image" content="http://x.example/a.jpg"><meta property="og:image:secure_url" content="https://x.example/a.jpg">',
     Image("https://x.example/a.jpg")),
    ('<meta name="twitter:image" content="b.png"><meta name="twitter:image:alt" content="B">',
     Image("https://news.example.org/stories/b.png", "B")),
    ('<meta property="og:image" content="javascript:alert(1)"><meta name="twitter:image" content="https://x.example/t.png">',
     Image("https://x.example/t.png")),
    ('<meta property="og:image" content="https://x.example/favicon.ico">', None),
    ('<meta property="og:image" content="https://x.example/p.gif"><meta property="og:image:width" content="1">', None),
    ('<meta property="og:title" content="No picture">', None),
    ('<META PROPERTY="OG:IMAGE" CONTENT="https://x.example/upper.jpg">', Image("https://x.example/upper.jpg")),
])
def test_the_preview_picture_of_a_page(tags, expected):
    assert page_picture(head(tags), PAGE) == expected


def test_only_the_head_is_read():
    body_tag = b'<html><head><title>t</title></head><body><meta property="og:image" content="https://x.example/late.jpg"></body>'
    assert page_picture(body_tag, PAGE) is None


def test_a_page_that_nests_without_end_is_no_trouble():
    deep = b"<html><head>" + b"<div>" * 5000 + b'<meta property="og:image" content="https://x.example/a.jpg">'
    assert page_picture(deep, PAGE) is None


def test_the_declared_charset_reads_the_alt():
    data = '<head><meta property="og:image" content="https://x.example/a.jpg"><meta property="og:image:alt" content="Coopérative"></head>'
    assert page_picture(data.encode("cp1252"), PAGE, charset="windows-1252").alt == "Coopérative"
