"""Results worker -> coordinator: compressed, acknowledged after the commit, bounded backlog."""

from __future__ import annotations

import pytest
from redis_server import redis_client, redis_server

from crawler.cluster.channel import ChannelFull, ResultChannel
from crawler.cluster.frontier import Frontier
from crawler.cluster.keys import CrawlKeys
from crawler.items import ArticleItem, Capture

__all__ = ["redis_client", "redis_server"]  # fixtures, used by name


def page(n: int) -> bytes:
    return (
        b"<html><body>" + b"<p>A release paragraph, number %d.</p>" * n % tuple(range(n)) + b"</p>"
    )


def test_a_result_with_its_capture_goes_through_compressed(redis_client):
    keys = CrawlKeys("ch")
    frontier, channel = Frontier(redis_client, keys), ResultChannel(redis_client, keys)
    frontier.push(b"request")
    [lease] = frontier.lease("w1")
    body = page(100_000)  # ~3.8 MB of HTML
    item = ArticleItem(
        {"url": "http://127.0.0.1/news/a", "text": "A release."},
        Capture("http://127.0.0.1/news/a", 200, {"Content-Type": "text/html"}, body, "text/html"),
    )
    message = channel.encode({"lease": lease.id, "items": [item]})
    assert len(message) < len(body) / 10
    assert frontier.complete([lease.id], message) == 1  # result sent and lease ended: one step
    assert frontier.done()
    [(message_id, received)] = channel.receive("coordinator")
    assert received["items"][0].capture.body == body
    assert received["items"][0].article == item.article
    channel.ack([message_id])
    assert channel.backlog() == 0


def test_a_coordinator_that_died_reads_its_unacknowledged_results_again(redis_client):
    keys = CrawlKeys("ch")
    channel = ResultChannel(redis_client, keys)
    for i in range(3):
        channel.send({"n": i})
    first = channel.receive("coordinator", count=2)
    assert [m["n"] for _, m in first] == [0, 1]
    assert [m["n"] for _, m in channel.receive("coordinator")] == [2]  # read, not re-read
    # The coordinator dies before committing; the next one, same name, starts over.
    restarted = ResultChannel(redis_client, keys)
    again = restarted.receive("coordinator", count=10)
    assert [m["n"] for _, m in again] == [0, 1, 2]
    restarted.ack([mid for mid, _ in again])
    assert restarted.receive("coordinator", block=0.1) == []
    assert restarted.backlog() == 0


def test_workers_wait_while_the_backlog_is_full(redis_client):
    channel = ResultChannel(redis_client, CrawlKeys("ch"), max_backlog=2)
    channel.send("one")
    channel.send("two")
    with pytest.raises(ChannelFull):
        channel.wait_for_room(timeout=0.2)
    channel.ack([mid for mid, _ in channel.receive("coordinator")])
    channel.wait_for_room(timeout=0.2)  # room again


def test_a_read_after_the_crawl_ended_does_not_make_the_stream_again(redis_client):
    """The coordinator's reader thread may read once more after its crawl's keys were
    deleted (Ctrl-C): that read found no group and made the stream again, for good."""
    keys = CrawlKeys("ch-end")
    channel = ResultChannel(redis_client, keys)
    channel.create_group()
    channel.closed = True  # Coordinator.closed, before the keys go
    redis_client.delete(keys.results)
    assert channel.receive("coordinator", block=0.01) == []
    assert not redis_client.exists(keys.results)
