"""An item's markup (`Item.content_html`, already sanitised by feeds.markup) fitted into an
issue: a digest shows the opening of a story, not the whole article, and nothing in it may
break the e-mail's layout or its heading outline. Pure.
"""

from __future__ import annotations

from feeds.markup import markup_text

TEXT_BUDGET = 900  # characters of text an item shows before its ">>More" (a few paragraphs)
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_DROPPED = {"img", "figure", "hr"}  # the item's picture is shown on its own; rules break the rhythm


def issue_markup(markup: str | None) -> str | None:
    """The markup an issue shows of an item: its first blocks up to about TEXT_BUDGET
    characters of text, images and rules left out (the item image is shown beside it),
    headings made bold paragraphs (the issue's outline is h2 sections, h3 items), `pre`
    wrapping. None when nothing worth showing is left."""
    if not markup or not markup.strip():
        return None
    from selectolax.lexbor import LexborHTMLParser

    body = LexborHTMLParser(f"<body>{markup}</body>").body
    if body is None:
        return None
    for node in body.css(",".join(sorted(_DROPPED))):
        node.decompose()
    for pre in body.css("pre"):
        pre.attrs["style"] = "white-space:pre-wrap;word-break:break-word;"
    for heading in body.css(",".join(sorted(_HEADINGS))):
        if heading.parent is not None and heading.parent.tag != "body":
            heading.unwrap()  # a heading inside a quote or list: its words stay
    kept, used = [], 0
    for child in body.iter(include_text=True):
        html = f"<p><strong>{child.inner_html or ''}</strong></p>" if child.tag in _HEADINGS else child.html or ""
        text = child.text(deep=True) if child.tag != "-text" else (child.text_content or "")
        if used and used + len(text) > TEXT_BUDGET:
            break
        kept.append(html)
        used += len(text)
    result = "".join(kept).strip()
    return result if markup_text(result).strip() else None
