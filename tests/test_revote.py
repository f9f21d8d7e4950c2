"""The end-of-crawl re-vote (crawler/revote.py) reads pages in processes as it does here."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest
from helpers import store_voted_page

from crawler import revote
from crawler.revote import _pool
from extraction.rules import Rules
from storage import Archive


def _page(n: int) -> tuple[bytes, str, str]:
    body = " ".join(
        f"Sentence {k} of release {n} says what the ministry did today." for k in range(12)
    )
    html = f"<html><head><title>Release {n}</title></head><body><nav>Home | News</nav>"
    html += f"<article><h1>Release {n}</h1><p>{body}</p><p>Contact: press office</p></article>"
    return (html + "</body></html>").encode(), f"https://gov.example/news/{n}", "text/html"


class _Counted(ProcessPoolExecutor):
    """The executor, counting the pages it was handed (not read here by a fallback)."""

    handed = 0

    def map(self, fn, *iterables, **options):  # type: ignore[no-untyped-def]
        jobs = list(iterables[0])
        _Counted.handed += len(jobs)
        return super().map(fn, jobs, **options)


def test_the_pool_reads_what_the_crawl_process_reads_with_the_same_profile(monkeypatch):
    monkeypatch.setattr(revote, "ProcessPoolExecutor", _Counted)
    jobs = [_page(n) for n in range(20)]
    # The profile (block hashes to drop) travels once per process, not with each page.
    from article.text import block_hash

    state = (Rules(min_words=5), frozenset({block_hash("Contact: press office")}), None)
    with _pool(0, state) as here:
        local = here(jobs)
    with _pool(2, state) as there:
        pooled = there(jobs)
    assert _Counted.handed == 20  # the processes read them
    texts = [r.article["text"] for r in local]
    assert [r.article["text"] for r in pooled] == texts
    assert all("Sentence 11 of release" in t for t in texts)
    assert not any("Contact: press office" in t for t in texts)  # the profile was applied


def test_a_revoted_text_and_its_reader_are_stored_together(tmp_path, monkeypatch):
    # Stored early in a crawl, the page holds another reading than the final vote's. If
    # the reader's name cannot be written, the new text must not be either: a text kept
    # without its reader's name was never mended (the next re-vote finds it the same).
    db = tmp_path / "a.db"
    url, article = store_voted_page(db, text="An early reading.", extractor="trafilatura 2.3.1")

    def broken(self, changes):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk gone")

    with Archive(db) as archive:
        monkeypatch.setattr(Archive, "save_extractors", broken)
        with pytest.raises(RuntimeError):
            revote.revote(archive, "mysite", Rules(), [url])
        monkeypatch.undo()
        assert archive._conn.execute("SELECT text, extractor FROM articles").fetchone() == (
            "An early reading.",
            "trafilatura 2.3.1",
        )
        assert revote.revote(archive, "mysite", Rules(), [url]) == 1
        assert archive._conn.execute("SELECT text, extractor FROM articles").fetchone() == (
            article["text"],
            article["extractor"],
        )
