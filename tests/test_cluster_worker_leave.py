"""A worker gives a concurrency token back with its next enter: one round trip a page fewer."""

from __future__ import annotations

from types import SimpleNamespace

from redis_server import redis_server
from scrapy.http import Request
from scrapy.settings import Settings

from crawler.cluster import crawls, worker

__all__ = ["redis_server"]  # a fixture, used by name


def test_a_token_given_back_rides_with_the_next_enter_or_the_timer(redis_server, monkeypatch):
    config = crawls.CrawlConfig(
        crawl="lv-1", source={"name": "t"}, settings={"CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    )
    crawls.publish(redis_server.client(), config)  # a worker's writes need a running crawl
    crawler = SimpleNamespace(settings=Settings({"PRESSROOM_CLUSTER_REDIS": redis_server.url}))
    cluster = worker.WorkerLink(crawler, config)
    armed: list[int] = []
    monkeypatch.setattr(cluster, "_arm", lambda: armed.append(1))  # the reactor's timer
    first, second = Request("http://a.org/1"), Request("http://a.org/2")
    assert cluster.enter(first, "a.org") == 0
    cluster.leave(first)
    assert (cluster.slots.out("a.org"), armed) == (1, [1])  # kept a moment, not sent
    # The limit is 1: this enter succeeds only because first's token went back first.
    assert cluster.enter(second, "a.org") == 0
    assert cluster.leaving == {} and cluster.slots.out("a.org") == 1
    cluster.leave(second)
    cluster.flush_leaving()  # what the timer does when no enter came within LEAVE_DELAY
    assert cluster.slots.out("a.org") == 0 and cluster.tokens == {}
