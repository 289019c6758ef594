"""Delivery: how fast personalised messages are built, and sent into a local server.

The December 2022 issue of the bundled sample site (examples/ilo-coop) is packaged with a
personal unsubscribe link, then
1. built as N personalised messages (token, Message-ID, To, links filled in), against the
   floor of rebuilding each message with the email package (`build_message`), which is what
   rendering once and substituting saves;
2. sent by `feedletter newsletter --send` to N subscribers on one connection to an aiosmtpd
   server on 127.0.0.1 (every answer committed to the archive as it comes), against the
   floor of smtplib alone sending the same N messages on one connection.

    .venv/bin/python benchmarks/delivery.py [--messages 1000]
"""

from __future__ import annotations

import argparse
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FEEDLETTER = Path(sys.executable).parent / "feedletter"
NOW = "2023-02-01T09:00:00+00:00"


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def project(folder: Path, port: int, messages: int) -> Path:
    site = folder / "site"
    shutil.copytree(ROOT / "examples" / "ilo-coop" / "pages", site / "pages")
    (site / "subscribers.txt").write_text("".join(f"reader{n:05d}@example.net\n" for n in range(messages)),
                                          encoding="utf-8")
    config = site / "feedletter.toml"
    config.write_text(f"""
[site]
title = "ILO COOP eNewsUpdate"
base_url = "https://coop-news.example.org/"
timezone = "Europe/Zurich"
tag_authority = "coop-news.example.org,2026"
author = {{ name = "ILO Cooperatives Unit (COOP)", email = "coop@example.org" }}

[newsletter]
title = "ILO COOP eNewsUpdate"
unsubscribe_url = "https://coop-news.example.org/unsubscribe/{{token}}?e={{email}}"

[smtp]
host = "127.0.0.1"
port = {port}
security = "none"
recipients_file = "subscribers.txt"
""", encoding="utf-8")
    feedletter(config, "ingest", *sorted(str(page) for page in (site / "pages").glob("*.txt")))
    feedletter(config, "newsletter", "--month", "2022-12")
    return config


def feedletter(config: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([str(FEEDLETTER), "--config", str(config), "--now", NOW, *args], check=True)
    return time.perf_counter() - start


def build_figures(package: bytes, messages: int) -> tuple[float, float]:
    """(seconds for N personalised messages, seconds for N rebuilt with build_message)."""
    from newsletter.app.subscribers import keyed_digest
    from newsletter.issue.mail import build_message
    from newsletter.issue.personal import MessageTemplate

    link = "https://coop-news.example.org/unsubscribe/{token}?e={email}"
    secret = b"s" * 32
    start = time.perf_counter()
    template = MessageTemplate(package, [link])
    for n in range(messages):
        address = f"reader{n:05d}@example.net"
        template.message(message_id=f"<2022-12.{keyed_digest(secret, '2022-12' + address)}@example.org>",
                         to=address, token=keyed_digest(secret, address), email=address)
    personalised = time.perf_counter() - start

    parsed = message_from_bytes(package, policy=policy.default)
    html, text = (parsed.get_body((kind,)).get_content() for kind in ("html", "plain"))
    sample = min(messages, 200)
    start = time.perf_counter()
    for n in range(sample):
        build_message(subject=str(parsed["Subject"]), from_addr=str(parsed["From"]), to_addr=f"r{n}@example.net",
                      date=datetime(2023, 2, 1, tzinfo=UTC), message_id_seed=str(n), html=html, text=text,
                      list_unsubscribe_https=link)
    rebuilt = (time.perf_counter() - start) * messages / sample
    return personalised, rebuilt


def smtplib_floor(port: int, package: bytes, messages: int) -> float:
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for n in range(messages):
            client.sendmail("coop@example.org", [f"reader{n:05d}@example.net"], package)
    return time.perf_counter() - start


def main() -> None:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="feedletter-bench-") as folder:
            config = project(Path(folder), controller.port, args.messages)
            package = (config.parent / "outbox" / "2022-12.eml").read_bytes()
            personalised, rebuilt = build_figures(package, args.messages)
            floor = smtplib_floor(controller.port, package, args.messages)
            counter.count = 0
            sent = feedletter(config, "newsletter", "--month", "2022-12", "--send")
            assert counter.count == args.messages, counter.count
    finally:
        controller.stop()
    n = args.messages
    print(f"the December 2022 sample issue ({len(package) // 1024} KB package), {n} subscribers:")
    print(f"  messages built:       {personalised:6.2f} s, {n / personalised:8,.0f} messages/s   "
          f"(each rebuilt by build_message: {rebuilt:.2f} s, {rebuilt / personalised:.0f}x slower)")
    print(f"  into a local server:  {sent:6.2f} s, {n / sent:8,.0f} messages/s   "
          f"(smtplib alone, nothing recorded: {floor:.2f} s, {n / floor:,.0f}/s; {sent / floor:.2f}x the floor, "
          "start-up and a committed row per message included)")


if __name__ == "__main__":
    main()
