"""The `feedletter` command. Click commands only; the one place errors become exit codes.

Exit status: 0 success (item-level problems are warnings), 1 a failure, 2 usage,
config or an input that is not a listing at all. Silent on success unless -v.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import click

import feeds
from feeds.errors import FeedletterError


class Context:
    def __init__(self, config: str | None, verbose: int, now: datetime | None, templates: str | None = None):
        self.config_flag = config
        self.templates_flag = templates
        self.verbose = verbose
        self.now = now or datetime.now(UTC)
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            from ..config import config_path, load_settings

            settings = load_settings(config_path(self.config_flag))
            if self.templates_flag:  # the flag wins over the config file
                settings = replace(settings, templates=Path(self.templates_flag).expanduser().resolve())
            self._settings = settings
        return self._settings

    def say(self, message: str) -> None:
        if self.verbose:
            click.echo(message, err=True)


def verbose_option(command):
    """-v after the command name too ("feedletter run -v"), as well as before it."""

    def more(ctx: click.Context, _param, value: int) -> None:
        if value:
            ctx.find_object(Context).verbose += value

    return click.option("--verbose", "-v", count=True, expose_value=False, callback=more,
                        help="Say what was done.")(command)


def _parse_now(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected an ISO date-time such as 2023-01-31T12:00:00+00:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "-c", metavar="FILE", envvar="FEEDLETTER_CONFIG",
              help="Config file (default: ./feedletter.toml; env FEEDLETTER_CONFIG).")
@click.option("--templates", metavar="DIR", type=click.Path(file_okay=False),
              help="Your templates, used before the default theme (overrides [paths] templates).")
@click.option("--verbose", "-v", count=True, help="Say what was done.")
@click.option("--now", callback=_parse_now, hidden=True, expose_value=True,
              help="Pretend the run happens at this ISO date-time (tests, replays).")
@click.version_option(package_name="feedletter", message="%(prog)s %(version)s" + "".join(
    f"\n{name}: {where}".replace("%", "%%") for name, where in (("feeds", Path(feeds.__file__).parent),
                                                                ("newsletter", Path(__file__).parents[2]))))
@click.pass_context
def cli(ctx: click.Context, config: str | None, templates: str | None, verbose: int, now: datetime | None) -> None:
    """Turn news listing pages into an archive, feeds and a monthly newsletter."""
    ctx.obj = Context(config, verbose, now, templates)


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
    host = urlsplit(base_url).hostname or "example.org"
    template = (Path(__file__).parent.parent / "config" / "starter.toml").read_text(encoding="utf-8")
    text = template.format(
        title=title.replace('"', "'"),
        base_url=base_url,
        host=host,
        authority=f"{host},{obj.now:%Y}",
    )
    path.write_text(text, encoding="utf-8")
    # cron has a minimal PATH and another working directory: absolute paths only
    installed = Path(sys.executable).parent / "feedletter"
    command = str(installed) if installed.exists() else "feedletter"
    click.echo(f"Wrote {path}. Edit it, then schedule the daily run, e.g. with crontab -e:")
    click.echo(f"  15 6 * * *  {command} --config {path} run")
    click.echo(f"  30 6 1 * *  {command} --config {path} newsletter --send")


@cli.command()
@verbose_option
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array, one object per file.")
@click.pass_obj
def parse(obj: Context, files: tuple[Path, ...], as_json: bool) -> None:
    """Show what listing FILES parse into, with problems. Touches nothing."""
    from ..usecases.inputs import parse_file

    results = [parse_file(path) for path in files]
    if as_json:
        click.echo(json.dumps([_result_json(result) for result in results], ensure_ascii=False, indent=2))
        return
    for result in results:
        encoding = f" (read as {result.encoding})" if result.encoding != "UTF-8" else ""
        click.echo(f"{result.source}: {len(result.items)} items, {len(result.problems)} problems{encoding}")
        for item in result.items:
            category = f"[{item.category}] " if item.category else ""
            click.echo(f"  {item.date.isoformat()}  {category}{item.title}")
        for problem in result.problems:
            click.echo(f"  {problem}")


def _result_json(result) -> dict:
    return {
        "source": result.source,
        "items": [
            {
                "title": item.title,
                "date": item.date.isoformat(),
                "category": item.category,
                "summary": item.summary,
            }
            for item in result.items
        ],
        "problems": [{"line": p.line, "message": p.message} for p in result.problems],
    }


@cli.command()
@verbose_option
@click.argument("files", nargs=-1, required=True, metavar="FILE|URL...")
@click.option("--strict", is_flag=True, help="Any problem stores nothing and exits 1.")
@click.option("--source", metavar="NAME", help="Source name to record (default: the file name or URL).")
@click.option("--kind", type=click.Choice(["auto", "listing", "html", "feed", "items"]), default="auto",
              show_default=True, help="What the inputs are (default: recognised from the content).")
@click.option("--dry-run", is_flag=True, help="Say which items would be new or edited; store nothing.")
@click.pass_obj
def ingest(obj: Context, files: tuple[str, ...], strict: bool, source: str | None, kind: str,
           dry_run: bool) -> None:
    """Read FILES or URLs (listing text, HTML page, RSS/Atom/JSON feed, items file) and
    add their items to the archive (one transaction)."""
    from ..usecases import ingest as app

    outcome = app.ingest(obj.settings, files, now=obj.now, strict=strict, source=source, kind=kind,
                         dry_run=dry_run)
    if dry_run:
        _tell_dry_run(outcome.report, outcome.titles)
    for note in outcome.notes:
        obj.say(note)
    for problem in outcome.problems:
        click.echo(f"warning: {problem}", err=True)
    if strict and outcome.problems:
        raise FeedletterError(f"{len(outcome.problems)} problems and --strict: nothing stored")
    report = outcome.report
    obj.say(
        f"ingested {outcome.parsed} items from {len(files)} files: {len(report.added)} new, "
        f"{len(report.edited)} edited, {report.unchanged} unchanged"
    )


@cli.command()
@verbose_option
@click.option("--dry-run", is_flag=True, help="Say which files would be written or removed; write nothing.")
@click.pass_obj
def build(obj: Context, dry_run: bool) -> None:
    """Write every feed and page whose bytes changed."""
    from ..usecases.build import build as build_site

    report = build_site(obj.settings, now=obj.now, dry_run=dry_run)
    if dry_run:
        _tell_dry_run(None, {}, report)
        return
    if not report.items:
        obj.say("the archive holds no items yet: nothing to build")
        return
    obj.say(
        f"built {report.items} items in {report.months} months into {obj.settings.output}: "
        f"{len(report.written)} files written"
    )
    for name in report.written:
        obj.say(f"  wrote {name}")


@cli.command()
@verbose_option
@click.option("--month", metavar="YYYY-MM", help="The issue's month (default: the last complete month).")
@click.option("--send", is_flag=True, help="Mail the issue over SMTP to the configured recipients (once).")
@click.option("--to", "to", metavar="ADDRESS", help="With --send: a test copy to ADDRESS only.")
@click.option("--force", is_flag=True, help="With --send: send to the list again although it was sent.")
@click.pass_obj
def newsletter(obj: Context, month: str | None, send: bool, to: str | None, force: bool) -> None:
    """Write one month's e-mail package (HTML, text, .eml) into the outbox; --send mails it."""
    from ..usecases.newsletter import newsletter_package

    if month is not None and not _is_month(month):
        raise click.BadParameter(f"{month!r} is not a month, expected YYYY-MM", param_hint="--month")
    if (to or force) and not send:
        raise click.UsageError("--to and --force only go with --send")
    report = newsletter_package(obj.settings, now=obj.now, month=month)
    if not report.files:
        obj.say(f"{report.month}: nothing to send")
        return
    obj.say(f"{report.month}: {', '.join(report.files)} in {obj.settings.outbox}")
    if send:
        _send(obj, report.month, to=to, force=force)


def _send(obj: Context, month: str, *, to: str | None, force: bool) -> None:
    from ..usecases.send import send_newsletter

    sent = send_newsletter(obj.settings, month=month, now=obj.now, to=to, force=force)
    for address, reason in sorted(sent.refused.items()):
        click.echo(f"feedletter: {address}: refused by the SMTP server ({reason})", err=True)
    what = f"a test copy to {to}" if sent.kind == "test" else "the list"
    obj.say(f"{month}: sent to {what}: {sent.recipients - len(sent.refused)} of {sent.recipients} accepted")
    if sent.refused:
        raise FeedletterError(f"{month}: {len(sent.refused)} of {sent.recipients} recipients refused")


def _is_month(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        return False
    return len(text) == 7


@cli.command()
@verbose_option
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.pass_obj
def validate(obj: Context, directory: Path | None) -> None:
    """Check the outputs in DIRECTORY (default: the configured output and outbox):
    feeds against their standards, issue pages and e-mails against the e-mail rules."""
    from feeds.validate import check_files

    files, shown = {}, {}
    for prefix, root in _validate_roots(obj, directory):
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                name = prefix + path.relative_to(root).as_posix()
                files[name], shown[name] = path.read_bytes(), path
    findings = check_files(files, now=obj.now)
    for finding in findings:
        click.echo(f"{shown.get(finding.path, finding.path)}: {'warning: ' if finding.warning else ''}{finding.message}")
    errors = [f for f in findings if not f.warning]
    obj.say(f"checked {len(files)} files: {len(errors)} errors, {len(findings) - len(errors)} warnings")
    if errors:
        raise FeedletterError(f"{len(errors)} problems in the outputs")


def _validate_roots(obj: Context, directory: Path | None) -> list[tuple[str, Path]]:
    """(name prefix, directory): the output dir, plus the outbox when the config has one."""
    settings = None
    try:
        settings = obj.settings
    except FeedletterError:
        if directory is None:
            raise
    root = directory or settings.output
    if not root.is_dir():
        raise FeedletterError(f"{root}: no such directory; run 'feedletter build' first")
    roots = [("", root)]
    if settings is not None and settings.outbox.is_dir() and directory in (None, settings.output):
        roots.append(("outbox/", settings.outbox))
    return roots


@cli.command()
@verbose_option
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.pass_obj
def serve(obj: Context, directory: Path | None, host: str, port: int) -> None:
    """Serve DIRECTORY (default: the configured output) with feed-grade HTTP:
    content types, ETag/Last-Modified, 304s and gzip. Ctrl-C stops it."""
    from ..serve import make_server

    root = directory or obj.settings.output
    try:
        server = make_server(root, host, port, verbose=bool(obj.verbose))
    except OSError as error:
        raise FeedletterError(f"cannot listen on {host}:{port} ({error.strerror})") from None
    address, bound = server.server_address[:2]
    click.echo(f"serving {root} on http://{address}:{bound}/ (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


PROGRESS_FROM = 5  # sources; with fewer a run ends before a bar is worth drawing


@cli.command()
@verbose_option
@click.option("--dry-run", is_flag=True, help="Read the sources and say what would change; keep and write nothing.")
@click.pass_obj
@click.pass_context
def run(ctx: click.Context, obj: Context, dry_run: bool) -> None:
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
        _tell_dry_run(report.ingest, report.titles, report.build)
    for source in report.sources:
        if source.error is not None:
            click.echo(f"feedletter: source {source.name}: {source.error}", err=True)
            continue
        for problem in source.problems if obj.verbose else source.new_problems:
            click.echo(f"feedletter: warning: source {source.name}: {problem}", err=True)
        if source.status in ("304", "unchanged"):
            obj.say(f"source {source.name}: not modified ({source.status})")
        else:
            obj.say(f"source {source.name}: {source.items} items ({source.status}), "
                    f"{len(source.problems)} problems")
    ingested = report.ingest
    obj.say(f"stored {len(ingested.added)} new and {len(ingested.edited)} edited items")
    built = report.build
    obj.say(f"built {built.items} items in {built.months} months: {len(built.written)} files written")
    for name in built.written:
        obj.say(f"  wrote {name}")
    if report.failed:
        ctx.exit(1)


@cli.command()
@verbose_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def status(obj: Context, as_json: bool) -> None:
    """What the last runs did: when, what they ingested and wrote, each source's last
    success and failure, the problems `run` remembered, and the sends."""
    from ..usecases.status import describe_run
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
        if state is None:
            click.echo(f"{name}: never run")
            continue
        line = f"{name}: last {state.last_status or '?'}; ok {state.last_success or 'never'}"
        if state.last_failure:
            line += f"; failed {state.last_failure}: {state.last_error}"
        click.echo(line)
    for source, line, message, first_seen in report.problems:
        click.echo(f"problem {source}:{line}: {message or '(told before this feedletter kept the text)'} "
                   f"(since {first_seen})")
    for send in report.sends[-12:]:
        click.echo(f"sent {send.issue} to {'the list' if send.kind == 'list' else 'a test address'} "
                   f"at {send.sent_at}: {send.recipients} accepted, {send.refused} refused")


def _tell_dry_run(ingested, titles: dict[str, str], built=None) -> None:
    """What a --dry-run would have done, on stdout (it is what the user asked for)."""
    lines = []
    for verb, ids in (("add", ingested.added if ingested else ()), ("edit", ingested.edited if ingested else ())):
        if ids:
            lines.append(f"would {verb} {len(ids)} item{'s' * (len(ids) != 1)}:")
            lines += [f"  {item_id}  {titles.get(item_id, '')}".rstrip() for item_id in ids]
    for verb, names in (("write", built.written if built else ()), ("remove", built.removed if built else ())):
        if names:
            lines.append(f"would {verb} {len(names)} file{'s' * (len(names) != 1)}:")
            lines += [f"  {name}" for name in names]
    click.echo("\n".join(lines) if lines else "would change nothing")


# -- looking after the archive -------------------------------------------------------------


def _month_option(_ctx, _param, value: str | None) -> str | None:
    if value is not None and not _is_month(value):
        raise click.BadParameter(f"{value!r} is not a month, expected YYYY-MM")
    return value


@cli.command()
@verbose_option
@click.option("--month", metavar="YYYY-MM", callback=_month_option, help="Only the items of this month.")
@click.option("--category", "-C", metavar="C", help="Only this category (any spelling of it).")
@click.option("--search", "-s", metavar="WORDS", help="Only items with every word in the title or summary.")
@click.option("--hidden", is_flag=True, help="Include hidden items (flagged).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.pass_obj
def items(obj: Context, month: str | None, category: str | None, search: str | None, hidden: bool,
          as_json: bool) -> None:
    """List the archive's items, newest first: id, date, category, source, title. A table on
    a terminal (ids shortened to their unique tail), tab-separated rows otherwise."""
    from ..maintenance import list_items
    from ..tables import items_json, items_table, items_tsv

    found = list_items(obj.settings, month=month, category=category, search=search, include_hidden=hidden)
    if as_json:
        click.echo(json.dumps(items_json(found), ensure_ascii=False, indent=2))
    elif sys.stdout.isatty():
        import shutil

        click.echo(items_table(found, shutil.get_terminal_size().columns))
    elif found:
        click.echo(items_tsv(found))


@cli.command()
@verbose_option
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.pass_obj
def hide(obj: Context, ids: tuple[str, ...]) -> None:
    """Take items out of every output (they stay in the archive; an ingest never brings
    them back). ID: the whole id or any unique end of it. The next build changes only
    the outputs that listed them."""
    _set_hidden(obj, ids, hidden=True)


@cli.command()
@verbose_option
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.pass_obj
def unhide(obj: Context, ids: tuple[str, ...]) -> None:
    """Put hidden items back into the outputs at the next build."""
    _set_hidden(obj, ids, hidden=False)


def _set_hidden(obj: Context, ids: tuple[str, ...], *, hidden: bool) -> None:
    from ..maintenance import set_hidden

    changed, same = set_hidden(obj.settings, ids, hidden=hidden)
    for item_id in changed:
        obj.say(f"{'hidden' if hidden else 'shown'}: {item_id}")
    for item_id in same:
        obj.say(f"already {'hidden' if hidden else 'shown'}: {item_id}")


@cli.command()
@verbose_option
@click.argument("item_id", metavar="ID")
@click.argument("category")
@click.pass_obj
def recategorise(obj: Context, item_id: str, category: str) -> None:
    """Put an item in CATEGORY (kept when its page is ingested again; naming the
    page's own category again undoes it). Its entry counts as updated."""
    from ..maintenance import recategorise as set_category

    full, changed = set_category(obj.settings, item_id, category, now=obj.now)
    obj.say(f"{full}: {'now in' if changed else 'already in'} {category}")


@cli.command()
@verbose_option
@click.option("--format", "form", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--output", "-o", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False),
              help="Write to FILE instead of stdout.")
@click.pass_obj
def export(obj: Context, form: str, output: Path | None) -> None:
    """The whole archive, hidden items too, in the order stored: for backups and other
    tools; 'feedletter import' reads it back."""
    from ..maintenance import export_archive

    text = export_archive(obj.settings, form=form)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise FeedletterError(f"{output}: cannot write ({error.strerror})") from None
    obj.say(f"exported to {output}")


@cli.command("import")
@verbose_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_obj
def import_(obj: Context, file: Path) -> None:
    """Read an export (JSON or CSV) into the archive in one transaction, keeping ids and
    times; items the archive has already are skipped, so nothing is duplicated."""
    from ..maintenance import import_archive

    report = import_archive(obj.settings, file)
    obj.say(f"imported {report.added} items; {report.skipped} were in the archive already")


@cli.command()
@verbose_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_obj
def backup(obj: Context, file: Path, force: bool) -> None:
    """Copy the archive to FILE with SQLite's online backup: consistent even while a run
    is going. To restore, point [paths] archive at the copy (or copy it back)."""
    from ..maintenance import backup as copy_archive

    copy_archive(obj.settings, file, force=force)
    obj.say(f"backed up {obj.settings.archive} to {file} (integrity check: ok)")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map errors to one stderr line and an exit code."""
    try:
        status = cli.main(args=argv, prog_name="feedletter", standalone_mode=False)
    except FeedletterError as error:
        click.echo(f"feedletter: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("feedletter: aborted", err=True)
        sys.exit(1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
