"""Pipelines: the single writer that puts items into the archive, in batches, by small steps.

Example (settings.py)::

    ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 800}
    EXTENSIONS = {"crawler.extensions.RunAccounting": 1000}  # ends the run: counts, status, alarms
    PRESSROOM_DB = "pressroom.db"

Each batch is written by :data:`STEPS`, in order and in one transaction: the
canonical guard (crawler/canonical.py), 304s, articles with their captures,
profile learning (crawler/profile.py), failures with their captures, and the
pages' verdicts. They are steps of the writer rather than Scrapy pipelines of
their own because each needs the batch's transaction (the guard reads the
archive as the batch leaves it; a crash must lose a batch whole).

One writer per crawl keeps SQLite simple and fast: items are buffered and
written in one transaction per batch, by a thread of its own
(:mod:`crawler.writer`) so that the reactor keeps downloading and feeding the
extraction workers meanwhile. A crash loses at most the batches in flight (the
one being written and one waiting), and the next run fetches those pages again.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.canonical import CanonicalGuard
from crawler.items import (
    ArticleItem,
    FailureItem,
    LaterPageItem,
    LeftOutItem,
    NotModifiedItem,
    NotReleaseItem,
)
from crawler.profile import ProfileKeeper
from crawler.writer import WriterThread
from storage import Archive, ArchiveError

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.path = crawler.settings.get("PRESSROOM_DB")
        if not self.path:
            raise NotConfigured("PRESSROOM_DB is not set")
        self.batch_size = max(1, crawler.settings.getint("PRESSROOM_BATCH_SIZE"))
        self.articles: list[ArticleItem] = []
        self.failures: list[FailureItem] = []
        self.not_modified: list[NotModifiedItem] = []
        self.not_releases: list[NotReleaseItem] = []
        self.left_out: list[LeftOutItem] = []
        # The normal forms of the URLs left out this run, to count each once (a menu
        # link outside the patterns is on every page).
        self.left_out_seen: set[str] = set()
        # Listings' and walked pages' later pages named this run (LaterPageItem): never
        # left out, whichever came first; those an earlier batch wrote as left out (a plain
        # link fetched one before the page naming it was read) are taken back.
        self.later: set[str] = set()
        self.taken_back: list[str] = []
        # Pages recorded without a lastmod, fetched from a feed or listing link:
        # their sitemap's, if read later in the run, is added when it ends.
        self.undated: set[str] = set()
        self.counts: Counter[str] = Counter()
        # Everything touching the archive runs in the writer thread, which made it.
        self.writer: WriterThread | None = None
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.archive_error: str | None = None  # set when a write failed: the crawl stops
        self.closing = False
        # Articles keyed by a canonical link other than their URL are written last.
        self.canonical = CanonicalGuard()
        # How much of each page's extracted text cleaning removed, in whole
        # percent: a histogram gives the run's median in constant memory.
        self.removed = [0] * 101
        # Ends the run (counts, status, drift alarms): set by crawler.extensions.RunAccounting.
        self.account: Callable[[StorePipeline, Any, str], None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipeline = cls(crawler)
        # Pipelines close before Scrapy knows why the crawl ended; the run is
        # finished from the spider_closed signal, which carries the reason, by
        # crawler.extensions.RunAccounting (connected first). This handler then
        # finds the writer stopped; without the extension it records the run failed.
        crawler.signals.connect(pipeline.finish, signal=signals.spider_closed)
        return pipeline

    @property
    def source(self) -> str:
        return self.crawler.spider.source.name

    def open_spider(self) -> None:
        self.writer = WriterThread(depth=1).start()
        try:
            self.writer.call(self._open)
        except BaseException:
            self.writer.stop()
            self.writer = None
            raise

    def _open(self) -> None:  # in the writer thread
        self.archive = Archive(self.path)
        options = self.crawler.settings.getdict("PRESSROOM_RUN_OPTIONS")
        self.run_id = self.archive.start_run(self.source, options)
        self.crawler.stats.set_value("pressroom/run_id", self.run_id)
        self.profile = ProfileKeeper(self.archive, self.crawler.spider)
        self.profile.publish()

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            self.articles.append(item)
            if item.removed_share is not None:
                self.removed[min(100, max(0, round(item.removed_share * 100)))] += 1
        elif isinstance(item, FailureItem):
            self.failures.append(item)
        elif isinstance(item, NotModifiedItem):
            self.not_modified.append(item)
        elif isinstance(item, NotReleaseItem):
            self.not_releases.append(item)
        elif isinstance(item, LeftOutItem):
            if item.url not in self.left_out_seen and item.url not in self.later:
                self.left_out_seen.add(item.url)
                self.left_out.append(item)
        elif isinstance(item, LaterPageItem):
            self._later(item.url)
        if self._buffered() >= self.batch_size:
            self.flush()
        return item

    def _later(self, url: str) -> None:
        """``url`` is a later page: left out no more, counted and listed no more."""
        if url in self.later:
            return
        self.later.add(url)
        if url not in self.left_out_seen:
            return
        waiting = [item for item in self.left_out if item.url != url]
        if len(waiting) < len(self.left_out):
            self.left_out = waiting  # not handed to the writer yet
        else:
            self.taken_back.append(url)
        self.crawler.stats.inc_value("pressroom/left_out_taken_back")
        logger.debug("a later page, not left out after all: %s", url)

    def _buffered(self) -> int:
        return (
            len(self.articles)
            + len(self.failures)
            + len(self.not_modified)
            + len(self.not_releases)
            + len(self.left_out)
            + len(self.taken_back)
        )

    def flush(self) -> None:
        """Hand the buffered items to the writer, to be written in one transaction.

        Blocks while a batch is already waiting for the writer: a slow disk
        slows the crawl instead of filling memory. A failed write stops the crawl.
        """
        batch = (
            self.articles,
            self.failures,
            self.not_modified,
            self.not_releases,
            self.left_out,
            self.taken_back,
        )
        self.articles, self.failures, self.not_modified, self.not_releases = [], [], [], []
        self.left_out, self.taken_back = [], []
        if self.archive_error is not None or self.writer is None:
            return
        final = self.closing  # the last batch also writes what the canonical guard held
        if not final and not any(batch):
            return
        self.writer.submit(partial(self._write, *batch, final=final), on_error=self._write_failed)

    def _write_failed(self, exc: BaseException) -> None:  # in the writer thread
        if not isinstance(exc, (ArchiveError, sqlite3.Error)):
            logger.error("writing a batch failed: %s: %s", type(exc).__name__, exc)
        self._archive_failed(exc)

    def _archive_failed(self, exc: BaseException) -> None:
        # A full disk, a writer holding the lock too long, a file gone read-only or
        # corrupt: what was committed stays committed. Stop fetching pages that
        # cannot be stored; crawler.run turns the message into the CLI's error.
        message = str(exc) if isinstance(exc, ArchiveError) else f"archive {self.path!r}: {exc}"
        self.archive_error = " ".join(message.split())
        self.crawler.stats.set_value("pressroom/archive_error", self.archive_error)
        if not self.closing:
            self.closing = True
            from twisted.internet import reactor

            # From the writer thread: the engine is the reactor's to stop.
            reactor.callFromThread(self._stop_crawl)  # type: ignore[attr-defined]

    def _stop_crawl(self) -> None:
        engine = self.crawler.engine
        deferred_from_coro(engine.close_spider_async(reason="archive_error"))

    def _write(
        self,
        articles: list[ArticleItem],
        failures: list[FailureItem],
        not_modified: list[NotModifiedItem],
        not_releases: list[NotReleaseItem],
        left_out: list[LeftOutItem],
        taken_back: list[str],
        *,
        final: bool,
    ) -> None:  # in the writer thread
        if self.archive_error is not None:
            return  # an earlier batch failed: the crawl is stopping
        assert self.archive is not None
        batch = Batch(articles, failures, not_modified, not_releases, final, left_out, taken_back)
        # One transaction per batch: a crash loses at most this batch, whole,
        # and the next run fetches exactly those pages again.
        with self.archive.transaction():
            for step in STEPS:
                step(self, batch)
        self.counts.update(batch.counts)

    def close_spider(self) -> None:
        self.closing = True
        self.flush()

    def finish(self, spider: Any, reason: str) -> None:
        """Record how the run ended; after an archive error, as failed if the file lets us."""
        self.closing = True
        if self.writer is None:
            return
        if self._buffered():
            self.flush()  # items that came after close_spider
        try:
            self.writer.call(partial(self._end, spider, reason))
        finally:
            self.writer.stop()
            self.writer = None

    def _end(self, spider: Any, reason: str) -> None:  # in the writer thread
        try:
            if self.archive_error is None and self.archive is not None:
                self.profile.finish(self.run_id)  # the run's texts, cleaned with the final profile
                # Re-cleaned to the version they replaced: unchanged after all. Before the
                # run is accounted for (its counts and the summary line come from here).
                self.counts["updated"] -= self.profile.restored
                self.counts["unchanged"] += self.profile.restored
                if self.account is None:
                    raise ArchiveError(
                        "the run was not accounted for: enable crawler.extensions.RunAccounting"
                    )
                self.account(self, spider, reason)
                self.archive.close()
                self.archive = None
        except (ArchiveError, sqlite3.Error) as exc:
            self._archive_failed(exc)
        if self.archive_error is not None and self.archive is not None:
            with contextlib.suppress(ArchiveError, sqlite3.Error):
                message = f"archive error: {self.archive_error}"
                self.archive.finish_run(self.run_id, "failed", message=message)
            self.archive.close()
            self.archive = None


@dataclass
class Batch:
    """The items of one write, as the steps pass them on, and what happened to them."""

    articles: list[ArticleItem]
    failures: list[FailureItem]
    not_modified: list[NotModifiedItem]
    not_releases: list[NotReleaseItem]
    final: bool  # the crawl's last batch
    left_out: list[LeftOutItem] = field(default_factory=list)
    # URLs an earlier batch counted and recorded as left out, found to be later pages.
    taken_back: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def canonical_guard(store: StorePipeline, batch: Batch) -> None:
    """Hold aliases to the last batch; refuse those naming another release (canonical.py)."""
    batch.articles, refused = store.canonical.sort(batch.articles, store.archive, final=batch.final)
    batch.failures += refused


def not_modified(store: StorePipeline, batch: Batch) -> None:
    """Releases the site answered 304 for: fetched now, unchanged."""
    if batch.not_modified:
        store.archive.mark_not_modified([i.url for i in batch.not_modified], store.run_id)
        batch.counts["not_modified"] += len(batch.not_modified)


def articles(store: StorePipeline, batch: Batch) -> None:
    """Store the articles, each with the capture of the response it came from."""
    rows = []
    for item in batch.articles:
        row = dict(item.article)
        if item.date_hint is not None:
            # A lastmod moves with every edit: the date a release was first stored
            # under stands while its page gives none (crawler.lastmod.date_hint; a
            # feed item's date, which does not move, is kept the same way).
            row["date_published"] = store.archive.date_published(row["url"]) or item.date_hint
        if item.capture is not None:
            row["capture_hash"] = _capture(store, item.capture)
        rows.append(row)
    if rows:
        batch.counts.update(store.archive.save_articles(rows, store.run_id))


def profile_learning(store: StorePipeline, batch: Batch) -> None:
    """Count the stored pages' blocks in the source's boilerplate profile (crawler/profile.py)."""
    if batch.articles:
        store.profile.record(batch.articles)


def failures(store: StorePipeline, batch: Batch) -> None:
    """Record failed pages (with the body, when it says why) for the run's report."""
    if batch.failures:
        for item in batch.failures:
            if item.capture is not None:
                _capture(store, item.capture)
        rows = [
            {"url": f.url, "reason": f.reason, "status": f.status, "source": store.source}
            for f in batch.failures
        ]
        store.archive.record_failures(rows, store.run_id)
        batch.counts["failed"] += len(batch.failures)


def pages(store: StorePipeline, batch: Batch) -> None:
    """What the site said of each page judged, for the next run to compare."""
    spider = store.crawler.spider
    known = getattr(spider, "sitemap_lastmods", {})
    judged = [
        {"url": i.listed, "verdict": "release", "lastmod": i.lastmod}
        for i in (*batch.articles, *batch.not_modified)
        if i.listed
    ]
    judged += [
        {"url": i.url, "verdict": "not_release", "reason": i.reason, "lastmod": i.lastmod}
        for i in batch.not_releases
    ]
    sitemaps = bool(spider.source.sitemaps)  # else no lastmod can come later
    for page in judged:
        if not page["lastmod"] and sitemaps:
            page["lastmod"] = known.get(page["url"])
            if not page["lastmod"]:
                store.undated.add(page["url"])
    if judged:
        rules = getattr(spider, "verdict_version", None)  # what judged the pages
        store.archive.record_pages(store.source, judged, store.run_id, rules)
    batch.counts["not_releases"] += len(batch.not_releases)


def left_out(store: StorePipeline, batch: Batch) -> None:
    """URLs the source's patterns leave out: counted, each once a run, and listed.

    A row is written only for a URL not already recorded as left out: a large
    sitemap whose entries are mostly outside the patterns costs its rows once,
    then one read per 500 entries a run, not a rewrite of every row each night.

    A URL an earlier batch left out that turned out to be a listing's or walked page's
    later page (a plain link fetched it before the page naming it was read) is taken
    back: uncounted, its row removed (``pressroom/left_out_taken_back`` counts them).
    """
    if batch.taken_back:
        batch.counts["outside_patterns"] -= len(batch.taken_back)
        store.archive.forget_left_out(store.source, batch.taken_back)
    if not batch.left_out:
        return
    batch.counts["outside_patterns"] += len(batch.left_out)
    stored = store.archive.seen_pages(store.source, [i.url for i in batch.left_out])
    rows = [
        {"url": i.url, "verdict": "outside_patterns", "reason": i.reason}
        for i in batch.left_out
        if (stored.get(i.url) or {}).get("verdict") != "outside_patterns"
    ]
    if rows:
        rules = getattr(store.crawler.spider, "verdict_version", None)
        store.archive.record_pages(store.source, rows, store.run_id, rules)


# The writer's steps, in order, each batch in one transaction (see the module docstring).
STEPS: tuple[Callable[[StorePipeline, Batch], None], ...] = (
    canonical_guard,
    not_modified,
    articles,
    profile_learning,
    failures,
    pages,
    left_out,
)


def _capture(store: StorePipeline, capture: Any) -> str:
    return store.archive.save_capture(
        capture.url, capture.status, capture.headers, capture.body, capture.content_type
    )
