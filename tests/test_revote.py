"""The end-of-crawl re-vote (crawler/revote.py) reads pages in processes as it does here."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from crawler import revote
from crawler.revote import _pool
from extraction.rules import Rules


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
