"""The Archive: one SQLite file of news releases, crawl runs, failures and raw captures.

    >>> with Archive("press.db") as archive:  # doctest: +SKIP
    ...     run = archive.start_run("ec", {"max_pages": 50})
    ...     archive.save_articles([{"url": u, "source": "ec", "text": t}], run)
    ...     archive.finish_run(run, "ok", {"pages_fetched": 1, "new": 1})
    ...     hits = archive.search("human rights", since="2024-01-01")

The crawler is the single writer and writes in batches; any number of readers
(CLI, Datasette, notebooks) may query at the same time thanks to WAL mode.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import sqlite3
import statistics
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from article.text import word_count

from . import unspaced
from .captures import Packed, capture_row, decompress
from .connection import begin_immediate, connect, release_wal, sqlite_errors
from .errors import ArchiveError, ArchiveReadOnly, NeedsUpgrade, NotAnArchive
from .filters import DateLike, where_clause
from .migrations import apply as apply_migrations
from .migrations import foreign_tables, migrations
from .profile_tables import ProfileTables
from .records import (
    ARTICLE_FIELDS,
    CONTENT_FIELDS,
    MANAGED_FIELDS,
    REVISION_FIELDS,
    decode_article,
    dump_json,
    prepare_article,
)
from .search import HIT_FIELDS, filter_clause, ranked, resolve

RUN_STATUSES = ("running", "ok", "failed", "interrupted")
RUN_COUNTS = (
    "pages_fetched",
    "articles_new",
    "articles_updated",
    "articles_unchanged",
    "duplicates",
    "failed",
    "skipped",
    "not_modified",
    "not_releases",
    "not_releases_skipped",
    "lastmod_skipped",
    "outside_patterns",
)
# save_articles() returns new/updated/unchanged; finish_run() accepts those
# names too, so the crawler can add up batch results and pass them straight on.
_COUNT_ALIASES = {
    "new": "articles_new",
    "updated": "articles_updated",
    "unchanged": "articles_unchanged",
}
# outside_patterns: listed by a sitemap, feed or page, left out by the source's
# allow/deny patterns, never fetched.
PAGE_VERDICTS = ("release", "not_release", "outside_patterns")
# What makes a new version of a release: text, title or dates changing.
_VERSION_FIELDS = REVISION_FIELDS
# Copy the current version of an article into revisions before it is replaced.
_KEEP_REVISION = (
    "INSERT INTO revisions (article_id, url, title, description, authors, date_published,"
    " date_modified, text, text_hash, capture_hash, extractor, rules_version, first_fetched,"
    " last_fetched, superseded_at, superseded_by_run)"
    " SELECT id, url, title, description, authors, date_published, date_modified, text,"
    " text_hash, capture_hash, extractor, rules_version, last_changed, last_fetched, ?, ?"
    " FROM articles WHERE id = ?"
)

# Column names below come from these fixed tuples, never from callers.
_ARTICLE_COLUMNS = ", ".join(f"a.{field}" for field in ARTICLE_FIELDS)
_UPSERT_FIELDS = (*CONTENT_FIELDS, *MANAGED_FIELDS)
# ON CONFLICT DO UPDATE (not INSERT OR REPLACE) keeps the row id, keeps
# first_seen, and fires the UPDATE trigger that re-indexes the text in FTS.
_UPSERT = (
    f"INSERT INTO articles ({', '.join(_UPSERT_FIELDS)}) "
    f"VALUES ({', '.join(':' + field for field in _UPSERT_FIELDS)}) "
    "ON CONFLICT(url) DO UPDATE SET "
    + ", ".join(
        f"{field} = excluded.{field}"
        for field in _UPSERT_FIELDS
        if field not in ("url", "first_seen")
    )
)


def _order_by(field: str, direction: str) -> str:
    # Ending every order on id makes equal dates come out the same way each time.
    keys = ("id",) if field == "id" else (field, "id")
    return ", ".join(f"a.{key}{direction}" for key in keys)


_ORDER_FIELDS = ("date_published", "first_seen", "last_fetched", "last_changed", "id")
_ORDERS = {
    **{field: _order_by(field, "") for field in _ORDER_FIELDS},
    **{f"-{field}": _order_by(field, " DESC") for field in _ORDER_FIELDS},
}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Archive(ProfileTables):
    """An open archive file. Use as a context manager, or call close().

        >>> with Archive("press.db", readonly=True) as archive:  # doctest: +SKIP
        ...     archive.stats()["articles"]
        1234

    A writable open turns on WAL, sets a busy timeout and applies pending
    migrations; ``readonly=True`` opens with SQLite's mode=ro and changes nothing.
    ``busy_timeout`` is in milliseconds; ``clock`` returns an aware datetime and
    exists so tests and replays can pin timestamps.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        busy_timeout: int = 10000,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        if not isinstance(busy_timeout, int) or busy_timeout < 0:
            raise ArchiveError(
                f"busy_timeout must be a whole number of ms >= 0, not {busy_timeout!r}"
            )
        self.path = Path(path)
        self.readonly = readonly
        self.busy_timeout = busy_timeout
        self._clock = clock
        self._batch = False  # inside transaction(): writes join it without savepoints
        self._db = connect(self.path, readonly=readonly, busy_timeout=busy_timeout)
        try:
            with self._errors():
                if readonly:
                    self._check_schema()
                else:
                    self._prepare_for_writing()
        except BaseException:
            self._db.close()
            if readonly:
                release_wal(self.path)
            raise

    @classmethod
    def open(cls, path: str | os.PathLike[str], **options: Any) -> Archive:
        """Same as ``Archive(path, **options)``: ``Archive.open("press.db", readonly=True)``."""
        return cls(path, **options)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "readonly" if self.readonly else "writable"
        return f"<Archive {str(self.path)!r} {mode}>"

    def close(self) -> None:
        """Close the connection; safe to call twice.

        A read-only close also lets SQLite remove the ``-wal`` and ``-shm``
        files when no other connection has the archive open (release_wal).
        """
        self._db.close()
        if self.readonly:
            release_wal(self.path)

    @property
    def db(self) -> Database:
        """The sqlite_utils Database behind the archive: ``archive.db["runs"].count``.

        For queries the Archive does not offer; writes made here bypass its checks.
        """
        return self._db

    # -- runs ---------------------------------------------------------------

    def start_run(self, source: str, options: Mapping[str, Any] | None = None) -> int:
        """Record a crawl as running and return its id: ``run = archive.start_run("ec", {})``."""
        with self._write():
            cursor = self._conn.execute(
                "INSERT INTO runs (source, started, status, options) VALUES (?, ?, 'running', ?)",
                [source, self._now(), dump_json(dict(options or {}))],
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: Mapping[str, int] | None = None,
        message: str | None = None,
        warnings: list[str] | None = None,
        boilerplate_removed: float | None = None,
    ) -> None:
        """Close run ``run_id``: ``archive.finish_run(run, "ok", {"pages_fetched": 9, "new": 3})``.

        ``counts`` keys are the runs count columns, or new/updated/unchanged as
        returned by save_articles(); counts not given keep their stored value.
        ``boilerplate_removed`` is the median share of extracted words the
        run's cleaning removed (see quality()).
        """
        if status not in RUN_STATUSES[1:]:
            raise ArchiveError(
                f"run status must be one of {', '.join(RUN_STATUSES[1:])}, not {status!r}"
            )
        columns: dict[str, int] = {}
        for key, value in (counts or {}).items():
            column = _COUNT_ALIASES.get(key, key)
            if column not in RUN_COUNTS:
                raise ArchiveError(
                    f"unknown run count {key!r}; expected one of {', '.join(RUN_COUNTS)}"
                )
            if not isinstance(value, int):
                raise ArchiveError(f"run count {key!r} must be an int, not {value!r}")
            columns[column] = value
        assignments = "".join(f", {column} = :{column}" for column in columns)
        if warnings is not None:
            assignments += ", warnings = :warnings"
        if boilerplate_removed is not None:
            assignments += ", boilerplate_removed = :boilerplate_removed"
        with self._write():
            cursor = self._conn.execute(
                f"UPDATE runs SET finished = :finished, status = :status, message = :message"
                f"{assignments} WHERE id = :run_id",
                {
                    **columns,
                    "finished": self._now(),
                    "status": status,
                    "message": message,
                    "run_id": run_id,
                    "warnings": dump_json(warnings) if warnings is not None else None,
                    "boilerplate_removed": boilerplate_removed,
                },
            )
            if cursor.rowcount == 0:
                raise ArchiveError(f"no run with id {run_id!r}")

    def quality(self, source: str, run_id: int) -> dict[str, dict[str, float]]:
        """Extraction health of one run's new and changed articles vs the source's history.

            >>> archive.quality("hrw", 7)["run"]["median_words"]  # doctest: +SKIP
            612.0

        Returns {"run": {...}, "before": {...}}, each with count, median_words,
        share_dated, share_titled and distinct_titles, for drift alarms;
        "before" also has boilerplate_removed: the median of the source's
        last 20 finished runs' values (None without any).
        """
        started = self._select("SELECT started FROM runs WHERE id = ?", [run_id])
        if not started:
            raise ArchiveError(f"no run with id {run_id!r}")
        since = started[0]["started"]
        sql = (
            "SELECT word_count, date_published, title FROM articles"
            " WHERE source = ? AND last_changed {} ?"
        )
        run_rows = self._select_raw(sql.format(">="), [source, since])
        # History: what was current before this run, i.e. the articles it did
        # not change plus the versions it superseded.
        before_rows = self._select_raw(sql.format("<"), [source, since])
        # Revisions keep no word count: counted here as the articles' were (words of
        # unspaced scripts by their characters; spaces alone gave a Japanese version 5).
        before_rows += [
            {**row, "word_count": word_count(row["text"] or "")}
            for row in self._select_raw(
                "SELECT text, date_published, title FROM revisions WHERE superseded_by_run = ?",
                [run_id],
            )
        ]
        shares = [
            r["boilerplate_removed"]
            for r in self._select_raw(
                "SELECT boilerplate_removed FROM runs WHERE source = ? AND id < ?"
                " AND status = 'ok' AND boilerplate_removed IS NOT NULL ORDER BY id DESC LIMIT 20",
                [source, run_id],
            )
        ]
        before = _quality(before_rows)
        before["boilerplate_removed"] = statistics.median(shares) if shares else None
        return {"run": _quality(run_rows), "before": before}

    def runs(
        self, limit: int | None = None, *, source: str | None = None, run_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Return runs newest first, options decoded: ``archive.runs(limit=5)[0]["status"]``.

        ``source`` keeps one source's runs; ``run_id`` the one run (or none).
        """
        where, params = [], []
        if source is not None:
            where.append("source = ?")
            params.append(source)
        if run_id is not None:
            where.append("id = ?")
            params.append(run_id)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        rows = self._select(
            f"SELECT * FROM runs{clause} ORDER BY id DESC LIMIT ?",
            [*params, _limit(limit, default=-1)],
        )
        for row in rows:
            row["options"] = None if row["options"] is None else json.loads(row["options"])
            row["warnings"] = json.loads(row["warnings"]) if row.get("warnings") else []
        return rows

    # -- articles -----------------------------------------------------------

    def save_articles(
        self, articles: Iterable[Mapping[str, Any]], run_id: int | None, *, fetched: bool = True
    ) -> dict[str, int]:
        """Store a batch in one transaction and return what happened to it.

            >>> archive.save_articles([{"url": u, "source": "ec", "text": t}], 1)  # doctest: +SKIP
            {'new': 1, 'updated': 0, 'unchanged': 0, 'duplicates': 0}

        ``fetched=False``: texts read again from their captures (reextract), nothing
        fetched: an article keeps its last_fetched and run_id (the crawl that fetched it),
        which --recheck-older-than goes by.

        new: url not seen before. unchanged: same text, title and dates (only
        last_fetched, run_id, validators, capture and extractor move). updated: changed
        content; the previous version is copied to ``revisions`` and the row is
        rewritten in place with last_changed bumped (taken back by
        :meth:`restore_unchanged` when the crawl's end-of-run re-clean gives the old
        version again). duplicates: a new url whose
        text is already stored for the same source under another url (an alias
        of a known release), not stored.
        """
        rows = [prepare_article(article) for article in articles]  # validate before writing
        counts = {"new": 0, "updated": 0, "unchanged": 0, "duplicates": 0}
        if not rows:
            return counts
        now = self._now()
        conn = self._conn
        columns = ", ".join(("id", "last_fetched", "run_id", *_VERSION_FIELDS))
        with self._write():
            for row in rows:
                existing = conn.execute(
                    f"SELECT {columns} FROM articles WHERE url = ?", [row["url"]]
                ).fetchone()
                fetch = (now, run_id) if fetched or existing is None else tuple(existing[1:3])
                if existing is None:
                    alias_of = conn.execute(
                        "SELECT id FROM articles"
                        " WHERE source = ? AND text_hash = ? AND url != ? LIMIT 1",
                        [row["source"], row["text_hash"], row["url"]],
                    ).fetchone()
                    if alias_of is not None:
                        counts["duplicates"] += 1
                        continue
                    outcome = "new"
                elif tuple(existing[3:]) == tuple(row[f] for f in _VERSION_FIELDS):
                    # The extractor too: the same text read by another reader than the
                    # row says (a label written before the vote named its reader).
                    conn.execute(
                        "UPDATE articles SET last_fetched = ?, run_id = ?,"
                        " etag = coalesce(?, etag),"
                        " http_last_modified = coalesce(?, http_last_modified),"
                        " capture_hash = coalesce(?, capture_hash),"
                        " extractor = coalesce(?, extractor) WHERE id = ?",
                        [
                            *fetch,
                            row["etag"],
                            row["http_last_modified"],
                            row["capture_hash"],
                            row.get("extractor"),
                            existing[0],
                        ],
                    )
                    counts["unchanged"] += 1
                    continue
                else:
                    conn.execute(_KEEP_REVISION, [now, run_id, existing[0]])
                    outcome = "updated"
                conn.execute(
                    _UPSERT,
                    {
                        **row,
                        "first_seen": now,
                        "last_fetched": fetch[0],
                        "last_changed": now,
                        "run_id": fetch[1],
                    },
                )
                counts[outcome] += 1
        return counts

    def restore_unchanged(self, run_id: int, article_ids: Iterable[int]) -> int:
        """Take back the new versions run ``run_id`` made that are the old one again; how many.

            >>> archive.restore_unchanged(run, [12, 40])  # doctest: +SKIP
            1

        For articles whose text a re-clean or re-vote replaced after they were
        saved (storage/profiles.py ``reclean``, crawler/revote.py): after a site's
        redesign, the texts read before the profile learned the new layout's
        boilerplate differ from the stored ones and became new versions; cleaned
        at the end of the crawl, they are the old texts again. When an article's
        last revision was superseded by ``run_id`` and has the same title, dates
        and text as the article now, the release did not change: the revision is
        deleted and ``last_changed`` goes back to that version's ``first_fetched``
        (the last_changed it had). A text the re-clean left really different keeps
        its revision. The caller counts the restored articles as unchanged.
        """
        same = " AND ".join(f"r.{field} IS a.{field}" for field in _VERSION_FIELDS)
        restored = 0
        conn = self._conn
        with self._write():
            for article_id in dict.fromkeys(article_ids):
                last = conn.execute(
                    f"SELECT r.id, r.first_fetched, r.superseded_by_run IS ? AND {same}"
                    " FROM revisions r JOIN articles a ON a.id = r.article_id"
                    " WHERE r.article_id = ? ORDER BY r.id DESC LIMIT 1",
                    [run_id, article_id],
                ).fetchone()
                if last is None or not last[2]:
                    continue
                conn.execute("DELETE FROM revisions WHERE id = ?", [last[0]])
                # Not title or text: the FTS index (its UPDATE trigger) is not touched.
                conn.execute(
                    "UPDATE articles SET last_changed = ? WHERE id = ?", [last[1], article_id]
                )
                restored += 1
        return restored

    def mark_not_modified(self, urls: Iterable[str], run_id: int | None) -> int:
        """Record that the site answered 304 Not Modified for these URLs; returns how many.

        >>> archive.mark_not_modified(["https://x.org/a"], run)  # doctest: +SKIP
        1
        """
        now = self._now()
        found = 0
        with self._write():
            for url in urls:
                cursor = self._conn.execute(
                    "UPDATE articles SET last_fetched = ?, run_id = ?"
                    " WHERE id = (SELECT id FROM articles WHERE url = ? OR fetched_url = ?"
                    " ORDER BY url = ? DESC LIMIT 1)",
                    [now, run_id, url, url, url],
                )
                found += cursor.rowcount
        return found

    def date_published(self, url: str) -> str | None:
        """The stored date_published of the release at ``url``, or None.

        >>> archive.date_published("https://x.org/a")  # doctest: +SKIP
        '2023-04-11'
        """
        rows = self._select("SELECT date_published FROM articles WHERE url = ?", [url])
        return rows[0]["date_published"] if rows else None

    def validators(self, url: str) -> dict[str, Any] | None:
        """What a conditional re-fetch of ``url`` needs, or None if it was never archived.

        >>> archive.validators("https://x.org/a")  # doctest: +SKIP
        {'etag': '"abc"', 'http_last_modified': 'Mon, 12 Jan 2026 09:30:00 GMT', ...}
        """
        rows = self._select(
            "SELECT url, etag, http_last_modified, last_fetched FROM articles"
            " WHERE url = ? OR fetched_url = ? ORDER BY url = ? DESC LIMIT 1",
            [url, url, url],
        )
        return rows[0] if rows else None

    def last_read(self, url: str) -> tuple[bytes, str] | None:
        """The body and content type of the page the release :meth:`validators` finds for
        ``url`` was last read from in full (its capture), or None: not archived, or
        archived without its page. What a 304 to those validators stands for.

        >>> body, content_type = archive.last_read("https://x.org/a")  # doctest: +SKIP
        """
        rows = self._select(
            "SELECT c.compression, c.body, c.content_type FROM articles a"
            " LEFT JOIN captures c ON c.hash = a.capture_hash"
            " WHERE a.url = ? OR a.fetched_url = ? ORDER BY a.url = ? DESC LIMIT 1",
            [url, url, url],
        )
        # The same row as validators(), whether or not its page is kept.
        if not rows or rows[0]["body"] is None or rows[0]["compression"] != "zstd":
            return None
        return decompress(rows[0]["body"]), rows[0]["content_type"] or ""

    def known(self, urls: Iterable[str]) -> set[str]:
        """Which of ``urls`` are archived (as a release's URL or the URL it was fetched at).

        One query per 500 URLs: a sitemap of 50,000 entries costs 100 queries,
        not 50,000.

        >>> archive.known(["https://x.org/a", "https://x.org/new"])  # doctest: +SKIP
        {'https://x.org/a'}
        """
        wanted = list(dict.fromkeys(urls))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._rows(
                f"SELECT url FROM articles WHERE url IN ({marks})"
                f" UNION SELECT fetched_url FROM articles WHERE fetched_url IN ({marks})",
                chunk + chunk,
            )
            found.update(url for (url,) in rows)
        return found

    # -- pages: what each page was judged, and what the site said of it ----------

    def record_pages(
        self,
        source: str,
        pages: Iterable[Mapping[str, Any]],
        run_id: int | None,
        rules_version: str | None = None,
    ) -> int:
        """Record pages judged this run; returns how many.

            >>> archive.record_pages("ec", [{"url": u, "verdict": "not_release",  # doctest: +SKIP
            ...     "reason": "no article text", "lastmod": "2026-01-12"}], run)
            1

        Each page is a mapping with url, verdict ('release' or 'not_release'),
        and optionally reason and lastmod (the sitemap ``<lastmod>`` or feed
        ``<updated>`` the page was listed with). A page fetched without one
        keeps the lastmod stored before: the fetch is newer than what it said.
        """
        rows = []
        for page in pages:
            if page.get("verdict") not in PAGE_VERDICTS:
                raise ArchiveError(
                    f"page verdict must be one of {', '.join(PAGE_VERDICTS)}, "
                    f"not {page.get('verdict')!r}"
                )
            rows.append(
                [source, page["url"], page["verdict"], page.get("reason"), page.get("lastmod")]
            )
        if not rows:
            return 0
        now = self._now()
        with self._write():
            self._conn.executemany(
                "INSERT INTO pages (source, url, verdict, reason, lastmod, rules_version,"
                " run_id, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(source, url) DO UPDATE SET verdict = excluded.verdict,"
                " reason = excluded.reason, lastmod = coalesce(excluded.lastmod, lastmod),"
                " rules_version = excluded.rules_version, run_id = excluded.run_id,"
                " checked_at = excluded.checked_at",
                [[*row, rules_version, run_id, now] for row in rows],
            )
        return len(rows)

    def forget_left_out(self, source: str, urls: Iterable[str]) -> int:
        """Remove the outside_patterns verdicts of ``urls``: pages found, later in the run
        that recorded them, to be a listing's later pages, never left out; returns how many.

            >>> archive.forget_left_out("ec", ["https://x.org/tags/a?page=2"])  # doctest: +SKIP
            1
        """
        with self._write():
            cursor = self._conn.executemany(
                "DELETE FROM pages WHERE source = ? AND url = ? AND verdict = 'outside_patterns'",
                [(source, url) for url in dict.fromkeys(urls)],
            )
        return cursor.rowcount

    def add_lastmods(self, source: str, lastmods: Mapping[str, str], run_id: int | None) -> int:
        """Set the lastmod of pages run ``run_id`` recorded, by URL; returns how many changed.

        For pages fetched from a link before the sitemap listing them was read.
        """
        with self._write():
            cursor = self._conn.executemany(
                "UPDATE pages SET lastmod = ? WHERE source = ? AND url = ? AND run_id IS ?",
                [(lastmod, source, url, run_id) for url, lastmod in lastmods.items()],
            )
        return cursor.rowcount

    def seen_pages(self, source: str, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The stored judgement of those of ``urls`` the source has one for, by URL.

        One query per 500 URLs, like known().

        >>> seen = archive.seen_pages("ec", ["https://x.org/a"])  # doctest: +SKIP
        >>> seen["https://x.org/a"]["lastmod"]  # doctest: +SKIP
        '2026-01-12T09:30:00+01:00'
        """
        wanted = list(dict.fromkeys(urls))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._select(
                "SELECT url, verdict, lastmod, rules_version, checked_at FROM pages"
                f" WHERE source = ? AND url IN ({marks})",
                [source, *chunk],
            ):
                found[row["url"]] = row
        return found

    def pages(
        self, *, source: str | None = None, verdict: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Stream judged pages, by source and URL: ``archive.pages(verdict="not_release")``."""
        if verdict is not None and verdict not in PAGE_VERDICTS:
            raise ArchiveError(
                f"page verdict must be one of {', '.join(PAGE_VERDICTS)}, not {verdict!r}"
            )
        where, params = [], []
        if source:
            where.append("source = ?")
            params.append(source)
        if verdict:
            where.append("verdict = ?")
            params.append(verdict)
        sql = (
            "SELECT source, url, verdict, reason, lastmod, run_id, checked_at FROM pages"
            + (f" WHERE {' AND '.join(where)}" if where else "")
            + " ORDER BY source, url"
        )
        return self._stream(sql, params, decode=False)

    def running_run(self) -> dict[str, Any] | None:
        """The newest run recorded as running (id, source), or None: ``archive.running_run()``."""
        rows = self._select(
            "SELECT id, source FROM runs WHERE status = 'running' ORDER BY id DESC LIMIT 1"
        )
        return rows[0] if rows else None

    def source_names(self) -> list[str]:
        """Every source the archive has seen, sorted: crawled (a run of its own, not a
        re-extraction), or with articles or judged pages: ``archive.source_names()``."""
        rows = self._select(
            "SELECT source FROM articles UNION SELECT source FROM pages"
            " UNION SELECT source FROM runs WHERE source != '*'"
            " AND coalesce(json_extract(options, '$.reextract'), 0) = 0 ORDER BY source"
        )
        return [row["source"] for row in rows]

    def languages(self) -> list[str]:
        """The languages of the archive's articles, sorted: ``archive.languages()``."""
        rows = self._select(
            "SELECT DISTINCT language FROM articles WHERE language IS NOT NULL ORDER BY language"
        )
        return [row["language"] for row in rows]

    def has_pages(self, source: str) -> bool:
        """True if a crawl of ``source`` judged any page (a release or not)."""
        return bool(self._select("SELECT 1 FROM pages WHERE source = ? LIMIT 1", [source]))

    def last_success(self, source: str) -> str | None:
        """Start time of the source's last run that finished ok (ISO 8601), or None."""
        rows = self._select(
            "SELECT started FROM runs WHERE source = ? AND status = 'ok' ORDER BY id DESC LIMIT 1",
            [source],
        )
        return rows[0]["started"] if rows else None

    def close_abandoned_runs(self, source: str) -> int:
        """Mark the source's runs still 'running' as interrupted (their process is gone),
        with the counts their rows show; return how many.

        Call it only while holding the source's crawl lock: then no live crawl
        can own a 'running' row. A run writes its counts when it ends; one killed
        outright (SIGKILL, power loss) wrote none, though each batch it stored is in
        the archive: they are counted back from the rows that carry its id (what a
        later run fetched again carries that run's id instead, so these are lower bounds).
        """
        with self._write():
            abandoned = self._conn.execute(
                "SELECT id, started FROM runs WHERE source = ? AND status = 'running'", [source]
            ).fetchall()
            for run_id, started in abandoned:
                self._conn.execute(
                    "UPDATE runs SET status = 'interrupted', finished = coalesce(finished, ?),"
                    " message = 'the process ended without finishing the run',"
                    " articles_new = max(articles_new, ?),"
                    " articles_updated = max(articles_updated, ?),"
                    " articles_unchanged = max(articles_unchanged, ?),"
                    " failed = max(failed, ?), not_releases = max(not_releases, ?) WHERE id = ?",
                    [self._now(), *self._stored_by(run_id, started), run_id],
                )
        return len(abandoned)

    def _stored_by(self, run_id: int, started: str) -> tuple[int, int, int, int, int]:
        """(new, updated, unchanged, failed, not releases) as the archive's rows show them
        for run ``run_id``, which began at ``started``."""
        conn = self._conn
        new, changed, kept = conn.execute(
            "SELECT coalesce(sum(first_seen >= ?), 0),"
            " coalesce(sum(first_seen < ? AND last_changed >= ?), 0),"
            " coalesce(sum(last_changed < ?), 0) FROM articles WHERE run_id = ?",
            [started, started, started, started, run_id],
        ).fetchone()
        failed = conn.execute("SELECT count(*) FROM failures WHERE run_id = ?", [run_id]).fetchone()
        not_releases = conn.execute(
            "SELECT count(*) FROM pages WHERE run_id = ? AND verdict = 'not_release'", [run_id]
        ).fetchone()
        return new, changed, kept, failed[0], not_releases[0]

    def stale_urls(self, source: str, older_than: str, limit: int) -> list[tuple[str, str | None]]:
        """(URL, the URL its capture was fetched at) of the source's articles last fetched
        before ``older_than``, the longest unasked first. The URL is the archive's normal
        form (no trailing slash); the capture's is as the site served it, which a server
        that does not redirect may need.

        Unasked since the later of its last fetch and its last failure: a release the
        site removed (404) is never fetched again, and ordered by its last fetch alone
        it took a place in every batch, so that as many removed releases as a batch
        holds stopped the recheck of all the others for good.
        """
        rows = self._select(
            "SELECT url, captured FROM ("
            " SELECT id, last_fetched, url AS own, coalesce(fetched_url, url) AS url,"
            " (SELECT c.url FROM captures c WHERE c.hash = articles.capture_hash) AS captured"
            " FROM articles WHERE source = ? AND last_fetched < ?) AS stale"
            " ORDER BY max(last_fetched, coalesce((SELECT max(f.at) FROM failures f"
            " WHERE f.url IN (stale.own, stale.url, stale.captured)), '')), id LIMIT ?",
            [source, older_than, _limit(limit, default=-1)],
        )
        return [(row["url"], row["captured"]) for row in rows]

    def history(self, url: str) -> list[dict[str, Any]]:
        """Every stored version of a release, oldest first; the last one is current.

        >>> [v["version"] for v in archive.history("https://x.org/a")]  # doctest: +SKIP
        [1, 2, 3]
        """
        current = self.get(url)
        if current is None:
            return []
        old = self._select(
            "SELECT * FROM revisions WHERE article_id = ? ORDER BY id", [current["id"]]
        )
        versions = [decode_article(row) for row in old]
        for version in versions:
            version["current"] = False
        versions.append(
            {
                **current,
                "first_fetched": current["last_changed"],
                "current": True,
            }
        )
        for number, version in enumerate(versions, 1):
            version["version"] = number
        return versions

    def revisions(self, *, source: str | None = None) -> Iterator[dict[str, Any]]:
        """Stream every superseded version (for exports with all revisions)."""
        sql = (
            "SELECT r.*, a.source FROM revisions r JOIN articles a ON a.id = r.article_id"
            + (" WHERE a.source = ?" if source else "")
            + " ORDER BY r.article_id, r.id"
        )
        return self._stream(sql, [source] if source else [])

    def get(self, url: str) -> dict[str, Any] | None:
        """Return the article stored under ``url``, else whose canonical or fetched URL it is.

        >>> archive.get("https://ec.europa.eu/press/ip_24_1")["title"]  # doctest: +SKIP
        'Commission approves ...'
        """
        for column in ("url", "canonical_url", "fetched_url"):
            rows = self._select(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles a"
                f" WHERE a.{column} = ? ORDER BY a.id LIMIT 1",
                [url],
            )
            if rows:
                return decode_article(rows[0])
        return None

    def articles(
        self,
        *,
        source: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        language: str | None = None,
        tag: str | None = None,
        link_domain: str | None = None,
        query: str | None = None,
        title_only: bool = False,
        order: str = "date_published",
        limit: int | None = None,
        decode: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Stream matching articles, one dict at a time, in a deterministic order.

            >>> for a in archive.articles(source="ec", since="2024-01-01"):  # doctest: +SKIP
            ...     print(a["date_published"], a["title"])

        since/until are inclusive YYYY-MM-DD dates matched against the day of
        date_published. order is date_published (default), first_seen,
        last_fetched, last_changed or id, with a leading "-" for newest first;
        ties are broken by id. Undated articles come first (last with "-").
        ``query`` keeps only articles matching that full-text search (same
        syntax as search(); ``title_only`` searches titles), in the same order.
        ``link_domain`` keeps articles whose body links to that domain or a
        subdomain of it (``"un.org"`` matches news.un.org too).
        ``decode=False`` leaves authors, tags and translations as their stored
        JSON text (what exports write out), skipping a decode per row.
        """
        sql, params = self._articles_sql(
            _ARTICLE_COLUMNS,
            source=source,
            since=since,
            until=until,
            language=language,
            tag=tag,
            link_domain=link_domain,
            query=query,
            title_only=title_only,
            order=order,
            limit=limit,
        )
        return self._stream(sql, params, decode=decode)

    def query_notes(self, query: str, *, title_only: bool = False) -> list[str]:
        """What searching ``query`` says for the user: a bound on its words' spellings
        reached (storage/spellings.py); [] mostly. Raises BadQuery as articles() would.

            >>> archive.query_notes("αθηνα")  # doctest: +SKIP
            []
        """
        notes: list[str] = []
        with self._errors():
            resolve(self._conn, query, title_only=title_only, notes=notes)
        return notes

    def article_rows(self, select: str, **filters: Any) -> Iterator[tuple[Any, ...]]:
        """Tuples of ``select`` for the rows articles(**filters) would stream, in its order.

            >>> next(archive.article_rows("a.id, a.url", source="ec"))  # doctest: +SKIP
            (1, 'https://ec.europa.eu/...')

        ``select`` is fixed SQL over alias ``a``, written inside storage (never
        user input): storage/export.py has SQLite compute each row's JSON pieces.
        Arguments are checked at the call.
        """
        sql, params = self._articles_sql(select, **filters)
        return self._rows(sql, params)

    def _articles_sql(
        self,
        select: str,
        *,
        source: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        language: str | None = None,
        tag: str | None = None,
        link_domain: str | None = None,
        query: str | None = None,
        title_only: bool = False,
        order: str = "date_published",
        limit: int | None = None,
    ) -> tuple[str, list[Any]]:
        # Arguments are checked here, eagerly, so a bad date fails at the call
        # rather than at the first next() on the returned iterator.
        if order not in _ORDERS:
            raise ArchiveError(f"unknown order {order!r}; expected one of {', '.join(_ORDERS)}")
        where, params = self._where(
            source, since, until, language, tag, query, title_only, link_domain
        )
        sql = (
            f"SELECT {select} FROM articles a"
            f"{' WHERE ' + where if where else ''} ORDER BY {_ORDERS[order]} LIMIT ?"
        )
        return sql, [*params, _limit(limit, default=-1)]

    def search(
        self,
        query: str,
        *,
        source: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        language: str | None = None,
        tag: str | None = None,
        link_domain: str | None = None,
        title_only: bool = False,
        limit: int = 20,
        notes: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Full-text search, best match first, each hit with a ``[highlighted]`` snippet.

            >>> archive.search("human rights", source="ec")[0]["snippet"]  # doctest: +SKIP
            '… condemned the [human] [rights] situation in …'

        ``query`` is FTS5 syntax (phrases, AND/OR/NOT, prefix*, title:word);
        plain words with punctuation work too; ``title_only`` searches titles
        alone. Words match whatever their accents (αθηνα finds Αθήνα, еще finds
        ещё: storage/spellings.py); ``notes`` gets a line for the user should a
        word have more spellings than are searched. Ranked by bm25, title hits
        weighted 10x (storage/search.py). Raises BadQuery on bad syntax.
        """
        where, params = where_clause(
            source=source,
            since=since,
            until=until,
            language=language,
            tag=tag,
            link_domain=link_domain,
        )
        size = _limit(limit, default=20)
        with self._errors():
            return ranked(
                self._conn,
                query,
                fields=HIT_FIELDS,
                where=where,
                params=params,
                limit=size,
                title_only=title_only,
                notes=notes,
            )

    def release_layouts(self, source: str) -> Iterator[tuple[str, str | None]]:
        """The source's archived releases: (the URL each was fetched at, its page
        template, None when unknown), for a crawl's judge to learn the site from.

        >>> next(archive.release_layouts("ec"))  # doctest: +SKIP
        ('https://x.org/news/a-b', '3f2a9c1d0e4b')
        """
        for url, template in self._rows(
            "SELECT COALESCE(a.fetched_url, a.url), b.template FROM articles a"
            " LEFT JOIN page_blocks b ON b.url = a.url WHERE a.source = ?",
            [source],
        ):
            yield url, template or None

    def has_articles(self, source: str | None = None) -> bool:
        """Whether the archive holds any article (of ``source``): ``archive.has_articles("ec")``."""
        where, params = ("WHERE source = ?", [source]) if source is not None else ("", [])
        rows = self._select(f"SELECT EXISTS (SELECT 1 FROM articles {where}) AS found", params)
        return bool(rows[0]["found"])

    def count(
        self,
        *,
        source: str | None = None,
        since: DateLike | None = None,
        until: DateLike | None = None,
        language: str | None = None,
        tag: str | None = None,
        link_domain: str | None = None,
        query: str | None = None,
        title_only: bool = False,
    ) -> int:
        """How many articles articles() would stream: ``archive.count(source="ec")``."""
        where, params = self._where(
            source, since, until, language, tag, query, title_only, link_domain
        )
        rows = self._select(
            f"SELECT count(*) AS n FROM articles a{' WHERE ' + where if where else ''}", params
        )
        return rows[0]["n"]

    def stats(self) -> dict[str, Any]:
        """Summarise the archive: ``archive.stats()["sources"]`` -> ``{"ec": 120, "un": 87}``.

        Keys: articles, sources {source: n}, languages {language: n} ("unknown"
        when not detected), months {source: {"YYYY-MM": n}} ("unknown" for
        undated articles), failures, runs, captures.
        """
        with self._errors():
            conn = self._conn
            months: dict[str, dict[str, int]] = {}
            for source, month, count in conn.execute(
                "SELECT source, coalesce(substr(date_published, 1, 7), 'unknown') AS month,"
                " count(*) FROM articles GROUP BY source, month ORDER BY source, month"
            ):
                months.setdefault(source, {})[month] = count
            return {
                "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
                "sources": dict(
                    conn.execute(
                        "SELECT source, count(*) FROM articles GROUP BY source ORDER BY source"
                    )
                ),
                "languages": dict(
                    conn.execute(
                        "SELECT coalesce(language, 'unknown') AS lang, count(*) FROM articles"
                        " GROUP BY lang ORDER BY lang"
                    )
                ),
                "months": months,
                "failures": conn.execute("SELECT count(*) FROM failures").fetchone()[0],
                "runs": conn.execute("SELECT count(*) FROM runs").fetchone()[0],
                "captures": conn.execute("SELECT count(*) FROM captures").fetchone()[0],
            }

    # -- failures -----------------------------------------------------------

    def record_failures(self, failures: Iterable[Mapping[str, Any]], run_id: int | None) -> int:
        """Store failed URLs in one transaction and return how many were stored.

        >>> archive.record_failures([{"url": u, "reason": "timeout"}], 1)  # doctest: +SKIP
        1
        """
        now = self._now()
        rows = []
        for failure in failures:
            if not isinstance(failure.get("url"), str) or not isinstance(
                failure.get("reason"), str
            ):
                raise ArchiveError(f"failure {dict(failure)!r} needs a string 'url' and 'reason'")
            rows.append(
                [
                    run_id,
                    failure.get("source"),
                    failure["url"],
                    failure["reason"],
                    failure.get("status"),
                    now,
                ]
            )
        if rows:
            with self._write():
                self._conn.executemany(
                    "INSERT INTO failures (run_id, source, url, reason, status, at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
        return len(rows)

    def failures(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Return failures, oldest first, of one run or all: ``archive.failures(run_id)``."""
        if run_id is None:
            return self._select("SELECT * FROM failures ORDER BY id")
        return self._select("SELECT * FROM failures WHERE run_id = ? ORDER BY id", [run_id])

    # -- captures -----------------------------------------------------------

    def save_capture(
        self,
        url: str,
        status: int | None,
        headers: Mapping[Any, Any] | None,
        body: bytes | Packed,
        content_type: str | None,
    ) -> str:
        """Keep a raw response (zstd-compressed, once per distinct body); return its sha256.

        >>> archive.save_capture(url, 200, headers, b"<p>hi</p>", "text/html")  # doctest: +SKIP
        '0a4735281db7...'

        ``body`` may come already hashed and compressed by :func:`storage.captures.pack`.
        """
        if not isinstance(body, Packed):
            body = bytes(body)
        row = capture_row(url, status, headers, body, content_type, fetched_at=self._now())
        with self._write():
            # OR IGNORE: an identical body seen again (a mirror URL, an unchanged
            # page on the next crawl) keeps its first row.
            self._conn.execute(
                f"INSERT OR IGNORE INTO captures ({', '.join(row)})"
                f" VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
        return row["hash"]

    def capture_body(self, hash: str) -> bytes:
        """Return the uncompressed body of capture ``hash``: ``archive.capture_body(h)[:15]``."""
        rows = self._select("SELECT compression, body FROM captures WHERE hash = ?", [hash])
        if not rows:
            raise ArchiveError(f"no capture with hash {hash!r}")
        compression, body = rows[0]["compression"], rows[0]["body"]
        if compression != "zstd":
            raise ArchiveError(f"capture {hash!r} uses unknown compression {compression!r}")
        return decompress(body)

    def capture(self, hash: str) -> dict[str, Any]:
        """A capture's record with its body decompressed and headers decoded.

        >>> archive.capture(h)["content_type"]  # doctest: +SKIP
        'text/html; charset=utf-8'
        """
        rows = self._select(
            "SELECT hash, url, status, headers, content_type, size, fetched_at"
            " FROM captures WHERE hash = ?",
            [hash],
        )
        if not rows:
            raise ArchiveError(f"no capture with hash {hash!r}")
        record = rows[0]
        record["headers"] = json.loads(record["headers"]) if record["headers"] else {}
        record["body"] = self.capture_body(hash)
        return record

    def captures(self, *, source: str | None = None) -> Iterator[dict[str, Any]]:
        """Stream the capture records (with bodies) behind the archived articles."""
        where = " AND source = ?" if source else ""
        sql = (
            f"SELECT capture_hash FROM articles WHERE capture_hash IS NOT NULL{where}"
            " UNION SELECT capture_hash FROM revisions WHERE capture_hash IS NOT NULL"
            f" AND article_id IN (SELECT id FROM articles WHERE 1{where})"
            " ORDER BY 1"
        )
        for row in self._select(sql, [source, source] if source else []):
            yield self.capture(row["capture_hash"])

    # -- internals ----------------------------------------------------------

    @property
    def _conn(self) -> sqlite3.Connection:
        return self._db.conn

    def _now(self) -> str:
        # Whole seconds in UTC: 2026-11-27T21:03:12+00:00 sorts as text.
        return self._clock().astimezone(dt.UTC).replace(microsecond=0).isoformat()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Several writes as one transaction: all of them are stored, or none.

        >>> with archive.transaction():  # doctest: +SKIP
        ...     h = archive.save_capture(url, 200, headers, body, "text/html")
        ...     archive.save_articles([{**row, "capture_hash": h}], run_id)

        Also cheaper than a transaction per write: one commit for the batch.
        """
        with self._write():
            outer, self._batch = self._batch, True
            try:
                yield
            finally:
                self._batch = outer

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        return sqlite_errors(self.path, busy_timeout=self.busy_timeout)

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        if self.readonly:
            raise ArchiveReadOnly(
                f"cannot write to archive {str(self.path)!r}: it was opened read-only"
            )
        with self._errors():
            if self._batch:
                # Inside transaction(): an error rolls the whole batch back anyway.
                yield
                return
            if self._conn.in_transaction:
                # A power user's own transaction via .db: nest as a savepoint.
                with self._db.atomic():
                    yield
                return
            # IMMEDIATE takes the write lock up front, where busy_timeout
            # applies; a deferred BEGIN that upgrades later can fail with
            # SQLITE_BUSY at once, without waiting, when another writer got in.
            begin_immediate(self._conn, self.busy_timeout)  # Ctrl-C heard while it waits
            try:
                yield
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _where(
        self,
        source: str | None,
        since: DateLike | None,
        until: DateLike | None,
        language: str | None,
        tag: str | None,
        query: str | None,
        title_only: bool,
        link_domain: str | None = None,
    ) -> tuple[str, list[Any]]:
        where, params = where_clause(
            source=source,
            since=since,
            until=until,
            language=language,
            tag=tag,
            link_domain=link_domain,
        )
        if query is not None:
            with self._errors():
                matched = resolve(self._conn, query, title_only=title_only)
            if unspaced.applies(matched):
                # Chinese, Japanese...: substrings, as search() matches them.
                found = unspaced.condition(matched, title_only=title_only)
                where = " AND ".join(filter(None, [where, found.sql]))
                params = [*params, *found.params]
            else:
                where = " AND ".join(filter(None, [where, filter_clause(title_only)]))
                params = [*params, matched]
        return where, params

    def _select(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        with self._errors():
            return self._select_raw(sql, params or [])

    def _select_raw(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        cursor = self._conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _rows(self, sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
        with self._errors():
            yield from self._conn.execute(sql, params)

    def _stream(
        self, sql: str, params: list[Any], *, decode: bool = True
    ) -> Iterator[dict[str, Any]]:
        with self._errors():
            cursor = self._conn.execute(sql, params)
            names = [column[0] for column in cursor.description]
            for row in cursor:
                record = dict(zip(names, row, strict=True))
                yield decode_article(record) if decode else record

    def _prepare_for_writing(self) -> None:
        # Before anything is written: switching to WAL alone rewrites the header
        # of someone else's database.
        foreign = foreign_tables(self._db)
        if foreign:
            names = ", ".join(foreign[:5])
            if len(foreign) > 5:
                names += f" and {len(foreign) - 5} more"
            raise NotAnArchive(
                f"{str(self.path)!r} is not a pressroom archive: it holds "
                f"table(s) {names} that pressroom did not create"
            )
        # WAL lets readers query while the crawler writes. synchronous=NORMAL is
        # safe from corruption under WAL; a power cut can only lose the last
        # commits, which the next crawl fetches again.
        self._db.enable_wal()
        self._db.execute("PRAGMA synchronous = NORMAL")
        apply_migrations(self._db)

    def _check_schema(self) -> None:
        if not migrations.applied(self._db):
            raise NotAnArchive(
                f"{str(self.path)!r} is not a pressroom archive: it has no pressroom tables"
            )
        pending = [migration.name for migration in migrations.pending(self._db)]
        if pending:
            # Reading never writes (serve, read-only copies), so the reader cannot migrate it.
            raise NeedsUpgrade(
                f"archive {str(self.path)!r} was written by an older pressroom ({pending[0]} "
                f"not applied): migrate it once with `pressroom upgrade --db "
                f"{shlex.quote(str(self.path))}` (from Python: open it without readonly)",
                pending,
            )


def _quality(rows: list[dict[str, Any]]) -> dict[str, float]:
    count = len(rows)
    words = sorted(row["word_count"] or 0 for row in rows)
    median = 0.0
    if words:
        middle = count // 2
        median = float(words[middle]) if count % 2 else (words[middle - 1] + words[middle]) / 2
    return {
        "count": count,
        "median_words": median,
        "share_dated": sum(1 for r in rows if r["date_published"]) / count if count else 0.0,
        "share_titled": sum(1 for r in rows if r["title"]) / count if count else 0.0,
        "distinct_titles": len({r["title"] for r in rows if r["title"]}),
    }


_MAX_SQLITE_INTEGER = 2**63 - 1


def _limit(limit: int | None, *, default: int) -> int:
    # -1 is SQLite's "no limit", so one query shape serves both cases.
    if limit is None:
        return default
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ArchiveError(f"limit must be a whole number >= 0, not {limit!r}")
    # SQLite's integers stop at 2**63 - 1 (a larger one is an OverflowError when
    # bound); no archive holds that many rows, so a larger limit means the same.
    return min(limit, _MAX_SQLITE_INTEGER)
