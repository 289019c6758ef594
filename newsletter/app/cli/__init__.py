"""The `feedletter` command. Click commands only; `main` is the one place errors become
exit codes.

Exit status: 0 success (item-level problems are warnings), 1 a failure, 2 usage,
config or an input that is not a listing at all. Silent on success unless -v.
"""

from __future__ import annotations

import signal
import sys

import click

from feeds.errors import FeedletterError, Terminated

from . import archive, delivery, detect, outputs, sources  # noqa: F401  (each registers its commands)
from .base import cli

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map errors to one stderr line and an exit code.
    Ctrl-C and SIGTERM stop any command cleanly: they unwind it as exceptions, so its
    rollbacks and `finally` blocks remove temporary files and release the lock."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        status = cli.main(args=argv, prog_name="feedletter", standalone_mode=False)
    except FeedletterError as error:
        if not getattr(error, "told", False):
            for line in str(error).splitlines() or [""]:  # an error about several inputs: a line each
                click.echo(f"feedletter: {line}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort as abort:
        interrupted = isinstance(abort.__cause__, KeyboardInterrupt)  # Click's wrapping of Ctrl-C
        click.echo("feedletter: interrupted" if interrupted else "feedletter: aborted", err=True)
        sys.exit(130 if interrupted else 1)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Terminated:
        click.echo("feedletter: stopped by SIGTERM", err=True)
        raise
    except BrokenPipeError:
        sys.exit(1)
    finally:
        signal.signal(signal.SIGTERM, previous)
    sys.exit(status if isinstance(status, int) else 0)


def _terminate(signum: int, _frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
    raise Terminated(128 + signum)
