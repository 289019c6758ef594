"""The journal's records of pictures (journal migration 8): each item page's answer to
the og:image question, and the picture files each local source read last time. They
share the journal's connection (sqlite3 stays the journal's import)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from feeds.archive import Database
from feeds.archive.db import select_in
from feeds.dates import rfc3339
from feeds.model import Image


@dataclass(frozen=True, slots=True)
class PageAnswer:
    """What an item's page said: its picture, none (image None), or why it could not be read."""

    image: Image | None = None
    error: str | None = None


class PictureRecords:
    """`Journal(archive).pictures`."""

    def __init__(self, database: Database):
        self._database = database

    def page_answers(self, pages: Sequence[str]) -> dict[str, PageAnswer]:
        """What the item pages among `pages` answered when they were fetched for a picture."""
        rows = select_in(self._database.connection, "SELECT page, image_url, image_alt, image_width, image_height,"
                         " error FROM page_images WHERE page IN ({})", sorted(set(pages)))
        return {page: PageAnswer(Image(url, alt, width, height) if url else None, error)
                for page, url, alt, width, height, error in rows}

    def remember_page_answers(self, answers: Mapping[str, PageAnswer], *, now: datetime) -> None:
        with self._database.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO page_images (page, image_url, image_alt, image_width, image_height, error,"
                " checked) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(page, *((answer.image.url, answer.image.alt, answer.image.width, answer.image.height)
                          if answer.image else (None, None, None, None)), answer.error, rfc3339(now))
                 for page, answer in sorted(answers.items())],
            )

    def source_pictures(self) -> dict[str, dict[str, str]]:
        """Source name -> {picture file read: sha256 of its bytes} as of its last reading."""
        found: dict[str, dict[str, str]] = {}
        rows = self._database.execute("SELECT source, path, sha256 FROM source_pictures ORDER BY source, path")
        for source, path, digest in rows:
            found.setdefault(source, {})[path] = digest
        return found

    def remember_source_pictures(self, source: str, read: Mapping[str, str]) -> None:
        """The files `source` read this time replace those it read before."""
        with self._database.transaction() as db:
            db.execute("DELETE FROM source_pictures WHERE source = ?", (source,))
            db.executemany("INSERT INTO source_pictures (source, path, sha256) VALUES (?, ?, ?)",
                           [(source, path, digest) for path, digest in sorted(read.items())])
