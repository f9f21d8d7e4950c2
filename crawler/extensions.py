"""Run accounting and drift alarms: how a crawl ended, recorded on ``spider_closed``.

Example (settings.py)::

    EXTENSIONS = {"crawler.extensions.RunAccounting": 1000}  # after the cluster Coordinator (100)

When the spider closes, the writer (crawler/pipelines.py ``StorePipeline``)
writes what is still buffered, then this extension, in the writer's thread,
adds up the run (pages fetched, articles new/updated/unchanged, failures,
skips), decides its status (ok, failed or interrupted, with a message), adds
the sitemap lastmods read after their pages, compares the run's articles with
the source's history (crawler/drift.py) and finishes the run in the archive.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable
from typing import Any

from scrapy import signals

from crawler import drift
from crawler.stopping import STOP_SIGNAL
from extraction.urls import normalize

# The start of a spider's close reason when a cluster's coordinator failed
# (crawler/cluster/coordinator.py): the run failed, and the reason says why.
CLUSTER_FAILED = "cluster failed: "


def cluster_failed(exc: BaseException) -> str:
    """The close reason of a cluster crawl that ``exc`` stopped: one line.

    >>> cluster_failed(ValueError("no\\nway"))
    'cluster failed: ValueError: no way'
    """
    return CLUSTER_FAILED + " ".join(f"{type(exc).__name__}: {exc}".split())


class RunAccounting:
    """Finish the crawl's run in the archive: counts, status, drift alarms."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunAccounting:
        extension = cls(crawler)
        # Extensions connect before pipelines, so this runs before the writer's own
        # spider_closed handler, which then finds the run already ended.
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def closed(self, spider: Any, reason: str) -> None:
        store = writer_pipeline(self.crawler)
        if store is None:
            return  # no archive (a cluster worker): nothing to account for
        store.account = self.account
        store.finish(spider, reason)

    def account(self, store: Any, spider: Any, reason: str) -> None:  # in the writer thread
        """Record the run's counts, status and drift warnings (store: the StorePipeline)."""
        archive, run_id, source = store.archive, store.run_id, store.source
        stats = self.crawler.stats
        beyond = getattr(spider, "held_back_by_depth", list)()
        if beyond:
            stats.set_value("pressroom/over_depth", len(beyond))
            for url in beyond:  # all of them for -v; the warning names the first few
                spider.logger.info("held back by --depth: %s", url)
        counts = {
            "pages_fetched": stats.get_value("response_received_count", 0),
            "articles_new": store.counts["new"],
            "articles_updated": store.counts["updated"],
            "articles_unchanged": store.counts["unchanged"],
            "duplicates": store.counts["duplicates"],
            "failed": store.counts["failed"],
            "skipped": stats.get_value("pressroom/robots_skipped", 0),
            "not_modified": store.counts["not_modified"],
            "not_releases": store.counts["not_releases"],
            "not_releases_skipped": stats.get_value("pressroom/not_release_skipped", 0),
            "lastmod_skipped": stats.get_value("pressroom/lastmod_skipped", 0),
            "outside_patterns": store.counts["outside_patterns"],
        }
        status, message = _status(
            counts,
            reason,
            stats,
            lambda: archive.count(source=source),
            unreached=lambda: _entry_failures(archive, run_id, spider),
        )
        known = getattr(spider, "sitemap_lastmods", {})
        late = {url: known[url] for url in store.undated if url in known}
        archive.add_lastmods(source, late, run_id)
        quality = archive.quality(source, run_id)
        removed = drift.histogram_median(store.removed)
        quality["run"]["boilerplate_removed"] = removed
        quality["run"]["boilerplate_pages"] = sum(store.removed)
        alarms = drift.warnings(quality["run"], quality["before"])
        if beyond:
            alarms.append(held_back(beyond, getattr(spider, "max_hops", 0)))
        archive.finish_run(
            run_id, status, counts, message, warnings=alarms, boilerplate_removed=removed
        )


def held_back(urls: list[str], depth: int, shown: int = 3) -> str:
    """The run's warning for the links a walk never asked for, beyond ``depth`` hops.

    >>> held_back(["https://x.org/a", "https://x.org/b"], 5)  # doctest: +NORMALIZE_WHITESPACE
    '--depth 5 held back 2 more links, beyond 5 hops from the start: https://x.org/a,
     https://x.org/b (a larger --depth follows them)'
    """
    named = ", ".join(urls[:shown])
    if len(urls) > shown:
        named += f" and {len(urls) - shown} more"
    links = "link" if len(urls) == 1 else "links"
    return (
        f"--depth {depth} held back {len(urls)} more {links}, beyond {depth} hops from "
        f"the start: {named} (a larger --depth follows them)"
    )


def writer_pipeline(crawler: Any) -> Any:
    """The item pipeline that owns the single writer (StorePipeline), or None."""
    for pipeline in crawler.engine.scraper.itemproc.middlewares:
        if hasattr(pipeline, "flush") and hasattr(pipeline, "writer"):
            return pipeline
    return None


def _status(
    counts: dict[str, int],
    reason: str,
    stats: Any,
    archived: Callable[[], int],
    unreached: Callable[[], list[tuple[str, str]]] = list,
) -> tuple[str, str | None]:
    """The run's status and message, from its counts and why Scrapy closed the spider.

    >>> _status({"articles_new": 0, "articles_updated": 0, "articles_unchanged": 0,
    ...          "not_modified": 0, "lastmod_skipped": 0, "failed": 3, "pages_fetched": 3},
    ...         "finished", None, lambda: 0)
    ('failed', 'no release archived; every page failed')
    """
    # Releases known to be current: stored or confirmed this run, or skipped
    # because their sitemap lastmod says they did not change.
    stored = (
        sum(
            counts[k]
            for k in ("articles_new", "articles_updated", "articles_unchanged", "not_modified")
        )
        + counts["lastmod_skipped"]
    )
    if reason == "shutdown":
        by = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}.get(
            stats.get_value(STOP_SIGNAL) if stats is not None else None, "Ctrl-C or SIGTERM"
        )
        return "interrupted", f"stopped by {by} before the end"
    if reason.startswith(CLUSTER_FAILED):
        return "failed", reason
    if stored == 0 and counts["failed"] > 0:
        # Entry points that all failed (the site down, the sitemap gone) lead to
        # no page at all: their recorded reasons say why, "every page" does not.
        entries = unreached()
        if entries:
            return "failed", _nothing_fetched(entries)
        if _not_releases(counts) == 0 and not counts.get("outside_patterns"):
            return "failed", "no release archived; every page failed"
        # Pages were read and judged: "every page failed" would not be true.
        return "failed", _nothing_found(stats, counts)
    if counts["pages_fetched"] == 0:
        return "failed", "nothing could be fetched"
    if counts["failed"] > 10 and counts["failed"] > 2 * stored:
        return "failed", f"most pages failed ({counts['failed']} failures)"
    if stored == 0 and not archived():  # asked last: a count of the source's articles
        # Nothing found and nothing archived before: not a rerun that had
        # nothing new (that is ok), but a crawl that found no release.
        return "failed", _nothing_found(stats, counts)
    return "ok", None


def _not_releases(counts: dict[str, int]) -> int:
    """The summary line's "N not releases": judged this run plus those known, not fetched."""
    return counts.get("not_releases", 0) + counts.get("not_releases_skipped", 0)


def _entry_failures(archive: Any, run_id: int, spider: Any) -> list[tuple[str, str]]:
    """(url, reason) of each of the source's entry points that failed this run;
    [] unless every one of them did."""
    entries = getattr(getattr(spider, "source", None), "entry_points", ())
    if not entries:
        return []
    reasons: dict[str, str] = {}
    for failure in archive.failures(run_id):
        reasons.setdefault(failure["url"], failure["reason"])
    found = []
    for url in entries:
        # Recorded under the normalized URL asked for (a fetch that failed), or
        # the URL as fetched (a sitemap or feed that was not one).
        reason = reasons.get(url)
        with contextlib.suppress(ValueError):
            reason = reason or reasons.get(normalize(url))
        if not reason:
            return []
        found.append((url, reason))
    return found


def _nothing_fetched(entries: list[tuple[str, str]], shown: int = 2) -> str:
    """The run's message when every entry point failed: their reasons, on one line.

    >>> _nothing_fetched([("http://127.0.0.1:1/sitemap.xml", "connection refused")])
    'nothing could be fetched: http://127.0.0.1:1/sitemap.xml: connection refused'
    >>> _nothing_fetched([("a", "HTTP 404"), ("b", "HTTP 404"), ("c", "timed out")])
    'nothing could be fetched: a: HTTP 404; b: HTTP 404; and 1 more entry point'
    """
    said = "; ".join(f"{url}: {_short(reason)}" for url, reason in entries[:shown])
    more = len(entries) - shown
    if more > 0:
        said += f"; and {more} more entry point{'s' if more > 1 else ''}"
    return f"nothing could be fetched: {said}"


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _nothing_found(stats: Any, counts: dict[str, int]) -> str:
    """Why a crawl archived nothing, for the run's message and the error line, in the
    summary line's own counts (a listing page is neither: it is one by the source's word).

    >>> _nothing_found(None, {"pages_fetched": 57, "failed": 4, "not_releases": 47})
    ... # doctest: +NORMALIZE_WHITESPACE
    'no release archived: 57 responses, 47 not releases, 4 failed (check the start URL,
     --allow patterns and --max-pages; pressroom pages --not-releases lists the 47)'
    """
    pages = _not_releases(counts)
    why = (
        f"no release archived: {counts.get('pages_fetched', 0)} responses, "
        f"{pages} not releases, {counts.get('failed', 0)} failed"
    )
    outside = counts.get("outside_patterns", 0)
    if outside:
        why += f", {outside} outside --allow"
    over = stats.get_value("pressroom/over_max_pages", 0) if stats is not None else 0
    if over:
        why += f"; --max-pages held back {over} more links"
    deeper = stats.get_value("pressroom/over_depth", 0) if stats is not None else 0
    if deeper:
        why += f"; --depth held back {deeper} more links"
    hint = "check the start URL, --allow patterns and --max-pages"
    if pages:
        hint += f"; pressroom pages --not-releases lists the {pages}"
    if outside:
        hint += f"; pressroom pages --outside-allow lists the {outside}"
    return f"{why} ({hint})"
