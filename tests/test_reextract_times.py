"""`reextract` fetches nothing: it leaves `last_fetched` (and the run that fetched) alone.

It stamped every release it read as fetched now, with its own run: `last_fetched`
("when pressroom last fetched it") was the re-extraction's time in every export,
and `--recheck-older-than 30d`, which takes the releases not fetched for 30 days,
then rechecked none of them for 30 days: a page edited under an unchanged lastmod
went unseen a month longer after each reextract.
"""

from __future__ import annotations

import sqlite3

from helpers import harbour_release, pages_serving, run_cli

SLUGS = ("north-quay", "south-quay", "east-quay")
LONG_AGO = "2026-01-02T03:04:05+00:00"


def _rows(db) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, last_fetched, run_id, last_changed FROM articles")
        return {url.rsplit("/", 1)[1]: tuple(rest) for url, *rest in rows}


def test_reextract_leaves_when_each_release_was_fetched_and_the_recheck_finds_them(tmp_path):
    pages = {f"/news/{slug}": harbour_release(slug) for slug in SLUGS}
    with pages_serving(pages) as (url, requests):
        entries = "".join(
            f"<url><loc>{url}/news/{slug}</loc><lastmod>2024-11-02</lastmod></url>"
            for slug in SLUGS
        )
        pages["/sitemap.xml"] = (
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        ).encode()
        source = tmp_path / "quays.toml"
        rules = (
            'name = "quays"\nallowed_domains = ["127.0.0.1"]\n'
            f'[discover]\nsitemaps = ["{url}/sitemap.xml"]\n'
            "[articles]\nallow = ['/news/']\n"
        )
        source.write_text(rules)
        db = tmp_path / "a.db"
        first = run_cli("crawl", "--source", str(source), "--db", str(db))
        assert first.returncode == 0, first.stderr
        assert "3 new" in first.stdout
        with sqlite3.connect(db) as conn:  # as if crawled long ago
            conn.execute("UPDATE articles SET last_fetched = ?", [LONG_AGO])
        before = _rows(db)
        # New rules that drop a paragraph of one release: that one changes.
        source.write_text(rules + '[extract]\ndrop_phrases = ["Site north-quay, part 4"]\n')
        redone = run_cli("reextract", "--source", "quays", "--db", str(db))
        assert redone.returncode == 0, redone.stderr
        assert "1 changed, 2 unchanged" in redone.stdout
        after = _rows(db)
        for slug in SLUGS:
            # Fetched when it was, by the run that fetched it.
            assert after[slug][:2] == before[slug][:2] == (LONG_AGO, 1), slug
        assert after["north-quay"][2] > before["north-quay"][2]  # its stored text changed
        assert after["south-quay"][2] == before["south-quay"][2]

        requests.clear()
        again = run_cli(
            "crawl", "--source", str(source), "--db", str(db), "--recheck-older-than", "30d"
        )
        assert again.returncode == 0, again.stderr
        # Their lastmods held: only the recheck asks for them, all three (not fetched
        # since long ago), conditionally.
        assert sorted(p for p in requests if p.startswith("/news/")) == sorted(pages)[:3]
        assert "0 skipped by lastmod" in again.stdout
