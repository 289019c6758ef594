"""`feedletter detect FILE|URL`: the news items detection finds on an HTML page, and a
ready [[sources]] block whose selectors, pasted into the config, give the same items."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import click

from feeds.dates import ORDERS
from feeds.errors import FeedletterError, UsageError

from .base import Context, cli, verbose_option
from .sources import item_json


class NothingDetected(FeedletterError):
    """The page holds no convincing news list (exit 1); the message says why."""


@cli.command()
@verbose_option
@click.argument("location", metavar="FILE|URL")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: items, selectors, candidates, TOML.")
@click.option("--name", metavar="NAME", help="The source name in the [[sources]] block (default: from the location).")
@click.option("--date-order", type=click.Choice(ORDERS), help="How numeric dates such as 03/02/2023 read.")
@click.option("--url", "page_url", metavar="URL", help="Where a saved page lives: its relative links resolve against it.")
@click.pass_obj
def detect(obj: Context, location: str, as_json: bool, name: str | None, date_order: str | None,
           page_url: str | None) -> None:
    """Find the news items on an HTML page that has no selectors: print them and a
    [[sources]] block for feedletter.toml whose selectors give the same items. Exits 0
    when a list is found, 1 when nothing is convincing (saying why), 2 for usage."""
    from feeds.sanitise import clean_result
    from feeds.sources import KIND_NAMES, detect_kind
    from feeds.sources.detect import detect as find_items
    from feeds.sources.html import decode_html, nesting_problem
    from feeds.sources.selectors import UNDATED_KEPT
    from feeds.urls import is_web_url, redacted

    settings = obj.settings_if_any()
    fetched = _fetch(location, settings)
    data = fetched.data or b""
    kind = detect_kind(data, fetched.location)
    if kind != "html":
        raise UsageError(f"{redacted(location)}: this is {KIND_NAMES[kind]}, not an HTML page; "
                         f'read it with kind = "{kind}"')
    markup = decode_html(data, fetched.charset)
    too_deep = nesting_problem(markup, source=redacted(location))
    if too_deep is not None:
        raise UsageError(str(too_deep))
    if date_order is None and settings is not None:
        from ..usecases.inputs import date_order as site_order

        date_order = site_order(settings)
    shown = redacted(location)
    if page_url is not None and not is_web_url(page_url):
        raise click.BadParameter(f"{page_url!r} is not an http(s) URL", param_hint="--url")
    base_url = page_url or (fetched.location if is_web_url(fetched.location) else None)
    found = find_items(markup, source=shown, url=base_url, date_order=date_order, undated=UNDATED_KEPT)
    result = clean_result(found.result)
    undated = [item for item in result.items if item.date is None]
    block = _toml_block(found, name or _name(location), _location(location), date_order,
                        all_undated=bool(result.items) and len(undated) == len(result.items))
    if as_json:
        click.echo(json.dumps({
            "source": shown,
            "found": found.found,
            "method": found.method,
            "selectors": found.selector_map,
            "items": [item_json(item) for item in result.items],
            "problems": [{"line": p.line, "message": p.message} for p in result.problems],
            "feeds": [{"format": f.format, "url": f.url, "title": f.title} for f in found.feeds],
            "candidates": [{"selector": c.selector, "items": c.items, "lacks": list(c.lacks)}
                           for c in found.candidates],
            "toml": block if found.found else None,
        }, ensure_ascii=False, indent=2))
    else:
        _tell(found, result, shown, block, undated)
    if not found.found:
        feeds = "".join(f'; the page advertises its own feed, {f.format} {f.url}: use kind = "feed"'
                        for f in found.feeds[:1])
        raise NothingDetected(f"{shown}: no news list found: {found.why_not()}{feeds}")


def _fetch(location: str, settings):
    from feeds.fetch import fetch, read_file
    from feeds.urls import is_web_url

    if is_web_url(location):
        from ..usecases.inputs import user_agent

        return fetch(location, user_agent=user_agent(settings) if settings else "feedletter")
    if "://" in location:
        raise UsageError(f"{location}: expected a file or an http(s) URL")
    return read_file(Path(location))


def _tell(found, result, shown: str, block: str, undated: list) -> None:
    if not found.found:
        click.echo(f"{shown}: no news list found")
        for candidate in found.candidates:
            click.echo(f"  {candidate.describe()}")
    else:
        how = "JSON-LD" if found.method == "json-ld" else f"{found.method}, item = {found.selector_map['item']!r}"
        click.echo(f"{shown}: {len(result.items)} items ({how})")
        for item in result.items:
            category = f"[{item.category}] " if item.category else ""
            click.echo(f"  {item.date.isoformat() if item.date else 'undated':10}  {category}{item.title}")
            if item.url:
                click.echo(f"              {item.url}")
        for problem in result.problems:
            click.echo(f"  {problem}")
        if undated and len(undated) < len(result.items):
            click.echo(f"  {len(undated)} item{'s' * (len(undated) != 1)} without a date would be skipped in use; "
                       'undated = "first-seen" keeps them')
    for feed in found.feeds:
        click.echo(f'The page advertises its own feed: {feed.format} {feed.url}'
                   + (f' ("{feed.title}")' if feed.title else "") + '; kind = "feed" reads it directly.')
    if found.found:
        click.echo("\n# Paste into feedletter.toml:")
        click.echo(block.rstrip("\n"))


def _name(location: str) -> str:
    parts = urlsplit(location)
    raw = f"{parts.hostname or ''}{parts.path}" if parts.scheme in ("http", "https") else Path(location).stem
    slug = re.sub(r"[^a-z0-9]+", "-", raw.lower().removeprefix("www.")).strip("-")
    return slug[:60].strip("-") or "page"


def _location(location: str) -> str:
    from feeds.urls import is_web_url, redacted

    return redacted(location) if is_web_url(location) else str(Path(location).resolve())


def _toml_block(found, name: str, location: str, date_order: str | None, *, all_undated: bool) -> str:
    """The [[sources]] table, written by tomlkit so any selector stays what it is."""
    import tomlkit

    table = tomlkit.table()
    for feed in found.feeds[:1]:
        table.add(tomlkit.comment(f"The page advertises its own feed ({feed.format}): {feed.url}"))
        table.add(tomlkit.comment(f'to read it instead, set kind = "feed" and location = "{feed.url}"'))
    table["name"] = name
    table["kind"] = "html"
    table["location"] = location
    if date_order:
        table["date_order"] = date_order
    if all_undated:
        table.add(tomlkit.comment("the page prints no dates: its items are dated when first seen"))
        table["undated"] = "first-seen"
    if found.method == "json-ld":
        table.add(tomlkit.comment("the items come from the page's JSON-LD, which detection reads on every run"))
    elif found.selectors:
        selectors = tomlkit.inline_table()
        selectors.update(found.selector_map)
        table["selectors"] = selectors
    document = tomlkit.document()
    sources = tomlkit.aot()
    sources.append(table)
    document["sources"] = sources
    return tomlkit.dumps(document)
