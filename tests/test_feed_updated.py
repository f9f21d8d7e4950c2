"""A feed-only source reruns by Atom's ``<updated>``: exactly the edited entries are fetched.

Issue 14: a rerun compares what the site said (a sitemap's ``<lastmod>``, an
Atom entry's ``<updated>``) with what it said when the page was last fetched.
RSS's ``<pubDate>`` is a publication date that an edit does not move, so RSS
items keep conditional requests. Real crawls through the installed program,
against a small Atom site served here on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import QuietHandler, run_cli, serving

from storage import Archive

SENTENCE = (
    "The ministry published its annual figures on water quality in the northern "
    "districts, where residents had complained about shortages for several years. "
)


class AtomSite:
    """Three releases and an Atom feed; ``edit(n)`` changes a page and moves its <updated>."""

    def __init__(self) -> None:
        self.updated = {n: f"2026-11-0{n}T10:00:00Z" for n in (1, 2, 3)}
        self.notes = {n: "" for n in (1, 2, 3)}
        self.requests: list[str] = []

    def edit(self, n: int, note: str, updated: str) -> None:
        self.notes[n], self.updated[n] = note, updated

    def feed(self, base: str) -> bytes:
        entries = "".join(
            f'<entry><title>Release {n}</title><link href="{base}/news/{n}"/>'
            f"<id>{base}/news/{n}</id><updated>{self.updated[n]}</updated></entry>"
            for n in (1, 2, 3)
        )
        return (
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>News</title>{entries}</feed>"
        ).encode()

    def page(self, n: int) -> bytes:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": f"Water figures for district {n}",
            "datePublished": f"2026-11-0{n}T09:00:00Z",
        }
        body = "".join(f"<p>{SENTENCE * 2}District {n}, part {k}.</p>" for k in range(5))
        return (
            f"<html><head><title>Water figures for district {n}</title>"
            f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
            f"<body><article><h1>Water figures for district {n}</h1>{body}"
            f"<p>{self.notes[n]}</p></article></body></html>"
        ).encode()


@pytest.fixture
def atom_site() -> Iterator[tuple[AtomSite, str]]:
    site = AtomSite()

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            site.requests.append(self.path)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/feed.atom":
                body, kind = site.feed(base), "application/atom+xml"
            elif self.path.startswith("/news/") and self.path[6:] in {"1", "2", "3"}:
                body, kind = site.page(int(self.path[6:])), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_body(body, kind)

    with serving(Handler) as url:
        yield site, url


def _pages_fetched(site: AtomSite) -> list[str]:
    fetched = [path for path in site.requests if path.startswith("/news/")]
    site.requests.clear()
    return fetched


def test_rerun_fetches_exactly_the_entries_whose_updated_moved(atom_site, tmp_path: Path):
    site, base = atom_site
    db = tmp_path / "atom.db"
    first = run_cli("crawl", "--feed", f"{base}/feed.atom", "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert sorted(_pages_fetched(site)) == ["/news/1", "/news/2", "/news/3"]

    # Nothing moved: no page is fetched again, and the summary line says why.
    second = run_cli("crawl", "--feed", f"{base}/feed.atom", "--db", str(db))
    assert second.returncode == 0, second.stderr
    assert _pages_fetched(site) == []
    assert "3 skipped by lastmod" in second.stdout + second.stderr

    # Entry 2 edited (its <updated> moved): exactly it is fetched and revised.
    site.edit(2, "Correction: the figures for March were revised upwards.", "2026-11-20T08:00:00Z")
    third = run_cli("crawl", "--feed", f"{base}/feed.atom", "--db", str(db))
    assert third.returncode == 0, third.stderr
    assert _pages_fetched(site) == ["/news/2"]
    with Archive(db, readonly=True) as archive:
        run = archive.runs()[0]
        assert (run["articles_updated"], run["lastmod_skipped"]) == (1, 2)
        assert "Correction" in archive.get(f"{base}/news/2")["text"]
        revised = [r["url"] for r in archive.revisions()]
        assert revised == [f"{base}/news/2"]
