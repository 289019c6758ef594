"""The bundled samples in a real archive, and the site a real build makes of them
(shared by the feed-format, validate and serve tests)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from feeds.archive import Archive
from feeds.sources.listing import parse_listing
from newsletter.app.config import load_settings
from newsletter.app.usecases.build import build_site
from tests.conftest import NOW, SAMPLES

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


def build_files(settings, *, today: date = TODAY) -> dict[str, bytes]:
    """What `feedletter build` on that day leaves in the output directory: path -> bytes."""
    with Archive.open(settings.archive) as archive:
        build_site(settings, archive, today=today)
    return output_tree(settings.output)


def output_tree(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}
