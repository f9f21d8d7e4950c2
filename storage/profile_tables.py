"""The boilerplate profile's SQL, as Archive methods (storage/profiles.py holds the logic).

    >>> with Archive("hrw.db") as archive:  # doctest: +SKIP
    ...     archive.profile_groups("hrw")
    {'*': 412, 'lang:en': 390, 'tpl:node-page': 401}

Tables (migration m005): ``page_blocks`` (one row per stored page: its blocks
before the profile, packed), ``profile_blocks`` (pages per source, group and
block hash) and ``profile_groups`` (pages per source and group).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# (source, group, hash)
BlockKey = tuple[str, str, int]


class ProfileTables:
    """Mixed into Archive: the profile's reads and writes, each one statement or batch."""

    _conn: sqlite3.Connection

    def _errors(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError  # Archive's: sqlite3 errors as named ArchiveErrors

    def stored_text_hash(self, url: str) -> str | None:
        """The text_hash of the article stored at ``url``, or None if there is none."""
        row = self._conn.execute("SELECT text_hash FROM articles WHERE url = ?", [url]).fetchone()
        return None if row is None else row[0]

    def revote_target(self, url: str) -> tuple[int, str | None, str, str, str] | None:
        """(id, fetched_url, capture_hash, title, text) of the article at ``url`` that has a
        capture, or None (crawler.revote re-reads it)."""
        return self._conn.execute(
            "SELECT id, fetched_url, capture_hash, title, text FROM articles"
            " WHERE url = ? AND capture_hash IS NOT NULL",
            [url],
        ).fetchone()

    def page_blocks(self, url: str) -> tuple[str, str, str, bytes] | None:
        """(source, language, template, packed blocks) recorded for ``url``, or None."""
        return self._conn.execute(
            "SELECT source, language, template, blocks FROM page_blocks WHERE url = ?", [url]
        ).fetchone()

    def save_page_blocks(
        self, url: str, source: str, language: str, template: str, packed: bytes, digest: str
    ) -> None:
        """Record (or replace) the pre-profile blocks of the page stored at ``url``."""
        self._conn.execute(
            "INSERT INTO page_blocks (url, source, language, template, blocks, text_hash)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET"
            " source = excluded.source, language = excluded.language,"
            " template = excluded.template, blocks = excluded.blocks,"
            " text_hash = excluded.text_hash",
            [url, source, language, template, packed, digest],
        )

    def count_profile(
        self,
        up: Sequence[tuple[BlockKey, int, str | None, str]],
        down: Sequence[tuple[BlockKey, int]],
        sizes: Sequence[tuple[str, str, int]],
    ) -> None:
        """Apply summed counts: blocks counted up (key, step, text to keep, smallest spelling),
        blocks counted down (key, step < 0), and group sizes (source, group, step)."""
        # A block's text is kept once it repeats (for `pressroom profile`): a new
        # row counted once has none, a row counted again gets the smaller spelling.
        self._conn.executemany(
            "INSERT INTO profile_blocks (source, grp, hash, text, pages)"
            " VALUES (?1, ?2, ?3, ?4, ?5)"
            " ON CONFLICT(source, grp, hash) DO UPDATE SET pages = pages + excluded.pages,"
            " text = CASE WHEN text IS NULL OR text > ?6 THEN ?6 ELSE text END",
            [(*key, kept, step, smallest) for key, step, kept, smallest in up],
        )
        self._conn.executemany(
            "UPDATE profile_blocks SET pages = pages + ? WHERE source = ? AND grp = ? AND hash = ?",
            [(step, *key) for key, step in down],
        )
        # Only the rows just counted down: a scan of the source's whole profile
        # here cost ~3 ms per re-fetched page.
        self._conn.executemany(
            "DELETE FROM profile_blocks WHERE source = ? AND grp = ? AND hash = ? AND pages <= 0",
            [key for key, _ in down],
        )
        self._conn.executemany(
            "INSERT INTO profile_groups (source, grp, pages) VALUES (?, ?, ?)"
            " ON CONFLICT(source, grp) DO UPDATE SET pages = pages + excluded.pages",
            sizes,
        )
        self._conn.executemany(
            "DELETE FROM profile_groups WHERE source = ? AND grp = ? AND pages <= 0",
            [(source, group) for source, group, step in sizes if step < 0],
        )

    def profile_groups(self, source: str) -> dict[str, int]:
        """Pages per profile group of ``source`` (groups with any page)."""
        # The reads `pressroom profile` makes name a damaged file as such (storage.errors).
        with self._errors():
            return dict(
                self._conn.execute(
                    "SELECT grp, pages FROM profile_groups WHERE source = ? AND pages > 0",
                    [source],
                )
            )

    def profile_hashes(self, source: str, group: str, min_pages: int) -> Iterator[tuple[int, int]]:
        """(hash, pages) of the blocks of ``source``'s ``group`` on at least ``min_pages`` pages."""
        # "pages >= 2" lets SQLite use the partial index on repeated blocks.
        with self._errors():
            yield from self._conn.execute(
                "SELECT hash, pages FROM profile_blocks"
                " WHERE source = ? AND grp = ? AND pages >= 2 AND pages >= ?",
                [source, group, min_pages],
            )

    def repeated_blocks(self, source: str) -> Iterator[tuple[str, int, str | None, int]]:
        """(group, hash, text, pages) of every block of ``source`` seen on two pages or more."""
        with self._errors():
            yield from self._conn.execute(
                "SELECT grp, hash, text, pages FROM profile_blocks WHERE source = ? AND pages >= 2",
                [source],
            )

    def profile_pages(self, source: str, group: str) -> int:
        """How many pages of ``source`` the profile's ``group`` has counted (0 for none)."""
        with self._errors():
            row = self._conn.execute(
                "SELECT pages FROM profile_groups WHERE source = ? AND grp = ?", [source, group]
            ).fetchone()
        return int(row[0]) if row else 0

    def recorded_texts(
        self,
        source: str,
        run_id: int | None = None,
        *,
        restricted: bool = False,
        stale_upto: int | None = None,
        stale_urls: Sequence[str] = (),
    ) -> Iterator[tuple[int, str, str | None, str, bytes, str | None, str | None, str | None]]:
        """(id, url, title, text, packed blocks, language, template, description) of
        ``source``'s articles (of ``run_id``)
        whose text still comes from their recorded blocks; ``restricted``: only those with
        ``id <= stale_upto`` or a url in ``stale_urls``. Streamed: a run can be large."""
        where = "a.source = ?" + (" AND a.run_id = ?" if run_id is not None else "")
        params: list[Any] = [source] + ([run_id] if run_id is not None else [])
        if restricted:
            where += " AND (a.id <= ? OR a.url IN (SELECT value FROM json_each(?)))"
            params += [stale_upto if stale_upto is not None else -1, json.dumps(list(stale_urls))]
        yield from self._conn.execute(
            "SELECT a.id, a.url, a.title, a.text, pb.blocks, pb.language, pb.template,"
            " a.description FROM articles a"
            " JOIN page_blocks pb ON pb.url = a.url AND pb.text_hash = a.text_hash"
            f" WHERE {where}",
            params,
        )

    def save_cleaned_texts(self, changes: Iterable[tuple[str, list[Any], str]]) -> None:
        """Store re-cleaned texts: (url, [text, markdown, word_count, text_hash, id], text_hash)."""
        with self._write():  # type: ignore[attr-defined]
            for url, values, digest in changes:
                self._conn.execute(
                    "UPDATE articles SET text = ?, markdown = ?, word_count = ?, text_hash = ?"
                    " WHERE id = ?",
                    values,
                )
                self._conn.execute(
                    "UPDATE page_blocks SET text_hash = ? WHERE url = ?", [digest, url]
                )

    def save_extractors(self, changes: Iterable[tuple[str, int]]) -> None:
        """Store (extractor, article id) pairs: whose reading a re-voted text now is."""
        with self._write():  # type: ignore[attr-defined]
            self._conn.executemany("UPDATE articles SET extractor = ? WHERE id = ?", list(changes))

    def recent_page_blocks(
        self, source: str, limit: int
    ) -> list[tuple[str, str | None, str | None, bytes]]:
        """(url, language, template, packed blocks) of ``source``'s last ``limit`` pages, newest
        first."""
        return self._conn.execute(
            "SELECT url, language, template, blocks FROM page_blocks WHERE source = ?"
            " ORDER BY rowid DESC LIMIT ?",
            [source, limit],
        ).fetchall()

    def last_article_id(self) -> int:
        """The highest ``articles.id`` so far (0 for none)."""
        row = self._conn.execute("SELECT max(id) FROM articles").fetchone()
        return int(row[0] or 0)
