"""End to end: real crawls of the fixture site, in a subprocess, into real SQLite files.

Three ways in, each asserted on the archive it leaves: a source file
(sitemap + feed + listing), an ad hoc sitemap where each page decides whether
it is a release, and an ad hoc link walk from the listing that meets every
trap on the site.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from storage import Archive


@dataclass
class Crawl:
    db: Path
    stdout: str
    stderr: str
    returncode: int
    requests: list  # (method, path, status) the server saw during this crawl
    files: list[str]  # what the crawl left in the archive's folder

    def rows(self) -> list[dict]:
        with Archive(self.db, readonly=True) as archive:
            return list(archive.articles())

    def failures(self) -> list[dict]:
        with Archive(self.db, readonly=True) as archive:
            return archive.failures()


def _crawl(cli, site_server, db: Path, *args: str) -> Crawl:
    before = len(site_server.requests.snapshot())
    result = cli("crawl", *args, "--db", str(db))
    seen = site_server.requests.snapshot()[before:]
    files = sorted(p.name for p in db.parent.iterdir())
    return Crawl(db, result.stdout, result.stderr, result.returncode, seen, files)


@pytest.fixture(scope="module")
def source_crawl(cli, site_server, fixture_source, tmp_path_factory) -> Crawl:
    db = tmp_path_factory.mktemp("source") / "archive.db"
    return _crawl(cli, site_server, db, "--source", str(fixture_source))


@pytest.fixture(scope="module")
def sitemap_crawl(cli, site_server, site_url, tmp_path_factory) -> Crawl:
    db = tmp_path_factory.mktemp("sitemap") / "archive.db"
    return _crawl(cli, site_server, db, "--sitemap", f"{site_url}/sitemap.xml")


@pytest.fixture(scope="module")
def walk_crawl(cli, site_server, site_url, tmp_path_factory) -> Crawl:
    db = tmp_path_factory.mktemp("walk") / "archive.db"
    return _crawl(cli, site_server, db, "--start-url", f"{site_url}/news", "--depth", "6")


def _path(url: str) -> str:
    return urlsplit(url).path


def assert_clean_complete_archive(crawl: Crawl, site, releases=None) -> None:
    """Every release stored once, with right metadata, all its text and no boilerplate."""
    assert crawl.returncode == 0, crawl.stderr
    releases = releases if releases is not None else list(site.releases)
    rows = crawl.rows()
    by_path = {}
    for row in rows:
        assert _path(row["url"]) not in by_path, f"stored twice: {row['url']}"
        by_path[_path(row["url"])] = row
    assert set(by_path) == {r.path for r in releases}
    boilerplate = site.boilerplate_strings()
    for release in releases:
        row = by_path[release.path]
        assert row["title"] == release.title
        assert row["date_published"] == release.date_published
        assert row["date_modified"] == release.date_modified
        assert row["language"] == release.language
        assert row["authors"] == release.authors
        # Title, dek, body (issue 2): the dek is the page's own standfirst.
        assert row["text"].startswith(f"{release.title}\n\n{release.dek}\n\n")
        for paragraph in release.paragraphs:
            assert paragraph in row["text"], f"{release.path} lost: {paragraph[:60]}"
        for block in [*boilerplate, *site.foreign_strings(release)]:
            assert block not in row["text"], f"{release.path} kept boilerplate: {block[:60]}"
        assert "\n\n" in row["text"], "paragraph breaks are kept"
        assert row["word_count"] == len(row["text"].split())
        assert len(row["text_hash"]) == 64
        assert row["first_seen"] and row["last_fetched"]
        if release.translations:
            assert {lang: _path(u) for lang, u in row["translations"].items()} == {
                **release.translations,
                release.language: release.path,
            }


# --- a source file: sitemap index + gzipped sitemaps, feed, paginated listing ---


def test_source_crawl_archives_every_release_cleanly(source_crawl, site):
    assert_clean_complete_archive(source_crawl, site)
    assert source_crawl.stdout.startswith("run 1 fixture: ok - 44 new, 0 updated")


def test_a_finished_crawl_leaves_the_archive_whole_in_one_file(source_crawl):
    # The program skips the interpreter's teardown (pressroom/__main__.py): every
    # connection must be closed before, so that no write is left in a -wal file
    # and copying archive.db alone copies everything.
    # Nor a lock file: it is removed when the crawl releases it (crawler/lock.py).
    assert source_crawl.files == ["archive.db"]


def test_source_crawl_reads_all_discovery_channels(source_crawl):
    paths = [path for _, path, _ in source_crawl.requests]
    assert "/robots.txt" in paths
    assert "/sitemaps/news-1.xml.gz" in paths and "/sitemaps/news-2.xml.gz" in paths
    assert "/news/feed.xml" in paths
    assert "/news?page=3" in paths  # the listing was paged to its end
    # Non-release pages listed in pages.xml are never fetched when patterns decide.
    assert "/about" not in paths


def test_source_crawl_fetches_each_release_once(source_crawl, site):
    # The feed's ?utm_ links, the listing's trailing slashes and #fragments are
    # normalised before the request, so each release is downloaded exactly once.
    gets = [path for method, path, status in source_crawl.requests if status == 200]
    for release in site.releases:
        assert gets.count(release.path) == 1, release.path


def test_source_crawl_records_failures_and_obeys_robots(source_crawl, site):
    failures = {(_path(f["url"]), f["status"]): f["reason"] for f in source_crawl.failures()}
    assert failures == {(site.traps()["withdrawn_404"], 404): "HTTP 404"}
    assert not any(path.startswith("/private/") for _, path, _ in source_crawl.requests)
    with Archive(source_crawl.db, readonly=True) as archive:
        (run,) = archive.runs()
    assert run["status"] == "ok"
    assert run["articles_new"] == len(site.releases)
    assert run["failed"] == 1
    assert run["finished"] >= run["started"]


def test_source_crawl_keeps_raw_captures(source_crawl, site, site_url):
    with Archive(source_crawl.db, readonly=True) as archive:
        row = archive.get(f"{site_url}{site.releases[0].path}")
        body = archive.capture_body(row["capture_hash"])
    assert site.releases[0].title.encode() in body


def test_rerun_adds_no_rows(source_crawl, cli, site_server, fixture_source, site):
    again = _crawl(cli, site_server, source_crawl.db, "--source", str(fixture_source))
    assert again.returncode == 0, again.stderr
    assert ": ok - 0 new, 0 updated," in again.stdout
    with Archive(source_crawl.db, readonly=True) as archive:
        second = archive.runs()[0]
    # Nothing changed on the site: every release is skipped by its sitemap
    # lastmod, answered 304, or (fetched from the listing) unchanged.
    assert second["articles_new"] == second["articles_updated"] == 0
    con = sqlite3.connect(source_crawl.db)
    try:
        assert con.execute("select count(*) from articles").fetchone()[0] == len(site.releases)
        assert con.execute("select count(*) from runs").fetchone()[0] == 2
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        fts = con.execute("select count(*) from articles_fts").fetchone()[0]
        assert fts == len(site.releases)
    finally:
        con.close()


# --- ad hoc: a sitemap that lists every page; each page decides ---------------


def test_sitemap_crawl_stores_only_releases(sitemap_crawl, site):
    assert_clean_complete_archive(sitemap_crawl, site)
    paths = [path for _, path, _ in sitemap_crawl.requests]
    # pages.xml lists about, topic, country and listing pages: fetched, judged, not stored.
    assert "/about" in paths and "/news" in paths
    assert any(p.startswith("/topic/") for p in paths)


# --- ad hoc: walking links from the listing, through every trap ---------------


def test_walk_crawl_stores_each_release_once_despite_aliases(walk_crawl, site):
    assert_clean_complete_archive(walk_crawl, site)
    traps = site.traps()
    paths = [path for _, path, _ in walk_crawl.requests]
    assert traps["alias"][0] in paths  # /node/N was fetched, and its canonical link...
    assert traps["old_redirect"][0] in paths  # ...and the redirect were both followed
    # ...yet each release is stored once (set equality above, keyed by canonical URL).


def test_walk_crawl_never_stores_listing_tag_search_or_about_pages(walk_crawl):
    stored = {_path(row["url"]) for row in walk_crawl.rows()}
    assert all(p.startswith(("/news/2", "/fr/news/2")) for p in stored)


def test_walk_crawl_is_bounded_on_traps(walk_crawl, site):
    paths = [path for _, path, _ in walk_crawl.requests]
    calendar = [p for p in paths if p.startswith("/events/calendar")]
    assert 0 < len(calendar) <= 20  # the endless calendar stops at the depth limit
    assert not any(p.startswith(("/private/", "/search")) for p in paths)  # robots.txt
    failures = {_path(f["url"]): f["reason"] for f in walk_crawl.failures()}
    # The page links to social networks and a donation processor; none is fetched.
    assert all(urlsplit(f["url"]).hostname == "127.0.0.1" for f in walk_crawl.failures())
    assert failures[site.traps()["pdf"]] == "not HTML (application/pdf)"
    assert failures[site.traps()["withdrawn_404"]] == "HTTP 404"
    with Archive(walk_crawl.db, readonly=True) as archive:
        (run,) = archive.runs()
    assert run["skipped"] >= 1  # the embargoed release, disallowed by robots.txt
    assert "skipped by robots" in walk_crawl.stdout


def test_walk_rerun_asks_once_for_each_archived_release(
    walk_crawl, cli, site_server, site, tmp_path
):
    # A copy: the other walk tests read the first crawl's archive as it was.
    db = tmp_path / "walk.db"
    shutil.copy(walk_crawl.db, db)
    again = _crawl(cli, site_server, db, "127-0-0-1")  # rerun by name, as cron does
    assert again.returncode == 0, again.stderr
    asked = Counter(path.rstrip("/") for _, path, _ in again.requests)  # as linked
    # One conditional request each: the walk's own request carries the validators
    # (it was unconditional, then the release judge's re-fetch asked again).
    assert {r.path: asked[r.path] for r in site.releases} == {r.path: 1 for r in site.releases}
    statuses = {path.rstrip("/"): status for _, path, status in again.requests}
    assert {statuses[r.path] for r in site.releases} == {304}
    with Archive(db, readonly=True) as archive:
        assert archive.runs()[0]["not_modified"] == len(site.releases)


def test_walk_with_allow_records_verdicts_as_a_sitemap_crawl_does(
    walk_crawl, cli, site_server, site_url, tmp_path
):
    db = tmp_path / "walk.db"
    shutil.copy(walk_crawl.db, db)  # judged without patterns, then walked with one
    again = _crawl(
        cli, site_server, db, "--start-url", f"{site_url}/news", "--allow", r":\d+/news/2"
    )
    assert again.returncode == 0, again.stderr
    listed = cli("pages", "--format", "json", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    pages = {p["url"]: p for p in json.loads(listed.stdout) if p["run_id"] == 2}
    releases = [_path(url) for url, p in pages.items() if p["verdict"] == "release"]
    assert releases and all(path.startswith("/news/2") for path in releases)
    # A page the pattern leaves out is no judged "not a release": it is outside the
    # patterns, with the rule (the French releases stay archived from the first run).
    assert not [url for url, p in pages.items() if p["verdict"] == "not_release"]
    outside = {url: p["reason"] for url, p in pages.items() if p["verdict"] == "outside_patterns"}
    assert any(_path(url).startswith("/fr/news/2") for url in outside)
    assert set(outside.values()) == {"matches no allow pattern"}
    assert " 0 not releases " in again.stdout
    assert f" {len(outside)} outside --allow " in again.stdout


# --- limits and dead servers ---------------------------------------------------


def test_max_pages_is_exact(cli, site_server, fixture_source, tmp_path):
    crawl = _crawl(
        cli, site_server, tmp_path / "a.db", "--source", str(fixture_source), "--max-pages", "5"
    )
    assert crawl.returncode == 0, crawl.stderr
    pages = [
        path
        for _, path, _ in crawl.requests
        if path != "/robots.txt" and not path.startswith(("/sitemap", "/news/feed.xml"))
    ]
    assert len(pages) == 5  # listing pages count too: "pages", not "articles"
    assert 0 < len(crawl.rows()) <= 5


def test_unresponsive_server_is_a_recorded_failure_and_a_failed_run(cli, tmp_path):
    import socket
    import threading

    # A server that accepts connections and never answers.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        db = tmp_path / "dead.db"
        result = cli(
            "crawl",
            "--start-url",
            f"http://127.0.0.1:{port}/news",
            "--db",
            str(db),
            "-s",
            "DOWNLOAD_TIMEOUT=1",
            "-s",
            "RETRY_TIMES=0",
        )
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()
    assert result.returncode == 1
    assert ": failed - 0 new" in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.stderr
    with Archive(db, readonly=True) as archive:
        failures = archive.failures()
        (run,) = archive.runs()
    assert [f["reason"] for f in failures] == ["timed out"]
    assert run["status"] == "failed"


def test_bad_setting_override_is_one_line(cli, tmp_path):
    result = cli(
        "crawl", "--feed", "http://127.0.0.1:9/f", "-s", "oops", "--db", str(tmp_path / "x.db")
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "Error: -s expects NAME=VALUE with an upper-case name, got 'oops'"
    )
