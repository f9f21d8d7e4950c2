"""Re-run extraction over the raw captures in an archive, with no network.

Example::

    >>> counts = reextract("hrw.db", source="hrw")  # needs a crawled archive  # doctest: +SKIP
    >>> counts  # doctest: +SKIP
    {'new': 0, 'updated': 12, 'unchanged': 930, 'duplicates': 0, 'failed': 1}

For when the extractor or a source's rules improve: every archived release is
extracted again from the response kept in ``captures``; a text that changes
becomes a new version (the old one goes to ``revisions``), exactly as if the
site had changed it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from article.fields import stored_row
from crawler import sources
from crawler.spiders.release import rules_version
from extraction import extract
from storage import Archive, profiles

BATCH = 200


def rules_for(archive: Archive, source: str) -> sources.Rules:
    """The cleaning rules of ``source``: its bundled file, else the file its last run used."""
    if source in sources.bundled():
        return sources.load(source).rules
    for run in archive.runs():
        path = (run.get("options") or {}).get("source_file")
        if run["source"] == source and path and Path(path).exists():
            return sources.load(path).rules
    return sources.Rules()


def reextract(
    db: str, source: str | None = None, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Extract every archived release of ``source`` (or all) again; return the counts."""
    counts = {"new": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "failed": 0}
    with Archive(db) as archive:
        targets = [
            (
                row["url"],
                row["fetched_url"] or row["url"],
                row["source"],
                row["capture_hash"],
                row["etag"],
                row["http_last_modified"],
            )
            for row in archive.articles(source=source, order="id")
            if row["capture_hash"]
        ]
        rules: dict[str, sources.Rules] = {}
        learned: dict[str, frozenset[int]] = {}
        run_id = archive.start_run(source or "*", {"reextract": True})
        batch: list[dict[str, Any]] = []
        for done, (url, fetched_url, name, capture, etag, last_modified) in enumerate(targets, 1):
            if name not in rules:
                rules[name] = rules_for(archive, name)
                learned[name] = profiles.boilerplate(archive, name)  # the source's profile
            article = _extract(archive, capture, fetched_url, rules[name], learned[name])
            if article is None:
                counts["failed"] += 1
                archive.record_failures(
                    [{"url": url, "reason": "re-extraction yielded nothing", "source": name}],
                    run_id,
                )
            else:
                crawl = {
                    "url": url,
                    "fetched_url": fetched_url,
                    "source": name,
                    "capture_hash": capture,
                    "etag": etag,
                    "http_last_modified": last_modified,
                    "rules_version": rules_version(rules[name]),
                }
                batch.append(stored_row(article, crawl))
            if len(batch) >= BATCH:
                _save(archive, batch, run_id, counts)
            if progress:
                progress(done)
        _save(archive, batch, run_id, counts)
        archive.finish_run(
            run_id,
            "ok",
            {
                "articles_updated": counts["updated"],
                "articles_unchanged": counts["unchanged"],
                "failed": counts["failed"],
            },
            message="re-extraction from stored captures",
        )
    return counts


def _extract(
    archive: Archive,
    capture: str,
    url: str,
    rules: sources.Rules,
    boilerplate: frozenset[int] = frozenset(),
) -> dict | None:
    record = archive.capture(capture)
    # The stored bytes and their Content-Type, read exactly as the crawl reads a
    # response (a lying charset label must not turn a good text into mojibake).
    result = extract.analyse(
        record["body"],
        url,
        rules,
        release=True,
        boilerplate=boilerplate,
        content_type=record["content_type"],
    )
    return dict(result.article) if result.kind == "article" and result.article else None


def _save(archive: Archive, batch: list[dict[str, Any]], run_id: int, counts: dict) -> None:
    if batch:
        for key, value in archive.save_articles(batch, run_id).items():
            counts[key] += value
        batch.clear()
