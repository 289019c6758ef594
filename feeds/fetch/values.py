"""What a fetch is asked and answers, and its limits."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 64 * 1024 * 1024  # a 50 MB listing is read; a 100 MB feed is refused (decoded size)
TIMEOUT = 20.0
RETRIES = 2
BACKOFF = 1.0
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    location: str  # the final URL (after redirects, without credentials) or the file path
    data: bytes | None  # None when not modified
    status: int = 200
    content_type: str | None = None  # media type, lowercase, without parameters
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # where permanent redirects (301, 308) from the start led: the new address

    @property
    def not_modified(self) -> bool:
        return self.status == 304
