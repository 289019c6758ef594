"""Commands that read: init, parse, ingest, run (the cron job) and status."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from feeds.errors import FeedletterError, OutputError

from .base import Context, cli, tell_dry_run, verbose_option, warn


@cli.command()
@verbose_option
@click.option("--base-url", default="https://example.org/news/", show_default=True,
              help="Where the output will be published.")
@click.option("--title", default="News", show_default=True, help="Site and feed title.")
@click.option("--force", is_flag=True, help="Overwrite an existing config file.")
@click.pass_obj
def init(obj: Context, base_url: str, title: str, force: bool) -> None:
    """Write a commented starter feedletter.toml and print crontab lines."""
    from ..config import config_path

    path = config_path(obj.config_flag)
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; pass --force to overwrite it")
    _write_read_back(path, _starter_config(title, base_url, year=obj.now.year))
    # cron has a minimal PATH and another working directory: absolute paths only
    installed = Path(sys.executable).parent / "feedletter"
    command = str(installed) if installed.exists() else "feedletter"
    click.echo(f"Wrote {path}. Edit it, then schedule the daily run, e.g. with crontab -e:")
    click.echo(f"  15 6 * * *  {command} --config {path} run")
    click.echo(f"  30 6 1 * *  {command} --config {path} newsletter --send")


def _starter_config(title: str, base_url: str, *, year: int) -> str:
    """The commented starter config with the site's own values, written by a TOML
    library: any title (quotes, backslashes) stays exactly what was given."""
    import tomlkit

    host = urlsplit(base_url).hostname or "example.org"
    starter = tomlkit.parse((Path(__file__).parent.parent / "config" / "starter.toml").read_text(encoding="utf-8"))
    site: Any = starter["site"]
    site["title"], site["base_url"], site["tag_authority"] = title, base_url, f"{host},{year}"
    site["author"]["name"], site["author"]["email"] = title, f"news@{host}"
    newsletter: Any = starter["newsletter"]
    newsletter["title"] = title
    return tomlkit.dumps(starter)


def _write_read_back(path: Path, text: str) -> None:
    """Write `text` to `path` only once the config loader reads it back without error
    (a --base-url that is no URL, say): staged beside it, then moved into place."""
    from ...errors import ConfigError
    from ..config import load_settings

    staged = path.with_name(f".{path.name}.init")
    try:
        staged.write_text(text, encoding="utf-8")
        load_settings(staged)
        staged.replace(path)
    except ConfigError as error:
        raise ConfigError(f"{path}: not written: {str(error).removeprefix(f'{staged}: ')}") from None
    except OSError as error:
        raise OutputError(f"{path}: cannot write ({error.strerror})") from None
    finally:
        staged.unlink(missing_ok=True)


KIND_CHOICE = click.Choice(["auto", "listing", "html", "feed", "items"])


@cli.command()
@verbose_option
@click.argument("files", nargs=-1, required=True, metavar="FILE|URL...")
@click.option("--kind", type=KIND_CHOICE, default="auto", show_default=True,
              help="What the inputs are (default: recognised from the content).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per file.")
@click.pass_obj
def parse(obj: Context, files: tuple[str, ...], kind: str, as_json: bool) -> None:
    """Show what FILES or URLs parse into, with problems. Touches nothing; exits as
    `ingest` would on the same inputs."""
    from ..usecases.ingest import read_inputs

    reads = read_inputs(obj.settings_if_any(), files, kind=kind)
    results = [read.result for read in reads if read.result is not None]
    if as_json:
        click.echo(json.dumps([_result_json(result) for result in results], ensure_ascii=False, indent=2))
    for result in [] if as_json else results:
        encoding = f" (read as {result.encoding})" if result.encoding != "UTF-8" else ""
        click.echo(f"{result.source}: {len(result.items)} items, {len(result.problems)} problems{encoding}")
        for item in result.items:
            category = f"[{item.category}] " if item.category else ""
            click.echo(f"  {item.date.isoformat() if item.date else 'undated':10}  {category}{item.title}")
        for problem in result.problems:
            click.echo(f"  {problem}")
    _fail_for([read.error for read in reads if read.error is not None])


def _fail_for(errors: list) -> None:
    """Each unreadable input on a line of its own; then the exit status of the worst."""
    from ...errors import InputsFailed

    for error in errors:
        click.echo(f"feedletter: {error}", err=True)
    if errors:
        raise InputsFailed(errors)


def item_json(item) -> dict:
    """An item as parse --json and detect --json print it; the date is the day the page
    prints, never shifted to UTC."""
    image = item.image
    return {
        "title": item.title,
        "date": item.date.isoformat() if item.date else None,
        "link": item.url,
        "category": item.category,
        "summary": item.summary,
        "image": {key: value for key, value in (("url", image.url), ("alt", image.alt), ("width", image.width),
                                                ("height", image.height)) if value is not None} if image else None,
    }


def _result_json(result) -> dict:
    return {
        "source": result.source,
        "items": [item_json(item) for item in result.items],
        "problems": [{"line": p.line, "message": p.message} for p in result.problems],
    }


@cli.command()
@verbose_option
@click.argument("files", nargs=-1, required=True, metavar="FILE|URL...")
@click.option("--strict", is_flag=True, help="Any problem stores nothing and exits 1.")
@click.option("--source", metavar="NAME", help="Source name to record (default: the file name or URL).")
@click.option("--kind", type=KIND_CHOICE, default="auto", show_default=True,
              help="What the inputs are (default: recognised from the content).")
@click.option("--dry-run", is_flag=True, help="Say which items would be new or edited; store nothing.")
@click.pass_obj
def ingest(obj: Context, files: tuple[str, ...], strict: bool, source: str | None, kind: str,
           dry_run: bool) -> None:
    """Read FILES or URLs (listing text, HTML page, RSS/Atom/JSON feed, items file) and
    add their items to the archive (one transaction). Each input is its own unit: the
    readable ones are stored, each other one is told, and the exit status is the worst."""
    from ..usecases import ingest as app

    outcome = app.ingest(obj.settings, files, now=obj.now, strict=strict, source=source, kind=kind,
                         dry_run=dry_run)
    if dry_run:
        tell_dry_run(outcome.report, outcome.titles)
    for note in outcome.notes:
        obj.say(note)
    for problem in outcome.problems:
        click.echo(f"feedletter: warning: {problem}", err=True)
    if strict and (outcome.problems or outcome.failures):
        _fail_for(list(outcome.failures))
        raise FeedletterError(f"{len(outcome.problems)} problems and --strict: nothing stored")
    report = outcome.report
    obj.say(
        f"ingested {outcome.parsed} items from {outcome.stored_from} of {len(files)} inputs: "
        f"{len(report.added)} new, {len(report.edited)} edited, {report.unchanged} unchanged"
    )
    _fail_for(list(outcome.failures))


PROGRESS_FROM = 5  # sources; with fewer a run ends before a bar is worth drawing


SKIPPED_WORDS = {"gone": "its server said it is gone (HTTP 410) until its location changes",
                 "deferred": "its server asked to be left alone for a while (Retry-After)"}


@cli.command()
@verbose_option
@click.option("--dry-run", is_flag=True, help="Read the sources and say what would change; keep and write nothing.")
@click.pass_obj
def run(obj: Context, dry_run: bool) -> None:
    """The cron job: read every configured source, store their items, then build.

    Silent on success. A failing source prints one line and the others go on; the exit
    status is then 1. A listing problem is told the first time it is seen (-v: always)."""
    from ..usecases.run import run as run_sources

    sources = obj.settings.sources
    if sys.stdout.isatty() and len(sources) >= PROGRESS_FROM:  # a person watching a long run
        with click.progressbar(length=len(sources), label="reading sources") as bar:
            report = run_sources(obj.settings, now=obj.now, verbose=bool(obj.verbose), dry_run=dry_run,
                                 progress=lambda _name: bar.update(1))
    else:
        report = run_sources(obj.settings, now=obj.now, verbose=bool(obj.verbose), dry_run=dry_run)
    if dry_run:
        tell_dry_run(report.ingest, report.titles, report.build)
    for source in report.sources:
        if source.error is not None:
            click.echo(f"feedletter: source {source.name}: {source.error}", err=True)
            continue
        if source.notice:
            click.echo(f"feedletter: source {source.name}: {source.notice}", err=True)
        for problem in source.problems if obj.verbose else source.new_problems:
            click.echo(f"feedletter: warning: source {source.name}: {problem}", err=True)
        for note in source.notes:
            obj.say(note)
        if source.status in SKIPPED_WORDS:
            obj.say(f"source {source.name}: not read: {SKIPPED_WORDS[source.status]}")
        elif source.status in ("304", "unchanged"):
            obj.say(f"source {source.name}: not modified ({source.status})")
        else:
            obj.say(f"source {source.name}: {source.items} items ({source.status}), "
                    f"{len(source.problems)} problems")
    ingested = report.ingest
    obj.say(f"stored {len(ingested.added)} new and {len(ingested.edited)} edited items")
    built = report.build
    warn(built.warnings)
    obj.say(f"built {built.items} items in {built.months} months: {len(built.written)} files written")
    for name in built.written:
        obj.say(f"  wrote {name}")
    if report.failure:
        raise report.failure


@cli.command()
@verbose_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """What the last runs did: when, what they ingested and wrote, each source's last
    success and failure, the problems `run` remembered, the sends and each issue's delivery."""
    from ..usecases.status import describe_delivery, describe_run, describe_source
    from ..usecases.status import status as read_status

    report = read_status(obj.settings)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    last = report.last("run", "ingest", "build")
    click.echo(f"last: {describe_run(last)}" if last else "last: no run, ingest or build recorded yet")
    for command in ("run", "ingest", "build"):
        earlier = report.last(command)
        if earlier is not None and earlier is not last:
            click.echo(f"last {command}: {describe_run(earlier)}")
    for name, state in report.sources:
        click.echo(describe_source(name, state))
    for source, line, message, first_seen in report.problems:
        click.echo(f"problem {source}:{line}: {message or '(told before this feedletter kept the text)'} "
                   f"(since {first_seen})")
    for send in report.sends[-12:]:
        click.echo(f"sent {send.issue} to {'its readers' if send.kind == 'list' else 'a test address'} "
                   f"at {send.sent_at}: {send.recipients} accepted, {send.refused} refused")
    for delivery in report.deliveries[-12:]:
        click.echo(describe_delivery(delivery))
    if report.subscribed or report.unsubscribed:
        click.echo(f"subscribers: {report.subscribed} subscribed, {report.unsubscribed} unsubscribed")
