"""The bundled samples in a real archive, and every feed file built from them (shared by
the feed-format, validate and serve tests)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.archive import Archive
from feeds.site_files import feed_files
from feeds.sources.listing import parse_listing
from newsletter.app.config import load_settings

from .conftest import NOW, SAMPLES

TODAY = date(2023, 2, 1)  # the run date of NOW in Europe/Zurich
AUTHORITY = "coop-news.example.org,2026"
BASE = "https://coop-news.example.org/"
CONFIG = (
    '[site]\ntitle = "ILO COOP eNewsUpdate"\nbase_url = "https://coop-news.example.org/"\n'
    'timezone = "Europe/Zurich"\ntag_authority = "coop-news.example.org,2026"\n'
    'author = { name = "ILO Cooperatives Unit (COOP)", email = "coop@example.org" }\n'
)


def sample_site(tmp: Path):
    """(settings, archive path) with the 50 sample items ingested at NOW."""
    config = tmp / "feedletter.toml"
    config.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(config)
    with Archive.open(settings.archive) as archive:
        batches = [(p.name, parse_listing(p.read_text("utf-8"), source=p.name).items) for p in SAMPLES]
        archive.ingest(batches, now=NOW, zone=ZoneInfo("Europe/Zurich"), authority=AUTHORITY)
    return settings


def build_files(settings, *, today: date = TODAY, until: date | None = None) -> dict[str, bytes]:
    with Archive.open(settings.archive) as archive:
        items, labels = archive.items(until=until or today), archive.categories()
    return feed_files(items, settings.meta, labels=labels, items_per_feed=50, digest_months=24, today=today)
