"""The `links` field end to end: a real crawl stores the body's links, every export writes
them, and `pressroom search`/`export` filter by the domain they point at."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest
from helpers import PROGRAM, run_cli

from extraction.extract import analyse
from extraction.rules import Rules

pytestmark = pytest.mark.skipif(PROGRAM is None, reason="pip install -e '.[test]' first")

HOST = "127.0.0.1"  # the fixture site's releases link to earlier ones on the same server
PAGE = """<html><head><title>Aid cut</title></head><body>
<nav><a href="/">Home</a> <a href="https://twitter.com/ngo">Follow us</a></nav>
<main><h1>Aid cut</h1>
<p>The agency's <a href="https://www.unhcr.org/report.pdf">annual report</a> shows that
aid to the camps fell by a third, as <a href="/news/2023/earlier">we warned in March</a>.</p>
<p>Officials did not answer questions sent by email and by post before the deadline set
by the parliamentary committee that oversees the agency and its budget.</p>
<p>Read more at <a href="https://news.un.org/en/story">UN News</a> and
<a href="https://www.unhcr.org/report.pdf">annual report</a> again.</p>
</main><footer><a href="/privacy">Privacy policy of the organisation</a></footer></body></html>"""


def ok(result: subprocess.CompletedProcess, code: int = 0) -> subprocess.CompletedProcess:
    assert result.returncode == code, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr + result.stdout
    return result


def test_links_are_the_bodys_in_order_with_anchor_text():
    result = analyse(PAGE, "https://ngo.org/news/2024/aid", Rules(min_words=10), release=True)
    assert result.article["links"] == [
        {"url": "https://www.unhcr.org/report.pdf", "text": "annual report"},
        {"url": "https://ngo.org/news/2023/earlier", "text": "we warned in March"},
        {"url": "https://news.un.org/en/story", "text": "UN News"},
        {"url": "https://www.unhcr.org/report.pdf", "text": "annual report"},
    ]  # no menu, social or footer link


@pytest.fixture(scope="module")
def linked(crawled_archive: Path) -> set[str]:
    """URLs of the crawled releases whose stored links point at the fixture host."""
    with sqlite3.connect(f"file:{crawled_archive}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT url, links FROM articles").fetchall()
    assert all(links is not None for _, links in rows), "a crawl stores links for every release"
    out = {url for url, links in rows if any(HOST in link["url"] for link in json.loads(links))}
    assert 0 < len(out) < len(rows), "the fixture should have releases with and without links"
    return out


def test_search_by_link_domain(crawled_archive, linked):
    db = str(crawled_archive)
    hits = json.loads(
        ok(
            run_cli(
                "search", "rights", "--link-domain", HOST, "--limit", "1000", "--json", "--db", db
            )
        ).stdout
    )
    assert {hit["url"] for hit in hits} == linked
    none = ok(run_cli("search", "rights", "--link-domain", "example.org", "--json", "--db", db))
    assert json.loads(none.stdout) == []
    bad = ok(run_cli("search", "rights", "--link-domain", "http://x.org/", "--db", db), 2)
    assert "invalid link domain" in bad.stderr


def test_every_export_format_writes_links(crawled_archive, linked, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    db = str(crawled_archive)
    lines = ok(run_cli("export", "--format", "jsonl", "--link-domain", HOST, "--db", db)).stdout
    records = [json.loads(line) for line in lines.splitlines()]
    assert {r["url"] for r in records} == linked
    assert all(link.keys() == {"url", "text"} for r in records for link in r["links"])
    by_url = {r["url"]: r["links"] for r in records}

    table = ok(run_cli("export", "--format", "csv", "--db", db)).stdout
    cells = {row["url"]: row["links"] for row in csv.DictReader(io.StringIO(table))}
    assert all(json.loads(cells[url]) == links for url, links in by_url.items())  # JSON text

    out = tmp_path / "a.parquet"
    ok(run_cli("export", "--format", "parquet", "-o", str(out), "--db", db))
    parquet = pq.read_table(out)
    pa = pytest.importorskip("pyarrow")
    links_type = parquet.schema.field("links").type
    assert links_type.value_type == pa.struct([("url", pa.string()), ("text", pa.string())])
    rows = {r["url"]: r["links"] for r in parquet.select(["url", "links"]).to_pylist()}
    assert all(rows[url] == links for url, links in by_url.items())

    folder = tmp_path / "dataset"
    ok(run_cli("export", "--dataset", str(folder), "--db", db))
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert "| `links` | `list<item: struct<url: string, text: string>>` | Links in the body" in card
