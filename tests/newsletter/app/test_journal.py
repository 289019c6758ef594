"""The application's journal in the archive file: its own migrations, and archives
written by earlier releases opened, migrated and kept whole."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

from feeds.archive import Archive
from feeds.archive.db import MIGRATIONS as ITEM_MIGRATIONS
from newsletter.app.journal import Journal
from newsletter.app.journal_schema import MIGRATIONS as JOURNAL_MIGRATIONS
from tests.conftest import run_cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RELEASE_0_1 = FIXTURES / "archive-0.1.0.db"  # made by feedletter 0.1.0: run, hide, recategorise, build, a send
TABLES = ("meta", "items", "item_keys", "sources", "problems_seen", "sends", "runs", "build_state")


def rows(path: Path, columns_of: Path | None = None) -> dict[str, set[tuple]]:
    """Every row of each table, as the columns of `columns_of` (default: the file's own)."""
    with contextlib.closing(sqlite3.connect(columns_of or path)) as db:
        columns = {table: ", ".join(row[1] for row in db.execute(f"PRAGMA table_info({table})")) for table in TABLES}
    with contextlib.closing(sqlite3.connect(path)) as db:
        return {table: set(db.execute(f"SELECT {columns[table]} FROM {table}")) for table in TABLES}


def test_an_archive_of_release_0_1_migrates_and_keeps_every_row(tmp_path):
    path = tmp_path / "feedletter.db"
    shutil.copy(RELEASE_0_1, path)
    before = rows(path)
    assert all(before[table] for table in TABLES), "the fixture should hold rows in every table"
    with Archive.open(path) as archive:
        journal = Journal(archive)
        assert [send.recipients for send in journal.sends("2023-01", kind="list")] == [3]
        assert journal.source_states()["coop"].last_status == "file"
        assert len(journal.runs()) == 3 and len(archive.items(include_hidden=True)) == 10
    after = rows(path, columns_of=RELEASE_0_1)
    for table in TABLES:
        assert before[table] <= after[table], f"{table}: rows lost or changed in the migration"
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(ITEM_MIGRATIONS),)
        assert db.execute("SELECT version FROM journal_schema").fetchone() == (len(JOURNAL_MIGRATIONS),)


def test_a_migrated_archive_serves_every_command(tmp_path):
    shutil.copy(RELEASE_0_1, tmp_path / "feedletter.db")
    config = tmp_path / "feedletter.toml"
    config.write_text('[site]\ntitle = "Fixture site"\nbase_url = "https://news.example.org/"\n'
                      'timezone = "Europe/Zurich"\ntag_authority = "news.example.org,2026"\n'
                      'author = { name = "Fixture Unit", email = "unit@example.org" }\n', encoding="utf-8")
    for command in (["status"], ["build"], ["items", "--hidden"], ["backup", str(tmp_path / "copy.db")]):
        status, _out, err = run_cli("--config", str(config), *command)
        assert status == 0, (command, err)
    assert (tmp_path / "public" / "feeds" / "items.atom").exists()


def test_a_new_archive_gets_the_journal_from_its_own_migrations(tmp_path):
    with Archive.open(tmp_path / "new.db") as archive:
        Journal(archive)
    with contextlib.closing(sqlite3.connect(tmp_path / "new.db")) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert set(TABLES) | {"journal_schema"} <= tables
        columns = {row[1] for row in db.execute("PRAGMA table_info(problems_seen)")}
        assert "message" in columns


def test_a_journal_newer_than_this_release_is_refused(tmp_path):
    with Archive.open(tmp_path / "new.db") as archive:
        Journal(archive)
        archive.database.execute("UPDATE journal_schema SET version = 99")
    status, _, err = run_cli("--config", str(_config(tmp_path)), "status")
    assert status == 1 and "journal schema 99 is newer than this feedletter" in err


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "feedletter.toml"
    config.write_text('[site]\nbase_url = "https://news.example.org/"\n[paths]\narchive = "new.db"\n', encoding="utf-8")
    return config


def test_a_category_keeps_the_slug_it_was_given(tmp_path):
    shutil.copy(RELEASE_0_1, tmp_path / "feedletter.db")  # an archive made before slugs were kept
    with Archive.open(tmp_path / "feedletter.db") as archive:
        journal = Journal(archive)
        assert journal.category_slugs() == {}
        journal.remember_category_slugs({"néws": "news-e8c3e197"})
        journal.remember_category_slugs({"néws": "news", "events": "events"})
    with Archive.open(tmp_path / "feedletter.db") as archive:
        assert Journal(archive).category_slugs() == {"néws": "news-e8c3e197", "events": "events"}
