"""The cluster's politeness and held articles, through the installed program, on a site of its own.

A small site on 127.0.0.1 that answers slowly (so requests overlap), counts
the requests it has open at once, and can answer one request 429 with
Retry-After. The coordinator and two workers crawl it as in
test_cluster_crawl.py; here with no delay configured (the loopback's default).
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import run_cli
from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer
from test_cluster_crawl import finish, start_coordinator, start_worker

from crawler.cluster.channel import ResultChannel
from crawler.cluster.keys import CrawlKeys
from fixtures.sources import source_toml

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
PAGES = 30
DAY = "/news/2026/01/01/"
ALIAS, CANONICAL = f"{DAY}alias-3", f"{DAY}release-3-canonical"


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop(kill=True)


def page(n: int, canonical: str | None = None) -> bytes:
    words = " ".join(f"word{n}x{i}" for i in range(12))
    paragraphs = "".join(
        f"<p>Release {n}, paragraph {i}: the ministry said on Monday that {words} would be"
        f" reviewed by the committee before the end of the month, number {n * 100 + i}.</p>"
        for i in range(6)
    )
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f"<html><head><title>Release {n}</title>{link}</head><body><article>"
        f"<h1>Release number {n} of the ministry</h1>{paragraphs}</article></body></html>"
    ).encode()


class Site(ThreadingHTTPServer):
    """Pages ``DAY + release-N`` and an alias (canonical URL elsewhere); slow; a 429 on demand."""

    daemon_threads = True

    def __init__(self, latency: float, throttle_at: int = 0, retry_after: int = 0) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.latency, self.throttle_at, self.retry_after = latency, throttle_at, retry_after
        self.lock = threading.Lock()
        self.open = self.most_open = self.page_requests = 0
        self.log: list[tuple[float, str, int]] = []  # arrival, path, status
        self.throttled_at: float | None = None  # when the 429 went out

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def paths(self) -> list[str]:
        # The alias early in the sitemap: the held-article test kills the coordinator
        # after pages fetched behind it, before the crawl ends (listed last, it was
        # sometimes fetched among the last on a loaded machine, and the crawl ended first).
        releases = [f"{DAY}release-{n}" for n in range(PAGES)]
        return [*releases[:3], ALIAS, *releases[3:]]


class Handler(BaseHTTPRequestHandler):
    server: Site

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        site, path = self.server, self.path
        if not path.startswith(DAY):
            if path == "/robots.txt":
                self.reply(200, b"User-agent: *\nAllow: /\n", "text/plain")
            elif path == "/sitemap.xml":
                urls = "".join(f"<url><loc>{site.url}{p}</loc></url>" for p in site.paths())
                xml = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                self.reply(200, xml.encode(), "application/xml")
            else:
                self.reply(404, b"not found", "text/plain")
            return
        with site.lock:
            site.open += 1
            site.most_open = max(site.most_open, site.open)
            site.page_requests += 1
            throttle = site.page_requests == site.throttle_at
            arrived = time.monotonic()
        try:
            time.sleep(site.latency)
            if throttle:
                site.throttled_at = time.monotonic()
                self.reply(429, b"slow down", "text/plain", {"Retry-After": str(site.retry_after)})
                status = 429
            elif path == ALIAS:
                self.reply(200, page(PAGES, site.url + CANONICAL), "text/html; charset=utf-8")
                status = 200
            else:
                n = int(path.rsplit("-", 1)[1])
                self.reply(200, page(n), "text/html; charset=utf-8")
                status = 200
        finally:
            with site.lock:
                site.open -= 1
        site.log.append((arrived, path, status))

    def reply(self, status: int, body: bytes, kind: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve(tmp_path: Path, **options: float) -> tuple[Site, Path]:
    site = Site(**options)  # type: ignore[arg-type]
    threading.Thread(target=site.serve_forever, daemon=True).start()
    source = tmp_path / "polite.toml"
    pattern = f"^{site.url}{DAY}[^/]+$"
    source.write_text(
        source_toml("polite", sitemaps=[f"{site.url}/sitemap.xml"], articles={"allow": [pattern]})
    )
    return site, source


def test_two_workers_share_the_domain_concurrency_and_a_retry_after(
    tmp_path: Path, redis: RedisServer
) -> None:
    """At most 2 requests out for the cluster; a 429 Retry-After: 2 stops every worker for 2 s."""
    site, source = serve(tmp_path, latency=0.15, throttle_at=8, retry_after=2)
    try:
        db = tmp_path / "cluster.db"
        workers = [start_worker(redis.url, tmp_path / f"w{i}.log") for i in range(2)]
        coordinator = start_coordinator(
            source, db, redis.url, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"
        )
        out = finish(coordinator, workers)
    finally:
        site.shutdown()
    assert out.startswith("run 1 polite: ok"), out
    for i in range(2):  # both workers fetched pages: the limits held across processes
        log = (tmp_path / f"w{i}.log").read_text()
        assert "requests completed" in log and " 0 requests completed" not in log, log
    # Concurrency: each worker alone may have 2 out; together they never had more than 2.
    assert site.most_open <= 2, site.most_open
    # Retry-After: after the 429 went out, no request to the site for 2 s, from either
    # worker. Grace: one request taken before the 429 reached its worker (the other
    # token; its slot was taken before the pause was recorded) may arrive in the first 0.3 s.
    assert site.throttled_at is not None
    since = [(t - site.throttled_at, path) for t, path, _ in site.log if t > site.throttled_at]
    assert len([s for s, _ in since if s < 0.3]) <= 1, since
    assert not [s for s, _ in since if 0.3 <= s < 2.0 - 0.05], since
    assert since and max(s for s, _ in since) > 2.0  # and the crawl went on after it
    with sqlite3.connect(db) as conn:
        stored = {url for (url,) in conn.execute("SELECT url FROM articles")}
    # Every page, the 429'd one on its retry, the alias under its canonical URL.
    assert len(stored) == PAGES + 1
    assert site.url + CANONICAL in stored


def test_a_held_article_is_acknowledged_only_after_its_write(
    tmp_path: Path, redis: RedisServer
) -> None:
    """SIGKILL the coordinator while the canonical guard holds an article: its result stays in
    Redis (not acknowledged), the archive records nothing of it, and the next crawl stores it."""
    site, source = serve(tmp_path, latency=0.3)
    db = tmp_path / "cluster.db"
    try:
        worker = start_worker(redis.url, tmp_path / "w.log")
        coordinator = start_coordinator(source, db, redis.url, "-s", "PRESSROOM_BATCH_SIZE=1")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # until batches after the alias's are committed
            fetched = [path for _, path, _ in site.log]
            if ALIAS in fetched and len(fetched) - fetched.index(ALIAS) > 6 and db.exists():
                with sqlite3.connect(db, timeout=5) as conn:
                    if conn.execute("SELECT count(*) FROM articles").fetchone()[0] >= 8:
                        break
            time.sleep(0.1)
        else:
            pytest.fail("in 90 s: the alias not followed by 6 fetches and 8 stored articles")
        assert coordinator.poll() is None, "the crawl ended before the test could kill it"
        coordinator.send_signal(signal.SIGKILL)
        coordinator.wait()
        worker.send_signal(signal.SIGTERM)
        # Stopped mid-crawl (its coordinator is gone): 128 + SIGTERM, as supervisors expect.
        assert worker.wait(timeout=60) == 143, (tmp_path / "w.log").read_text()
        with sqlite3.connect(db) as conn:
            written = {url for (url,) in conn.execute("SELECT url FROM articles")}
            paged = {url for (url,) in conn.execute("SELECT url FROM pages")}
        assert len(written) >= 8 and site.url + CANONICAL not in written
        assert site.url + ALIAS not in paged  # so the next run fetches it again
        # The held article's result is still in the results stream, pending.
        client = redis.client()
        [key] = list(client.scan_iter(match="pressroom:*:results"))
        crawl = key.decode().split("{", 1)[1].split("}", 1)[0]
        channel = ResultChannel(client, CrawlKeys(crawl))
        held = [
            item.article["url"]
            for _, fields in client.xrange(key)
            for item in channel.decode(fields[b"d"]).get("items") or []
            if hasattr(item, "article")
        ]
        assert site.url + CANONICAL in held, held
        # The next crawl (one machine here) stores it.
        result = run_cli("crawl", "--source", str(source), "--db", str(db))
        assert result.returncode == 0, result.stdout + result.stderr
        with sqlite3.connect(db) as conn:
            written = {url for (url,) in conn.execute("SELECT url FROM articles")}
        assert site.url + CANONICAL in written
    finally:
        site.shutdown()
