"""``pressroom worker``: fetch and extract a coordinator's crawl, from any machine.

Example::

    $ pressroom worker --redis redis://:PASSWORD@10.0.0.5:6379/0 --workers 4
    $ pressroom worker --redis redis://127.0.0.1:6379/0 --exit-when-idle --allow-private-addresses

A worker finds a running crawl in Redis (:mod:`crawler.cluster.crawls`) and
runs :class:`WorkerSpider` (the one-machine ``ReleaseSpider``, same callbacks,
same extraction pool) with scrapy-redis's Scheduler over the leased frontier.
It has no archive: what a page yields goes back to the coordinator.

For each leased request, once its callback or errback has run to the end:

1. the links it yielded are pushed to the frontier (one pipelined round trip),
2. its items (article, failure, not-a-release, 304, captures) and the stats it
   moved are sent to the results stream *and* the lease is completed, in one
   Lua script (:meth:`Frontier.complete`).

A worker killed before step 2 did nothing that counts: its lease expires and
another worker fetches the page again. Step 1 happens in the callback itself,
not through Scrapy's scraper, which buffers a callback's output and could
complete the lease before the links were queued.

Politeness is the cluster's (:class:`PoliteSlotMiddleware`): every request to
a domain first takes a slot and a concurrency token in Redis
(:class:`crawler.cluster.polite.DomainSlots`): slots spaced by the crawl's
delay or the site's robots.txt Crawl-delay, at most CONCURRENT_REQUESTS_PER_DOMAIN
requests out for all workers together; a 429/503 with Retry-After pauses the
domain for every worker. Leases of long downloads
are extended by a heartbeat. Private, loopback and link-local addresses are
refused (:mod:`crawler.cluster.guard`) unless ``--allow-private-addresses``.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import logging
import os
import random
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler
from twisted.python.failure import Failure

from crawler import __version__, stopping
from crawler.cluster import crawls, link, serial
from crawler.cluster.budget import SharedBudget, share
from crawler.cluster.channel import ResultChannel
from crawler.cluster.frontier import LEASE_META, Frontier, LeasedQueue, NoDupeFilter, worker_id
from crawler.cluster.judgement import RelayJudge
from crawler.cluster.known import KnownUrls, WorkerArchive
from crawler.cluster.polite import DomainFull, DomainSlots, TooFar
from crawler.cluster.seen import BloomSeen, ExpiringSeen, SeenSet
from crawler.cluster.walks import DEPTH_NOTES, WalkOn, walk_on
from crawler.extensions import CLUSTER_FAILED, cluster_failed
from crawler.items import FailureItem
from crawler.middlewares import ask_conditionally, requested_wait, revalidates
from crawler.robots import CrawlDelayMiddleware
from crawler.spiders.release import ReleaseSpider
from extraction.urls import normalize

logger = logging.getLogger(__name__)

# Stats a worker adds to the coordinator's (the run's summary and counts).
FORWARDED = ("response_received_count",)
FORWARDED_PREFIX = "pressroom/"
# What Redis away past the link's retries raises: said in one line, tried again.
AWAY = (RedisConnectionError, RedisTimeoutError)
ROOM_CHECK_EVERY = 50  # completions between two looks at the results backlog
# Fingerprints this worker pushed, not sent again: the frontier's seen filter has them.
# Pages repeat links (navigation, related releases): on the fixture site 44% of the links
# a worker found were ones it had sent already. Forgotten all at once when full.
PUSHED_MEMORY = 100_000
TOKEN_META = "pressroom_domain_token"  # request.meta key of its domain concurrency token
# Seconds a token given back may wait for the next enter, to share its round trip:
# held that much longer, never more out than the limit. One round trip a page fewer.
LEAVE_DELAY = 0.005


def make_seen(server: Any, keys: Any, spec: dict[str, Any]) -> SeenSet:
    """The crawl's seen-set, as the coordinator chose it (the same on every machine)."""
    # Each addition pushes the expiry on: no further than the coordinator's refresh.
    ttl = crawls.KEYS_TTL
    if spec.get("mode") == "bloom":
        capacity, error_rate = int(spec["capacity"]), float(spec["error_rate"])
        return BloomSeen(server, keys.seen, capacity=capacity, error_rate=error_rate, ttl=ttl)
    return ExpiringSeen(server, keys.seen, ttl=ttl)


class WorkerLink:
    """One worker crawl's side of Redis: its leases, results, slots and heartbeat."""

    def __init__(self, crawler: Any, config: crawls.CrawlConfig) -> None:
        settings = crawler.settings
        self.crawler, self.config, self.keys = crawler, config, config.keys
        self.server = link.connect(settings.get("PRESSROOM_CLUSTER_REDIS"))
        self.worker = settings.get("PRESSROOM_CLUSTER_WORKER_ID") or worker_id()
        self.seen = make_seen(self.server, self.keys, config.settings.get("seen") or {})
        self.frontier = Frontier(
            self.server,
            self.keys,
            seen=self.seen,
            lease_seconds=settings.getfloat("PRESSROOM_CLUSTER_LEASE", 120.0),
            max_attempts=settings.getint("PRESSROOM_CLUSTER_MAX_ATTEMPTS", 3),
            guarded=True,
        )
        self.channel = ResultChannel(self.server, self.keys)
        self.known = KnownUrls(self.server, self.keys)
        self.slots = DomainSlots(
            self.server,
            self.keys,
            delay=config.delay,
            limit=int(config.settings.get("CONCURRENT_REQUESTS_PER_DOMAIN") or 0),
            guarded=True,
        )
        self.tokens: dict[str, str] = {}  # concurrency token -> its domain
        self.leaving: dict[str, list[str]] = {}  # tokens given back, not sent yet: domain -> tokens
        self._leave_call: Any = None
        self._token_seq = itertools.count(1)
        self.held: dict[str, float] = {}  # lease id -> when taken
        self.sent: dict[str, int] = {}  # stats already forwarded
        self.completed = 0
        self.pushed: set[bytes] = set()  # fingerprints this worker's pushes carried
        self.alive = True
        self._checked = 0.0
        self._profile_raw: bytes | None = None

    # --- leases ---------------------------------------------------------

    def taken(self, lease: str) -> None:
        self.held[lease] = time.monotonic()

    def replaced(self, lease: str) -> None:
        """A redirect or retry of ``lease`` was pushed: the push script completed it."""
        self.held.pop(lease, None)

    def finish(
        self,
        request: Request,
        children: list[Request],
        items: list[Any],
        judge: dict[str, Any] | None = None,
        walks: list[WalkOn] | None = None,
        depth: dict[str, list[str]] | None = None,
    ) -> None:
        """Queue the page's links, then send its items and complete its lease in one step.

        ``judge``: what the coordinator's release judge needs of the page
        (:meth:`RelayJudge.note`), when the page is one no rule judged. ``walks``:
        a walked page answered 304, which the coordinator walks on from (its capture).
        ``depth``: the pages the page's links walked to and the links it held back
        beyond --depth, which the coordinator's run names (WorkerSpider._follow).
        """
        lease = request.meta.get(LEASE_META)
        if lease is None:
            return  # given back unprocessed (a politeness slot too far away)
        spider = self.crawler.spider
        fingerprint = self.crawler.request_fingerprinter.fingerprint
        stats = self._stat_deltas()
        body: dict[str, Any] = {"lease": lease, "items": items, "stats": stats}
        reached = spider.judge.take_reached() if isinstance(spider.judge, RelayJudge) else []
        if reached:
            body["reached"] = reached  # pages read or failed: the judge's sample of sections
        if judge is not None:
            body["judge"] = judge
        if walks:
            body["walk_on"] = [walk.to_message() for walk in walks]
        if depth:
            body.update(depth)  # "walked", "held_back"
        message = None
        if items or stats or reached or judge is not None or walks or depth:
            message = self.channel.encode(body)
        self.completed += 1
        if message is not None and self.completed % ROOM_CHECK_EVERY == 0:
            self.channel.wait_for_room()  # the coordinator is behind: wait, do not fill Redis
        fresh: list[tuple[Request, bytes | None]] = []
        for child in children:
            print_ = None if child.dont_filter else fingerprint(child)
            if print_ is None or print_ not in self.pushed:
                fresh.append((child, print_))
        self._conditional([child for child, _ in fresh])
        pushes = [
            (serial.dumps(serial.request_dict(child, spider)), child.priority, print_)
            for child, print_ in fresh
        ]
        # One round trip: Redis runs a pipeline in order, so the links are queued
        # before the lease completes, even if the connection drops half-way.
        self.frontier.push_many(pushes, then_complete=(lease, message))
        self.held.pop(lease, None)
        if len(self.pushed) > PUSHED_MEMORY:
            self.pushed.clear()
        self.pushed.update(print_ for _, print_ in fresh if print_ is not None)
        stats = self.crawler.stats
        stats.inc_value("pressroom/cluster/links_sent", len(fresh))
        stats.inc_value("pressroom/cluster/pushes_skipped", len(children) - len(fresh))

    def _conditional(self, children: list[Request]) -> None:
        """If-None-Match / If-Modified-Since for archived candidates (ConditionalRequestMiddleware's
        rule, the validators from Redis): one round trip for the page's links."""
        archive = self.crawler.spider.incremental_archive()
        if archive is None:
            return
        asked = [r for r in children if revalidates(r)]
        found = self.known.validators_of(r.url for r in asked)
        for request in asked:
            known = found.get(request.url)
            if known:
                ask_conditionally(request, known)

    def _stat_deltas(self) -> dict[str, int]:
        stats = self.crawler.stats.get_stats()
        out = {}
        for key, value in stats.items():
            if not (key in FORWARDED or key.startswith(FORWARDED_PREFIX)):
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            delta = value - self.sent.get(key, 0)
            if delta:
                out[key] = delta
                self.sent[key] = value
        return out

    def heartbeat(self) -> None:
        """Extend held leases (long downloads); follow the profile, every few seconds.

        Redis away longer than the link's retries is one line, and the next beat tries
        again: an exception would stop the beat for good, with Twisted's traceback.
        """
        try:
            self._beat()
        except AWAY as exc:
            logger.warning("the heartbeat failed, trying again: %s: %s", type(exc).__name__, exc)

    def _beat(self) -> None:
        if self.held:
            self.frontier.extend(self.worker, list(self.held))
        if self.tokens:
            by_domain: dict[str, list[str]] = {}
            for token, domain in self.tokens.items():
                by_domain.setdefault(domain, []).append(token)
            self.slots.touch(by_domain)
        raw = self.server.get(self.keys.profile)
        if raw is not None and raw != self._profile_raw:
            self._profile_raw = raw
            self.crawler.spider.boilerplate = frozenset(json.loads(raw))

    def crawl_running(self) -> bool:
        now = time.monotonic()
        if now - self._checked > 0.5:
            self._checked = now
            try:
                self.alive = bool(self.server.exists(self.keys.config))
            except AWAY as exc:  # not known: the crawl goes on until Redis answers
                logger.warning("Redis is away: %s: %s", type(exc).__name__, exc)
        return self.alive

    def close(self) -> None:
        """Give back what this worker holds (a SIGTERM): queued again at once, no attempt lost."""
        self.flush_leaving()
        if self.held:
            self.frontier.release(self.worker, list(self.held))
            self.held.clear()

    # --- politeness -----------------------------------------------------

    def enter(self, request: Request, host: str) -> float:
        """Seconds to wait before fetching ``request``; the token it holds goes in its meta.

        Every request asks, delay or not: a Retry-After pause another worker
        recorded, or the domain's concurrency limit, applies here too.
        Raises :class:`TooFar` or :class:`DomainFull`, holding nothing.
        """
        token = f"{self.worker}:{next(self._token_seq)}" if self.slots.limit else ""
        leaving, self.leaving = self.leaving, {}
        try:
            wait = self.slots.enter(host, token, leaving=leaving)
        except (DomainFull, TooFar):
            raise
        except Exception:
            self._keep_leaving(leaving)  # Redis away past the retries: sent with the next call
            raise
        if token:
            self.tokens[token] = host
            request.meta[TOKEN_META] = token
        return wait

    def leave(self, request: Request) -> None:
        """Give the request's token back: with the next :meth:`enter`, at most LEAVE_DELAY later.

        A response is mostly followed at once by the next request's enter (the
        downloader has room again): both go in one round trip, one fewer a page.
        """
        token = request.meta.pop(TOKEN_META, None)
        host = self.tokens.pop(token, None) if token else None
        if host is not None:
            self._keep_leaving({host: [token]})

    def _keep_leaving(self, leaving: dict[str, list[str]]) -> None:
        for host, tokens in leaving.items():
            self.leaving.setdefault(host, []).extend(tokens)
        if self.leaving and (self._leave_call is None or not self._leave_call.active()):
            self._arm()

    def _arm(self) -> None:
        from twisted.internet import reactor

        self._leave_call = reactor.callLater(LEAVE_DELAY, self.flush_leaving)

    def flush_leaving(self) -> None:
        """Send the tokens given back and not sent yet with an enter."""
        leaving, self.leaving = self.leaving, {}
        if self._leave_call is not None and self._leave_call.active():
            self._leave_call.cancel()
        self._leave_call = None
        try:
            self.slots.leave_many(leaving)
        except Exception as exc:  # noqa: BLE001 (Redis away past the retries: tokens expire)
            logger.warning("giving back %d tokens failed: %s", len(leaving), exc)

    def crawl_delay(self, host: str, seconds: float) -> None:
        self.slots.set_delay(host, seconds)

    def pause(self, host: str, seconds: float) -> None:
        self.slots.back_off(host, seconds)

    def give_back(self, request: Request) -> None:
        lease = request.meta.pop(LEASE_META, None)
        if lease is not None:
            self.frontier.release(self.worker, [lease])
            self.held.pop(lease, None)


class WorkerSpider(ReleaseSpider):
    """ReleaseSpider without seeds and without an archive; each page's outcome goes to Redis."""

    name = "release-worker"

    def __init__(self, config: crawls.CrawlConfig | None = None, **kwargs: Any) -> None:
        if config is None:
            raise ValueError("WorkerSpider needs the crawl's config")
        super().__init__(source=config.source_obj(), **kwargs)
        self.config = config

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WorkerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.cluster = WorkerLink(crawler, spider.config)
        # The coordinator judges the pages no rule judges, with all the crawl's pages.
        spider.judge = RelayJudge()
        spider.cluster_seen = spider.cluster.seen  # LeasedQueue pushes with it
        archive = spider.config.settings.get("archive")  # None: --full, or no archive file
        if archive is not None:
            spider._worker_archive = WorkerArchive(spider.cluster.known)
            spider._first_crawl = bool(archive.get("first_crawl"))
        if spider.max_pages:
            share(
                spider,
                SharedBudget(
                    spider.cluster.server,
                    spider.cluster.keys,
                    limit=spider.max_pages,
                    ttl=crawls.KEYS_TTL,
                ),
            )
        crawler.signals.connect(spider._idle, signal=scrapy.signals.spider_idle)
        crawler.signals.connect(spider._opened, signal=scrapy.signals.spider_opened)
        return spider

    _worker_archive: WorkerArchive | None = None

    def incremental_archive(self, *, this_run: bool = False) -> Any:
        """The archive's known URLs and validators, from Redis (as ReleaseSpider's, same rules)."""
        if self._worker_archive is None or self.full:
            return None
        return None if self._first_crawl and not this_run else self._worker_archive

    # The walk's notes of the page whose links _follow is making requests of, else None.
    # _follow runs through without yielding to the reactor (its consumers await nothing
    # between its requests), so no other page's links come in between.
    _noting: dict[str, list[str]] | None = None

    def _follow(self, result: Any, meta: dict[str, Any], walking: bool, hops: int) -> Iterator[Any]:
        archive = self.incremental_archive(this_run=True)
        if archive is not None and meta.get("kind") == "listing":
            archive.prefetch([*result.links, *result.alternates.values()])  # one round trip
        noting: dict[str, list[str]] = {"walked": [], "held_back": []}
        self._noting = noting
        try:
            yield from super()._follow(result, meta, walking, hops)
        finally:
            self._noting = None
            if archive is not None:
                archive.forget()
        if noting["walked"] or noting["held_back"]:
            # With the page's result, not whichever is sent next: a result whose lease
            # expired is refused, and the page read again by another worker notes them again.
            kept = meta.setdefault(DEPTH_NOTES, {"walked": [], "held_back": []})
            for name, keys in noting.items():
                kept[name] += keys

    def _note_walked(self, key: str) -> None:
        if self._noting is not None and key not in self.walked:
            self._noting["walked"].append(key)  # each once a worker
        super()._note_walked(key)

    def _note_beyond_depth(self, key: str) -> None:
        if self._noting is not None and key not in self.beyond_depth:
            self._noting["held_back"].append(key)
        super()._note_beyond_depth(key)

    async def start(self) -> AsyncIterator[Request]:
        return  # the coordinator seeds the frontier
        yield  # noqa: B901 (an async generator that yields nothing)

    def _opened(self, spider: Any) -> None:
        from twisted.internet import task

        lease = self.crawler.settings.getfloat("PRESSROOM_CLUSTER_LEASE", 120.0)
        self._beat = task.LoopingCall(self.cluster.heartbeat)
        self._beat.start(min(5.0, lease / 3), now=True)

    def _idle(self) -> None:
        if self.cluster.crawl_running():
            raise DontCloseSpider  # the queue is empty for now; the coordinator says when it ends

    def _closed(self, spider: scrapy.Spider) -> None:
        beat = getattr(self, "_beat", None)
        if beat is not None and beat.running:
            beat.stop()
        self.cluster.close()
        super()._closed(spider)

    # --- callbacks: the one-machine spider's, then the page's outcome to Redis ---

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        items: list[Any] = []
        children: list[Request] = []
        try:
            async for out in super().parse_page(response):
                (children if isinstance(out, Request) else items).append(out)
        except Exception as exc:  # noqa: BLE001 (recorded as the page's failure, as Scrapy logs it)
            reason = f"spider error: {type(exc).__name__}: {exc}".splitlines()[0]
            items.append(FailureItem(response.url, reason, response.status))
        note = None
        if isinstance(self.judge, RelayJudge):
            note = self.judge.note(
                normalize(response.url), {**response.meta, "fetched": response.url}
            )
        walks = [item for item in items if isinstance(item, WalkOn)]
        if walks:
            items = [item for item in items if not isinstance(item, WalkOn)]
        depth = response.meta.pop(DEPTH_NOTES, None)
        self.cluster.finish(response.request, children, items, note, walks, depth)
        return
        yield  # noqa: B901

    async def _not_modified(self, response: Response) -> AsyncIterator[Any]:
        """A 304: a walked page's goes to the coordinator, which holds the capture whose
        links the walk goes on through (crawler.cluster.walks); the others as one machine's."""
        if response.meta.get("kind") == "walk" or self.source.follow_links:
            yield walk_on(response)
            return
        async for thing in super()._not_modified(response):
            yield thing

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        yield from self._leased(response.request, super().parse_sitemap(response))

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield from self._leased(response.request, super().parse_feed(response))

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        yield from self._leased(request, super().on_error(failure))

    def _leased(self, request: Request, output: Iterator[Any]) -> Iterator[Any]:
        items, children = [], []
        for out in output:
            (children if isinstance(out, Request) else items).append(out)
        self.cluster.finish(request, children, items)
        return iter(())


class WorkerQueue(LeasedQueue):
    """LeasedQueue that leases a few requests per round trip and tells the worker what it holds.

    Leases taken ahead wait here a moment; the heartbeat extends them like the
    others, and a worker that stops gives them back (a killed one lets them expire).
    """

    BATCH = 4

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ahead: list[Any] = []

    def __len__(self) -> int:
        if self.ahead:
            return len(self.ahead)
        try:
            return int(self.server.zcard(self.frontier.keys.queue))
        except AWAY:
            return 0  # nothing to take now; the crawl's end is decided by crawl_running

    def push(self, request: Any) -> None:
        parent = request.meta.get(LEASE_META)
        super().push(request)
        if parent is not None:
            self.spider.cluster.replaced(parent)

    def pop(self, timeout: int = 0) -> Any:
        if not self.ahead:
            leases = self.frontier.lease(self.worker, self.BATCH)
            for lease in leases:
                self.spider.cluster.taken(lease.id)
            self.ahead = leases[::-1]
        if not self.ahead:
            return None
        lease = self.ahead.pop()
        request = self._decode_request(lease.data)
        request.meta[LEASE_META] = lease.id
        return request


class WorkerScheduler(Scheduler):
    """scrapy-redis's Scheduler on pressroom's checked link (password rule, retries)."""

    @classmethod
    def from_settings(cls, settings: Any) -> WorkerScheduler:
        server = link.connect(settings.get("PRESSROOM_CLUSTER_REDIS"))
        return cls(
            server=server,
            persist=True,  # the coordinator owns the keys' lifetime
            queue_cls=settings.get("SCHEDULER_QUEUE_CLASS"),
            dupefilter=NoDupeFilter(),
            serializer=serial,
        )

    def open(self, spider: Any) -> None:
        # As scrapy-redis's, without its "Resuming crawl" line (Spider.log is deprecated).
        self.spider = spider
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key="%(spider)s:requests", serializer=serial
        )
        self.df = NoDupeFilter()
        self.failed = False  # the crawl was stopped for an error (next_request)

    def enqueue_request(self, request: Any) -> bool:
        # As scrapy-redis's, without its per-request stats call (deprecated in Scrapy 2.13).
        self.queue.push(request)
        return True

    def next_request(self) -> Any:
        try:
            return self.queue.pop(0)
        except AWAY as exc:  # Redis away past the link's retries: ask again later
            logger.warning("asking for work failed: %s: %s", type(exc).__name__, exc)
            return None
        except Exception as exc:
            import redis

            if not isinstance(exc, redis.exceptions.NoPermissionError):
                raise
            # The user's ACL changed mid-crawl: every later ask fails the same way, and
            # Scrapy would ask again forever. The crawl stops, its reason says why.
            if not self.failed:
                self.failed = True
                engine = self.spider.crawler.engine
                deferred_from_coro(engine.close_spider_async(reason=cluster_failed(exc)))
            return None


class PoliteSlotMiddleware:
    """Wait for the domain's cluster-wide slot before each download (Scrapy's delay is 0)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> PoliteSlotMiddleware:
        return cls(crawler)

    FULL_POLL = (0.02, 0.25)  # first and longest wait between two asks while a domain is full

    async def process_request(self, request: Request, spider: Any = None) -> None:
        cluster = getattr(self.crawler.spider, "cluster", None)
        if cluster is None:
            return None
        host = (urlsplit(request.url).hostname or "").lower()
        poll, longest = self.FULL_POLL
        while True:
            try:
                wait = cluster.enter(request, host)
                break
            except DomainFull:
                await asyncio.sleep(poll * (0.5 + random.random()))  # jitter: workers take turns
                poll = min(longest, poll * 2)
            except TooFar as exc:
                cluster.give_back(request)  # another worker, or this one later, fetches it
                raise IgnoreRequest(f"politeness slot too far away ({exc})") from None
        if wait > 0:
            await asyncio.sleep(wait)
        return None

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        cluster = getattr(self.crawler.spider, "cluster", None)
        if cluster is not None:
            # The pause first, then the token: no other worker gets in between.
            wait = self.retry_after(request, response)
            if wait is not None:
                cluster.pause((urlsplit(request.url).hostname or "").lower(), wait)
            cluster.leave(request)
        return response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> None:
        cluster = getattr(self.crawler.spider, "cluster", None)
        if cluster is not None:
            cluster.leave(request)
        return None

    def retry_after(self, request: Request, response: Response) -> float | None:
        """The pause a 429/503 asks of the whole cluster (RetryAfterMiddleware's rule), or None."""
        if response.status not in (429, 503) or request.meta.get("dont_retry"):
            return None
        settings = self.crawler.settings
        return requested_wait(
            response,
            request.meta.get("retry_times", 0),
            backoff=settings.getfloat("PRESSROOM_RETRY_BACKOFF", 1.0),
            max_wait=settings.getfloat("PRESSROOM_MAX_RETRY_AFTER", 120.0),
        )


class ClusterCrawlDelayMiddleware(CrawlDelayMiddleware):
    """robots.txt Crawl-delay for every worker: kept in the domain's slot in Redis."""

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        super().robots_parsed(robotparser, request)
        key = self._key(request)
        cluster = getattr(self.crawler.spider, "cluster", None)
        if key in self.delays and cluster is not None:
            cluster.crawl_delay(key, self.delays[key])


# --- running a worker --------------------------------------------------------


def worker_settings(
    url: str,
    config: crawls.CrawlConfig,
    *,
    extract_workers: int | None = None,
    allow_private: bool = False,
    log_level: str = "WARNING",
) -> Any:
    from scrapy.settings import Settings

    from crawler import settings as defaults

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    middlewares = dict(defaults.DOWNLOADER_MIDDLEWARES)
    middlewares.update(
        {
            "crawler.cluster.guard.AddressGuardMiddleware": 50,
            "crawler.robots.CrawlDelayMiddleware": None,
            "crawler.cluster.worker.ClusterCrawlDelayMiddleware": 560,
            # Last before the download: robots.txt refusals take no slot.
            "crawler.cluster.worker.PoliteSlotMiddleware": 950,
        }
    )
    values: dict[str, Any] = {
        **{k: v for k, v in config.settings.items() if k.isupper()},
        "PRESSROOM_DB": "",  # no archive: StorePipeline and conditional requests are off
        "ITEM_PIPELINES": {},
        "SCHEDULER": "crawler.cluster.worker.WorkerScheduler",
        "SCHEDULER_QUEUE_CLASS": "crawler.cluster.worker.WorkerQueue",
        "SCHEDULER_SERIALIZER": "crawler.cluster.serial",
        "DUPEFILTER_CLASS": "crawler.cluster.frontier.NoDupeFilter",
        "SCHEDULER_PERSIST": True,
        "DOWNLOADER_MIDDLEWARES": middlewares,
        # The cluster's slot spaces requests to a domain; per-process delays would add up wrong.
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "PRESSROOM_CLUSTER_REDIS": url,
        "PRESSROOM_CLUSTER_CRAWL": config.crawl,
        "PRESSROOM_ALLOW_PRIVATE_ADDRESSES": allow_private,
        "LOG_LEVEL": log_level,
    }
    if extract_workers is not None:
        values["PRESSROOM_EXTRACT_WORKERS"] = extract_workers
    settings.setdict(values, priority="cmdline")
    return settings


def wait_for_crawl(
    server: Any, *, exit_when_idle: bool, idle_seconds: float
) -> crawls.CrawlConfig | None:
    """The first running crawl; None when ``exit_when_idle`` and none came for ``idle_seconds``."""
    since = time.monotonic()
    while True:
        found = crawls.running(server)
        if found:
            return found[0]
        if exit_when_idle and time.monotonic() - since > idle_seconds:
            return None
        time.sleep(0.5)


def run_worker(
    url: str,
    *,
    extract_workers: int | None = None,
    exit_when_idle: bool = False,
    allow_private: bool = False,
    idle_seconds: float = 30.0,
    verbose: bool = False,
    echo: Any = print,
) -> int:
    """Serve crawls until stopped (or, with ``exit_when_idle``, until none is running).

    Returns the exit code: 0, or 130 after Ctrl-C, 143 after SIGTERM. Raises
    :class:`crawler.cluster.link.LinkError` for a Redis link it will not use.
    """
    server = link.connect(url)
    if extract_workers is None or extract_workers > 0:
        from crawler import pool

        # The fork server imports extraction (about a second) while we wait for a crawl,
        # not after one started: the crawl's first pages are not kept waiting.
        pool.prestart()
    try:
        config = wait_for_crawl(server, exit_when_idle=exit_when_idle, idle_seconds=idle_seconds)
    except KeyboardInterrupt as exc:  # SIGTERM too, in the program (crawler.stopping)
        return stopping.status_of(exc)
    finally:
        server.close()
    if config is None:
        echo(f"worker {worker_id()}: no crawl running; exiting")
        return 0
    code, summary = _run_crawl(url, config, extract_workers, allow_private, verbose)
    echo(summary)
    if code == 0 and not exit_when_idle:
        # Scrapy's reactor runs once per process: a fresh process serves the next crawl.
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
    return code


def _run_crawl(
    url: str,
    config: crawls.CrawlConfig,
    extract_workers: int | None,
    allow_private: bool,
    verbose: bool,
) -> tuple[int, str]:
    from scrapy import signals as scrapy_signals
    from scrapy.core.engine import ExecutionEngine

    from crawler.run import _collect_less, _one_line_records

    # An idle worker asks the frontier for work this often (Scrapy's default: 5 s).
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 0.5
    settings = worker_settings(
        url,
        config,
        extract_workers=extract_workers,
        allow_private=allow_private,
        log_level="INFO" if verbose else "WARNING",
    )
    if not verbose:
        logging.setLogRecordFactory(_one_line_records(logging.getLogRecordFactory()))
    process = stopping.crawler_process(settings)
    crawler = process.create_crawler(WorkerSpider)
    reasons: list[str] = []

    def closed(reason: str) -> None:  # a named function: Scrapy holds signal receivers weakly
        reasons.append(reason)

    crawler.signals.connect(closed, scrapy_signals.spider_closed)
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    process.crawl(crawler, config=config)
    # The collector as in a one-machine crawl (crawler.run.crawl): at Python's default
    # it cost the two workers 1.24 s of 11.85 s CPU for 2,498 pages of bench/cluster.py
    # (gc.callbacks; the one-machine crawl 0.25 s of 12.39 s).
    thresholds = gc.get_threshold()
    _collect_less()
    try:
        process.start()
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    reason = reasons[0] if reasons else "not started"
    summary = (
        f"worker {worker_id()}: crawl {config.crawl} {reason} - "
        f"{stats.get('response_received_count', 0)} responses, "
        f"{getattr(crawler.spider, 'cluster', None) and crawler.spider.cluster.completed} "
        f"requests completed, {stats.get('pressroom/cluster/links_sent', 0)} links sent "
        f"({stats.get('pressroom/cluster/pushes_skipped', 0)} more already sent by this worker) "
        f"(pressroom {__version__})"
    )
    if reason == "shutdown":
        return stopping.exit_status(process.stop_signal), summary
    return (1 if reason.startswith(CLUSTER_FAILED) else 0), summary
