"""The one writer of every output file, and the run lock.

Files are written atomically (temporary file + `os.replace`) and only when their bytes
change, so an unchanged feed keeps its mtime and with it its ETag and Last-Modified.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .errors import LockTimeout, OutputError

_TEMPORARY = re.compile(r"\.[^/]+\.[A-Za-z0-9]+\.[a-z0-9_]{8}")  # tempfile.mkstemp(prefix=".<name>.")


class Output:
    def __init__(self, root: Path, *, dry_run: bool = False):
        self.root = root
        self.dry_run = dry_run  # compare and report as usual, but write and remove nothing

    def path(self, relative: str) -> Path:
        """The file for a relative output name; never outside the root."""
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in relative or "\0" in relative:
            raise OutputError(f"{relative!r}: output names must stay inside {self.root}")
        return self.root.joinpath(*pure.parts)

    def write(self, relative: str, data: bytes) -> bool:
        """Write `data` unless the file already holds exactly it; True if written."""
        target = self.path(relative)
        try:
            if target.read_bytes() == data:
                return False
        except FileNotFoundError:
            pass
        except OSError as error:
            raise OutputError(f"{target}: cannot read ({error.strerror})") from None
        if self.dry_run:
            return True
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(temporary, 0o644)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise OutputError(f"{target}: cannot write ({error.strerror})") from None
        return True

    def existing(self, *folders: str) -> set[str]:
        """The output names of the files directly inside the given folders: one
        directory listing instead of a stat per file."""
        names: set[str] = set()
        for folder in folders:
            try:
                with os.scandir(self.path(folder)) as entries:
                    names.update(f"{folder}/{entry.name}" for entry in entries if entry.is_file())
            except FileNotFoundError:
                pass
        return names

    def remove(self, relative: str) -> bool:
        """Delete an output that is no longer produced; True if it existed."""
        if self.dry_run:
            return self.path(relative).exists()
        try:
            self.path(relative).unlink()
        except FileNotFoundError:
            return False
        except OSError as error:
            raise OutputError(f"{self.path(relative)}: cannot remove ({error.strerror})") from None
        return True

    def remove_temporaries(self) -> list[str]:
        """Delete the temporary files (".items.atom.k3j9x_2a") a killed run left behind;
        call it under the run lock. They never replace an output, so they are harmless,
        but they must not pile up. Returns their names."""
        removed = []
        for path in sorted(self.root.rglob(".*")) if self.root.is_dir() else ():
            if path.is_file() and _TEMPORARY.fullmatch(path.name):
                if not self.dry_run:
                    path.unlink(missing_ok=True)
                removed.append(path.relative_to(self.root).as_posix())
        return removed

    def write_all(self, files: Mapping[str, bytes]) -> list[str]:
        """Check every name first, then write; returns the names whose bytes changed."""
        for name in files:
            self.path(name)
        return [name for name in sorted(files) if self.write(name, files[name])]


@contextmanager
def run_lock(path: Path, *, wait: float) -> Iterator[None]:
    """Hold an exclusive lock for a whole run; wait at most `wait` seconds for it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"{path}: another feedletter run holds the lock (waited {wait:g} s); "
                        "try again later"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
