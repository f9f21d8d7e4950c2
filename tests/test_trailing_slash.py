"""Pages are fetched at the URL the site links; only the archive's key is normalized.

A review crawled sites whose servers answer "/press/2024/a/" and 404 for
"/press/2024/a" (no redirect): pressroom fetched the normalized URL (trailing
slash stripped), lost 14 of 22 feed releases and stopped a listing at page 1,
and the run still said "ok". The site here is that kind of server, written
into the test: every path is answered exactly as listed, anything else is a
404, except "/press/2024/d", which redirects to "/press/2024/d/" (the common
kind), and "/press/2024/c", which has no slash and must keep working. Real
crawls through the installed program.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import PROGRAM, ROOT, QuietHandler, run_cli, serving
from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer

SENTENCE = (
    "The harbour authority published its inspection of the northern terminals, "
    "where repairs to the sea wall had been delayed for several winters. "
)


def _release(slug: str) -> bytes:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": f"Harbour works at {slug}",
        "datePublished": "2024-11-02T09:00:00Z",
    }
    body = "".join(f"<p>{SENTENCE * 2}Site {slug}, part {k}.</p>" for k in range(5))
    return (
        f"<html><head><title>Harbour works at {slug}</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><article><h1>Harbour works at {slug}</h1>{body}</article></body></html>"
    ).encode()


def _listing(links: list[str], next_page: str | None) -> bytes:
    items = "".join(f'<li><a href="{href}">Release {href}</a></li>' for href in links)
    pager = f'<a class="pager-next" href="{next_page}">Next</a>' if next_page else ""
    return f"<html><body><h1>Newsroom</h1><ul>{items}</ul>{pager}</body></html>".encode()


def _pages(base: str) -> dict[str, tuple[bytes, str]]:
    html = "text/html; charset=utf-8"
    # Page 1 links "a" twice (once with a tracking parameter, once with a fragment):
    # one release, fetched once. Page 2 is reached only through its slashed link.
    page1 = ["/press/2024/a/", "/press/2024/a/?utm_source=home#top", "/press/2024/c"]
    page2 = ["/press/2024/b/", "/press/2024/d"]
    feed_items = "".join(
        f"<item><title>{slug}</title><link>{base}/press/2024/{slug}?utm_source=rss"
        "&amp;utm_medium=feed</link></item>"
        for slug in ("a/", "b/", "c", "d")
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{feed_items}</channel></rss>'
    return {
        "/robots.txt": (b"User-agent: *\nAllow: /\n", "text/plain"),
        "/press/": (_listing(page1, "/press/page/2/"), html),
        "/press/page/2/": (_listing(page2, None), html),
        "/press/2024/a/": (_release("a"), html),
        "/press/2024/b/": (_release("b"), html),
        "/press/2024/c": (_release("c"), html),
        "/press/2024/d/": (_release("d"), html),
        "/feed.xml": (feed.encode(), "application/rss+xml"),
    }


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    requests: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            path = self.path.split("?")[0]  # the query does not change the page
            requests.append(self.path)
            found = _pages(base).get(path)
            if path == "/press/2024/d":
                self.send_response(301)
                self.send_header("Location", "/press/2024/d/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if found is None:
                self.send_error(404)
                return
            body, kind = found
            etag = f'"{len(body)}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as url:
        yield url, requests


def _stored(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return sorted(row[0] for row in conn.execute("SELECT url FROM articles"))


def _keys(base: str) -> list[str]:
    return [f"{base}/press/2024/{slug}" for slug in "abcd"]


def _listing_source(base: str, path: Path) -> Path:
    path.write_text(
        'name = "harbour"\nallowed_domains = ["127.0.0.1"]\n'
        f'[discover]\nlistings = ["{base}/press/"]\nnext_page = "a.pager-next"\n'
        "[articles]\nallow = ['/press/2024/']\n"
    )
    return path


def test_a_listing_pages_through_slashed_urls_and_stores_each_release_once(site, tmp_path):
    base, requests = site
    source = _listing_source(base, tmp_path / "harbour.toml")
    db = tmp_path / "harbour.db"
    result = run_cli("crawl", "--source", str(source), "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 new" in result.stdout and " 0 failed" in result.stdout, result.stdout
    # Stored under the normal form (no trailing slash), each once.
    assert _stored(db) == _keys(base)
    assert "/press/page/2/" in requests  # paging went on past page 1
    assert "/press/page/2" not in requests and "/press/2024/a" not in requests
    # "a" linked twice, fetched once, and without the tracking parameter.
    assert requests.count("/press/2024/a/") == 1, requests
    assert not any("utm_" in path for path in requests), requests


def test_pages_lists_the_normalized_url_as_the_readme_says(site, tmp_path):
    # A review found README's schema saying pages.url is "as the sitemap or link
    # listed it", while the site linked "/press/2024/a/" and pages held the key
    # "/press/2024/a": README must name what is stored.
    base, requests = site
    db = tmp_path / "harbour.db"
    source = _listing_source(base, tmp_path / "harbour.toml")
    assert run_cli("crawl", "--source", str(source), "--db", str(db)).returncode == 0
    listed = run_cli("pages", "--releases", "--format", "json", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    assert sorted(page["url"] for page in json.loads(listed.stdout)) == _keys(base)
    assert "/press/2024/a/" in requests  # fetched as linked, recorded by its key
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    columns = readme.split("| `pages` |")[1].split("|")[1]  # the schema table's row
    assert "as the sitemap or link listed it" not in columns
    assert "`url` (the normalized URL, the key" in columns
    helped = " ".join(run_cli("pages", "--help").stdout.split())
    assert "by its normalized URL" in helped


def test_a_feed_of_slashed_links_with_tracking_parameters_is_archived_whole(site, tmp_path):
    base, requests = site
    db = tmp_path / "feed.db"
    result = run_cli("crawl", "--feed", f"{base}/feed.xml", "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert " 0 failed" in result.stdout, result.stdout
    assert _stored(db) == _keys(base)
    assert not any("utm_" in path for path in requests), requests

    # A rerun that re-validates every release asks each at the URL it was served
    # from ("/press/2024/a/", not the stored key "/press/2024/a", a 404 here), with
    # the validators stored under the key.
    requests.clear()
    again = run_cli(
        "crawl", "--feed", f"{base}/feed.xml", "--db", str(db), "--recheck-older-than", "0d"
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "4 not modified" in again.stdout and " 0 failed" in again.stdout, again.stdout
    assert "/press/2024/a" not in requests and "/press/2024/b" not in requests, requests


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
def test_a_cluster_crawl_fetches_the_linked_urls_and_dedups_by_key(site, tmp_path):
    """The cluster's frontier carries the request as linked; its seen set, the key."""
    base, requests = site
    source = _listing_source(base, tmp_path / "harbour.toml")
    db = tmp_path / "cluster.db"
    redis = RedisServer(tmp_path / "redis").start()
    try:
        worker = subprocess.Popen(
            [
                PROGRAM,
                "worker",
                "--redis",
                redis.url,
                "--workers",
                "1",
                "--exit-when-idle",
                "--allow-private-addresses",
            ],
            stdout=(tmp_path / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        coordinator = subprocess.run(
            [PROGRAM, "crawl", "--source", str(source), "--db", str(db), "--redis", redis.url],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert worker.wait(timeout=60) == 0, (tmp_path / "worker.log").read_text()
    finally:
        redis.stop(kill=True)
    assert coordinator.returncode == 0, coordinator.stdout + coordinator.stderr
    assert "4 new" in coordinator.stdout and " 0 failed" in coordinator.stdout, coordinator.stdout
    assert _stored(db) == _keys(base)
    assert "/press/page/2" not in requests and requests.count("/press/2024/a/") == 1, requests
