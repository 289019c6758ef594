"""The config: the [newsletter] table (defaults, editorials), the one message form of every
table's errors, and the list of every key against the README."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from newsletter.app.config import config_keys, settings_from_dict
from newsletter.app.config.newsletter import newsletter_from_table
from newsletter.errors import ConfigError
from newsletter.issue.settings import (
    NewsletterSettings,
    load_editorial,
)

README = Path(__file__).resolve().parents[3] / "README.md"


def settings(table: dict, base_dir: Path = Path("/nonexistent")) -> NewsletterSettings:
    return newsletter_from_table(table, where="site/feedletter.toml", base_dir=base_dir)


def test_empty_table_gives_complete_defaults() -> None:
    s = settings({})
    assert s.title == "Newsletter"
    assert s.subject == "{title} No. {number}, {month}"
    assert s.sections == ()  # none configured: each category of a month is a section
    assert s.language == "en" and s.show_category and s.show_date
    assert s.logo_dark_url == "" and s.logo_alt == ""
    assert s.colors.masthead_background == "#1f4e8c"
    assert s.font_family == "Arial, Helvetica, sans-serif"
    assert s.fonts == ()  # no web-font link unless configured


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"xyz": 1}, "site/feedletter.toml: [newsletter] xyz: unknown key, expected one of title, subtitle,"),
        ({"footer": {"fax": "1"}}, "site/feedletter.toml: [newsletter.footer] fax: unknown key, expected one of contact,"),
        ({"colors": {"border": "#fff"}}, "[newsletter.colors] border: unknown key, expected one of masthead_background,"),
        ({"title": 3}, "[newsletter] title: must be a string, not an integer"),
        ({"first_number": "1"}, "[newsletter] first_number: must be an integer, not a string"),
        ({"first_number": True}, "[newsletter] first_number: must be an integer, not a boolean"),
        ({"lead_categories": "News"}, "[newsletter] lead_categories: must be an array of strings, not a string"),
        ({"sections": [{"title": "A", "categories": [1]}]},
         '[newsletter.sections] 1 (title "A") categories: must be an array of strings, not an array holding an integer'),
        ({"sections": [{"categories": ["News"]}]}, "[newsletter.sections] 1 title: missing, expected the heading"),
        ({"sections": [{"title": "A", "colour": "x"}]}, '[newsletter.sections] 1 (title "A") colour: unknown key'),
        ({"sections": []}, "[newsletter] sections: must be a non-empty array of tables ([[newsletter.sections]])"),
        ({"subject": "{title} {issue}"}, "[newsletter] subject: unknown placeholder {issue}, expected one of {title},"),
        ({"subject_unnumbered": "{number:03d}"}, "[newsletter] subject_unnumbered: must be text with {placeholders}, not '{number:03d}'"),
        ({"numbering": "weekly"}, "[newsletter] numbering: must be one of yearly, continuous, none, not 'weekly'"),
        ({"numbering": "continuous"}, "[newsletter] first_issue: missing, expected the month of issue No. 1"),
        ({"first_issue": "2020-13"}, "[newsletter] first_issue: must be a month written YYYY-MM, not '2020-13'"),
        ({"lead": {"December": "x"}}, "[newsletter.lead] December: must be a month written YYYY-MM, not 'December'"),
        ({"lead": {"2022-12": 3}}, "[newsletter.lead] 2022-12: must be a string, not an integer"),
        ({"colors": {"link": "blue"}}, "[newsletter.colors] link: must be a colour written #rrggbb, not 'blue'"),
        ({"unsubscribe_url": "/unsubscribe"}, "[newsletter] unsubscribe_url: must be an absolute http(s) URL, not '/unsubscribe'"),
        ({"unsubscribe_url": "mailto:x@example.org"}, "[newsletter] unsubscribe_url: must be an absolute http(s) URL"),
        ({"unsubscribe_mailto": "https://example.org/u"}, "[newsletter] unsubscribe_mailto: must be a mailto: address"),
        ({"fonts": {"Roboto": "http://fonts.example/r.css"}}, "[newsletter.fonts] Roboto: must be an absolute https:// URL"),
        ({"footer": {"social": {"X": ""}}}, "[newsletter.footer.social] X: must be an absolute http(s) URL or a mailto:"),
        ({"font_family": "Arial; } body { display:none"}, "[newsletter] font_family: must be font names, commas, spaces"),
        ({"logo_width": 700}, "[newsletter] logo_width: must be an integer from 16 to 600 (pixels), not 700"),
        ({"logo_dark_url": "logo.png"}, "[newsletter] logo_dark_url: must be an absolute http(s) URL, not 'logo.png'"),
        ({"show_date": "no"}, "[newsletter] show_date: must be true or false, not a string"),
        ({"language": 7}, "[newsletter] language: must be a string, not an integer"),
        ({"from": "nobody"}, "[newsletter] from: must be an e-mail address such as 'News <news@example.org>', "
                             "not 'nobody', which has no @"),
        ({"to": "a@example.org, b@example.org"}, "[newsletter] to: must be an e-mail address such as 'News <news@example.org>'"),
        ({"footer": {"email": "Coop <coop@example.org>"}},
         "[newsletter.footer] email: must be a bare e-mail address such as news@example.org"),
        ({"editorial": {"2022-12": {"text": "a", "file": "b.md"}}},
         "[newsletter.editorial] 2022-12: holds both text and file or neither, expected exactly one of them"),
        ({"editorial": {"2022-12": {"txt": "a"}}}, "[newsletter.editorial] 2022-12.txt: unknown key, expected one of text, file"),
        ({"editorial": {"2022-12": 3}}, "[newsletter.editorial] 2022-12: must be text, the path of a .md/.txt file"),
    ],
)
def test_bad_settings_name_the_key(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(table)
    assert message in str(caught.value)
    assert str(caught.value).startswith("site/feedletter.toml: ")


def test_merge_tags_are_kept_verbatim() -> None:
    s = settings({"unsubscribe_url": "https://list.example.org/u?id=*|UNSUB|*", "unsubscribe_mailto": "mailto:leave@example.org?subject=*|EMAIL|*"})
    assert s.unsubscribe_url == "https://list.example.org/u?id=*|UNSUB|*"
    assert s.unsubscribe_mailto == "mailto:leave@example.org?subject=*|EMAIL|*"


def test_editorial_inline_text_and_file_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "intros").mkdir()
    (tmp_path / "intros" / "2022-12.md").write_text("# Season's greetings\n\nA year of **cooperation**.\n", encoding="utf-8")
    s = settings(
        {"editorial": {"2022-12": "intros/2022-12.md", "2022-11": "Welcome to the November issue.", "2022-10": {"file": "missing.txt"}}},
        base_dir=tmp_path,
    )
    assert s.editorial_for("2022-12").path == tmp_path / "intros" / "2022-12.md"  # kept as a path, read lazily
    assert load_editorial(s, "2022-12").startswith("# Season's greetings")
    assert load_editorial(s, "2022-11") == "Welcome to the November issue."
    assert load_editorial(s, "2022-09") is None
    with pytest.raises(ConfigError, match=r"newsletter.editorial.2022-10: cannot read .*missing.txt"):
        load_editorial(s, "2022-10")


def test_sections_lead_and_numbering_from_the_table() -> None:
    s = settings(
        {
            "sections": [
                {"title": "Highlights", "categories": ["News"], "catch_all": True},
                {"title": "Reading", "categories": ["Publication"], "keywords": ["Report"]},
            ],
            "lead": {"2022-12": "ILO COOP 100"},
            "numbering": "continuous",
            "first_issue": "2020-01",
            "first_number": 1,
        }
    )
    assert [spec.title for spec in s.sections] == ["Highlights", "Reading"]
    assert s.sections[1].keywords == ("Report",)
    assert s.lead_for("2022-12") == "ILO COOP 100"
    assert s.lead_for("2022-11") is None


def test_only_one_catch_all() -> None:
    with pytest.raises(ConfigError, match=r"\[newsletter\] sections: 2 sections have catch_all = true, expected only one"):
        settings({"sections": [{"title": "A", "catch_all": True}, {"title": "B", "catch_all": True}]})


def test_footer_email_and_addresses_are_kept_as_written() -> None:
    s = settings({"from": "ILO COOP <coop@example.org>", "to": "Readers <readers@example.org>",
                  "footer": {"email": "mailto:coop@example.org"}})
    assert (s.from_addr, s.to_addr, s.footer.email) == ("ILO COOP <coop@example.org>", "Readers <readers@example.org>",
                                                        "coop@example.org")
    assert settings({"from": ""}).from_addr == ""  # blank: the site author


# -- the one message form, for every table ---------------------------------------------------

BASE = '[site]\nbase_url = "https://x.example/"\n'


def config_error(toml: str) -> str:
    path = Path("/x/feedletter.toml")
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(tomllib.loads(toml), path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("surprise = 1\n" + BASE, "surprise: unknown key, expected one of site, paths, feeds, newsletter, sources, smtp"),
        (BASE + "bogus = 1\n", "[site] bogus: unknown key, expected one of title, subtitle, base_url, language, timezone, "
                               "tag_authority, logo_url, icon_url, author"),
        (BASE + "[site.author]\nmail = 'x'\n", "[site.author] mail: unknown key, expected one of name, email"),
        (BASE + "[paths]\noutptu = 'public'\n", "[paths] outptu: unknown key, expected one of archive, output, outbox, templates"),
        (BASE + "[feeds]\nitemz = 5\n", "[feeds] itemz: unknown key, expected one of items, digest_months, lock_wait, fetch_concurrency"),
        (BASE + "[newsletter]\nsubjekt = 'x'\n", "[newsletter] subjekt: unknown key, expected one of title,"),
        (BASE + "[[sources]]\nname = 'coop'\nlocation = 'a.txt'\nkindd = 'listing'\n",
         '[sources] 1 (name "coop") kindd: unknown key, expected one of name, kind, location, category, timeout, date_order, undated, images, filter, '
         "selectors"),
        (BASE + "[[sources]]\nname = 'a'\nlocation = 'a.txt'\n[sources.selectors]\nitme = 'li'\n",
         '[sources] 1 (name "a") selectors.itme: unknown key, expected one of item, title, date, summary, link, category, image'),
        (BASE + "[smtp]\nhost = 'mail.example'\nprot = 25\n", "[smtp] prot: unknown key, expected one of host, port,"),
        (BASE + '"quoted key\\n" = 1\n', '[site] "quoted key\\n": unknown key'),
    ],
)
def test_an_unknown_key_is_named_with_its_table_and_what_is_expected(toml: str, message: str) -> None:
    assert config_error(toml).startswith(message)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[site]\ntitle = "x"\n', "[site] base_url: missing, expected the absolute http(s) URL where the output is published"),
        ('[site]\nbase_url = "ftp://x.example/"\n', "[site] base_url: must be an absolute http(s) URL, not 'ftp://x.example/'"),
        (BASE + "timezone = 'Europe'\n", "[site] timezone: unknown timezone 'Europe', expected a name such as 'Europe/Zurich'"),
        (BASE + "logo_url = 'logo.png'\n", "[site] logo_url: must be an absolute http(s) URL, not 'logo.png'"),
        (BASE + "[[sources]]\nname = 's'\nlocation = 'a'\nimages = 'all'\n",
         '[sources] 1 (name "s") images: must be one of source, page, not \'all\''),
        (BASE + "[paths]\noutput = 3\n", "[paths] output: must be a string, not an integer"),
        (BASE + "[feeds]\nitems = 'many'\n", "[feeds] items: must be an integer of at least 1, not a string"),
        (BASE + "[feeds]\ndigest_months = 0\n", "[feeds] digest_months: must be an integer of at least 1, not 0"),
        (BASE + "[feeds]\nlock_wait = nan\n", "[feeds] lock_wait: must be a number of seconds, not nan"),
        ("newsletter = 3\n" + BASE, "newsletter: must be a table, not an integer"),
        ("sources = 'x'\n" + BASE, "sources: must be an array of tables ([[sources]]), not a string"),
        ("sources = ['x']\n" + BASE, "[sources] 1: must be a table, not a string"),
        (BASE + "[[sources]]\nname = 'x'\nlocation = 'a.txt'\n[[sources]]\nname = 'coop'\nlocation = 'a'\nkind = 'rss'\n",
         '[sources] 2 (name "coop") kind: must be one of listing, html, feed, items, auto, not \'rss\''),
        (BASE + "[[sources]]\nlocation = 'a.txt'\n", '[sources] 1 name: missing, expected a name for the source'),
        (BASE + "[[sources]]\nname = 'a'\nlocation = 'a'\n[[sources]]\nname = 'a'\nlocation = 'b'\n",
         "[sources] 2 (name \"a\") name: 'a' is taken by another source, expected a name of its own"),
        (BASE + "[[sources]]\nname = 's'\nlocation = 7\n", '[sources] 1 (name "s") location: must be a non-empty string, not an integer'),
        (BASE + "[[sources]]\nname = 's'\nlocation = 'ftp://x/a'\n",
         '[sources] 1 (name "s") location: must be a file path or an http(s) URL with a host, not \'ftp://x/a\''),
        (BASE + "[[sources]]\nname = 's'\nlocation = 'a'\ntimeout = 'soon'\n",
         '[sources] 1 (name "s") timeout: must be a positive number of seconds, not a string'),
        (BASE + "[[sources]]\nname = 's'\nlocation = 'a'\nfilter = { include = '(' }\n",
         '[sources] 1 (name "s") filter.include: must be a regular expression, not \'(\''),
        (BASE + "[[sources]]\nname = 's'\nlocation = 'a'\nkind = 'feed'\nselectors = { item = 'li' }\n",
         '[sources] 1 (name "s") selectors: only apply to kind = "html", this source is kind = "feed"'),
        (BASE + "[[sources]]\nname = 's'\nlocation = 'a'\nselectors = { item = 'li[', title = 'h2', date = 'time' }\n",
         '[sources] 1 (name "s") selectors.item: must be a CSS selector, not \'li[\''),
        (BASE + "[smtp]\nport = 25\n", "[smtp] host: missing, expected the name of the mail server"),
        (BASE + "[smtp]\nhost = 'mail.example'\nport = '25'\n", "[smtp] port: must be an integer from 1 to 65535, not a string"),
        (BASE + "[smtp]\nhost = 'mail.example'\nsecurity = 'ssl'\n", "[smtp] security: must be one of starttls, tls, none, not 'ssl'"),
        (BASE + "[smtp]\nhost = 'mail.example'\npassword = 'x'\n",
         "[smtp] password: does not belong in the config file, expected FEEDLETTER_SMTP_USER and FEEDLETTER_SMTP_PASSWORD"),
        (BASE + "[smtp]\nhost = 'mail.example'\ntimeout = 0\n", "[smtp] timeout: must be a positive number of seconds, not 0"),
    ],
)
def test_a_wrong_value_says_what_is_wrong_and_what_is_expected(toml: str, message: str) -> None:
    assert config_error(toml).startswith(message)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (BASE + "author = { name = 'A', email = 'a.example.org' }\n",
         "[site.author] email: must be a bare e-mail address such as news@example.org, not 'a.example.org', which has no @"),
        (BASE + '[smtp]\nhost = "h"\nfrom = "News <news@example.org>\\nBcc: x@example.org"\n',
         "[smtp] from: must be an e-mail address such as 'News <news@example.org>', not 'News <news@example.org>\\nBcc: "
         "x@example.org', which holds a line break"),
        (BASE + "[smtp]\nhost = 'h'\nrecipients = ['ok@example.org', 'a@example.org b@example.org']\n",
         "[smtp] recipients: must be an e-mail address such as 'News <news@example.org>', not 'a@example.org b@example.org', "
         "which holds more than one address"),
        (BASE + "[smtp]\nhost = 'h'\nrecipients = 3\n", "[smtp] recipients: must be an e-mail address or an array of addresses"),
        (BASE + "[newsletter.footer]\nemail = 'coop@'\n",
         "[newsletter.footer] email: must be a bare e-mail address such as news@example.org, not 'coop@', which has no local part"),
    ],
)
def test_a_bad_address_is_refused_by_every_table(toml: str, message: str) -> None:
    assert config_error(toml).startswith(message)


def test_addresses_of_the_smtp_table_are_kept() -> None:
    toml = BASE + "[smtp]\nhost = ' mail.example '\nfrom = 'News <news@example.org>'\nrecipients = 'ann@example.org'\n"
    smtp = settings_from_dict(tomllib.loads(toml), Path("/x/feedletter.toml")).smtp
    assert smtp is not None
    assert (smtp.host, smtp.sender, smtp.recipients, smtp.port) == ("mail.example", "News <news@example.org>",
                                                                   ("ann@example.org",), 587)


# -- every key is documented --------------------------------------------------------------------


def test_config_keys_are_dotted_and_complete() -> None:
    keys = config_keys()
    assert len(keys) == len(set(keys))
    for key in ("site.title", "site.author.email", "paths.archive", "feeds.items", "sources.name",
                "sources.selectors.item", "sources.filter.exclude", "smtp.host", "newsletter.footer.email",
                "newsletter.colors.masthead_background", "newsletter.lead", "newsletter.editorial.file",
                "newsletter.sections.catch_all", "newsletter.footer.social", "newsletter.fonts"):
        assert key in keys
    assert not any(key.startswith("newsletter.lead.") for key in keys)


FULL_CONFIG = """
[site]
title = "T"
subtitle = "S"
base_url = "https://x.example/"
language = "fr"
timezone = "Europe/Zurich"
tag_authority = "x.example,2020"
logo_url = "https://x.example/logo.png"
icon_url = "https://x.example/icon.png"
author = { name = "A", email = "a@x.example" }

[paths]
archive = "a.db"
output = "out"
outbox = "box"
templates = "theme"

[feeds]
items = 5
digest_months = 6
lock_wait = 1.5
fetch_concurrency = 2
websub_hub = "https://hub.x.example/"

[newsletter]
title = "N"
subtitle = "{title}: {month}"
subject = "{title} {number}"
subject_unnumbered = "{title}"
date_line = "{month_name} {year}"
numbering = "continuous"
first_issue = "2020-01"
first_number = 3
lead_categories = ["News"]
section_heading = "{title}"
exclude_titles = ["N*"]
editorial_heading = "Hello"
preheader = "P"
online_text = "Online"
more_text = "More"
unsubscribe_url = "https://x.example/u/{token}"
unsubscribe_mailto = "mailto:u@x.example"
preferences_url = "https://x.example/p"
delivery = "list"
list_address = "All <all@lists.x.example>"
from = "N <n@x.example>"
to = "R <r@x.example>"
logo_url = "https://x.example/logo.png"
logo_width = 100
logo_dark_url = "https://x.example/logo-dark.png"
logo_alt = "X logo"
language = "es"
show_category = false
show_date = true
font_family = "Roboto, Arial"
lead = { "2022-12" = "A title" }
editorial = { "2022-11" = { text = "Hi" }, "2022-12" = { file = "e.md" } }
sections = [{ title = "S", categories = ["News"], keywords = ["K"], catch_all = true }]
fonts = { Roboto = "https://fonts.example/roboto.css" }

[newsletter.footer]
contact = "C"
email = "c@x.example"
archive_url = "https://x.example/a"
archive_text = "All"
copyright = "X"
address = "Street"
note = "Why"
social = { X = "https://x.example/x" }

[newsletter.colors]
masthead_background = "#000"
masthead_text = "#fff"
link = "#111"
text = "#222"
muted = "#333"
background = "#444"
body_background = "#555"
footer_background = "#666"

[[sources]]
name = "s"
kind = "html"
location = "https://x.example/news"
category = "News"
timeout = 5
date_order = "DMY"
undated = "first-seen"
images = "page"
filter = { include = "a", exclude = "b" }
selectors = { item = "li", title = "h2", date = "time", summary = "p", link = "a", category = ".c", image = "img" }

[smtp]
host = "mail.x.example"
port = 2525
security = "tls"
from = "b@x.example"
recipients = ["r@x.example"]
recipients_file = "list.txt"
timeout = 10
rate = "10/s"
"""


def test_a_config_with_every_key_loads_and_lists_them_all() -> None:
    """Each getter reads only declared keys (the reader asserts it), so loading a file that sets
    every key proves the declarations, the reader and config_keys() agree."""
    loaded = settings_from_dict(tomllib.loads(FULL_CONFIG), Path("/x/feedletter.toml"))
    assert loaded.newsletter.fonts == (("Roboto", "https://fonts.example/roboto.css"),)
    assert loaded.sources[0].selector_map["category"] == ".c"
    assert loaded.smtp is not None and loaded.smtp.port == 2525
    written = _documented_names(f"```toml\n{FULL_CONFIG}```")
    assert [key for key in config_keys() if key.rpartition(".")[2] not in written] == []


def _documented_names(readme: str) -> set[str]:
    """Key names written in README.md's TOML blocks (as `key =` or a `[table]` header) or in the
    first column of a table of keys (`key` or `table.key`)."""
    names: set[str] = set()
    for block in re.findall(r"```toml\n(.*?)```", readme, re.DOTALL):
        names.update(re.findall(r"([A-Za-z_][A-Za-z0-9_-]*)\s*=", block))
        for header in re.findall(r"^\s*#?\s*\[+([A-Za-z0-9_.-]+)\]+", block, re.MULTILINE):
            names.add(header.rpartition(".")[2])
    for cell in re.findall(r"^\|\s*`([^`]+)`", readme, re.MULTILINE):
        names.add(cell.rpartition(".")[2])
    return names


def test_every_config_key_is_in_the_readme() -> None:
    documented = _documented_names(README.read_text(encoding="utf-8"))
    missing = [key for key in config_keys() if key.rpartition(".")[2] not in documented]
    assert not missing, f"config keys README.md does not document: {', '.join(missing)}"


def test_a_recipients_file_is_checked_line_by_line_with_the_same_address_check(tmp_path: Path) -> None:
    from newsletter.app.address_files import config_recipients
    from newsletter.app.config.smtp import SmtpSettings

    listing = tmp_path / "list.txt"
    listing.write_text("Ann <ann@example.org>\nbob@example.org  # Bob\n\nann@example.org\n", encoding="utf-8")
    smtp = SmtpSettings(host="h", port=25, recipients=("carol@example.org",), recipients_file=listing)
    found = config_recipients(smtp, Path("/x/feedletter.toml"))
    assert [(entry.written, entry.origin) for entry in found] == [
        ("carol@example.org", "/x/feedletter.toml: [smtp] recipients"), ("Ann <ann@example.org>", f"{listing}:1"),
        ("bob@example.org", f"{listing}:2"), ("ann@example.org", f"{listing}:4")]
    listing.write_text("ok@example.org\ncarol@example.org, dave@example.org\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"list.txt:2: 'carol@example.org, dave@example.org' holds more than one "
                                          r"address, expected one e-mail address"):
        config_recipients(smtp, Path("/x/feedletter.toml"))


# -- files that are not a config at all, and values no output can carry ------------------------


def load_error(path: Path, data: bytes) -> str:
    """Write `data` to `path`, run a command on it: one line, exit 2; the line, without its prefix."""
    from tests.conftest import run_cli

    path.write_bytes(data)
    status, _, err = run_cli("--config", str(path), "build")
    assert status == 2 and err.startswith(f"feedletter: {path}") and err.count("\n") == 1, err
    return err.removeprefix("feedletter: ").rstrip("\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[site]\ntitle = 'Coopérative'\n".encode("latin-1"),
         ":2: not UTF-8 text (byte 0xe9), expected a config saved as UTF-8"),
        ("\ufeff[site]\ntitle = 'x'\n".encode("utf-16-le"), ": UTF-16 text, expected a config saved as UTF-8"),
        ("[site]\ntitle = 'x'\n".encode("utf-16-be"), ": UTF-16 text, expected a config saved as UTF-8"),
    ],
)
def test_a_config_in_another_encoding_is_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "feedletter.toml"
    assert load_error(path, data) == f"{path}{message}"


@pytest.mark.parametrize("value", ["[" * 100_000 + "]" * 100_000, "{ a = " * 100_000 + "1" + " }" * 100_000])
def test_a_deeply_nested_config_is_one_line(tmp_path: Path, value: str) -> None:
    path = tmp_path / "feedletter.toml"
    message = load_error(path, (BASE + f"\n[newsletter]\nx = {value}\n").encode())
    assert message == f"{path}:5: arrays and tables nested more than 64 deep, expected at most 64 levels"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (BASE + 'title = "a\\u0001b"\n',
         "[site] title: 'a\\x01b' holds U+0001, which no feed, page or e-mail may carry; expected printable text"),
        (BASE + '[newsletter]\nlead_categories = ["ok", "b\\u001bc"]\n', "[newsletter] lead_categories: 'b\\x1bc' holds U+001B,"),
        (BASE + '[newsletter.editorial]\n2023-01 = "x\\u0000"\n', "[newsletter.editorial] 2023-01: 'x\\x00' holds U+0000,"),
        (BASE + '[newsletter.footer.social]\n"X\\u0007" = "https://x.example/"\n',
         '[newsletter.footer.social] "X\\u0007": the key holds U+0007,'),
        (BASE + '[[sources]]\nname = "s"\nlocation = "a.txt"\nselectors = { item = "li", title = "h2\\ufffe", '
                'date = "t" }\n', '[sources] 1 (name "s") selectors.title: \'h2\\ufffe\' holds U+FFFE,'),
    ],
)
def test_a_control_character_in_a_config_string_is_refused(toml: str, message: str) -> None:
    assert config_error(toml).startswith(message)


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        ("output = 'site'\narchive = 'site/feedletter.db'\n",
         "[paths] archive: must be outside the output folder /x/site (everything in it is published), "
         "not '/x/site/feedletter.db'"),
        ("output = 'public'\noutbox = 'public/mail'\n",
         "[paths] outbox: must be outside the output folder /x/public (everything in it is published), "
         "not '/x/public/mail'"),
        ("output = '.'\n", "[paths] archive: must be outside the output folder /x (everything in it is published), "
                           "not '/x/feedletter.db'"),
    ],
)
def test_the_archive_or_outbox_inside_the_output_folder_is_refused(paths: str, message: str) -> None:
    assert config_error(BASE + "[paths]\n" + paths) == message


# -- delivery -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (BASE + '[newsletter]\ndelivery = "mailchimp"\n',
         "[newsletter] delivery: must be one of direct, list, esp, not 'mailchimp'"),
        (BASE + '[newsletter]\ndelivery = "list"\n',
         '[newsletter] list_address: missing, expected the address of the mailing list that the list server expands'),
        (BASE + '[newsletter]\nlist_address = "all@lists.x.example"\n',
         '[newsletter] list_address: is set but delivery is "direct", expected delivery = "list" with a list_address'),
        (BASE + '[newsletter]\nunsubscribe_url = "https://x.example/u/{tokn}"\n',
         "[newsletter] unsubscribe_url: unknown placeholder {tokn}, expected {token} or {email}"),
        (BASE + '[smtp]\nhost = "h"\nrate = "fast"\n',
         "[smtp] rate: must be a rate such as \"10/s\", \"300/min\" or \"2000/h\", not 'fast'"),
        (BASE + '[smtp]\nhost = "h"\nrate = "0/s"\n', "[smtp] rate: must be a rate such as"),
        (BASE + '[feeds]\nwebsub_hub = "hub.example"\n', "[feeds] websub_hub: must be an absolute http(s) URL"),
    ],
)
def test_a_delivery_key_that_cannot_work_is_one_line(toml: str, message: str) -> None:
    assert config_error(toml).startswith(message)


def test_delivery_follows_the_unsubscribe_link_unless_it_is_set() -> None:
    def delivery(newsletter: str) -> str:
        return settings_from_dict(tomllib.loads(BASE + "[newsletter]\n" + newsletter), Path("/x/f.toml")).newsletter.delivery

    assert delivery("") == "direct"
    assert delivery('unsubscribe_url = "https://x.example/u/{token}"\n') == "direct"
    assert delivery('unsubscribe_url = "https://mail.example/u/*|UNSUB|*"\n') == "esp"
    assert delivery('unsubscribe_mailto = "mailto:leave@x.example?subject=[[UNSUB_LINK_EN]]"\n') == "esp"
    assert delivery('unsubscribe_url = "https://mail.example/u/*|UNSUB|*"\ndelivery = "direct"\n') == "direct"
    loaded = settings_from_dict(tomllib.loads(BASE + '[smtp]\nhost = "h"\nrate = "300/min"\n'), Path("/x/f.toml"))
    assert loaded.smtp is not None and loaded.smtp.rate == 5.0
