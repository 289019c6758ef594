"""Shared builders for the newsletter tests: Month values made directly from feeds.model, with the
real titles, dates, categories and summaries of the bundled ILO listing pages (read here with a
few lines of splitting, independent of the project's parser)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from feeds.model import Author, FeedMeta, Image, Item, Month
from newsletter.app.config.newsletter import newsletter_from_table
from newsletter.issue.settings import NewsletterSettings

ROOT = Path(__file__).resolve().parents[3]
PAGES = ROOT / "examples" / "ilo-coop" / "pages"

META = FeedMeta(
    title="ILO COOP news",
    base_url="https://coop-news.example.org/",
    language="en",
    author=Author("ILO Cooperatives Unit (COOP)", "coop@example.org"),
    id_authority="coop-news.example.org,2026",
)

EXAMPLE_CONFIG = ROOT / "examples" / "ilo-coop" / "feedletter.toml"
ILO_SECTIONS = tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))["newsletter"]["sections"]

ILO_TABLE = {
    "title": "ILO COOP eNewsUpdate",
    "sections": ILO_SECTIONS,
    "numbering": "continuous",
    "first_issue": "2020-01",
    "from": "ILO COOP <coop@example.org>",
    "unsubscribe_url": "https://ilo.msgfocus.example/u/*|UNSUB|*",
    "unsubscribe_mailto": "mailto:unsubscribe@example.org?subject=unsubscribe%20*|EMAIL|*",
    "preferences_url": "https://ilo.msgfocus.example/p/*|UNSUB|*",
    "footer": {
        "contact": "ILO Cooperatives Unit (COOP)",
        "email": "coop@example.org",
        "copyright": "International Labour Organization",
        "address": "4 route des Morillons, CH-1211 Geneva 22, Switzerland",
        "social": {"LinkedIn": "https://www.linkedin.com/company/ilo", "YouTube": "https://www.youtube.com/ilotv"},
    },
}


def ilo_settings(**extra) -> NewsletterSettings:
    return newsletter_from_table({**ILO_TABLE, **extra}, where="feedletter.toml", base_dir=ROOT)


def sample_entries() -> list[tuple[str, str, date, str | None]]:
    """(category, title, date, summary) of every item on the bundled pages, in page order."""
    entries = []
    for page in sorted(PAGES.glob("*.txt")):
        text = page.read_text(encoding="utf-8")
        for block in re.split(r"\n\s{2}\d+\.\s", "\n" + text)[1:]:
            lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
            dates = [i for i, line in enumerate(lines) if re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", line)]
            if not dates:
                continue
            at = dates[0]
            head = lines[:at]
            category, title = (head[0], " ".join(head[1:])) if len(head) > 1 else (None, head[0])
            day = datetime.strptime(lines[at], "%d %B %Y").date()
            summary = " ".join(lines[at + 1 :]) or None
            entries.append((category, title, day, summary))
    return entries


def make_item(n: int, title: str, day: date, *, category: str | None = "News", summary: str | None = "A summary.",
              url: str | None = None, source: str = "sample") -> Item:
    at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=59 - n % 60)
    return Item(id=f"tag:coop-news.example.org,2026:item-{n:04d}", title=title, date=day, category=category,
                summary=summary, url=url, source=source, published=at, updated=at)


def month_of(items: list[Item]) -> Month:
    ordered = tuple(sorted(items, key=lambda item: item.published, reverse=True))
    first = ordered[0].date
    return Month(first.year, first.month, ordered)


def december_2022() -> Month:
    items = [
        make_item(n, title, day, category=category, summary=summary)
        for n, (category, title, day, summary) in enumerate(sample_entries())
        if (day.year, day.month) == (2022, 12)
    ]
    return month_of(items)


def big_month(count: int = 40) -> Month:
    """`count` items with realistic lengths (the longest sample summaries), mixed categories."""
    samples = [entry for entry in sample_entries() if entry[3] and "eNews" not in entry[1]]
    samples.sort(key=lambda entry: len(entry[3]), reverse=True)
    categories = ["News", "Spotlight on Cooperatives", "Spotlight Interviews with Co-operators", "COOP Champions",
                  "Publication", "Event", "Article"]
    items = []
    for n in range(count):
        _, title, _, summary = samples[n % len(samples)]
        day = date(2023, 3, 28 - n % 28)
        items.append(make_item(n, f"{title} ({n})", day, category=categories[n % len(categories)], summary=summary,
                               url=f"https://www.ilo.org/coop/news/item-{n}" if n % 2 else None))
    return month_of(items)


IMAGE_BASE = "https://images.example.org/"


def illustrated_month() -> Month:
    """December 2022 as a source with pictures and links gives it: every item has an image
    (some with their own alt text and size, some without), most a link, one HTML content."""
    items = []
    for n, item in enumerate(december_2022().items):
        image = Image(f"{IMAGE_BASE}photo-{n}.png", alt=f"Photo: participants of story {n}" if n % 2 else None,
                      width=800 if n % 3 else None, height=533 if n % 3 else None)
        url = f"https://www.ilo.org/coop/news/{n}" if n % 4 != 3 else None
        content = None
        if item.title.startswith("ILO participates"):
            content = ('<p>The online seminar on the role of cooperatives took place with the ILO, ITC and '
                       '<a href="https://www.ica.coop/">the ICA</a>.</p><h2>What was said</h2>'
                       '<ul><li>Supply chains need fair partners.</li><li>Cooperatives are such partners.</li></ul>')
        items.append(replace(item, image=image, url=url, content_html=content))
    return month_of(items)
