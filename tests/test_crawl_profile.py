"""End to end: a redesigned site whose template no rule knows, crawled, learned, cleaned.

The "alt" fixture site has a reworded donation appeal and a new "About" box in
every release body: strings written into no source file and no cleaning rule.
After one crawl the stored texts hold none of them and lose no body paragraph,
because the crawl learned the site's boilerplate profile. The same source also
lets the site's annual report PDF in, which is stored as a PDF.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import free_port

from extraction.extract import analyse
from extraction.rules import Rules
from fixtures.demo.server import serve
from fixtures.demo.site import PDF_PARAGRAPHS, PDF_PATH, PDF_TITLE, build_site
from fixtures.sources import fixture_source
from storage import Archive


@pytest.fixture(scope="module")
def alt_site():
    return build_site(variant="alt")


@pytest.fixture(scope="module")
def alt_url(alt_site):
    with serve(alt_site) as server:
        yield server.url


@pytest.fixture(scope="module")
def alt_source(alt_url, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("alt") / "alt.toml"
    path.write_text(
        fixture_source(
            alt_url, name="alt", without=("feeds",), pdf=True, appeal=False, next_page=False
        )
    )
    return path


@pytest.fixture(scope="module")
def alt_crawl(cli, alt_source, tmp_path_factory):
    db = tmp_path_factory.mktemp("alt-db") / "alt.db"
    result = cli("crawl", "--source", str(alt_source), "--db", str(db))
    assert result.returncode == 0, result.stderr
    return db, result


def rows(db: Path) -> dict[str, dict]:
    with Archive(db, readonly=True) as archive:
        return {urlsplit(row["url"]).path: row for row in archive.articles()}


def test_without_the_profile_the_new_template_text_leaks(alt_site, alt_url):
    # The premise: rules alone do not clean this site (else the test below proves nothing).
    release = alt_site.releases[0]
    html = alt_site.render(release.path, alt_url).text
    text = analyse(html, alt_url + release.path, Rules(), release=True).article["text"]
    assert any(s in text for s in alt_site.boilerplate_strings())


def test_after_one_crawl_no_boilerplate_and_no_body_paragraph_lost(alt_crawl, alt_site):
    db, result = alt_crawl
    stored = rows(db)
    assert f"{len(alt_site.releases) + 1} new" in result.stdout  # the releases and the PDF
    for release in alt_site.releases:
        row = stored[release.path]
        for string in alt_site.boilerplate_strings():
            assert string not in row["text"], f"{release.path} kept {string!r}"
            assert string not in row["markdown"], f"{release.path} kept {string!r} (markdown)"
        for paragraph in release.paragraphs:
            assert paragraph in row["text"], f"{release.path} lost {paragraph[:60]!r}"
        assert row["content_kind"] == "html"
        assert row["image_url"] == (
            alt_site_url(row) + release.image_path if release.image_path else None
        )
        assert row["image_caption"] == release.image_caption


def alt_site_url(row: dict) -> str:
    parts = urlsplit(row["url"])
    return f"{parts.scheme}://{parts.netloc}"


def test_the_profile_command_shows_what_was_learned(alt_crawl, cli, alt_site):
    db, _ = alt_crawl
    shown = cli("profile", "alt", "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    pages = len(alt_site.releases)
    assert shown.stdout.startswith(f"alt: learned from {pages} pages")
    assert f"{pages}/{pages}" in shown.stdout and "About Rights Watch Demo" in shown.stdout
    as_json = json.loads(cli("profile", "alt", "--db", str(db), "--json").stdout)
    lines = cli("profile", "alt", "--db", str(db), "--nl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == as_json
    assert all(r["boilerplate"] for r in as_json)
    assert {r["text"] for r in as_json} >= {"About Rights Watch Demo"}
    assert cli("profile", "nosuch", "--db", str(db)).returncode == 2
    # --all lists kept blocks too: the header counts what is listed (it said "0
    # boilerplate blocks shown" above five listed blocks, a review).
    every = cli("profile", "alt", "--all", "--limit", "5", "--db", str(db)).stdout.splitlines()
    marks = [line.split()[0] for line in every[1:]]
    assert len(marks) == 5
    assert every[0] == (
        f"alt: learned from {pages} pages; 5 blocks shown: "
        f"{marks.count('drop')} boilerplate, {marks.count('keep')} kept"
    )


def test_a_pdf_release_is_stored_as_a_pdf(alt_crawl):
    db, _ = alt_crawl
    row = rows(db)[PDF_PATH]
    assert row["content_kind"] == "pdf"
    assert row["title"] == PDF_TITLE
    assert row["extractor"].startswith("pypdf ")
    assert row["date_published"] == "2026-01-15T09:00:00+01:00"
    assert row["language"] == "en"
    for paragraph in PDF_PARAGRAPHS:
        assert paragraph in row["text"]


def test_translations_are_grouped(alt_crawl, alt_site):
    db, _ = alt_crawl
    stored = rows(db)
    con = sqlite3.connect(db)
    try:
        for release in alt_site.releases:
            if release.language != "en" or not release.translations:
                continue
            key = stored[release.path]["translation_key"]
            versions = con.execute(
                "SELECT language FROM articles WHERE translation_key = ? ORDER BY language", [key]
            ).fetchall()
            assert versions == [("en",), ("fr",)]
    finally:
        con.close()


def test_a_second_crawl_and_a_reextraction_change_nothing(alt_crawl, cli, alt_source, alt_site):
    db, _ = alt_crawl
    before = {path: row["text"] for path, row in rows(db).items()}
    again = cli("crawl", "--source", str(alt_source), "--db", str(db), "--full")
    assert again.returncode == 0, again.stderr
    assert " 0 new, 0 updated" in again.stdout
    redone = cli("reextract", "--source", "alt", "--db", str(db))
    assert redone.returncode == 0, redone.stderr
    assert " 0 changed" in redone.stdout  # the profile applies to re-extraction too
    assert {path: row["text"] for path, row in rows(db).items()} == before


def test_a_redesign_that_leaves_the_texts_as_they_were_makes_no_new_version(cli, tmp_path):
    """The default site crawled, then its redesign (the alt site's new boilerplate blocks)
    served on the same port: the pages read before the profile learned the new layout
    keep its boilerplate and were stored as new versions, but the re-clean at the end of
    the crawl gives back the texts stored before. No release changed: the crawl says so,
    no revision is kept and last_changed stays."""
    port = free_port()
    db = tmp_path / "site.db"

    def crawl(*options: str) -> str:
        sitemap = f"http://127.0.0.1:{port}/sitemap.xml"
        result = cli("crawl", "--sitemap", sitemap, "--db", str(db), *options)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    with serve(build_site(), port=port):
        crawl()
    # A date no crawl of this test can write.
    query(db, "UPDATE articles SET last_changed = '2020-01-02T03:04:05+00:00'")
    before = rows(db)
    alt = build_site(variant="alt")
    with serve(alt, port=port):
        summary = crawl("--full")
    n = len(before)
    assert f" 0 new, 0 updated, {n} unchanged," in summary
    after = rows(db)
    assert {p: r["text_hash"] for p, r in after.items()} == {
        p: r["text_hash"] for p, r in before.items()
    }
    assert all(not any(s in r["text"] for s in alt.boilerplate_strings()) for r in after.values())
    assert {r["last_changed"] for r in after.values()} == {"2020-01-02T03:04:05+00:00"}
    run = "SELECT articles_new, articles_updated, articles_unchanged FROM runs ORDER BY id DESC"
    assert query(db, run)[0] == (0, 0, n)
    assert query(db, "SELECT count(*) FROM revisions") == [(0,)]
    # The full-text index matches the articles (external content: checked against the table).
    query(db, "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")
    url = next(iter(after.values()))["url"]
    history = cli("history", url, "--db", str(db))
    assert history.returncode == 0, history.stderr
    assert [line[:3] for line in history.stdout.splitlines() if line.startswith("v")] == ["v1 "]
    redone = cli("reextract", "--db", str(db))  # reads each page once, with the final profile
    assert redone.returncode == 0, redone.stderr
    assert f"0 changed, {n} unchanged" in redone.stdout
    assert query(db, "SELECT count(*) FROM revisions") == [(0,)]


def query(db: Path, sql: str) -> list[tuple]:
    """The rows of ``sql`` run on ``db``, committed, the file closed again."""
    con = sqlite3.connect(db)
    try:
        with con:
            return con.execute(sql).fetchall()
    finally:
        con.close()
