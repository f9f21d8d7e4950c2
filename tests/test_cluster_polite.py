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
    reserved: list[tuple[float, float]] = []  # each slot: no earlier, no later than

    def client() -> None:
        # Each client has its own connection, as each worker machine would.
        slots = DomainSlots(redis_server.client(), CrawlKeys("p"), delay=delay, max_wait=30)
        for _ in range(per_client):
            asked = time.monotonic()
            wait = slots.reserve("127.0.0.1")
            reserved.append((asked + wait, time.monotonic() + wait))
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
    # Slots handed out are at least `delay` apart (the atomic part). The client
    # knows each slot only between its clock before the call and after the reply
    # (a thread held up there: 16 ms seen on 2 shared cores, which a fixed 15 ms
    # tolerance failed on), so: no two slots are certainly closer than `delay`
    # (1 ms for Redis' whole-ms clock).
    for i, (early_a, late_a) in enumerate(reserved):
        for early_b, late_b in reserved[i + 1 :]:
            assert max(late_b - early_a, late_a - early_b) >= delay - 0.001
    # What the server saw: in no one-second window much more than the rate allows. A
    # request sent late (its thread held up after its slot, on shared cores) arrives
    # beside the next ones: 12 in a window was seen in a full CI run with reviewers
    # crawling beside it, so half the rate again is allowed; no limit at all would
    # bring all 32 at once.
    worst = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert worst <= round(1.5 / delay), worst
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) * delay - 0.05


def waits(wait: float, seconds: float, since: float) -> bool:
    """Whether ``wait`` is ``seconds`` less the time gone since ``since`` (time.monotonic()).

    Redis reads its own clock (whole ms) in each call; a test process held up
    between two calls (2 shared cores under load: tens of ms) sees that much
    less to wait, which a fixed tolerance around ``seconds`` failed on.
    """
    gone = time.monotonic() - since
    return seconds - gone - 0.005 <= wait <= seconds + 0.005


def test_crawl_delay_and_retry_after_apply_to_every_worker(redis_server):
    one = DomainSlots(redis_server.client(), CrawlKeys("q"), delay=0.0, max_wait=5)
    two = DomainSlots(redis_server.client(), CrawlKeys("q"), delay=0.0, max_wait=5)
    assert one.reserve("a.org") == 0 and two.reserve("a.org") == 0  # no delay configured
    one.set_delay("a.org", 0.5)  # robots.txt Crawl-delay seen by worker one
    since = time.monotonic()
    two.reserve("a.org")
    assert waits(two.reserve("a.org"), 0.5, since)  # worker two waits too
    since = time.monotonic()
    pause = two.back_off("b.org", 2.0)  # a 429 with Retry-After: 2 seen by worker two
    assert pause == 2.0  # the pause itself: one reading of Redis' clock
    assert waits(one.reserve("b.org"), 2.0, since)
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
    since = time.monotonic()
    one.back_off("a.org", 1.0)  # a 429 with Retry-After: 1 seen by worker one
    assert waits(two.enter("a.org"), 1.0, since)  # worker two's next request waits


def test_the_domain_concurrency_limit_is_for_all_workers_together(redis_server):
    keys = CrawlKeys("c")
    # token_ttl 2 s, touched after 1 s: each token has a second of slack either way
    # (with 0.5 s and sleeps of 0.3 + 0.35, a 0.15 s stall expired the touched one too).
    one = DomainSlots(redis_server.client(), keys, delay=0.0, limit=2, token_ttl=2.0)
    two = DomainSlots(redis_server.client(), keys, delay=0.0, limit=2, token_ttl=2.0)
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
    time.sleep(1.0)
    assert two.touch({"a.org": ["two:2"]}) == 1  # two is alive: pushed on
    time.sleep(1.1)  # two:1 (never touched) has expired; two:2 has not
    assert one.enter("a.org", "one:2") == 0
    with pytest.raises(DomainFull):
        one.enter("a.org", "one:3")
    with pytest.raises(ValueError):
        one.enter("a.org")  # a limit without a token could never be given back


def test_tokens_given_back_go_before_the_enter_that_carries_them(redis_server):
    client = redis_server.client()
    slots = DomainSlots(client, CrawlKeys("l"), delay=0.0, limit=1)
    assert slots.enter("a.org", "w:1") == 0
    with pytest.raises(DomainFull):
        slots.enter("a.org", "w:2")
    slots.leave_many({"a.org": ["none"]})  # the script loaded (NOSCRIPT sends a pipeline twice)
    commands = client.info("commandstats")["cmdstat_evalsha"]["calls"]
    # w:1's response came: its token goes back in the round trip of w:2's enter, first.
    assert slots.enter("a.org", "w:2", leaving={"a.org": ["w:1"], "b.org": ["w:0"]}) == 0
    assert client.info("commandstats")["cmdstat_evalsha"]["calls"] == commands + 3
    assert client.zrange(CrawlKeys("l").tokens("a.org"), 0, -1) == [b"w:2"]
    slots.leave_many({"a.org": ["w:2"]})
    assert slots.out("a.org") == 0
