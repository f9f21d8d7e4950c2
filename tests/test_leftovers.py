"""What the installed program leaves behind and how it exits (issue 14).

After any command only the archive file remains beside it: no ``-wal``,
``-shm`` or ``<db>.<source>.lock``. A file that is not an archive is bad input
(exit 2); a crawl that could not start or archived nothing is a failed run
(exit 1) with one line saying why. The unpacked language model is cached by
content, and other models' folders are removed once unused.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from helpers import run_cli, serving, without_root_powers
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from crawler import lock
from crawler.lock import CrawlLocked, crawl_lock, lock_path
from extraction import language
from storage.migrations import apply as apply_migrations
from storage.migrations import migrations


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def one_error_line(result, code: int, *words: str) -> str:
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


# --- only the archive remains ---------------------------------------------------------


def test_every_command_leaves_only_the_archive(fixture_source, tmp_path):
    where = tmp_path / "archive"
    where.mkdir()
    db = str(where / "a.db")
    crawled = run_cli("crawl", "--source", str(fixture_source), "--db", db)
    assert crawled.returncode == 0, crawled.stderr
    assert listing(where) == ["a.db"]
    some_url = run_cli("search", "detention", "--db", db, "--format", "csv").stdout
    url = next(line.split(",")[1] for line in some_url.splitlines()[1:] if "http" in line)
    assert url.startswith("http")
    for args in (
        ["crawl", "--source", str(fixture_source)],  # a rerun
        ["search", "detention"],
        ["export"],
        ["stats"],
        ["history", url],
        ["profile", "fixture"],
        ["sources"],
        ["reextract", "--source", "fixture"],
    ):
        result = run_cli(*args, "--db", db)
        assert result.returncode == 0, (args, result.stderr)
        assert listing(where) == ["a.db"], args


def test_the_demo_leaves_only_its_archive(tmp_path):
    result = run_cli("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert listing(tmp_path) == ["pressroom-demo.db"]


def test_the_lock_file_goes_with_the_lock(tmp_path):
    db = tmp_path / "a.db"
    with crawl_lock(db, "s") as path:
        assert path.read_text() == str(os.getpid())
        with pytest.raises(CrawlLocked), crawl_lock(db, "s"):
            pass
    assert not path.exists()
    with crawl_lock(db, "s"):  # and it can be taken again
        assert path.exists()


def test_a_lock_taken_on_a_file_its_holder_deleted_is_taken_again(tmp_path, monkeypatch):
    db = tmp_path / "a.db"
    path = lock_path(db, "s")
    with crawl_lock(db, "s"):
        stale = os.open(path, os.O_RDWR)  # another process opened it just before release
    assert not path.exists()
    real_open, opened = os.open, []

    def open_stale_first(name, flags, mode=0o777):
        opened.append(name)
        return stale if len(opened) == 1 else real_open(name, flags, mode)

    monkeypatch.setattr(lock.os, "open", open_stale_first)
    with crawl_lock(db, "s"):
        monkeypatch.undo()
        # It locked the deleted file first (nobody held it), saw that the path
        # no longer names it, and started over on a file of its own.
        assert opened == [path, path]
        assert path.exists()
        with pytest.raises(CrawlLocked), crawl_lock(db, "s"):
            pass


def test_lock_files_are_ignored_by_git():
    ignored = (Path(__file__).parents[1] / ".gitignore").read_text().split()
    assert "*.lock" in ignored


# --- exit codes -----------------------------------------------------------------------


COMMANDS = [
    ["crawl", "--sitemap", "http://127.0.0.1:9/sitemap.xml"],
    ["search", "x"],
    ["export"],
    ["stats"],
    ["history", "http://127.0.0.1:9/news/1"],
    ["profile", "fixture"],
    ["serve", "--port", "9"],
    ["reextract"],
    ["sources"],
]


@pytest.mark.parametrize("content", [os.urandom(5000), b"hello, I am a text file\n" * 20])
@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_file_that_is_not_an_archive_is_bad_input(tmp_path, command, content):
    garbage = tmp_path / "notes.db"
    garbage.write_bytes(content)
    result = run_cli(*command, "--db", str(garbage))
    one_error_line(result, 2, "is not a pressroom archive")
    assert garbage.read_bytes() == content
    assert listing(tmp_path) == ["notes.db"]


@pytest.mark.parametrize("table", ["notes", "articles"])
@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_someone_elses_sqlite_database_is_bad_input_and_left_as_it_was(tmp_path, command, table):
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.execute(f"CREATE TABLE {table} (x)")
    conn.execute(f"INSERT INTO {table} VALUES (1)")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = run_cli(*command, "--db", str(db))
    line = one_error_line(result, 2, "is not a pressroom archive")
    assert command[0] not in ("crawl", "reextract") or f"table(s) {table} " in line
    assert db.read_bytes() == before  # not even switched to WAL
    assert listing(tmp_path) == ["other.db"]


def pressroom_migrations(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
    finally:
        conn.close()


def empty_migrations_table(db: Path) -> None:
    """What a first open killed after apply() made its table, before m001, leaves."""
    Migrations("pressroom").ensure_migrations_table(Database(db))


def older_archive(db: Path) -> None:
    apply_migrations(Database(db), stop_before="m002_incremental")


@pytest.mark.parametrize(
    "make",
    [lambda db: None, lambda db: db.touch(), empty_migrations_table, older_archive],
    ids=["new path", "empty file", "killed first open", "older pressroom"],
)
def test_a_crawl_makes_or_upgrades_an_archive_of_a_new_empty_or_older_file(tmp_path, make):
    db = tmp_path / "a.db"
    make(db)
    # Nothing to fetch there: the crawl fails, after it opened (and migrated) the archive.
    result = run_cli("crawl", "--sitemap", "http://127.0.0.1:9/sitemap.xml", "--db", str(db))
    one_error_line(result, 1, "nothing could be fetched")
    assert pressroom_migrations(db) == [m.name for m in migrations.pending(Database(memory=True))]
    assert listing(tmp_path) == ["a.db"]


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("DOWNLOAD_TIMEOUT=soon", ("ValueError", "soon")),  # read when the crawl starts
        ("ITEM_PIPELINES=x", ("JSONDecodeError",)),  # read when Scrapy's crawler is made
    ],
)
def test_a_crawl_that_cannot_start_says_why_in_one_line(site_url, tmp_path, setting, words):
    db = tmp_path / "a.db"
    sitemap = f"{site_url}/sitemap.xml"
    result = run_cli("crawl", "--sitemap", sitemap, "--db", str(db), "-s", setting)
    line = one_error_line(result, 1, "the crawl did not start", *words)
    assert "CrawlError" not in line
    assert listing(tmp_path) == ["a.db"]
    # Recorded, as every failed run is: the runs table had no row for it.
    assert recorded(db) == ([("failed", line.removeprefix("Error: "))], [])


def test_a_crawl_into_a_missing_folder_is_bad_input(site_url, tmp_path):
    # The lock file beside the archive was opened first: an unexpected
    # FileNotFoundError, exit 1, instead of export's one line for the same mistake.
    db = tmp_path / "no" / "such" / "a.db"
    result = run_cli("crawl", "--sitemap", f"{site_url}/sitemap.xml", "--db", str(db))
    line = one_error_line(result, 2, f"cannot write {db}: no directory {db.parent}")
    assert line == f"Error: cannot write {db}: no directory {db.parent}"
    assert listing(tmp_path) == []


def test_a_crawl_into_a_folder_that_cannot_be_written_says_so(site_url, tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    db = folder / "a.db"
    result = run_cli("crawl", "--sitemap", f"{site_url}/sitemap.xml", "--db", str(db),
                     prefix=without_root_powers())  # fmt: skip
    one_error_line(result, 1, f"cannot write to archive {str(db)!r}", "Permission denied")
    assert listing(folder) == []


def test_a_first_crawl_that_archived_nothing_failed(site_url, tmp_path):
    db = str(tmp_path / "a.db")
    result = run_cli("crawl", "--start-url", f"{site_url}/", "--max-pages", "3", "--db", db)
    one_error_line(result, 1, "no release archived", "--max-pages")
    assert ": failed - 0 new" in result.stdout
    # With room to find releases it is ok, and a rerun that finds nothing new
    # (here: its three pages are not releases) stays ok.
    full = run_cli("crawl", "--start-url", f"{site_url}/", "--db", db)
    assert full.returncode == 0, full.stderr
    again = run_cli("crawl", "--start-url", f"{site_url}/", "--max-pages", "3", "--db", db)
    assert again.returncode == 0, again.stderr
    assert ": ok - 0 new" in again.stdout


# --- a site that gives nothing ------------------------------------------------------


class _RedirectLoop(BaseHTTPRequestHandler):
    """/a.xml -> /b.xml -> /a.xml ...; /moved.xml -> /home, an HTML page; no robots.txt."""

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/robots.txt":
            self.send_response(404)
        elif self.path == "/home":
            body = b"<html><head><title>Home</title></head><body><p>Welcome.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        elif self.path == "/moved.xml":
            self.send_response(301)
            self.send_header("Location", "/home")
        else:
            self.send_response(302)
            self.send_header("Location", "/b.xml" if self.path == "/a.xml" else "/a.xml")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def loop_url() -> Iterator[str]:
    with serving(_RedirectLoop) as url:
        yield url


def nobody_listening() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def recorded(db: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(status, message) of each run and (url, reason) of each failure."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        runs = conn.execute("SELECT status, message FROM runs ORDER BY id").fetchall()
        failed = conn.execute("SELECT url, reason FROM failures ORDER BY id").fetchall()
    return runs, failed


@pytest.mark.parametrize(
    ("where", "path", "reason"),
    [
        ("down", "/sitemap.xml", "connection refused"),
        ("site", "/no-such-sitemap.xml", "HTTP 404"),
        ("site", "/", "not a sitemap (no urlset or sitemapindex)"),
        ("loop", "/a.xml", "redirect loop (2 hops back to /a.xml)"),
    ],
)
def test_a_crawl_that_fetched_nothing_says_why_in_one_line(request, tmp_path, where, path, reason):
    # It said "no release archived; every page failed" whatever the reason, after
    # Scrapy's own timestamped "Gave up retrying" ERROR lines for a site that was down.
    base = {
        "down": nobody_listening,
        "site": lambda: request.getfixturevalue("site_url"),
        "loop": lambda: request.getfixturevalue("loop_url"),
    }[where]()
    url, db = base + path, tmp_path / "a.db"
    result = run_cli("crawl", "--sitemap", url, "--db", str(db))
    assert result.returncode == 1, result.stdout + result.stderr
    message = f"nothing could be fetched: {url}: {reason}"
    assert result.stderr.splitlines() == [f"Error: {message}"]
    assert ": failed - 0 new" in result.stdout
    assert recorded(db) == ([("failed", message)], [(url, reason)])


@pytest.mark.parametrize(
    ("option", "reason"),
    [
        ("--sitemap", "not a sitemap (no urlset or sitemapindex)"),
        ("--feed", "not an RSS or Atom feed"),
    ],
)
def test_a_sitemap_or_feed_that_redirects_to_a_page_is_named_with_its_redirect(
    loop_url, tmp_path, option, reason
):
    # A moved sitemap that now sends to the home page: the failure was recorded under
    # the home page's URL, so the run said "every page failed"; a feed so moved
    # (parsed by the recovering XML parser) was no failure at all.
    url, db = f"{loop_url}/moved.xml", tmp_path / "a.db"
    result = run_cli("crawl", option, url, "--db", str(db))
    assert result.returncode == 1, result.stdout + result.stderr
    said = f"{reason} (redirected to {loop_url}/home)"
    message = f"nothing could be fetched: {url}: {said}"
    assert result.stderr.splitlines() == [f"Error: {message}"]
    assert recorded(db) == ([("failed", message)], [(url, said)])


def test_downloads_given_up_are_in_the_verbose_log(tmp_path):
    url = nobody_listening() + "/sitemap.xml"
    result = run_cli("crawl", "-v", "--sitemap", url, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"[scrapy.downloadermiddlewares.retry] INFO: Gave up retrying <GET {url}>" in (
        result.stderr
    )


# --- the language model's cache -------------------------------------------------------


def packaged_model() -> Path:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    return Path(MODEL_DIR) / MODEL_FILE


def test_the_cache_key_is_the_model_content_not_its_mtime(tmp_path):
    first, second = tmp_path / "a" / "model.npz.xz", tmp_path / "b" / "model.npz.xz"
    for copy in (first, second):
        copy.parent.mkdir()
        shutil.copyfile(packaged_model(), copy)
    os.utime(second, (1, 1))  # a reinstall: same bytes, another mtime
    assert language._key(first) == language._key(second)
    with open(second, "r+b") as f:  # an upgrade: other bytes
        f.seek(100)
        f.write(bytes([f.read(1)[0] ^ 0xFF]))
    assert language._key(first) != language._key(second)


def test_the_program_removes_cache_folders_of_other_models_once_unused(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    stale, recent = cache / "langid-0ld0ld0ld0ld", cache / "langid-0therinuse0"
    for folder in (stale, recent):
        folder.mkdir(parents=True)
        (folder / "ptc.npy").write_bytes(b"x" * 1000)
    day_ago = time.time() - language.STALE_AFTER - 60
    os.utime(stale, (day_ago, day_ago))
    page = tmp_path / "page.html"
    paragraphs = [
        "The authorities should release the detained activists at once, the group said.",
        "Journalists must be allowed to report freely on the situation in the region.",
        "Witnesses described arrests at night and long detention without any charge.",
        "Families have not been told where their relatives are held, or on what basis.",
        "Lawyers who tried to visit the detainees were turned away at the prison gate.",
    ]
    page.write_text(
        "<html lang='en'><head><title>A release</title></head><body><article>"
        "<h1>Authorities must free the detained activists</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>",
        encoding="utf-8",
    )
    monkeypatch.setenv("PRESSROOM_CACHE_DIR", str(cache))  # the program inherits it
    for _ in range(2):
        result = run_cli("extract", str(page))
        assert result.returncode == 0, result.stderr
        assert '"language": "en"' in result.stdout
        names = listing(cache)
        assert stale.name not in names and recent.name in names  # in use elsewhere: kept
        (ours,) = [n for n in names if n != recent.name]
        assert ours == f"langid-{language._key(packaged_model())}"
    # The second run reused the folder the first one made: still one folder of its own.
