"""`feedletter run` draws a progress bar for a person at a terminal, never for cron."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES

FEEDLETTER = Path(sys.executable).with_name("feedletter")


def five_sources(site: Path) -> list[str]:
    sources = "".join(
        f'\n[[sources]]\nname = "page-{n}"\nkind = "listing"\nlocation = "{page}"\n' for n, page in enumerate(SAMPLES)
    )
    site.write_text(site.read_text("utf-8") + sources, "utf-8")
    return [str(FEEDLETTER), "--config", str(site), "--now", "2023-02-01T09:00:00+00:00", "run"]


def test_a_terminal_sees_a_progress_bar(site):
    command = five_sources(site)
    leader, follower = pty.openpty()
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed when the run ended
            break
        if not chunk:
            break
        shown += chunk
    assert process.wait(timeout=60) == 0
    os.close(leader)
    assert b"reading sources" in shown


def test_cron_sees_nothing(site):
    result = subprocess.run(five_sources(site), capture_output=True, timeout=60)
    assert result.returncode == 0
    assert result.stdout == b"" and result.stderr == b""
