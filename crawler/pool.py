"""Extraction off the reactor: a pool of worker processes fed from Scrapy callbacks.

Example::

    >>> pool = ExtractionPool(workers=2)
    >>> result = await pool.analyse(html, url, rules, release=True)   # in a coroutine
    >>> pool.close()

trafilatura is CPU work (tens of milliseconds a page). Run on the reactor
thread it would stall downloads and writes and use one core; in a process pool
it runs beside them. Back-pressure comes from Scrapy itself: a response waiting
for its callback counts against ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``, so a busy pool
slows the downloader instead of filling memory. ``workers=0`` runs inline,
which is simpler to debug.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from crawler import extract


def _warm_up() -> None:
    # Import trafilatura's heavy modules once per worker, not on its first page.
    import trafilatura  # noqa: F401


class ExtractionPool:
    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # "spawn": forking a process that runs a reactor and threads is unsafe.
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm_up,
            )
        return self._pool

    async def analyse(self, *args: Any, **kwargs: Any) -> extract.PageResult:
        """Run :func:`crawler.extract.analyse` in a worker; never raises."""
        if self.workers == 0:
            return extract.analyse(*args, **kwargs)
        call = partial(extract.analyse, *args, **kwargs)
        try:
            return await asyncio.wrap_future(self._executor().submit(call))
        except BrokenProcessPool:
            # A worker died (out of memory, a segfault in a C parser): start a fresh
            # pool for the next page and record this one as failed.
            self.close()
            return extract.PageResult(args[1], "failed", reason="extraction worker crashed")

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
