"""`feedletter items` output: an aligned table for a terminal, tab-separated rows for
pipes, JSON for scripts. Pure: items in, text out."""

from __future__ import annotations

from collections.abc import Sequence

from feeds.model import Item

_SEPARATOR = "  "


def short_id(item_id: str) -> str:
    """The id's last part (the 16-hex digest): a unique end that commands accept."""
    return item_id.rsplit("/", 1)[-1]


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def items_table(items: Sequence[Item], width: int) -> str:
    """Columns ID DATE CATEGORY SOURCE TITLE (and H for hidden), cut to fit `width`:
    category and source give way first, down to 8 characters, then the title."""
    if not items:
        return "no items"
    flag = any(item.hidden for item in items)
    header = ["ID", "DATE", "CATEGORY", "SOURCE", *(["H"] if flag else []), "TITLE"]
    rows = [
        [short_id(item.id), item.date.isoformat(), _one_line(item.category), _one_line(item.source),
         *(["H" if item.hidden else ""] if flag else []), _one_line(item.title)]
        for item in items
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header) - 1)]
    widths[2], widths[3] = min(widths[2], 22), min(widths[3], 20)
    while sum(widths) + len(_SEPARATOR) * len(widths) + 24 > width and max(widths[2:4]) > 8:
        column = 2 if widths[2] >= widths[3] else 3
        widths[column] -= 1
    room = max(width - sum(widths) - len(_SEPARATOR) * len(widths), 10)
    lines = []
    for row in [header, *rows]:
        cells = [_fit(cell, size).ljust(size) for cell, size in zip(row, widths)]
        lines.append(_SEPARATOR.join([*cells, _fit(row[-1], room)]).rstrip())
    return "\n".join(lines)


def items_tsv(items: Sequence[Item]) -> str:
    """One line per item: id, date, category, source, title, 'hidden' or 'visible' (a
    word, not an empty last field: a row never ends in a tab)."""
    return "\n".join(
        "\t".join([item.id, item.date.isoformat(), _one_line(item.category), _one_line(item.source),
                   _one_line(item.title), "hidden" if item.hidden else "visible"])
        for item in items
    )


def items_json(items: Sequence[Item]) -> list[dict]:
    return [
        {
            "id": item.id,
            "date": item.date.isoformat(),
            "category": item.category,
            "source": item.source,
            "title": item.title,
            "summary": item.summary,
            "url": item.url,
            "published": item.published.isoformat(),
            "updated": item.updated.isoformat(),
            "hidden": item.hidden,
        }
        for item in items
    ]
