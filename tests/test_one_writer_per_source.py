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
import signal
import subprocess
import time
from pathlib import Path

import pytest
from helpers import PROGRAM, harbour_release, run_cli, store_voted_page

from crawler.lock import crawl_lock
from storage import Archive


def _runs(db: Path) -> list[dict]:
    with Archive(db, readonly=True) as archive:
        return archive.runs()


def test_a_link_to_the_archive_takes_the_same_lock(tmp_path):
    # The lock file sat beside the path given: through a link in another folder, a second
    # crawl (or reextract) of the source took a lock of its own and wrote beside the first.
    (tmp_path / "data").mkdir()
    (tmp_path / "elsewhere").mkdir()
    db = tmp_path / "data" / "a.db"
    store_voted_page(db, text="An older reading of the page.")
    link = tmp_path / "elsewhere" / "a.db"
    link.symlink_to(db)
    with crawl_lock(db, "mysite"):
        reextract = run_cli("reextract", "--source", "mysite", "--db", str(link))
    assert reextract.returncode == 75, reextract.stdout + reextract.stderr
    with crawl_lock(link, "127-0-0-1"):  # and the other way round
        crawl = run_cli("crawl", "--sitemap", "http://127.0.0.1:9/s.xml", "--db", str(db))
    assert crawl.returncode == 75, crawl.stdout + crawl.stderr
    assert "is running" in crawl.stderr
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["a.db"]


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


def _archive_of_many_releases(db: Path, count: int) -> None:
    """``count`` releases of one page, stored with an older text each, as a crawl of
    "mysite" would leave them: a reextract of them runs for seconds, saving every 200."""
    from article.fields import stored_row
    from extraction.extract import analyse
    from extraction.rules import Rules

    body = harbour_release("quay")
    url = "https://example.org/news/quay"
    article = analyse(body, url, Rules(), release=True, content_type="text/html").article
    with Archive(db) as archive:
        run = archive.start_run("mysite", {})
        capture = archive.save_capture(url, 200, {}, body, "text/html")
        crawl = {"source": "mysite", "fetched_url": None, "capture_hash": capture}
        crawl |= {"etag": None, "http_last_modified": None, "rules_version": None}
        rows = [
            stored_row({**article, "text": f"An older reading {i}."}, crawl | {"url": f"{url}-{i}"})
            for i in range(count)
        ]
        assert archive.save_articles(rows, run)["new"] == count
        archive.finish_run(run, "ok", {})


def _changed(db: Path) -> int:
    with Archive(db, readonly=True) as archive:
        return sum(1 for a in archive.articles() if not a["text"].startswith("An older"))


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [
        (signal.SIGINT, 130, "stopped by Ctrl-C (SIGINT) before the end"),
        (signal.SIGTERM, 143, "stopped by SIGTERM before the end"),
    ],
)
def test_a_reextract_stopped_by_a_signal_is_recorded_interrupted(tmp_path, signum, code, said):
    # Its run stayed "running" for good: a reextract of every source ("*") is closed by
    # no crawl, `pressroom runs` showed it running, and serve never opened the file
    # immutable ("run 3 (*) is recorded as running").
    db = tmp_path / "a.db"
    _archive_of_many_releases(db, 3000)
    process = subprocess.Popen(
        [PROGRAM, "reextract", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # signals reach it as from a terminal or a supervisor
    )
    deadline = time.monotonic() + 60
    while not _changed(db):  # mid-way: a batch is saved
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == code, out + err
    run = _runs(db)[0]
    assert (run["source"], run["status"], run["message"]) == ("*", "interrupted", said)
    assert run["finished"] is not None
    changed = _changed(db)
    assert 0 < changed < 3000  # what it saved before the signal is kept, and counted
    assert run["articles_updated"] == changed
    listed = run_cli("runs", "--db", str(db))
    assert "running" not in listed.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db"]


def test_a_killed_reextract_is_recorded_interrupted_by_the_next_one(tmp_path):
    db = tmp_path / "a.db"
    _archive_of_many_releases(db, 3000)
    process = subprocess.Popen([PROGRAM, "reextract", "--db", str(db)], start_new_session=True)
    deadline = time.monotonic() + 60
    while not _changed(db):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    process.kill()  # SIGKILL: nothing can record how it ended
    process.wait(timeout=30)
    killed = _runs(db)[0]
    assert (killed["source"], killed["status"]) == ("*", "running")
    again = run_cli("reextract", "--db", str(db))
    assert again.returncode == 0, again.stderr
    killed = next(r for r in _runs(db) if r["id"] == killed["id"])
    assert killed["status"] == "interrupted"
    assert killed["message"] == "the process ended without finishing the run"
    assert _changed(db) == 3000
