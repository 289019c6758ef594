"""`feedletter subscribers`: the subscribers kept in the archive; a leaver stays out of
every import unless --resubscribe, and --forget leaves nothing of an address."""

from __future__ import annotations

import contextlib
import json
import sqlite3

from tests.conftest import run_cli


def subscribers(config, *args: str) -> tuple[int, str, str]:
    return run_cli("--config", str(config), "subscribers", *args)


def listed(config, *flags: str) -> list[dict]:
    status, out, err = subscribers(config, "list", "--json", *flags)
    assert status == 0, err
    return json.loads(out)


def test_add_list_remove_and_resubscribe(site):
    assert subscribers(site, "add", "Ann <ann@example.org>", "BOB@Example.org") == (0, "", "")
    assert [(s["address"], s["written"]) for s in listed(site)] == [
        ("ann@example.org", "Ann <ann@example.org>"), ("bob@example.org", "BOB@Example.org")]
    assert subscribers(site, "add", "bob@example.org")[0] == 0  # the same person: kept once
    assert len(listed(site)) == 2

    assert subscribers(site, "remove", "ANN@example.org") == (0, "", "")
    assert [s["address"] for s in listed(site)] == ["bob@example.org"]
    left = [s for s in listed(site, "--all") if s["address"] == "ann@example.org"]
    assert left[0]["status"] == "unsubscribed"
    status, _, err = subscribers(site, "add", "ann@example.org")
    assert status == 0 and "ann@example.org unsubscribed before: not added again (--resubscribe adds it" in err
    assert [s["address"] for s in listed(site)] == ["bob@example.org"]
    assert subscribers(site, "add", "--resubscribe", "ann@example.org")[0] == 0
    assert {s["address"] for s in listed(site)} == {"ann@example.org", "bob@example.org"}

    status, out, _ = subscribers(site, "list")
    assert out.splitlines()[0] == "ann@example.org\t2023-02-01T09:00:00+00:00\tfeedletter subscribers add"


def test_a_bad_address_adds_nothing_and_says_which(site):
    status, _, err = subscribers(site, "add", "ok@example.org", "not an address", "ann@-example.org")
    assert status == 2
    assert err.splitlines() == [
        "feedletter: 'not an address' has no @, expected one e-mail address such as 'Ann <ann@example.org>'",
        "feedletter: 'ann@-example.org' has no proper domain after the @, expected one e-mail address such as "
        "'Ann <ann@example.org>'",
    ]
    assert listed(site) == []


def test_import_reads_lines_or_csv_and_never_brings_a_leaver_back(site, tmp_path):
    lines = tmp_path / "list.txt"
    lines.write_text("# exported 2023\nann@example.org\nBob <bob@example.org>  # the editor\n\n", encoding="utf-8")
    assert subscribers(site, "import", str(lines)) == (0, "", "")
    exported = tmp_path / "export.csv"
    exported.write_text("\ufeffEmail Address;First Name;Last Name\ncarol@example.org;Carol;Day\n"
                        "ann@example.org;Ann;\ndave@example.org;;\n", encoding="utf-8")
    assert subscribers(site, "remove", "dave@example.org")[0] == 0  # left before the import
    status, _, err = subscribers(site, "import", str(exported))
    assert status == 0
    assert f"{exported}:4: dave@example.org unsubscribed before: not added again" in err
    found = {s["address"]: s for s in listed(site)}
    assert set(found) == {"ann@example.org", "bob@example.org", "carol@example.org"}
    assert found["carol@example.org"]["written"] == "Carol Day <carol@example.org>"
    assert found["carol@example.org"]["origin"] == f"{exported}:2"
    assert subscribers(site, "import", "--resubscribe", str(exported))[0] == 0
    assert "dave@example.org" in {s["address"] for s in listed(site)}


def test_an_import_with_a_bad_line_names_every_one_and_adds_nothing(site, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("ok@example.org\ncarol@example.org, dave@example.org\nnobody\n", encoding="utf-8")
    status, _, err = subscribers(site, "import", str(bad))
    assert status == 2
    assert [line.split(": '")[0] for line in err.splitlines()] == [f"feedletter: {bad}:2", f"feedletter: {bad}:3"]
    assert listed(site) == []
    latin = tmp_path / "latin.txt"
    latin.write_bytes("jörg@example.org\n".encode("latin-1"))
    status, _, err = subscribers(site, "import", str(latin))
    assert status == 2 and err == f"feedletter: {latin}:1: not UTF-8 text (byte 0xf6), expected a list of " \
                                  "addresses saved as UTF-8\n"
    status, _, err = subscribers(site, "import", str(tmp_path / "missing.txt"))
    assert status == 2 and "no such file" in err


def test_forget_deletes_the_address_and_every_delivery_row(site, tmp_path):
    assert subscribers(site, "add", "ann@example.org", "bob@example.org")[0] == 0
    archive = tmp_path / "feedletter.db"
    with contextlib.closing(sqlite3.connect(archive)) as db, db:
        db.execute("INSERT INTO deliveries VALUES ('2023-01', 'ann@example.org', 0, 'accepted', '<a@x>', NULL, 1, 'x')")
        db.execute("INSERT INTO deliveries VALUES ('2023-01', 'bob@example.org', 0, 'accepted', '<b@x>', NULL, 1, 'x')")
    assert subscribers(site, "remove", "--forget", "Ann <ann@example.org>") == (0, "", "")
    with contextlib.closing(sqlite3.connect(archive)) as db:
        rows = db.execute("SELECT address FROM deliveries UNION ALL SELECT address FROM subscribers").fetchall()
        dump = "\n".join(db.iterdump())
    assert rows == [("bob@example.org",), ("bob@example.org",)]
    assert "ann@" not in dump  # nothing of the address is left anywhere in the archive
    assert [s["address"] for s in listed(site, "--all")] == ["bob@example.org"]
