"""A feed item's date dates a release whose page gives none (a review of a new site).

An RSS-only press room served its releases with no date on the page: half of them
were stored with ``date_published`` NULL although the feed gave each its
``<pubDate>``. The feed's date is now the page's date hint, before the sitemap
lastmod (a publication date rather than the last change), and the page's own
date still wins. Real crawls through the installed program (``--feed``, no
source file) of a small site served here on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import QuietHandler, run_cli, serving

from storage import Archive

SENTENCE = (
    "The harbour authority published its inspection of the ferry terminals after the "
    "winter storms, and said that repair work would begin in the spring. "
)
# path -> (the page's own datePublished or "", RSS pubDate, Atom published)
RELEASES = {
    "/news/1": ("", "Sun, 06 Oct 2024 09:30:00 +0000", "2024-10-06T09:30:00Z"),
    "/news/2": ("2024-05-28", "Tue, 28 May 2024 18:00:00 +0000", "2024-05-28T18:00:00Z"),
    "/news/3": ("", "Wed, 27 Nov 2024 09:30:00 +0100", "2024-11-27T09:30:00+01:00"),
}


def _page(path: str) -> bytes:
    own = RELEASES[path][0]
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": path}
    if own:
        data["datePublished"] = own
    body = "".join(f"<p>{SENTENCE * 2}Terminal {k}.</p>" for k in range(5))
    return (
        f"<html><head><title>Inspection {path}</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><article><h1>Inspection {path}</h1>{body}</article></body></html>"
    ).encode()


def _rss(base: str) -> bytes:
    items = "".join(
        f"<item><title>{p}</title><link>{base}{p}</link><pubDate>{d[1]}</pubDate></item>"
        for p, d in RELEASES.items()
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def _atom(base: str) -> bytes:
    entries = "".join(
        f'<entry><title>{p}</title><link href="{base}{p}"/><id>{base}{p}</id>'
        f"<published>{d[2]}</published><updated>2024-12-01T08:00:00Z</updated></entry>"
        for p, d in RELEASES.items()
    )
    return (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'
    ).encode()


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/rss.xml":
                body, kind = _rss(base), "application/rss+xml"
            elif self.path == "/atom.xml":
                body, kind = _atom(base), "application/atom+xml"
            elif self.path in RELEASES:
                body, kind = _page(self.path), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_body(body, kind)

    with serving(Handler) as url:
        yield url


def _dates(db: Path) -> dict[str, str | None]:
    with Archive(db, readonly=True) as archive:
        return {row["url"].split("/", 3)[3]: row["date_published"] for row in archive.articles()}


def test_an_rss_pubdate_dates_a_page_without_a_date(site: str, tmp_path: Path) -> None:
    db = tmp_path / "rss.db"
    result = run_cli("crawl", "--feed", f"{site}/rss.xml", "--db", str(db), "-v")
    assert result.returncode == 0, result.stderr
    assert _dates(db) == {
        "news/1": "2024-10-06T09:30:00+00:00",
        "news/2": "2024-05-28",  # the page's own date wins
        "news/3": "2024-11-27T09:30:00+01:00",
    }
    assert "'pressroom/dated_by_feed': 2" in result.stdout + result.stderr


def test_an_atom_published_dates_a_page_without_a_date(site: str, tmp_path: Path) -> None:
    db = tmp_path / "atom.db"
    result = run_cli("crawl", "--feed", f"{site}/atom.xml", "--db", str(db))
    assert result.returncode == 0, result.stderr
    # <published>, not <updated> (the last edit, the same on every entry here).
    assert _dates(db) == {
        "news/1": "2024-10-06T09:30:00Z",
        "news/2": "2024-05-28",
        "news/3": "2024-11-27T09:30:00+01:00",
    }
