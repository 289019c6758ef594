"""Local files as sources: regular files only (a device or a named pipe may never end,
or block forever), read up to the size limit."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import SourceError, UsageError
from .values import MAX_BYTES, Fetched


def read_file(path: Path, max_bytes: int = MAX_BYTES) -> Fetched:
    """A local file's bytes, refused above the size limit like a download. Only a
    regular file is read: a device or a named pipe may never end, or block forever."""
    try:
        size = _regular_size(path, path.stat())
        if size > max_bytes:
            raise SourceError(f"{path}: {size} bytes is more than the limit of {max_bytes} bytes; not read")
        # non-blocking open: a file swapped for a pipe since the check cannot block here
        with open(path, "rb", opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as file:
            _regular_size(path, os.fstat(file.fileno()))
            data = file.read(max_bytes + 1)  # a file growing meanwhile is still read within the limit
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot read ({error.strerror})") from None
    if len(data) > max_bytes:
        raise SourceError(f"{path}: more than the limit of {max_bytes} bytes; not read")
    return Fetched(str(path), data)


_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _regular_size(path: Path, status: os.stat_result) -> int:
    if stat.S_ISDIR(status.st_mode):
        raise UsageError(f"{path}: is a directory, expected a listing, page, feed or items file")
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _NOT_REGULAR if test(status.st_mode)), "a special file")
        raise UsageError(f"{path}: not a regular file ({kind}); expected a listing, page, feed or items file")
    return status.st_size


