"""feedletter benchmarks: figures and ratios against the floor, measured side by side in one run.

    python benchmarks/run.py                      # 1k, 10k and 100k items
    python benchmarks/run.py --sizes 1000,10000   # fewer sizes
    python benchmarks/run.py --profile            # + pyinstrument over the incremental build

For each size a synthetic listing (benchmarks/synth.py) is parsed, ingested into a fresh archive and
built in a scratch directory; see benchmarks/README.md for what each figure means. Never a test:
nothing here asserts, it prints.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.append(str(ROOT))  # feeds/newsletter: from the snapshot on PYTHONPATH first (see `snapshot`)

import synth

BIN = Path(sys.executable).parent
FEEDLETTER = BIN / "feedletter"
NOW = datetime(2023, 2, 1, 6, 15, tzinfo=UTC)  # the run after the synthetic end month
END_KEY = f"{synth.END_MONTH[0]:04d}-{synth.END_MONTH[1]:02d}"
CHILD_TIMEOUT = 3600

CONFIG = """\
[site]
title = "ILO COOP eNewsUpdate"
subtitle = "News, stories and statements on cooperatives (benchmark archive)"
base_url = "https://coop-news.example.org/"
language = "en"
timezone = "Europe/Zurich"
tag_authority = "coop-news.example.org,2026"
author = { name = "ILO Cooperatives Unit (COOP)", email = "coop@example.org" }

[paths]
archive = "feedletter.db"
output = "public"
outbox = "outbox"

[feeds]
items = 50
digest_months = 24

[newsletter]
title = "ILO COOP eNewsUpdate"
"""

# Targets (issue 7), each: (label, test on a figure).
TARGETS = {
    "ingest": ("≥ 20k items/s", lambda v: v >= 20_000),
    "incremental": ("< 1 s (at 100k)", lambda v: v < 1.0),
    "rss": ("< 300 MB (100k)", lambda v: v < 300),
    "feeds": ("≤ 1.3x floor", lambda v: v <= 1.3),
    "newsletter": ("≤ 1.5x floor", lambda v: v <= 1.5),
    "help": ("< 0.2 s", lambda v: v < 0.2),
}


# -- measuring ----------------------------------------------------------------------------------


def best_of(fn: Callable[[], object], *, repeat: int = 5, budget: float = 10.0,
            setup: Callable[[], object] | None = None) -> float:
    """The best wall time of up to `repeat` runs (fewer once `budget` seconds are spent)."""
    times: list[float] = []
    while len(times) < repeat:
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        if sum(times) > budget:
            break
    return min(times)


def maxrss_mb(usage: resource.struct_rusage) -> float:
    return usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the address space made by
    exec; ru_maxrss would also count what the (large) parent had when it forked us."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return maxrss_mb(resource.getrusage(resource.RUSAGE_SELF))


def child_build(config: str, now: str) -> None:
    """In a fresh process: load the settings, time app.build, report seconds and peak RSS as JSON."""
    from newsletter.app.config import load_settings
    from newsletter.app.usecases.build import build

    settings = load_settings(Path(config))
    start = time.perf_counter()
    report = build(settings, now=datetime.fromisoformat(now))
    seconds = time.perf_counter() - start
    rss = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "rss_mb": rss, "items": report.items,
                      "months": report.months, "written": len(report.written)}))


def run_child_build(config: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child-build", str(config), "--now", NOW.isoformat()],
        capture_output=True, text=True, timeout=CHILD_TIMEOUT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"build child failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def wall(argv: list[str], *, repeat: int = 1) -> float:
    def once() -> None:
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=CHILD_TIMEOUT)

    return best_of(once, repeat=repeat, budget=60)


# -- one size -----------------------------------------------------------------------------------


@dataclass
class Figures:
    n: int
    values: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # why a figure is n/a
    details: list[str] = field(default_factory=list)
    render_issue: Callable[[], object] | None = None  # for --profile-all


def scratch_site(base: Path) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    config = base / "feedletter.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def reset_archive(settings) -> None:
    for suffix in ("", "-wal", "-shm", ".lock"):
        path = settings.archive.with_name(settings.archive.name + suffix)
        path.unlink(missing_ok=True)
    shutil.rmtree(settings.output, ignore_errors=True)


def extra_listing(workdir: Path, number: int) -> Path:
    """A listing with one new item dated on the day of the run."""
    item = synth.SynthItem("News", f"Benchmark item number {number} added after the archive was built",
                           NOW.date(), "One more item, to time a build after a single change.")
    path = workdir / f"extra-{number}.txt"
    path.write_text(synth.render_listing([item]), encoding="utf-8")
    return path


def measure_size(n: int, workdir: Path, *, seed: int, log: Callable[[str], None]) -> Figures:
    from feeds.sources.listing import parse_listing
    from newsletter.app.config import load_settings
    from newsletter.app.usecases.ingest import ingest

    fig = Figures(n)
    config = scratch_site(workdir)
    settings = load_settings(config)

    start = time.perf_counter()
    text = synth.listing_text(n, seed)
    listing = workdir / f"listing-{n}.txt"
    listing.write_text(text, encoding="utf-8")
    megabytes = len(text.encode("utf-8")) / 1e6
    fig.details.append(f"listing: {megabytes:.1f} MB, generated in {time.perf_counter() - start:.1f} s")

    # parse: the pure parser over the whole text
    log("parse")
    result = parse_listing(text, source=listing.name)
    if len(result.items) != n or result.problems:
        raise RuntimeError(f"synthetic listing parsed into {len(result.items)} items, {len(result.problems)} problems")
    del result
    seconds = best_of(lambda: parse_listing(text, source=listing.name))
    fig.values["parse"] = megabytes / seconds
    fig.details.append(f"parse: {seconds * 1e3:.0f} ms ({n / seconds:,.0f} items/s)")

    # ingest: the use case (read file, parse, one transaction) into a fresh archive each time
    log("ingest")
    seconds = best_of(lambda: ingest(settings, [listing], now=NOW), setup=lambda: reset_archive(settings),
                      budget=20)
    fig.values["ingest"] = n / seconds
    fig.details.append(f"ingest: {seconds:.2f} s; archive {settings.archive.stat().st_size / 1e6:.0f} MB")

    # full build, in a child process: seconds and peak RSS of that process
    log("full build")
    full = run_child_build(config)
    fig.values["build"] = full["seconds"]
    fig.values["rss"] = full["rss_mb"]
    fig.details.append(f"full build: {full['items']} items, {full['months']} months, {full['written']} files written")

    # floors, from the archive as it is now
    log("floors")
    feed_floor(fig, settings)
    newsletter_floor(fig, settings)

    # incremental: one new item, then build again (app.build in a child; then the command's wall time)
    log("incremental build")
    start = time.perf_counter()
    ingest(settings, [extra_listing(workdir, 1)], now=NOW)
    fig.details.append(f"ingest of the one new item: {(time.perf_counter() - start) * 1e3:.0f} ms")
    incremental = run_child_build(config)
    fig.values["incremental"] = incremental["seconds"]
    fig.details.append(f"incremental build: {incremental['written']} files written, "
                       f"peak RSS {incremental['rss_mb']:.0f} MB")
    ingest(settings, [extra_listing(workdir, 2)], now=NOW)
    fig.values["incremental_cli"] = wall(
        [str(FEEDLETTER), "--config", str(config), "--now", NOW.isoformat(), "build"])
    return fig


def feed_floor(fig: Figures, settings) -> None:
    """feeds.atom.atom_bytes vs the same two documents written by plain feedgen calls."""
    from feedgen.feed import FeedGenerator

    from feeds.archive import Archive
    from feeds.atom import atom_bytes
    from feeds.documents import digest_feed, item_feed
    from feeds.months import group_by_month
    from feeds.site_files import DIGEST_FEED, ITEMS_FEED
    from feeds.site_paths import issue_path, item_page_url

    meta = settings.meta
    today = NOW.astimezone(settings.timezone).date()
    with Archive.open(settings.archive, create=False) as archive:
        newest = archive.newest(settings.items_per_feed, until=today)
        recent = sorted(archive.month_fingerprints(until=today), reverse=True)[: settings.digest_months]
        months = group_by_month(archive.items_in_months(recent, until=today), archive.categories())
    docs = [
        item_feed(newest, meta, self_url=meta.base_url + ITEMS_FEED, link_for=lambda item: item_page_url(meta, item)),
        digest_feed(months, meta, self_url=meta.base_url + DIGEST_FEED,
                    link_for=lambda month: f"{meta.base_url}{issue_path(month.key)}"),
    ]
    # The floor's input: plain values, prepared outside the timing.
    author = {"name": meta.author.name, **({"email": meta.author.email} if meta.author.email else {})}
    plain = [
        (doc.id, doc.title, doc.subtitle or doc.title, doc.updated, doc.self_url, doc.home_url,
         [(e.id, e.title, e.published, e.updated, e.content_html, e.link, e.category) for e in doc.entries])
        for doc in docs
    ]

    def floor() -> list[bytes]:
        out = []
        for feed_id, title, subtitle, updated, self_url, home_url, entries in plain:
            feed = FeedGenerator()
            feed.id(feed_id)
            feed.title(title)
            feed.subtitle(subtitle)
            feed.language(meta.language)
            feed.author(author)
            feed.generator("feedletter")
            feed.updated(updated)
            feed.link(href=self_url, rel="self")
            feed.link(href=home_url, rel="alternate", type="text/html")
            for entry_id, entry_title, published, entry_updated, content, link, category in entries:
                entry = feed.add_entry(order="append")
                entry.id(entry_id)
                entry.title(entry_title)
                entry.published(published)
                entry.updated(entry_updated)
                entry.content(content, type="html")
                if link:
                    entry.link(href=link, rel="alternate", type="text/html")
                if category:
                    entry.category(term=category)
            out.append(feed.atom_str(pretty=True, encoding="UTF-8"))
        return out

    def ours() -> list[bytes]:
        return [atom_bytes(doc, meta) for doc in docs]

    same = floor() == ours()
    floor_s = ours_s = float("inf")
    for _ in range(3):  # interleaved, so a busy moment of the machine hits both sides
        floor_s = min(floor_s, best_of(floor, repeat=5))
        ours_s = min(ours_s, best_of(ours, repeat=5))
    fig.values["feeds"] = ours_s / floor_s
    entries = sum(len(doc.entries) for doc in docs)
    fig.details.append(
        f"feeds: atom_bytes {ours_s * 1e3:.1f} ms vs feedgen alone {floor_s * 1e3:.1f} ms for 2 documents, "
        f"{entries} entries (same bytes: {'yes' if same else 'no'})")


def newsletter_floor(fig: Figures, settings) -> None:
    """Rendering one issue (its HTML, as a build renders each month's web copy) vs
    mjml2html alone on that issue's MJML; the whole e-mail package is shown beside it."""
    from mjml import mjml2html

    from feeds.archive import Archive
    from feeds.months import group_by_month
    from newsletter.issue import pages, render

    today = NOW.astimezone(settings.timezone).date()
    with Archive.open(settings.archive, create=False) as archive:
        (month,) = group_by_month(archive.items_in_months([END_KEY], until=today), archive.categories())
    letter = settings.newsletter
    env = render.make_environment(settings.templates, settings.newsletter.language)

    def package() -> dict:
        return pages.issue_package(month, letter, settings.meta, env, now=NOW)

    def web_copy():
        return pages.issue_page(month, letter, settings.meta, env).html

    mjml = package()[f"{month.key}.mjml"].decode("utf-8")  # also compiles the templates once
    floor_s = best_of(lambda: mjml2html(mjml, disable_comments=True, fonts={}))
    web_copy()
    web_s = best_of(web_copy)
    package_s = best_of(package)
    fig.values["newsletter"] = web_s / floor_s
    fig.values["package"] = package_s / floor_s
    fig.details.append(
        f"newsletter: issue {month.key} ({len(month.items)} items) rendered in {web_s * 1e3:.2f} ms "
        f"(plan, context, Jinja2, mjml2html) vs mjml2html alone {floor_s * 1e3:.2f} ms on its "
        f"{len(mjml) / 1e3:.0f} kB of MJML; the whole e-mail package (+ text part, .eml) {package_s * 1e3:.2f} ms")
    fig.render_issue = package


# -- report -------------------------------------------------------------------------------------

ROWS = [
    # key, label, format, target key
    ("parse", "parse (MB/s)", "{:.1f}", None),
    ("ingest", "ingest, one transaction (items/s)", "{:,.0f}", "ingest"),
    ("build", "full build, app.build (s)", "{:.2f}", None),
    ("incremental", "incremental build, +1 item (s)", "{:.2f}", "incremental"),
    ("incremental_cli", "  same, `feedletter build` wall (s)", "{:.2f}", "incremental"),
    ("rss", "peak RSS of the full build (MB)", "{:.0f}", "rss"),
    ("feeds", "atom_bytes / feedgen alone", "{:.2f}x", "feeds"),
    ("newsletter", "issue render / mjml2html alone", "{:.2f}x", "newsletter"),
    ("package", "  e-mail package (+ text, .eml) / mjml2html", "{:.2f}x", None),
]


def size_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


def cell(fig: Figures, key: str, fmt: str, target: str | None) -> str:
    if key not in fig.values:
        return "n/a"
    value = fig.values[key]
    text = fmt.format(value)
    if target:
        text += " ✓" if TARGETS[target][1](value) else " ✗"
    return text


def table(figures: list[Figures], help_s: float | None) -> str:
    width = max(len(label) for _, label, _, _ in ROWS) + 2
    col = 14
    lines = [f"{'':{width}}" + "".join(f"{size_label(f.n) + ' items':>{col}}" for f in figures) + "   target"]
    for key, label, fmt, target in ROWS:
        cells = "".join(f"{cell(f, key, fmt, target):>{col}}" for f in figures)
        lines.append(f"{label:{width}}{cells}   {TARGETS[target][0] if target else ''}")
    if help_s is not None:
        mark = "✓" if TARGETS["help"][1](help_s) else "✗"
        lines.append(f"{'`feedletter --help` (s, best of 5)':{width}}{f'{help_s:.3f} {mark}':>{col}}   "
                     f"{TARGETS['help'][0]}")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()} {platform.release()}")


def snapshot(dest: Path, code: str) -> str:
    """Copy feeds/, newsletter/ and templates/ and import them from the copy, here and in every child
    process and `feedletter` command: other work landing in the tree mid-run cannot mix versions."""
    names = ["feeds", "newsletter", "templates"]

    def git(*argv: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, text=True,
                              check=True, timeout=60).stdout.strip()

    dest.mkdir(parents=True)
    if code == "head":
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", *names], capture_output=True,
                                 check=True, timeout=60).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True, timeout=60)
        label = f"HEAD {git('rev-parse', '--short', 'HEAD')} (a snapshot in {dest})"
    else:
        for name in names:
            shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        try:
            label = f"working tree at {git('describe', '--always', '--dirty')}"
        except (OSError, subprocess.SubprocessError):
            label = "working tree"
        label += f" (a snapshot in {dest})"
    if any(name in sys.modules for name in ("feeds", "newsletter")):
        raise RuntimeError("feeds/newsletter imported before the snapshot was taken")
    sys.path.insert(0, str(dest))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(dest), os.environ.get("PYTHONPATH")]))
    return label


def _head(text: str, lines: int, title: str) -> list[str]:
    body = [line for line in text.splitlines() if line.strip()]
    # drop pyinstrument's banner (logo, recorded/duration lines), keep "Program:" and the tree
    while body and not re.match(r"\s*(Program:|\d+\.\d+ )", body[0]):
        body.pop(0)
    out = [f"-- {title} --", *body[:lines]]
    if len(body) > lines:
        out.append(f"   … {len(body) - lines} more lines")
    return out


def _profile_call(fn: Callable[[], object], *, repeat: int = 1) -> tuple[str, str]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(repeat):
        fn()
    profiler.stop()
    return (profiler.output_text(unicode=True, color=False),
            profiler.output_text(unicode=True, color=False, flat=True))


def profile(workdir: Path, fig: Figures, lines: int, everything: bool) -> str:
    """pyinstrument over `feedletter build` after one more new item: the command a cron job runs,
    imports included, as a call tree and flat by own time. With `everything`, also the ingest use
    case into a fresh archive and the render of one newsletter issue (in this process)."""
    try:
        import pyinstrument
    except ImportError:
        return "profile: pyinstrument is not installed; run: .venv/bin/pip install pyinstrument"
    from newsletter.app.config import load_settings
    from newsletter.app.usecases.ingest import ingest

    config = workdir / "feedletter.toml"
    settings = load_settings(config)
    command = [str(FEEDLETTER), "--config", str(config), "--now", NOW.isoformat(), "build"]
    out: list[str] = []
    for number, (name, options) in enumerate((("call tree", []), ("flat, by own time", ["-p", "flat=true"]))):
        ingest(settings, [extra_listing(workdir, 10 + number)], now=NOW)  # one new item each time
        path = workdir / f"profile-build-{number}.txt"
        subprocess.run([sys.executable, "-m", "pyinstrument", "-r", "text", "--no-color", "--unicode",
                        *options, "-o", str(path), *command], check=True, timeout=CHILD_TIMEOUT)
        out += _head(path.read_text(encoding="utf-8"), lines,
                     f"pyinstrument: incremental `feedletter build` at {size_label(fig.n)} items ({name})")
    if not everything:
        return "\n".join(out)

    fresh = scratch_site(workdir / "profile-ingest")
    fresh_settings = load_settings(fresh)
    listing = workdir / f"listing-{fig.n}.txt"
    tree, flat = _profile_call(lambda: ingest(fresh_settings, [listing], now=NOW))
    out += _head(tree, lines, f"pyinstrument: ingest use case, {size_label(fig.n)} items into a fresh archive")
    out += _head(flat, lines, "same, flat by own time")
    if fig.render_issue is not None:
        tree, flat = _profile_call(fig.render_issue, repeat=50)
        out += _head(tree, lines, "pyinstrument: one newsletter issue rendered 50 times (issue_package)")
        out += _head(flat, lines, "same, flat by own time")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated item counts")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic listings")
    parser.add_argument("--profile", action="store_true",
                        help="profile the incremental build at the largest size (needs pyinstrument)")
    parser.add_argument("--profile-all", action="store_true",
                        help="--profile, plus the ingest use case and one newsletter issue render")
    parser.add_argument("--profile-lines", type=int, default=40, help="lines of each profile to print")
    parser.add_argument("--code", choices=("worktree", "head"), default="worktree",
                        help="measure a snapshot of the working tree (default) or of the HEAD commit")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--child-build", metavar="CONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_build:
        child_build(args.child_build, args.now)
        return 0

    sys.stdout.reconfigure(line_buffering=True)
    sizes = [int(size.replace("_", "").replace("k", "000")) for size in args.sizes.split(",")]
    scratch = Path(tempfile.mkdtemp(prefix="feedletter-bench-"))

    def log(message: str) -> None:
        print(f"  … {message}", file=sys.stderr, flush=True)

    code = snapshot(scratch / "src", args.code)
    print(machine())
    print(f"measuring: {code}")
    print(f"run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; scratch directory {scratch}")
    figures: list[Figures] = []
    status = 0
    try:
        help_s = wall([str(FEEDLETTER), "--help"], repeat=5)
        for n in sizes:
            print(f"{size_label(n)} items", file=sys.stderr, flush=True)
            start = time.perf_counter()
            try:
                figures.append(measure_size(n, scratch / f"n{n}", seed=args.seed, log=log))
            except Exception:
                traceback.print_exc()
                figures.append(Figures(n, notes={"run": "failed, see the traceback above"}))
                status = 1
            log(f"{size_label(n)} done in {time.perf_counter() - start:.0f} s")
        print()
        print(table(figures, help_s))
        print()
        for fig in figures:
            print(f"{size_label(fig.n)} items:")
            for line in fig.details:
                print(f"  {line}")
            for key, note in fig.notes.items():
                print(f"  {key}: {note}")
        if (args.profile or args.profile_all) and figures and "incremental" in figures[-1].values:
            print()
            print(profile(scratch / f"n{sizes[-1]}", figures[-1], args.profile_lines, args.profile_all))
    finally:
        if args.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
