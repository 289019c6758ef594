"""The feedletter command end to end in a temporary directory, as a user runs it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES
from tests.conftest import run_cli as run


def files_and_mtimes(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_ingest_and_build_twice_is_quiet_and_changes_nothing(site):
    config = str(site)
    samples = [str(path) for path in SAMPLES]
    assert run("--config", config, "ingest", *samples) == (0, "", "")
    assert run("--config", config, "build") == (0, "", "")
    public = site.parent / "public"
    first = files_and_mtimes(public)
    assert "feeds/items.atom" in first and "feeds/digest.atom" in first
    with sqlite3.connect(site.parent / "feedletter.db") as db:
        before = db.execute("SELECT * FROM items ORDER BY id").fetchall()
    assert run("--config", config, "ingest", *samples) == (0, "", "")
    assert run("--config", config, "build") == (0, "", "")
    assert files_and_mtimes(public) == first
    with sqlite3.connect(site.parent / "feedletter.db") as db:
        assert db.execute("SELECT * FROM items ORDER BY id").fetchall() == before
    assert len(before) == 50


def test_verbose_says_what_was_done(site):
    status, _, err = run("--config", str(site), "-v", "ingest", *map(str, SAMPLES))
    assert status == 0
    assert "50 new" in err


def test_parse_json_shape(tmp_path):
    status, out, _ = run("parse", "--json", str(SAMPLES[4]))
    assert status == 0
    (result,) = json.loads(out)
    assert result["source"] == str(SAMPLES[4])
    assert len(result["items"]) == 10 and result["problems"] == []
    first = result["items"][0]
    assert set(first) == {"title", "date", "category", "summary", "image"} and first["image"] is None
    assert first["category"] is None and first["date"] == "2020-10-27"


def test_parse_reports_problems_with_file_and_line(tmp_path):
    page = tmp_path / "events.txt"
    page.write_text("Events\n\n  1. Event\n\n    Cooperative summit\n\n    A summit.\n", encoding="utf-8")
    status, out, err = run("parse", "--json", str(page))
    assert status == 2 and json.loads(out) == []  # nothing parseable: as ingest, exit 2
    assert f"feedletter: {page}:3: item has no date line" in err


def test_parse_takes_kind_and_urls_and_tells_each_bad_input(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://f.example/</link>'
                    "<item><title>One</title><guid>g1</guid></item></channel></rss>", encoding="utf-8")
    page = tmp_path / "page.txt"
    page.write_text("  1. News\n    Good item\n    5 Jan 2023\n", encoding="utf-8")
    status, out, err = run("parse", "--kind", "feed", str(feed))
    assert status == 0 and "1 items, 0 problems" in out and "undated" in out
    status, out, err = run("parse", str(page), str(tmp_path / "missing.txt"), str(feed))
    assert status == 1  # the worst: a missing file is a failed input
    assert "page.txt: 1 items" in out and "feed.xml: 1 items" in out
    assert err.splitlines() == [f"feedletter: {tmp_path / 'missing.txt'}: no such file"]
    status, _, err = run("parse", "--kind", "listing", str(feed))
    assert status == 2 and "no items found" in err


def test_ingest_stores_the_good_inputs_and_tells_each_bad_one(site, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("  1. News\n    Good item\n    5 Jan 2023\n", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_text("nothing here\n", encoding="utf-8")
    status, _, err = run("--config", str(site), "-v", "ingest", str(good), str(empty), str(tmp_path / "gone.txt"))
    assert status == 2  # the worst of: not a listing (2), a missing file (1)
    assert f"feedletter: {empty}:1: no items found" in err and f"feedletter: {tmp_path / 'gone.txt'}: no such file" in err
    assert "ingested 1 items from 1 of 3 inputs: 1 new" in err
    status, out, _ = run("--config", str(site), "items", "--json")
    assert [item["title"] for item in json.loads(out)] == ["Good item"]


def test_ingest_warns_about_item_problems_but_stores_the_rest(site, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        "  1. News\n    Good item\n    5 Jan 2023\n    Text.\n\n"
        "  2. Event\n    Undated summit\n    Some day soon.\n",
        encoding="utf-8",
    )
    status, _, err = run("--config", str(site), "ingest", str(page))
    assert status == 0
    assert f"warning: {page}:6: item has no date line" in err
    status, _, err = run("--config", str(site), "ingest", "--strict", str(page))
    assert status == 1 and "nothing stored" in err


def test_strict_stores_nothing(site, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("  1. News\n    Good\n    5 Jan 2023\n  2. News\n    Cut off\n", encoding="utf-8")
    status, _, _ = run("--config", str(site), "ingest", "--strict", str(page))
    assert status == 1
    assert not (site.parent / "feedletter.db").exists() or sqlite3.connect(
        site.parent / "feedletter.db"
    ).execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0


def test_not_a_listing_is_a_usage_error_and_loses_nothing(site, tmp_path):
    config = str(site)
    assert run("--config", config, "ingest", *map(str, SAMPLES))[0] == 0
    assert run("--config", config, "build")[0] == 0
    public = site.parent / "public"
    before = files_and_mtimes(public)
    prose = tmp_path / "letter.txt"
    prose.write_text("Dear colleagues,\nthank you for coming.\n", encoding="utf-8")
    status, out, err = run("--config", config, "ingest", str(SAMPLES[0]), str(prose))
    assert status == 2
    assert err.startswith(f"feedletter: {prose}:1: no items found")
    assert "Traceback" not in err and err.count("\n") == 1
    assert files_and_mtimes(public) == before


@pytest.mark.parametrize(
    "content, message",
    [
        ("[site]\nbase_url = 'https://x.example/'\ncolour = 'red'\n", "[site] colour: unknown key"),
        ("[site]\nbase_url = 'https://x.example/'\n[feeds]\nitems = 'many'\n", "[feeds] items: must be an integer"),
        ("[site]\ntitle = 'x'\n", "[site] base_url: missing"),
        ("[site\n", "not valid TOML"),
        ("[site]\nbase_url = 'https://x.example/'\ntimezone = 'Mars/Olympus'\n", "unknown timezone"),
    ],
)
def test_bad_config_is_one_clear_line_and_exit_2(tmp_path, content, message):
    config = tmp_path / "feedletter.toml"
    config.write_text(content, encoding="utf-8")
    status, _, err = run("--config", str(config), "build")
    assert status == 2
    assert err.startswith(f"feedletter: {config}") and message in err
    assert err.count("\n") == 1


def test_missing_file_and_binary_file(site, tmp_path):
    status, _, err = run("--config", str(site), "ingest", str(tmp_path / "nope.txt"))
    assert status == 1 and "no such file" in err
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    status, _, err = run("--config", str(site), "ingest", str(binary))
    assert status == 2 and "binary data" in err


def test_init_writes_a_config_that_builds(tmp_path):
    config = tmp_path / "conf" / "feedletter.toml"
    config.parent.mkdir()
    status, out, _ = run("--config", str(config), "init", "--base-url", "https://news.example.net/coop/")
    assert status == 0 and "crontab" in out
    assert 'tag_authority = "news.example.net,2023"' in config.read_text()
    assert run("--config", str(config), "ingest", str(SAMPLES[0]))[0] == 0
    assert run("--config", str(config), "build")[0] == 0
    assert (tmp_path / "conf" / "public" / "feeds" / "items.atom").exists()
    assert run("--config", str(config), "init")[0] == 2  # never overwrites silently


def test_config_from_environment_and_paths_relative_to_it(site, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)
    monkeypatch.setenv("FEEDLETTER_CONFIG", str(site))
    assert run("ingest", str(SAMPLES[1]))[0] == 0
    assert (site.parent / "feedletter.db").exists()


def test_console_script_help_runs_as_a_program():
    exe = Path(sys.executable).with_name("feedletter")
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, env={**os.environ})
    assert result.returncode == 0 and "ingest" in result.stdout


def test_feeds_package_never_imports_newsletter():
    for path in (ROOT / "feeds").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import newsletter" not in text and "from newsletter" not in text, path


def test_templates_flag_overrides_one_block_of_the_default_theme(site, tmp_path):
    theme = tmp_path / "theme" / "newsletter"
    theme.mkdir(parents=True)
    (theme / "issue.mjml.j2").write_text(
        '{% extends "default:newsletter/issue.mjml.j2" %}{% block masthead %}<mj-section><mj-column>'
        '<mj-image src="https://coop-news.example.org/logo.png" alt="ILO COOP" width="160px" />'
        "</mj-column></mj-section>{% endblock %}",
        encoding="utf-8",
    )
    config = str(site)
    assert run("--config", config, "ingest", *map(str, SAMPLES))[0] == 0
    assert run("--config", config, "--templates", str(tmp_path / "theme"), "newsletter", "--month", "2022-12")[0] == 0
    html = (site.parent / "outbox" / "2022-12.html").read_text("utf-8")
    assert 'alt="ILO COOP"' in html and "logo.png" in html
    assert "ILO PROSPECTS undertakes training workshop" in html  # the rest is the default theme


def test_verbose_flag_works_after_the_command_name_too(site):
    status, _, err = run("--config", str(site), "ingest", "-v", *map(str, SAMPLES))
    assert status == 0 and "50 new" in err


def _items_file(path: Path, *items: tuple[str, str]) -> str:
    """An items file of (title, category) items dated in January 2023."""
    path.write_text("".join(f"[[items]]\ntitle = {json.dumps(title)}\ndate = 2023-01-{day + 10}\n"
                            f"category = {json.dumps(category)}\n" for day, (title, category) in enumerate(items)),
                    encoding="utf-8")
    return str(path)


def test_a_300_character_category_builds_with_a_bounded_file_name(site, tmp_path):
    long_category = "International Cooperative Alliance " * 9  # over 300 characters
    items = _items_file(tmp_path / "long.toml", ("A long-category item", long_category))
    assert run("--config", str(site), "ingest", items)[0] == 0
    status, _, err = run("--config", str(site), "build")
    assert (status, err) == (0, "")
    names = [path.name for path in (site.parent / "public" / "feeds" / "category").iterdir()]
    assert len(names) == 3 and all(len(name.encode()) <= 90 for name in names)


def test_a_crafted_category_never_takes_over_another_feed_url(site, tmp_path):
    config, category = str(site), site.parent / "public" / "feeds" / "category"
    assert run("--config", config, "ingest", _items_file(tmp_path / "a.toml", ("Real news", "Néws")))[0] == 0
    assert run("--config", config, "build")[0] == 0
    assert "Real news" in (category / "news-e8c3e197.atom").read_text(encoding="utf-8")
    crafted = _items_file(tmp_path / "b.toml", ("Crafted news", "news-e8c3e197"))
    assert run("--config", config, "ingest", crafted)[0] == 0
    assert run("--config", config, "build")[0] == 0
    taken = (category / "news-e8c3e197.atom").read_text(encoding="utf-8")
    assert "Real news" in taken and "Crafted news" not in taken
    assert "Crafted news" in (category / "news-e8c3e197-2.atom").read_text(encoding="utf-8")


@pytest.mark.parametrize("title", ['The "Co-op" Times \\ News', "L'été « coopératif »", '""" """'])
def test_init_keeps_any_title_exactly_and_the_next_command_reads_it(tmp_path, title):
    from newsletter.app.config import load_settings

    config = tmp_path / "feedletter.toml"
    status, out, err = run("--config", str(config), "init", "--title", title)
    assert (status, err) == (0, ""), err
    settings = load_settings(config)
    assert settings.meta.title == settings.newsletter.title == settings.meta.author.name == title
    text = config.read_text(encoding="utf-8")
    assert "# Where the output directory is published" in text  # the starter's comments stay
    assert run("--config", str(config), "ingest", str(SAMPLES[0]))[0] == 0
    assert run("--config", str(config), "build")[0] == 0


def test_init_writes_nothing_that_would_not_read_back(tmp_path):
    config = tmp_path / "feedletter.toml"
    status, out, err = run("--config", str(config), "init", "--base-url", "not a url")
    assert status == 2 and out == ""
    assert err.startswith(f"feedletter: {config}: not written: [site] base_url") and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_piped_items_rows_end_without_a_trailing_tab(site):
    assert run("--config", str(site), "ingest", str(SAMPLES[0]))[0] == 0
    status, out, _ = run("--config", str(site), "items")
    rows = out.splitlines()
    assert status == 0 and len(rows) == 10
    assert all(not row.endswith(("\t", " ")) and row.split("\t")[5] == "visible" for row in rows)
