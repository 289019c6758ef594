"""Errors a user can act on. `str(error)` is the whole message they read."""


class FeedletterError(Exception):
    """Base class; the CLI turns it into one line on stderr and an exit code."""

    exit_code = 1


class UsageError(FeedletterError):
    """Bad config, bad arguments, or an input that is not what it should be at all."""

    exit_code = 2


class NotAListing(UsageError):
    """An input file in which nothing could be read as an item."""


class SourceError(FeedletterError):
    """A source could not be read (missing file, HTTP failure)."""


class SourceGone(SourceError):
    """The server says the source is gone for good (HTTP 410)."""


class SourceBusy(SourceError):
    """The server asks to be left alone for a while (429 or 503 with Retry-After)."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after  # seconds from now


class OutputError(FeedletterError):
    """An output could not be written, or a path would leave the output directory."""


class LockTimeout(FeedletterError):
    """Another run holds the lock."""


class ArchiveError(FeedletterError):
    """The archive file cannot be opened, read or written."""


class ArchiveBusy(ArchiveError, LockTimeout):
    """Another process held a write transaction on the archive for longer than the wait."""


class ArchiveDamaged(ArchiveError):
    """The archive file is corrupt: nothing is written to it until it is restored."""


class Terminated(SystemExit):
    """SIGTERM arrived. Raised by the CLI's signal handler so that every `finally` and
    rollback runs on the way out; a SystemExit, so no `except Exception` swallows it."""


class DateError(ValueError):
    """A line shaped like a date whose value is impossible; the message says why."""
