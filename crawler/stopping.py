"""Which signal stopped a command, and the exit status supervisors expect for it.

Example::

    >>> exit_status(signal.SIGINT), exit_status(signal.SIGTERM)
    (130, 143)
    >>> status_of(Terminated()), status_of(KeyboardInterrupt())
    (143, 130)

Shells, systemd, cron wrappers and ``docker stop`` read 128 + N as "stopped by
signal N": 130 after Ctrl-C (SIGINT), 143 after SIGTERM. The program raises
SIGTERM as :class:`Terminated`, a KeyboardInterrupt, so that every clean stop
written for Ctrl-C (the lock file removed, the run recorded, the archive
closed) serves SIGTERM too. While Scrapy runs, its own handlers stop the
crawl gracefully; :func:`crawler_process` notes which signal came first.
"""

from __future__ import annotations

import _thread
import functools
import os
import signal
import sys
import time
from typing import Any

# Stats key: the first signal that stopped the crawl (crawler.extensions says which in the run).
STOP_SIGNAL = "pressroom/stop_signal"


class Terminated(KeyboardInterrupt):
    """Stopped by SIGTERM."""


def exit_status(signum: int | None) -> int:
    """128 + the signal's number; SIGINT's (130) when it is not known."""
    return 128 + int(signum or signal.SIGINT)


def status_of(exc: BaseException) -> int:
    """The exit status for a KeyboardInterrupt: 143 if SIGTERM raised it, else 130."""
    return exit_status(signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)


def said(exc: BaseException) -> str:
    """What the program prints for an interruption: "interrupted" or "terminated (SIGTERM)"."""
    return "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"


def raise_on_sigterm() -> None:
    """From now on SIGTERM raises :class:`Terminated` (in the main thread), as Ctrl-C does."""
    signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated


def never_swallow_interrupts() -> None:
    """A Ctrl-C or SIGTERM that Python would swallow is delivered again.

    Python runs a signal's handler wherever the main thread is, also inside a
    weakref callback or a ``__del__`` (importlib runs one for each module it
    loads), where an exception is printed as "Exception ignored in" and
    dropped: the program printed a traceback and went on as if never stopped.
    The signal is sent again instead, to be raised once that callback returns.
    """
    sys.unraisablehook = _redeliver


def _redeliver(unraisable: Any) -> None:
    exc = unraisable.exc_value
    if not isinstance(exc, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)
        return
    signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
    # Sent from here, the handler would run at once, still inside the hook.
    # A moment later, from another thread, the main thread is past the
    # callback in all but the rarest case; one that swallows it again brings
    # it back here. (threading.Thread would wait here for its thread to start.)
    try:
        _thread.start_new_thread(_send_later, (signum,))
    except RuntimeError:  # the interpreter is shutting down: no more threads
        sys.__unraisablehook__(unraisable)


def _send_later(signum: int) -> None:
    time.sleep(0.01)
    os.kill(os.getpid(), signum)


def crawler_process(settings: Any) -> Any:
    """A Scrapy ``CrawlerProcess`` that remembers the first signal that stopped it.

    ``process.stop_signal`` is None until then; each crawler's stats get it as
    ``STOP_SIGNAL``, for the run's message.
    """
    return _process_class()(settings)


@functools.cache
def _process_class() -> type:
    from scrapy.crawler import CrawlerProcess  # Scrapy loads late (see crawler/run.py)

    class SignalledProcess(CrawlerProcess):
        stop_signal: int | None = None

        # Scrapy's own handler for the first SIGINT/SIGTERM (a second one goes
        # to _signal_kill): the only place that knows which signal it was.
        def _signal_shutdown(self, signum: int, frame: Any) -> None:
            if self.stop_signal is None:
                self.stop_signal = signum
                for crawler in self.crawlers:
                    try:
                        stats = crawler.stats
                    except RuntimeError:  # Scrapy 2.13+: not set yet
                        continue
                    if stats is not None:
                        stats.set_value(STOP_SIGNAL, signum)
            super()._signal_shutdown(signum, frame)

    return SignalledProcess
