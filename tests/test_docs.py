"""The README is tested, as sqlite-utils tests its docs.

- every command of `feedletter` has help text and is shown in README.md as
  `feedletter NAME`, and every long option of every command appears in README.md;
- every `feedletter …` line of README.md's ```sh / ```console blocks runs, in README
  order, on a copy of the bundled sample site (examples/ilo-coop) whose pages were
  ingested first, and exits as the README shows. Lines that cannot run here are in
  SKIP with the reason; example names the README uses are in SUBSTITUTE.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import click
import pytest

from newsletter.app.cli import cli
from tests.conftest import ROOT, run_cli

README = ROOT / "README.md"
SAMPLE_SITE = ROOT / "examples" / "ilo-coop"
SAMPLE_PAGES = sorted(path.name for path in (SAMPLE_SITE / "pages").glob("*.txt"))

# README line (comment stripped, spaces collapsed) -> why it does not run in this test
SKIP = {
    "feedletter ingest https://example.org/feed.xml": "needs the network (an example URL)",
    "feedletter newsletter --send": "needs an SMTP server; the sample config has no [smtp] table",
    "feedletter serve": "serves until Ctrl-C (tests/test_serve.py runs the server)",
    "feedletter unsubscribe-server": "serves until Ctrl-C (test_unsubscribe.py runs the server)",
    "feedletter subscribers import subscribers.csv": "needs an export of a list (test_subscribers.py imports one)",
    "feedletter detect https://example.org/news/": "needs the network (an example URL; test_cli_detect.py serves pages)",
}

# text the README shows as an example -> what stands for it on the sample site
SUBSTITUTE = {
    "page.txt": f"pages/{SAMPLE_PAGES[0]}",
    "more.txt": f"pages/{SAMPLE_PAGES[1]}",
    "$(date +%F)": "2023-02-01",  # a shell expansion; the tests' clock is 2023-02-01
    "saved-page.html": str(ROOT / "tests" / "cases" / "html" / "cms-card-grid.html"),
}

# README line -> the config it runs with, when not the sample site's
CONFIG_FOR = {
    # init writes a new config and refuses to overwrite one: it gets an empty directory
    "feedletter init --base-url https://news.example.org/coop/": "new-site/feedletter.toml",
}

# README line -> the exit status the README shows, when not 0
EXIT_STATUS: dict[str, int] = {}

# configs the README names as already there -> why; each is a copy of the sample config
# (so its archive is a new feedletter.db next to it), made before the lines run
PREPARED = {
    "other/feedletter.toml": "the second site of 'feedletter --config other/feedletter.toml import archive.json'",
}


# -- reading the README ---------------------------------------------------------------------

_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_text() -> str:
    return README.read_text(encoding="utf-8")


def shell_lines(text: str) -> list[tuple[int, str]]:
    """(line number, command) of every command of the ```sh / ```console blocks:
    a console block's commands are its `$ ` lines, a sh block's every non-comment line;
    a trailing backslash continues a command on the next line."""
    found = []
    for block in _FENCE.finditer(text):
        language, body = block.group(1), block.group(2)
        if language not in ("sh", "console"):
            continue
        first_line = text.count("\n", 0, block.start(2)) + 1
        pending, start = "", 0
        for offset, raw in enumerate(body.splitlines()):
            line = raw.strip()
            if language == "console" and not pending:
                if not line.startswith("$ "):
                    continue  # output shown under a command
                line = line[2:]
            if not pending and (not line or line.startswith("#")):
                continue
            if not pending:
                start = first_line + offset
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            found.append((start, pending + line))
            pending = ""
    return found


def readme_commands(text: str) -> list[tuple[int, str]]:
    """(line, command) of the README's shell lines that run feedletter, comments removed."""
    picked = []
    for number, line in shell_lines(text):
        words = shlex.split(line, comments=True)
        if words and words[0] == "feedletter":
            picked.append((number, _plain(line)))
    return picked


def _plain(line: str) -> str:
    """The line up to its `# comment`, as the README spells it (quotes kept), spaces collapsed."""
    quote, end = None, len(line)
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            end = index
            break
    return " ".join(line[:end].split())


# -- (a) every command and option is documented --------------------------------------------


def all_commands(group: click.Group = cli, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += all_commands(command, f"{prefix}{name} ")
    return found


def long_options(command: click.Command) -> list[str]:
    return [
        flag
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden
        for flag in (*param.opts, *param.secondary_opts)
        if flag.startswith("--")
    ]


def mentions_command(text: str, name: str) -> bool:
    """`feedletter NAME`, also with global options between (`feedletter --config F NAME`)."""
    words = r"\s+".join(map(re.escape, name.split()))
    pattern = rf"\bfeedletter(?:\s+-[-\w]+(?:[ =][^\s-]\S*)?)*\s+{words}(?![\w-])"
    return re.search(pattern, text) is not None


def test_there_are_commands_to_check():
    names = [name for name, _ in all_commands()]
    assert {"init", "parse", "ingest", "build", "newsletter", "run", "validate", "serve"} <= set(names)


@pytest.mark.parametrize("name,command", all_commands(), ids=[name for name, _ in all_commands()])
def test_command_has_help_and_is_in_the_readme(name, command):
    assert (command.help or "").strip(), f"feedletter {name} has no help text (its docstring)"
    assert mentions_command(readme_text(), name), f"README.md never shows 'feedletter {name}'"


@pytest.mark.parametrize("name,command", [("(global)", cli), *all_commands()],
                         ids=["global", *[name for name, _ in all_commands()]])
def test_every_long_option_is_in_the_readme(name, command):
    text = readme_text()
    missing = [flag for flag in long_options(command) if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text)]
    where = "feedletter" if command is cli else f"feedletter {name}"
    assert not missing, f"README.md never mentions {', '.join(missing)} of {where}"


# -- (b) the README's commands run on the sample site --------------------------------------


@pytest.fixture
def sample_site(tmp_path, monkeypatch) -> Path:
    """A copy of examples/ilo-coop at the same depth (its output is ../../public) with its
    pages ingested; the working directory is the copy, as for a user who cd'd into it."""
    site = tmp_path / "examples" / "ilo-coop"
    shutil.copytree(SAMPLE_SITE, site, ignore=shutil.ignore_patterns("feedletter.db*", "*.lock"))
    config = site / "feedletter.toml"
    for name in PREPARED:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config, site / name)
    monkeypatch.delenv("FEEDLETTER_CONFIG", raising=False)
    monkeypatch.chdir(site)
    status, _, err = run_cli("--config", str(config), "ingest", *(f"pages/{name}" for name in SAMPLE_PAGES))
    assert status == 0, err
    return config


def substituted(command: str) -> str:
    for example, real in SUBSTITUTE.items():
        command = command.replace(example, real)
    return command


def test_readme_commands_run_on_the_sample_site(sample_site):
    commands = readme_commands(readme_text())
    assert len(commands) > 10, "found hardly any feedletter commands in README.md's sh blocks"
    failures = []
    for number, command in commands:
        if command in SKIP:
            continue
        words = shlex.split(substituted(command))[1:]
        if "--config" not in words and "-c" not in words:
            config = sample_site.parent / CONFIG_FOR[command] if command in CONFIG_FOR else sample_site
            config.parent.mkdir(parents=True, exist_ok=True)
            words = ["--config", str(config), *words]
        expected = EXIT_STATUS.get(command, 0)
        try:
            status, _, err = run_cli(*words)
        except Exception as error:  # noqa: BLE001 - a traceback is a failure of the command, not of the test
            failures.append(f"README.md:{number}: {command}\n    raised {error.__class__.__name__}: {error}")
            continue
        if status != expected:
            failures.append(f"README.md:{number}: {command}\n    exit {status}, expected {expected}: {err.strip()}")
    assert not failures, "README commands that do not work on the sample site:\n" + "\n".join(failures)


def test_the_tables_name_only_lines_the_readme_has():
    commands = {command for _, command in readme_commands(readme_text())}
    text = readme_text()
    stale = [line for line in (*SKIP, *CONFIG_FOR, *EXIT_STATUS) if line not in commands]
    stale += [example for example in SUBSTITUTE if example not in text]
    stale += [path for path in PREPARED if path not in text]
    assert not stale, f"SKIP/CONFIG_FOR/EXIT_STATUS/SUBSTITUTE/PREPARED name what README.md no longer shows: {stale}"


def test_the_readme_reader_finds_commands_and_drops_comments():
    text = (
        "```sh\n"
        "feedletter items --search \"youth forum\" --json   # a comment\n"
        "make demo   # not feedletter\n"
        "feedletter ingest a.txt \\\n"
        "  b.txt\n"
        "```\n"
        "```console\n"
        "$ feedletter status\n"
        "last: run at ...\n"
        "```\n"
        "```toml\nfeedletter = 1\n```\n"
    )
    assert readme_commands(text) == [
        (2, 'feedletter items --search "youth forum" --json'),
        (4, "feedletter ingest a.txt b.txt"),
        (8, "feedletter status"),
    ]
    assert mentions_command("run `feedletter --config other.toml import x.json`", "import")
    assert not mentions_command("feedletter imports", "import")
