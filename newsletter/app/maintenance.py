"""Looking after the archive: list items, hide and show them, set a category by hand,
export and import the whole archive, and back it up. Use cases; the CLI prints."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from feeds.archive import EXPORT_FIELDS, Archive
from feeds.errors import FeedletterError, UsageError
from feeds.identity import category_key, item_key
from feeds.model import Item
from feeds.output import run_lock

from .config import Settings
from .usecases.access import lock_path

EXPORT_VERSION = 1


# -- items on the command line -------------------------------------------------------------


def resolve_ids(archive: Archive, texts: Sequence[str]) -> list[str]:
    """Full ids for ids given as the whole tag URI or any unique suffix of it (such as
    the 16-hex tail). Unknown or ambiguous: a usage error naming it, nothing changed."""
    found = []
    for text in texts:
        text = text.strip()
        matches = archive.ids_ending(text) if text else []
        if not matches:
            raise UsageError(f"{text!r}: no item has this id (see 'feedletter items')")
        if len(matches) > 1:
            shown = ", ".join(matches[:3]) + (", ..." if len(matches) > 3 else "")
            raise UsageError(f"{text!r}: the ids of several items end like this ({shown}); give more of the id")
        found.append(matches[0])
    return found


def list_items(settings: Settings, *, month: str | None = None, category: str | None = None,
               search: str | None = None, include_hidden: bool = False) -> list[Item]:
    """Items newest first: of one month, of one category (any spelling of it), with
    every word of `search` in the title or summary (case-insensitive)."""
    with Archive.open(settings.archive, create=False) as archive:
        items = archive.items(month=month, include_hidden=include_hidden)
    if category is not None:
        wanted = category_key(category)
        items = [item for item in items if item.category is not None and category_key(item.category) == wanted]
    words = (search or "").casefold().split()
    if words:
        items = [item for item in items if all(word in _text(item) for word in words)]
    return items


def _text(item: Item) -> str:
    return f"{item.title}\n{item.summary or ''}".casefold()


def set_hidden(settings: Settings, texts: Sequence[str], *, hidden: bool) -> tuple[list[str], list[str]]:
    """Hide or show items -> (ids changed, ids already so). They stay in the archive, and
    the next build changes only the outputs that list them."""
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive, create=False) as archive:
            ids = resolve_ids(archive, texts)
            changed = archive.set_hidden(ids, hidden)
    return changed, [item_id for item_id in dict.fromkeys(ids) if item_id not in changed]


def recategorise(settings: Settings, text: str, category: str, *, now: datetime) -> tuple[str, bool]:
    """Set an item's category by hand -> (its id, whether anything changed)."""
    category = " ".join(category.split())
    if not category:
        raise UsageError("the category must not be empty")
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive, create=False) as archive:
            (item_id,) = resolve_ids(archive, [text])
            return item_id, archive.recategorise(item_id, category, now=now)


# -- export and import ---------------------------------------------------------------------


def export_archive(settings: Settings, *, form: str = "json") -> str:
    """The whole archive, hidden items too, in the order stored: JSON with the
    archive's authority, or CSV with a header row (`keys` one per line)."""
    with Archive.open(settings.archive, create=False) as archive:
        rows = archive.export_rows()
        authority = archive.authority(settings.meta.id_authority)
    if form == "json":
        document = {"feedletter_export": EXPORT_VERSION, "authority": authority, "items": rows}
        return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([*EXPORT_FIELDS, "keys"])
    for row in rows:
        writer.writerow([_csv_cell(row[name]) for name in EXPORT_FIELDS] + ["\n".join(row["keys"])])
    return stream.getvalue()


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    skipped: int  # already in the archive, by id or by title and date


def import_archive(settings: Settings, path: Path) -> ImportReport:
    """Read an export (JSON or CSV) back into the archive, in one transaction. Rows keep
    their ids, offsets and times; rows the archive knows already are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read ({getattr(error, 'strerror', None) or error})") from None
    if text.lstrip().startswith("{"):
        authority, raw = _read_json(path, text)
    else:
        authority, raw = settings.meta.id_authority, _read_csv(path, text)
    rows = [_checked(row, f"{path}: item {number}") for number, row in enumerate(raw, start=1)]
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive) as archive:
            stored = archive.database.meta("authority")
            if stored is not None and stored != authority and rows:
                raise UsageError(
                    f"{path}: its ids belong to {authority!r} but this archive's to {stored!r}; "
                    "import into an archive of the same site"
                )
            added, skipped = archive.import_rows(rows, authority=authority)
    return ImportReport(added, skipped)


def _read_json(path: Path, text: str) -> tuple[str, list]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(document, dict) or document.get("feedletter_export") != EXPORT_VERSION:
        raise UsageError(f"{path}: not a feedletter export (expected \"feedletter_export\": {EXPORT_VERSION})")
    authority, items = document.get("authority"), document.get("items")
    if not isinstance(authority, str) or not authority or not isinstance(items, list):
        raise UsageError(f"{path}: a feedletter export needs \"authority\" (a string) and \"items\" (an array)")
    return authority, items


def _read_csv(path: Path, text: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in EXPORT_FIELDS if name not in (reader.fieldnames or ())]
    if missing:
        raise UsageError(f"{path}: not a feedletter export: no column {missing[0]!r} in the header row")
    rows = []
    for row in reader:
        row = {name: (value if value != "" else None) for name, value in row.items() if name is not None}
        row["hidden"] = {"true": True, "false": False, "1": True, "0": False}.get((row["hidden"] or "").lower(), row["hidden"])
        if (row["day_offset"] or "").lstrip("-").isdigit():
            row["day_offset"] = int(row["day_offset"])
        row["keys"] = (row.get("keys") or "").splitlines()
        rows.append(row)
    return rows


_TEXT = ("id", "title", "date", "source", "published", "updated", "first_seen")
_OPTIONAL = ("category", "category_override", "summary", "url")


def _checked(row, where: str) -> dict:
    """One exported item, checked field by field; the error names the item and field."""
    if not isinstance(row, dict):
        raise UsageError(f"{where}: expected an object")
    for name in _TEXT:
        if not isinstance(row.get(name), str) or not row[name]:
            raise UsageError(f"{where}: '{name}' must be a non-empty string")
    for name in _OPTIONAL:
        if row.get(name) is not None and not isinstance(row[name], str):
            raise UsageError(f"{where}: '{name}' must be a string or null")
    if not isinstance(row.get("day_offset"), int) or isinstance(row["day_offset"], bool):
        raise UsageError(f"{where}: 'day_offset' must be an integer")
    if not isinstance(row.get("hidden", False), bool):
        raise UsageError(f"{where}: 'hidden' must be true or false")
    try:
        when = date.fromisoformat(row["date"])
        for name in ("published", "updated", "first_seen"):
            if datetime.fromisoformat(row[name]).tzinfo is None:
                raise ValueError(f"'{name}' has no UTC offset")
    except ValueError as error:
        raise UsageError(f"{where} ({row['id']}): {error}") from None
    keys = row.get("keys") or []
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise UsageError(f"{where}: 'keys' must be an array of strings")
    clean = {name: row.get(name) for name in EXPORT_FIELDS}
    clean["hidden"] = bool(row.get("hidden", False))
    clean["keys"] = list(dict.fromkeys([item_key(row["title"], when), *keys]))
    return clean


# -- backup --------------------------------------------------------------------------------


def backup(settings: Settings, target: Path, *, force: bool = False) -> list[str]:
    """A consistent copy of the archive in `target` (SQLite's online backup: the last
    committed state, while a run may be going), checked with PRAGMA integrity_check;
    written under a temporary name and moved into place. Returns the check's answer."""
    target = target.absolute()
    if target.exists() and not force:
        raise UsageError(f"{target}: exists; pass --force to overwrite it")
    if target.resolve() == settings.archive.resolve():
        raise UsageError(f"{target}: is the archive itself")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)  # "backups/$(date +%F).db" on the first day
        with Archive.open(settings.archive, create=False) as archive:
            archive.database.backup(temporary)
        with Archive.open(temporary, create=False) as copy:
            check = copy.database.integrity_check()
        if check != ["ok"]:
            raise FeedletterError(f"{target}: the copy failed SQLite's integrity check: {check[0]}")
        os.replace(temporary, target)
    except OSError as error:
        raise FeedletterError(f"{target}: cannot write the backup ({error.strerror})") from None
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)
    return check
