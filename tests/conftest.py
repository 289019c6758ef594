"""Shared fixtures: the bundled sample pages, a fixed clock, and golden-file handling."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsletter.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "examples" / "ilo-coop" / "pages").glob("*.txt"))
GOLDEN = Path(__file__).resolve().parent / "golden"
NOW = datetime(2023, 2, 1, 9, 0, tzinfo=UTC)


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run feedletter in-process at the fixed clock; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with pytest.raises(SystemExit) as exit_info:
            main(["--now", NOW.isoformat(), *args])
    return exit_info.value.code, out.getvalue(), err.getvalue()


def cli_status(config: Path, *args: str) -> int:
    """Run feedletter in-process with a config, output left to pytest's capture; the exit status."""
    try:
        main(["--config", str(config), "--now", NOW.isoformat(), *args])
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite the golden files under tests/golden from the current output.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def golden(update_golden: bool):
    """Compare bytes with a golden file, or rewrite it under --update-golden."""

    def check(name: str, data: bytes) -> None:
        path = GOLDEN / name
        if update_golden:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
        assert data == path.read_bytes(), f"{name} differs from its golden file (pytest --update-golden to accept)"

    return check


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A project directory with a config pointing at a fresh archive and output dir."""
    config = tmp_path / "feedletter.toml"
    config.write_text(
        """
[site]
title = "ILO COOP eNewsUpdate"
base_url = "https://coop-news.example.org/"
timezone = "Europe/Zurich"
tag_authority = "coop-news.example.org,2026"
author = { name = "ILO Cooperatives Unit (COOP)", email = "coop@example.org" }
""",
        encoding="utf-8",
    )
    return config
