"""Hostile and broken input: a clear message, a defined exit status, nothing stored lost.

Every case starts from an archive holding the sample pages and a built site, feeds the
bad input to the real command, and checks the message, the exit status, that every
stored item is still there (same ids, same titles) and that a refused input changed no
output file.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from lxml import etree, html

from feeds.errors import OutputError
from feeds.output import Output
from tests.conftest import SAMPLES
from tests.conftest import run_cli as run

NOW = "2023-02-01T09:00:00+00:00"
FEEDLETTER = Path(sys.executable).with_name("feedletter")


def stored(site: Path) -> dict[str, str]:
    with sqlite3.connect(site.parent / "feedletter.db") as db:
        return dict(db.execute("SELECT id, title FROM items"))


def outputs(site: Path) -> dict[str, bytes]:
    root = site.parent / "public"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def built(site: Path) -> Path:
    """A site with the sample pages ingested and built."""
    assert run("--config", str(site), "ingest", *map(str, SAMPLES))[0] == 0
    assert run("--config", str(site), "build")[0] == 0
    return site


def refused(site: Path, path: Path, *args: str) -> tuple[int, str]:
    """Ingest `path`; the archive and the outputs must be exactly as before."""
    before, files = stored(site), outputs(site)
    status, _, err = run("--config", str(site), *args, "ingest", str(path))
    assert stored(site) == before
    assert run("--config", str(site), "build")[0] == 0
    assert outputs(site) == files
    return status, err


def accepted(site: Path, path: Path, *args: str) -> tuple[int, str, dict[str, str]]:
    """Ingest `path` and build; every item stored before is still there, unchanged."""
    before = stored(site)
    status, _, err = run("--config", str(site), *args, "ingest", str(path))
    after = stored(site)
    assert all(after.get(key) == title for key, title in before.items())
    build_status, _, build_err = run("--config", str(site), "build")
    assert build_status == 0, build_err
    return status, err, {key: title for key, title in after.items() if key not in before}


def listing(*items: tuple[str, str, str, str]) -> str:
    """(category, title, date line, summary) -> listing text."""
    blocks = [f"  {n}. {c}\n\n    {t}\n\n    {d}\n\n    {s}\n" for n, (c, t, d, s) in enumerate(items, 1)]
    return "Hostile listing\n\n" + "\n".join(blocks)


GOOD = ("News", "A perfectly good item", "20 January 2023", "Its summary.")


# -- empty, binary, encodings --------------------------------------------------------------


def test_empty_file(built, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    status, err = refused(built, path)
    assert status == 2 and f"{path}:1: no items found" in err


def test_binary_file(built, tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40)
    status, err = refused(built, path)
    assert status == 2 and f"{path}:1: binary data, expected text" in err


@pytest.mark.parametrize(("encoding", "title", "byte"),
                         [("latin-1", "Coopérative day", "e9"), ("cp1252", "Cooperative’s “day”", "92")])
def test_legacy_8bit_text_is_reported_with_its_line(built, tmp_path, encoding, title, byte):
    text = listing(GOOD, ("News", title, "21 January 2023", "Résumé"))
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    line = text.splitlines().index(f"    {title}") + 1
    status, err = refused(built, path)
    assert status == 2
    assert f"{path}:{line}: not UTF-8 text (byte 0x{byte})" in err and "save the listing as UTF-8" in err


@pytest.mark.parametrize(
    ("codec", "bom", "told"),
    [
        ("utf-16-le", b"\xff\xfe", "UTF-16"),
        ("utf-16-be", b"\xfe\xff", "UTF-16"),
        ("utf-16-le", b"", "UTF-16-LE (no byte order mark)"),
        ("utf-16-be", b"", "UTF-16-BE (no byte order mark)"),
    ],
)
def test_utf16_is_detected_and_told_with_v(built, tmp_path, codec, bom, told):
    path = tmp_path / "wide.txt"
    path.write_bytes(bom + listing(GOOD, ("News", "Coopérative’s day", "21 January 2023", "Résumé")).encode(codec))
    status, err, new = accepted(built, path, "-v")
    assert status == 0 and f"{path}: read as {told}" in err
    assert sorted(new.values()) == ["A perfectly good item", "Coopérative’s day"]  # no mojibake
    quiet = run("--config", str(built), "ingest", str(path))
    assert quiet[0] == 0 and quiet[2] == ""  # silent without -v


# -- size -----------------------------------------------------------------------------------


def _big_listing(path: Path, target: int) -> int:
    """Write a listing of about `target` bytes; returns its number of items."""
    words = "cooperative workers training rural women social solidarity economy project".split()
    months = "January February March April May June July August September October November December".split()
    count, size = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        year = 2022
        while size < target:
            for month in months:
                out.write(f"{month} {year}\n\n")
                for number in range(1, 29):
                    title = " ".join(words[(count + k) % len(words)] for k in range(7))
                    block = (f"  {number}. News\n\n    {title} number {count}\n\n    {29 - number} {month} {year}\n\n"
                             f"    {' '.join(words[(count * 3 + k) % len(words)] for k in range(40))}\n\n")
                    out.write(block)
                    size += len(block)
                    count += 1
            year -= 1
    return count


def test_50_mb_listing_is_ingested_in_bounded_memory(site, tmp_path):
    path = tmp_path / "huge.txt"
    count = _big_listing(path, 50 * 1000 * 1000)
    assert path.stat().st_size >= 50 * 1000 * 1000
    process = subprocess.Popen([str(FEEDLETTER), "--config", str(site), "--now", NOW, "ingest", str(path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    err = process.stderr.read().decode()
    process.stdout.close(), process.stderr.close()
    assert os.waitstatus_to_exitcode(status) == 0, err
    assert err == ""
    assert len(stored(site)) == count
    assert usage.ru_maxrss < 2 * 1024 * 1024  # KiB: under 2 GiB for a 50 MB file (linear, ~0.45 GB measured)


def test_one_megabyte_line(built, tmp_path):
    long_summary = ("word " * 200_000).strip()
    long_title = "T" * 1_000_000
    path = tmp_path / "long.txt"
    path.write_text(listing(GOOD, ("News", "Long summary", "21 January 2023", long_summary),
                            ("News", long_title, "22 January 2023", "short")), encoding="utf-8")
    status, err, new = accepted(built, path)
    assert status == 0 and err == ""
    assert sorted(len(t) for t in new.values()) == [12, 21, 1_000_000]
    atom = etree.parse(str(built.parent / "public" / "feeds" / "items.atom"))
    titles = atom.getroot().findall("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title")
    assert long_title in [t.text for t in titles]


# -- characters XML 1.0 forbids --------------------------------------------------------------

FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1b\x1f\ufffe\uffff"


def _no_forbidden_anywhere(site: Path) -> None:
    for name, data in outputs(site).items():
        text = data.decode("utf-8")
        assert not any(char in text for char in FORBIDDEN), name
        if name.endswith((".atom", ".rss", ".opml")):
            etree.fromstring(data)  # well-formed


def test_forbidden_characters_in_every_listing_field_are_removed_and_reported(built, tmp_path):
    text = listing(GOOD, ("Ne\x01ws\x1f", "Bell\x07 and \x00null", "2\x0b3 January 2023", "Sum\ufffemary \x1b[31mred"))
    path = tmp_path / "controls.txt"
    path.write_text(text, encoding="utf-8")
    status, err, new = accepted(built, path)
    assert status == 0
    lines = text.split("\n")
    for fragment in ("Ne\x01ws", "Bell\x07", "2\x0b3", "Sum\ufffe"):
        number = next(n for n, line in enumerate(lines, 1) if fragment in line)
        assert f"{path}:{number}: " in err and "that XML 1.0 forbids" in err
    assert sorted(new.values()) == ["A perfectly good item", "Bell and null"]
    _no_forbidden_anywhere(built)


def test_forbidden_characters_in_items_and_feed_sources(built, tmp_path):
    items = tmp_path / "items.json"
    items.write_text("[\n" + ",\n".join(json.dumps(row) for row in [
        {"title": "Lone \ud800 surrogate \u0000", "date": "2023-01-21", "category": "C\u0002at",
         "summary": "S\u0003", "url": "https://example.org/\u0004x"},
        {"title": "\u0001\u0002", "date": "2023-01-22"},
    ]) + "\n]", encoding="ascii")
    status, err, new = accepted(built, items)
    assert status == 0
    assert f"{items}:2: 5 characters that XML 1.0 forbids (U+0000, U+0002, U+0003, U+0004, U+D800) removed" in err
    assert f"{items}:3: 2 characters that XML 1.0 forbids (U+0001, U+0002) removed; the item has no title left" in err
    assert list(new.values()) == ["Lone surrogate"]
    feed = tmp_path / "feed.rss"
    feed.write_bytes(b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://f.example/</link>
<item><title>Feed &#x1; title</title><description>x\x0ey &amp;#1;</description><guid>g1</guid>
<pubDate>Sat, 21 Jan 2023 10:00:00 GMT</pubDate></item></channel></rss>""")
    status, err, new = accepted(built, feed)
    assert status == 0 and "that XML 1.0 forbids" in err
    assert list(new.values()) == ["Feed title"]
    _no_forbidden_anywhere(built)


# -- impossible dates -----------------------------------------------------------------------


def test_impossible_dates_are_problems_with_their_lines(built, tmp_path):
    text = listing(GOOD, ("News", "February 31", "31 February 2023", "x"), ("News", "Year zero", "1 January 0", "x"),
                   ("News", "Far future", "1 January 99999", "x"), ("News", "Year 9999", "31 December 9999", "x"),
                   ("News", "ISO", "2023-13-01", "x"))
    path = tmp_path / "dates.txt"
    path.write_text(text, encoding="utf-8")
    status, err, new = accepted(built, path)
    assert status == 0 and list(new.values()) == ["A perfectly good item"]
    for date_line, why in (("31 February 2023", "February 2023 has no day 31"),
                           ("1 January 0", "the year 0 is implausible, expected 1000 to 2999"),
                           ("1 January 99999", "the year 99999 is implausible"),
                           ("31 December 9999", "the year 9999 is implausible"),
                           ("2023-13-01", "there is no month 13")):
        block = text[: text.index(date_line)].count("\n") - 3  # the block's marker line
        assert f"{path}:{block}: {date_line!r} is not a date: {why}" in err, date_line
    only_bad = tmp_path / "only-bad.txt"
    only_bad.write_text(listing(("News", "February 31", "31 February 2023", "x")), encoding="utf-8")
    status, err = refused(built, only_bad)
    assert status == 2 and f"{only_bad}:3: '31 February 2023' is not a date" in err


def test_dates_before_standard_time_give_valid_feeds(site, tmp_path):
    """Europe/Zurich used local mean time (+00:34:08) before 1894: offsets keep whole minutes."""
    path = tmp_path / "old.txt"
    path.write_text(listing(GOOD, ("News", "An old item", "3 March 1850", "x")), encoding="utf-8")
    assert run("--config", str(site), "ingest", str(path))[0] == 0
    assert run("--config", str(site), "build")[0] == 0
    status, out, _ = run("--config", str(site), "validate")
    assert status == 0, out
    atom = (site.parent / "public" / "feeds" / "items.atom").read_text()
    assert "<updated>1850-03-03T00:00:01+00:34</updated>" in atom


# -- markup, entities and header injection ------------------------------------------------

MARKUP = "<b>Tom & Jerry</b> &amp; &lt;x&gt; \"q\" 'a' <!-- c --> ]]>"


def test_markup_and_entities_are_escaped_exactly_once_everywhere(site, tmp_path):
    site.write_text(site.read_text().replace('title = "ILO COOP eNewsUpdate"', 'title = "<i>Site</i> & co"')
                    + '[newsletter]\ntitle = "<i>Site</i> & co"\nsubject = "{title}, {month_name} {year}"\n')
    path = tmp_path / "markup.txt"
    title = f"Title {MARKUP}"
    category = "Cat <script>alert(1)</script> &amp;"
    summary = f"Summary {MARKUP} <img src=x onerror=alert(1)>"
    path.write_text(listing((category, title, "20 January 2023", summary)), encoding="utf-8")
    assert run("--config", str(site), "ingest", str(path))[0] == 0
    assert run("--config", str(site), "build")[0] == 0
    assert run("--config", str(site), "newsletter", "--month", "2023-01")[0] == 0
    public, outbox = site.parent / "public", site.parent / "outbox"

    atom = feedparser.parse((public / "feeds" / "items.atom").read_bytes())
    assert not atom.bozo and atom.entries[0].title == title and atom.feed.title == "<i>Site</i> & co"
    assert atom.entries[0].tags[0].term == category
    rss = etree.fromstring((public / "feeds" / "items.rss").read_bytes())
    assert rss.findtext("channel/item/title") == title
    data = json.loads((public / "feeds" / "items.json").read_bytes())
    assert data["items"][0]["title"] == title and data["title"] == "<i>Site</i> & co"
    content = data["items"][0].get("content_html") or ""
    assert "<img" not in content and "<script" not in content and "&lt;img" in content

    for page in (public / "issues" / "2023-01.html", public / "index.html", outbox / "2023-01.html"):
        tree = html.fromstring(page.read_bytes())
        assert not tree.xpath("//script | //img[@onerror] | //b | //i"), page
        if "issues" in str(page) or "outbox" in str(page):
            text = tree.text_content()
            assert title in " ".join(text.split()), page
    text_part = (outbox / "2023-01.txt").read_text("utf-8")
    assert title in " ".join(text_part.split()) and "&amp;amp;" not in text_part
    message = email.message_from_bytes((outbox / "2023-01.eml").read_bytes(), policy=email.policy.default)
    assert "<i>Site</i> & co" in message["Subject"]


def test_cr_lf_cannot_inject_mail_headers(site, tmp_path):
    evil = "News\\r\\nBcc: victim@example.net\\r\\n\\r\\n<h1>body</h1>"
    site.write_text(site.read_text() + f'[newsletter]\ntitle = "{evil}"\nsubject = "{{title}}, {{month_name}} {{year}}"\n')
    items = tmp_path / "items.json"
    items.write_text(json.dumps([{"title": "Item\r\nBcc: x@example.net\rX-Evil: 1", "date": "2023-01-20",
                                  "summary": "s"}]), encoding="utf-8")
    assert run("--config", str(site), "ingest", str(items))[0] == 0
    assert stored(site) and list(stored(site).values()) == ["Item Bcc: x@example.net X-Evil: 1"]
    assert run("--config", str(site), "newsletter", "--month", "2023-01")[0] == 0
    raw = (site.parent / "outbox" / "2023-01.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert message["Subject"].startswith("News Bcc: victim@example.net <h1>body</h1>")
    headers = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert sorted({line.split(":", 1)[0] for line in headers.split("\r\n") if line and not line[0].isspace()}) == [
        "Content-Type", "Date", "From", "List-Id", "MIME-Version", "Message-ID", "Subject"]
    assert message["List-Id"].startswith('"News Bcc: victim@example.net <h1>body</h1>" <')  # one quoted line


# -- XML bombs, external entities, oversized feeds -------------------------------------------


class Recorder:
    """A local HTTP server that records every request and serves fixed bodies."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.bodies: dict[str, tuple[bytes, bool]] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                recorder.requests.append(self.path)
                body, length = recorder.bodies.get(self.path, (b"SECRET-FROM-HTTP", True))
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                if length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.close_connection = True
                self.end_headers()
                try:
                    for start in range(0, len(body), 1 << 20):
                        self.wfile.write(body[start : start + (1 << 20)])
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Recorder:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _feed_with(doctype: str, title: str) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{doctype}\n]>\n<rss version="2.0"><channel><title>t</title>'
            f"<link>https://f.example/</link><item><title>{title}</title><guid>g</guid>"
            "<pubDate>Sat, 21 Jan 2023 10:00:00 GMT</pubDate></item></channel></rss>").encode()


def test_xml_bombs_and_external_entities_are_refused_unresolved(built, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    laughs = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "' + f"&lol{n - 1 if n > 1 else ''};" * 10 + '">' for n in range(1, 10))
    with Recorder() as http:
        cases = {
            "bomb.rss": _feed_with(laughs, "&lol9;"),
            "file.rss": _feed_with(f'<!ENTITY xxe SYSTEM "file://{secret}">', "A &xxe;"),
            "passwd.rss": _feed_with('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "A &xxe;"),
            "http.rss": _feed_with(f'<!ENTITY xxe SYSTEM "{http.url}/entity">', "A &xxe;"),
            "param.rss": _feed_with(f'<!ENTITY % dtd SYSTEM "{http.url}/dtd"> %dtd;', "A"),
            "utf16.rss": _feed_with(f'<!ENTITY xxe SYSTEM "{http.url}/wide">', "A &xxe;").decode().replace(
                'version="1.0"?>', 'version="1.0" encoding="UTF-16"?>').encode("utf-16"),
        }
        for name, data in cases.items():
            path = tmp_path / name
            path.write_bytes(data)
            status, err = refused(built, path)
            assert status == 2, name
            assert "declares entities in its DOCTYPE (<!ENTITY …>); refused" in err, name
        http.bodies["/bomb.rss"] = (cases["bomb.rss"], True)
        before = stored(built)
        status, _, err = run("--config", str(built), "ingest", f"{http.url}/bomb.rss")
        assert status == 2 and "declares entities" in err and stored(built) == before
        assert http.requests == ["/bomb.rss"]  # the feed itself, never an entity
    assert all("SECRET" not in title for title in stored(built).values())


def test_100_mb_feed_is_stopped_by_the_size_limit(built, tmp_path):
    huge = tmp_path / "huge.rss"
    with open(huge, "wb") as out:
        out.truncate(100 * 1024 * 1024)  # sparse: costs no disk
    status, err = refused(built, huge)
    assert status == 1 and f"{huge}: 104857600 bytes is more than the limit of 67108864 bytes" in err
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' + b" " * (100 * 1024 * 1024)
    with Recorder() as http:
        http.bodies["/sized.rss"] = (body, True)
        http.bodies["/streamed.rss"] = (body, False)
        before, files = stored(built), outputs(built)
        status, _, err = run("--config", str(built), "ingest", f"{http.url}/sized.rss")
        assert status == 1 and f"{len(body)} bytes is more than the limit of 67108864 bytes" in err
        status, _, err = run("--config", str(built), "ingest", f"{http.url}/streamed.rss")
        assert status == 1 and "more than the limit of 67108864 bytes; download stopped" in err
        assert stored(built) == before and outputs(built) == files
    config = built.read_text() + f'\n[[sources]]\nname = "big"\nkind = "feed"\nlocation = "{huge}"\n'
    built.write_text(config)
    status, _, err = run("--config", str(built), "run")
    assert status == 1 and "source big:" in err and "more than the limit" in err
    assert stored(built) == before and outputs(built) == files


# -- names that try to leave the output directory -------------------------------------------


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/etc/passwd", "", ".", "a\\..\\x", "a\x00b", "feeds/../../x"])
def test_output_names_never_leave_the_root(tmp_path, name):
    with pytest.raises(OutputError, match="must stay inside"):
        Output(tmp_path / "public").write(name, b"x")
    assert list(tmp_path.iterdir()) == []


def test_category_names_cannot_escape_the_output_dir(site, tmp_path):
    path = tmp_path / "escape.txt"
    evil = ["../../etc/passwd", "..", "/abs", "\\..\\..\\windows", ".", "~root", "feeds/../../../x", "%2e%2e%2f"]
    path.write_text(listing(*[(c, f"Escape {n}", "20 January 2023", "x") for n, c in enumerate(evil)]), encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    assert run("--config", str(site), "ingest", str(path))[0] == 0
    assert run("--config", str(site), "build")[0] == 0
    public = (site.parent / "public").resolve()
    created = {p for p in tmp_path.rglob("*")} - before
    for created_path in created:
        resolved = created_path.resolve()
        assert resolved == public or public in resolved.parents or resolved.name.startswith("feedletter.db"), resolved
    categories = sorted(p.name for p in (public / "feeds" / "category").iterdir())
    assert all(name[0].isalnum() and "/" not in name and ".." not in name for name in categories)
    assert len({name.rsplit(".", 1)[0] for name in categories}) == len(evil) - 1  # "." has no letters: "category-…"
    status, _, err = run("--config", str(site), "newsletter", "--month", "../../etc")
    assert status == 2 and "is not a month" in err


# -- config: wrong types and unknown keys ----------------------------------------------------

BASE = '[site]\nbase_url = "https://x.example/"\n'


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("surprise = 1\n", "surprise: unknown key"),
        ("[site.author]\nname = 'A'\nmail = 'x'\n", "[site.author] mail: unknown key"),
        ("[paths]\noutptu = 'public'\n", "[paths] outptu: unknown key"),
        ("[paths]\noutput = 3\n", "[paths] output: must be a string"),
        ("[feeds]\nitems = 'fifty'\n", "[feeds] items: must be an integer"),
        ("[feeds]\nitems = true\n", "[feeds] items: must be an integer"),
        ("[feeds]\nitemz = 5\n", "[feeds] itemz: unknown key"),
        ("[newsletter]\nsubjekt = 'x'\n", "[newsletter] subjekt: unknown key"),
        ("[newsletter]\nsubject = 3\n", "[newsletter] subject: must be a string"),
        ("[newsletter.footer]\ncontakt = 'x'\n", "contakt"),
        ("[[sources]]\nname = 's'\nlocation = 'a.txt'\nkindd = 'listing'\n", '[sources] 1 (name "s") kindd: unknown key'),
        ("[[sources]]\nname = 's'\nlocation = 7\n", '[sources] 1 (name "s") location: must be a non-empty string'),
        ("[[sources]]\nname = 's'\nlocation = 'a.txt'\ntimeout = 'soon'\n", '[sources] 1 (name "s") timeout: must be a positive number'),
        ("[[sources]]\nname = 's'\nlocation = 'a.txt'\n[sources.filter]\nincluded = 'x'\n", '[sources] 1 (name "s") filter.included: unknown key'),
        ("[smtp]\nhost = 'mail.example'\nprot = 25\n", "[smtp] prot: unknown key"),
        ("[smtp]\nhost = 'mail.example'\nport = '25'\n", "[smtp] port: must be an integer from 1 to 65535"),
        ("[smtp]\nhost = 'mail.example'\npassword = 'x'\n", "[smtp] password: does not belong in the config file"),
        ("sources = 'x'\n", "sources: must be an array"),
        ("newsletter = 3\n", "newsletter: must be a table"),
    ],
)
def test_config_with_wrong_types_or_unknown_keys(tmp_path, extra, message):
    config = tmp_path / "feedletter.toml"
    top = extra if not extra.startswith("[") else ""
    config.write_text(top + BASE + ("" if top else extra), encoding="utf-8")
    status, _, err = run("--config", str(config), "build")
    assert status == 2 and err.startswith(f"feedletter: {config}") and message in err, err
    assert err.count("\n") == 1


# -- deep nesting: a clear line, never a RecursionError -------------------------------------

DEEP = 100_000


def test_deeply_nested_json_items_file(built, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('[{"title": "A", "date": "2023-01-20"},\n' + "[" * DEEP + "]" * DEEP + "]", encoding="utf-8")
    status, err = refused(built, path)
    assert status == 2 and f"{path}:2: arrays and objects nested more than 64 deep" in err, err
    assert err.count("\n") == 1


def test_deeply_nested_json_feed(built, tmp_path):
    path = tmp_path / "deep-feed.json"
    entry = '{"id": "1", "title": "A", "date_published": "2023-01-20T10:00:00Z", "_x": ' + "{\"a\": " * DEEP + "1" + "}" * DEEP + "}"
    path.write_text('{"version": "https://jsonfeed.org/version/1.1", "title": "t",\n"items": [\n' + entry + "]}", encoding="utf-8")
    status, err = refused(built, path)
    assert status == 2 and f"{path}:3: arrays and objects nested more than 64 deep" in err, err
    assert err.count("\n") == 1


@pytest.mark.parametrize("value", ["[" * DEEP + "]" * DEEP, "{a = " * DEEP + "1" + "}" * DEEP])
def test_deeply_nested_toml_items_file(built, tmp_path, value):
    path = tmp_path / "deep.toml"
    path.write_text(f'[[items]]\ntitle = "A"\ndate = 2023-01-20\n\n[[items]]\ntitle = "B"\nx = {value}\n', encoding="utf-8")
    status, err = refused(built, path)
    assert status == 2 and f"{path}:7: arrays and tables nested more than 64 deep" in err, err
    assert err.count("\n") == 1


def test_deeply_nested_html_is_refused_before_it_is_parsed(built, tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body>\n<p>News</p>\n" + "<div>" * DEEP + "x" + "</div>" * DEEP + "</body></html>",
                    encoding="utf-8")
    status, err = refused(built, page)
    assert status == 2 and f"{page}:3: HTML elements nested more than 512 deep" in err, err
    assert err.count("\n") == 1


def test_html_nested_deeper_than_python_recursion_is_read(built, tmp_path):
    # 300 tables as written, 1200 elements deep once the parser adds tbody, tr and td
    item = "<ol><li><p>News</p><p>A deeply nested item</p><p>20 January 2023</p><p>Its summary.</p></li></ol>"
    page = tmp_path / "tables.html"
    page.write_text("<html><body>" + "<table><tr><td>" * 300 + item + "</td></tr></table>" * 300 + "</body></html>",
                    encoding="utf-8")
    status, err, new = accepted(built, page)
    assert status == 0 and list(new.values()) == ["A deeply nested item"], err


def test_deeply_nested_html_in_a_feed_entry_skips_that_entry(built, tmp_path):
    feed = tmp_path / "deep.rss"
    entry = "<item><title>{}</title><description>{}</description><guid>{}</guid>" \
            "<pubDate>Sat, 21 Jan 2023 10:00:00 GMT</pubDate></item>\n"
    feed.write_text('<?xml version="1.0"?>\n<rss version="2.0"><channel><title>t</title><link>https://f.example/</link>\n'
                    + entry.format("Shallow entry", "fine", "g1") + entry.format("Deep entry", "&lt;b&gt;" * 5000, "g2")
                    + "</channel></rss>", encoding="utf-8")
    status, err, new = accepted(built, feed)
    assert status == 0 and list(new.values()) == ["Shallow entry"]
    assert f"{feed}:4: the entry's HTML nests elements more than 512 deep" in err, err


# -- item URLs: published as valid IRIs, whatever the source wrote ---------------------------


def test_item_urls_with_line_breaks_spaces_and_quotes_are_published_as_valid_iris(built, tmp_path):
    feed = tmp_path / "links.rss"
    entry = "<item><title>Link {0}</title><link>{1}</link><guid>g{0}</guid><pubDate>Sat, 21 Jan 2023 10:0{0}:00 GMT</pubDate></item>"
    links = ["https://f.example/a b", "https://f.example/&quot;quoted&quot;&lt;x&gt;", "https://f.example/line&#13;&#10;break",
             "https://f.example/100%"]
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://f.example/</link>'
                    + "".join(entry.format(n, link) for n, link in enumerate(links))
                    + "</channel></rss>", encoding="utf-8")
    status, err, new = accepted(built, feed)
    assert status == 0 and len(new) == 4, err
    published = outputs(built)["feeds/items.atom"]
    for iri in (b"https://f.example/a%20b", b"https://f.example/%22quoted%22%3Cx%3E", b"https://f.example/linebreak",
                b"https://f.example/100%25"):
        assert b'href="' + iri + b'"' in published
    status, out, _ = run("--config", str(built), "validate")
    assert (status, out) == (0, ""), out


# -- inputs that are not regular files: never read without end, never waited on -------------

def _limited_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.parametrize("kind", ["a character device", "a named pipe"])
def test_a_device_or_a_named_pipe_is_refused(built, tmp_path, kind):
    path = Path("/dev/zero")
    if kind == "a named pipe":
        path = tmp_path / "pipe"
        os.mkfifo(path)  # no writer: opening it to read would wait forever
    before, files = stored(built), outputs(built)
    for command in ("ingest", "parse"):
        # a child with bounded memory and time: going wrong fails here, never hangs the suite
        done = subprocess.run([str(FEEDLETTER), "--config", str(built), command, str(path)], capture_output=True,
                              text=True, timeout=60, preexec_fn=_limited_memory)
        assert (done.returncode, done.stderr) == (
            2, f"feedletter: {path}: not a regular file ({kind}); expected a listing, page, feed or items file\n")
    assert stored(built) == before and outputs(built) == files
