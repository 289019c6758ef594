"""Commands of delivery: `subscribers` (add, remove, list, import) and `unsubscribe-server`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from feeds.errors import FeedletterError

from .base import Context, cli, verbose_option, warn


@cli.group()
def subscribers() -> None:
    """The subscribers kept in the archive: add, remove, list, import."""


@subscribers.command("add")
@verbose_option
@click.argument("addresses", nargs=-1, required=True, metavar="ADDRESS...")
@click.option("--resubscribe", is_flag=True, help="Add back addresses that unsubscribed (they asked to).")
@click.pass_obj
def add(obj: Context, addresses: tuple[str, ...], resubscribe: bool) -> None:
    """Add subscribers ('Ann <ann@example.org>' or ann@example.org)."""
    from ..usecases.subscribers import add_subscribers

    _tell_added(obj, add_subscribers(obj.settings, addresses, now=obj.now, resubscribe=resubscribe))


@subscribers.command("import")
@verbose_option
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--resubscribe", is_flag=True, help="Add back addresses that unsubscribed (they asked to).")
@click.pass_obj
def import_(obj: Context, file: Path, resubscribe: bool) -> None:
    """Add the addresses of FILE: one a line (# comments), or CSV with an e-mail column."""
    from ..usecases.subscribers import import_subscribers

    _tell_added(obj, import_subscribers(obj.settings, file, now=obj.now, resubscribe=resubscribe))


def _tell_added(obj: Context, report) -> None:
    warn(tuple(f"{entry.origin}: {entry.written.strip()} unsubscribed before: not added again "
               "(--resubscribe adds it, if they asked to come back)" for entry in report.left))
    obj.say(f"{len(report.added)} added, {len(report.resubscribed)} resubscribed, {len(report.already)} already "
            f"subscribed, {len(report.left)} left before and not added")


@subscribers.command("remove")
@verbose_option
@click.argument("addresses", nargs=-1, required=True, metavar="ADDRESS...")
@click.option("--forget", is_flag=True,
              help="Delete the address and every record of what was sent to it, instead of keeping it as unsubscribed.")
@click.pass_obj
def remove(obj: Context, addresses: tuple[str, ...], forget: bool) -> None:
    """Unsubscribe addresses (kept as unsubscribed so no import adds them back); --forget deletes them."""
    from ..usecases.subscribers import remove_subscribers

    for removal in remove_subscribers(obj.settings, addresses, now=obj.now, forget=forget):
        if removal.in_config:
            warn((f"{removal.address} is still in [smtp] recipients or recipients_file: remove it there too, "
                  + ("or the next send adds it back" if forget else "or every send warns about it"),))
        if forget:
            obj.say(f"{removal.address}: {'forgotten' if removal.was_subscribed else 'nothing kept of it'}")
        else:
            obj.say(f"{removal.address}: {'unsubscribed' if removal.was_subscribed else 'kept as unsubscribed'}")


@subscribers.command("list")
@verbose_option
@click.option("--all", "include_all", is_flag=True, help="Those who unsubscribed too.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def list_(obj: Context, include_all: bool, as_json: bool) -> None:
    """The subscribers: address, state, since when, where they came from."""
    from ..usecases.subscribers import list_subscribers

    found = list_subscribers(obj.settings, include_unsubscribed=include_all)
    if as_json:
        click.echo(json.dumps([{"address": s.address, "written": s.written, "status": s.status, "origin": s.origin,
                                "added": s.added, "changed": s.changed} for s in found], ensure_ascii=False, indent=2))
        return
    for subscriber in found:
        state = "" if subscriber.status == "subscribed" else f"\tunsubscribed {subscriber.changed}"
        click.echo(f"{subscriber.written}\t{subscriber.added}\t{subscriber.origin}{state}")
    obj.say(f"{len(found)} {'addresses' if include_all else 'subscribers'}")


@cli.command("unsubscribe-server")
@verbose_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.pass_obj
def unsubscribe_server(obj: Context, host: str, port: int) -> None:
    """Answer the unsubscribe links of unsubscribe_url (one-click POST and the footer's
    confirm page) with a small WSGI server. Ctrl-C stops it."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from ..unsubscribe import UnsubscribeApp

    app = UnsubscribeApp(obj.settings)
    verbose = bool(obj.verbose)

    class Handler(WSGIRequestHandler):
        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
            if verbose:  # never the path: it holds a subscriber's token
                click.echo(f"{self.address_string()} {self.command} {args[1] if len(args) > 1 else ''}", err=True)

    try:
        server = make_server(host, port, app, handler_class=Handler)
    except OSError as error:
        raise FeedletterError(f"cannot listen on {host}:{port} ({error.strerror})") from None
    click.echo(f"answering unsubscribe links on http://{host}:{server.server_port}/ (Ctrl-C to stop)", err=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
