"""`pressroom extract`: the crawl's extraction on saved files, one JSON object per page."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from fixtures.demo.site import PDF_BYTES, PDF_TITLE, build_site
from fixtures.sources import write_source

BASE = "http://127.0.0.1:8000"
SITE = build_site(12)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    """A folder of saved pages as a user would have them: HTML, gzipped HTML, a PDF, junk."""
    folder = tmp_path_factory.mktemp("saved")
    first, second = SITE.releases[0], SITE.releases[2]
    (folder / "a.html").write_bytes(SITE.render(first.path, BASE).body)
    (folder / "sub").mkdir()
    (folder / "sub" / "b.html.gz").write_bytes(gzip.compress(SITE.render(second.path, BASE).body))
    (folder / "report.pdf").write_bytes(PDF_BYTES)
    (folder / "notes.txt").write_text("not a page")
    (folder / "about.html").write_bytes(SITE.render("/about", BASE).body)
    return folder


def records(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_folder_gives_one_object_per_page_in_order(cli, saved):
    got = records(cli("extract", str(saved)))
    assert [Path(r["path"]).name for r in got] == [
        "a.html",
        "about.html",
        "report.pdf",
        "b.html.gz",
    ]
    first = got[0]
    release = SITE.releases[0]
    assert first["kind"] == "article" and first["release"] is True and first["reason"] is None
    assert first["url"] == BASE + release.path  # the page's canonical URL
    assert first["title"] == release.title
    assert first["date_published"] == release.date_published
    assert first["text"].startswith(release.title + "\n\n")
    assert all(p in first["text"] for p in release.paragraphs)
    assert first["markdown"].startswith(f"# {release.title}")
    assert {"authors", "tags", "language", "translations", "content_kind"} <= set(first)
    assert got[2]["content_kind"] == "pdf" and got[2]["title"] == PDF_TITLE
    assert got[2]["url"].startswith("file://")
    assert got[3]["title"] == SITE.releases[2].title
    as_array = cli("extract", str(saved), "--json")  # sqlite-utils' convention: one array
    assert as_array.returncode == 0, as_array.stderr
    assert json.loads(as_array.stdout) == got


def test_a_file_with_no_release_is_reported_not_hidden(cli, saved):
    (notes,) = records(cli("extract", str(saved / "notes.txt")))  # named explicitly: read
    assert notes["kind"] == "failed" and notes["release"] is False
    assert notes["reason"].startswith("too little text")
    assert "text" in notes and "title" in notes  # what was read is shown with the verdict


def test_source_rules_apply(cli, saved, tmp_path):
    release = SITE.releases[0]
    phrase = release.paragraphs[1][:40]
    source = write_source(
        tmp_path / "site.toml",
        "site",
        feeds=[f"{BASE}/news/feed.xml"],
        extract={"drop_phrases": [phrase]},
    )
    (plain,) = records(cli("extract", str(saved / "a.html")))
    (ruled,) = records(cli("extract", str(saved / "a.html"), "--source", str(source)))
    assert release.paragraphs[1] in plain["text"]
    assert release.paragraphs[1] not in ruled["text"]


def test_bad_input_is_one_line(cli, tmp_path):
    missing = cli("extract", str(tmp_path / "nope.html"))
    assert missing.returncode == 2
    unknown = cli("extract", str(tmp_path), "--source", "nosuch", "--db", str(tmp_path / "x.db"))
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("Error: unknown source 'nosuch'")


def test_a_binary_file_is_a_failed_record_not_a_release(cli, tmp_path):
    # A saved image or archive with an .html name: the crawl refuses such bytes
    # ("binary content served as ..."); `extract` decoded them first and printed
    # hundreds of "words" of mojibake as a release.
    (tmp_path / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 12)
    (tmp_path / "noise.html.gz").write_bytes(gzip.compress(bytes(range(256)) * 12))
    got = records(cli("extract", str(tmp_path)))
    assert [Path(r["path"]).name for r in got] == ["image.html", "noise.html.gz"]
    for record in got:
        assert record["kind"] == "failed" and record["release"] is False
        # A saved file has no content type: the reason said "served as no content type".
        assert record["reason"] == "binary content: neither an HTML page nor a PDF", record
        assert "text" not in record


def test_a_broken_gzip_is_one_failed_record_and_the_run_goes_on(cli, tmp_path):
    page = SITE.render(SITE.releases[0].path, BASE).body
    (tmp_path / "a.html").write_bytes(page)
    (tmp_path / "b.html.gz").write_bytes(gzip.compress(page)[:200])  # cut short
    (tmp_path / "c.html.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all" * 10)
    (tmp_path / "d.html").write_bytes(page)
    got = records(cli("extract", str(tmp_path)))
    assert [Path(r["path"]).name for r in got] == ["a.html", "b.html.gz", "c.html.gz", "d.html"]
    assert [r["kind"] for r in got] == ["article", "failed", "failed", "article"]
    assert got[1]["reason"].startswith("unreadable gzip: ")
    assert got[2]["reason"].startswith("unreadable gzip: ")


# An ASP.NET ministry page laid out with a table (a reviewer's generated newsroom, trimmed):
# trafilatura gives the body as one table cell, whose paragraphs came out as one line
# (Markdown: a one-cell table) and counted as one paragraph, so the page was refused.
LAYOUT_TABLE_PAGE = """<html><head>
<title>New funding for Ballina fishing fleet | Ministry of Coastal Affairs</title></head><body>
<nav><a href="/">Home</a> <a href="/newsroom/">Newsroom</a></nav>
<div id="content"><table class="ms-content">
<tr><td><span id="ctl00_lblTitle">New funding for Ballina fishing fleet</span></td></tr>
<tr><td><span id="ctl00_lblDate">Date: 12/09/2023</span></td></tr>
<tr><td><div id="ctl00_PlaceHolderMain_body">
<p>Officials extended emergency repairs to the sea wall at Kerlaz following severe winter
storms, and local councils funded a partnership with 77 coastal municipalities after
months of talks with stakeholders, fishermen's unions and the harbour boards of the coast.</p>
<p>Harbour authorities completed the results of the spring fish stock survey after months
of talks with stakeholders, and said that work on the new quays would begin in May.</p>
<p>Inspectors reviewed a consultation on offshore wind zoning following the storms, and
the committee launched plans to dredge the northern channel ahead of the summer season,
when the ferries between the islands and the mainland run twice as often as in winter.</p>
<p>The ministry will publish the survey's full results and the dredging schedule on its
website next month, and the minister will answer questions from the press, the harbour
boards and the public at an open meeting in the harbour office on the first Monday of June.</p>
</div></td></tr></table></div>
<footer><p>&#169; 2024 Ministry of Coastal Affairs. All rights reserved.</p></footer>
</body></html>"""


def test_a_page_laid_out_with_a_table_keeps_its_paragraphs(cli, tmp_path):
    page = tmp_path / "item.aspx.html"
    page.write_text(LAYOUT_TABLE_PAGE)
    (record,) = records(cli("extract", str(page)))
    assert (record["release"], record["reason"]) == (True, None)
    body = record["text"].split("\n\n")[1:]
    assert len(body) == 4 and body[0].startswith("Officials extended"), record["text"]
    assert body[3].endswith("on the first Monday of June."), record["text"]
    assert "|" not in record["markdown"], record["markdown"]
