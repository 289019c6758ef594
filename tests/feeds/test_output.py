"""The one writer of every output: staged, all or nothing, inside the root, and the run lock.

The full-disk cases run on a small tmpfs (tests and CI run as root); `small_disk` skips
with the reason where mounting is impossible.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from feeds.errors import OutputError
from feeds.output import Output, run_lock
from tests.conftest import SAMPLES, run_cli


@contextmanager
def small_disk(path: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `path` for the test's length."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root (CI runs as root)")
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs at {path}: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(disk: Path, *, leave: int = 0) -> None:
    """Take all but about `leave` bytes of the disk's free space."""
    free = shutil.disk_usage(disk).free - leave
    if free > 0:
        with open(disk / "filler", "ab") as filler:
            os.posix_fallocate(filler.fileno(), 0, free)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def one_line(err: str) -> str:
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


# -- all or nothing ---------------------------------------------------------------------------


def test_a_failure_while_staging_changes_no_output_and_leaves_no_file(tmp_path):
    root = tmp_path / "public"
    Output(root).write_all({"a.html": b"old a", "feeds/b.atom": b"old b"})
    (root / "z.html").mkdir()  # cannot become a file: the third name fails
    before = tree(root)
    with pytest.raises(OutputError, match="z.html"):
        Output(root).write_all({"a.html": b"new a", "feeds/b.atom": b"new b", "new/c.html": b"c", "z.html": b"z"})
    assert tree(root) == before
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == ["a.html", "feeds", "feeds/b.atom", "z.html"]


def test_staged_files_move_into_place_only_at_commit(tmp_path):
    root = tmp_path / "public"
    output = Output(root)
    with output.staging():
        assert output.stage_all({"a.html": b"a", "feeds/b.atom": b"b"}) == ["a.html", "feeds/b.atom"]
        assert [name for name in tree(root) if not Path(name).name.startswith(".")] == []  # temporary names only
        output.commit()
    assert tree(root) == {"a.html": b"a", "feeds/b.atom": b"b"}
    assert Output(root).write_all({"a.html": b"a"}) == []  # same bytes: not written again


def test_staging_left_without_a_commit_discards_everything(tmp_path):
    root = tmp_path / "public"
    Output(root).write_all({"a.html": b"old"})
    output = Output(root)
    with pytest.raises(KeyboardInterrupt), output.staging():
        output.stage_all({"a.html": b"new", "feeds/b.atom": b"b"})
        raise KeyboardInterrupt  # Ctrl-C (or SIGTERM) mid-build
    assert tree(root) == {"a.html": b"old"} and not (root / "feeds").exists()


# -- a full disk ------------------------------------------------------------------------------


def test_a_full_disk_leaves_every_previous_output_intact(tmp_path):
    with small_disk(tmp_path / "disk", "1m") as disk:
        root = disk / "public"
        Output(root).write_all({f"issues/{n:02}.html": b"old" * 1000 for n in range(20)})
        before = tree(root)
        fill(disk, leave=40_000)
        with pytest.raises(OutputError, match="No space left on device") as error:
            Output(root).write_all({f"issues/{n:02}.html": b"new" * 4000 for n in range(20)})
        assert str(error.value).startswith(f"{root}/issues/")
        assert tree(root) == before
        assert not [p for p in root.rglob(".*")]


def test_a_build_on_a_full_disk_is_one_line_and_keeps_the_old_site(site, tmp_path):
    with small_disk(tmp_path / "disk", "8m") as disk:
        site.write_text(site.read_text() + f'\n[paths]\noutput = "{disk}/public"\n', "utf-8")
        assert run_cli("--config", str(site), "ingest", *map(str, SAMPLES))[0] == 0
        assert run_cli("--config", str(site), "build")[0] == 0
        before = tree(disk / "public")
        site.write_text(site.read_text().replace('title = "ILO COOP eNewsUpdate"', 'title = "Another title"'))
        fill(disk, leave=100_000)
        status, _, err = run_cli("--config", str(site), "build")
        assert status == 1 and "No space left on device" in one_line(err)
        assert tree(disk / "public") == before
        assert not [p for p in (disk / "public").rglob(".*")]


# -- symbolic links inside the output folder --------------------------------------------------


def test_a_symlinked_folder_inside_the_output_is_never_written_through(tmp_path):
    root, elsewhere = tmp_path / "public", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "feeds").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError, match="is a symbolic link") as error:
        Output(root).write_all({"index.html": b"i", "feeds/items.atom": b"x"})
    assert str(error.value).startswith(f"{root}/feeds: ")
    assert list(elsewhere.iterdir()) == [] and not (root / "index.html").exists()


def test_a_build_refuses_a_symlinked_folder_in_one_line(site, tmp_path):
    assert run_cli("--config", str(site), "ingest", *map(str, SAMPLES))[0] == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (site.parent / "public").mkdir()
    (site.parent / "public" / "issues").symlink_to(elsewhere, target_is_directory=True)
    status, _, err = run_cli("--config", str(site), "build")
    assert status == 1 and "is a symbolic link" in one_line(err)
    assert list(elsewhere.iterdir()) == []


def test_a_symlinked_root_is_fine(tmp_path):
    """Publishing through a link to the web server's folder is what the root is for."""
    (tmp_path / "www").mkdir()
    (tmp_path / "public").symlink_to(tmp_path / "www", target_is_directory=True)
    assert Output(tmp_path / "public").write_all({"feeds/items.atom": b"x"}) == ["feeds/items.atom"]
    assert (tmp_path / "www" / "feeds" / "items.atom").read_bytes() == b"x"


# -- the run lock -----------------------------------------------------------------------------


def test_a_lock_path_that_is_a_directory_is_one_line(tmp_path):
    (tmp_path / "feedletter.db.lock").mkdir()
    with pytest.raises(OutputError, match="cannot use it as the run lock"), run_lock(tmp_path / "feedletter.db.lock", wait=0):
        pass


def test_a_command_whose_lock_path_is_a_directory_says_so(site):
    (site.parent / "feedletter.db.lock").mkdir()
    status, _, err = run_cli("--config", str(site), "ingest", str(SAMPLES[0]))
    assert status == 1 and "feedletter.db.lock: cannot use it as the run lock" in one_line(err)
