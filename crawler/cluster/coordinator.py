"""``pressroom crawl ... --redis URL``: the one-machine crawl, its pages fetched by workers.

Example::

    $ pressroom crawl hrw --db hrw.db --redis redis://:PASSWORD@10.0.0.5:6379/0
    run 12 hrw: ok - 140 new, ... (5210 responses)

It is :func:`crawler.run.crawl`, unchanged (same lock, same run record, same
summary line and exit codes), with two settings more:

- ``SCHEDULER`` = :class:`DivertingScheduler`: the spider's page requests
  (candidates, listings, link walking) go to the shared frontier instead of
  this process's downloader; sitemaps and feeds are still fetched here, where
  the incremental rules can ask the archive (a sitemap entry whose lastmod did
  not move is not queued; a known release gets If-None-Match/If-Modified-Since
  before it is pushed). Sitemap entries are pushed as the frontier runs low,
  so Redis holds a bounded part of a big site.
- the :class:`Coordinator` extension: reads the results stream and hands every
  item to the item pipelines, the same single writer as a one-machine crawl
  (``StorePipeline`` + ``WriterThread``); a message is acknowledged (and
  deleted) by a job queued to the writer after its batch, so only once it is
  committed. A result delivered twice (a slow worker whose lease expired) is
  written once. Requests whose leases expired too often are recorded as
  failures. The crawl ends when this process is idle, no sitemap entry waits,
  nothing is queued or leased and every result is committed; then every key
  of the crawl is deleted from Redis.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
import weakref
from functools import partial
from typing import Any

from scrapy import signals
from scrapy.core.scheduler import Scheduler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.cluster import crawls, link, serial
from crawler.cluster.budget import SharedBudget, share
from crawler.cluster.channel import ResultChannel
from crawler.cluster.frontier import Frontier
from crawler.cluster.judgement import CoordinatorJudgement
from crawler.cluster.keys import CrawlKeys
from crawler.cluster.known import KnownUrls
from crawler.cluster.seen import BloomSeen
from crawler.cluster.walks import learn_depth, walk_on_all
from crawler.cluster.worker import make_seen
from crawler.extensions import cluster_failed
from crawler.items import ArticleItem, FailureItem
from crawler.lastmod import stamped

logger = logging.getLogger(__name__)

# Requests the frontier should hold before more sitemap entries become requests.
FRONTIER_LOW, FRONTIER_HIGH = 1000, 2000
TICK = 0.2  # seconds between the coordinator's looks at the frontier
GATHER = 0.3  # seconds the results reader waits for a fuller batch after a short one
# Settings every worker must share with the coordinator.
SHARED_SETTINGS = (
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "DOWNLOAD_WARNSIZE",
    "RETRY_TIMES",
    "REDIRECT_MAX_TIMES",
    "PRESSROOM_MAX_PAGES",
    "PRESSROOM_MAX_HOPS",
    "PRESSROOM_MAX_PER_TEMPLATE",
    "PRESSROOM_FULL",
    "PRESSROOM_MAX_RETRY_AFTER",
    "PRESSROOM_RETRY_BACKOFF",
    "PRESSROOM_MAX_CRAWL_DELAY",
    "PRESSROOM_CLUSTER_LEASE",
    "PRESSROOM_CLUSTER_MAX_ATTEMPTS",
)
DIVERTED = ("parse_page",)  # callbacks whose requests workers fetch
DEAD_RUNS_LOOKED_AT = 20  # latest runs whose Redis keys a new coordinator deletes if left
DEAD_REASON = "no worker finished it: {n} leases expired (a page that kills or stalls workers)"

_coordinators: weakref.WeakKeyDictionary[Any, Coordinator] = weakref.WeakKeyDictionary()


def crawl_name(source_name: str) -> str:
    """A name for one run's keys: the source and a random suffix.

    >>> crawl_name("hrw")[:4], len(crawl_name("my source"))
    ('hrw-', 18)
    """
    return f"{re.sub(r'[^A-Za-z0-9_.-]', '_', source_name)[:40]}-{uuid.uuid4().hex[:8]}"


def crawl(source: Any, db: str, redis_url: str, **options: Any) -> dict[str, Any]:
    """Run the coordinator of a cluster crawl; return the recorded run, as crawler.run.crawl.

    Raises :class:`crawler.cluster.link.LinkError` before anything starts when
    the Redis link is refused (no password to a remote host) or unreachable.
    """
    from crawler.run import crawl as run_crawl

    link.connect(redis_url).close()  # a bad link is said before the archive is touched
    overrides = dict(options.pop("overrides", None) or {})
    overrides.update(
        {
            "SCHEDULER": "crawler.cluster.coordinator.DivertingScheduler",
            "EXTENSIONS": {
                "scrapy.extensions.remote_control.RemoteControl": None,
                "crawler.cluster.coordinator.Coordinator": 100,
                "crawler.extensions.RunAccounting": 1000,
            },
            "PRESSROOM_CLUSTER_REDIS": redis_url,
            "PRESSROOM_CLUSTER_CRAWL": crawl_name(source.name),
            # The frontier is first in, first out: ReleaseSpider._feed must not reverse
            # its batches for Scrapy's default LIFO queue, or the biggest section of the
            # sitemaps goes first and the release judge holds most pages (crawler.judging).
            "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
            # Pages are extracted by the workers: no extraction processes here.
            "PRESSROOM_EXTRACT_WORKERS": 0,
        }
    )
    options.pop("workers", None)
    return run_crawl(source, db, overrides=overrides, **options)


class DivertingScheduler(Scheduler):
    """Scrapy's scheduler, except that page requests are pushed to the shared frontier."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> DivertingScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.coordinator = _coordinators[crawler]
        return scheduler

    def enqueue_request(self, request: Any) -> bool:
        if getattr(request.callback, "__name__", "") in DIVERTED:
            self.coordinator.divert(request)
            return True
        return bool(super().enqueue_request(request))


class Coordinator:
    """The extension that feeds the frontier, writes the workers' results, and ends the crawl."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.url = settings.get("PRESSROOM_CLUSTER_REDIS")
        if not self.url:
            raise NotConfigured("no PRESSROOM_CLUSTER_REDIS")
        self.crawler = crawler
        self.keys = CrawlKeys(settings.get("PRESSROOM_CLUSTER_CRAWL"))
        self.server = link.connect(self.url)
        self.channel = ResultChannel(self.server, self.keys)
        self.frontier: Frontier | None = None
        self.conditional: Any = None
        self.known = KnownUrls(self.server, self.keys)
        self.publish_known = False  # workers read the archive's releases from Redis
        self.seen_leases: set[str] = set()  # results written this run, by lease
        # Requests diverted since the reactor's last turn, pushed together (divert).
        self.diverted: list[Any] = []
        # Messages carrying an article the canonical guard holds to the crawl's
        # last write: acknowledged only after that write, not with their batch.
        self.held_messages: list[str] = []
        # The crawl's release judge, asked about the pages workers read that no rule
        # judges; the messages of the pages it holds are acknowledged at the end too.
        self.judging: CoordinatorJudgement | None = None
        self._settling = False  # the settled pages' records are being handed to the writer
        self.batch_size = max(1, settings.getint("PRESSROOM_BATCH_SIZE"))
        self.busy = False  # a batch of results is being handed to the pipelines
        self.closing = False
        self.done_ticks = 0
        self._last_refresh = 0.0
        self._published_profile: frozenset[int] | None = None
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None
        self._tick: Any = None
        _coordinators[crawler] = self

    @classmethod
    def from_crawler(cls, crawler: Any) -> Coordinator:
        coordinator = cls(crawler)
        crawler.signals.connect(coordinator.opened, signal=signals.spider_opened)
        crawler.signals.connect(coordinator.idle, signal=signals.spider_idle)
        crawler.signals.connect(coordinator.closed, signal=signals.spider_closed)
        return coordinator

    # --- start ----------------------------------------------------------

    def opened(self, spider: Any) -> None:
        try:
            self._open(spider)
        except Exception as exc:  # noqa: BLE001 (any failure to start ends the run, said once)
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        """End the crawl as failed, saying why in one line.

        Scrapy logs an exception raised in a signal handler and goes on, and a
        LoopingCall stops at its first; either way the coordinator would wait for
        workers forever (a Redis user whose ACL lacks a command did that).
        """
        if self.closing:
            return
        from twisted.internet import reactor

        self.closing = True
        logger.debug("the cluster crawl stops", exc_info=exc)  # the run's error line says why
        engine, reason = self.crawler.engine, cluster_failed(exc)
        # Not from inside spider_opened: the engine finishes opening first.
        reactor.callLater(0, lambda: deferred_from_coro(engine.close_spider_async(reason=reason)))

    def _open(self, spider: Any) -> None:
        from twisted.internet import task

        from crawler.middlewares import ConditionalRequestMiddleware

        settings = self.crawler.settings
        self._forget_dead_crawls(spider)
        seen_spec = self._seen_spec(spider)
        self.frontier = Frontier(
            self.server,
            self.keys,
            seen=make_seen(self.server, self.keys, seen_spec),
            lease_seconds=settings.getfloat("PRESSROOM_CLUSTER_LEASE", 120.0),
            max_attempts=settings.getint("PRESSROOM_CLUSTER_MAX_ATTEMPTS", 3),
        )
        if isinstance(self.frontier.seen, BloomSeen):
            self.frontier.seen.create()
        try:
            self.conditional = ConditionalRequestMiddleware.from_crawler(self.crawler)
        except NotConfigured:
            self.conditional = None  # --full
        shared = {name: settings.get(name) for name in SHARED_SETTINGS if name in settings}
        shared["seen"] = seen_spec
        shared["archive"] = self._publish_archive(spider)
        if spider.max_pages:
            limit, ttl = spider.max_pages, crawls.KEYS_TTL
            share(spider, SharedBudget(self.server, self.keys, limit=limit, ttl=ttl))
        config = crawls.CrawlConfig(
            crawl=self.keys.crawl,
            source=crawls.source_to_dict(spider.source),
            delay=settings.getfloat("DOWNLOAD_DELAY"),
            settings=shared,
        )
        self.channel.create_group()
        crawls.publish(self.server, config)
        self._reader = threading.Thread(target=self._read, name="cluster-results", daemon=True)
        self._reader.start()
        self.judging = CoordinatorJudgement(spider, self.crawler.stats)
        # Held pages are settled here once the frontier is drained (tick), not when
        # this process idles, which it does while workers fetch.
        self.crawler.signals.disconnect(spider._settle_when_idle, signal=signals.spider_idle)
        self._tick = task.LoopingCall(self.tick)
        self._tick.start(TICK, now=False).addErrback(lambda failure: self._fail(failure.value))

    def _forget_dead_crawls(self, spider: Any) -> None:
        """Delete the keys of this source's earlier crawls whose coordinator died.

        Holding the source's crawl lock, no earlier run of it is alive (crawler.run
        recorded the dead ones interrupted). Left alone, workers went on fetching the
        dead crawl's frontier until its config expired, and its keys stayed.
        """
        from storage.archive import Archive

        with Archive(self.crawler.settings.get("PRESSROOM_DB"), readonly=True) as archive:
            runs = archive.runs(limit=DEAD_RUNS_LOOKED_AT)
        for run in runs:
            name = (run.get("options") or {}).get("redis_crawl")
            if run["source"] != spider.source.name or run["status"] != "interrupted" or not name:
                continue
            deleted = crawls.finish(self.server, CrawlKeys(name))  # nothing left: a no-op
            if deleted:
                logger.info("deleted %d keys of crawl %s (run %d died)", deleted, name, run["id"])

    def _seen_spec(self, spider: Any) -> dict[str, Any]:
        """A Bloom filter sized for the source: 4x its archived releases, at least 200,000 URLs."""
        archive = spider.incremental_archive(this_run=True)
        archived = archive.count(source=spider.source.name) if archive is not None else 0
        return {"mode": "bloom", "capacity": max(200_000, 4 * archived), "error_rate": 1e-6}

    def _publish_archive(self, spider: Any) -> dict[str, Any] | None:
        """The source's archived releases to Redis, for workers' incremental rules; their mode."""
        archive = spider.incremental_archive(this_run=True)  # None: --full, or no archive
        if archive is None:
            return None
        self.publish_known = True
        published = self.known.publish(archive, spider.source.name)
        self.crawler.stats.set_value("pressroom/cluster/known_published", published)
        return {"first_crawl": bool(getattr(spider, "_first_crawl", False))}

    # --- requests to the frontier -----------------------------------------

    def push(self, requests: list[Any]) -> int:
        assert self.frontier is not None
        spider = self.crawler.spider
        fingerprint = self.crawler.request_fingerprinter.fingerprint
        batch = []
        counts = spider.lastmod_counts
        entries = counts.total()  # once a batch: a sum over every distinct lastmod
        for request in requests:
            if self.conditional is not None:
                self.conditional.process_request(request)  # If-None-Match from the archive
            meta = request.meta
            if meta.get("lastmod_from") == "sitemap" and stamped(
                meta.get("lastmod"), counts, entries
            ):
                # The sitemaps were all read here, not by the worker that dates the page:
                # a generator's stamp is no date hint (ReleaseSpider.parse_page's rule).
                meta["lastmod_from"] = None
            data = serial.dumps(serial.request_dict(request, spider))
            batch.append(
                (data, request.priority, None if request.dont_filter else fingerprint(request))
            )
        stats = self.crawler.stats
        stats.inc_value("pressroom/cluster/pushes")  # round trips
        stats.inc_value("pressroom/cluster/requests_pushed", len(batch))
        return self.frontier.push_many(batch)

    def divert(self, request: Any) -> None:
        """Queue ``request`` for the frontier; pushed with the others diverted this turn.

        The spider hands requests to the engine one at a time (a sitemap's entries, a
        settled page): pushing each alone cost one Redis round trip per page, the
        coordinator's largest cost (17% of its CPU, py-spy). They are pushed in one
        round trip when the reactor next turns, or at once past FRONTIER_LOW.
        """
        self.diverted.append(request)
        if len(self.diverted) >= FRONTIER_LOW:
            self._push_diverted()
        elif len(self.diverted) == 1:
            from twisted.internet import reactor

            reactor.callLater(0, self._push_diverted)

    def _push_diverted(self) -> None:
        requests, self.diverted = self.diverted, []
        if not requests or self.closing:
            return
        try:
            self.push(requests)
        except Exception as exc:  # noqa: BLE001 (Redis away past the link's retries)
            # Kept, not lost: tried again on the next tick; the crawl does not end before.
            logger.warning(
                "pushing %d requests failed: %s: %s", len(requests), type(exc).__name__, exc
            )
            self.diverted[:0] = requests

    def _feed(self, room: int) -> None:
        """Make up to ``room`` waiting sitemap entries requests, pushed in one round trip."""
        spider = self.crawler.spider
        requests = []
        while spider.waiting and len(requests) < room:
            url, lastmod = spider.waiting.popleft()
            request = spider._candidate(url, lastmod=lastmod, lastmod_from="sitemap")
            if request is not None:
                # As ReleaseSpider._feed: sections to sample, by the URL's normal form.
                spider.judge.expect(request.meta.get("listed") or request.url)
                requests.append(request)
        if requests:
            self.push(requests)

    # --- the reactor's loop ---------------------------------------------------

    def tick(self) -> None:
        if self.closing:
            return
        assert self.frontier is not None
        spider = self.crawler.spider
        self._push_diverted()
        counts = self.frontier.counts()
        if spider.waiting and counts.queued < FRONTIER_LOW and self._sitemaps_read(spider):
            self._feed(FRONTIER_HIGH - counts.queued)
        if counts.dead:
            self._record_dead()
        now = time.monotonic()
        if now - self._last_refresh > 5:
            self._last_refresh = now
            crawls.refresh(self.server, self.keys)
            self._publish_profile(spider)
        if self._finished(spider, counts):
            self.done_ticks += 1
            if self.done_ticks >= 2 and self.judging is not None and self.judging.holding:
                self.done_ticks = 0
                self._settle()
            elif self.done_ticks >= 2:  # seen twice, TICK apart: nothing was between two steps
                self.closing = True
                engine = self.crawler.engine
                deferred_from_coro(engine.close_spider_async(reason="finished"))
        else:
            self.done_ticks = 0

    def _sitemaps_read(self, spider: Any) -> bool:
        """As ReleaseSpider._feed: entries wait until every sitemap file is read (or this
        process idles), so the first pages span the site's sections, which the release
        judge samples before its verdicts."""
        return spider.sitemaps_pending <= 0 or self.crawler.engine.spider_is_idle()

    def _finished(self, spider: Any, counts: Any) -> bool:
        # Order matters: the frontier first, then the stream. A worker completes a
        # lease and sends its result in one step, so a frontier seen empty has
        # every result already in the stream.
        if spider.waiting or self.diverted or self.busy or self._settling:
            return False
        if counts.queued or counts.inflight or counts.dead:
            return False
        if not self.crawler.engine.spider_is_idle():
            return False  # sitemaps or feeds still being fetched here
        # Held articles' messages stay in the stream until the last write (after this).
        return self.channel.backlog() <= len(self.held_messages)

    def _settle(self) -> None:
        """The judge's held pages, now that every other page was read: as on one machine,
        releases are fetched again (by the workers) and the others recorded unfetched."""
        assert self.judging is not None
        again, settled = self.judging.settle()
        if again:
            self.push(again)
        if settled:
            self._settling = True
            done = deferred_from_coro(self._write(list(settled), []))
            done.addBoth(self._settled)

    def _settled(self, result: Any) -> Any:
        self._settling = False
        return result

    def idle(self) -> None:
        if not self.closing:
            raise DontCloseSpider  # the workers are at work; tick() ends the crawl

    def _record_dead(self) -> None:
        assert self.frontier is not None
        items = []
        for lease in self.frontier.take_dead():
            try:
                url = serial.loads(lease.data)["url"]
            except (serial.BadMessage, KeyError, TypeError):
                continue
            items.append(FailureItem(url, DEAD_REASON.format(n=lease.attempts)))
        if items:
            deferred_from_coro(self._write(items, []))

    def _publish_profile(self, spider: Any) -> None:
        profile = getattr(spider, "boilerplate", None)
        if profile is not None and profile is not self._published_profile:
            self._published_profile = profile
            self.server.set(self.keys.profile, json.dumps(sorted(profile)))

    # --- results ----------------------------------------------------------

    def _read(self) -> None:  # in its own thread: XREADGROUP blocks
        from twisted.internet import reactor
        from twisted.internet.threads import blockingCallFromThread

        consumer = f"coordinator-{self.keys.crawl}"
        while not self._stop.is_set():
            try:
                batch = self.channel.receive(consumer, count=self.batch_size, block=0.5)
                if batch and len(batch) < self.batch_size:
                    # Let more arrive, then take them in one read: each batch written costs
                    # a transaction and a profile update (near-duplicate compaction) whatever
                    # its size; batches of what came in 50 ms made profile learning cost the
                    # coordinator twice what it costs one machine per page (py-spy).
                    time.sleep(GATHER)
                    batch += self.channel.receive(  # (BLOCK 0 would wait forever: 10 ms)
                        consumer, count=self.batch_size - len(batch), block=0.01
                    )
            except Exception as exc:  # noqa: BLE001 (Redis away longer than the link's retries)
                if self._stop.is_set():
                    return  # the crawl ended: its keys were deleted under a blocked read
                logger.warning("reading results failed: %s: %s", type(exc).__name__, exc)
                time.sleep(1)
                continue
            if not batch or self._stop.is_set():
                continue
            self.busy = True
            try:
                blockingCallFromThread(reactor, self._consume, batch)
            except Exception as exc:  # noqa: BLE001
                logger.error("writing results failed: %s: %s", type(exc).__name__, exc)
            finally:
                self.busy = False

    def _consume(self, batch: list[tuple[str, Any]]) -> Any:  # in the reactor
        if self.closing:
            return None
        items: list[Any] = []
        acks: list[str] = []
        walks: list[Any] = []  # walked pages answered 304: walked on from their captures here
        stats = self.crawler.stats
        for mid, message in batch:
            lease = message.get("lease")
            if lease in self.seen_leases:
                stats.inc_value("pressroom/cluster/duplicate_results")
                acks.append(mid)
                continue
            self.seen_leases.add(lease)
            learn_depth(self.crawler.spider, message)  # for the run's --depth warning
            for key, value in (message.get("stats") or {}).items():
                stats.inc_value(key, value)
            found = message.get("items") or []
            if self.judging is not None:
                self.judging.reached(message.get("reached") or [])
                note = message.get("judge")
                if isinstance(note, dict) and isinstance(note.get("seen"), dict):
                    # A page the judge holds leaves nothing in `found`; its message is
                    # acknowledged with the batch all the same: settling needs only what
                    # the judge kept, and unread results count against the backlog
                    # workers wait on. A coordinator that dies first records nothing of
                    # the page, which the next run fetches, as on one machine.
                    found, _decision, again = self.judging.apply(found, note)
                    if again is not None:
                        self.divert(again)
            for item in found:
                if isinstance(item, ArticleItem):
                    # Workers clean with the block profile only, not the near-repeated
                    # blocks (not sent to them): "cleaned with an older profile", so the
                    # run's end cleans it again with them, as on one machine. Also a page
                    # that arrives before the coordinator has learned any (spider.near
                    # still None): its contact block was kept whenever the block profile
                    # had not changed since, and which pages those were depended on timing.
                    item.profile = None
            items += found
            walks += message.get("walk_on") or []
            (self.held_messages if any(map(_held, found)) else acks).append(mid)
        return deferred_from_coro(self._write(items, acks, walks))

    async def _write(
        self, items: list[Any], message_ids: list[str], walks: list[Any] | None = None
    ) -> None:
        """Hand ``items`` to the pipelines; acknowledge the messages after their commit.

        ``walks``: walked pages workers got a 304 for; the walk goes on here, through
        their captures' links, and what it records is written with the batch.
        """
        if walks:
            spider, stats = self.crawler.spider, self.crawler.stats
            items = items + await walk_on_all(spider, walks, self.divert, stats)
        scraper = self.crawler.engine.scraper
        for item in items:
            await scraper.start_itemproc_async(item, response=None)
        writer = self._writer()
        if writer is None or writer.writer is None:
            return  # the archive failed: the crawl is stopping, messages stay unacknowledged
        writer.flush()
        stored = [i.article for i in items if isinstance(i, ArticleItem) and not _held(i)]
        if message_ids or stored:
            # Jobs run in order: this one runs once the batch above is committed.
            job = partial(self._committed, message_ids, stored)
            writer.writer.submit(job, on_error=_ack_failed)

    def _committed(self, message_ids: list[str], stored: list[dict[str, Any]]) -> None:
        """After a commit (in the writer thread): workers now know the releases it stored."""
        if stored and self.publish_known:
            self.known.add(stored)  # as a one-machine crawl's archive knows this run's releases
        self.channel.ack(message_ids)

    def _writer(self) -> Any:
        """The pipeline that owns the single writer (StorePipeline)."""
        for pipeline in self.crawler.engine.scraper.itemproc.middlewares:
            if hasattr(pipeline, "flush") and hasattr(pipeline, "writer"):
                return pipeline
        return None

    # --- end ------------------------------------------------------------

    def closed(self, spider: Any, reason: str) -> None:
        self.closing = True
        self._stop.set()
        if self._tick is not None and self._tick.running:
            self._tick.stop()
        writer = self._writer()
        if self.held_messages and writer is not None and writer.writer is not None:
            # The last batch (queued by close_spider) writes the held articles:
            # their messages go once it is committed, not before.
            try:
                writer.writer.call(partial(self.channel.ack, self.held_messages))
            except Exception as exc:  # noqa: BLE001 (the write failed: the run says so)
                logger.warning("the last batch failed; held results not acknowledged: %s", exc)
        self.channel.closed = True  # before the keys go: the reader must not make them again
        try:
            crawls.finish(self.server, self.keys)
        except Exception as exc:  # noqa: BLE001 (the run is recorded; keys expire anyway)
            logger.warning("could not delete the crawl's keys: %s", exc)


def _held(item: Any) -> bool:
    """An article the canonical guard holds back to the crawl's last write (canonical.py)."""
    if not isinstance(item, ArticleItem):
        return False
    return item.article.get("fetched_url", item.article["url"]) != item.article["url"]


def _ack_failed(exc: BaseException) -> None:
    # The batch is committed; its messages will be read again and skipped as
    # already written only within this run. Rare: Redis away past the retries.
    logger.warning("acknowledging results failed: %s: %s", type(exc).__name__, exc)
