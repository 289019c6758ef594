"""The journal's schema: one script per version, recorded in its own `journal_schema`
table, beside the item archive's (PRAGMA user_version) in the same file."""

from __future__ import annotations

# The journal's schema, one script per version. Archives made before the journal had
# migrations of its own already hold some of these tables: `_version_before_schema`
# tells which steps they have taken.
MIGRATIONS: tuple[str, ...] = (
    # 1: what each configured source last answered (conditional GET validators, the
    # last success and failure), the source problems already reported by `run`, and
    # what the last build made of each part
    """
    CREATE TABLE IF NOT EXISTS sources (
        name TEXT PRIMARY KEY,
        location TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_success TEXT,
        last_failure TEXT,
        last_error TEXT,
        last_status TEXT
    );
    CREATE TABLE IF NOT EXISTS problems_seen (
        source TEXT NOT NULL,
        line INTEGER NOT NULL,
        message_hash TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (source, line, message_hash)
    );
    CREATE TABLE IF NOT EXISTS build_state (part TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
    """,
    # 2: every newsletter send, so a repeated cron line never mails the list twice
    """
    CREATE TABLE sends (
        issue TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('list', 'test')),
        recipients INTEGER NOT NULL,
        refused INTEGER NOT NULL DEFAULT 0,
        message_id TEXT,
        sent_at TEXT NOT NULL
    );
    CREATE INDEX sends_by_issue ON sends (issue, kind);
    """,
    # 3: what each run, ingest and build did (feedletter status), and the text of the
    # problems `run` remembers
    """
    CREATE TABLE runs (
        command TEXT NOT NULL,
        started TEXT NOT NULL,
        finished TEXT NOT NULL,
        added INTEGER NOT NULL DEFAULT 0,
        edited INTEGER NOT NULL DEFAULT 0,
        written INTEGER NOT NULL DEFAULT 0,
        removed INTEGER NOT NULL DEFAULT 0,
        failed TEXT,
        ok INTEGER NOT NULL,
        exit_code INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    ALTER TABLE problems_seen ADD COLUMN message TEXT;
    """,
    # 4: the file-name slug each category was given, kept forever: a category that
    # arrives later never takes over another's feed URL
    """
    CREATE TABLE category_slugs (key TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE);
    """,
    # 5: what a source's server asked for: where it moved for good (fetched from there
    # while the config's location stays), gone (410: not fetched until the location in
    # the config changes), or not before a time (Retry-After)
    """
    ALTER TABLE sources ADD COLUMN moved_to TEXT;
    ALTER TABLE sources ADD COLUMN gone_since TEXT;
    ALTER TABLE sources ADD COLUMN retry_after TEXT;
    """,
    # 6: delivery: the subscribers (an unsubscribe is kept, so no import adds them back), one row
    # per (issue, address) written as the server answers, the secret of the unsubscribe tokens,
    # and the feeds a WebSub hub has not heard of yet (see subscribers.py, deliveries.py, websub.py)
    """
    CREATE TABLE subscribers (
        address TEXT PRIMARY KEY, written TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed')),
        origin TEXT NOT NULL, from_config INTEGER NOT NULL DEFAULT 0, added TEXT NOT NULL, changed TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        issue TEXT NOT NULL, address TEXT NOT NULL, round INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('accepted', 'pending', 'refused')),
        message_id TEXT NOT NULL, reason TEXT, attempts INTEGER NOT NULL, at TEXT NOT NULL,
        PRIMARY KEY (issue, address)
    );
    CREATE INDEX deliveries_by_address ON deliveries (address);
    CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE websub_pending (url TEXT PRIMARY KEY, since TEXT NOT NULL);
    """,
    # 7: the selectors detection chose for each source read without selectors, so a
    # redesign of the page is told instead of silently changing the feed (detections.py)
    """
    CREATE TABLE detected_selectors (
        source TEXT PRIMARY KEY,
        method TEXT NOT NULL,
        selectors TEXT NOT NULL,
        detected TEXT NOT NULL
    );
    """,
    # 8: pictures: what each item page fetched for its og:image answered (a picture, none,
    # or an error), so no page is fetched twice; and the picture files each local source
    # read, so a changed picture is noticed even when its items file is not
    """
    CREATE TABLE page_images (page TEXT PRIMARY KEY, image_url TEXT, image_alt TEXT, image_width INTEGER,
                              image_height INTEGER, error TEXT, checked TEXT NOT NULL);
    CREATE TABLE source_pictures (source TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
                                  PRIMARY KEY (source, path));
    """,
)


def version_before_schema(tables: set[str]) -> int:
    """The journal steps an archive made before `journal_schema` existed has taken:
    its tables were then created by the item archive's own migrations 3, 4 and 6."""
    if "runs" in tables:
        return 3
    if "sends" in tables:
        return 2
    return 0  # step 1 creates only what is missing
