"""A send killed again and again: `feedletter newsletter --send` to 500 subscribers in a
subprocess, SIGKILLed 20 times mid-send, then sent again until it completes. Nobody is
missed, and a subscriber gets a second copy only of a message that was in flight at a
kill, under the same Message-ID, so a receiver can drop it."""

from __future__ import annotations

import contextlib
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict

import pytest

from tests.conftest import NOW, run_cli
from tests.smtp_fixture import SmtpServer, write_project

SUBSCRIBERS = 500
KILLS = 20


def send_command(config) -> list[str]:
    return [sys.executable, "-c", "from newsletter.app.cli import main; main()",
            "--config", str(config), "--now", NOW.isoformat(), "newsletter", "--send"]


@pytest.mark.slow
def test_twenty_kills_during_a_send_of_500_then_resends(tmp_path):
    everyone = [f"reader{number:03d}@example.net" for number in range(SUBSCRIBERS)]
    random.seed(15)
    with SmtpServer() as smtp:
        config = write_project(tmp_path, smtp.port, subscribers=everyone)
        assert run_cli("--config", str(config), "ingest", str(tmp_path / "news.txt"))[0] == 0
        assert run_cli("--config", str(config), "newsletter")[0] == 0  # the package, once
        kills = 0
        while kills < KILLS:
            before = len(smtp.received)
            wanted = before + random.randint(1, 2 * SUBSCRIBERS // KILLS - 5)
            process = subprocess.Popen(send_command(config), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 120
            while len(smtp.received) < wanted and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            if process.poll() is not None:  # it finished before the kill: nothing left to kill
                break
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
        assert kills >= KILLS - 2, f"only {kills} kills landed mid-send"
        for _ in range(5):  # the resends
            finished = subprocess.run(send_command(config), capture_output=True, text=True, timeout=300)
            if finished.returncode == 0:
                break
        assert finished.returncode == 0, finished.stderr
        received = list(smtp.received)

    copies: dict[str, list[str]] = defaultdict(list)
    for message in received:
        (address,) = message.recipients
        copies[address].append(message.message_id)
    assert set(copies) == set(everyone)  # nobody missed
    repeated = {address: ids for address, ids in copies.items() if len(ids) > 1}
    assert all(len(set(ids)) == 1 for ids in repeated.values())  # a repeat has the same Message-ID
    assert sum(len(ids) - 1 for ids in repeated.values()) <= kills  # at most the one in flight at each kill
    with contextlib.closing(sqlite3.connect(tmp_path / "feedletter.db")) as db:
        rows = dict(db.execute("SELECT address, status FROM deliveries WHERE issue = '2023-01'"))
        recorded_ids = dict(db.execute("SELECT address, message_id FROM deliveries WHERE issue = '2023-01'"))
    assert rows == {address: "accepted" for address in everyone}
    assert all(recorded_ids[address] == ids[0] for address, ids in copies.items())
    assert run_cli("--config", str(config), "newsletter", "--send")[0] == 1  # complete: a repeat mails nobody
