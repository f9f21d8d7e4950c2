"""The leased frontier against a real redis-server: nothing lost to a dead worker or a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from helpers import ROOT
from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer, redis_client, redis_server

from crawler.cluster.frontier import Counts, Frontier
from crawler.cluster.keys import CrawlKeys
from crawler.cluster.seen import BloomSeen, ExpiringSeen

__all__ = ["redis_client", "redis_server"]  # fixtures, used by name


def test_priority_then_fifo_and_complete(redis_client):
    frontier = Frontier(redis_client, CrawlKeys("c"))
    for name in (b"a", b"b", b"c"):
        frontier.push(name)
    frontier.push(b"urgent", priority=10)
    leases = frontier.lease("w1", 10)
    assert [lease.data for lease in leases] == [b"urgent", b"a", b"b", b"c"]
    assert all(lease.attempts == 1 for lease in leases)
    assert frontier.counts().inflight == 4 and not frontier.done()
    assert frontier.complete([lease.id for lease in leases]) == 4
    assert frontier.done()
    # Nothing of the requests is left behind in Redis but the id counter.
    assert redis_client.keys("pressroom:*") == [b"pressroom:{c}:seq"]


@pytest.mark.parametrize("kind", ["set", "bloom"])
def test_push_drops_seen_fingerprints_atomically(redis_client, kind):
    keys = CrawlKeys("c")
    seen = (
        ExpiringSeen(redis_client, keys.seen, ttl=60)
        if kind == "set"
        else BloomSeen(redis_client, keys.seen, capacity=1000, error_rate=1e-6, ttl=60)
    )
    frontier = Frontier(redis_client, keys, seen=seen)
    assert frontier.push(b"page", fingerprint=b"fp-1") is not None
    assert frontier.push(b"page again", fingerprint=b"fp-1") is None
    assert frontier.push(b"retry", fingerprint=None) is not None  # dont_filter: always queued
    assert frontier.push_many([(b"x", 0, b"fp-2"), (b"y", 0, b"fp-2"), (b"z", 0, b"fp-3")]) == 2
    assert frontier.counts().queued == 4
    assert 0 < redis_client.ttl(keys.seen) <= 60  # the seen-set expires with the run


def _calls(before: dict, after: dict, name: str) -> int:
    """How many times Redis ran command ``name`` between two INFO commandstats."""
    key = f"cmdstat_{name}"
    return after.get(key, {}).get("calls", 0) - before.get(key, {}).get("calls", 0)


def test_push_many_is_one_round_trip_and_survives_lost_scripts(redis_client):
    frontier = Frontier(redis_client, CrawlKeys("c"))
    frontier.push(b"first")
    [lease] = frontier.lease("w1")
    before = redis_client.info("commandstats")
    redis_client.script_flush()  # as after a restart: Redis knows none of the scripts
    pushes = [(b"a", 0, b"fp-a"), (b"b", 0, b"fp-b")]
    assert frontier.push_many(pushes, then_complete=(lease.id, b"result")) == 2
    assert frontier.counts().queued == 2 and frontier.counts().inflight == 0
    assert redis_client.xlen(frontier.keys.results) == 1  # the result, sent once
    after = redis_client.info("commandstats")
    # Refused once (NOSCRIPT), loaded, run again; no SCRIPT EXISTS round trip.
    assert _calls(before, after, "script|exists") == 0
    assert _calls(before, after, "script|load") == 2
    frontier.push_many([(b"c", 0, b"fp-c")])
    later = redis_client.info("commandstats")
    assert _calls(after, later, "evalsha") == 1
    assert _calls(after, later, "script|exists") == 0


def test_expired_leases_come_back_then_die(redis_client):
    frontier = Frontier(redis_client, CrawlKeys("c"), lease_seconds=0.2, max_attempts=2)
    frontier.push(b"killer page")
    [first] = frontier.lease("w1")
    assert frontier.lease("w2") == []  # leased, not available to others
    time.sleep(0.3)
    [second] = frontier.lease("w2")  # the expired lease was put back first
    assert (second.id, second.data, second.attempts) == (first.id, b"killer page", 2)
    time.sleep(0.3)
    assert frontier.reclaim() == (0, 1)  # two attempts: the dead list, not the queue
    assert frontier.done()
    [dead] = frontier.take_dead()
    assert (dead.id, dead.data, dead.attempts) == (first.id, b"killer page", 2)
    assert frontier.take_dead() == []


def test_extend_release_and_late_complete(redis_client):
    frontier = Frontier(redis_client, CrawlKeys("c"), lease_seconds=0.3)
    frontier.push(b"a")
    frontier.push(b"b")
    a, b = frontier.lease("w1", 2)
    assert frontier.extend("w2", [a.id]) == 0  # not w2's lease
    assert frontier.extend("w1", [a.id], seconds=5) == 1
    assert frontier.release("w1", [b.id]) == 1  # given back: no attempt counted
    time.sleep(0.4)
    assert frontier.reclaim() == (0, 0)  # a was extended
    [again] = frontier.lease("w2")
    assert (again.data, again.attempts) == (b"b", 1)
    # A slow worker finishing a request that was reclaimed meanwhile: done for all.
    frontier.push(b"c")
    [c] = frontier.lease("w1")
    redis_client.zadd(frontier.keys.inflight, {c.id: 0})  # its lease expires now
    frontier.reclaim()
    assert frontier.counts().queued == 1
    assert frontier.complete([c.id]) == 0  # no longer leased, but removed from the queue
    assert frontier.counts().queued == 0


CONSUMER = """
import sys, time
import redis
from crawler.cluster.frontier import Counts, Frontier
from crawler.cluster.keys import CrawlKeys
frontier = Frontier(redis.Redis.from_url(sys.argv[1]), CrawlKeys("kill"), lease_seconds=1.0)
for _ in range(2):  # ten requests fetched and completed...
    for lease in frontier.lease("doomed", 5):
        frontier.complete([lease.id], b"result " + lease.data)
frontier.lease("doomed", 5)  # ...and five taken when SIGKILL comes
print("holding", flush=True)
time.sleep(3600)
"""


def test_sigkilled_worker_leases_are_processed_by_another(redis_server, redis_client):
    frontier = Frontier(redis_client, CrawlKeys("kill"), lease_seconds=1.0)
    pushed = {f"request {i}".encode() for i in range(50)}
    frontier.push_many((data, 0, data) for data in pushed)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    doomed = subprocess.Popen(
        [sys.executable, "-c", CONSUMER, redis_server.url], stdout=subprocess.PIPE, env=env
    )
    try:
        assert doomed.stdout is not None and doomed.stdout.readline() == b"holding\n"
        held = frontier.counts().inflight
        assert held == 5  # leases it will never complete
        doomed.kill()  # SIGKILL: no cleanup, no goodbye
        doomed.wait(timeout=10)
    finally:
        doomed.kill()
    processed: list[bytes] = []
    retried = 0
    deadline = time.monotonic() + 30
    while not frontier.done() and time.monotonic() < deadline:
        leases = frontier.lease("survivor", 10)
        if not leases:
            time.sleep(0.1)
        for lease in leases:
            processed.append(lease.data)
            retried += lease.attempts > 1
            frontier.complete([lease.id], b"result " + lease.data)
    results = [fields[b"d"] for _, fields in redis_client.xrange(frontier.keys.results)]
    assert frontier.done()
    assert retried == held  # every request the dead worker held, fetched again
    assert sorted(results) == sorted(b"result " + data for data in pushed)  # none lost, none twice
    assert len(processed) == 40


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
@pytest.mark.parametrize("kill", [False, True], ids=["shutdown", "sigkill"])
def test_redis_restart_keeps_the_frontier(tmp_path, kill):
    # appendfsync always: even a SIGKILLed Redis has every acknowledged write on disk.
    server = RedisServer(tmp_path, fsync="always").start()
    try:
        from crawler.cluster import link

        client = link.connect(server.url, retry_seconds=20)
        keys = CrawlKeys("r")
        frontier = Frontier(client, keys, seen=ExpiringSeen(client, keys.seen), lease_seconds=60)
        frontier.push_many((f"page {i}".encode(), 0, f"fp {i}".encode()) for i in range(100))
        leased = frontier.lease("w1", 30)
        server.restart(kill=kill)
        # The same client reconnects by itself.
        assert frontier.counts() == Counts(queued=70, inflight=30, dead=0)
        assert frontier.push(b"page 0 again", fingerprint=b"fp 0") is None  # seen-set kept
        rest = frontier.lease("w2", 100)
        assert {lease.data for lease in rest} | {lease.data for lease in leased} == {
            f"page {i}".encode() for i in range(100)
        }
        frontier.complete([lease.id for lease in leased + rest])
        assert frontier.done()
    finally:
        server.stop(kill=True)


def test_leased_queue_plugs_into_scrapy_redis_scheduler(redis_server):
    """scrapy-redis's own Scheduler on LeasedQueue, requests serialized as scrapy-redis does."""
    from scrapy import Request, Spider
    from scrapy.utils.test import get_crawler
    from scrapy_redis.scheduler import Scheduler

    from crawler.cluster.frontier import LEASE_META

    class Site(Spider):
        name = "site"

        def parse_page(self, response):
            pass

    crawler = get_crawler(
        Site,
        {
            "REDIS_URL": redis_server.url,
            "SCHEDULER_QUEUE_CLASS": "crawler.cluster.frontier.LeasedQueue",
            "DUPEFILTER_CLASS": "crawler.cluster.frontier.NoDupeFilter",
            "SCHEDULER_PERSIST": True,
            "PRESSROOM_CLUSTER_CRAWL": "plug",
            "PRESSROOM_CLUSTER_WORKER_ID": "worker-1",
        },
    )
    spider = Site.from_crawler(crawler)
    spider.cluster_seen = ExpiringSeen(redis_server.client(), CrawlKeys("plug").seen)
    scheduler = Scheduler.from_crawler(crawler)
    scheduler.open(spider)
    page = Request("http://127.0.0.1/a", callback=spider.parse_page, meta={"kind": "candidate"})
    scheduler.enqueue_request(page)
    scheduler.enqueue_request(Request("http://127.0.0.1/a", callback=spider.parse_page))  # dup
    assert len(scheduler) == 1
    taken = scheduler.next_request()
    assert taken.url == page.url and taken.callback == spider.parse_page
    assert taken.meta["kind"] == "candidate" and taken.meta[LEASE_META]
    frontier = scheduler.queue.frontier
    assert frontier.counts().inflight == 1
    # A redirect copies meta: queuing it completes the lease it came from.
    scheduler.enqueue_request(taken.replace(url="http://127.0.0.1/b"))
    assert frontier.counts().inflight == 0 and frontier.counts().queued == 1
    moved = scheduler.next_request()
    assert moved.url == "http://127.0.0.1/b" and moved.meta[LEASE_META] != taken.meta[LEASE_META]
    scheduler.close("finished")
    assert frontier.counts().inflight == 1  # SCHEDULER_PERSIST: a worker stopping keeps the crawl
