"""What every command shares: the group with its global options, the context that
loads the settings once, -v, and how warnings and dry runs are told."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import click

import feeds


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

    def settings_if_any(self):
        """The settings when there is a config file, else None (`parse` works anywhere)."""
        from ..config import config_path

        if self._settings is None and not config_path(self.config_flag).exists():
            return None
        return self.settings

    def say(self, message: str) -> None:
        if self.verbose:
            click.echo(message, err=True)


def verbose_option(command):
    """-v after the command name too ("feedletter run -v"), as well as before it."""

    def more(ctx: click.Context, _param, value: int) -> None:
        if value:
            context = ctx.find_object(Context)
            assert context is not None  # the group made it
            context.verbose += value

    return click.option("--verbose", "-v", count=True, expose_value=False, callback=more,
                        help="Say what was done.")(command)


def parse_now(_ctx, _param, value: str | None) -> datetime | None:
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
@click.option("--now", callback=parse_now, hidden=True, expose_value=True,
              help="Pretend the run happens at this ISO date-time (tests, replays).")
@click.version_option(package_name="feedletter", message="%(prog)s %(version)s" + "".join(
    f"\n{name}: {where}".replace("%", "%%") for name, where in (("feeds", Path(feeds.__file__).parent),
                                                                ("newsletter", Path(__file__).parents[2]))))
@click.pass_context
def cli(ctx: click.Context, config: str | None, templates: str | None, verbose: int, now: datetime | None) -> None:
    """Turn news listing pages into an archive, feeds and a monthly newsletter."""
    ctx.obj = Context(config, verbose, now, templates)


def warn(warnings: tuple[str, ...]) -> None:
    """Warnings reach the user whatever the verbosity: each is told once (see the use cases)."""
    for warning in warnings:
        click.echo(f"feedletter: warning: {warning}", err=True)


def is_month(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        return False
    return len(text) == 7


def month_option(_ctx, _param, value: str | None) -> str | None:
    if value is not None and not is_month(value):
        raise click.BadParameter(f"{value!r} is not a month, expected YYYY-MM")
    return value


def tell_dry_run(ingested, titles: dict[str, str], built=None) -> None:
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
