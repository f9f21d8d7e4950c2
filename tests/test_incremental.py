"""Nightly reruns: fetch only what changed, keep every revision, survive being killed.

Each test serves its own copy of the fixture site (edits must not leak into
other tests) and runs the real `pressroom` command in a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import run_cli

from crawler.lock import crawl_lock
from fixtures.demo.server import serve
from fixtures.demo.site import build_site
from fixtures.sources import fixture_source
from storage import Archive


@pytest.fixture
def own_site() -> Iterator:
    site = build_site(12)
    with serve(site) as server:
        yield site, server


def _source(tmp_path: Path, url: str, *, without: tuple[str, ...] = ()) -> Path:
    """The fixture's source file, minus the [discover] entry points named in ``without``."""
    path = tmp_path / "fixture.toml"
    path.write_text(fixture_source(url, without=without))
    return path


SITEMAP_ONLY = ("feeds", "listings")
LISTING_ONLY = ("sitemaps", "feeds")


def _crawl(server, source: Path, db: Path, *args: str) -> tuple[subprocess.CompletedProcess, list]:
    before = len(server.requests.snapshot())
    result = run_cli("crawl", "--source", str(source), "--db", str(db), *args)
    return result, server.requests.snapshot()[before:]


def _run(db: Path) -> dict:
    with Archive(db, readonly=True) as archive:
        return archive.runs()[0]


def test_rerun_fetches_only_new_and_changed_and_keeps_the_old_version(own_site, tmp_path):
    # Sitemap only: adding releases changes every page's "Most Viewed" block, so
    # the feed's pages get new ETags and are downloaded again (then found
    # unchanged by their text hash); the sitemap's lastmod is what lets a
    # rerun skip the bulk of a site.
    site, server = own_site
    source, db = _source(tmp_path, server.url, without=SITEMAP_ONLY), tmp_path / "a.db"
    first, _ = _crawl(server, source, db)
    assert first.returncode == 0, first.stderr
    assert _run(db)["articles_new"] == len(site.releases)

    edited = site.release(3)
    site.edit_release(3, "A paragraph the site added after publication.", when=datetime.now(UTC))
    added = site.add_releases(2)
    second, seen = _crawl(server, source, db)
    assert second.returncode == 0, second.stderr
    run = _run(db)
    assert (run["articles_new"], run["articles_updated"]) == (len(added), 1)

    # Only the edited and the new releases were downloaded in full.
    release_paths = {r.path for r in site.releases}
    full_downloads = {path for _, path, status in seen if status == 200 and path in release_paths}
    assert full_downloads == {edited.path, *(r.path for r in added)}
    assert "skipped by lastmod" in second.stdout

    with Archive(db, readonly=True) as archive:
        versions = archive.history(server.url + edited.path)
        assert archive.db["revisions"].count == 1
    assert [v["current"] for v in versions] == [False, True]
    assert "A paragraph the site added after publication." not in versions[0]["text"]
    assert "A paragraph the site added after publication." in versions[1]["text"]
    assert versions[0]["superseded_at"] >= versions[0]["last_fetched"]

    exported = run_cli("export", "--all-revisions", "--db", str(db))
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(lines) == len(site.releases) + 1  # every current version, plus the old one
    mine = [line for line in lines if line["url"] == server.url + edited.path]
    assert [(v["version"], v["current"]) for v in mine] == [(1, False), (2, True)]

    shown = run_cli("history", server.url + edited.path, "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("v1  ")
    assert "+A paragraph the site added after publication." in shown.stdout


def test_unchanged_site_rerun_downloads_no_release(own_site, tmp_path):
    site, server = own_site
    source, db = _source(tmp_path, server.url), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    again, seen = _crawl(server, source, db)
    assert again.returncode == 0, again.stderr
    release_paths = {r.path for r in site.releases}
    # With sitemaps, an archived release is refetched only when its lastmod
    # moved: the feed, listing and translation links to it are not followed.
    assert not [p for _, p, _ in seen if p in release_paths]
    run = _run(db)
    assert run["articles_new"] == run["articles_updated"] == 0
    assert "skipped by lastmod" in again.stdout and f"{len(site.releases)} skipped" in again.stdout


def test_without_sitemaps_known_releases_are_revalidated_with_304s(own_site, tmp_path):
    site, server = own_site
    source, db = _source(tmp_path, server.url, without=("sitemaps",)), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    again, seen = _crawl(server, source, db)
    assert again.returncode == 0, again.stderr
    release_paths = {r.path for r in site.releases}
    revalidated = [p for _, p, status in seen if status == 304 and p in release_paths]
    assert revalidated  # the feed's and listing's releases, answered 304
    assert not [p for _, p, status in seen if status == 200 and p in release_paths]
    run = _run(db)
    assert run["not_modified"] == len(set(revalidated))
    assert run["articles_new"] == run["articles_updated"] == 0


def test_full_refetches_everything(own_site, tmp_path):
    site, server = own_site
    source, db = _source(tmp_path, server.url), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    again, seen = _crawl(server, source, db, "--full")
    assert again.returncode == 0
    fetched = {p for _, p, status in seen if status == 200}
    assert {r.path for r in site.releases} <= fetched
    assert not [p for _, p, status in seen if status == 304]
    assert _run(db)["articles_unchanged"] == len(site.releases)


def test_recheck_older_than_revalidates_in_batches(own_site, tmp_path):
    site, server = own_site
    source, db = _source(tmp_path, server.url), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    time.sleep(1.1)  # last_fetched has one-second resolution
    again, seen = _crawl(server, source, db, "--recheck-older-than", "0h", "--recheck-batch", "5")
    assert again.returncode == 0, again.stderr
    rechecked = [p for _, p, status in seen if status == 304]
    assert len(rechecked) >= 5
    bad = run_cli("crawl", "--source", str(source), "--db", str(db), "--recheck-older-than", "soon")
    assert bad.returncode == 2
    assert "expects an age like 12h, 30d or 2w" in bad.stderr


def test_second_crawl_of_same_source_is_refused_while_one_runs(own_site, tmp_path):
    _, server = own_site
    source, db = _source(tmp_path, server.url), tmp_path / "a.db"
    with crawl_lock(db, "fixture"):
        result = run_cli("crawl", "--source", str(source), "--db", str(db))
    assert result.returncode == 75
    assert result.stderr.strip() == (
        f"Error: another crawl of 'fixture' into a.db is running (pid {os.getpid()}); "
        "this one did nothing"
    )
    assert not db.exists() or not _runs_of(db)


def test_a_rechecked_release_is_counted_once(own_site, tmp_path):
    # --recheck-older-than 0d re-validated every release whose sitemap lastmod held;
    # the summary counted each twice: "N not modified ... N skipped by lastmod" (a review).
    site, server = own_site
    source, db = _source(tmp_path, server.url, without=SITEMAP_ONLY), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    stored = _run(db)["articles_new"]
    time.sleep(1.1)  # last_fetched has one-second resolution
    again, seen = _crawl(server, source, db, "--recheck-older-than", "0h")
    assert again.returncode == 0, again.stderr
    run = _run(db)
    assert len([p for _, p, status in seen if status == 304]) == stored
    assert (run["not_modified"], run["lastmod_skipped"]) == (stored, 0)
    assert f"{stored} not modified" in again.stdout and "0 skipped by lastmod" in again.stdout


def _runs_of(db: Path) -> list:
    with Archive(db, readonly=True) as archive:
        return archive.runs()


def test_reextract_uses_stored_captures_and_creates_revisions(own_site, tmp_path):
    site, server = own_site
    source, db = _source(tmp_path, server.url), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    server.stop()  # no network from here on

    same = run_cli("reextract", "--db", str(db))
    assert same.returncode == 0, same.stderr
    assert f"{len(site.releases)} unchanged, 0 failed" in same.stdout

    # Tighten the source's rules: drop one paragraph of one release.
    target = site.release(2)
    paragraph = target.paragraphs[-1]
    source.write_text(
        source.read_text().replace("drop_phrases = [", f"drop_phrases = [{paragraph[:50]!r}, ", 1)
    )
    changed = run_cli("reextract", "--source", "fixture", "--db", str(db))
    assert changed.returncode == 0, changed.stderr
    assert "1 changed" in changed.stdout
    with Archive(db, readonly=True) as archive:
        versions = archive.history(server.url + target.path)
    assert len(versions) == 2
    assert paragraph in versions[0]["text"] and paragraph not in versions[1]["text"]
    assert versions[0]["rules_version"] != versions[1]["rules_version"]


def test_warc_export_of_captures(own_site, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    from storage.warc import write_warc

    site, server = own_site
    source, db = _source(tmp_path, server.url), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    out = tmp_path / "a.warc.gz"
    with Archive(db, readonly=True) as archive, open(out, "wb") as fp:
        count = write_warc(archive, fp)
    urls = []
    with open(out, "rb") as fp:
        for record in ArchiveIterator(fp):
            assert record.rec_type == "response"
            assert record.http_headers.get_statuscode() == "200"
            body = record.content_stream().read()
            assert b"<html" in body[:500].lower()
            urls.append(record.rec_headers.get_header("WARC-Target-URI"))
    assert count == len(urls) == len(site.releases)
    assert {u.split(server.url)[1] for u in urls} == {r.path for r in site.releases}
    via_cli = run_cli(
        "export", "--format", "warc", "-o", str(tmp_path / "b.warc.gz"), "--db", str(db)
    )
    assert via_cli.returncode == 0, via_cli.stderr
    assert via_cli.stderr.strip() == f"wrote {count} captures to {tmp_path / 'b.warc.gz'}"
    with open(tmp_path / "b.warc.gz", "rb") as fp:
        # Same records; not the same bytes: each WARC record gets a fresh UUID.
        assert sum(1 for _ in ArchiveIterator(fp)) == count


# --- killed at any moment ---------------------------------------------------------


def _start_crawl(url: str, db: Path, tmp_path: Path) -> subprocess.Popen:
    source = _source(tmp_path, url)
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "--source", str(source), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_articles(db: Path, at_least: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
                n = con.execute("select count(*) from articles").fetchone()[0]
                con.close()
                if n >= at_least:
                    return n
            except sqlite3.OperationalError:
                pass  # schema not created yet
        time.sleep(0.05)
    raise AssertionError(f"fewer than {at_least} articles after {timeout}s")


@pytest.fixture
def big_site() -> Iterator:
    site = build_site(150)
    with serve(site) as server:
        yield site, server


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_crawl_leaves_a_consistent_archive_and_the_next_run_completes(
    big_site, tmp_path, sig
):
    site, server = big_site
    db = tmp_path / "a.db"
    proc = _start_crawl(server.url, db, tmp_path)
    stored = _wait_for_articles(db, 10)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0

    con = sqlite3.connect(db)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    kept = con.execute("select count(*) from articles").fetchone()[0]
    assert kept >= stored  # nothing committed was lost
    con.close()

    again = run_cli("crawl", "--source", str(tmp_path / "fixture.toml"), "--db", str(db))
    assert again.returncode == 0, again.stderr
    con = sqlite3.connect(db)
    urls = [u for (u,) in con.execute("select url from articles")]
    statuses = [s for (s,) in con.execute("select status from runs order by id")]
    fts_check = con.execute(
        "insert into articles_fts(articles_fts, rank) values('integrity-check', 1)"
    )
    con.close()
    assert fts_check is not None
    assert len(urls) == len(set(urls)) == len(site.releases)  # complete, no duplicates
    assert statuses == ["interrupted", "ok"]


def test_readers_never_see_database_is_locked_during_a_crawl(big_site, tmp_path):
    _, server = big_site
    db = tmp_path / "a.db"
    proc = _start_crawl(server.url, db, tmp_path)
    _wait_for_articles(db, 1)
    reads = 0
    try:
        while proc.poll() is None:
            # Default timeouts, as a researcher would have: SQLite takes a brief
            # exclusive lock when the crawler's last connection closes (it
            # checkpoints the WAL); a reader with no timeout could see that.
            with Archive(db, readonly=True) as archive:
                archive.search("rights", limit=5)
                assert archive.stats()["articles"] >= 1
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            con.execute("select count(*), max(last_fetched) from articles").fetchone()
            con.close()
            reads += 1
        searched = run_cli("search", "rights", "--db", str(db))
    finally:
        proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read()
    assert reads > 5
    assert searched.returncode == 0, searched.stderr


def test_listing_stops_at_a_page_of_archived_releases(tmp_path):
    with serve(build_site(40)) as server:
        _listing_stops(server, tmp_path)


def test_listing_stops_after_new_releases_though_they_are_not_saved_yet(tmp_path):
    # New releases sit in every page's "latest" box; until the writer saves
    # them they look unknown, and the listing kept paging to its end.
    site = build_site(200)
    with serve(site) as server:
        source, db = _source(tmp_path, server.url, without=LISTING_ONLY), tmp_path / "a.db"
        assert _crawl(server, source, db)[0].returncode == 0
        known = len(site.releases)
        site.add_releases(3)  # and their translations
        again, seen = _crawl(server, source, db, "-s", "PRESSROOM_BATCH_SIZE=1000")
    assert again.returncode == 0, again.stderr
    listing = [p for _, p, _ in seen if p == "/news" or p.startswith("/news?page")]
    assert listing == ["/news", "/news?page=1"]
    assert _run(db)["articles_new"] == len(site.releases) - known > 3


def _listing_stops(server, tmp_path: Path) -> None:
    source = _source(tmp_path, server.url, without=LISTING_ONLY)
    db = tmp_path / "a.db"
    first, seen_first = _crawl(server, source, db)
    assert first.returncode == 0, first.stderr
    listing_first = [p for _, p, _ in seen_first if p.startswith("/news?page") or p == "/news"]
    assert listing_first == ["/news", "/news?page=1", "/news?page=2", "/news?page=3"]
    again, seen_again = _crawl(server, source, db)
    assert again.returncode == 0, again.stderr
    listing_again = [p for _, p, _ in seen_again if p.startswith("/news?page") or p == "/news"]
    # Page 0 also links the withdrawn (404) release, never archived; page 1
    # holds only archived releases, so paging stops there.
    assert listing_again == ["/news", "/news?page=1"]
    full, seen_full = _crawl(server, source, db, "--full")
    assert len([p for _, p, _ in seen_full if p.startswith("/news?page")]) == 3


def test_drift_warning_when_extraction_suddenly_loses_most_text(own_site, tmp_path):
    site, server = own_site
    source, db = _source(tmp_path, server.url), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    # A "redesign": the body's paragraphs vanish from what the rules keep.
    source.write_text(
        source.read_text().replace(
            "[extract]", '[extract]\nprune_xpath = ["//p[position() > 1]"]\nmin_words = 5', 1
        )
    )
    broken, _ = _crawl(server, source, db, "--full")
    assert broken.returncode == 0, broken.stderr
    assert "Warning: median text length fell from" in broken.stderr
    assert _run(db)["warnings"][0].startswith("median text length fell from")


def test_drift_warning_when_cleaning_suddenly_removes_much_more(own_site, tmp_path):
    site, server = own_site
    source, db = _source(tmp_path, server.url), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    healthy = _run(db)["boilerplate_removed"]
    assert healthy is not None and healthy < 0.2
    # Rules gone wrong: a phrase in most English paragraphs marks them as boilerplate.
    source.write_text(
        source.read_text().replace(
            "drop_phrases = [", 'min_words = 5\ndrop_phrases = [" the ", ', 1
        )
    )
    broken, _ = _crawl(server, source, db, "--full")
    assert broken.returncode == 0, broken.stderr
    run = _run(db)
    assert run["boilerplate_removed"] >= healthy + 0.25
    alarm = next(w for w in run["warnings"] if w.startswith("boilerplate removal jumped"))
    assert f"(median; was {healthy:.0%})" in alarm
    assert "Warning: boilerplate removal jumped" in broken.stderr


def test_rerun_with_everything_skipped_by_lastmod_is_a_success(own_site, tmp_path):
    # Regression: a run that skipped every release by lastmod and met only the
    # fixture's one 404 was reported as "failed: every page failed".
    _, server = own_site
    source, db = _source(tmp_path, server.url, without=SITEMAP_ONLY), tmp_path / "a.db"
    assert _crawl(server, source, db)[0].returncode == 0
    again, _ = _crawl(server, source, db)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _run(db)["status"] == "ok"


def test_reextraction_reads_a_capture_as_the_crawl_read_the_response(tmp_path):
    # A UTF-8 page labelled ISO-8859-1: read as labelled, every accent would
    # turn to mojibake in the re-extracted text.
    from crawler import sources
    from pressroom import reextract

    paragraph = "Les autorités doivent libérer les détenus et garantir l’accès des familles."
    html = (
        "<html lang='fr'><head><title>Communiqué</title></head><body><article>"
        "<h1>Communiqué de presse</h1>"
        + "".join(f"<p>{paragraph} Paragraphe {i}.</p>" for i in range(8))
        + "</article></body></html>"
    )
    with Archive(tmp_path / "a.db") as archive:
        digest = archive.save_capture(
            "https://x.org/fr/1",
            200,
            {"Content-Type": "text/html; charset=iso-8859-1"},
            html.encode("utf-8"),
            "text/html; charset=iso-8859-1",
        )
        article = reextract._extract(archive, digest, "https://x.org/fr/1", sources.Rules())
    assert article is not None
    assert paragraph in article["text"]
