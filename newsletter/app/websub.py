"""WebSub (W3C): after a build that changed feeds, tell the hub of `[feeds] websub_hub`,
so that readers subscribed there hear at once instead of at their next poll.

One `hub.mode=publish` POST per changed feed (`hub.url` = the feed's URL), which every
hub takes. A hub that fails is a warning, never a failed build; the feeds it did not
hear of are remembered in the archive and announced after the next build, whether or
not that build changes them again. An unchanged build with nothing remembered sends
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import urlencode

from feeds.archive import Archive

from .journal import Journal

TIMEOUT = 10.0  # seconds for the hub to answer one announcement
FEED_SUFFIXES = (".atom", ".rss", ".json")


def changed_feeds(base_url: str, written: Sequence[str]) -> list[str]:
    """The URLs of the feeds among the output paths a build wrote."""
    return [base_url + path for path in written
            if PurePosixPath(path).parts[:1] == ("feeds",) and PurePosixPath(path).suffix in FEED_SUFFIXES]


def announce(hub: str, archive: Archive, feeds: Sequence[str], *, today: date, agent: str) -> list[str]:
    """Ping `hub` for `feeds` and for those a previous build could not announce; the
    warnings (at most one: the first failure stops the round, the rest wait)."""
    Journal(archive)  # the schema of the remembered feeds
    database = archive.database
    remembered = [url for (url,) in database.execute("SELECT url FROM websub_pending ORDER BY since, url")]
    topics = list(dict.fromkeys([*feeds, *remembered]))
    warnings, unheard = [], []
    for index, topic in enumerate(topics):
        failure = publish(hub, topic, agent=agent)
        if failure:
            unheard = topics[index:]
            warnings.append(f"WebSub hub {hub}: {failure} (announcing {topic}); {len(unheard)} feed"
                            f"{'s' * (len(unheard) != 1)} not announced, the next build tries again")
            break
    if unheard or remembered:
        stamp = today.isoformat()
        with database.transaction() as db:
            db.execute("DELETE FROM websub_pending")
            db.executemany("INSERT INTO websub_pending (url, since) VALUES (?, ?)", [(url, stamp) for url in unheard])
    return warnings


def publish(hub: str, topic: str, *, agent: str, timeout: float = TIMEOUT) -> str | None:
    """POST one announcement; None when the hub took it (any 2xx), else what went wrong."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        hub, data=urlencode({"hub.mode": "publish", "hub.url": topic}).encode("ascii"), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read(64 * 1024)
            return None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code} {error.reason}".strip()
    except urllib.error.URLError as error:
        return f"cannot reach it ({error.reason})"
    except (OSError, ValueError) as error:  # a timeout, a reset, a URL urllib cannot use
        return f"{error.__class__.__name__}: {error}"
