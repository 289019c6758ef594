"""The build use case: every feed and page, redoing only what changed.

Each month's outputs (its web copy and, once the month is closed, its RFC 5005 archive
document) depend on that month's items and its archive neighbours only. The archive
gives every month a fingerprint that moves with any change to its items; the build
remembers the fingerprint it rendered each month from, and redoes a month only when
that moved, its neighbours changed, its files are gone, or the config, templates or
feedletter itself changed. The subscription feeds and the index, small by design,
are rendered every time; `Output` writes only the files whose bytes differ.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from feeds.archive import Archive
from feeds.model import Item
from feeds.months import group_by_month
from feeds.output import Output, run_lock
from feeds.site_files import (
    archive_files,
    archive_neighbours,
    feed_links,
    subscription_files,
)
from feeds.site_paths import IMAGES_FOLDER, archive_path, category_slugs, image_path, issue_path, item_page_url

from ..config import Settings
from ..journal import Journal, recorded
from .access import lock_path

MONTHS_PER_BATCH = 60  # months rendered and staged at a time: bounds memory on big archives


@dataclass(frozen=True, slots=True)
class BuildReport:
    items: int
    months: int
    rendered_months: int = 0
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # settings that name nothing, items no section takes


def site_fingerprint(settings: Settings) -> str:
    """Changes when anything other than the items could change the outputs."""
    from ...issue.render import default_theme_dir

    digest = hashlib.sha256(repr(settings).encode())
    try:
        digest.update(version("feedletter").encode())
    except PackageNotFoundError:
        pass
    for folder in filter(None, (default_theme_dir(), settings.templates)):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_site(settings: Settings, archive: Archive, *, today: date, dry_run: bool = False) -> BuildReport:
    """Bring the output directory up to date with the archive (caller holds the lock).
    Every changed file is staged, and all move into place only once the last one is
    rendered: a build stopped half-way (an error, a full disk, a signal) changes no
    output. `dry_run`: report what would be written and removed, and write nothing."""
    archive.database.check_sound()  # a damaged archive builds nothing
    output = Output(settings.output, dry_run=dry_run)
    output.remove_temporaries()  # left by a run killed mid-write
    with output.staging():
        return _build_site(settings, archive, output, today=today, dry_run=dry_run)


def _build_site(settings: Settings, archive: Archive, output: Output, *, today: date, dry_run: bool) -> BuildReport:
    from ...issue.pages import index_page, issue_page, issue_url
    from ...issue.plan import is_excluded, settings_warnings
    from ...issue.render import make_environment

    meta = settings.meta
    fingerprints = archive.month_fingerprints(until=today)
    journal = Journal(archive)
    state = journal.build_state()
    site = site_fingerprint(settings)
    neighbours = archive_neighbours(fingerprints, today)

    def month_state(key: str) -> str:
        visible, rev = fingerprints[key]
        return f"{visible}/{rev}|{neighbours.get(key)}"

    existing = output.existing("issues", "feeds/archive")
    previous = _month_states(state)
    if state.get("site") != site:  # config, templates or feedletter changed: redo every month
        previous = {key: {**value, "state": None} for key, value in previous.items()}
    dirty = [
        key
        for key in sorted(fingerprints, reverse=True)
        if previous.get(key, {}).get("state") != month_state(key)
        or not existing.issuperset(previous[key]["files"])
    ]
    environment = make_environment(settings.templates, settings.newsletter.language)

    def link_for(item: Item) -> str:
        """An item's anchor in its month's web copy; the newsletter's own listing items
        are left out of the issues, so theirs is the archive of issues."""
        return meta.base_url if is_excluded(item, settings.newsletter) else item_page_url(meta, item)

    entries = {key: value["entry"] for key, value in previous.items() if key in fingerprints and value["entry"]}
    previous.setdefault("site-wide", {"files": []})
    new_states = {key: value for key, value in previous.items() if key in fingerprints}
    labels = archive.categories()
    written: list[str] = []
    warnings: list[str] = []
    if state.get("site") != site:  # told once, after each change of the config
        warnings += settings_warnings(settings.newsletter, labels, fingerprints)
    for batch in _batches(dirty, MONTHS_PER_BATCH):
        months = group_by_month(archive.items_in_months(batch, until=today), labels)
        files: dict[str, bytes] = archive_files(months, meta, neighbours, link_for=link_for)
        for month in months:
            # the open month (not yet in `neighbours`, the closed months) is not an issue yet
            page = issue_page(month, settings.newsletter, meta, environment, in_progress=month.key not in neighbours)
            warnings += page.warnings
            names = [archive_path(month.key)] if month.key in neighbours else []
            entries.pop(month.key, None)
            if page.entry is not None:
                files[issue_path(month.key)], entries[month.key] = page.html, page.entry
                names.append(issue_path(month.key))
            new_states[month.key] = {"state": month_state(month.key), "files": names, "entry": entries.get(month.key)}
        written += output.stage_all(files)

    newest = archive.newest(settings.items_per_feed, until=today)
    open_keys = [key for key in fingerprints if key not in neighbours]
    # the digest has one entry per issue: closed months only, the open one joins when it closes
    recent = sorted((key for key in fingerprints if key in neighbours), reverse=True)[: settings.digest_months]
    by_category = archive.newest_by_category(settings.items_per_feed, until=today)
    used = {key: labels.get(key, key) for key in sorted(by_category)}
    slugs = _category_slugs(journal, labels, dry_run=dry_run)
    files = subscription_files(
        newest,
        archive.items_in_months(open_keys, until=today),
        group_by_month(archive.items_in_months(recent, until=today), labels),
        by_category,
        used,
        meta,
        slugs=slugs,
        newest_archive=max(neighbours, default=None),
        link_for=link_for,
        month_link=lambda month: issue_url(meta, month.key) if month.key in entries else meta.base_url,
    )
    links = feed_links(meta, used, slugs)
    files["index.html"] = index_page(list(entries.values()), settings.newsletter, meta, environment, feeds=links)
    written += output.stage_all(files)
    pictures = _pictures(archive, output, meta.base_url)
    written += output.stage_all(pictures.staged)
    output.commit()  # everything rendered: now the site changes, all at once

    new_states["site-wide"] = {"state": "", "files": sorted(files), "entry": None}
    new_states["images"] = {"state": "", "files": pictures.published, "entry": None}
    removed = _remove_stale(output, previous, new_states)
    if not dry_run:
        journal.save_build_state(
            {"site": site, **{f"month:{key}": json.dumps(value, sort_keys=True) for key, value in new_states.items()}}
        )
        if meta.hub:  # the outputs are in place: tell the WebSub hub which feeds changed
            from ..websub import announce, changed_feeds
            from .inputs import user_agent

            warnings += announce(meta.hub, archive, changed_feeds(meta.base_url, written), today=today,
                                 agent=user_agent(settings))
    total = sum(visible for visible, _rev in fingerprints.values())
    return BuildReport(total, len(fingerprints), len(dirty), tuple(sorted(written)), tuple(removed), tuple(warnings))


@dataclass(frozen=True, slots=True)
class _Pictures:
    published: list[str]  # every picture file the site holds
    staged: dict[str, bytes]  # those not written yet


def _pictures(archive: Archive, output: Output, base_url: str) -> _Pictures:
    """The local sources' pictures that visible items show, as images/<name>. A name
    holds a hash of the bytes, so one already written is right: only new ones are read
    from the archive and written."""
    names = archive.shown_images(base_url + IMAGES_FOLDER + "/")
    present = output.existing(IMAGES_FOLDER)
    missing = [name for name in names if image_path(name) not in present]
    return _Pictures([image_path(name) for name in names],
                     {image_path(name): data for name, data in archive.image_data(missing).items()})


def _category_slugs(journal: Journal, labels: dict[str, str], *, dry_run: bool) -> dict[str, str]:
    """Every category's file-name slug: the one it was given before, else a new one,
    kept from now on (not by a dry run) whatever categories arrive later."""
    given = journal.category_slugs()
    slugs = category_slugs(labels, labels, given)
    new = {key: slug for key, slug in slugs.items() if key not in given}
    if new and not dry_run:
        journal.remember_category_slugs(new)
    return slugs


def _month_states(state: dict[str, str]) -> dict[str, dict]:
    return {part.removeprefix("month:"): json.loads(value) for part, value in state.items() if part.startswith("month:")}


def _batches(keys: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def _remove_stale(output: Output, previous: dict[str, dict], current: dict[str, dict]) -> list[str]:
    """Delete files no longer produced: a month whose items are all hidden, a feed of
    a category that has no visible item left."""
    keep = {name for value in current.values() for name in value["files"]}
    stale = sorted({name for value in previous.values() for name in value["files"]} - keep)
    for name in stale:
        output.remove(name)
    return stale


@recorded("build")
def build(settings: Settings, *, now: datetime, dry_run: bool = False) -> BuildReport:
    """Bring every feed and page up to date, under the run lock. A dry run reports
    what would be written and removed, and touches nothing (so it takes no lock)."""
    if dry_run:
        return build_unlocked(settings, now=now, dry_run=True)
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        return build_unlocked(settings, now=now)


def build_unlocked(settings: Settings, *, now: datetime, dry_run: bool = False) -> BuildReport:
    """The build for a caller that already holds the run lock; items dated after
    today (in the site's timezone) are held back."""
    today = now.astimezone(settings.timezone).date()
    with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
        return build_site(settings, archive, today=today, dry_run=dry_run)
