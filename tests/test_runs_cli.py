"""`pressroom runs`: the crawls an archive has seen, as a scheduled crawl's owner reads them."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import time

import pytest
from helpers import PROGRAM, SitemapSite, harbour_release, run_cli

from fixtures.demo.server import serve
from storage import Archive


class Stopped:
    """A clock that moves only when told: runs of known lengths."""

    def __init__(self, now: list[dt.datetime]) -> None:
        self.now = now[0]

    def __call__(self) -> dt.datetime:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def archive_with_runs(tmp_path):
    """Four runs of two sources: ok, failed with a message, interrupted with a warning, running."""
    path = tmp_path / "runs.db"
    clock = Stopped([dt.datetime(2026, 12, 1, 2, 0, 0, tzinfo=dt.UTC)])
    with Archive(path, clock=clock) as archive:
        first = archive.start_run("hrw", {"full": False})
        clock.wait(185)
        archive.finish_run(
            first, "ok", {"new": 12, "unchanged": 3, "pages_fetched": 20, "not_releases": 4}
        )
        second = archive.start_run("amnesty", {})
        clock.wait(30)
        archive.finish_run(
            second, "failed", {"failed": 40, "pages_fetched": 40}, message="most pages failed"
        )
        third = archive.start_run("hrw", {})
        clock.wait(7200)
        archive.finish_run(
            third,
            "interrupted",
            {"new": 1, "pages_fetched": 900},
            message="stopped by SIGTERM before the end",
            warnings=["median text length of new and changed articles halved"],
        )
        archive.start_run("hrw", {})
    return path


def test_runs_lists_every_run_newest_first_with_counts_and_why(archive_with_runs):
    result = run_cli("runs", "--db", str(archive_with_runs))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:5] == ["run", "source", "started", "took", "status"]
    rows = [line.split() for line in lines[1:5]]
    assert [r[0] for r in rows] == ["4", "3", "2", "1"]
    assert rows[0][4:6] == ["running", "running"]  # took, status: no end yet
    assert rows[1][4:7] == ["2.0", "h", "interrupted"]
    assert rows[2][4:7] == ["30", "s", "failed"]
    # run 1: 3 min, ok, 12 new, 0 updated, 3 unchanged, 0 not modified, 0 failed, 4 not
    # releases, 20 fetched
    assert rows[3][1:] == [
        "hrw",
        "2026-12-01",
        "02:00",
        "3",
        "min",
        "ok",
        "12",
        "0",
        "3",
        "0",
        "0",
        "4",
        "20",
    ]
    assert lines[5:] == [
        "run 3: stopped by SIGTERM before the end",
        "run 3: warning: median text length of new and changed articles halved",
        "run 2: most pages failed",
    ]


def test_runs_of_one_source_limited_and_as_json(archive_with_runs):
    result = run_cli(
        "runs", "--source", "hrw", "--limit", "2", "--nl", "--db", str(archive_with_runs)
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["source"], r["status"]) for r in rows] == [
        (4, "hrw", "running"),
        (3, "hrw", "interrupted"),
    ]
    assert rows[1]["warnings"] == ["median text length of new and changed articles halved"]
    assert rows[1]["options"] == {}


def test_one_run_in_full_and_unknown_ones_refused(archive_with_runs):
    db = str(archive_with_runs)
    result = run_cli("runs", "1", "--db", db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("run 1 hrw: ok - 12 new, 0 updated, 3 unchanged")
    assert "started: 2026-12-01T02:00:00+00:00" in lines
    assert 'options: {"full": false}' in lines
    missing = run_cli("runs", "9", "--db", db)
    assert (missing.returncode, missing.stderr.strip()) == (2, f"Error: no run 9 in {db}")
    wrong = run_cli("runs", "--source", "nope", "--db", db)
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == f"Error: no source 'nope' in {db} (its sources: amnesty, hrw)"


def test_runs_of_an_archive_without_any(tmp_path):
    db = tmp_path / "empty.db"
    Archive(db).close()
    result = run_cli("runs", "--db", str(db))
    assert (result.returncode, result.stdout, result.stderr.strip()) == (0, "", "no runs yet")


def test_a_crawl_killed_outright_is_listed_with_what_it_stored(tmp_path):
    # A crawl writes its counts when it ends; one killed with SIGKILL (the OOM killer, a
    # power cut) wrote none: the next crawl marked it interrupted with 0 new, though its
    # stored batches were in the archive. They are counted back from its rows now.
    pages = {f"/news/{n}": harbour_release(f"quay-{n}").decode() for n in range(600)}
    db = tmp_path / "a.db"

    def stored() -> int:
        try:
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        except sqlite3.Error:  # not made yet, or busy
            return 0

    with serve(SitemapSite(pages, "2024-11-02")) as server:
        sitemap = f"{server.url}/sitemap.xml"
        crawl = subprocess.Popen(
            [PROGRAM, "crawl", "--sitemap", sitemap, "--db", str(db)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while not stored():  # a batch is in the archive
            assert crawl.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        crawl.kill()
        crawl.wait(timeout=30)
        kept = stored()
        assert 0 < kept < len(pages), kept
        again = run_cli("crawl", "--sitemap", sitemap, "--db", str(db))
    assert again.returncode == 0, again.stderr
    listed = run_cli("runs", "--json", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    killed = min(json.loads(listed.stdout), key=lambda run: run["id"])
    assert killed["status"] == "interrupted"
    assert killed["articles_new"] == kept  # was 0
