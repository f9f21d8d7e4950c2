"""Shared politeness: concurrent workers together never go faster than one domain's delay."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from redis_server import redis_client, redis_server

from crawler.cluster.keys import CrawlKeys
from crawler.cluster.polite import DomainFull, DomainSlots, TooFar

__all__ = ["redis_client", "redis_server"]  # fixtures, used by name


class Recorder(BaseHTTPRequestHandler):
    arrivals: list[float] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        Recorder.arrivals.append(time.monotonic())
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def test_concurrent_clients_never_exceed_the_domain_rate(redis_server):
    import urllib.request

    delay, clients, per_client = 0.1, 4, 8  # at most 10 requests a second, together
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    Recorder.arrivals = []
    reserved: list[float] = []

    def client() -> None:
        # Each client has its own connection, as each worker machine would.
        slots = DomainSlots(redis_server.client(), CrawlKeys("p"), delay=delay, max_wait=30)
        for _ in range(per_client):
            wait = slots.reserve("127.0.0.1")
            reserved.append(time.monotonic() + wait)
            time.sleep(wait)
            urllib.request.urlopen(url, timeout=10).read()

    try:
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.shutdown()
    arrivals = sorted(Recorder.arrivals)
    assert len(arrivals) == clients * per_client
    # Slots handed out are at least `delay` apart (the atomic part), give or take
    # the client's clock reading after the reply: 15 ms on 2 cores at load 7 (seen: 5.2 ms).
    gaps = [b - a for a, b in zip(sorted(reserved), sorted(reserved)[1:], strict=False)]
    assert min(gaps) > delay - 0.015
    # What the server saw: in no one-second window more than the rate allows
    # (plus one for a request that arrived late into the next slot's window).
    worst = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert worst <= round(1.0 / delay) + 1
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) * delay - 0.05


def test_crawl_delay_and_retry_after_apply_to_every_worker(redis_server):
    one = DomainSlots(redis_server.client(), CrawlKeys("q"), delay=0.0, max_wait=5)
    two = DomainSlots(redis_server.client(), CrawlKeys("q"), delay=0.0, max_wait=5)
    assert one.reserve("a.org") == 0 and two.reserve("a.org") == 0  # no delay configured
    one.set_delay("a.org", 0.5)  # robots.txt Crawl-delay seen by worker one
    two.reserve("a.org")
    assert two.reserve("a.org") == pytest.approx(0.5, abs=0.02)  # worker two waits too
    pause = two.back_off("b.org", 2.0)  # a 429 with Retry-After: 2 seen by worker two
    assert pause == pytest.approx(2.0, abs=0.02)
    assert one.reserve("b.org") == pytest.approx(2.0, abs=0.05)
    with pytest.raises(TooFar):
        one.back_off("c.org", 60)
        one.reserve("c.org")  # further than max_wait: nothing taken
    assert one.reserve("d.org") == 0  # other domains are not held up


def test_a_pause_reaches_every_worker_with_no_delay_configured(redis_server):
    """No delay: nothing is written per request, but a Retry-After still holds everyone back."""
    client = redis_server.client()
    one = DomainSlots(client, CrawlKeys("r"), delay=0.0, max_wait=5)
    two = DomainSlots(redis_server.client(), CrawlKeys("r"), delay=0.0, max_wait=5)
    assert one.enter("a.org") == 0 and two.enter("a.org") == 0
    assert client.exists(CrawlKeys("r").domain("a.org")) == 0  # no delay: no write at all
    one.back_off("a.org", 1.0)  # a 429 with Retry-After: 1 seen by worker one
    assert two.enter("a.org") == pytest.approx(1.0, abs=0.05)  # worker two's next request waits


def test_the_domain_concurrency_limit_is_for_all_workers_together(redis_server):
    keys = CrawlKeys("c")
    one = DomainSlots(redis_server.client(), keys, delay=0.0, limit=2, token_ttl=0.5)
    two = DomainSlots(redis_server.client(), keys, delay=0.0, limit=2, token_ttl=0.5)
    assert one.enter("a.org", "one:1") == 0
    assert two.enter("a.org", "two:1") == 0
    with pytest.raises(DomainFull):
        two.enter("a.org", "two:2")  # two out, from two workers: the third waits
    assert two.enter("b.org", "two:3") == 0  # another domain has its own limit
    one.leave("a.org", "one:1")
    assert two.enter("a.org", "two:2") == 0  # a token came back
    with pytest.raises(DomainFull):
        one.enter("a.org", "one:2")
    # A worker killed holding tokens: they expire (token_ttl), unless its heartbeat touches them.
    time.sleep(0.3)
    assert two.touch({"a.org": ["two:2"]}) == 1  # two is alive: pushed on
    time.sleep(0.35)  # two:1 (never touched) has expired; two:2 has not
    assert one.enter("a.org", "one:2") == 0
    with pytest.raises(DomainFull):
        one.enter("a.org", "one:3")
    with pytest.raises(ValueError):
        one.enter("a.org")  # a limit without a token could never be given back
