"""Crash safety: `feedletter run` killed with SIGKILL at random moments loses nothing.

Two project directories get the same listing sources, which change at every step
(new items, edited summaries, titles edited back and forth, a new category now and
then). The reference directory runs each step uninterrupted. The victim's run of the
same step is killed after a random delay (random.Random(SEED)); then:

- the archive opens and PRAGMA integrity_check says "ok";
- no item is lost: the count never falls and every id of earlier completed runs is there;
- every output file is byte-for-byte the previous or the new reference version, never
  partial (and parses); temporary files may be left, never under an output's name;
- the next, uninterrupted run exits 0, removes the temporary files, and its output tree
  equals the reference tree byte for byte.

Marked slow; `make test` (and so .ci/run) runs it.
"""

from __future__ import annotations

import fcntl
import json
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree, html

pytestmark = pytest.mark.slow

SEED = 20230201
KILLS = 50
MAX_STEPS = 150  # bounded: a kill that lands after the run ended does not count
FEEDLETTER = Path(sys.executable).with_name("feedletter")
MONTHS = "January February March April May June July August September October November December".split()
WORDS = ("cooperative workers training rural women social solidarity economy project launch report "
         "decent work youth finance housing energy platform members").split()
SOURCES = {"alpha": 1000, "beta": 1000, "gamma": 1000}  # items per source at step 0: 3000 in all


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def listing(name: str, step: int) -> str:
    """The listing file of source `name` at `step`: deterministic, changing every step."""
    rng = random.Random(f"{name}")
    base = SOURCES[name]
    items = []
    for number in range(base):
        month_index = number * 84 // base  # 7 years, 2016-01 .. 2022-12
        year, month = 2016 + month_index // 12, month_index % 12 + 1
        day = 1 + rng.randrange(28)
        title = f"{name} {_words(rng, 6)} {number}"
        summary = f"{_words(rng, 25)}."
        category = rng.choice(["News", "Article", "Event", None])
        if name == "beta" and number == (step * 7) % base:
            summary += f" Edited at step {step}."  # an edit in one month per step
        if name == "gamma" and number % 97 == 0 and step % 2:
            title += " (updated)"  # titles edited back and forth
        if name == "gamma" and number % 101 == 0 and step >= 3:
            category = f"Theme {step // 3}"  # a new category every third step
        items.append((date_key := (year, month, day), category, title, summary))
        del date_key
    if name == "alpha":  # two new items a step, in January 2023
        for extra in range(2 * step):
            items.append(((2023, 1, 1 + extra % 28), "News", f"alpha new item {extra}", f"New at step {extra // 2}."))
    items.sort(key=lambda entry: entry[0], reverse=True)
    blocks, number = [], 0
    for (year, month, day), category, title, summary in items:
        number += 1
        head = f"  {number}. {category}\n\n    {title}" if category else f"  {number}. {title}"
        blocks.append(f"{head}\n\n    {day} {MONTHS[month - 1]} {year}\n\n    {summary}\n")
    return f"{name} listing\n\n" + "\n".join(blocks)


def make_project(root: Path) -> Path:
    root.mkdir()
    (root / "sources").mkdir()
    config = root / "feedletter.toml"
    sources = "".join(
        f'\n[[sources]]\nname = "{name}"\nkind = "listing"\nlocation = "sources/{name}.txt"\n' for name in SOURCES
    )
    config.write_text(
        '[site]\ntitle = "Crash test"\nbase_url = "https://crash.example.org/"\ntimezone = "Europe/Zurich"\n'
        'tag_authority = "crash.example.org,2023"\nauthor = { name = "Tester", email = "t@example.org" }\n'
        '[feeds]\nlock_wait = 5\n' + sources,
        encoding="utf-8",
    )
    return config


def write_sources(config: Path, step: int) -> None:
    for name in SOURCES:
        (config.parent / "sources" / f"{name}.txt").write_text(listing(name, step), encoding="utf-8")


def command(config: Path, step: int) -> list[str]:
    now = f"2023-02-01T{9 + step // 60:02d}:{step % 60:02d}:00+00:00"
    return [str(FEEDLETTER), "--config", str(config), "--now", now, "run"]


def tree(config: Path) -> tuple[dict[str, bytes], list[str]]:
    """(output files by name, temporary files) of the public directory."""
    root = config.parent / "public"
    files, temporary = {}, []
    for path in sorted(root.rglob("*")) if root.exists() else ():
        if path.is_file():
            name = path.relative_to(root).as_posix()
            (temporary.append(name) if path.name.startswith(".") else files.__setitem__(name, path.read_bytes()))
    return files, temporary


def archive_ids(config: Path) -> set[str]:
    db = sqlite3.connect(config.parent / "feedletter.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0] for row in db.execute("SELECT id FROM items")}
    finally:
        db.close()


def well_formed(name: str, data: bytes) -> None:
    if name.endswith((".atom", ".rss", ".opml")):
        etree.fromstring(data)
    elif name.endswith(".json"):
        json.loads(data)
    elif name.endswith(".html"):
        assert data.rstrip().endswith(b"</html>"), name
        html.fromstring(data)


def test_killed_runs_lose_nothing_and_leave_no_partial_file(tmp_path):
    rng = random.Random(SEED)
    reference, victim = make_project(tmp_path / "reference"), make_project(tmp_path / "victim")
    for config in (reference, victim):
        write_sources(config, 0)
        done = subprocess.run(command(config, 0), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    previous, _ = tree(reference)
    assert tree(victim) == (previous, [])
    committed = archive_ids(victim)
    assert len(committed) >= 3000
    duration = 1.0
    kills = after_commit = step = 0
    while kills < KILLS:
        step += 1
        assert step <= MAX_STEPS, f"only {kills} kills landed in {MAX_STEPS} runs"
        write_sources(reference, step)
        write_sources(victim, step)
        started = time.monotonic()
        ref_run = subprocess.Popen(command(reference, step), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        run = subprocess.Popen(command(victim, step), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.02, 0.9) * duration)
        run.send_signal(signal.SIGKILL)
        killed = run.wait() == -signal.SIGKILL
        out, err = ref_run.communicate()
        duration = 0.5 * duration + 0.5 * (time.monotonic() - started)
        assert ref_run.returncode == 0, err.decode()
        current, _ = tree(reference)

        # After the kill: the archive is sound and holds every committed item ...
        ids = archive_ids(victim)
        assert committed <= ids, f"step {step}: {len(committed - ids)} items lost"
        after_commit += killed and len(ids) > len(committed)
        # ... and every output is the old or the new version, never a partial one.
        files, _temporary = tree(victim)
        for name, data in files.items():
            assert data in (previous.get(name), current.get(name)), f"step {step}: {name} is neither old nor new"
            well_formed(name, data)

        # The next uninterrupted run completes and equals an uninterrupted run.
        recovery = subprocess.run(command(victim, step), capture_output=True, text=True)
        assert recovery.returncode == 0, recovery.stderr
        files, temporary = tree(victim)
        assert temporary == [], f"step {step}: temporary files left: {temporary}"
        assert files.keys() == current.keys() and files == current, f"step {step}: outputs differ"
        committed = archive_ids(victim)
        assert committed == archive_ids(reference)
        previous = current
        kills += killed
    print(f"\ncrash safety: {kills} kills survived in {step} steps ({after_commit} after the ingest commit), "
          f"{len(committed)} items, 0 lost")


# -- SIGTERM and Ctrl-C: a clean stop ---------------------------------------------------------


def long_listing(years: range = range(1983, 2023), per_month: int = 8) -> str:
    """Eight items a month for forty years: a full build renders about a thousand files."""
    blocks = []
    for year in reversed(years):
        for month in range(12, 0, -1):
            for k in range(per_month):
                number = len(blocks) + 1
                blocks.append(f"  {number}. News\n\n    Story {number} of {MONTHS[month - 1]} {year}\n\n"
                              f"    {28 - 3 * k} {MONTHS[month - 1]} {year}\n\n    Summary of story {number}.\n")
    return "Long listing\n\n" + "\n".join(blocks)


def start(args: list[str]) -> subprocess.Popen:
    """A feedletter process that takes Ctrl-C as an interactive one does, whatever ours ignores."""
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def lock_is_free(config: Path) -> bool:
    with open(config.parent / "feedletter.db.lock", "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


@pytest.mark.parametrize(("signal_number", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_build_stops_it_cleanly(tmp_path, signal_number, status):
    """Stopped while staging its files, a build leaves the old site whole, no temporary
    file, the lock free, and exits 128 + the signal's number."""
    config = make_project(tmp_path / "site")
    (config.parent / "sources" / "long.txt").write_text(long_listing(), encoding="utf-8")
    base = [str(FEEDLETTER), "--config", str(config), "--now", "2023-02-01T09:00:00+00:00"]
    for args in (["ingest", str(config.parent / "sources" / "long.txt")], ["build"]):
        done = subprocess.run([*base, *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    public = config.parent / "public"
    for attempt in range(8):  # a loaded machine may finish the build before a staged file is seen: again
        before = tree(config)
        title = "Crash test" if attempt % 2 else "Crash test again"
        config.write_text(re.sub(r'title = "[^"]*"', f'title = "{title}"', config.read_text(), count=1))
        build = start([*base, "build"])
        while build.poll() is None and not any(public.rglob(".*")):  # the first staged file
            time.sleep(0.002)
        if build.poll() is None:
            break
    else:
        pytest.fail("every build finished before it could be stopped")
    build.send_signal(signal_number)
    _, err = build.communicate(timeout=120)
    assert build.returncode == status, err
    assert "Traceback" not in err
    assert tree(config) == before
    assert lock_is_free(config)


def test_sigterm_stops_serve_cleanly(tmp_path):
    config = make_project(tmp_path / "site")
    (config.parent / "public").mkdir()
    serve = start([str(FEEDLETTER), "--config", str(config), "serve", "--port", "0"])
    assert serve.stderr is not None and "serving" in serve.stderr.readline()
    serve.send_signal(signal.SIGTERM)
    _, err = serve.communicate(timeout=60)
    assert serve.returncode == 143 and "Traceback" not in err
