"""Pictures of a local items file: copied into public/images/ under a name holding a
hash of their bytes, linked from the feeds at base_url + images/…; kept inside the
file's folder; a changed picture gets a new URL even when the items file is unchanged."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import feedparser

from tests.conftest import cli_status as cli
from tests.image_samples import png

BASE = "https://news.example.org/"
ITEMS = """
[[items]]
title = "Bakers open a cooperative"
date = 2023-01-25
summary = "A bakery owned by its bakers."
image = { url = "images/bakery.png", alt = "Bakers at the oven" }

[[items]]
title = "A picture from outside the folder"
date = 2023-01-24
image = "../secret.png"

[[items]]
title = "A picture through a link out of the folder"
date = 2023-01-23
image = "images/linked.png"

[[items]]
title = "A text file named like a picture"
date = 2023-01-22
image = "images/notes.png"

[[items]]
title = "A picture that is not there"
date = 2023-01-21
image = "images/missing.png"

[[items]]
title = "A remote picture is only linked"
date = 2023-01-20
image = "https://cdn.example.org/remote.jpg"
"""


def site(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "images").mkdir(parents=True)
    (data / "items.toml").write_text(ITEMS, encoding="utf-8")
    (data / "images" / "bakery.png").write_bytes(png(40, 30))
    (data / "images" / "notes.png").write_text("not a picture\n", encoding="utf-8")
    (tmp_path / "secret.png").write_bytes(png(8, 8, (0, 0, 0)))
    os.symlink(tmp_path / "secret.png", data / "images" / "linked.png")
    config = tmp_path / "feedletter.toml"
    config.write_text(
        f'[site]\ntitle = "Local pictures"\nbase_url = "{BASE}"\ntimezone = "UTC"\n'
        'tag_authority = "news.example.org,2023"\n\n'
        '[[sources]]\nname = "curated"\nkind = "items"\nlocation = "data/items.toml"\n',
        encoding="utf-8")
    return config


def published(public: Path) -> dict[str, bytes]:
    folder = public / "images"
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())} if folder.is_dir() else {}


def pictures_in_feed(public: Path) -> dict[str, str | None]:
    parsed = feedparser.parse((public / "feeds" / "items.atom").read_bytes())
    return {entry.title: (entry.get("media_content") or [{}])[0].get("url") for entry in parsed.entries}


def test_local_pictures_are_copied_and_linked_and_bad_ones_told(tmp_path, capsys):
    config = site(tmp_path)
    assert cli(config, "run") == 0
    warnings = capsys.readouterr().err
    public = tmp_path / "public"
    files = published(public)
    assert len(files) == 1
    (name, data), = files.items()
    assert name.startswith("bakery-") and name.endswith(".png") and data == png(40, 30)
    pictures = pictures_in_feed(public)
    assert pictures == {
        "Bakers open a cooperative": f"{BASE}images/{name}",
        "A picture from outside the folder": None,
        "A picture through a link out of the folder": None,
        "A text file named like a picture": None,
        "A picture that is not there": None,
        "A remote picture is only linked": "https://cdn.example.org/remote.jpg",
    }
    media = feedparser.parse((public / "feeds" / "items.atom").read_bytes()).entries[0].media_content[0]
    assert (media["width"], media["height"]) == ("40", "30")  # read from the PNG itself
    feed = json.loads((public / "feeds" / "items.json").read_text(encoding="utf-8"))
    assert feed["items"][0]["image"] == f"{BASE}images/{name}"
    assert "items.toml:8: image '../secret.png': is outside the folder of the items file" in warnings
    assert "items.toml:13: image 'images/linked.png': is outside the folder" in warnings
    assert "items.toml:18: image 'images/notes.png': is not a PNG, JPEG, GIF or WebP picture" in warnings
    assert "items.toml:23: image 'images/missing.png': no such file" in warnings
    assert "Traceback" not in warnings
    assert not (public / "images" / "secret.png").exists()


def test_a_changed_picture_gets_a_new_url_and_an_unchanged_run_writes_nothing(tmp_path, capsys):
    config = site(tmp_path)
    assert cli(config, "run") == 0
    public = tmp_path / "public"
    first = published(public)
    stamps = {path: path.stat().st_mtime_ns for path in public.rglob("*") if path.is_file()}
    capsys.readouterr()

    assert cli(config, "-v", "run") == 0
    again = capsys.readouterr().err
    assert "source curated: not modified (unchanged)" in again and "0 files written" in again
    assert {path: path.stat().st_mtime_ns for path in public.rglob("*") if path.is_file()} == stamps

    (tmp_path / "data" / "images" / "bakery.png").write_bytes(png(40, 30, (10, 120, 60)))  # the items file is not touched
    assert cli(config, "run") == 0
    second = published(public)
    assert len(second) == 1 and second.keys() != first.keys()  # the old copy is gone with its last link
    (name,) = second
    assert second[name] == png(40, 30, (10, 120, 60))
    assert pictures_in_feed(public)["Bakers open a cooperative"] == f"{BASE}images/{name}"


def test_the_archive_keeps_the_picture_when_the_file_is_gone(tmp_path, capsys):
    config = site(tmp_path)
    assert cli(config, "run") == 0
    (tmp_path / "data" / "images" / "bakery.png").unlink()
    (tmp_path / "public" / "images").rename(tmp_path / "lost")
    assert cli(config, "build") == 0
    (name, data), = published(tmp_path / "public").items()
    assert data == png(40, 30)
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        assert db.execute("SELECT name FROM images").fetchall() == [(name,)]


def test_a_hidden_items_picture_is_not_published(tmp_path, capsys):
    config = site(tmp_path)
    assert cli(config, "run") == 0
    with sqlite3.connect(tmp_path / "feedletter.db") as db:
        (item_id,) = db.execute("SELECT id FROM items WHERE title = 'Bakers open a cooperative'").fetchone()
    assert cli(config, "hide", item_id) == 0
    assert cli(config, "build") == 0
    assert published(tmp_path / "public") == {}


def test_ingest_copies_a_local_files_pictures_too(tmp_path, capsys):
    config = site(tmp_path)
    assert cli(config, "ingest", str(tmp_path / "data" / "items.toml")) == 0
    assert cli(config, "build") == 0
    assert [name.startswith("bakery-") for name in published(tmp_path / "public")] == [True]


def test_parse_shows_each_picture_and_touches_nothing(tmp_path, capsys):
    import json as json_module

    config = site(tmp_path)
    assert cli(config, "parse", "--json", str(tmp_path / "data" / "items.toml")) == 0
    (result,) = json_module.loads(capsys.readouterr().out)
    first = result["items"][0]["image"]
    assert first["url"].startswith(f"{BASE}images/bakery-") and (first["width"], first["height"]) == (40, 30)
    assert first["alt"] == "Bakers at the oven"
    assert not (tmp_path / "public").exists() and not (tmp_path / "feedletter.db").exists()
