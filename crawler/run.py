"""Run one crawl of one source into one archive, in this process.

Example::

    >>> summary = crawl(sources.load("hrw"), "hrw.db", max_pages=50)  # network  # doctest: +SKIP
    >>> summary["status"], summary["articles_new"]  # doctest: +SKIP
    ('ok', 50)

Scrapy starts one Twisted reactor per process and cannot restart it, so call
:func:`crawl` once per process (the CLI does; tests run the CLI in a subprocess).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler import __version__, pool, sources
from crawler.errors import CrawlError
from crawler.lock import crawl_lock
from crawler.stopping import crawler_process
from storage import Archive, ArchiveError

if TYPE_CHECKING:
    from scrapy.settings import Settings

__all__ = ["CrawlError", "build_settings", "crawl", "summary_line"]


def build_settings(
    source: sources.Source,
    db: str,
    *,
    max_pages: int = 0,
    max_hops: int | None = None,
    workers: int | None = None,
    contact: str | None = None,
    full: bool = False,
    recheck_before: str | None = None,
    recheck_batch: int = 500,
    log_level: str = "WARNING",
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Scrapy settings for one crawl: project defaults, then the source's, then the caller's."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    values: dict[str, Any] = {
        "PRESSROOM_DB": db,
        "PRESSROOM_MAX_PAGES": max_pages,
        "PRESSROOM_FULL": full,
        "PRESSROOM_RECHECK_BEFORE": recheck_before or "",
        "PRESSROOM_RECHECK_BATCH": recheck_batch,
        "LOG_LEVEL": log_level,
        "PRESSROOM_RUN_OPTIONS": run_options(
            source, max_pages=max_pages, full=full, recheck_before=recheck_before
        ),
    }
    if contact:
        values["USER_AGENT"] = f"pressroom/{__version__} (+{contact})"
    if max_hops is not None:
        values["PRESSROOM_MAX_HOPS"] = max_hops
    if workers is not None:
        values["PRESSROOM_EXTRACT_WORKERS"] = workers
    # The source's delay and concurrency (none on the loopback) are set by the
    # spider (crawler.spiders.release.source_settings), for `scrapy crawl` too.
    values.update(overrides or {})
    if values.get("PRESSROOM_CLUSTER_CRAWL"):
        # A rerun after this coordinator died finds its keys in Redis by this name.
        values["PRESSROOM_RUN_OPTIONS"]["redis_crawl"] = values["PRESSROOM_CLUSTER_CRAWL"]
    settings.setdict(values, priority="cmdline")
    return settings


# Scrapy logs a download that failed for good as an ERROR ("Gave up retrying",
# robots.txt "Error downloading"). Each failed page is recorded in the archive
# with its reason (the failures table), and a robots.txt that cannot be fetched
# allows everything: news for -v (INFO), not errors on a cron job's terminal.
# Scrapy's other errors (a spider or pipeline bug, a signal handler) stay errors:
# nothing else records them.
DOWNLOAD_ERROR_LOGGERS = frozenset(
    {"scrapy.downloadermiddlewares.retry", "scrapy.downloadermiddlewares.robotstxt"}
)


def run_options(
    source: sources.Source,
    *,
    max_pages: int = 0,
    full: bool = False,
    recheck_before: str | None = None,
    **_: Any,
) -> dict[str, Any]:
    """What the runs table records of how a crawl was asked for (its ``options``)."""
    return {
        # Absolute: reextract and extract --source read the file again from any folder.
        "source_file": str(Path(source.path).resolve()) if source.path else None,
        # An ad hoc crawl's flags: `pressroom crawl NAME` reruns it as it was asked for.
        "adhoc": None if source.path else sources.adhoc_flags(source),
        "entry_points": list(source.entry_points),
        "max_pages": max_pages,
        "full": full,
        "recheck_before": recheck_before,
        "pressroom": __version__,
    }


def _one_line_records(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Keep Scrapy's warnings and errors to one line each: no tracebacks for users.

    Failures that matter are recorded in the archive with their reason; the
    full traceback is still shown with ``-s LOG_LEVEL=DEBUG``. Download
    failures are logged at INFO (DOWNLOAD_ERROR_LOGGERS).
    """

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if record.name in DOWNLOAD_ERROR_LOGGERS and record.levelno > logging.INFO:
            # Made already (the logger let ERROR through); the handler, at
            # LOG_LEVEL, now drops it unless that is INFO or lower.
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            message = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
            record.msg, record.args = message.splitlines()[0], ()
            record.exc_info = None
        return record

    return factory


def crawl(source: sources.Source, db: str, **options: Any) -> dict[str, Any]:
    """Crawl ``source`` into the archive at ``db``; return the recorded run as a dict."""
    with crawl_lock(db, source.name):
        if _uses_workers(options):
            # The fork server loads and warms up extraction (about a second of
            # one core) while this process imports Scrapy on the other.
            pool.prestart()
        # Open (and migrate) the archive first, so that a locked, read-only or
        # corrupt file is a clear error before any request is made. Holding the
        # lock, any run of this source still marked "running" is one whose
        # process died (SIGKILL, power cut): say so in its record.
        with Archive(db) as archive:
            archive.close_abandoned_runs(source.name)
        return _crawl(source, db, **options)


def _uses_workers(options: dict[str, Any]) -> bool:
    """Whether the crawl will extract in worker processes (the default)."""
    workers = (options.get("overrides") or {}).get("PRESSROOM_EXTRACT_WORKERS")
    if workers is None:
        workers = options.get("workers")
    try:
        return workers is None or int(workers) > 0
    except (TypeError, ValueError):
        return True  # not a number: Scrapy's settings will say so


def _crawl(source: sources.Source, db: str, **options: Any) -> dict[str, Any]:
    # Scrapy is imported here, not at the top: see crawl() (the fork server first).
    from scrapy import signals as scrapy_signals

    from crawler.spiders.release import ReleaseSpider

    try:
        settings = build_settings(source, db, **options)
        process = crawler_process(settings)
        crawler = process.create_crawler(ReleaseSpider)
    except (ValueError, TypeError, KeyError, ImportError) as exc:
        # A bad -s value (DOWNLOAD_TIMEOUT=abc, ITEM_PIPELINES=x) fails here.
        raise _not_started(source, db, options, f": {_reason(exc)}") from None
    if settings.get("LOG_LEVEL") != "DEBUG":
        # Scrapy re-installs its log handler when the crawl starts, so a handler
        # filter would be lost; the record factory is where every record is made.
        logging.setLogRecordFactory(_one_line_records(logging.getLogRecordFactory()))
    # Scrapy logs every response and every item at DEBUG ("Crawled (200)", "Scraped
    # from"), and its handler drops them at LOG_LEVEL after the records are made: at
    # the scrapy logger's own level they are not made (1.5% of the crawl process).
    scrapy_logger = logging.getLogger("scrapy")
    scrapy_level = scrapy_logger.level
    with contextlib.suppress(ValueError, TypeError):  # a level Scrapy's handler took
        scrapy_logger.setLevel(settings.get("LOG_LEVEL"))
    failures: list[BaseException] = []
    closed: list[str] = []

    def spider_closed(reason: str) -> None:
        closed.append(reason)

    crawler.signals.connect(spider_closed, signal=scrapy_signals.spider_closed)
    started = process.crawl(crawler, source=source)
    # What kept the crawl from starting (a setting Scrapy could not read): kept
    # for the error message instead of Twisted's "Unhandled error" at exit.
    started.addErrback(lambda failure: failures.append(failure.value))
    thresholds = gc.get_threshold()
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    _collect_less()
    try:
        process.start()
    finally:
        gc.set_threshold(*thresholds)  # a notebook that ran a crawl gets its collector back
        scrapy_logger.setLevel(scrapy_level)
        gc.unfreeze()
        # Scrapy leaves its own handlers behind, which would swallow a Ctrl-C
        # from here on (the reactor they call is stopped): the caller's again.
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)
        if not closed:
            _release(crawler)
    stats = _stats(crawler)
    run_id = stats.get("pressroom/run_id")
    archive_error = stats.get("pressroom/archive_error")
    if archive_error:
        raise ArchiveError(archive_error)  # the pipeline stopped the crawl: say why, exit 1
    if run_id is None:
        for exc in failures:
            if isinstance(exc, KeyboardInterrupt):  # Ctrl-C or SIGTERM while Scrapy started
                raise exc  # nothing was recorded
        reason = f": {_reason(failures[0])}" if failures else " (see the log above)"
        raise _not_started(source, db, options, reason)
    with Archive(db) as archive:
        run = next((r for r in archive.runs() if r["id"] == run_id), None)
        if run is not None and run["status"] == "running":
            # A second Ctrl-C: Scrapy stopped at once, before the pipeline
            # could record how the run ended. Say so; the last batch may be lost.
            archive.finish_run(run_id, "interrupted", message=FORCED)
            run = next((r for r in archive.runs() if r["id"] == run_id), None)
    if run is None:
        raise CrawlError(f"run {run_id} was not recorded")
    run["robots_skipped"] = stats.get("pressroom/robots_skipped", 0)
    run["stop_signal"] = process.stop_signal  # for the exit status: 130 Ctrl-C, 143 SIGTERM
    return run


def _not_started(
    source: sources.Source, db: str, options: dict[str, Any], reason: str
) -> CrawlError:
    """The error of a crawl that never started, first recorded as a failed run.

    Scrapy failed before the pipeline could record a run, and README promises
    that every failed run is in the runs table (a cron job's check reads it).
    """
    message = f"the crawl did not start{reason}"
    # The archive opened a moment ago (crawl()); should it fail now, the
    # reason the crawl did not start is still the error worth printing.
    with contextlib.suppress(ArchiveError), Archive(db) as archive:
        run_id = archive.start_run(source.name, run_options(source, **options))
        archive.finish_run(run_id, "failed", message=message)
    return CrawlError(message)


FORCED = "stopped at once by a second signal; pages not yet written are fetched again next run"


def _release(crawler: Any) -> None:
    """Close the spider, as ``spider_closed`` would have, when Scrapy stopped first.

    A Ctrl-C while Scrapy starts, or a second one, stops the reactor before
    the spider is closed. Left so, the run stayed "running" with its last
    pages unwritten, the worker pool was still starting workers while the
    program exited (one printed a traceback), and open connections kept the
    archive's -wal and -shm files. The signal's handlers record the run as
    interrupted, write what was waiting, and close the pool and the archive.
    """
    from scrapy import signals as scrapy_signals

    spider = getattr(crawler, "spider", None)
    if spider is None:
        return
    if _stats(crawler).get("pressroom/run_id") is not None:
        # The spider was opened (Scrapy's own handlers need that).
        crawler.signals.send_catch_log(
            signal=scrapy_signals.spider_closed, spider=spider, reason="shutdown"
        )
    # What the signal's handler closes, closed here when it was not sent (no-ops if it was).
    pool = getattr(spider, "pool", None)
    if pool is not None:
        pool.close()
    archive = getattr(spider, "_archive", None)
    if archive is not None:
        archive.close()


def _stats(crawler: Any) -> dict[str, Any]:
    """The crawl's stats, or {} when Scrapy never got far enough to make them."""
    try:
        stats = crawler.stats
    except RuntimeError:  # Scrapy 2.13+: "Crawler.stats is not set yet"
        return {}
    return stats.get_stats() if stats is not None else {}


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _collect_less() -> None:
    """Run Python's cycle collector less often during a crawl.

    What is loaded by now (Scrapy, Twisted, lxml, the spider) lives as long as
    the process: frozen, collections no longer walk it. A crawl allocates many
    short-lived containers a page (requests, responses, Deferreds), and at the
    default threshold (700) the collector ran ~2,000 times, 1.4 s of the crawl
    process's CPU for 6,000 pages of bench/crawl.py; at 10,000, 34 times, 0.1 s.
    """
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def summary_line(run: dict[str, Any]) -> str:
    """One line for cron logs.

    >>> line = summary_line({"id": 3, "source": "hrw", "status": "ok", "articles_new": 2,
    ...     "articles_updated": 0, "articles_unchanged": 5, "duplicates": 1, "failed": 1,
    ...     "skipped": 0, "pages_fetched": 9})
    >>> line.split(" - ")[0]
    'run 3 hrw: ok'
    """

    def n(key: str) -> int:
        return run.get(key) or 0

    return (
        f"run {run['id']} {run['source']}: {run['status']} - "
        f"{n('articles_new')} new, {n('articles_updated')} updated, "
        f"{n('articles_unchanged')} unchanged, {n('not_modified')} not modified, "
        f"{n('duplicates')} duplicates, {n('failed')} failed, "
        f"{n('not_releases') + n('not_releases_skipped')} not releases "
        f"({n('not_releases_skipped')} known, not fetched), "
        f"{n('skipped')} skipped by robots, {n('lastmod_skipped')} skipped by lastmod, "
        f"{n('outside_patterns')} outside --allow ({n('pages_fetched')} responses)"
    )
