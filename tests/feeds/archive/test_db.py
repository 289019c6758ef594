"""The archive file's edge: every SQLite failure is one line naming the archive.

A full disk (a small tmpfs, filled), another process holding a write transaction, and a
damaged page in the middle of the file: each gives one line and a non-zero exit, and the
archive keeps exactly what it held.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from feeds.archive import Archive, Database
from feeds.errors import ArchiveDamaged
from tests.conftest import SAMPLES, run_cli
from tests.feeds.test_output import fill, one_line, small_disk, tree
from tests.test_crash_safety import listing

BIG_SOURCES = ("alpha", "beta", "gamma")  # 1000 items each: far more than a full disk takes


def with_archive_at(site: Path, archive: Path, *, lock_wait: float = 5) -> Path:
    site.write_text(site.read_text() + f'\n[paths]\narchive = "{archive}"\n[feeds]\nlock_wait = {lock_wait}\n', "utf-8")
    return site


def big_sources(folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    paths = [folder / f"{name}.txt" for name in BIG_SOURCES]
    for path, name in zip(paths, BIG_SOURCES):
        path.write_text(listing(name, 0), "utf-8")
    return paths


def rows(archive: Path) -> list[tuple]:
    with closing(sqlite3.connect(archive)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return db.execute("SELECT * FROM items ORDER BY id").fetchall()


# -- a full disk ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["ingest", "run"])
@pytest.mark.parametrize("room", [200_000, 0])  # full mid-transaction; no room even for the WAL index
def test_a_full_disk_while_storing_is_one_line_and_keeps_the_archive(site, tmp_path, command, room):
    with small_disk(tmp_path / "disk", "16m") as disk:
        archive = disk / "feedletter.db"
        sources = big_sources(tmp_path / "sources")
        with_archive_at(site, archive)
        site.write_text(site.read_text() + "".join(
            f'\n[[sources]]\nname = "{path.stem}"\nkind = "listing"\nlocation = "{path}"\n' for path in sources
        ), "utf-8")
        assert run_cli("--config", str(site), "ingest", *map(str, SAMPLES))[0] == 0
        before = rows(archive)
        fill(disk, leave=room)
        args = ["ingest", *map(str, sources)] if command == "ingest" else ["run"]
        status, _, err = run_cli("--config", str(site), *args)
        assert status == 1, err
        assert f"{archive}: cannot write the archive: its disk is full" in one_line(err)
        (disk / "filler").unlink()  # room again, if only to read the archive back
        assert rows(archive) == before
        assert run_cli("--config", str(site), *args)[0] == 0  # and it goes on as usual
        assert len(rows(archive)) == len(before) + 3000


# -- another process writing ------------------------------------------------------------------


def hold_write_lock(archive: Path) -> sqlite3.Connection:
    """Another process's write transaction on the archive (as `sqlite3 feedletter.db` would hold)."""
    other = sqlite3.connect(archive, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_busy_archive_waits_lock_wait_then_says_so(site, tmp_path):
    with_archive_at(site, tmp_path / "feedletter.db", lock_wait=1)
    assert run_cli("--config", str(site), "ingest", str(SAMPLES[0]))[0] == 0
    before = rows(tmp_path / "feedletter.db")
    other = hold_write_lock(tmp_path / "feedletter.db")
    try:
        started = time.monotonic()
        status, _, err = run_cli("--config", str(site), "ingest", *map(str, SAMPLES[1:]))
        assert time.monotonic() - started < 25  # the busy wait ended well before SQLite's old 30 s
    finally:
        other.rollback()
        other.close()
    assert status == 1
    assert "feedletter.db: the archive is busy: another process is writing to it (waited 1 s)" in one_line(err)
    assert rows(tmp_path / "feedletter.db") == before


def test_the_busy_wait_ends_as_soon_as_the_other_writer_is_done(tmp_path):
    with Archive.open(tmp_path / "a.db"):
        pass
    other = hold_write_lock(tmp_path / "a.db")
    threading.Timer(0.5, other.rollback).start()
    with Database.open(tmp_path / "a.db", wait=20) as database, database.transaction() as db:
        db.execute("INSERT INTO meta VALUES ('written', 'yes')")
    other.close()
    with Database.open(tmp_path / "a.db") as database:
        assert database.meta("written") == "yes"


def test_a_failing_run_record_never_hides_the_real_error(site, tmp_path):
    """The build fails (a folder it must not write through); recording that in a busy
    archive fails too, quietly: the build's own error is the one told."""
    with_archive_at(site, tmp_path / "feedletter.db", lock_wait=1)
    assert run_cli("--config", str(site), "ingest", str(SAMPLES[0]))[0] == 0
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "issues").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    other = hold_write_lock(tmp_path / "feedletter.db")
    try:
        status, _, err = run_cli("--config", str(site), "build")
    finally:
        other.rollback()
        other.close()
    assert status == 1 and "is a symbolic link" in one_line(err)


# -- a damaged archive ------------------------------------------------------------------------


def damage_an_items_page(archive: Path) -> None:
    """Overwrite a page in the middle of the items table with garbage."""
    with closing(sqlite3.connect(archive)) as db:
        size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = [page for (page,) in db.execute("SELECT pageno FROM dbstat WHERE name = 'items' AND pagetype = 'leaf'")]
    with open(archive, "r+b") as file:
        file.seek((pages[len(pages) // 2] - 1) * size)
        file.write(b"\xa5" * size)


@pytest.fixture
def damaged(site: Path, tmp_path: Path) -> Path:
    """A built site whose archive has a damaged page; the archive is tmp_path/feedletter.db."""
    assert run_cli("--config", str(site), "ingest", *map(str, SAMPLES))[0] == 0
    assert run_cli("--config", str(site), "build")[0] == 0
    damage_an_items_page(tmp_path / "feedletter.db")
    return site


def damage_message(archive: Path) -> str:
    return (f"{archive}: the archive is damaged: restore a backup, or "
            f"`sqlite3 {archive} .recover | sqlite3 {archive.parent / 'recovered.db'}`")


def test_a_damaged_archive_is_never_written_to(damaged, tmp_path):
    archive = tmp_path / "feedletter.db"
    late = tmp_path / "late.txt"
    late.write_text("  1. News\n\n    A late story\n\n    15 January 2023\n\n    Found later.\n", "utf-8")
    before = archive.read_bytes()
    status, _, err = run_cli("--config", str(damaged), "ingest", str(late))
    assert status == 1 and damage_message(archive) in one_line(err)
    assert archive.read_bytes() == before


def test_a_damaged_archive_builds_nothing(damaged, tmp_path):
    public = tmp_path / "public"
    before = tree(public)
    damaged.write_text(damaged.read_text().replace('title = "ILO COOP eNewsUpdate"', 'title = "Another title"'))
    status, _, err = run_cli("--config", str(damaged), "build")
    assert status == 1 and damage_message(tmp_path / "feedletter.db") in one_line(err)
    assert tree(public) == before


def test_a_damaged_archive_is_not_backed_up(damaged, tmp_path):
    status, _, err = run_cli("--config", str(damaged), "backup", str(tmp_path / "copy.db"))
    assert status == 1 and damage_message(tmp_path / "feedletter.db") in one_line(err)
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith((".copy", "copy"))) == []


def test_opening_a_damaged_archive_in_code_raises_archive_damaged(damaged, tmp_path):
    with pytest.raises(ArchiveDamaged), Archive.open(tmp_path / "feedletter.db") as archive:
        archive.items()


def test_a_file_checked_sound_is_not_read_through_again_until_someone_else_changes_it(tmp_path):
    path = tmp_path / "feedletter.db"

    def write_and_count_checks() -> int:
        checks: list[str] = []
        with Database.open(path) as database:
            database.connection.set_trace_callback(checks.append)
            with database.transaction() as db:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('probe', ?)", (str(time.time()),))
        return sum(statement.startswith("PRAGMA quick_check") for statement in checks)

    with Database.open(path):  # made, and checked, by this process
        pass
    assert write_and_count_checks() == 0  # nobody else touched it since: the build's journal record
    time.sleep(0.01)
    path.touch()  # someone else changed the file
    assert write_and_count_checks() == 1
    assert write_and_count_checks() == 0
