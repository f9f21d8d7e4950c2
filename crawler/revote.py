"""Put a crawl's voted pages to the vote again, with the profile the crawl ended with.

    >>> revote(archive, "adhoc", rules, ["https://gov.demo/statements/a"],
    ...        boilerplate=hashes, near=index)  # doctest: +SKIP
    1

A page whose first pass looks doubtful is put to a vote between extractors
(:mod:`extraction.ensemble`), each candidate scored less the source's profile.
Early in a fresh crawl the profile knows nothing, so a fallback that keeps a
box of the site's template (an attachment's notice, a cookie banner) can win
on a short page; re-cleaning the kept blocks at the end (:func:`storage.profiles.reclean`)
cannot undo that choice, because the blocks another candidate would have given
are gone. These pages, a minority (the vote runs on doubtful bodies only), are
read again from their stored capture with the final profile, and their text
and recorded blocks replaced when they changed: the archive ends as if the
profile had been known from the first page, whatever the crawl order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from storage import Archive, profiles
from storage.records import text_hash

# Re-reading costs an extraction per page; past this many voted pages in one run,
# the first ones are re-read (a long crawl has learned its profile by then).
LIMIT = 2000
# Captures read from the archive and handed to the processes at a time: a batch's
# pages are in memory together (~60 KB each), not the whole run's.
BATCH = 64
# Fewer voted pages than this are re-read here: starting processes costs more.
POOL_FROM = 16


def revote(
    archive: Archive,
    source: str,
    rules: Any,
    urls: Iterable[str],
    *,
    boilerplate: Collection[int] = frozenset(),
    near: Any = None,
    workers: int = 0,
    changed: list[int] | None = None,
) -> int:
    """Re-extract the stored captures of ``urls`` with the final profile; how many texts changed.

    ``workers`` > 1 reads them in that many processes, as the crawl's extraction
    does: a re-vote re-reads pages whole, and in the crawl's writer thread those of
    1,104 govsite releases took about 8 s of a 22 s crawl (13.9 s without). 0 or 1: here.
    ``changed``: a list the ids of the articles whose text changed are added to.
    """
    changes, pages, readers = [], [], []
    todo = list(dict.fromkeys(urls))[:LIMIT]
    with _pool(workers if len(todo) >= POOL_FROM else 0, (rules, boilerplate, near)) as run:
        for start in range(0, len(todo), BATCH):
            targets = []
            for url in todo[start : start + BATCH]:
                row = archive.revote_target(url)
                if row is None:
                    continue
                article_id, fetched_url, capture, title, old_text = row
                record = archive.capture(capture)
                job = (record["body"], fetched_url or url, record["content_type"])
                targets.append((url, article_id, title, old_text, job))
            results = run([t[4] for t in targets])
            for (url, article_id, title, old_text, _), result in zip(targets, results, strict=True):
                if result.kind != "article" or not result.article or result.blocks is None:
                    continue
                text = result.article["text"]
                if text == old_text or result.article["title"] != title:
                    continue  # the same, or a different reading of the page: left as stored
                digest = text_hash(text)
                values = [text, result.article["markdown"], result.article["word_count"], digest]
                changes.append((url, [*values, article_id], digest))
                readers.append((result.article["extractor"], article_id))  # the vote's winner
                pages.append((url, result.article.get("language"), result.template, result.blocks))
    if changes:
        # One transaction: a text is never stored without the name of its reader (a
        # crawl killed in between left it so, and the next re-vote finds the text the same).
        with archive.transaction():
            archive.save_cleaned_texts(changes)
            archive.save_extractors(readers)
            profiles.record(archive, source, pages)  # the blocks the new text comes from
        if changed is not None:
            changed.extend(values[-1] for _, values, _ in changes)
    return len(changes)


# What every page of one re-vote is read with (rules, boilerplate, near-duplicate
# classes): set once per process, not sent with each page.
_WITH: list[Any] = []


def _set(rules: Any, boilerplate: Any, near: Any) -> None:
    _WITH[:] = [rules, boilerplate, near]


def _reread(job: tuple[bytes, str, str]) -> Any:
    """One stored page read again as a release, with the final profile."""
    from extraction.extract import analyse  # trafilatura: loaded only when pages need it

    body, url, content_type = job
    rules, boilerplate, near = _WITH
    return analyse(
        body, url, rules, release=True, boilerplate=boilerplate,
        content_type=content_type, near=near,
    )  # fmt: skip


@contextlib.contextmanager
def _pool(workers: int, state: tuple[Any, Any, Any]) -> Iterator[Callable[[list[Any]], list[Any]]]:
    """A map of :func:`_reread` over ``workers`` processes (forked from the crawl's fork
    server), or here when ``workers`` < 2 or the processes broke (the rest goes here)."""
    _set(*state)
    executor = None
    if workers > 1:
        from crawler.pool import _context

        with contextlib.suppress(OSError, ValueError):
            executor = ProcessPoolExecutor(
                workers, mp_context=_context(), initializer=_set, initargs=state
            )

    def run(jobs: list[Any]) -> list[Any]:
        nonlocal executor
        if executor is not None and len(jobs) > 1:
            try:
                return list(executor.map(_reread, jobs, chunksize=4))
            except BrokenProcessPool:
                executor.shutdown(wait=False, cancel_futures=True)
                executor = None
        return [_reread(job) for job in jobs]

    try:
        yield run
    finally:
        _WITH.clear()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
