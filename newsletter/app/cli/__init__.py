"""The `feedletter` command. Click commands only; `main` is the one place errors become
exit codes.

Exit status: 0 success (item-level problems are warnings), 1 a failure, 2 usage,
config or an input that is not a listing at all. Silent on success unless -v.
"""

from __future__ import annotations

import sys

import click

from feeds.errors import FeedletterError

from . import archive, outputs, sources  # noqa: F401  (each registers its commands)
from .base import cli

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map errors to one stderr line and an exit code."""
    try:
        status = cli.main(args=argv, prog_name="feedletter", standalone_mode=False)
    except FeedletterError as error:
        if not getattr(error, "told", False):
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
