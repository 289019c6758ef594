"""`feedletter validate`: the demo output passes; crafted bad outputs fail with the right message."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime

import pytest

from feeds.validate import (
    check_atom,
    check_files,
    check_html_page,
    check_json_feed,
    check_opml,
    check_rss,
)
from newsletter.app.cli import main
from tests.conftest import NOW, SAMPLES
from tests.feed_samples import CONFIG, build_files, sample_site

# a site that sends its issues itself, each with its own unsubscribe link
SENDING = CONFIG + '[newsletter]\nunsubscribe_url = "https://coop-news.example.org/unsubscribe/{token}"\n'

FIRST_ID = b"tag:coop-news.example.org,2026:item/2023-01-25/e190205cc3ab8acd"
SECOND_ID = b"tag:coop-news.example.org,2026:item/2022-12-21/eb7b610e8044f87e"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with pytest.raises(SystemExit) as exit_info:
            main(["--now", NOW.isoformat(), *args])
    return exit_info.value.code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return build_files(sample_site(tmp_path_factory.mktemp("validate")))


def messages(findings) -> str:
    return "\n".join(str(finding) for finding in findings)


def test_demo_pipeline_output_passes_validate(tmp_path):
    """What `make demo` does, into tmp_path, then `feedletter validate`: exit 0, silent."""
    config = tmp_path / "feedletter.toml"
    config.write_text(SENDING, encoding="utf-8")
    assert run("--config", str(config), "ingest", *map(str, SAMPLES))[0] == 0
    assert run("--config", str(config), "build")[0] == 0
    assert run("--config", str(config), "newsletter")[0] == 0
    assert run("--config", str(config), "validate") == (0, "", "")
    status, out, err = run("--config", str(config), "-v", "validate", str(tmp_path / "public"))
    assert (status, out) == (0, "")
    assert "0 errors, 0 warnings" in err
    feeds = list((tmp_path / "public" / "feeds").rglob("*.*"))
    assert len(feeds) == 3 * 9 + 17 + 1


def test_sample_feeds_have_no_findings(files):
    assert check_files(files, now=NOW) == []


def test_validate_cli_reports_file_and_problem_and_exits_1(tmp_path):
    bad = tmp_path / "out" / "feeds"
    bad.mkdir(parents=True)
    (bad / "items.rss").write_text("<rss version='2.0'><channel><title>x</title></channel></rss>")
    status, out, err = run("validate", str(tmp_path / "out"))
    assert status == 1
    assert f"{bad / 'items.rss'}: MissingElement: missing channel element: link" in out
    assert "MissingAtomSelfLink" in out
    assert "problems in the outputs" in err


# -- Atom -----------------------------------------------------------------------


def test_duplicate_entry_id(files):
    data = files["feeds/items.atom"].replace(SECOND_ID, FIRST_ID)
    assert f"DuplicateEntries: entry id {FIRST_ID.decode()} appears 2 times" in messages(check_atom("x.atom", data, now=NOW))


def test_missing_author(files):
    data = files["feeds/items.atom"]
    start, end = data.index(b"<author>"), data.index(b"</author>") + len(b"</author>")
    found = messages(check_atom("x.atom", data[:start] + data[end:], now=NOW))
    assert "MissingAuthor: neither the feed nor the entry has an author" in found


def test_relative_url(files):
    data = files["feeds/items.atom"].replace(b'href="https://coop-news.example.org/issues/', b'href="/issues/', 1)
    assert "ContainsRelRef: link rel=alternate href is not absolute: '/issues/" in messages(check_atom("x.atom", data, now=NOW))
    html = files["feeds/items.atom"].replace(b"&lt;p&gt;A training", b"&lt;p&gt;&lt;a href=\"page.html\"&gt;A&lt;/a&gt; training")
    assert "ContainsRelRef: relative URL 'page.html' in content" in messages(check_atom("x.atom", html, now=NOW))


def test_future_date(files):
    data = files["feeds/items.atom"].replace(b"2023-01-25T00:00:01+01:00", b"2023-03-25T00:00:01+01:00")
    found = messages(check_atom("x.atom", data, now=NOW))
    assert "ImplausibleDate: 2023-03-25T00:00:01+01:00 is in the future" in found
    assert check_atom("x.atom", data, now=datetime(2023, 4, 1, tzinfo=UTC)) == []


def test_wrong_feed_updated(files):
    data = files["feeds/items.atom"].replace(
        b"<updated>2023-01-25T00:00:01+01:00</updated>", b"<updated>2023-01-31T00:00:00+01:00</updated>", 1)
    assert "feed updated 2023-01-31T00:00:00+01:00 is not the newest entry's updated" in messages(
        check_atom("x.atom", data, now=NOW))


def test_missing_entry_updated_fails_schema_and_rule(files):
    data = files["feeds/items.atom"]
    start = data.index(b"<updated>", data.index(b"<entry>"))
    end = data.index(b"</updated>", start) + len(b"</updated>")
    found = messages(check_atom("x.atom", data[:start] + data[end:], now=NOW))
    assert "RFC 4287 schema" in found and "no updated (RFC 4287 4.1.2)" in found


def test_missing_self_and_archive_rules(files):
    data = files["feeds/archive/items-2022-12.atom"]
    no_current = data.replace(b'rel="current"', b'rel="related"')
    assert "MissingCurrentInArchive" in messages(check_atom("a.atom", no_current, now=NOW))
    no_self = files["feeds/items.atom"].replace(b'rel="self"', b'rel="related"')
    assert "MissingSelf" in messages(check_atom("x.atom", no_self, now=NOW))


def test_archive_chain_across_files(files):
    broken = dict(files)
    del broken["feeds/archive/items-2022-12.atom"]
    assert any("prev-archive link points at https://coop-news.example.org/feeds/archive/items-2022-12.atom" in str(f)
               for f in check_files(broken, now=NOW))
    repeated = dict(files)
    repeated["feeds/archive/items-2022-12.atom"] = files["feeds/archive/items-2022-12.atom"].replace(
        SECOND_ID, FIRST_ID)
    assert f"entry {FIRST_ID.decode()} is also in archive" in messages(check_files(repeated, now=NOW))


def test_not_xml_and_doctype():
    assert "not well-formed XML" in messages(check_atom("x.atom", b"<feed", now=NOW))
    doctype = b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY e "x">]><feed xmlns="http://www.w3.org/2005/Atom"/>'
    assert "has a DOCTYPE" in messages(check_atom("x.atom", doctype, now=NOW))


# -- RSS, JSON Feed, OPML ----------------------------------------------------------------


def test_rss_rules(files):
    good = files["feeds/items.rss"]
    assert check_rss("x.rss", good, now=NOW) == []
    assert "DuplicateValue: guid" in messages(check_rss("x.rss", good.replace(SECOND_ID, FIRST_ID), now=NOW))
    two_digit = good.replace(b"Wed, 25 Jan 2023 00:00:01 +0100", b"Wed, 25 Jan 23 00:00:01 +0100")
    assert "ProblematicalRFC822Date" in messages(check_rss("x.rss", two_digit, now=NOW))
    wrong_day = good.replace(b"Wed, 25 Jan 2023", b"Thu, 25 Jan 2023")
    assert "IncorrectDOW" in messages(check_rss("x.rss", wrong_day, now=NOW))
    no_zone = good.replace(b"Wed, 25 Jan 2023 00:00:01 +0100", b"2023-01-25")
    assert "InvalidRFC2822Date" in messages(check_rss("x.rss", no_zone, now=NOW))
    self_as_link = good.replace(b"<link>https://coop-news.example.org/</link>",
                                b"<link>https://coop-news.example.org/feeds/items.rss</link>")
    assert "channel link is the feed itself" in messages(check_rss("x.rss", self_as_link, now=NOW))
    no_guid = good.replace(b"<guid isPermaLink=\"false\">" + FIRST_ID + b"</guid>", b"")
    assert "MissingGuid" in messages(check_rss("x.rss", no_guid, now=NOW))
    script = good.replace(b"&lt;p&gt;A training", b"&lt;script&gt;x()&lt;/script&gt;&lt;p&gt;A training")
    assert "SecurityRisk: <script>" in messages(check_rss("x.rss", script, now=NOW))


def test_json_feed_rules(files):
    feed = json.loads(files["feeds/items.json"])
    assert check_json_feed("x.json", files["feeds/items.json"], now=NOW) == []
    feed["items"][1]["id"] = 42
    feed["items"][2]["id"] = feed["items"][0]["id"]
    del feed["items"][3]["content_html"]
    feed["items"][4]["date_published"] = "2023-01-25"
    feed["items"][5]["url"] = "issues/2022-12.html"
    del feed["feed_url"]
    found = messages(check_json_feed("x.json", json.dumps(feed).encode(), now=NOW))
    for expected in ("item 2: id missing or not a string", "duplicate item id", "neither content_html nor content_text",
                     "not an RFC 3339 date-time", "url is not an absolute URL", "feed_url missing"):
        assert expected in found


def test_opml_rules(files):
    assert check_opml("f.opml", files["feeds/feeds.opml"], now=NOW) == []
    relative = files["feeds/feeds.opml"].replace(b'xmlUrl="https://coop-news.example.org/', b'xmlUrl="/', 1)
    assert "xmlUrl is not absolute" in messages(check_opml("f.opml", relative, now=NOW))


# -- pages and e-mails ------------------------------------------------------------------


def test_html_page_rules():
    good = b'<!doctype html><html lang="en"><body><a href="https://x.example/">x</a><img src="https://x.example/a.png" alt=""></body></html>'
    assert check_html_page("issues/x.html", good, now=NOW) == []
    bad = b'<html lang="und"><body>{{ title }}<a href="../index.html">x</a><img src="a.png"><script>1</script></body></html>'
    found = messages(check_html_page("issues/x.html", bad, now=NOW))
    for expected in ("template leftover '{{'", "no <html lang=", "1 <img> without alt", "contains <script>",
                     "relative link '../index.html'"):
        assert expected in found


# -- links and ids are IRIs as written ----------------------------------------------------------

ITEM_LINK = b"https://coop-news.example.org/issues/2023-01.html#item-dae34d0bfd4c"
ARCHIVE_LINK = b'href="https://coop-news.example.org/"'  # a web copy's link to the archive of issues


@pytest.mark.parametrize(
    ("path", "check", "bad", "told"),
    [
        ("feeds/items.atom", check_atom, b"https://coop-news.example.org/issues/2023 01.html",
         "InvalidIRI: 'https://coop-news.example.org/issues/2023 01.html' holds ' ', which must be percent-encoded"),
        ("feeds/items.rss", check_rss, b"https://coop-news.example.org/a&quot;b",
         "InvalidIRI: 'https://coop-news.example.org/a\"b' holds '\"', which must be percent-encoded"),
        ("feeds/items.json", check_json_feed, b"https://coop-news.example.org/a\\nb",
         "InvalidIRI: 'https://coop-news.example.org/a\\nb' holds '\\n', which must be percent-encoded"),
        ("issues/2023-01.html", check_html_page, b'href="https://coop-news.example.org/100%"',
         "InvalidIRI: 'https://coop-news.example.org/100%' holds a '%' that starts no %XX escape"),
        ("feeds/items.atom", check_atom, b"https://exa mple.org/",
         "InvalidIRI: 'https://exa mple.org/' has a host that is not one ('exa mple.org')"),
    ],
)
def test_links_that_are_not_iris_are_flagged(files, path, check, bad, told):
    data = files[path]
    link = ARCHIVE_LINK if path.startswith("issues/") else ITEM_LINK
    assert link in data and told not in messages(check(path, data, now=NOW))
    assert told in messages(check(path, data.replace(link, bad), now=NOW))


def test_opml_feed_urls_that_are_not_iris_are_flagged(files):
    data = files["feeds/feeds.opml"].replace(b'xmlUrl="https://coop-news.example.org/feeds/items.atom"',
                                             b'xmlUrl="https://coop-news.example.org/feeds/items .atom"')
    assert "InvalidIRI: 'https://coop-news.example.org/feeds/items .atom' holds ' '" in messages(
        check_opml("f.opml", data, now=NOW))


# -- template leftovers: in the template's output, not in the items' own text -------------------


def test_item_text_that_looks_like_a_template_is_no_leftover(tmp_path):
    config = tmp_path / "feedletter.toml"
    config.write_text(SENDING, encoding="utf-8")
    items = tmp_path / "items.json"
    items.write_text(json.dumps([
        {"title": "Mustache {{ 7*7 }} and Jinja {% raw %}", "date": "2023-01-20", "category": "News",
         "summary": "Write {{ name }} to greet, {%- if x %} to choose."},
    ]), encoding="utf-8")
    assert run("--config", str(config), "ingest", str(items))[0] == 0
    assert run("--config", str(config), "build")[0] == 0
    assert run("--config", str(config), "newsletter", "--month", "2023-01")[0] == 0
    page = (tmp_path / "public" / "issues" / "2023-01.html").read_bytes()
    assert b"Mustache {{ 7*7 }}" in page
    assert run("--config", str(config), "validate") == (0, "", "")


def test_a_real_leftover_is_still_found_next_to_item_text(files):
    page = files["issues/2023-01.html"]
    title = b"Training of trainers workshop on cooperative development tools in the DRC."
    assert title in page
    leftover = dict(files, **{"issues/2023-01.html": page.replace(title, title + b" {{ item.summary }}", 1)})
    assert "template leftover '{{' in the output: '{{ item.summary }}'" in messages(check_files(leftover, now=NOW))
    in_attribute = dict(files, **{"issues/2023-01.html": page.replace(b'lang="en"', b'lang="{{ lang }}"', 1)})
    assert "template leftover '{{' in the output: '{{ lang }}'" in messages(check_files(in_attribute, now=NOW))


# -- merge tags and ways out ----------------------------------------------------------------------


def test_a_published_page_with_a_merge_tag_fails_and_the_package_may_keep_its_own(files):
    page = files["issues/2023-01.html"]
    tagged = page.replace(b"</body>", b'<a href="https://mail.example.org/u/*|UNSUB|*">Unsubscribe</a></body>', 1)
    found = messages(check_files(dict(files, **{"issues/2023-01.html": tagged}), now=NOW))
    assert ("issues/2023-01.html: merge tag '*|UNSUB|*' in a published page: nobody fills it in here, so its link "
            "is broken for every reader") in found
    personal = page.replace(b"</body>", b'<a href="https://news.example.org/u/{token}">Unsubscribe</a></body>', 1)
    assert "merge tag '{token}' in a published page" in messages(
        check_files(dict(files, **{"issues/2023-01.html": personal}), now=NOW))
    # in the outbox the same link is what a send or an e-mail service fills in: no error, no IRI warning
    assert messages(check_files({"outbox/2023-01.html": tagged}, now=NOW)) == ""
    assert messages(check_files({"outbox/2023-01.html": personal}, now=NOW)) == ""


def test_an_issue_without_a_way_out_is_a_warning_unless_an_e_mail_service_sends_it(tmp_path):
    for newsletter, delivery, expected in [
        ("", "direct", "warning: no unsubscribe (no List-Unsubscribe header): the subscribers of a direct issue"),
        ('delivery = "list"\nlist_address = "all@lists.example.org"\n', "list", "of a list issue have no one-click"),
        ('unsubscribe_url = "https://mail.example.org/u/*|UNSUB|*"\n', "esp", None),
    ]:
        site = tmp_path / delivery
        site.mkdir()
        (site / "feedletter.toml").write_text(CONFIG + "[newsletter]\n" + newsletter, encoding="utf-8")
        config = str(site / "feedletter.toml")
        assert run("--config", config, "ingest", *map(str, SAMPLES))[0] == 0
        assert run("--config", config, "build")[0] == 0
        assert run("--config", config, "newsletter", "--month", "2023-01")[0] == 0
        status, out, _ = run("--config", config, "validate")
        assert status == 0  # a warning
        if expected is None:
            assert out == ""
        else:
            (line,) = out.splitlines()
            assert line.startswith(f"{site / 'outbox' / '2023-01.eml'}: ") and expected in line


def test_a_direct_package_with_a_merge_tag_fails(files):
    eml = (b"From: N <n@example.org>\r\nSubject: s\r\nDate: Wed, 01 Feb 2023 09:00:00 +0000\r\n"
           b"List-Unsubscribe: <https://mail.example.org/u/*|UNSUB|*>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
           b'--b\r\nContent-Type: text/html\r\n\r\n<html lang="en"><body>x</body></html>\r\n--b--\r\n')
    direct = messages(check_files({"outbox/2023-01.eml": eml}, now=NOW, delivery="direct"))
    assert ("merge tag '*|UNSUB|*': delivery = \"direct\" would send it to every subscriber as written "
            "(only {token} and {email} are filled in)") in direct
    assert "merge tag" not in messages(check_files({"outbox/2023-01.eml": eml}, now=NOW, delivery="esp"))
