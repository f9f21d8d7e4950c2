"""The crawl's single writer: one thread that owns the archive connection.

Example::

    >>> from storage import Archive
    >>> writer = WriterThread(depth=1).start()
    >>> archive = writer.call(lambda: Archive("pressroom.db"))   # made in the thread
    >>> run_id = writer.call(lambda: archive.start_run("demo"))
    >>> rows = [{"url": "https://example.org/a", "source": "demo", "text": "Floods."}]
    >>> saved = writer.submit(lambda: archive.save_articles(rows, run_id), on_error=print)
    >>> writer.call(archive.close)                                # after every job before it
    >>> saved.result()
    {'new': 1, 'updated': 0, 'unchanged': 0, 'duplicates': 0}
    >>> writer.stop()

Writing a batch of 50 pages took ~0.1 s on the reactor thread, every quarter
of a second: downloads, dispatch to the extraction workers and their results
all waited, and the workers ran dry after each batch (bench/crawl.py: both
idle 5% of the crawl). In this thread the writes overlap the crawl; SQLite,
zstd and hashing release the GIL while they work.

Jobs run one at a time, in the order given, so the archive sees exactly the
writes a synchronous writer would make. ``depth`` bounds the jobs waiting:
:meth:`submit` blocks when that many are queued, so a slow disk throttles the
crawl instead of filling memory, and a crash loses at most the batch being
written and ``depth`` waiting ones (pages the next run fetches again).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)
_STOP = object()


class WriterThread:
    def __init__(self, depth: int = 1, name: str = "pressroom-writer") -> None:
        self._jobs: queue.Queue[Any] = queue.Queue(maxsize=max(1, depth))
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> WriterThread:
        self._thread.start()
        return self

    def submit(
        self, job: Callable[[], Any], *, on_error: Callable[[BaseException], None] | None = None
    ) -> Future[Any]:
        """Queue ``job``; blocks while ``depth`` jobs are already waiting.

        ``on_error`` is called in the writer thread with whatever ``job`` raised
        (the returned future holds it too).
        """
        future: Future[Any] = Future()
        self._jobs.put((job, future, on_error))
        return future

    def call(self, job: Callable[[], T]) -> T:
        """Run ``job`` in the writer thread after the jobs before it; return its result or raise."""
        return self.submit(job).result()  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Run the jobs still queued, then end the thread."""
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join()

    def _run(self) -> None:
        while True:
            entry = self._jobs.get()
            if entry is _STOP:
                return
            job, future, on_error = entry
            try:
                result = job()
            except BaseException as exc:  # noqa: BLE001 (handed to the caller, never lost)
                future.set_exception(exc)
                if on_error is not None:
                    try:
                        on_error(exc)
                    except Exception:  # noqa: BLE001
                        logger.exception("the writer's error handler failed")
            else:
                future.set_result(result)
