"""Leaving in one click: the unsubscribe WSGI application behind a real HTTP server on
127.0.0.1, reached with the very link a subscriber's message carries."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from feeds.archive import Archive
from newsletter.app.config import load_settings
from newsletter.app.subscribers import Subscribers
from newsletter.app.unsubscribe import LinkPattern, UnsubscribeApp
from newsletter.errors import ConfigError
from tests.conftest import run_cli
from tests.smtp_fixture import SmtpServer, write_project


class Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def project(tmp_path):
    with SmtpServer() as smtp:
        config = write_project(tmp_path, smtp.port)
        assert run_cli("--config", str(config), "ingest", str(tmp_path / "news.txt"))[0] == 0
        yield config, smtp


@pytest.fixture
def server(project):
    config, _ = project
    httpd = make_server("127.0.0.1", 0, UnsubscribeApp(load_settings(config)), handler_class=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    httpd.server_close()


def request(port: int, method: str, target: str, body: bytes | None = None) -> tuple[int, dict, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body is not None else {}
    connection.request(method, target, body=body, headers=headers)
    answer = connection.getresponse()
    result = answer.status, dict(answer.getheaders()), answer.read().decode("utf-8")
    connection.close()
    return result


def one_click_link(smtp, address: str) -> str:
    """The https link of List-Unsubscribe in the message `address` received, as path and query."""
    (received,) = [r for r in smtp.received if r.recipients == [address]][-1:]
    link = re.search(r"<(https://[^>]+)>", str(received.message["List-Unsubscribe"])).group(1)
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def subscribed(config) -> set[str]:
    with Archive.open(load_settings(config).archive) as archive:
        return {s.address for s in Subscribers(archive).subscribed()}


def test_a_one_click_post_unsubscribes_and_the_next_send_skips_that_subscriber(project, server):
    config, smtp = project
    assert run_cli("--config", str(config), "newsletter", "--send")[0] == 0
    link = one_click_link(smtp, "ann@example.net")

    status, headers, page = request(server, "GET", link)  # the footer link: a page asking to confirm
    assert status == 200 and '<form method="post">' in page and "Unsubscribe?" in page
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
    assert "ann@" not in page  # no page tells whose link it is
    assert subscribed(config) == {"ann@example.net", "bob@example.net"}  # a GET changes nothing

    status, _, done = request(server, "POST", link, b"List-Unsubscribe=One-Click")  # RFC 8058
    assert status == 200 and "You are unsubscribed" in done
    assert subscribed(config) == {"bob@example.net"}
    assert request(server, "POST", link, b"List-Unsubscribe=One-Click") == (status, _, done)  # idempotent

    status, _, err = run_cli("--config", str(config), "newsletter", "--send", "--force")
    assert status == 0, err
    assert [r.recipients for r in smtp.received[2:]] == [["bob@example.net"]]
    listed = run_cli("--config", str(config), "subscribers", "list", "--all")[1]
    assert re.search(r"ann@example.net\t.*\tunsubscribed ", listed)


def test_no_answer_tells_whether_an_address_is_subscribed(project, server):
    config, smtp = project
    assert run_cli("--config", str(config), "newsletter", "--send")[0] == 0
    link = one_click_link(smtp, "ann@example.net")
    with Archive.open(load_settings(config).archive) as archive:
        stranger = Subscribers(archive).token("nobody@example.net")  # a valid link of someone never subscribed
    strange_link = f"/unsubscribe/{stranger}?e=nobody%40example.net"
    assert request(server, "GET", link)[2] == request(server, "GET", strange_link)[2]
    assert request(server, "POST", link, b"")[2] == request(server, "POST", strange_link, b"")[2]
    # and a stranger's unsubscribe is kept: no import adds that address later
    assert "nobody@example.net" in run_cli("--config", str(config), "subscribers", "list", "--all")[1]

    forged = re.sub(r"/unsubscribe/[^?]+", "/unsubscribe/" + "A" * 22, link)
    other = link.replace("ann%40example.net", "bob%40example.net")  # ann's token with bob's address
    for bad in (forged, other, "/unsubscribe/short?e=ann%40example.net", "/elsewhere"):
        status, _, page = request(server, "POST", bad, b"List-Unsubscribe=One-Click")
        assert status == 404 and "This link is not valid" in page
    assert subscribed(config) == {"bob@example.net"}  # ann left by her own link above; bob stays
    assert request(server, "DELETE", link)[0] == 405


def test_the_link_is_found_where_the_config_puts_it_and_under_any_mount():
    path = LinkPattern("https://news.example.org/newsletter/leave/{token}")
    token = "a" * 22
    assert path.match(f"/newsletter/leave/{token}", "") == {"token": token}
    assert path.match(f"/leave/{token}", "") == {"token": token}  # behind a proxy that strips /newsletter
    assert path.match("/newsletter/leave/", "") is None
    query = LinkPattern("https://news.example.org/u?list=coop&t={token}&e={email}")
    assert query.match("/u", f"list=coop&t={token}&e=ann%40example.net") == {"token": token,
                                                                              "email": "ann@example.net"}
    assert query.match("/u", "list=coop") is None
    with pytest.raises(ConfigError, match=r"holds no \{token\}"):
        LinkPattern("https://news.example.org/u?e={email}")


def test_the_command_serves_the_pages(project):
    config, _ = project
    with Archive.open(load_settings(config).archive) as archive:
        token = Subscribers(archive).token("ann@example.net")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    server = subprocess.Popen([sys.executable, "-c", "from newsletter.app.cli import main; main()",
                               "--config", str(config), "unsubscribe-server", "--port", "0"],
                              stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = server.stderr.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line).group(1))
        status, _, page = request(port, "GET", f"/unsubscribe/{token}?e=ann%40example.net")
        assert status == 200 and "Unsubscribe?" in page
    finally:
        server.terminate()
        server.wait(timeout=10)
