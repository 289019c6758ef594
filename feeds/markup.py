"""The markup an item keeps from its source: untrusted HTML -> a safe subset with
absolute links (shown as HTML in feeds and pages), and that subset -> text with its
links written out (text parts). Pure.

nh3 (ammonia) does the cleaning: it parses as a browser would and keeps only the tags
and attributes listed here, so nothing from a source can run script, load a frame or
style the page it is shown in.
"""

from __future__ import annotations

from .sanitise import normalise_space
from .urls import absolute_url

MARKUP_LIMIT = 50_000  # characters of markup kept from one item (a whole article at most)
MARKUP_TAGS = {
    "a", "p", "br", "b", "strong", "i", "em", "u", "s", "sub", "sup", "small", "ul", "ol", "li",
    "blockquote", "q", "code", "pre", "h2", "h3", "h4", "h5", "h6", "hr", "img", "figure", "figcaption",
}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
_URL_ATTRIBUTES = {("a", "href"), ("img", "src")}
_BLOCKS = {"p", "ul", "ol", "blockquote", "pre", "h2", "h3", "h4", "h5", "h6", "hr", "figure"}


def clean_markup(markup: str, base_url: str | None) -> str | None:
    """The safe subset of `markup`, its links and images made absolute against
    `base_url`; None when it holds no markup worth keeping (plain text stays text)."""
    if "<" not in markup:
        return None
    import nh3

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if (tag, attribute) in _URL_ATTRIBUTES:  # dropped unless http(s), or mailto: for a link
            return absolute_url(value, base_url, mailto=tag == "a")
        if attribute in ("width", "height"):
            return value if value.isdigit() else None
        return value

    def clean(text: str) -> str:
        return nh3.clean(text, tags=MARKUP_TAGS, clean_content_tags={"script", "style"}, attributes=_ATTRIBUTES,
                         attribute_filter=keep, url_schemes={"http", "https", "mailto"}, strip_comments=True,
                         link_rel="noopener noreferrer").strip()

    cleaned = clean(markup)
    if len(cleaned) > MARKUP_LIMIT:  # cut at a tag's end; cleaning again closes what the cut left open
        cleaned = clean(cleaned[: cleaned.rfind(">", 0, MARKUP_LIMIT) + 1])
    return _worth_keeping(cleaned)


def _worth_keeping(cleaned: str) -> str | None:
    """The markup without what cleaning left empty (images and links whose URL was
    dropped) and trackers, or None when what is left is plain text in paragraphs: that is
    kept as text."""
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(f"<body>{cleaned}</body>").body
    if body is None:
        return None
    for image in body.css("img"):
        if not image.attributes.get("src") or "1" in (image.attributes.get("width"), image.attributes.get("height")):
            image.decompose()  # its source was unsafe, or it is a 1x1 tracker
        elif "alt" not in image.attributes:
            image.attrs["alt"] = ""  # says "decorative" to a screen reader, which would read the URL
    for link in body.css("a"):
        if not link.attributes.get("href"):
            link.unwrap()  # its target was unsafe: the words stay
    if all(node.tag in ("p", "br", "-text", "body") for node in body.traverse(include_text=True)):
        return None
    return (body.inner_html or "").strip() or None


def markup_text(markup: str) -> str:
    """Clean markup as text: paragraphs apart, list items as "- ", and every link
    written out after its words ("the report (https://…)") so a text part keeps it."""
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(f"<body>{markup}</body>").body
    if body is None:
        return ""
    paragraphs: list[str] = []
    line: list[str] = []

    def end_paragraph() -> None:
        text = normalise_space("".join(line))
        if text:
            paragraphs.append(text)
        line.clear()

    def walk(node) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                line.append(child.text_content or "")
            elif tag == "br":
                end_paragraph()
            elif tag == "img":
                alt = normalise_space(child.attributes.get("alt") or "")
                if alt:
                    line.append(f"[{alt}]")
            elif tag == "a":
                label = normalise_space(child.text(deep=True))
                href = child.attributes.get("href") or ""
                walk(child)
                if href and href.removeprefix("mailto:") != label:
                    line.append(f" ({href.removeprefix('mailto:')})")
            elif tag == "li":
                end_paragraph()
                line.append("- ")
                walk(child)
                end_paragraph()
            elif tag in _BLOCKS:
                end_paragraph()
                walk(child)
                end_paragraph()
            else:
                walk(child)

    walk(body)
    end_paragraph()
    return "\n\n".join(paragraphs)
