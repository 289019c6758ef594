"""Commands that look after the archive: items, hide, unhide, recategorise, export,
import and backup."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from feeds.errors import FeedletterError

from .base import Context, cli, month_option, verbose_option, warn


@cli.command()
@verbose_option
@click.option("--month", metavar="YYYY-MM", callback=month_option, help="Only the items of this month.")
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
    them back). ID: the whole id or a unique end of it of at least 6 characters. The next
    build changes only the outputs that listed them."""
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
    state = "hidden" if hidden else "shown"
    for item_id, title in changed.items():  # on stdout: what the user asked to change, item by item
        click.echo(f"{state}: {item_id} {title}")
    for item_id, title in same.items():
        click.echo(f"already {state}: {item_id} {title}")


@cli.command()
@verbose_option
@click.argument("item_id", metavar="ID")
@click.argument("category")
@click.pass_obj
def recategorise(obj: Context, item_id: str, category: str) -> None:
    """Put an item in CATEGORY (kept when its page is ingested again; naming the
    page's own category again undoes it). Its entry counts as updated."""
    from ..maintenance import recategorise as set_category

    full, title, changed = set_category(obj.settings, item_id, category, now=obj.now)
    shown = " ".join(category.split())
    click.echo(f"recategorised: {full} {title}: now in {shown}" if changed else f"already in {shown}: {full} {title}")


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
    warn(tuple(map(str, report.problems)))
    refused = f"; {report.refused} refused (told above)" if report.refused else ""
    obj.say(f"imported {report.added} items; {report.skipped} were in the archive already{refused}")


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
