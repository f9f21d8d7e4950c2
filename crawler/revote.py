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

from collections.abc import Collection, Iterable
from typing import Any

from storage import Archive, profiles
from storage.records import text_hash

# Re-reading costs an extraction per page; past this many voted pages in one run,
# the first ones are re-read (a long crawl has learned its profile by then).
LIMIT = 2000


def revote(
    archive: Archive,
    source: str,
    rules: Any,
    urls: Iterable[str],
    *,
    boilerplate: Collection[int] = frozenset(),
    near: Any = None,
) -> int:
    """Re-extract the stored captures of ``urls`` with the final profile; how many texts changed."""
    from extraction.extract import analyse  # trafilatura: loaded only when pages need it

    changes, pages = [], []
    for url in list(dict.fromkeys(urls))[:LIMIT]:
        row = archive.revote_target(url)
        if row is None:
            continue
        article_id, fetched_url, capture, title, old_text = row
        record = archive.capture(capture)
        result = analyse(
            record["body"],
            fetched_url or url,
            rules,
            release=True,
            boilerplate=boilerplate,
            content_type=record["content_type"],
            near=near,
        )
        if result.kind != "article" or not result.article or result.blocks is None:
            continue
        text = result.article["text"]
        if text == old_text or result.article["title"] != title:
            continue  # the same, or a different reading of the page: left as stored
        digest = text_hash(text)
        values = [text, result.article["markdown"], result.article["word_count"], digest]
        changes.append((url, [*values, article_id], digest))
        pages.append((url, result.article.get("language"), result.template, result.blocks))
    if changes:
        archive.save_cleaned_texts(changes)
        profiles.record(archive, source, pages)  # the blocks the new text comes from
    return len(changes)
