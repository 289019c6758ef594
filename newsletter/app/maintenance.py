"""Looking after the archive: list items, hide and show them, set a category by hand,
export and import the whole archive, and back it up. Use cases; the CLI prints."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feeds.archive import ADDED_FIELDS, EXPORT_FIELDS, Archive
from feeds.dates import plausible
from feeds.errors import FeedletterError, UsageError
from feeds.identity import category_key, item_key
from feeds.markup import clean_markup
from feeds.model import Item, Problem
from feeds.output import run_lock
from feeds.sanitise import FORBIDDEN, describe, normalise_space, strip
from feeds.sources.items import FIELDS as ITEM_FIELDS
from feeds.sources.items import json_elements_with_lines, nesting_problem, read_row
from feeds.urls import absolute_url, iri_fault, is_absolute

from .config import Settings
from .usecases.access import lock_path

EXPORT_VERSION = 1


# -- items on the command line -------------------------------------------------------------


SHORTEST_ID_END = 6  # "hide 0" must not pick whichever item's id happens to end in 0


def resolve_ids(archive: Archive, texts: Sequence[str]) -> list[str]:
    """Full ids for ids given as the whole tag URI or a unique end of it of at least
    SHORTEST_ID_END characters (such as the 16-hex tail). Unknown, ambiguous or too short:
    a usage error naming it, nothing changed."""
    found = []
    for text in texts:
        text = text.strip()
        matches = archive.ids_ending(text) if text else []
        if matches != [text] and len(text) < SHORTEST_ID_END:
            raise UsageError(f"{text!r}: too short to pick an item, expected the whole id or at least "
                             f"{SHORTEST_ID_END} characters of its end (see 'feedletter items')")
        if not matches:
            raise UsageError(f"{text!r}: no item has this id (see 'feedletter items')")
        if len(matches) > 1:
            shown = ", ".join(matches[:3]) + (", ..." if len(matches) > 3 else "")
            raise UsageError(f"{text!r}: the ids of several items end like this ({shown}); give more of the id")
        found.append(matches[0])
    return found


def _titles(archive: Archive, ids: Sequence[str]) -> dict[str, str]:
    wanted = set(ids)
    return {item.id: item.title for item in archive.items(include_hidden=True) if item.id in wanted}


def list_items(settings: Settings, *, month: str | None = None, category: str | None = None,
               search: str | None = None, include_hidden: bool = False) -> list[Item]:
    """Items newest first: of one month, of one category (any spelling of it), with
    every word of `search` in the title or summary (case-insensitive)."""
    with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
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


def set_hidden(settings: Settings, texts: Sequence[str], *, hidden: bool) -> tuple[dict[str, str], dict[str, str]]:
    """Hide or show items -> (id -> title of those changed, of those already so). They stay
    in the archive, and the next build changes only the outputs that list them."""
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
            ids = list(dict.fromkeys(resolve_ids(archive, texts)))
            changed = set(archive.set_hidden(ids, hidden))
            titles = _titles(archive, ids)
    return ({item_id: titles[item_id] for item_id in ids if item_id in changed},
            {item_id: titles[item_id] for item_id in ids if item_id not in changed})


def recategorise(settings: Settings, text: str, category: str, *, now: datetime) -> tuple[str, str, bool]:
    """Set an item's category by hand -> (its id, its title, whether anything changed)."""
    category = " ".join(category.split())
    if not category:
        raise UsageError("the category must not be empty")
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
            (item_id,) = resolve_ids(archive, [text])
            changed = archive.recategorise(item_id, category, now=now)
            return item_id, _titles(archive, [item_id])[item_id], changed


# -- export and import ---------------------------------------------------------------------


def export_archive(settings: Settings, *, form: str = "json") -> str:
    """The whole archive, hidden items too, in the order stored: JSON with the
    archive's authority, or CSV with a header row (`keys` one per line)."""
    with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
        rows = archive.export_rows()
        authority = archive.authority(settings.meta.id_authority)
    if form == "json":
        document = {"feedletter_export": EXPORT_VERSION, "authority": authority, "items": rows}
        return json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([*EXPORT_FIELDS, "keys"])
    for row in rows:
        writer.writerow([_csv_cell(row[name]) for name in EXPORT_FIELDS] + [_defused("\n".join(row["keys"]))])
    return stream.getvalue()


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _defused(str(value))


# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(…), +, -, @,
# and tab or CR before them). As OWASP advises, such cells are written after a "'", which
# the spreadsheet shows as text; a cell that starts with "'" before one of them gets one
# more, so that import, removing one, gives back exactly what was exported.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defused(cell: str) -> str:
    return "'" + cell if cell.lstrip("'")[:1] in _FORMULA_STARTS and cell else cell


def _undefused(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell.lstrip("'")[:1] in _FORMULA_STARTS else cell


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    skipped: int  # already in the archive, by id or by title and date
    refused: int = 0  # rows ingest's checks refused
    problems: tuple[Problem, ...] = ()  # what those checks changed or refused, by line


def import_archive(settings: Settings, path: Path) -> ImportReport:
    """Read an export (JSON or CSV) back into the archive, in one transaction. Rows keep
    their ids, offsets and times; rows the archive knows already are skipped. Every row
    passes the checks ingest makes (feeds.sources.items.read_row: forbidden characters,
    titles, dates, URLs), since an edited export is as untrusted as any items file: what
    they change is told by line, what they refuse is not imported."""
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
    rows, problems = [], []
    for line, row in raw:
        checked, told = _checked(_exported(row, f"{path}:{line}"), line=line, source=str(path))
        problems += told
        if checked is not None:
            rows.append(checked)
    with run_lock(lock_path(settings), wait=settings.lock_wait):
        with Archive.open(settings.archive, wait=settings.lock_wait) as archive:
            stored = archive.database.meta("authority")
            if stored is not None and stored != authority and rows:
                raise UsageError(
                    f"{path}: its ids belong to {authority!r} but this archive's to {stored!r}; "
                    "import into an archive of the same site"
                )
            added, skipped = archive.import_rows(rows, authority=authority)
    return ImportReport(added, skipped, len(raw) - len(rows), tuple(problems))


def _read_json(path: Path, text: str) -> tuple[str, list[tuple[int, Any]]]:
    """(authority, [(line, row)]): each row with the line it starts on."""
    too_deep = nesting_problem(text, source=str(path), syntax="json")
    if too_deep is not None:
        raise UsageError(str(too_deep))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    if not isinstance(document, dict) or document.get("feedletter_export") != EXPORT_VERSION:
        raise UsageError(f"{path}: not a feedletter export (expected \"feedletter_export\": {EXPORT_VERSION})")
    authority, items = document.get("authority"), document.get("items")
    if not isinstance(authority, str) or not authority or not isinstance(items, list):
        raise UsageError(f"{path}: a feedletter export needs \"authority\" (a string) and \"items\" (an array)")
    located = json_elements_with_lines(text)
    lines = [line for line, _ in located] if located and len(located) == len(items) else [1] * len(items)
    return authority, list(zip(lines, items))


def _read_csv(path: Path, text: str) -> list[tuple[int, dict]]:
    """[(line, row)]: each row with the line it starts on, its cells as exported before a
    spreadsheet could take them for formulas."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    missing = [name for name in EXPORT_FIELDS if name not in header and name not in ADDED_FIELDS]
    if missing:
        raise UsageError(f"{path}: not a feedletter export: no column {missing[0]!r} in the header row")
    rows = []
    start = reader.line_num + 1
    for cells in reader:
        if not cells:  # a blank line
            start = reader.line_num + 1
            continue
        row: dict[str, Any] = dict.fromkeys(header)
        row.update((name, _undefused(value) if value != "" else None) for name, value in zip(header, cells))
        row["hidden"] = {"true": True, "false": False, "1": True, "0": False}.get((row["hidden"] or "").lower(), row["hidden"])
        for name in ("day_offset", "image_width", "image_height"):
            if (row.get(name) or "").lstrip("-").isdigit():
                row[name] = int(row[name])
        row["keys"] = (row.get("keys") or "").splitlines()
        rows.append((start, row))
        start = reader.line_num + 1
    return rows


_TEXT = ("id", "title", "date", "source", "published", "updated", "first_seen")
_OPTIONAL = ("category", "category_override", "summary", "url", "content_html", "image_url", "image_alt")
_SIZES = ("image_width", "image_height")


def _exported(row, where: str) -> dict:
    """One exported item with the shape of an export, field by field: anything else is not
    an export at all (a usage error naming the line and field)."""
    if not isinstance(row, dict):
        raise UsageError(f"{where}: expected an object")
    for name in _TEXT:
        if not isinstance(row.get(name), str) or not row[name]:
            raise UsageError(f"{where}: '{name}' must be a non-empty string")
    for name in _OPTIONAL:
        if row.get(name) is not None and not isinstance(row[name], str):
            raise UsageError(f"{where}: '{name}' must be a string or null")
    for name in _SIZES:
        if row.get(name) is not None and (not isinstance(row[name], int) or isinstance(row[name], bool) or row[name] < 1):
            raise UsageError(f"{where}: '{name}' must be a positive integer or null")
    if not isinstance(row.get("day_offset"), int) or isinstance(row["day_offset"], bool):
        raise UsageError(f"{where}: 'day_offset' must be an integer")
    if not isinstance(row.get("hidden", False), bool):
        raise UsageError(f"{where}: 'hidden' must be true or false")
    for name in ("published", "updated", "first_seen"):
        try:
            moment = datetime.fromisoformat(row[name])
        except ValueError as error:
            raise UsageError(f"{where} ({row['id']}): {error}") from None
        if moment.tzinfo is None or not plausible(moment.date()):
            raise UsageError(f"{where} ({row['id']}): '{name}' must be a plausible time with its UTC offset, "
                             f"not {row[name]!r}")
    keys = row.get("keys") or []
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        raise UsageError(f"{where}: 'keys' must be an array of strings")
    return {**{name: row.get(name) for name in EXPORT_FIELDS}, "hidden": bool(row.get("hidden", False)), "keys": keys}


def _checked(row: dict, *, line: int, source: str) -> tuple[dict | None, list[Problem]]:
    """The row as ingest would store it, and what the checks changed (problems), or None
    when they refuse it. A row they leave alone is kept exactly as exported."""
    item, problems = read_row({name: row.get(name) for name in ITEM_FIELDS}, line=line, source=source)
    refusal = _unfit_export_text(row)
    if refusal is not None:
        return None, [*problems, Problem(source, line, f"{refusal}; row skipped")]
    if item is None:
        return None, problems
    assert item.date is not None  # read_row refuses an undated row
    override, override_problems = _category_override(row["category_override"], line=line, source=source)
    clean = dict(row, category_override=override, date=item.date.isoformat())
    if problems:  # changed by the checks: stored as ingest would have stored it
        clean.update(title=item.title, category=item.category, summary=item.summary, url=item.url)
    # markup and pictures as a source's would be: the safe subset, absolute http(s) only
    clean["content_html"] = clean_markup(row["content_html"], clean["url"]) if row["content_html"] else None
    if row["image_url"] and absolute_url(row["image_url"]) != row["image_url"]:
        problems = [*problems, Problem(source, line, f"image {row['image_url']!r} is not an absolute http(s) URL; "
                                                     "dropped")]
        clean.update(image_url=None, image_alt=None, image_width=None, image_height=None)
    clean["keys"] = list(dict.fromkeys([item_key(clean["title"], item.date), *row["keys"]]))
    return clean, [*problems, *override_problems]


def _unfit_export_text(row: dict) -> str | None:
    """Why the fields an export alone carries (ids, sources, times, keys) cannot be stored:
    an id is published as every feed's entry id, so it must be an IRI."""
    if not is_absolute(row["id"]) or iri_fault(row["id"]):
        return f"'id' must be an absolute IRI such as tag:example.org,2020:item/1, not {row['id']!r}"
    for name in ("id", "source", "published", "updated", "first_seen", "keys"):
        texts = row[name] if isinstance(row[name], list) else [row[name]]
        found = [char for text in texts for char in FORBIDDEN.findall(text)]
        if found:
            return f"'{name}' holds {describe(found).removesuffix(' removed')}"
    return None


def _category_override(value: str | None, *, line: int, source: str) -> tuple[str | None, list[Problem]]:
    """A category set by hand, cleaned as ingest cleans a category."""
    if value is None:
        return None, []
    found = FORBIDDEN.findall(value)
    clean = normalise_space(strip(value)) or None
    return clean, [Problem(source, line, f"{describe(found)} from the category {clean!r}")] if found else []


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
        with Archive.open(settings.archive, create=False, wait=settings.lock_wait) as archive:
            archive.database.check_sound()  # a page-for-page copy would carry the damage along
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
