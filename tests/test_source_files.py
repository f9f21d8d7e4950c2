"""A source's file, once crawled, is found again by the commands that reuse its rules.

`reextract` and `extract --source NAME` read the rules from the file the last
crawl was given, recorded in `runs.options`. A review found the path recorded as
typed (relative): from another folder the file was not found and every text was
redone with default rules, silently (exit 0), and redone back from the first
folder, leaving two junk revisions per release. These tests crawl from one
folder and run the commands from another, with the real `pressroom` program.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import run_cli

from fixtures.demo.server import serve
from fixtures.demo.site import build_site
from fixtures.sources import fixture_source


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """The fixture site crawled with `--source fixture.toml` from its own folder (and
    still served); its source drops one paragraph of release 2, which default rules keep."""
    site = build_site(12)
    root = tmp_path_factory.mktemp("sourcefiles")
    home, elsewhere = root / "sites", root / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    with serve(site) as server:
        paragraph = site.release(2).paragraphs[-1]
        text = fixture_source(server.url, without=("feeds", "listings"))
        text = text.replace("drop_phrases = [", f"drop_phrases = [{paragraph[:50]!r}, ", 1)
        (home / "fixture.toml").write_text(text)
        page = urllib.request.urlopen(server.url + site.release(2).path).read()
        (elsewhere / "page.html").write_bytes(page)
        db = root / "a.db"
        result = run_cli("crawl", "--source", "fixture.toml", "--db", str(db), cwd=home)
        assert result.returncode == 0, result.stderr
        yield db, home, elsewhere, paragraph, server


def _runs(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id, source, options FROM runs ORDER BY id").fetchall()


def _nothing_changed(db: Path) -> str:
    """What reextract prints when the rules are the crawl's: every release unchanged."""
    with sqlite3.connect(db) as conn:
        count = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert count >= 12
    return f"re-extracted {count} releases: 0 changed, {count} unchanged, 0 failed"


def test_the_crawl_records_the_source_files_absolute_path(crawled):
    db, home, *_ = crawled
    assert json.loads(_runs(db)[0][2])["source_file"] == str(home / "fixture.toml")


def test_reextract_and_extract_use_the_recorded_file_from_another_folder(crawled):
    db, _, elsewhere, paragraph, _ = crawled
    redone = run_cli("reextract", "--source", "fixture", "--db", str(db), cwd=elsewhere)
    assert redone.returncode == 0, redone.stderr
    assert redone.stdout.strip() == _nothing_changed(db)
    got = run_cli("extract", "page.html", "--source", "fixture", "--db", str(db), cwd=elsewhere)
    assert got.returncode == 0, got.stderr
    record = json.loads(got.stdout)
    assert record["release"] and paragraph[:50] not in record["text"]


def test_a_source_file_that_cannot_be_read_is_refused_then_given(crawled, tmp_path):
    db, home, elsewhere, *_ = crawled
    moved = tmp_path / "moved.toml"
    (home / "fixture.toml").rename(moved)
    try:
        before = _runs(db)
        for args in (("reextract",), ("reextract", "--source", "fixture")):
            refused = run_cli(*args, "--db", str(db), cwd=elsewhere)
            assert refused.returncode == 2, refused.stdout
            assert refused.stderr.strip() == (
                f"Error: source 'fixture' was crawled with {home / 'fixture.toml'}, which cannot"
                " be read; give the file: --source PATH/TO/fixture.toml"
            )
        assert _runs(db) == before  # nothing started, nothing written
        args = ("extract", "page.html", "--source", "fixture", "--db", str(db))
        refused = run_cli(*args, cwd=elsewhere)
        assert (refused.returncode, refused.stdout) == (2, "")
        assert "cannot be read" in refused.stderr

        given = run_cli("reextract", "--source", str(moved), "--db", str(db), cwd=elsewhere)
        assert given.returncode == 0, given.stderr
        assert given.stdout.strip() == _nothing_changed(db)
        assert _runs(db)[-1][1] == "fixture"  # the run is the source's, not the file's name
    finally:
        moved.rename(home / "fixture.toml")


def test_an_old_relative_path_is_read_from_the_current_folder_only(crawled):
    db, home, elsewhere, *_ = crawled
    with sqlite3.connect(db) as conn:  # as archives made before the fix recorded it
        options = json.loads(_runs(db)[0][2]) | {"source_file": "fixture.toml"}
        conn.execute("UPDATE runs SET options = ? WHERE id = 1", [json.dumps(options)])
    try:
        redone = run_cli("reextract", "--source", "fixture", "--db", str(db), cwd=home)
        assert redone.returncode == 0, redone.stderr
        assert redone.stdout.strip() == _nothing_changed(db)
        refused = run_cli("reextract", "--source", "fixture", "--db", str(db), cwd=elsewhere)
        assert refused.returncode == 2
        assert refused.stderr.strip() == (
            "Error: source 'fixture' was crawled with fixture.toml, which cannot be read (a"
            f" relative path: not in {elsewhere}); give the file: --source PATH/TO/fixture.toml"
        )
    finally:
        with sqlite3.connect(db) as conn:
            options["source_file"] = str(home / "fixture.toml")
            conn.execute("UPDATE runs SET options = ? WHERE id = 1", [json.dumps(options)])


# `pressroom sources` lists the sources of an archive; `crawl NAME` said "unknown source"
# for every one that was not bundled.


def test_crawl_name_reruns_a_source_of_the_archive_with_its_file(crawled):
    db, home, elsewhere, *_ = crawled
    listed = run_cli("sources", "--db", str(db), cwd=elsewhere)
    assert f"fixture\tin {db}\t" in listed.stdout
    rerun = run_cli("crawl", "fixture", "--db", str(db), cwd=elsewhere)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith(f"run {len(_runs(db))} fixture: ok - 0 new, 0 updated")
    assert json.loads(_runs(db)[-1][2])["source_file"] == str(home / "fixture.toml")


def test_crawl_name_reruns_an_ad_hoc_crawl_with_its_flags(crawled, tmp_path):
    *_, server = crawled
    db = tmp_path / "adhoc.db"
    flags = ["--sitemap", server.url + "/sitemap.xml", "--allow", "/news/"]
    first = run_cli("crawl", *flags, "--db", str(db))
    assert first.returncode == 0, first.stderr
    name = _runs(db)[0][1]
    assert name == "127-0-0-1"
    rerun = run_cli("crawl", name, "--db", str(db))
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.startswith(f"run 2 {name}: ok - 0 new, 0 updated")
    recorded = [json.loads(options)["adhoc"] for _, _, options in _runs(db)]
    assert (
        recorded[0]
        == recorded[1]
        == {
            "sitemap": server.url + "/sitemap.xml",
            "feed": None,
            "start_url": None,
            "allow": ["/news/"],
            "deny": [],
        }
    )
    with sqlite3.connect(db) as conn:  # as an older pressroom recorded it: no flags
        conn.execute("UPDATE runs SET options = json_remove(options, '$.adhoc')")
    older = run_cli("crawl", name, "--db", str(db))
    assert (older.returncode, older.stdout) == (2, "")
    assert older.stderr == (
        f"Error: source '{name}' of {db} was an ad hoc crawl of {server.url}/sitemap.xml"
        " (recorded before its flags were): rerun it with the --sitemap, --feed or"
        " --start-url it was given\n"
    )
    unknown = run_cli("crawl", "nosuch", "--db", str(db))
    assert unknown.returncode == 2
    assert f"unknown source 'nosuch' (bundled: hrw; not crawled into {db};" in unknown.stderr


# A source file may take a bundled source's name: a copy of hrw.toml with rules of its own.
# `reextract --source hrw` redid every text with the bundled file's rules (each release
# "changed"), and `crawl hrw --db` crawled the bundled site into the archive, which from
# then on recorded the bundled file: README says they use the file the last crawl was given.


def test_a_source_file_named_as_a_bundled_source_stays_the_archives(crawled, tmp_path):
    _, home, elsewhere, paragraph, _ = crawled
    mine = tmp_path / "hrw.toml"
    mine.write_text((home / "fixture.toml").read_text().replace('"fixture"', '"hrw"', 1))
    db = tmp_path / "mirror.db"
    first = run_cli("crawl", "--source", str(mine), "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("run 1 hrw: ok - ")
    redone = run_cli("reextract", "--source", "hrw", "--db", str(db), cwd=elsewhere)
    assert redone.returncode == 0, redone.stderr
    assert redone.stdout.strip() == _nothing_changed(db)
    got = run_cli("extract", "page.html", "--source", "hrw", "--db", str(db), cwd=elsewhere)
    assert got.returncode == 0, got.stderr
    assert paragraph[:50] not in json.loads(got.stdout)["text"]
    # `crawl hrw` takes the archive's file (a setting it cannot read stops it before any
    # request, and the failed run records the file it was given).
    rerun = run_cli("crawl", "hrw", "--db", str(db), "-s", "DOWNLOAD_TIMEOUT=soon")
    assert rerun.returncode == 1, rerun.stdout + rerun.stderr
    assert "the crawl did not start" in rerun.stderr
    assert json.loads(_runs(db)[-1][2])["source_file"] == str(mine)
    # Without one of its own, the bundled source is the name's, as before.
    bundled = run_cli("crawl", "hrw", "--db", str(tmp_path / "b.db"), "-s", "DOWNLOAD_TIMEOUT=x")
    assert bundled.returncode == 1, bundled.stdout + bundled.stderr
    recorded = json.loads(_runs(tmp_path / "b.db")[-1][2])["source_file"]
    assert recorded.endswith("/crawler/sources/hrw.toml")
