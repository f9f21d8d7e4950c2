"""What a crawl says of the links it does not fetch: left out by the patterns, beyond
--depth. Real crawls through the installed program.

A review crawled a ministry's newsroom (paginated listings whose pages link back
with "‹ Previous"): listing pages 2 to 4, fetched as listings, were counted in
"N outside --allow" and listed by ``pages --outside-allow``. The site here is that
listing, written into the test: three listing pages, each linking the one before
and after it, and releases with article markup. The same review found a walk's
links beyond --depth dropped without a word: walked with --depth 1, page 3 and
page 2's releases are such links.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import harbour_release, pages_serving, run_cli


def _listing(n: int, last: int, numbered: bool = False) -> bytes:
    items = "".join(
        f'<li><a href="/newsroom/2024/{n}-{k}">Release {n}-{k}</a></li>' for k in range(3)
    )
    pager = ""
    if n > 1:  # what the review's site had: a link back to the page before
        before = "/newsroom/" if n == 2 else f"/newsroom/page/{n - 1}"
        pager += f'<a href="{before}">‹ Previous</a> '
    if numbered:  # "1 2 3": every other page of the listing, page 1 under its number too
        pager += " ".join(f'<a href="/newsroom/page/{m}">{m}</a>' for m in range(1, last + 1))
    if n < last:
        rel = ' rel="next"' if numbered else ""
        pager += f'<a class="pager-next"{rel} href="/newsroom/page/{n + 1}">Next ›</a>'
    links = '<a href="/about">About us</a>'
    return f"<html><body><h1>Newsroom</h1>{links}<ul>{items}</ul>{pager}</body></html>".encode()


def _pages(last: int = 3, numbered: bool = False) -> dict[str, bytes]:
    pages = {
        "/newsroom/": _listing(1, last, numbered),
        "/about": b"<html><body>About</body></html>",
    }
    for n in range(1, last + 1):
        if n > 1 or numbered:
            pages[f"/newsroom/page/{n}"] = _listing(n, last, numbered)
        for k in range(3):
            pages[f"/newsroom/2024/{n}-{k}"] = harbour_release(f"{n}-{k}")
    return pages


@pytest.fixture
def site() -> Iterator[tuple[str, list[str]]]:
    with pages_serving(_pages()) as served:
        yield served


@pytest.fixture
def numbered_site() -> Iterator[tuple[str, list[str]]]:
    """The listing with a numbered pager ("1 2 3 Next ›") on every page."""
    with pages_serving(_pages(numbered=True)) as served:
        yield served


def _outside(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, reason FROM pages WHERE verdict = 'outside_patterns'")
        return dict(rows.fetchall())


def test_listing_pages_fetched_as_listings_are_not_outside_allow(site, tmp_path):
    base, requests = site
    source = tmp_path / "ministry.toml"
    source.write_text(
        'name = "ministry"\nallowed_domains = ["127.0.0.1"]\n'
        f'[discover]\nlistings = ["{base}/newsroom/"]\nnext_page = "a.pager-next"\n'
        "[articles]\nallow = ['/newsroom/\\d{4}/']\n"
    )
    db = tmp_path / "a.db"
    result = run_cli("crawl", "--source", str(source), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "/newsroom/page/2" in requests and "/newsroom/page/3" in requests
    # Only the page the pattern leaves out and the crawl never fetched.
    assert _outside(db) == {f"{base}/about": "matches no allow pattern"}
    assert ": ok - 9 new," in result.stdout
    assert " 1 outside --allow " in result.stdout


def test_links_beyond_depth_are_counted_and_named(site, tmp_path):
    base, requests = site
    db = tmp_path / "walk.db"
    result = run_cli("crawl", "--start-url", f"{base}/newsroom/", "--depth", "1", "--db", str(db))
    assert result.returncode == 0, result.stderr
    # Page 2 is one hop from the start: its releases and page 3 are two.
    assert "/newsroom/page/2" in requests and "/newsroom/page/3" not in requests
    # They were dropped without a word; the run says how many, and names the first.
    (warning,) = [line for line in result.stderr.splitlines() if "--depth" in line]
    assert warning.startswith("Warning: --depth 1 held back 4 more links, beyond 1 hops")
    assert f"{base}/newsroom/2024/2-0" in warning
    with sqlite3.connect(db) as conn:
        (stored,) = conn.execute("SELECT warnings FROM runs").fetchone()
    assert json.loads(stored) == [warning.removeprefix("Warning: ")]


def _ministry(tmp_path: Path, base: str, allow: bool = True) -> Path:
    source = tmp_path / "ministry.toml"
    source.write_text(
        'name = "ministry"\nallowed_domains = ["127.0.0.1"]\n'
        f'[discover]\nlistings = ["{base}/newsroom/"]\nnext_page = "a.pager-next"\n'
        + ("[articles]\nallow = ['/newsroom/\\d{4}/']\n" if allow else "")
    )
    return source


def test_numbered_pager_links_of_a_listing_are_not_outside_allow(numbered_site, tmp_path):
    base, requests = numbered_site
    db = tmp_path / "a.db"
    result = run_cli("crawl", "--source", str(_ministry(tmp_path, base)), "--db", str(db))
    assert result.returncode == 0, result.stderr
    # Page 3, linked as "3" from page 1, was counted outside --allow before page 2's
    # "Next" fetched it as a listing; "1" (the first page again) was counted too.
    assert "/newsroom/page/2" in requests and "/newsroom/page/3" in requests
    assert _outside(db) == {f"{base}/about": "matches no allow pattern"}
    assert ": ok - 9 new," in result.stdout
    assert " 1 outside --allow " in result.stdout


def test_numbered_pager_links_are_paged_as_listings_where_pages_decide(numbered_site, tmp_path):
    base, requests = numbered_site
    db = tmp_path / "a.db"
    source = _ministry(tmp_path, base, allow=False)
    result = run_cli("crawl", "--source", str(source), "--db", str(db))
    assert result.returncode == 0, result.stderr
    # Page 3 was fetched from page 1's "3" as a page that may be a release (judged not
    # one), and page 2's "Next" to it was then a duplicate request: its releases were lost.
    assert requests.count("/newsroom/page/3") == 1
    assert ": ok - 9 new," in result.stdout


def test_a_walks_pager_pages_are_not_outside_allow(numbered_site, tmp_path):
    base, requests = numbered_site
    db = tmp_path / "walk.db"
    walk = ("--start-url", f"{base}/newsroom/", "--allow", r"/newsroom/\d{4}/")
    result = run_cli("crawl", *walk, "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "/newsroom/page/2" in requests and "/newsroom/page/3" in requests
    # The start page's later pages are the start page continued, as a listing's are.
    assert _outside(db) == {f"{base}/about": "matches no allow pattern"}
    assert ": ok - 9 new," in result.stdout
    assert " 1 outside --allow " in result.stdout
    listed = run_cli("pages", "--outside-allow", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    assert "/newsroom/page/" not in listed.stdout
