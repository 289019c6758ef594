"""Commands that write and check outputs: build, newsletter (and --send), validate, serve."""

from __future__ import annotations

from pathlib import Path

import click

from feeds.errors import FeedletterError, UsageError

from .base import Context, cli, is_month, tell_dry_run, verbose_option, warn


@cli.command()
@verbose_option
@click.option("--dry-run", is_flag=True, help="Say which files would be written or removed; write nothing.")
@click.pass_obj
def build(obj: Context, dry_run: bool) -> None:
    """Write every feed and page whose bytes changed."""
    from ..usecases.build import build as build_site

    report = build_site(obj.settings, now=obj.now, dry_run=dry_run)
    warn(report.warnings)
    if dry_run:
        tell_dry_run(None, {}, report)
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
@click.option("--send", is_flag=True, help="Mail the issue as [newsletter] delivery says, each subscriber once.")
@click.option("--to", "to", metavar="ADDRESS", help="With --send: a test copy to ADDRESS only.")
@click.option("--force", is_flag=True, help="With --send: send to everyone again although they have it.")
@click.option("--dry-run", is_flag=True, help="With --send: say who would get the issue; send and record nothing.")
@click.option("--open-month", is_flag=True, help="With --send: send the month although it is not over yet.")
@click.pass_obj
def newsletter(obj: Context, month: str | None, send: bool, to: str | None, force: bool, dry_run: bool,
               open_month: bool) -> None:
    """Write one month's e-mail package (HTML, text, .eml) into the outbox; --send mails it."""
    from ..usecases.newsletter import month_is_open, newsletter_package

    if month is not None and not is_month(month):
        raise click.BadParameter(f"{month!r} is not a month, expected YYYY-MM", param_hint="--month")
    if (to or force or dry_run or open_month) and not send:
        raise click.UsageError("--to, --force, --dry-run and --open-month only go with --send")
    if send and month is not None and not open_month and month_is_open(month, obj.now, obj.settings):
        raise UsageError(f"{month} is not over yet, so its issue is still in progress; pass --open-month to send it now")
    report = newsletter_package(obj.settings, now=obj.now, month=month)
    warn(report.warnings)
    if not report.files:
        obj.say(f"{report.month}: nothing to send")
        return
    obj.say(f"{report.month}: {', '.join(report.files)} in {obj.settings.outbox}")
    if send:
        _send(obj, report.month, to=to, force=force, dry_run=dry_run)


def _send(obj: Context, month: str, *, to: str | None, force: bool, dry_run: bool) -> None:
    from ...errors import AddressError
    from ..usecases.send import send_newsletter

    try:
        sent = send_newsletter(obj.settings, month=month, now=obj.now, to=to, force=force, dry_run=dry_run)
    except AddressError as error:  # --to ADDRESS
        raise click.BadParameter(str(error), param_hint="--to") from None
    warn(tuple(sent.warnings))
    if dry_run:
        count = len(sent.would_send)
        what = (f"a test copy of {month} to" if to else f"{month} to the list address" if sent.delivery == "list"
                else f"{month} to {count} subscriber{'s' * (count != 1)}:")
        click.echo("\n".join([f"would send {what}", *(f"  {address}" for address in sent.would_send)]))
        return
    for address, reason in sorted(sent.refused.items()):
        click.echo(f"feedletter: {address}: refused by the SMTP server ({reason})", err=True)
    for address, reason in sorted(sent.pending.items()):
        click.echo(f"feedletter: {address}: not accepted yet ({reason}); the next --send tries again", err=True)
    if sent.stopped:
        click.echo(f"feedletter: {sent.stopped}: {len(sent.unsent)} not sent yet; the next --send sends to them",
                   err=True)
    for address in sent.skipped:
        obj.say(f"  {address} unsubscribed during the send: skipped")
    what = f"a test copy to {to}" if to else "the list" if sent.delivery == "list" else "the subscribers"
    obj.say(f"{month}: sent to {what}: {len(sent.accepted)} accepted, {len(sent.pending)} pending, "
            f"{len(sent.refused)} refused")
    if not sent.complete:
        raise FeedletterError(f"{month}: {len(sent.accepted)} accepted, {len(sent.pending)} pending, "
                              f"{len(sent.refused)} refused, {len(sent.unsent)} not sent yet")


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
    findings = check_files(files, now=obj.now, delivery=_delivery(obj))
    for finding in findings:
        click.echo(f"{shown.get(finding.path, finding.path)}: {'warning: ' if finding.warning else ''}{finding.message}")
    errors = [f for f in findings if not f.warning]
    obj.say(f"checked {len(files)} files: {len(errors)} errors, {len(findings) - len(errors)} warnings")
    if errors:
        raise FeedletterError(f"{len(errors)} problems in the outputs")


def _delivery(obj: Context) -> str | None:
    """How the issues go out, when the config can tell ("validate DIR" works without one)."""
    try:
        settings = obj.settings_if_any()
    except FeedletterError:
        return None
    return settings.newsletter.delivery if settings else None


def _validate_roots(obj: Context, directory: Path | None) -> list[tuple[str, Path]]:
    """(name prefix, directory): the output dir, plus the outbox when the config has one."""
    settings = None
    try:
        settings = obj.settings
    except FeedletterError:
        if directory is None:
            raise
    root = directory or settings.output if settings else directory
    if root is None or not root.is_dir():
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
    address, bound = str(server.server_address[0]), server.server_address[1]
    click.echo(f"serving {root} on http://{address}:{bound}/ (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
