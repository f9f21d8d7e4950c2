"""Extraction off the reactor: a pool of worker processes fed from Scrapy callbacks.

Example::

    >>> pool = ExtractionPool(workers=2)
    >>> result = await pool.analyse(html, url, rules, release=True)   # in a coroutine
    >>> pool.close()

trafilatura is CPU work (tens of milliseconds a page). Run on the reactor
thread it would stall downloads and writes and use one core; in a process pool
it runs beside them. ``workers=0`` runs inline, which is simpler to debug.

Back-pressure comes from Scrapy itself: a response waiting for its callback
counts against ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``, so a busy pool slows the
downloader instead of filling memory.

Workers are forked from a fork server that imported :mod:`crawler.worker` (the
extraction code, without pandas) once: a worker starts in milliseconds, costs
about 70 MB less than a freshly spawned interpreter, and the crawl process,
which runs a reactor and threads, is never forked itself.

A worker that dies (out of memory, a segfault in a C parser) breaks the whole
executor, and every page in flight fails with it. The pool starts a fresh
executor and retries those pages once each, one at a time, so that only a page
that kills a worker twice is recorded as failed ("extraction worker crashed").
A page still unfinished after ``timeout`` seconds is recorded as failed and
the workers are killed (a running call cannot be interrupted otherwise); the
other pages in flight are retried. Workers exit by themselves when the crawl
process is killed, instead of waiting for work forever.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

from crawler import extract

CRASHED = "extraction worker crashed"
# From submission, so it includes time queued behind other pages (at most a few
# seconds: Scrapy's scraper slot bounds the queue); a page never takes this long.
DEFAULT_TIMEOUT = 300.0


class ExtractionPool:
    def __init__(self, workers: int, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.workers = max(0, workers)
        self.timeout = timeout
        self.crashes = 0  # executors lost to a dead or stuck worker
        self._pool: ProcessPoolExecutor | None = None
        self._retry_lock: asyncio.Lock | None = None

    async def analyse(
        self, html: str | bytes, url: str, *args: Any, **kwargs: Any
    ) -> extract.PageResult:
        """Run :func:`crawler.extract.analyse` in a worker; never raises."""
        result: extract.PageResult = await self.run(
            url, extract.analyse, html, url, *args, **kwargs
        )
        return result

    async def run(self, url: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``func(*args, **kwargs)`` computed in a worker, or a failed PageResult for ``url``.

        ``func`` and its arguments must be picklable. :meth:`analyse` is the
        caller in a crawl; tests pass functions that kill or hang a worker.
        """
        if self.workers == 0:
            return func(*args, **kwargs)
        call = partial(func, *args, **kwargs)
        try:
            return await self._attempt(call)
        except BrokenProcessPool:
            pass  # this page, or another one in flight, killed a worker
        except TimeoutError:
            return self._failed(url, f"extraction timed out after {self.timeout:g} s")
        if self._retry_lock is None:
            self._retry_lock = asyncio.Lock()
        async with self._retry_lock:  # alone among retries: a second crash is this page's
            try:
                return await self._attempt(call)
            except BrokenProcessPool:
                return self._failed(url, CRASHED)
            except TimeoutError:
                return self._failed(url, f"extraction timed out after {self.timeout:g} s")

    async def _attempt(self, call: Callable[[], Any]) -> Any:
        pool = self._executor()
        try:
            future: Future[Any] = pool.submit(call)
        except BrokenProcessPool:
            self._discard(pool)
            raise
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except BrokenProcessPool:
            self._discard(pool)
            raise
        except TimeoutError:
            self._discard(pool, kill=True)
            raise

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=_context(), initializer=_exit_with_parent
            )
        return self._pool

    def _discard(self, pool: ProcessPoolExecutor, *, kill: bool = False) -> None:
        """Stop using a broken (or stuck) executor; the next page starts a fresh one."""
        if self._pool is not pool:
            return  # another page in flight already replaced it
        self._pool = None
        self.crashes += 1
        if kill:
            # A stuck call cannot be cancelled. Killing the workers breaks the
            # executor, which fails every page it holds: those are retried.
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
        # No waiting here, on the reactor thread: the executor's own thread
        # fails the pages it held and reaps the workers.
        pool.shutdown(wait=False)

    @staticmethod
    def _failed(url: str, reason: str) -> extract.PageResult:
        return extract.PageResult(url, "failed", reason=reason)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Read when the fork server starts (once per crawl process).
        context.set_forkserver_preload(["crawler.worker"])
        return context
    return multiprocessing.get_context("spawn")  # Windows


def _exit_with_parent() -> None:
    """Worker initializer: exit as soon as the crawl process that started this worker is gone.

    An idle worker waits on a queue whose other end it holds itself, so it
    would never notice a crawl killed with SIGKILL (or a test timing out), and
    the fork server stays up as long as a worker holds its pipe. Watch the
    parent's sentinel instead (for a fork server's child, the process that
    asked for it): it becomes readable when that process dies.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
