"""A link walk's rerun reaches what its first run reached, through pages answered 304.

Real crawls through the installed `pressroom` program (``--start-url``) of a small
site served on 127.0.0.1 that answers conditional requests as servers do (an ETag
per body; 304 Not Modified when it still matches). The walk's reach runs through
releases: the start page links release A only, A links B ("related releases"),
B links C, and C links E. A rerun asks for A conditionally; its 304 has no body,
so without the links A had when last read in full the walk ended there, and B, C
and whatever C links now (a new release D) were never rechecked nor found.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import QuietHandler, run_cli, serving

SENTENCE = (
    "The ministry published its inspection of the northern terminals, "
    "where repairs to the sea wall had been delayed for several winters. "
)


def _release(slug: str, related: list[str], edited: bool = False) -> bytes:
    data = {"@type": "NewsArticle", "headline": f"Harbour works at {slug}"}
    body = "".join(f"<p>{SENTENCE * 2}Site {slug}, part {k}.</p>" for k in range(5))
    if edited:
        body += f"<p>{SENTENCE}The works at {slug} were extended by a month.</p>"
    links = "".join(f'<li><a href="/news/{r}">Harbour works at {r}</a></li>' for r in related)
    return (
        f"<html><head><title>Harbour works at {slug}</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><article><h1>Harbour works at {slug}</h1>"
        '<p class="date">Published 2 November 2024</p>'
        f"{body}</article><aside><h2>Related releases</h2><ul>{links}</ul></aside>"
        "</body></html>"
    ).encode()


def _pages() -> dict[str, bytes]:
    return {
        "/": b'<html><body><h1>Ministry</h1><a href="/news/a">Latest release</a></body></html>',
        "/news/a": _release("a", ["b"]),
        "/news/b": _release("b", ["c"]),
        "/news/c": _release("c", ["e"]),
        "/news/e": _release("e", []),
    }


class Site:
    """The pages, changeable between runs, and the requests each run made."""

    def __init__(self) -> None:
        self.pages = _pages()
        self.requests: list[tuple[str, int, bool]] = []  # (path, status, conditional)
        self.lock = threading.Lock()

    def edit_c(self) -> None:
        """Release C edited: its related box now links a new release D instead of E."""
        self.pages["/news/c"] = _release("c", ["d"], edited=True)
        self.pages["/news/d"] = _release("d", [])

    def asked(self) -> list[tuple[str, int, bool]]:
        with self.lock:
            asked, self.requests = self.requests, []
        return [r for r in asked if r[0] != "/robots.txt"]


@pytest.fixture
def site() -> Iterator[tuple[str, Site]]:
    with walk_site() as served:
        yield served


@contextlib.contextmanager
def walk_site() -> Iterator[tuple[str, Site]]:
    """The site served on 127.0.0.1: (its base URL, its state). Cluster tests walk it too."""
    state = Site()

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = state.pages.get(self.path)
            if self.path == "/robots.txt":
                body = b"User-agent: *\nAllow: /\n"
            if body is None:
                self.send_error(404)
                return
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            asked = self.headers.get("If-None-Match")
            status = 304 if asked == etag else 200
            with state.lock:
                state.requests.append((self.path, status, asked is not None))
            self.send_response(status)
            self.send_header("ETag", etag)
            if status == 304:
                self.end_headers()
                return
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with serving(Handler) as base:
        yield base, state


def _crawl(base: str, db: Path, *args: str):
    walk = ("--start-url", f"{base}/", "--allow", "/news/")
    result = run_cli("crawl", *walk, "--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    return result


def _stored(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {url.rsplit("/", 1)[1] for (url,) in conn.execute("SELECT url FROM articles")}


def _statuses(asked: list[tuple[str, int, bool]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for path, status, _ in asked:
        out.setdefault(path, []).append(status)
    return out


def test_rerun_walks_on_through_releases_answered_304(site, tmp_path):
    base, state = site
    db = tmp_path / "walk.db"
    _crawl(base, db)
    assert _stored(db) == {"a", "b", "c", "e"}
    state.asked()

    state.edit_c()
    again = _crawl(base, db)
    asked = _statuses(state.asked())
    # A and B unchanged (one conditional request each, 304); the walk goes on through
    # the links they had when last read: C is rechecked (edited, 200) and D found.
    assert asked["/news/a"] == [304] and asked["/news/b"] == [304]
    assert asked["/news/c"] == [200] and asked["/news/d"] == [200]
    assert "/news/e" not in asked  # linked from C's old page only
    assert _stored(db) == {"a", "b", "c", "d", "e"}
    assert ": ok - 1 new, 1 updated, 0 unchanged, 2 not modified," in again.stdout

    # C's page was read in full: its links are now those of the new page (D, no E).
    third = _crawl(base, db)
    asked = _statuses(state.asked())
    assert {path: asked[path] for path in ("/news/a", "/news/b", "/news/c", "/news/d")} == {
        "/news/a": [304],
        "/news/b": [304],
        "/news/c": [304],
        "/news/d": [304],
    }
    assert "/news/e" not in asked
    assert ": ok - 0 new, 0 updated, 0 unchanged, 4 not modified," in third.stdout


def test_depth_counts_hops_through_304s_as_through_full_pages(site, tmp_path):
    base, state = site
    db = tmp_path / "walk.db"
    _crawl(base, db)
    state.edit_c()
    fresh = tmp_path / "fresh.db"
    shutil.copy(db, tmp_path / "rerun.db")
    # The start page is hop 0, A 1, B 2, C 3: D, linked from C, is 4 hops away.
    first = _crawl(base, fresh, "--depth", "3")
    rerun = _crawl(base, tmp_path / "rerun.db", "--depth", "3")
    for result in (first, rerun):
        (warning,) = [line for line in result.stderr.splitlines() if "--depth" in line]
        assert warning.startswith("Warning: --depth 3 held back 1 more link, beyond 3 hops")
        assert f"{base}/news/d" in warning
    assert "d" not in _stored(tmp_path / "rerun.db")
    deeper = _crawl(base, tmp_path / "rerun.db", "--depth", "4")
    assert "--depth" not in deeper.stderr
    assert "d" in _stored(tmp_path / "rerun.db")


def test_a_304_without_a_stored_page_is_read_again_in_full_once(site, tmp_path):
    base, state = site
    db = tmp_path / "walk.db"
    _crawl(base, db)
    state.asked()
    # A release archived without the page it was read from (as a release stored by other
    # means than a crawl): its links are nowhere but on the site.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE articles SET capture_hash = NULL WHERE url LIKE '%/news/a'")
    state.edit_c()
    again = _crawl(base, db, "-v")
    asked = state.asked()
    statuses = _statuses(asked)
    # Asked conditionally, then once in full (unconditionally) for its links.
    assert [(s, c) for p, s, c in asked if p == "/news/a"] == [(304, True), (200, False)]
    assert statuses["/news/d"] == [200]
    assert "read again in full for its links" in again.stderr
    # Counted once, as a release read and found unchanged, not also as not modified.
    assert ": ok - 1 new, 1 updated, 1 unchanged, 1 not modified," in again.stdout
    # Its page is stored now: the next rerun needs no second request.
    _crawl(base, db)
    assert _statuses(state.asked())["/news/a"] == [304]
