"""Pipelines: the single writer that puts items into the archive, in batches.

Example (settings.py)::

    ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 800}
    PRESSROOM_DB = "pressroom.db"

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
from functools import partial
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler import drift
from crawler.canonical import CanonicalGuard
from crawler.items import ArticleItem, FailureItem, NotModifiedItem, NotReleaseItem
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

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        pipeline = cls(crawler)
        # Pipelines close before Scrapy knows why the crawl ended; the run is
        # finished from the spider_closed signal, which carries the reason.
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
        if self._buffered() >= self.batch_size:
            self.flush()
        return item

    def _buffered(self) -> int:
        return (
            len(self.articles)
            + len(self.failures)
            + len(self.not_modified)
            + len(self.not_releases)
        )

    def flush(self) -> None:
        """Hand the buffered items to the writer, to be written in one transaction.

        Blocks while a batch is already waiting for the writer: a slow disk
        slows the crawl instead of filling memory. A failed write stops the crawl.
        """
        batch = (self.articles, self.failures, self.not_modified, self.not_releases)
        self.articles, self.failures, self.not_modified, self.not_releases = [], [], [], []
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
        *,
        final: bool,
    ) -> None:  # in the writer thread
        if self.archive_error is not None:
            return  # an earlier batch failed: the crawl is stopping
        assert self.archive is not None
        counts: Counter[str] = Counter()
        # One transaction per batch: a crash loses at most this batch, whole,
        # and the next run fetches exactly those pages again.
        with self.archive.transaction():
            articles, refused = self.canonical.sort(articles, self.archive, final=final)
            failures += refused
            if not_modified:
                self.archive.mark_not_modified([i.url for i in not_modified], self.run_id)
                counts["not_modified"] += len(not_modified)
            rows = []
            for item in articles:
                row = dict(item.article)
                if item.capture is not None:
                    row["capture_hash"] = self._capture(item.capture)
                rows.append(row)
            if rows:
                counts.update(self.archive.save_articles(rows, self.run_id))
                self.profile.record(articles)
            if failures:
                for item in failures:
                    if item.capture is not None:
                        self._capture(item.capture)
                rows = [
                    {"url": f.url, "reason": f.reason, "status": f.status, "source": self.source}
                    for f in failures
                ]
                self.archive.record_failures(rows, self.run_id)
                counts["failed"] += len(failures)
            self._record_pages(articles, not_modified, not_releases)
            counts["not_releases"] += len(not_releases)
        self.counts.update(counts)

    def _record_pages(
        self,
        articles: list[ArticleItem],
        not_modified: list[NotModifiedItem],
        not_releases: list[NotReleaseItem],
    ) -> None:  # in the writer thread
        """What the site said of each page judged, for the next run to compare."""
        assert self.archive is not None
        spider = self.crawler.spider
        known = getattr(spider, "sitemap_lastmods", {})
        pages = [
            {"url": i.listed, "verdict": "release", "lastmod": i.lastmod}
            for i in (*articles, *not_modified)
            if i.listed
        ]
        pages += [
            {"url": i.url, "verdict": "not_release", "reason": i.reason, "lastmod": i.lastmod}
            for i in not_releases
        ]
        sitemaps = bool(spider.source.sitemaps)  # else no lastmod can come later
        for page in pages:
            if not page["lastmod"] and sitemaps:
                page["lastmod"] = known.get(page["url"])
                if not page["lastmod"]:
                    self.undated.add(page["url"])
        if pages:
            rules = getattr(spider, "rules_version", None)
            self.archive.record_pages(self.source, pages, self.run_id, rules)

    def _capture(self, capture: Any) -> str:
        assert self.archive is not None
        return self.archive.save_capture(
            capture.url, capture.status, capture.headers, capture.body, capture.content_type
        )

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
            if self.archive_error is None:
                self._finish(spider, reason)
        except (ArchiveError, sqlite3.Error) as exc:
            self._archive_failed(exc)
        if self.archive_error is not None and self.archive is not None:
            with contextlib.suppress(ArchiveError, sqlite3.Error):
                message = f"archive error: {self.archive_error}"
                self.archive.finish_run(self.run_id, "failed", message=message)
            self.archive.close()
            self.archive = None

    def _finish(self, spider: Any, reason: str) -> None:
        if self.archive is None:
            return
        stats = self.crawler.stats
        counts = {
            "pages_fetched": stats.get_value("response_received_count", 0),
            "articles_new": self.counts["new"],
            "articles_updated": self.counts["updated"],
            "articles_unchanged": self.counts["unchanged"],
            "duplicates": self.counts["duplicates"],
            "failed": self.counts["failed"],
            "skipped": stats.get_value("pressroom/robots_skipped", 0),
            "not_modified": self.counts["not_modified"],
            "not_releases": self.counts["not_releases"],
            "not_releases_skipped": stats.get_value("pressroom/not_release_skipped", 0),
            "lastmod_skipped": stats.get_value("pressroom/lastmod_skipped", 0),
        }
        # Releases known to be current: stored or confirmed this run, or skipped
        # because their sitemap lastmod says they did not change.
        stored = (
            sum(
                counts[k]
                for k in ("articles_new", "articles_updated", "articles_unchanged", "not_modified")
            )
            + counts["lastmod_skipped"]
        )
        if reason == "shutdown":
            status, message = "interrupted", "stopped by Ctrl-C or SIGTERM before the end"
        elif stored == 0 and counts["failed"] > 0:
            status, message = "failed", "no release archived; every page failed"
        elif counts["pages_fetched"] == 0:
            status, message = "failed", "nothing could be fetched"
        elif counts["failed"] > 10 and counts["failed"] > 2 * stored:
            status, message = "failed", f"most pages failed ({counts['failed']} failures)"
        elif stored == 0 and not self.archive.count(source=self.source):
            # Nothing found and nothing archived before: not a rerun that had
            # nothing new (that is ok), but a crawl that found no release.
            status, message = "failed", _nothing_found(stats)
        else:
            status, message = "ok", None
        known = getattr(spider, "sitemap_lastmods", {})
        late = {url: known[url] for url in self.undated if url in known}
        self.archive.add_lastmods(self.source, late, self.run_id)
        self.profile.finish(self.run_id)  # the run's texts, cleaned with the final profile
        quality = self.archive.quality(self.source, self.run_id)
        removed = drift.histogram_median(self.removed)
        quality["run"]["boilerplate_removed"] = removed
        quality["run"]["boilerplate_pages"] = sum(self.removed)
        alarms = drift.warnings(quality["run"], quality["before"])
        self.archive.finish_run(
            self.run_id, status, counts, message, warnings=alarms, boilerplate_removed=removed
        )
        self.archive.close()
        self.archive = None


def _nothing_found(stats: Any) -> str:
    """Why a first crawl archived nothing, for the run's message and the error line."""
    fetched = stats.get_value("response_received_count", 0)
    pages = stats.get_value("pressroom/not_article", 0)
    why = f"no release archived: {fetched} responses, {pages} pages that are not releases"
    over = stats.get_value("pressroom/over_max_pages", 0)
    if over:
        why += f"; --max-pages held back {over} more links"
    return why + " (check the start URL, --allow patterns and --max-pages)"
