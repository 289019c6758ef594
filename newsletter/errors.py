"""The errors of the newsletter and the application shell. Like those of `feeds.errors`,
`str(error)` is the whole message a user reads and `exit_code` is the exit status."""

from __future__ import annotations

from feeds.errors import FeedletterError, UsageError


class ConfigError(UsageError):
    """The config file is missing, unreadable, or says something it cannot mean."""


class AddressError(ValueError):
    """A value that is not exactly one e-mail address; `reason` says what is wrong with it."""

    def __init__(self, value: object, reason: str) -> None:
        super().__init__(f"{value!r} is not an e-mail address: it {reason}")
        self.value = value
        self.reason = reason


class InputError(UsageError):
    """Some lines of an input are wrong: one message line for each (`file:line: …`)."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


class RenderError(FeedletterError):
    """A template failed to render (names the template and the problem)."""


class SendError(FeedletterError):
    """The SMTP server could not be reached or refused the whole send."""


class SourcesFailed(FeedletterError):
    """Some configured sources failed in a run; each was told on a line of its own,
    so the summary is recorded but not printed again."""

    told = True

    def __init__(self, names: list[str]):
        super().__init__(f"sources failed: {', '.join(names)}")
        self.names = names


class InputsFailed(FeedletterError):
    """Some inputs of `ingest` or `parse` could not be read; each was told on a line of
    its own. The exit status is the worst of theirs."""

    told = True

    def __init__(self, errors: list[FeedletterError]):
        super().__init__(f"{len(errors)} input{'s' * (len(errors) != 1)} could not be read: "
                         + "; ".join(str(error) for error in errors))
        self.errors = errors
        self.exit_code = max(error.exit_code for error in errors)
