"""A page's own numbered pager ("1 2 3 Next ›") is that page continued, not links that
may be releases nor pages the patterns leave out. Real crawls through the installed
program of small sites served on 127.0.0.1.

A walk (``--start-url``) met a tag page (``/tags/water``) whose releases run over
three pages: only the start page's own pager was recognised, so the tag page's
pages 2 and 3 were each counted in ``N outside --allow`` and listed by ``pages
--outside-allow``, beside the tag page itself. The listing here is the other
shape a pager takes: no page word in its links (``/news/2``, ``/news/3``), where
only the "Next" link was recognised and page 3, linked as "3", was fetched as a
page that may be a release.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import harbour_release, pages_serving, run_cli


def _tag_page(n: int, last: int = 3, tag: str = "water", linked: bool = True) -> bytes:
    """Page ``n`` of a tag page: its releases (``/news/2024/w1-0`` for water's), and
    "1 2 3 Next ›" (``linked``: its own number a link too, else plain text)."""
    items = "".join(
        f'<li><a href="/news/2024/{tag[0]}{n}-{k}">Release {tag[0]}{n}-{k}</a></li>'
        for k in range(3)
    )
    pager = " ".join(
        f'<a href="{_tag_url(m, tag)}">{m}</a>' if linked or m != n else f"<span>{m}</span>"
        for m in range(1, last + 1)
    )
    if n < last:
        pager += f' <a rel="next" href="{_tag_url(n + 1, tag)}">Next ›</a>'
    body = f"<h1>{tag.title()}</h1><ul>{items}</ul><nav>{pager}</nav>"
    return f"<html><body>{body}</body></html>".encode()


def _tag_url(n: int, tag: str = "water") -> str:
    return f"/tags/{tag}" if n == 1 else f"/tags/{tag}?page={n}"


def _tag_site(tags: tuple[str, ...] = ("water",), linked: bool = True) -> dict[str, bytes]:
    """A start page linking a release, ``/about`` and each tag page of ``tags`` (their
    first letters differ: they name the releases), three pages each (``linked``: as
    :func:`_tag_page`)."""
    links = " ".join(f'<a href="/tags/{tag}">{tag.title()}</a>' for tag in tags)
    start = (
        '<html><body><h1>Ministry</h1><a href="/news/2024/s-0">Latest release</a> '
        f'{links} <a href="/about">About us</a></body></html>'
    )
    pages = {
        "/": start.encode(),
        "/about": b"<html><body>About</body></html>",
        "/news/2024/s-0": harbour_release("s-0"),
    }
    for tag in tags:
        for n in range(1, 4):
            pages[_tag_url(n, tag)] = _tag_page(n, tag=tag, linked=linked)
            for k in range(3):
                pages[f"/news/2024/{tag[0]}{n}-{k}"] = harbour_release(f"{tag[0]}{n}-{k}")
    return pages


@pytest.fixture
def tag_site() -> Iterator[tuple[str, list[str]]]:
    with pages_serving(_tag_site()) as served:
        yield served


def _outside(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT url, reason FROM pages WHERE verdict = 'outside_patterns'")
        return dict(rows.fetchall())


def _stored(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {url.rsplit("/", 1)[1] for (url,) in conn.execute("SELECT url FROM articles")}


def _walk(base: str, db: Path, *args: str):
    walk = ("--start-url", f"{base}/", "--allow", r"/news/\d{4}/")
    result = run_cli("crawl", *walk, "--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    return result


RELEASES = {"s-0"} | {f"w{n}-{k}" for n in range(1, 4) for k in range(3)}


def test_a_walked_tag_pages_own_pager_is_not_outside_allow(tag_site, tmp_path):
    base, requests = tag_site
    db = tmp_path / "walk.db"
    result = _walk(base, db)
    assert "/tags/water?page=2" in requests and "/tags/water?page=3" in requests
    assert _stored(db) == RELEASES
    # The tag page is a page the walk went through that the pattern leaves out; its
    # pages 2 and 3 are that page continued (they were counted and listed beside it).
    assert _outside(db) == {
        f"{base}/about": "matches no allow pattern",
        f"{base}/tags/water": "matches no allow pattern",
    }
    assert ": ok - 10 new," in result.stdout
    assert " 2 outside --allow " in result.stdout
    listed = run_cli("pages", "--outside-allow", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    assert "/tags/water" in listed.stdout and "?page=" not in listed.stdout


def test_a_walked_tag_pages_pager_still_counts_hops(tag_site, tmp_path):
    # The tag page's later pages are hops, as the start page's are: what --depth holds
    # back behind them is still counted and named (as before), and they are not counted
    # outside --allow (they were: 4).
    base, requests = tag_site
    db = tmp_path / "walk.db"
    result = _walk(base, db, "--depth", "2")
    assert "/tags/water?page=2" in requests and "/news/2024/w2-0" not in requests
    (warning,) = [line for line in result.stderr.splitlines() if "--depth" in line]
    assert warning.startswith("Warning: --depth 2 held back 6 more links, beyond 2 hops")
    assert _stored(db) == {"s-0", "w1-0", "w1-1", "w1-2"}
    assert " 2 outside --allow " in result.stdout


def _page_two_first_site(linked: bool) -> dict[str, bytes]:
    """The tag site whose start page links the tag page's page 2 ("Older water news"), not
    the tag page: that is linked only from page 2's pager ("1"), so page 2 is always read
    first, from a plain link (never as the tag page's later page), and page 1 after it."""
    pages = _tag_site(linked=linked)
    pages["/"] = (
        '<html><body><h1>Ministry</h1><a href="/news/2024/s-0">Latest release</a> '
        f'<a href="{_tag_url(2)}">Older water news</a> <a href="/about">About us</a></body></html>'
    ).encode()
    return pages


# batch 1: page 2's row is written before page 1 is read (taken back, not dropped unwritten).
# A page 2 whose own number is a link marks itself by reading its pager: right before too.
@pytest.mark.parametrize("batch", ["50", "1"])
@pytest.mark.parametrize("linked", [False, True], ids=["own-number-plain", "own-number-linked"])
def test_a_tag_pages_page_two_walked_before_the_tag_page_is_not_outside_allow(
    tmp_path, linked, batch
):
    with pages_serving(_page_two_first_site(linked)) as (base, requests):
        db = tmp_path / "walk.db"
        result = _walk(base, db, "-s", f"PRESSROOM_BATCH_SIZE={batch}")
        assert requests.index("/tags/water?page=2") < requests.index("/tags/water")
    assert requests.count("/tags/water?page=2") == 1
    assert _stored(db) == RELEASES
    # Page 2 was counted and listed outside --allow (its pager showing its own number as
    # text, not a link): read before page 1 named it, and page 1's request for it as its
    # later page was a duplicate. The tag page is counted once, as when read first.
    assert _outside(db) == {
        f"{base}/about": "matches no allow pattern",
        f"{base}/tags/water": "matches no allow pattern",
    }
    assert ": ok - 10 new," in result.stdout
    assert " 2 outside --allow " in result.stdout, result.stdout
    listed = run_cli("pages", "--outside-allow", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    assert "/tags/water" in listed.stdout and "?page=" not in listed.stdout


def _news_page(n: int, last: int = 3) -> bytes:
    """Page ``n`` of a listing whose pager has no page word: ``/news/2``, ``/news/3``.

    Its releases are ``/news/1001`` on, the shape of its pages: the third of each
    page is linked by its number alone ("1003"), in the list, not beside "Next".
    """
    first = 1000 + 3 * (n - 1)
    items = "".join(
        f'<li><a href="/news/{first + k}">Harbour works at {first + k}</a></li>' for k in (1, 2)
    )
    items += f'<li><a href="/news/{first + 3}">{first + 3}</a></li>'
    pager = " ".join(f'<a href="{_news_url(m)}">{m}</a>' for m in range(1, last + 1))
    if n < last:
        pager += f' <a rel="next" href="{_news_url(n + 1)}">Next ›</a>'
    body = f'<div class="content"><ul>{items}</ul><nav class="pager">{pager}</nav></div>'
    return f"<html><body><h1>News</h1>{body}</body></html>".encode()


def _news_url(n: int) -> str:
    return "/news/" if n == 1 else f"/news/{n}"


def _news_site() -> dict[str, bytes]:
    pages: dict[str, bytes] = {}
    for n in range(1, 4):
        pages[_news_url(n)] = _news_page(n)
        for k in range(1, 4):
            release = 1000 + 3 * (n - 1) + k
            pages[f"/news/{release}"] = harbour_release(str(release))
    return pages


@pytest.fixture
def news_site() -> Iterator[tuple[str, list[str]]]:
    with pages_serving(_news_site()) as served:
        yield served


def _news_source(tmp_path: Path, base: str, allow: bool) -> Path:
    source = tmp_path / "news.toml"
    source.write_text(
        'name = "news"\nallowed_domains = ["127.0.0.1"]\n'
        f'[discover]\nlistings = ["{base}/news/"]\n'
        + ("[articles]\nallow = ['/news/\\d{4}$']\n" if allow else "")
    )
    return source


NEWS = {str(1000 + k) for k in range(1, 10)}


def test_a_pager_without_a_page_word_is_paged_as_the_listing_where_pages_decide(
    news_site, tmp_path
):
    base, requests = news_site
    db = tmp_path / "news.db"
    source = _news_source(tmp_path, base, allow=False)
    result = run_cli("crawl", "--source", str(source), "--db", str(db))
    assert result.returncode == 0, result.stderr
    # Page 3, linked as "3" from page 1, was fetched as a page that may be a release
    # (judged none), and page 2's "Next" to it was then a duplicate: its releases lost.
    assert requests.count("/news/3") == 1
    assert _stored(db) == NEWS  # the releases linked by their number alone too
    assert ": ok - 9 new," in result.stdout
    assert " 0 not releases " in result.stdout


def test_a_pager_without_a_page_word_is_not_outside_allow(news_site, tmp_path):
    base, requests = news_site
    db = tmp_path / "news.db"
    result = run_cli("crawl", "--source", str(_news_source(tmp_path, base, True)), "--db", str(db))
    assert result.returncode == 0, result.stderr
    # Page 3 (linked as "3" from page 1) was counted outside --allow.
    assert "/news/3" in requests
    assert _stored(db) == NEWS
    assert _outside(db) == {}
    assert ": ok - 9 new," in result.stdout
    assert " 0 outside --allow " in result.stdout


def test_the_next_selector_is_evaluated_once_a_page(monkeypatch):
    # The "Next" links and the pager beside them come from one evaluation of the
    # source's next_page selector: it was run twice on every listing page.
    from extraction import extract, links, pager, parse
    from extraction.rules import Rules

    evaluated: list[str] = []

    def counting(css: str):
        select = parse.selector(css)

        def run(tree):
            evaluated.append(css)
            return select(tree)

        return run

    for module in (extract, links, pager):
        monkeypatch.setattr(module, "selector", counting, raising=False)
    page = _tag_page(2)
    result = extract.analyse(
        page, "https://x.org/tags/water?page=2", Rules(), release=False, next_page='a[rel="next"]'
    )
    assert evaluated == ['a[rel="next"]']
    assert result.next_pages == ["https://x.org/tags/water?page=3"]
    assert result.beside_next == {
        "https://x.org/tags/water": 1,
        "https://x.org/tags/water?page=2": 2,
        "https://x.org/tags/water?page=3": 3,
    }
