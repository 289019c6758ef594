"""Looking after the archive: items, hide/unhide, recategorise, export/import, backup,
status, --dry-run, --version and shell completion, through the real command."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from feeds.archive import Archive
from feeds.archive.db import MIGRATIONS
from newsletter.app.cli import main
from newsletter.app.journal import Journal
from newsletter.app.tables import items_table
from tests.conftest import SAMPLES

NOW = "2023-02-01T09:00:00+00:00"
LATER = "2023-02-02T09:00:00+00:00"
FEEDLETTER = Path(sys.executable).parent / "feedletter"
HIDDEN_TITLE = "The UNTFSSE project on the Knowledge Hub funded by the Government of Luxembourg"


def run(config: Path | None, *args: str, now: str = NOW) -> tuple[int, str, str]:
    """feedletter in-process -> (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    prefix = ["--config", str(config)] if config else []
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with pytest.raises(SystemExit) as exit_info:
            main([*prefix, "--now", now, *args])
    return exit_info.value.code, out.getvalue(), err.getvalue()


def ok(config: Path, *args: str, now: str = NOW) -> str:
    status, out, err = run(config, *args, now=now)
    assert status == 0, err
    return out


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def tree(root: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _) in snapshot(root).items()}


def items_json(config: Path, *args: str) -> list[dict]:
    return json.loads(ok(config, "items", "--json", *args))


def find(config: Path, title: str) -> dict:
    (item,) = [item for item in items_json(config, "--hidden") if item["title"] == title]
    return item


def second_site(site: Path, name: str) -> Path:
    """The same site in another directory: its own archive and output."""
    other = site.parent / name
    other.mkdir()
    (other / "feedletter.toml").write_text(site.read_text(encoding="utf-8"), encoding="utf-8")
    return other / "feedletter.toml"


@pytest.fixture
def built(site: Path) -> Path:
    ok(site, "ingest", *map(str, SAMPLES))
    ok(site, "build")
    return site


# -- hide / unhide --------------------------------------------------------------------------


def test_hidden_item_leaves_every_output_and_only_those_files_change(built):
    public = built.parent / "public"
    before = snapshot(public)
    item = find(built, HIDDEN_TITLE)
    digest = item["id"].rsplit("/", 1)[-1]
    anchor = "item-" + hashlib.sha256(item["id"].encode()).hexdigest()[:12]
    marks = (digest.encode(), anchor.encode(), HIDDEN_TITLE.encode())
    listed = {name for name, (data, _) in before.items() if any(mark in data for mark in marks)}
    assert listed == {
        "issues/2021-03.html", "feeds/archive/items-2021-03.atom",
        *(f"feeds/{feed}.{ext}" for feed in ("items", "digest", "category/news") for ext in ("atom", "rss", "json")),
    }

    assert ok(built, "hide", digest) == f"hidden: {item['id']} {HIDDEN_TITLE}\n"  # the 16-hex tail is enough
    assert find(built, HIDDEN_TITLE)["hidden"] is True
    ok(built, "build")
    after = snapshot(public)
    changed = {name for name in after if after[name][1] != before[name][1]}
    # the item's month, the feeds that listed it, and the index (its month's item count)
    assert changed == listed | {"index.html"}
    assert set(after) == set(before)
    assert [name for name, (data, _) in after.items() if any(mark in data for mark in marks)] == []
    assert re.search(rb'March 2021</a>\s*<span class="muted">&middot; 9 items', after["index.html"][0])

    # a later ingest of the same pages does not bring it back, and changes nothing
    status, _, err = run(built, "-v", "ingest", *map(str, SAMPLES), now=LATER)
    assert status == 0 and "0 new, 0 edited, 50 unchanged" in err
    assert find(built, HIDDEN_TITLE)["hidden"] is True
    ok(built, "build", now=LATER)
    assert snapshot(public) == after

    # shown again: byte for byte the first build
    ok(built, "unhide", item["id"])
    ok(built, "build", now=LATER)
    assert tree(public) == {name: data for name, (data, _) in before.items()}


def test_ids_by_suffix_unknown_and_ambiguous_are_usage_errors(built):
    status, _, err = run(built, "hide", "nopenope")
    assert status == 2 and "'nopenope': no item has this id" in err
    good = find(built, HIDDEN_TITLE)["id"]
    status, _, _ = run(built, "hide", good, "nopenope")  # one bad id: nothing changes
    assert status == 2 and find(built, HIDDEN_TITLE)["hidden"] is False
    status, out, _ = run(built, "hide", good, good[-6:])
    assert status == 0 and out == f"hidden: {good} {HIDDEN_TITLE}\n"


def test_an_id_by_hand_is_the_whole_id_or_a_unique_end_of_six_characters(built):
    ids = [item["id"] for item in items_json(built)]
    public = snapshot(built.parent / "public")
    for short in ("0", "1", "e", ids[0][-5:]):
        status, out, err = run(built, "hide", short)
        assert (status, out) == (2, "") and err == (
            f"feedletter: {short!r}: too short to pick an item, expected the whole id or at least 6 characters "
            "of its end (see 'feedletter items')\n")
    tails = [item_id[-6:] for item_id in ids]
    shared = next((tail for tail in tails if tails.count(tail) > 1), None)
    if shared is not None:  # six hex digits rarely repeat in 50 ids; when they do, it is refused
        assert "several items" in run(built, "hide", shared)[2]
    assert all(not item["hidden"] for item in items_json(built, "--hidden"))
    assert snapshot(built.parent / "public") == public

    unique = next(item for item in items_json(built) if tails.count(item["id"][-6:]) == 1)
    assert ok(built, "hide", unique["id"][-6:]) == f"hidden: {unique['id']} {unique['title']}\n"
    assert ok(built, "hide", unique["id"]) == f"already hidden: {unique['id']} {unique['title']}\n"
    assert ok(built, "unhide", unique["id"][-8:]) == f"shown: {unique['id']} {unique['title']}\n"
    assert ok(built, "recategorise", unique["id"][-6:], "Elsewhere") == (
        f"recategorised: {unique['id']} {unique['title']}: now in Elsewhere\n")
    assert ok(built, "recategorise", unique["id"], "Elsewhere") == (
        f"already in Elsewhere: {unique['id']} {unique['title']}\n")


# -- items ----------------------------------------------------------------------------------


def test_items_filters_json_and_tab_separated_rows(built):
    everything = items_json(built)
    assert len(everything) == 50
    assert [item["date"] for item in everything] == sorted((item["date"] for item in everything), reverse=True)
    march = items_json(built, "--month", "2021-03")
    assert len(march) == 10 and all(item["date"].startswith("2021-03") for item in march)
    spotlight = items_json(built, "--category", "spotlight interviews with cooperators")  # another spelling
    assert spotlight and all(item["category"].startswith("Spotlight") for item in spotlight)
    found = items_json(built, "--search", "global YOUTH forum")
    assert [item["title"] for item in found] == [
        "ILO COOP participates in a seminar on cooperatives and the global COVID19 pandemic "
        "at the second Global Youth Forum (GYF 2021)"
    ]
    assert items_json(built, "--search", "youth zzz") == []

    rows = [line.split("\t") for line in ok(built, "items", "--month", "2021-03").splitlines()]
    assert len(rows) == 10 and all(len(row) == 6 for row in rows)
    assert rows[0][0].startswith("tag:coop-news.example.org,2026:item/2021-03-31/")
    ok(built, "hide", find(built, HIDDEN_TITLE)["id"])
    assert len(items_json(built, "--month", "2021-03")) == 9
    with_hidden = ok(built, "items", "--month", "2021-03", "--hidden").splitlines()
    assert [row.split("\t")[4] for row in with_hidden if row.endswith("\thidden")] == [HIDDEN_TITLE]
    status, _, err = run(built, "items", "--month", "2021-3x")
    assert status == 2 and "expected YYYY-MM" in err


def test_items_table_fits_the_terminal(built):
    from newsletter.app.config import load_settings
    from newsletter.app.maintenance import list_items

    items = list_items(load_settings(built), include_hidden=True)
    text = items_table(items, 80)
    lines = text.splitlines()
    assert lines[0].split() == ["ID", "DATE", "CATEGORY", "SOURCE", "TITLE"]
    assert len(lines) == 51 and all(len(line) <= 80 for line in lines)
    assert lines[1].startswith(items[0].id.rsplit("/", 1)[-1] + "  2023-01-25")
    assert "…" in text


# -- recategorise ---------------------------------------------------------------------------


def test_recategorise_survives_reingest_and_moves_updated(built):
    item = find(built, HIDDEN_TITLE)
    assert item["category"] == "News"
    ok(built, "recategorise", item["id"][-16:], "Knowledge  Hub", now=LATER)
    moved = find(built, HIDDEN_TITLE)
    assert moved["category"] == "Knowledge Hub"
    assert moved["updated"] == "2023-02-02T09:00:00+00:00" and moved["published"] == item["published"]
    ok(built, "build", now=LATER)
    public = built.parent / "public"
    feed = (public / "feeds" / "category" / "knowledge-hub.atom").read_bytes()
    assert HIDDEN_TITLE.encode() in feed and b"<updated>2023-02-02T09:00:00" in feed
    assert HIDDEN_TITLE.encode() not in (public / "feeds" / "category" / "news.atom").read_bytes()
    built_once = snapshot(public)

    # the page still says "News": a later ingest neither edits it nor flips it back
    status, _, err = run(built, "-v", "ingest", *map(str, SAMPLES), now="2023-02-03T09:00:00+00:00")
    assert status == 0 and "0 new, 0 edited, 50 unchanged" in err
    assert find(built, HIDDEN_TITLE)["category"] == "Knowledge Hub"
    ok(built, "build", now="2023-02-03T09:00:00+00:00")
    assert snapshot(public) == built_once
    assert [item["title"] for item in items_json(built, "--category", "knowledge hub")] == [HIDDEN_TITLE]

    # an edit by the source itself still lands, and keeps the category set by hand
    page = next(path for path in SAMPLES if HIDDEN_TITLE in path.read_text(encoding="utf-8"))
    edited = built.parent / page.name
    edited.write_text(page.read_text(encoding="utf-8").replace(HIDDEN_TITLE, HIDDEN_TITLE + " (2021)"), "utf-8")
    status, _, err = run(built, "-v", "ingest", str(edited), now="2023-02-04T09:00:00+00:00")
    assert "1 edited" in err
    again = find(built, HIDDEN_TITLE + " (2021)")
    assert again["id"] == item["id"] and again["category"] == "Knowledge Hub"

    # naming the page's own category again clears the override
    ok(built, "recategorise", item["id"], "News", now="2023-02-05T09:00:00+00:00")
    exported = json.loads(ok(built, "export"))
    (row,) = [row for row in exported["items"] if row["id"] == item["id"]]
    assert row["category"] == "News" and row["category_override"] is None


# -- export / import ------------------------------------------------------------------------


def test_export_new_archive_import_gives_the_same_outputs_byte_for_byte(built, tmp_path):
    ok(built, "hide", find(built, HIDDEN_TITLE)["id"])
    ok(built, "recategorise", find(built, "ILO COOP eNewsUpdate")["id"], "Newsletter", now=LATER)
    ok(built, "build", now=LATER)
    original = tree(built.parent / "public")
    export = tmp_path / "archive.json"
    ok(built, "export", "-o", str(export))
    document = json.loads(export.read_text(encoding="utf-8"))
    assert document["feedletter_export"] == 1 and document["authority"] == "coop-news.example.org,2026"
    assert len(document["items"]) == 50 and sum(row["hidden"] for row in document["items"]) == 1

    other = second_site(built, "restored")
    status, _, err = run(other, "-v", "import", str(export))
    assert status == 0 and "imported 50 items; 0 were in the archive already" in err
    ok(other, "build", now=LATER)
    restored = tree(other.parent / "public")
    assert sorted(restored) == sorted(original) and len(restored) > 60
    assert [name for name in original if restored[name] != original[name]] == []
    assert json.loads(ok(other, "export")) == document

    # importing again, or into an archive that has the items already, adds nothing
    status, _, err = run(other, "-v", "import", str(export))
    assert "imported 0 items; 50 were in the archive already" in err
    status, _, err = run(built, "-v", "import", str(export))
    assert "imported 0 items; 50 were in the archive already" in err
    with sqlite3.connect(other.parent / "feedletter.db") as db:
        assert db.execute("SELECT COUNT(*) FROM items").fetchone() == (50,)
        assert db.execute("SELECT COUNT(DISTINCT item_id) FROM item_keys").fetchone() == (50,)


def test_csv_export_round_trips(built, tmp_path):
    ok(built, "hide", find(built, HIDDEN_TITLE)["id"])
    csv_file = tmp_path / "archive.csv"
    ok(built, "export", "--format", "csv", "-o", str(csv_file))
    header = csv_file.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("id,title,date,category,category_override,summary,url,source,day_offset,")
    other = second_site(built, "from-csv")
    ok(other, "import", str(csv_file))
    assert json.loads(ok(other, "export")) == json.loads(ok(built, "export"))


def test_import_refuses_what_is_not_an_export(built, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"items": []}', encoding="utf-8")
    status, _, err = run(built, "import", str(bad))
    assert status == 2 and "not a feedletter export" in err
    bad.write_text('{"feedletter_export": 1, "authority": "a,2020",\n "items": [\n{"id": "x"}]}', encoding="utf-8")
    status, _, err = run(built, "import", str(bad))
    assert status == 2 and f"{bad}:3: 'title' must be a non-empty string" in err
    document = json.loads(ok(built, "export"))
    document["authority"] = "elsewhere.example,2020"
    bad.write_text(json.dumps(document), encoding="utf-8")
    status, _, err = run(built, "import", str(bad))
    assert status == 2 and "this archive's to 'coop-news.example.org,2026'" in err


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_import_applies_the_checks_of_ingest_and_tells_each_row_refused(built, tmp_path):
    document = json.loads(ok(built, "export"))
    rows = document["items"]
    edited = {0: {"url": "javascript:alert(1)"}, 1: {"title": "Bell\u0001 title"}, 2: {"date": "2023-02-31"},
              3: {"title": "\u0001"}, 4: {"category_override": "Ne\u0002ws"}, 5: {"id": "not an id"},
              6: {"url": "https://x.example/a b\"c"}}
    for number, change in edited.items():
        rows[number] = {**rows[number], **change, "keys": []}
    export = tmp_path / "edited.json"
    text = json.dumps(document, ensure_ascii=False, indent=1)
    export.write_text(text, encoding="utf-8")
    line = {number: _line_of(text, f'"id": {json.dumps(rows[number]["id"], ensure_ascii=False)}') - 1 for number in edited}

    other = second_site(built, "checked")
    status, _, err = run(other, "-v", "import", str(export))
    assert status == 0, err
    assert f"{export}:{line[0]}: url 'javascript:alert(1)' is not an absolute http(s) URL; url dropped" in err
    assert f"{export}:{line[1]}: 1 character that XML 1.0 forbids (U+0001) removed from item 'Bell title'" in err
    assert f"{export}:{line[2]}: item {rows[2]['title']!r} has an unreadable date '2023-02-31'" in err
    assert f"{export}:{line[3]}: item has no title; row skipped" in err
    assert f"{export}:{line[4]}: 1 character that XML 1.0 forbids (U+0002) removed from the category 'News'" in err
    assert f"{export}:{line[5]}: 'id' must be an absolute IRI such as tag:example.org,2020:item/1, not 'not an id'; " \
           "row skipped" in err
    assert f"{export}:{line[6]}: url 'https://x.example/a b\"c' is not an absolute http(s) URL; url dropped" in err
    assert "imported 47 items; 0 were in the archive already; 3 refused (told above)" in err
    stored = {row["id"]: row for row in json.loads(ok(other, "export"))["items"]}
    assert stored[rows[0]["id"]]["url"] is None and stored[rows[6]["id"]]["url"] is None
    assert stored[rows[1]["id"]]["title"] == "Bell title"
    assert stored[rows[4]["id"]]["category_override"] == "News"
    assert rows[2]["id"] not in stored and rows[3]["id"] not in stored
    ok(other, "build")
    published = b"".join(data for data in tree(other.parent / "public").values())
    assert b"javascript:" not in published and b"\x01" not in published


def test_csv_export_defuses_formulas_and_import_restores_them(site, tmp_path):
    risky = ["=HYPERLINK(\"https://evil.example/\",\"x\")", "+1+1", "-2", "@SUM(A1)", "'=quoted", "'plain"]
    items = tmp_path / "risky.json"
    items.write_text(json.dumps([{"title": title, "date": f"2023-01-{number + 10}", "category": "=cat", "summary": "-"}
                                 for number, title in enumerate(risky)]), encoding="utf-8")
    status, _, err = run(site, "ingest", str(items))
    assert status == 0, err
    csv_file = tmp_path / "archive.csv"
    ok(site, "export", "--format", "csv", "-o", str(csv_file))
    import csv as csv_module

    cells = [cell for row in csv_module.reader(io.StringIO(csv_file.read_text(encoding="utf-8"))) for cell in row]
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for cell in cells)
    titles = [row[1] for row in csv_module.reader(io.StringIO(csv_file.read_text(encoding="utf-8")))][1:]
    assert sorted(titles) == sorted(["'" + title if title.lstrip("'")[:1] in "=+-@" else title for title in risky])
    other = second_site(site, "from-csv")
    ok(other, "import", str(csv_file))
    assert json.loads(ok(other, "export")) == json.loads(ok(site, "export"))


# -- backup ---------------------------------------------------------------------------------


def test_backup_while_a_write_is_open_is_consistent_and_restores(built, tmp_path):
    original = tree(built.parent / "public")
    writer = sqlite3.connect(built.parent / "feedletter.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE items SET title = 'uncommitted', rev = rev + 100")
    copy = tmp_path / "backups" / "copy.db"
    copy.parent.mkdir()
    try:
        assert ok(built, "backup", str(copy)) == ""
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with contextlib.closing(sqlite3.connect(copy)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT COUNT(*) FROM items WHERE title = 'uncommitted'").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM items").fetchone() == (50,)
    assert sorted(path.name for path in copy.parent.iterdir()) == ["copy.db"]

    restored = second_site(built, "restored")
    with restored.open("a", encoding="utf-8") as config:
        config.write(f'\n[paths]\narchive = "{copy}"\n')
    ok(restored, "build")
    assert tree(restored.parent / "public") == original

    status, _, err = run(built, "backup", str(copy))
    assert status == 2 and "exists; pass --force" in err
    assert ok(built, "backup", "--force", str(copy)) == ""


# -- status ---------------------------------------------------------------------------------


def test_status_after_a_run_with_one_failing_source(site, tmp_path):
    good = tmp_path / "news.txt"
    good.write_text(
        "News\n\n  1. News\n    Cooperatives meet in Geneva\n    12 January 2023\n    A meeting.\n\n"
        "  2. Event\n    A summit without a date\n    Somewhere.\n",
        encoding="utf-8",
    )
    with site.open("a", encoding="utf-8") as config:
        config.write(
            '\n[[sources]]\nname = "news"\nkind = "listing"\nlocation = "news.txt"\n'
            '\n[[sources]]\nname = "gone"\nkind = "listing"\nlocation = "missing.txt"\n'
        )
    status, _, err = run(site, "run")
    assert status == 1 and "feedletter: source gone:" in err and "missing.txt" in err

    text = ok(site, "status")
    lines = text.splitlines()
    assert lines[0].startswith("last: run 2023-02-01T09:00:00+00:00 (")
    assert "1 new, 0 edited" in lines[0] and "files written" in lines[0]
    assert lines[0].endswith("failed (exit 1): sources failed: gone")
    assert any(line.startswith("news: read (file changed); last success 2023-02-01T09:00:00+00:00") for line in lines)
    (gone,) = [line for line in lines if line.startswith("gone:")]
    assert gone.startswith("gone: failed; last success never; failed 2023-02-01T09:00:00+00:00:") and "missing.txt" in gone
    (problem,) = [line for line in lines if line.startswith("problem ")]
    assert problem.startswith("problem news:8: item has no date line") and "(since 2023-02-01T09:00:00+00:00)" in problem

    report = json.loads(ok(site, "status", "--json"))
    last = report["last_run"]
    assert (last["command"], last["ok"], last["exit_code"], last["failed"], last["added"]) == ("run", False, 1, "gone", 1)
    assert last["written"] > 0 and last["started"] == NOW
    sources = {source["name"]: source for source in report["sources"]}
    assert sources["gone"]["last_status"] == "failed" and "missing.txt" in sources["gone"]["last_error"]
    assert sources["news"]["last_success"] == NOW
    assert [problem["source"] for problem in report["problems"]] == ["news"]
    assert report["problems"][0]["message"]

    # a later ingest and build are recorded too, newest first
    ok(site, "ingest", str(SAMPLES[0]), now=LATER)
    ok(site, "build", now=LATER)
    report = json.loads(ok(site, "status", "--json"))
    assert [run["command"] for run in report["runs"]] == ["build", "ingest", "run"]
    assert report["last_ingest"]["command"] == "ingest" and report["last_ingest"]["added"] == 10
    assert report["last_run"]["command"] == "run"


# -- dry runs -------------------------------------------------------------------------------


def db_state(path: Path) -> list:
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return [(table, sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)) for table in tables]


def test_dry_runs_say_what_would_change_and_write_nothing(site, tmp_path):
    out = ok(site, "ingest", "--dry-run", *map(str, SAMPLES))
    assert out.startswith("would add 50 items:\n  tag:coop-news.example.org,2026:item/2023-01-25/")
    assert sorted(path.name for path in site.parent.iterdir()) == ["feedletter.toml"]  # no archive, no lock

    ok(site, "ingest", *map(str, SAMPLES))
    status, out, err = run(site, "build", "--dry-run")
    assert status == 0 and out.startswith("would write ") and "  feeds/items.atom\n" in out
    assert not (site.parent / "public").exists()
    ok(site, "build")
    public, archive = site.parent / "public", site.parent / "feedletter.db"
    files, database = snapshot(public), db_state(archive)

    late = tmp_path / "late.txt"
    late.write_text("  1. News\n    A late story from March 2021\n    15 March 2021\n    Found later.\n", "utf-8")
    out = ok(site, "ingest", "--dry-run", str(late), now=LATER)
    assert out.splitlines()[0] == "would add 1 item:"
    assert out.splitlines()[1].endswith("  A late story from March 2021")
    assert ok(site, "build", "--dry-run", now=LATER) == "would change nothing\n"

    ok(site, "hide", find(site, HIDDEN_TITLE)["id"])
    database = db_state(archive)
    predicted = ok(site, "build", "--dry-run", now=LATER)
    assert snapshot(public) == files and db_state(archive) == database  # build_state too
    status, _, err = run(site, "-v", "build", now=LATER)
    written = sorted(line.strip().removeprefix("wrote ") for line in err.splitlines() if line.startswith("  wrote "))
    assert predicted == f"would write {len(written)} files:\n" + "".join(f"  {name}\n" for name in written)


def test_run_dry_run_reads_sources_and_keeps_nothing(site, tmp_path):
    page = tmp_path / "news.txt"
    page.write_text("  1. News\n    Cooperatives meet in Geneva\n    12 January 2023\n    A meeting.\n", "utf-8")
    with site.open("a", encoding="utf-8") as config:
        config.write('\n[[sources]]\nname = "news"\nkind = "listing"\nlocation = "news.txt"\n')
    out = ok(site, "run", "--dry-run")
    assert out.splitlines()[0] == "would add 1 item:" and "  feeds/items.atom" in out
    assert sorted(path.name for path in site.parent.iterdir()) == ["feedletter.toml", "news.txt"]
    ok(site, "run")
    state = db_state(site.parent / "feedletter.db")
    page.write_text(page.read_text(encoding="utf-8").replace("A meeting.", "A longer meeting."), "utf-8")
    out = ok(site, "run", "--dry-run", now=LATER)
    assert out.splitlines()[0] == "would edit 1 item:" and "  issues/2023-01.html" in out
    assert db_state(site.parent / "feedletter.db") == state


# -- schema, version, completion ------------------------------------------------------------


def test_an_archive_of_schema_4_gains_the_new_columns(tmp_path):
    path = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        for script in MIGRATIONS[:4]:
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
        db.execute("PRAGMA user_version = 4")
        db.execute(
            "INSERT INTO items (id, title, date, category, source, day_offset, published, updated,"
            " first_seen, content_hash) VALUES ('tag:x,2020:item/2020-01-02/ab', 'Old', '2020-01-02', 'News',"
            " 's', 1, '2020-01-02T00:00:01+00:00', '2020-01-02T00:00:01+00:00', '2020-01-03T00:00:00+00:00', 'h')"
        )
    with Archive.open(path) as archive:
        (item,) = archive.items()
        assert item.category == "News" and archive.categories() == {"news": "News"}
        assert archive.recategorise(item.id, "Archive", now=datetime(2023, 1, 1, tzinfo=UTC))
        assert archive.newest_by_category(5, until=date(2023, 1, 1))["archive"][0].id == item.id
        assert Journal(archive).runs() == []
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)


def test_version_says_where_the_packages_come_from():
    import feeds
    import newsletter

    status, out, _ = run(None, "--version")
    lines = out.splitlines()
    assert status == 0 and lines[0].startswith("feedletter ")
    assert lines[1] == f"feeds: {Path(feeds.__file__).parent}"
    assert lines[2] == f"newsletter: {Path(newsletter.__file__).parent}"


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o nosort -F _feedletter_completion feedletter"),
                                               ("zsh", "#compdef feedletter")])
def test_shell_completion_scripts(shell, marker):
    result = subprocess.run([str(FEEDLETTER)], env={**os.environ, "_FEEDLETTER_COMPLETE": f"{shell}_source"},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and marker in result.stdout
    words = subprocess.run([str(FEEDLETTER)], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "_FEEDLETTER_COMPLETE": "bash_complete", "COMP_WORDS": "feedletter re",
                                "COMP_CWORD": "1"})
    assert "recategorise" in words.stdout
