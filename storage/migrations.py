"""Numbered schema migrations for the archive, applied in order on a writable open.

    >>> from sqlite_utils import Database
    >>> db = Database(memory=True)
    >>> apply(db)[:3]
    ['m001_initial', 'm002_incremental', 'm003_extraction']
    >>> {"articles", "articles_fts", "captures", "failures", "runs"} <= set(db.table_names())
    True
    >>> apply(db)  # an up-to-date archive: nothing to do
    []

Never edit a migration once it has shipped: archives in the wild have already
run it. Change the schema by adding ``m002_...``, ``m003_...`` below. The SQL is
written out literally (rather than built with ``table.create()``) so that what a
migration does can never drift with a sqlite-utils upgrade.

Each migration runs in one transaction together with the record that it ran
(:func:`apply`), so a crash or a kill part-way leaves the archive as it was
before that migration, and the next open runs it again from the start. A
migration must therefore not end the transaction itself: no ``VACUUM``, no
``COMMIT``, no ``PRAGMA foreign_keys`` (a no-op inside a transaction; the
runner turns foreign keys off around every migration instead).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from article.text import word_count

from .connection import begin_immediate

migrations = Migrations("pressroom")


class MigrationError(RuntimeError):
    """A migration could not run in one transaction (a bug in the migration, not the archive)."""


def apply(
    db: Database, *, stop_before: str | None = None, migration_set: Migrations = migrations
) -> list[str]:
    """Apply the pending migrations, each in a transaction of its own; return their names.

    sqlite-utils' own ``Migrations.apply`` is not transactional in every 4.x
    release we accept, and reads what is pending before taking any lock; this
    runner does not depend on the sqlite-utils version. ``BEGIN IMMEDIATE``
    takes the write lock first and the list of applied migrations is read
    again under it, so two processes
    opening the same old archive at once (a crawl and ``pressroom serve``)
    apply each migration once: the second waits, then finds nothing to do.
    """
    if db.conn.in_transaction:
        raise MigrationError("migrations need their own transactions; commit the open one first")
    with db.atomic():  # the table and its unique index, both or neither
        migration_set.ensure_migrations_table(db)
    table = migration_set.migrations_table
    foreign_keys = bool(db.execute("PRAGMA foreign_keys").fetchone()[0])
    if foreign_keys:
        # A table rebuild (sqlite-utils' transform) drops the old table: with
        # foreign keys on, that would fire ON DELETE actions in other tables.
        # The pragma cannot change inside a transaction, so it is set here.
        db.execute("PRAGMA foreign_keys = OFF")
    done: list[str] = []
    try:
        for migration in migration_set.pending(db):
            if migration.name == stop_before:
                break
            if not getattr(migration, "transactional", True):
                raise MigrationError(
                    f"migration {migration.name} is registered transactional=False; "
                    "pressroom runs every migration in one transaction"
                )
            begin_immediate(db.conn, db.execute("PRAGMA busy_timeout").fetchone()[0])
            try:
                applied = db.conn.execute(
                    f"SELECT 1 FROM [{table}] WHERE migration_set = ? AND name = ?",
                    [migration_set.name, migration.name],
                ).fetchone()
                if applied is None:
                    migration.fn(db)
                    if not db.conn.in_transaction:
                        raise MigrationError(
                            f"migration {migration.name} ended its transaction early "
                            "(a COMMIT, VACUUM or script); its steps would not be atomic"
                        )
                    db.conn.execute(
                        f"INSERT INTO [{table}] (migration_set, name, applied_at) VALUES (?, ?, ?)",
                        [migration_set.name, migration.name, str(dt.datetime.now(dt.UTC))],
                    )
                    done.append(migration.name)
                db.conn.execute("COMMIT")
            except BaseException:
                if db.conn.in_transaction:
                    db.conn.execute("ROLLBACK")
                raise
    finally:
        if foreign_keys:
            db.execute("PRAGMA foreign_keys = ON")
    return done


def foreign_tables(db: Database) -> list[str]:
    """The tables of a database pressroom did not make: none once a pressroom migration is
    recorded (an archive, however old), all of them otherwise.

    >>> foreign_tables(Database(memory=True))  # an empty file becomes an archive
    []
    """
    if migrations.applied(db):
        return []
    tables = set(db.table_names())
    table = migrations.migrations_table
    # apply() makes its table in a transaction of its own, before m001: a first
    # open killed in between leaves it empty, and the file still pressroom's.
    if table in tables and not db.table(table).count:
        tables.discard(table)
    return sorted(tables)


@migrations()
def m001_initial(db: Database) -> None:
    """Create articles (+ FTS5 index), runs, failures and captures."""
    for statement in _M001:
        db.execute(statement)


@migrations()
def m002_incremental(db: Database) -> None:
    """Revisions, HTTP validators, rules versions and richer run records (issue 4)."""
    for statement in _M002:
        db.execute(statement)


_M001 = [
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        source TEXT,
        started TEXT,
        finished TEXT,
        status TEXT,             -- 'running', 'ok', 'failed' or 'interrupted'
        options TEXT,            -- JSON object
        pages_fetched INTEGER DEFAULT 0,
        articles_new INTEGER DEFAULT 0,
        articles_updated INTEGER DEFAULT 0,
        articles_unchanged INTEGER DEFAULT 0,
        duplicates INTEGER DEFAULT 0,
        failed INTEGER DEFAULT 0,
        skipped INTEGER DEFAULT 0,
        message TEXT
    )
    """,
    # Raw responses, stored once per distinct body, so articles can be
    # re-extracted later without going back to the network.
    """
    CREATE TABLE captures (
        hash TEXT PRIMARY KEY,   -- sha256 hex of the uncompressed body
        url TEXT,                -- first URL this body was seen at
        status INTEGER,
        headers TEXT,            -- JSON object
        content_type TEXT,
        size INTEGER,            -- uncompressed size in bytes
        compression TEXT,        -- 'zstd'
        body BLOB,
        fetched_at TEXT
    )
    """,
    # REFERENCES clauses are not enforced (foreign_keys stays off, so the crawler
    # may write in any order) but they let Datasette and sqlite-utils show links.
    """
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,  -- normalised key of the release
        canonical_url TEXT,
        fetched_url TEXT,          -- URL actually fetched, after redirects
        source TEXT NOT NULL,
        title TEXT,
        description TEXT,
        authors TEXT,              -- JSON list
        date_published TEXT,       -- ISO 8601
        date_modified TEXT,
        language TEXT,
        tags TEXT,                 -- JSON list
        translations TEXT,         -- JSON object, language -> url
        text TEXT NOT NULL,
        word_count INTEGER,
        text_hash TEXT,            -- sha256 hex of text
        capture_hash TEXT REFERENCES captures(hash),
        extractor TEXT,            -- e.g. 'trafilatura 2.3.1'
        first_seen TEXT,
        last_fetched TEXT,
        last_changed TEXT,
        run_id INTEGER REFERENCES runs(id)
    )
    """,
    # source leads, so this serves source lookups; date_published second lets
    # articles(source=...) stream in date order without sorting whole rows.
    "CREATE INDEX idx_articles_source ON articles(source, date_published)",
    "CREATE INDEX idx_articles_date_published ON articles(date_published)",
    "CREATE INDEX idx_articles_text_hash ON articles(text_hash)",
    "CREATE INDEX idx_articles_language ON articles(language)",
    # get() also looks articles up by these two URLs.
    "CREATE INDEX idx_articles_canonical_url ON articles(canonical_url)",
    "CREATE INDEX idx_articles_fetched_url ON articles(fetched_url)",
    # External-content FTS5: the index holds no second copy of the text.
    # unicode61 with remove_diacritics 2 lets "reseau" find "réseau"; no porter
    # stemmer because the archive holds many languages, not just English.
    """
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text,
        content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
    END
    """,
    # An external-content index can only delete a row if it is told the old
    # values, hence the 'delete' command with old.* rather than a DELETE.
    """
    CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
    END
    """,
    # Only title/text changes touch the index: a re-crawl that merely bumps
    # last_fetched on thousands of unchanged articles costs no FTS work.
    """
    CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO articles_fts (rowid, title, text) VALUES (new.id, new.title, new.text);
    END
    """,
    """
    CREATE TABLE failures (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        source TEXT,
        url TEXT,
        reason TEXT,
        status INTEGER,            -- HTTP status, or NULL when there was no response
        at TEXT
    )
    """,
    "CREATE INDEX idx_failures_url ON failures(url)",
    "CREATE INDEX idx_failures_run_id ON failures(run_id)",
]

_M002 = [
    "ALTER TABLE articles ADD COLUMN etag TEXT",
    "ALTER TABLE articles ADD COLUMN http_last_modified TEXT",
    "ALTER TABLE articles ADD COLUMN rules_version TEXT",
    "ALTER TABLE runs ADD COLUMN not_modified INTEGER DEFAULT 0",
    "ALTER TABLE runs ADD COLUMN warnings TEXT",  # JSON list of drift warnings
    # Every superseded version of an article, whole, so that edits can be studied.
    # first_fetched..last_fetched is when that version was current on the site.
    """
    CREATE TABLE revisions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER REFERENCES articles(id),
        url TEXT,
        title TEXT,
        description TEXT,
        authors TEXT,
        date_published TEXT,
        date_modified TEXT,
        text TEXT,
        text_hash TEXT,
        capture_hash TEXT REFERENCES captures(hash),
        extractor TEXT,
        rules_version TEXT,
        first_fetched TEXT,
        last_fetched TEXT,
        superseded_at TEXT,
        superseded_by_run INTEGER REFERENCES runs(id)
    )
    """,
    "CREATE INDEX idx_revisions_article_id ON revisions(article_id)",
    "CREATE INDEX idx_revisions_url ON revisions(url)",
]


@migrations()
def m003_extraction(db: Database) -> None:
    """Richer extraction (issue 3): Markdown, bylines, images, PDFs, translation groups,
    and the per-source boilerplate profile."""
    for statement in _M003:
        db.execute(statement)


_M003 = [
    "ALTER TABLE articles ADD COLUMN markdown TEXT",  # the text as Markdown
    "ALTER TABLE articles ADD COLUMN org_author TEXT",  # an organisation byline, apart from people
    "ALTER TABLE articles ADD COLUMN publisher TEXT",
    "ALTER TABLE articles ADD COLUMN image_url TEXT",  # the lead image
    "ALTER TABLE articles ADD COLUMN image_caption TEXT",
    "ALTER TABLE articles ADD COLUMN content_kind TEXT",  # 'html' or 'pdf'
    # Every language version of a release has the same key (its hreflang group).
    "ALTER TABLE articles ADD COLUMN translation_key TEXT",
    "CREATE INDEX idx_articles_translation_key ON articles(translation_key)",
    # The body blocks each stored page had before the profile was applied
    # (zstd-compressed JSON), so texts can be re-cleaned when the profile grows.
    """
    CREATE TABLE page_blocks (
        url TEXT PRIMARY KEY,      -- articles.url
        source TEXT NOT NULL,
        language TEXT NOT NULL,    -- '' when unknown
        template TEXT NOT NULL,    -- fingerprint of the page's layout; '' when unknown
        blocks BLOB NOT NULL,
        text_hash TEXT             -- articles.text_hash when the blocks were recorded
    )
    """,
    "CREATE INDEX idx_page_blocks_source ON page_blocks(source)",
    # On how many pages of a source each block was seen, in each group of pages:
    # all of them ('*'), one language ('lang:fr'), one layout ('tpl:3f2a...');
    # see storage/profiles.py.
    """
    CREATE TABLE profile_blocks (
        source TEXT NOT NULL,
        grp TEXT NOT NULL,
        hash INTEGER NOT NULL,     -- 64-bit hash of the normalised block text
        text TEXT,                 -- the block, kept once it is on two pages
        pages INTEGER NOT NULL,
        PRIMARY KEY (source, grp, hash)
    ) WITHOUT ROWID
    """,
    # Most blocks are on one page; only repeated ones are ever looked up by count.
    "CREATE INDEX idx_profile_blocks_pages ON profile_blocks(source, grp, pages) WHERE pages >= 2",
]


@migrations()
def m004_boilerplate_share(db: Database) -> None:
    """Drift alarm (issue 4): how much of the extracted text each run removed as boilerplate."""
    # Median, over the run's extracted pages, of the share of trafilatura's body
    # words that pressroom's cleaning (rules, furniture, the profile) removed.
    db.execute("ALTER TABLE runs ADD COLUMN boilerplate_removed REAL")


@migrations()
def m005_profile_groups(db: Database) -> None:
    """How many pages each profile group holds, kept as counts (issue 5).

    Counting page_blocks per language and layout after every batch read the
    whole table: 8 ms a batch at 6,000 pages, growing with the site.
    """
    db.execute(
        """
        CREATE TABLE profile_groups (
            source TEXT NOT NULL,
            grp TEXT NOT NULL,         -- '*', 'lang:fr', 'tpl:3f2a...' as in profile_blocks
            pages INTEGER NOT NULL,
            PRIMARY KEY (source, grp)
        ) WITHOUT ROWID
        """
    )
    db.execute(
        """
        INSERT INTO profile_groups (source, grp, pages)
        SELECT source, '*', count(*) FROM page_blocks GROUP BY source
        UNION ALL
        SELECT source, 'lang:' || language, count(*) FROM page_blocks
            WHERE language != '' GROUP BY source, language
        UNION ALL
        SELECT source, 'tpl:' || template, count(*) FROM page_blocks
            WHERE template != '' GROUP BY source, template
        """
    )


@migrations()
def m006_pages(db: Database) -> None:
    """What the site said about each page when it was fetched, and pages that are not
    releases (issue 14): reruns compare sitemap lastmods with these, not with the
    crawler's own clock, and skip known non-release pages whose lastmod did not move."""
    for statement in _M006:
        db.execute(statement)


_M006 = [
    # One row per page a crawl judged: a release (stored, or confirmed by a 304)
    # or not a release. Keyed by the URL as the sitemap or feed listed it, which
    # is what the next run looks up (a release's own key may be its canonical URL).
    """
    CREATE TABLE pages (
        source TEXT NOT NULL,
        url TEXT NOT NULL,
        verdict TEXT NOT NULL,     -- 'release' or 'not_release'
        reason TEXT,               -- why not a release, in the extractor's words
        lastmod TEXT,              -- sitemap <lastmod> or feed <updated>, as the site wrote it
        rules_version TEXT,        -- the source rules the verdict was made with
        run_id INTEGER REFERENCES runs(id),
        checked_at TEXT NOT NULL,  -- when the page was last fetched or confirmed
        PRIMARY KEY (source, url)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX idx_pages_verdict ON pages(verdict, source)",
    # Honest run counts: every sitemap entry lands in exactly one bucket.
    "ALTER TABLE runs ADD COLUMN not_releases INTEGER DEFAULT 0",  # judged this run
    "ALTER TABLE runs ADD COLUMN not_releases_skipped INTEGER DEFAULT 0",  # known, not fetched
    "ALTER TABLE runs ADD COLUMN lastmod_skipped INTEGER DEFAULT 0",  # releases, not fetched
]


@migrations()
def m007_links(db: Database) -> None:
    """The body's outbound links of each release (issue 15): JSON text, a list of
    {"url", "text"}; NULL for releases stored before, until one is stored new or changed
    (an unchanged text only refreshes the fetch's validators)."""
    db.execute("ALTER TABLE articles ADD COLUMN links TEXT")


@migrations()
def m008_outside_patterns(db: Database) -> None:
    """URLs a sitemap, feed or page listed that the source's allow/deny patterns left out
    (never fetched): counted each run, and listed in ``pages`` with the verdict
    ``outside_patterns``."""
    db.execute("ALTER TABLE runs ADD COLUMN outside_patterns INTEGER DEFAULT 0")


# The tokenizer of m009: unicode61 with combining marks (M*) as parts of words, as
# the scripts of India need (स्वास्थ्य: consonants joined by vowel signs and ्), except
# Arabic's and Hebrew's optional vowel points, which stay separators as before: a text
# that writes أيضاً is still found by the أيضا people type.
_POINTS = (
    # Hebrew cantillation marks and vowel points
    (0x0591, 0x05BD),
    (0x05BF, 0x05BF),
    (0x05C1, 0x05C2),
    (0x05C4, 0x05C5),
    (0x05C7, 0x05C7),
    # Arabic honorifics, harakat (fatha, tanween, shadda...), superscript alef
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    # Arabic Quranic annotation marks
    (0x06D6, 0x06DC),
    (0x06DF, 0x06E4),
    (0x06E7, 0x06E8),
    (0x06EA, 0x06ED),
    # Variation selectors (an emoji's U+FE0F): marks, but no part of any word
    (0xFE00, 0xFE0F),
)
SEPARATORS = "".join(chr(c) for first, last in _POINTS for c in range(first, last + 1))
FTS_TOKENIZER = f"unicode61 remove_diacritics 2 categories 'L* N* Co M*' separators '{SEPARATORS}'"


def token_char(char: str) -> bool:
    """Whether FTS_TOKENIZER keeps ``char`` as part of a word (else it separates words).

    >>> token_char("a"), token_char("्"), token_char("\u064b"), token_char("🌍")
    (True, True, False, False)
    """
    category = unicodedata.category(char)
    return (category[0] in "LNM" or category == "Co") and char not in SEPARATORS


@migrations()
def m009_fts_marks(db: Database) -> None:
    """The search index rebuilt with combining marks inside words (issue 16): unicode61
    took them for separators, so ग्रामीण (rural) was indexed as ग र म ण and `search 'राम'`
    found it; Devanagari, Bengali, Tamil... words are now whole tokens. Arabic and
    Hebrew vowel points still separate, as before. The index is external-content: the
    rebuild reads the articles' title and text, and their triggers stay as they are."""
    db.execute("DROP TABLE articles_fts")
    tokenize = FTS_TOKENIZER.replace("'", "''")
    db.execute(
        f"""
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text,
            content='articles', content_rowid='id',
            tokenize='{tokenize}'
        )
        """
    )
    db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')")


@migrations()
def m010_word_counts(db: Database) -> None:
    """Word counts of texts in scripts without spaces counted again (issue 16): a crawl's
    end-of-run re-clean stored them counted by spaces (a Japanese release of 250 words
    had 5), where extraction counts their characters (article.text.word_count). Only
    texts with such characters can differ; the others are left as they are."""
    # Streamed: one text in memory at a time, however large the archive.
    changed = [
        (words, article_id)
        for article_id, text, stored in db.conn.execute(
            "SELECT id, text, word_count FROM articles WHERE text IS NOT NULL"
        )
        if not text.isascii() and (words := word_count(text)) != stored
    ]
    if changed:
        db.conn.executemany("UPDATE articles SET word_count = ? WHERE id = ?", changed)
