"""The one writer of every output file, and the run lock.

Files are written only when their bytes change, so an unchanged feed keeps its mtime and
with it its ETag and Last-Modified. Changed files are staged first, each under a
temporary name next to its output, and moved into place together once all are written:
whatever stops the work before that (an error, a full disk, Ctrl-C, SIGTERM) leaves every
output as it was and removes what was staged.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from .errors import LockTimeout, OutputError

_TEMPORARY = re.compile(r"\.[^/]+\.[A-Za-z0-9]+\.[a-z0-9_]{8}")  # tempfile.mkstemp(prefix=".<name>.")


@contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done (they arrive as it ends)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class Output:
    def __init__(self, root: Path, *, dry_run: bool = False):
        self.root = root
        self.dry_run = dry_run  # compare and report as usual, but write and remove nothing
        self._staged: dict[str, Path] = {}  # output name -> its temporary file, in the order staged
        self._made: list[Path] = []  # folders made for staged files, removed again if they stay empty

    def path(self, relative: str) -> Path:
        """The file for a relative output name; never outside the root."""
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in relative or "\0" in relative:
            raise OutputError(f"{relative!r}: output names must stay inside {self.root}")
        target = self.root.joinpath(*pure.parts)
        self._refuse_linked_folders(target)
        return target

    def _refuse_linked_folders(self, target: Path) -> None:
        """A symbolic link to a folder inside the root would take writes outside it (the
        root itself may be a link: publishing through one is what it is for)."""
        folder = target.parent
        while folder != self.root:
            if folder.is_symlink():
                raise OutputError(
                    f"{folder}: is a symbolic link; feedletter writes only into real folders inside {self.root}"
                )
            folder = folder.parent

    def write(self, relative: str, data: bytes) -> bool:
        """Write one file (see write_all); True if its bytes changed."""
        return bool(self.write_all({relative: data}))

    def write_all(self, files: Mapping[str, bytes]) -> list[str]:
        """Stage every file, then move them all into place; returns the names whose bytes
        changed. A failure writes none of them."""
        with self.staging():
            changed = self.stage_all(files)
            self.commit()
        return changed

    @contextmanager
    def staging(self) -> Iterator[Output]:
        """Files staged inside move into place only at `commit()`; leaving it any other
        way (an error, a signal) removes what was staged and changes no output."""
        try:
            yield self
        finally:
            self._discard()

    def stage_all(self, files: Mapping[str, bytes]) -> list[str]:
        """Check every name first, then stage; returns the names whose bytes changed."""
        for name in files:
            self.path(name)
        return [name for name in sorted(files) if self.stage(name, files[name])]

    def stage(self, relative: str, data: bytes) -> bool:
        """Write `data` under a temporary name next to its output, unless the output holds
        exactly it already; True if it differs."""
        target = self.path(relative)
        if _holds(target, data):
            return False
        if self.dry_run:
            return True
        if relative in self._staged:  # staged again: the newer bytes win
            self._staged.pop(relative).unlink(missing_ok=True)
        try:
            self._make_folder(target.parent)
            with signals_held():  # a stop between creating the file and noting it would leave it behind
                handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
                self._staged[relative] = Path(temporary)
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o644)
        except OSError as error:
            raise OutputError(f"{target}: cannot write ({error.strerror})") from None
        return True

    def commit(self) -> None:
        """Move every staged file into place, in the order staged. Ctrl-C and SIGTERM wait
        until the renames are done: they are quick, and a stop among them would leave a mix."""
        with signals_held():
            for name, temporary in list(self._staged.items()):
                try:
                    os.replace(temporary, self.path(name))
                except OSError as error:
                    raise OutputError(f"{self.path(name)}: cannot write ({error.strerror})") from None
                del self._staged[name]
        self._made.clear()  # they hold outputs now

    def _make_folder(self, folder: Path) -> None:
        if folder.is_dir():
            return
        self._make_folder(folder.parent)
        folder.mkdir()
        self._made.append(folder)

    def _discard(self) -> None:
        for temporary in self._staged.values():
            temporary.unlink(missing_ok=True)
        self._staged.clear()
        for folder in reversed(self._made):
            with contextlib.suppress(OSError):  # not empty: another staged file's output is there
                folder.rmdir()
        self._made.clear()

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


def _holds(target: Path, data: bytes) -> bool:
    try:
        return target.read_bytes() == data
    except FileNotFoundError:
        return False
    except OSError as error:
        raise OutputError(f"{target}: cannot read ({error.strerror})") from None


@contextmanager
def run_lock(path: Path, *, wait: float) -> Iterator[None]:
    """Hold an exclusive lock for a whole run; wait at most `wait` seconds for it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")
    except OSError as error:
        raise OutputError(
            f"{path}: cannot use it as the run lock ({error.strerror}); it must be a file feedletter can write"
        ) from None
    with handle:
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
