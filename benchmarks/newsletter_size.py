"""The size of a full issue against Gmail's clip (about 102 KB of HTML): 10, 20 and 40 items,
each with a picture and a link, the texts being the longest of the bundled ILO sample pages.

    python benchmarks/newsletter_size.py

Never a test (tests/newsletter/issue/test_look.py asserts the 40-item limit): it prints.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feeds.model import Author, FeedMeta, Image, Item, Month  # noqa: E402
from feeds.sources.listing import parse_listing  # noqa: E402
from newsletter.app.config.newsletter import newsletter_from_table  # noqa: E402
from newsletter.issue.context import issue_context  # noqa: E402
from newsletter.issue.plan import plan_issue  # noqa: E402
from newsletter.issue.render import make_environment, render_issue  # noqa: E402

GMAIL_CLIP = 102_000
EXAMPLE = ROOT / "examples" / "ilo-coop"
META = FeedMeta("ILO COOP news", "https://coop-news.example.org/", "en", Author("ILO COOP", "coop@example.org"),
                "coop-news.example.org,2026")


def sample_items() -> list:
    parsed = [item for page in sorted((EXAMPLE / "pages").glob("*.txt"))
              for item in parse_listing(page.read_text("utf-8"), source=page.name).items]
    return sorted((item for item in parsed if item.summary and "eNews" not in item.title),
                  key=lambda item: len(item.summary or ""), reverse=True)


def month_of(count: int, samples: list) -> Month:
    categories = ["News", "Spotlight on Cooperatives", "Spotlight Interviews with Co-operators", "Publication", "Event"]
    items = []
    for n in range(count):
        sample = samples[n % len(samples)]
        day = date(2023, 3, 28 - n % 28)
        at = datetime(2023, 3, day.day, tzinfo=UTC) + timedelta(seconds=n)
        items.append(Item(id=f"tag:coop-news.example.org,2026:size-{n}", title=f"{sample.title} ({n})", date=day,
                          category=categories[n % len(categories)], summary=sample.summary,
                          url=f"https://www.ilo.org/coop/news/story-{n}", source="size", published=at, updated=at,
                          image=Image(f"https://www.ilo.org/images/story-{n}.jpg", alt=f"Photo of story {n}",
                                      width=800, height=533)))
    items.sort(key=lambda item: item.published, reverse=True)
    return Month(2023, 3, tuple(items))


def main() -> None:
    table = {"title": "ILO COOP eNewsUpdate", "logo_url": "https://www.ilo.org/logo.png",
             "unsubscribe_url": "https://mail.example.org/u/*|UNSUB|*"}
    samples = sample_items()
    for language in ("en", "fr"):
        settings = newsletter_from_table({**table, "language": language}, where="bench", base_dir=ROOT)
        env = make_environment(None, language)
        for count in (10, 20, 40):
            month = month_of(count, samples)
            issue = plan_issue(month, settings)
            context = issue_context(issue, settings, META, web_url=f"{META.base_url}issues/2023-03.html",
                                    archive_url=META.base_url)
            html = render_issue(env, context).html.encode("utf-8")
            bare = render_issue(env, issue_context(plan_issue(Month(2023, 3, tuple(replace(i, image=None)
                                                                          for i in month.items)), settings),
                                                    settings, META, web_url=META.base_url, archive_url=META.base_url)).html
            print(f"newsletter size [{language}]: {count} items with pictures {len(html):,} bytes of HTML "
                  f"({len(html) / GMAIL_CLIP:.0%} of Gmail's {GMAIL_CLIP:,}; {len(html) - len(bare.encode()):,} bytes "
                  f"for the pictures; {len(html) // count:,} bytes an item)")


if __name__ == "__main__":
    main()
