"""Sitemap entries that redirect to a page the crawl also asks for are counted and recorded.

Sites keep an old URL in their sitemap after a release moved (301 to the new
one, listed too), and send removed releases to one page (301 to /about). The
redirected request was dropped by Scrapy's duplicate filter as already seen,
and the entry with it: counted in no category of the summary line, recorded in
no `pages` row, so every run asked for it again (one more settled each night).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from helpers import (
    QuietHandler,
    answered_robots_or_sitemap,
    harbour_release,
    run_cli,
    serving,
    sitemap_source,
)

LASTMOD = "2024-11-02T10:00:00Z"
REDIRECTS = {
    "/news/old-b": "/news/b",  # moved: the old URL still listed
    "/news/gone-1": "/about",  # removed: sent to one page
    "/news/gone-2": "/about",
    "/news/gone-3": "/about",
}
ABOUT = b"<html><body><h1>About us</h1><p>The ministry's press office.</p></body></html>"


def _site(requests: list[str]) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            requests.append(self.path)
            if answered_robots_or_sitemap(self, ("/news/a", "/news/b", *REDIRECTS), LASTMOD):
                return
            base = f"http://{self.headers['Host']}"
            if self.path in REDIRECTS:
                self.send_response(301)
                self.send_header("Location", base + REDIRECTS[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path in ("/news/a", "/news/b"):
                self.send_body(harbour_release(self.path.rsplit("/", 1)[1]))
            elif self.path == "/about":
                self.send_body(ABOUT)
            else:
                self.send_error(404)

    return Handler


def _counts(db: Path) -> dict:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return dict(conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone())


def test_entries_redirected_to_a_page_already_asked_for_are_counted_and_recorded(tmp_path):
    requests: list[str] = []
    with serving(_site(requests)) as url:
        source = sitemap_source(tmp_path / "moved.toml", "moved", f"{url}/sitemap.xml")
        db = tmp_path / "a.db"
        first = run_cli("crawl", "--source", str(source), "--db", str(db))
        assert first.returncode == 0, first.stderr
        run = _counts(db)
        # Each of the 6 entries once: a and b new; old-b, b read again, unchanged;
        # the three removed ones, sent to /about, not releases.
        assert (run["articles_new"], run["articles_unchanged"], run["not_releases"]) == (2, 1, 3)
        accounted = sum(
            run[k]
            for k in (
                "articles_new",
                "articles_updated",
                "articles_unchanged",
                "not_modified",
                "duplicates",
                "failed",
                "not_releases",
                "not_releases_skipped",
                "lastmod_skipped",
                "outside_patterns",
            )
        )
        assert accounted == 6, first.stdout
        listed = run_cli("pages", "--nl", "--db", str(db))
        pages = {json.loads(line)["url"].removeprefix(url) for line in listed.stdout.splitlines()}
        assert pages == {"/news/a", "/news/b", *REDIRECTS}

        requests.clear()
        second = run_cli("crawl", "--source", str(source), "--db", str(db))
        assert second.returncode == 0, second.stderr
        # Nothing moved: no entry is asked for again, each is counted as skipped.
        assert requests == ["/robots.txt", "/sitemap.xml"]
        run = _counts(db)
        assert (run["lastmod_skipped"], run["not_releases_skipped"]) == (3, 3), second.stdout
