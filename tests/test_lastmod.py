"""Reruns keyed on what the site said: each sitemap lastmod is compared with the
one stored when its page was last fetched, never with the crawler's own clock.

Real crawls through the installed `pressroom` program against a fixture site
served on 127.0.0.1; each test serves its own copy, since it edits it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import run_cli

from crawler.lastmod import moved
from fixtures.demo.server import serve
from fixtures.demo.site import build_site
from fixtures.sources import fixture_source
from storage import Archive

NOTE = "A correction the site made after the nightly crawl."


def _sitemap_source(tmp_path: Path, url: str) -> Path:
    """The fixture's source file with sitemaps only: the lastmod alone decides."""
    path = tmp_path / "fixture.toml"
    path.write_text(fixture_source(url, without=("feeds", "listings")))
    return path


def _crawl(server, db: Path, *args: str) -> tuple:
    before = len(server.requests.snapshot())
    result = run_cli("crawl", *args, "--db", str(db))
    assert result.returncode == 0, result.stderr
    return result, server.requests.snapshot()[before:]


def _last_run(db: Path) -> dict:
    with Archive(db, readonly=True) as archive:
        return archive.runs()[0]


def _downloaded(seen, paths: set[str]) -> set[str]:
    return {path for _, path, status in seen if status == 200 and path in paths}


@pytest.fixture
def date_only_site() -> Iterator:
    site = build_site(12, date_only_lastmod=True)
    with serve(site) as server:
        yield site, server


def test_date_only_lastmods_edited_the_same_day_after_a_crawl_are_refetched(
    date_only_site, tmp_path
):
    site, server = date_only_site
    source, db = _sitemap_source(tmp_path, server.url), tmp_path / "a.db"
    _crawl(server, db, "--source", str(source))
    with Archive(db, readonly=True) as archive:
        stored = [p["lastmod"] for p in archive.pages(verdict="release")]
    assert len(stored) == len(site.releases) and all(len(s) == 10 for s in stored)

    # Edited today, after the crawl: the sitemap now says today's date, which
    # read as midnight is before the crawl started (the old rule skipped it).
    edited = [site.release(i).path for i in (2, 7)]
    for i in (2, 7):
        site.edit_release(i, NOTE, when=datetime.now(UTC))
    result, seen = _crawl(server, db, "--source", str(source))
    paths = {r.path for r in site.releases}
    assert _downloaded(seen, paths) == set(edited)
    run = _last_run(db)
    assert (run["articles_updated"], run["lastmod_skipped"]) == (2, len(paths) - 2)
    assert f"{len(paths) - 2} skipped by lastmod" in result.stdout

    # Edited again the same day: the date does not move, but the day was not
    # over when they were fetched, so they are asked for again (conditionally).
    site.edit_release(2, "A second correction, the same day.", when=datetime.now(UTC))
    _, seen = _crawl(server, db, "--source", str(source))
    asked = {path for _, path, _ in seen if path in paths}
    assert asked == set(edited)
    assert _downloaded(seen, paths) == {edited[0]}  # the other one answered 304
    run = _last_run(db)
    assert (run["articles_updated"], run["not_modified"]) == (1, 1)
    with Archive(db, readonly=True) as archive:
        versions = archive.history(server.url + edited[0])
    assert len(versions) == 3 and "A second correction" in versions[-1]["text"]


def test_a_site_clock_hours_behind_loses_no_edit(tmp_path):
    site = build_site(12, clock_offset=-timedelta(hours=5))
    with serve(site) as server:
        source, db = _sitemap_source(tmp_path, server.url), tmp_path / "a.db"
        _crawl(server, db, "--source", str(source))
        started = datetime.fromisoformat(_last_run(db)["started"])
        edited = site.edit_release(4, NOTE, when=datetime.now(UTC))
        # The site stamps the edit hours before the crawl that preceded it.
        assert edited.last_modified < started
        _, seen = _crawl(server, db, "--source", str(source))
    assert _downloaded(seen, {r.path for r in site.releases}) == {edited.path}
    run = _last_run(db)
    assert (run["articles_updated"], run["articles_new"]) == (1, 0)
    with Archive(db, readonly=True) as archive:
        assert NOTE in archive.get(server.url + edited.path)["text"]


def test_a_lastmod_that_never_changes_is_caught_by_etag_and_recheck(tmp_path):
    site = build_site(12)
    with serve(site) as server:
        source, db = _sitemap_source(tmp_path, server.url), tmp_path / "a.db"
        _crawl(server, db, "--source", str(source))
        before = site.release(5)
        # The page changes; its sitemap lastmod (and Last-Modified) do not.
        after = site.edit_release(5, NOTE, when=before.last_modified)
        assert after.last_modified == before.last_modified
        paths = {r.path for r in site.releases}

        _, seen = _crawl(server, db, "--source", str(source))
        assert _downloaded(seen, paths) == set()  # what lastmod cannot say...
        assert _last_run(db)["lastmod_skipped"] == len(paths)

        time.sleep(1.1)  # last_fetched has one-second resolution
        _, seen = _crawl(server, db, "--source", str(source), "--recheck-older-than", "0h")
    # ...a conditional re-check finds: the ETag changed, the rest answer 304.
    assert _downloaded(seen, paths) == {after.path}
    assert {p for _, p, status in seen if status == 304} == paths - {after.path}
    run = _last_run(db)
    assert (run["articles_updated"], run["not_modified"]) == (1, len(paths) - 1)


def test_adhoc_sitemap_rerun_skips_known_non_release_pages_and_counts_them(tmp_path):
    site = build_site(12)
    with serve(site) as server:
        db = tmp_path / "a.db"
        sitemap = ("--sitemap", server.url + "/sitemap.xml")
        first, seen_first = _crawl(server, db, *sitemap)
        judged = _last_run(db)["not_releases"]
        assert judged > 50  # home, topics, regions, countries, "About"...
        assert f"{judged} not releases (0 known, not fetched)" in first.stdout

        again, seen = _crawl(server, db, *sitemap)
    run = _last_run(db)
    assert (run["not_releases"], run["not_releases_skipped"]) == (0, judged)
    assert f"{judged} not releases ({judged} known, not fetched)" in again.stdout
    # robots.txt and the sitemaps: no page at all (98 of 103 responses before).
    assert all(p.startswith(("/robots.txt", "/sitemap")) for _, p, _ in seen)
    assert run["lastmod_skipped"] == len(site.releases)
    assert len(seen) <= 0.1 * len(seen_first)

    listed = run_cli("pages", "--not-releases", "--format", "jsonl", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == judged
    assert {r["verdict"] for r in rows} == {"not_release"}
    home = next(r for r in rows if r["url"] == server.url + "/")
    assert home["reason"] and home["lastmod"] and home["run_id"] == 1 and home["checked_at"]
    table = run_cli("pages", "--not-releases", "--db", str(db))
    assert table.returncode == 0 and len(table.stdout.splitlines()) == judged + 1
    whole = run_cli("pages", "--format", "json", "--db", str(db))
    assert len(json.loads(whole.stdout)) == judged + len(site.releases)
    # --json and --nl as every other command has them; the same objects in every format.
    short = run_cli("pages", "--not-releases", "--json", "--db", str(db))
    assert short.returncode == 0, short.stderr
    assert json.loads(short.stdout) == rows
    lines = run_cli("pages", "--not-releases", "--nl", "--db", str(db)).stdout
    assert lines == listed.stdout
    both = run_cli("pages", "--releases", "--not-releases", "--db", str(db))
    assert both.returncode == 2 and both.stderr.startswith("Error: give one of --not-releases")


def test_a_non_release_page_whose_lastmod_moved_is_judged_again(tmp_path):
    site = build_site(12)
    with serve(site) as server:
        db = tmp_path / "a.db"
        sitemap = ("--sitemap", server.url + "/sitemap.xml")
        _crawl(server, db, *sitemap)
        judged = _last_run(db)["not_releases"]
        # An edit of a recent release moves the lastmod of the home page, /news...
        site.edit_release(site.n_releases - 1, NOTE, when=datetime.now(UTC))
        _, seen = _crawl(server, db, *sitemap)
    run = _last_run(db)
    moved_pages = run["not_releases"]
    assert moved_pages > 0 and moved_pages + run["not_releases_skipped"] == judged
    assert "/" in {p for _, p, status in seen if status == 200}
    assert "/about" not in {p for _, p, _ in seen}  # its lastmod did not move


def test_an_archive_from_before_m006_refetches_conditionally_once(tmp_path):
    site = build_site(12)
    with serve(site) as server:
        source, db = _sitemap_source(tmp_path, server.url), tmp_path / "a.db"
        _crawl(server, db, "--source", str(source))
        con = sqlite3.connect(db)
        con.execute("DELETE FROM pages")  # what an upgraded archive starts with
        con.commit()
        con.close()
        paths = {r.path for r in site.releases}
        _, seen = _crawl(server, db, "--source", str(source))
        assert {p for _, p, status in seen if status == 304} == paths
        _, seen = _crawl(server, db, "--source", str(source))
    assert not {p for _, p, _ in seen if p in paths}


def test_moved_rules():
    fetched = "2026-03-02T03:00:00+00:00"
    assert not moved("2026-03-01T10:00:00-05:00", "2026-03-01T15:00:00Z", fetched)
    assert moved("2026-03-01T10:00:00Z", "2026-03-01T09:00:00Z", fetched)  # backwards too
    assert moved("2026-03-01", "2026-03-01", fetched)  # the day might not be over
    assert not moved("2026-03-01", "2026-03-01", "2026-03-02T12:00:00+00:00")
    assert moved("week 9", "week 10", fetched) and not moved("week 9", "week 9", fetched)
