"""A source's releases are rewritten by one command at a time: a crawl or a reextract.

`reextract` re-reads the captures it listed when it started and saves what it
extracts from them. Run beside a crawl of the same source, it wrote the text of
a release's old capture back over the version the crawl had just stored (and
made that one a revision); the next nightly run skipped the page by its lastmod,
so the archive kept the stale text as current. Both now hold the source's lock
file, and the one that comes second exits 75 having done nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers import run_cli, store_voted_page

from crawler.lock import crawl_lock
from storage import Archive


def _runs(db: Path) -> list[dict]:
    with Archive(db, readonly=True) as archive:
        return archive.runs()


def test_reextract_is_refused_while_a_crawl_of_the_source_runs(tmp_path):
    db = tmp_path / "a.db"
    url, _ = store_voted_page(db, text="An older reading of the page.")
    before = _runs(db)
    with crawl_lock(db, "mysite"):  # what a crawl of mysite into a.db holds
        result = run_cli("reextract", "--source", "mysite", "--db", str(db))
    assert result.returncode == 75, result.stdout + result.stderr
    assert result.stderr.strip() == (
        f"Error: a crawl of 'mysite' into a.db is running (pid {os.getpid()}); this one did nothing"
    )
    assert _runs(db) == before  # no run recorded, no text rewritten
    with Archive(db, readonly=True) as archive:
        assert archive.get(url)["text"] == "An older reading of the page."
    # All sources at once (no --source) need every source's lock: refused the same way.
    with crawl_lock(db, "mysite"):
        result = run_cli("reextract", "--db", str(db))
    assert result.returncode == 75, result.stdout + result.stderr
    assert _runs(db) == before
    # Once the crawl is over, it runs; and leaves no lock file behind.
    done = run_cli("reextract", "--source", "mysite", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "1 changed" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]


def test_a_crawl_is_refused_while_a_reextract_of_the_source_runs(tmp_path):
    db = tmp_path / "a.db"
    store_voted_page(db)
    source = tmp_path / "mysite.toml"
    source.write_text(
        'name = "mysite"\nallowed_domains = ["127.0.0.1"]\n'
        '[discover]\nsitemaps = ["http://127.0.0.1:9/sitemap.xml"]\n'
    )
    before = _runs(db)
    with crawl_lock(db, "mysite", doing="reextract"):  # what reextract now holds
        result = run_cli("crawl", "--source", str(source), "--db", str(db))
    assert result.returncode == 75, result.stdout + result.stderr
    assert result.stderr.strip() == (
        f"Error: a reextract of 'mysite' into a.db is running (pid {os.getpid()}); "
        "this one did nothing"
    )
    assert _runs(db) == before
