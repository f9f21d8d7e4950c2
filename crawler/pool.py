"""Extraction off the reactor: a pool of worker processes fed from Scrapy callbacks.

Example::

    >>> import asyncio
    >>> from extraction.rules import Rules
    >>> html = "<html><body><article><h1>Floods</h1><p>Rivers rose.</p></article></body></html>"
    >>> pool = ExtractionPool(workers=0)  # 0 runs inline here; a crawl uses 2 processes
    >>> rules = Rules(min_words=2)  # a source's cleaning rules (40 words by default)
    >>> result = asyncio.run(pool.analyse(html, "https://example.org/a", rules, release=True))
    >>> result.kind, result.article["title"]
    ('article', 'Floods')
    >>> pool.close()

trafilatura is CPU work (tens of milliseconds a page). Run on the reactor
thread it would stall downloads and writes and use one core; in a process pool
it runs beside them. ``workers=0`` runs inline, which is simpler to debug.

Back-pressure comes from Scrapy itself: a response waiting for its callback
counts against ``SCRAPER_SLOT_MAX_ACTIVE_SIZE``, so a busy pool slows the
downloader instead of filling memory.

Workers are forked from a fork server that imported :mod:`crawler.worker`
once: the extraction code, warmed up on one page (language model included),
without pandas. A worker starts in milliseconds and shares those pages with
the fork server instead of loading its own copy, and the crawl process, which
runs a reactor and threads, is never forked itself.

A worker that dies (out of memory, a segfault in a C parser) breaks the whole
executor, and every page in flight fails with it. The pool starts a fresh
executor and retries those pages once each, one at a time, so that only a page
that kills a worker twice is recorded as failed ("extraction worker crashed").
A page still unfinished after ``timeout`` seconds is recorded as failed and
the workers are killed (a running call cannot be interrupted otherwise); the
other pages in flight are retried. Workers exit by themselves when the crawl
process is killed, instead of waiting for work forever.

Why not pebble (its per-task timeout and crash isolation were tried, issue
15): the same tests passed and crawls were as fast, but peak memory was 3 MB
higher, a crash was recovered 3-4 times slower, and in one of seven stress
runs of 200 crashes a crashed page went unanswered (until the 300 s timeout).
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from extraction.results import PageResult

CRASHED = "extraction worker crashed"
# From submission, so it includes time queued behind other pages (at most a few
# seconds: Scrapy's scraper slot bounds the queue); a page never takes this long.
DEFAULT_TIMEOUT = 300.0


class ExtractionPool:
    def __init__(self, workers: int, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.workers = max(0, workers)
        self.timeout = timeout
        self.crashes = 0  # executors lost to a dead or stuck worker
        self._slot: _Slot | None = None
        self._retry_lock: asyncio.Lock | None = None
        # The profile's last values sent, by argument name, newest last: a page judged
        # before an update may still be read with the one before.
        self._sent: dict[str, list[Shared]] = {}

    def start(self) -> None:
        """Start the workers now, in a thread, instead of with the first page.

        Starting the fork server (which loads and warms up extraction) takes
        about a second; begun when the spider opens, it overlaps the fetching
        of robots.txt, sitemaps and the first pages instead of stalling the
        reactor when the first page arrives.
        """
        if self.workers == 0 or self._slot is not None:
            return
        slot = self._new_slot()
        threading.Thread(target=_launch, args=(slot,), name="pool-start", daemon=True).start()

    async def analyse(
        self, html: str | bytes, url: str, *args: Any, pack: bool = False, **kwargs: Any
    ) -> PageResult:
        """Run :func:`extraction.extract.analyse` in a worker; never raises.

        ``pack``: the worker also prepares the page for the writer: hashes and
        compresses it for the captures table (``result.packed``), so the crawl
        process neither does that nor keeps the raw bytes until the batch is
        written, and computes the near-duplicate signatures of the article's
        edge blocks (``result.signatures``), which the writer would otherwise
        compute holding the GIL the reactor needs.
        """
        call = _analyse_and_pack if pack else _analyse
        if self.workers:
            kwargs = {k: self._once(k, v) if k in _PROFILE else v for k, v in kwargs.items()}
        result: PageResult = await self.run(url, call, html, url, *args, **kwargs)
        return result

    def _once(self, name: str, value: Any) -> Any:
        """``value`` as :class:`Shared`: the same object page after page is pickled once."""
        if value is None:
            return None
        recent = self._sent.setdefault(name, [])
        for shared in recent:
            if shared.value is value:
                return shared
        recent.append(Shared(value))
        del recent[:-2]
        return recent[-1]

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
        slot = self._executor()
        if not slot.started.done():
            await asyncio.wrap_future(slot.started)  # start() is still launching the workers
        if slot.broken is None:
            slot.broken = asyncio.get_running_loop().create_future()
        try:
            future: Future[Any] = slot.pool.submit(call)
        except BrokenProcessPool:
            self._discard(slot)
            raise
        result = asyncio.wrap_future(future)
        try:
            done, _ = await asyncio.wait(
                {result, slot.broken}, timeout=self.timeout, return_when=FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            result.cancel()
            raise
        if result in done:
            try:
                return result.result()
            except BrokenProcessPool:
                self._discard(slot)
                raise
        result.cancel()
        if slot.broken in done:
            # Another page saw the executor break. A call submitted while its
            # manager thread was failing the pending ones may never be answered.
            raise BrokenProcessPool(CRASHED)
        self._discard(slot, kill=True)
        raise TimeoutError

    def _executor(self) -> _Slot:
        if self._slot is not None:
            return self._slot
        slot = self._new_slot()
        slot.started.set_result(None)  # its workers start with its first call
        return slot

    def _new_slot(self) -> _Slot:
        pool = ProcessPoolExecutor(
            self.workers, mp_context=_context(), initializer=_exit_with_parent
        )
        # Start every worker with the first call instead of one at a time on
        # demand (the default outside plain fork): a worker started by submit()
        # while the executor is failing after a crash is never stopped, and the
        # executor's shutdown then waits for it forever (CPython 3.11; seen as
        # a hang at interpreter exit).
        pool._safe_to_dynamically_spawn_children = False  # type: ignore[attr-defined]
        self._slot = _Slot(pool)
        return self._slot

    def _discard(self, slot: _Slot, *, kill: bool = False) -> None:
        """Stop using a broken (or stuck) executor; the next page starts a fresh one."""
        if slot.broken is not None and not slot.broken.done():
            slot.broken.set_result(None)  # wakes every page still waiting on it
        if self._slot is not slot:
            return  # another page in flight already replaced it
        self._slot = None
        self.crashes += 1
        if kill:
            # A stuck call cannot be cancelled. Killing the workers breaks the
            # executor, which fails every page it holds: those are retried.
            for process in list(getattr(slot.pool, "_processes", {}).values()):
                process.kill()
        # No waiting here, on the reactor thread: the executor's own thread
        # fails the pages it held and reaps the workers.
        slot.pool.shutdown(wait=False)

    @staticmethod
    def _failed(url: str, reason: str) -> PageResult:
        return PageResult(url, "failed", reason=reason)

    def close(self) -> None:
        if self._slot is not None:
            self._slot.pool.shutdown(wait=True, cancel_futures=True)
            self._slot = None


# analyse()'s arguments that are the same object for many pages in a row: the source's
# boilerplate profile (a new object only when it changes) and near-repeated blocks (a
# new object at each of the writer's publications, every batch of 50 pages: their page
# counts grow), crawler/profile.py.
_PROFILE = frozenset(("boilerplate", "near"))
_serials = itertools.count()


class Shared:
    """A value every page sends to the workers, pickled once and unpickled once per worker.

    >>> shared = Shared(frozenset({1, 2}))
    >>> pickle.loads(pickle.dumps(shared)) is pickle.loads(pickle.dumps(shared))
    True

    The near-repeated blocks of bench/crawl.py's fixture are 2.6 KB pickled:
    24 us to pickle in the crawl process and 46 us to unpickle in a worker, for
    every page; a real site's, with more layouts and languages, are larger.
    Its pickled bytes still travel with each page (a copy), with a serial
    number unique to this value in this crawl process: a worker that has
    unpickled them before takes the object it made then.
    """

    __slots__ = ("value", "_state")

    def __init__(self, value: Any) -> None:
        self.value = value
        self._state: tuple[int, bytes] | None = None

    def __reduce__(self) -> tuple[Callable[[int, bytes], Any], tuple[int, bytes]]:
        if self._state is None:  # pickled by the executor's feeder thread, one at a time
            self._state = (next(_serials), pickle.dumps(self.value, pickle.HIGHEST_PROTOCOL))
        return _received, self._state


# In a worker: the values of Shared it has unpickled, by serial (the last few only).
_RECEIVED: dict[int, Any] = {}


def _received(serial: int, data: bytes) -> Any:
    value = _RECEIVED.get(serial)
    if value is None:
        value = pickle.loads(data)
        if len(_RECEIVED) >= 4:
            del _RECEIVED[next(iter(_RECEIVED))]  # the oldest: a profile replaced since
        _RECEIVED[serial] = value
    return value


@dataclass
class _Slot:
    """An executor; whether its workers are up; a future set once any page saw it break."""

    pool: ProcessPoolExecutor
    started: Future[None] = field(default_factory=Future)
    broken: asyncio.Future[None] | None = None  # made in the event loop, by the first page


def _analyse(*args: Any, **kwargs: Any) -> PageResult:
    """:func:`extraction.extract.analyse`, imported where it runs.

    A worker has it loaded already (the fork server imported it); the crawl
    process only pickles a reference to this function, and so never imports
    trafilatura unless it extracts inline (``workers=0``).
    """
    from extraction import extract

    return extract.analyse(*args, **kwargs)


def _analyse_and_pack(html: str | bytes, *args: Any, **kwargs: Any) -> PageResult:
    """:func:`_analyse`, the page packed for the archive when it will be kept, and the
    signatures of an article's edge blocks, which the writer learns from (crawler/profile.py)."""
    from extraction.nearblocks import edge_signatures
    from storage.captures import pack

    result = _analyse(html, *args, **kwargs)
    if isinstance(html, bytes) and result.keeps_body:
        result.packed = pack(html)
    if result.kind == "article" and result.blocks:
        result.signatures = edge_signatures([b[1] for b in result.blocks])
    return result


def _launch(slot: _Slot) -> None:
    """Start the executor's workers (a first call does), then let pages through."""
    try:
        slot.pool.submit(int)
    except (BrokenProcessPool, RuntimeError):
        pass  # broken, or closed before it started: the first page to use it sees that
    finally:
        slot.started.set_result(None)


def prestart() -> None:
    """Start the fork server now, so it loads extraction while Scrapy starts.

    >>> prestart()  # crawler.run, before creating the CrawlerProcess  # doctest: +SKIP

    The server imports and warms up extraction (about a second) before it
    can fork a worker; the workers themselves start with :meth:`ExtractionPool.start`.
    """
    if _context().get_start_method() == "forkserver":
        from multiprocessing import forkserver

        # The fork server and its workers serve the crawl process, which alone
        # decides what a Ctrl-C or a SIGTERM does; but Ctrl-C reaches the whole
        # process group, and one that landed while the server imported extraction
        # printed its traceback; a service manager's SIGTERM may reach the group
        # too (systemd's KillMode=control-group). An ignored signal stays ignored
        # across fork and exec (and Python then leaves it so), so the server
        # starts deaf to both; it exits with the crawl process all the same (it
        # reads end of file from it). This process ignores them only for the
        # few milliseconds of the spawn.
        handlers = {sig: signal.signal(sig, signal.SIG_IGN) for sig in _LEFT_TO_THE_CRAWL}
        try:
            forkserver.ensure_running()
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)


def _context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Read when the fork server starts (once per crawl process).
        context.set_forkserver_preload(["crawler.worker"])
        return context
    return multiprocessing.get_context("spawn")  # Windows


# Signals the fork server and the workers ignore: the crawl process handles them
# and then stops the workers itself (close(), or their watch of it below).
_LEFT_TO_THE_CRAWL = (signal.SIGINT, signal.SIGTERM)


def _exit_with_parent() -> None:
    """Worker initializer: ignore Ctrl-C and SIGTERM; exit as soon as the crawl process is gone.

    An idle worker waits on a queue whose other end it holds itself, so it
    would never notice a crawl killed with SIGKILL (or a test timing out), and
    the fork server stays up as long as a worker holds its pipe. Watch the
    parent's sentinel instead (for a fork server's child, the process that
    asked for it): it becomes readable when that process dies.
    """
    # Ctrl-C reaches every process of the terminal's process group, workers
    # included, and so may a service manager's SIGTERM (systemd's
    # KillMode=control-group): they leave both to the crawl process, which stops
    # the crawl gracefully and then closes the pool (an idle worker would
    # otherwise die with a traceback, and a busy one fail its page; workers
    # killed by SIGTERM while the crawl stopped hung it).
    for sig in _LEFT_TO_THE_CRAWL:
        signal.signal(sig, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
