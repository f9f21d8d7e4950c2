"""`pressroom serve`: Datasette metadata, canned queries, read-only opening, and a real browser."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import (
    Clock,
    archive_holding,
    free_port,
    json_when_served,
    program_serving,
    run_cli,
)

from crawler.lock import crawl_lock
from fixtures.demo.releases import releases
from pressroom.cli import main
from storage import Archive
from storage.records import ARTICLE_FIELDS

pytest.importorskip("datasette", reason="pip install 'pressroom[serve]' to test serve")

from pressroom.serve import crawl_activity, make_datasette, metadata  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
RELEASES = 120
EDITED_URL = "https://x.example/en/news/edited"


def edited(version: int) -> dict[str, Any]:
    return {
        "url": EDITED_URL,
        "source": "unwire",
        "title": f"Flood relief: version {version}",
        "text": f"Flood relief: version {version}\n\nThe agency corrected its figures {version}.",
        "date_published": "2020-05-01T10:00:00+00:00",
        "language": "en",
    }


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "press.db"
    with Archive(path, clock=Clock()) as archive:
        for version in (1, 2, 3):
            run = archive.start_run("unwire", {})
            archive.save_articles([edited(version)], run)
            archive.finish_run(run, "ok", {})
        run = archive.start_run("all", {})
        archive.save_articles(releases(RELEASES), run)
        archive.finish_run(run, "ok", {})
    return path


def fetch(path: Path, *urls: str, immutable: bool = True) -> list[Any]:
    """GET each URL from an in-process Datasette for the archive; return the responses."""
    ds = make_datasette(path, immutable=immutable)

    async def run() -> list[Any]:
        await ds.invoke_startup()
        return [await ds.client.get(url) for url in urls]

    return asyncio.run(run())


def rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text[:500]
    return response.json()["rows"]


# -- metadata -----------------------------------------------------------------------


def test_metadata_describes_every_column_and_configures_browsing(archive_path):
    meta = metadata(archive_path)
    database = meta["databases"]["press"]
    articles = database["tables"]["articles"]
    assert set(ARTICLE_FIELDS) <= set(articles["columns"])
    assert all(articles["columns"][field] for field in ARTICLE_FIELDS)
    assert articles["facets"] == [
        "source",
        "language",
        {"array": "tags"},
        {"date": "date_published"},
    ]
    assert (articles["fts_table"], articles["fts_pk"]) == ("articles_fts", "id")
    assert {"search", "latest_per_source", "changed_since"} <= set(database["queries"])
    assert not any(query.get("write") for query in database["queries"].values())
    for name, table in database["tables"].items():
        assert table.get("hidden") or table["title"] and table["description"], name


def test_table_page_renders_titles_facets_and_descriptions(archive_path):
    (page,) = fetch(archive_path, "/press/articles?_search=police")
    html = page.text
    assert page.status_code == 200
    assert "News releases" in html and "Normalised canonical URL of the release" in html
    assert "where search matches &#34;police&#34;" in html
    for facet in ('data-column="source"', 'data-column="language"', 'data-column="tags"'):
        assert facet in html
    assert "/pressroom-static/pressroom.css" in html


def test_ranked_search_query(archive_path):
    hits, empty, bad = fetch(
        archive_path,
        "/press/search.json?q=police&_shape=objects",
        "/press/search.json?q=&_shape=objects",
        "/press/search.json?q=%22unterminated&_shape=objects",
    )
    found = rows(hits)
    with Archive(archive_path, readonly=True) as archive:
        expected = archive.search("police", limit=100)
    assert [h["url"] for h in found] == [h["url"] for h in expected]
    assert any("[police]" in h["snippet"] for h in found)
    assert rows(empty) == []  # the empty form: no error
    assert bad.status_code == 400 and "unterminated string" in bad.text


def test_latest_per_source_and_changed_since(archive_path):
    latest, changed = fetch(
        archive_path,
        "/press/latest_per_source.json?_shape=objects",
        "/press/changed_since.json?since=2026-11-27&_shape=objects",
    )
    got = rows(latest)
    with Archive(archive_path, readonly=True) as archive:
        for source in ("eudesk", "ministry", "rwd", "unwire"):
            newest = [a["url"] for a in archive.articles(source=source, order="-date_published")]
            assert [r["url"] for r in got if r["source"] == source] == newest[:10]
        assert len(rows(changed)) == archive.count()
    updates = [r for r in rows(changed) if r["change"] == "updated"]
    assert [r["url"] for r in updates] == [EDITED_URL]
    (none,) = fetch(archive_path, "/press/changed_since.json?since=2099-01-01&_shape=objects")
    assert rows(none) == []


def test_revision_history_query(archive_path):
    with Archive(archive_path, readonly=True) as archive:
        if "revisions" not in archive.db.table_names():
            pytest.skip("this archive has no revisions table (added by migration m002)")
    assert "revision_history" in metadata(archive_path)["databases"]["press"]["queries"]
    (history,) = fetch(
        archive_path, f"/press/revision_history.json?url={EDITED_URL}&_shape=objects"
    )
    versions = rows(history)
    assert [v["title"] for v in versions] == [f"Flood relief: version {n}" for n in (3, 2, 1)]
    assert versions[0]["version"] == "current" and versions[0]["until"] is None
    assert versions[1]["until"] == versions[0]["since"]  # superseded when 3 arrived


def test_serving_never_writes_to_the_file(archive_path):
    before = hashlib.sha256(archive_path.read_bytes()).hexdigest()
    for immutable in (True, False):
        page, write = fetch(
            archive_path,
            "/press/articles?_facet=source",
            "/press.json?sql=delete+from+articles",
            immutable=immutable,
        )
        assert page.status_code == 200
        assert write.status_code == 400
    assert hashlib.sha256(archive_path.read_bytes()).hexdigest() == before
    with Archive(archive_path, readonly=True) as archive:
        assert archive.count() == RELEASES + 1


# -- immutable or not ------------------------------------------------------------------


def test_crawl_activity_decides_immutable(tmp_path):
    path = tmp_path / "a.db"
    with Archive(path) as archive:
        run = archive.start_run("x", {})
        archive.finish_run(run, "ok", {})
    assert crawl_activity(path) is None
    with crawl_lock(path, "hrw"):
        assert crawl_activity(path) == "a crawl holds a.db.hrw.lock"
    assert crawl_activity(path) is None  # the lock file stays; nobody holds it
    with Archive(path) as archive:
        archive.start_run("x", {})
    assert "is recorded as running" in crawl_activity(path)
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("UPDATE runs SET status = 'interrupted'")
    writer.commit()
    try:
        assert crawl_activity(path) == "a.db-wal holds changes not yet in the main file"
    finally:
        writer.close()  # the last connection checkpoints and empties the log
    assert crawl_activity(path) is None


# -- the command ----------------------------------------------------------------------


def test_serve_help_and_bad_input():
    runner = CliRunner()
    help_text = runner.invoke(main, ["serve", "--help"]).output
    assert "Example" in help_text and "pressroom serve --db" in help_text
    missing = runner.invoke(main, ["serve", "--db", "missing.db"])
    assert missing.exit_code == 2 and "no archive at missing.db" in missing.output


@pytest.fixture
def server(archive_path: Path) -> Any:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(archive_path)]
        + ["--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.1)
        else:
            pytest.fail("pressroom serve did not start within 30 s")
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (installed by .ci/run)",
)
def test_browser_search(server, tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    base, process = server
    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium Manager stays out of it
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp(dir=tmp_path)}",
        "--window-size=1280,1400",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        browser.get(f"{base}/press/articles")
        assert browser.find_element(By.TAG_NAME, "h1").text == "News releases"
        box = browser.find_element(By.CSS_SELECTOR, "input[name=_search]")
        box.send_keys("flood relief")
        box.submit()
        WebDriverWait(browser, 20).until(expected_conditions.url_contains("_search="))
        summary = browser.find_element(By.CSS_SELECTOR, "h3").text
        assert summary.startswith('1 row where search matches "flood relief"')
        cells = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td.col-title")
        assert [cell.text for cell in cells] == ["Flood relief: version 3"]
        facets = browser.find_element(By.CSS_SELECTOR, ".facet-results").text
        assert "unwire" in facets

        browser.get(f"{base}/press/search?q=police")
        titles = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td.col-title")
        snippets = browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td.col-snippet")
        assert len(titles) > 5 and "police" in titles[0].text.lower()
        assert any("[police]" in s.text for s in snippets)
        browser.execute_script("window.scrollTo(0, 0)")
        ARTIFACTS.mkdir(exist_ok=True)
        assert browser.save_screenshot(str(ARTIFACTS / "serve-search.png"))
    finally:
        browser.quit()
    assert (ARTIFACTS / "serve-search.png").stat().st_size > 10_000
    assert process.poll() is None  # still serving: nothing crashed it


def _serve_on_a_taken_port(db: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """`pressroom serve` on a port another socket listens on: its result, and the port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        return run_cli("serve", "--db", str(db), "--port", str(port), timeout=60), port


def test_a_port_in_use_is_one_line_before_anything_is_served(archive_path):
    # uvicorn printed "Serving ..." on stdout, then its own "ERROR: [Errno 98] ...", exit 3.
    result, port = _serve_on_a_taken_port(archive_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: cannot serve on 127.0.0.1:{port}: Address already in use"
    ]


def test_a_port_in_use_leaves_only_the_archive_file(archive_path, tmp_path):
    # Refused as above, but the -wal and -shm files its reads made were left beside the
    # archive: README says only the archive file is left when a command ends.
    db = tmp_path / archive_path.name
    shutil.copy(archive_path, db)
    result, _ = _serve_on_a_taken_port(db)
    assert result.returncode == 2, result.stdout + result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [db.name]


def test_search_inside_words_finds_unspaced_words_the_index_misses(tmp_path):
    # A Japanese sentence is one token to FTS5's unicode61 tokenizer: its canned
    # ranked search (and Datasette's search box) find nothing inside it.
    db = tmp_path / "jp.db"
    with Archive(db, clock=Clock()) as archive:
        run = archive.start_run("maff", {})
        archive.save_articles(
            [
                {
                    "url": f"https://www.maff.go.jp/j/press/{n}.html",
                    "source": "maff",
                    "title": title,
                    "text": f"{title}\n\n{body}",
                    "date_published": f"2026-0{n}-01",
                    "language": "ja",
                }
                for n, title, body in (
                    (1, "水産庁の発表", "本日、沿岸漁業の支援策を公表しました。"),
                    (2, "漁業の新しい規則", "規則は来月から適用されます。"),
                    (3, "農業の統計", "米の生産量が増えました。"),
                )
            ],
            run,
        )
        archive.finish_run(run, "ok", {})
    q = urllib.parse.quote("漁業")
    with program_serving(db) as served:
        base, proc = f"{served.url}/jp", served.process
        hits = json_when_served(f"{base}/search_inside_words.json?q={q}&_shape=objects", proc)
        indexed = json_when_served(f"{base}/search.json?q={q}&_shape=objects", proc)
        empty = json_when_served(f"{base}/search_inside_words.json?q=&_shape=objects", proc)
    found = hits["rows"]  # type: ignore[index]
    # The title hit first, then the one inside a sentence of the text.
    assert [h["title"] for h in found] == ["漁業の新しい規則", "水産庁の発表"]
    assert "沿岸漁業の支援策" in found[1]["snippet"]
    assert indexed["rows"] == []  # type: ignore[index]
    assert empty["rows"] == []  # type: ignore[index]


def test_ranked_search_finds_every_spelling_as_pressroom_search_does(tmp_path):
    # The canned search matched as typed (SQL cannot call Python): αθηνα missed the body's
    # Αθήνα, قدس missed والقدس. It now calls pressroom_query(), the rewrite `pressroom
    # search` uses (storage/spellings.py), registered on Datasette's connections.
    db = archive_holding(
        tmp_path / "words.db",
        [
            {
                "url": f"https://gov.example/{n}",
                "source": "gov",
                "title": title,
                "text": f"{title}\n\n{body}",
                "date_published": f"2024-03-0{n}",
                "language": language,
            }
            for n, language, title, body in (
                (1, "el", "ΑΘΗΝΑ: ΝΕΑ ΜΕΤΡΑ", "Μέτρα στήριξης για τους εργαζόμενους."),
                (2, "el", "Συνάντηση με δημάρχους", "Ο πρωθυπουργός συναντήθηκε στην Αθήνα."),
                (3, "ar", "اجتماع وزاري", "عقد الوزراء اجتماعا بالقدس والقدس الشرقية."),
            )
        ],
    )
    with program_serving(db) as served:
        base, proc = f"{served.url}/words", served.process

        def found(path: str) -> list[str]:
            return [row["url"] for row in json_when_served(f"{base}/{path}", proc)["rows"]]  # type: ignore[index]

        greek = found(f"search.json?q={urllib.parse.quote('αθηνα')}&_shape=objects")
        arabic = found(f"search.json?q={urllib.parse.quote('قدس')}&_shape=objects")
        empty = found("search.json?q=&_shape=objects")
        box = found(f"articles.json?_search={urllib.parse.quote('αθηνα')}&_shape=objects")
    assert sorted(greek) == ["https://gov.example/1", "https://gov.example/2"]
    assert arabic == ["https://gov.example/3"]
    assert empty == []
    # The table's search box is Datasette's own: as typed (README and its description say so).
    assert box == ["https://gov.example/1"]
