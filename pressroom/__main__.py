"""The `pressroom` program (also ``python -m pressroom``): the CLI, quick to start and exit.

Example::

    $ python -m pressroom crawl hrw --db hrw.db

sqlite-utils is loaded without pandas and numpy (see crawler/startup.py):
every command starts 0.3-0.6 s sooner where pandas is installed, and a crawl
holds about 70 MB less. Both stay importable, for Parquet and ``--dataset``.
Only the program does this; ``import pressroom.cli`` in a notebook leaves
sqlite-utils alone.

When a command has finished, the program also skips the interpreter's
teardown (freeing every object of Scrapy, Twisted, numpy and lxml one by one:
0.15 s, a tenth of a nightly rerun that found little new). Everything that
matters is done first: the archive is closed by then (its WAL checkpointed),
thread pools are shut down and other threads joined (as the interpreter's own
exit does), ``atexit`` handlers run and output is flushed.

Ctrl-C or SIGTERM: a command stopped before its work was done exits 130
(128 + SIGINT) or 143 (128 + SIGTERM) with one line, never a traceback, from
the first line of this module on (SIGTERM raises like Ctrl-C: see
crawler/stopping.py). A signal that arrives while the program is already
exiting (a second Ctrl-C, say) ends it at once, with the status it was
exiting with.
"""

from __future__ import annotations

try:  # everything the program loads, inside: Ctrl-C can land on any line
    import atexit
    import contextlib
    import os
    import signal
    import sys
    import threading
    from typing import NoReturn

    from crawler import stopping

    stopping.never_swallow_interrupts()
    if "multiprocessing" not in sys.modules:
        # Not in an extraction worker: multiprocessing imports the parent's
        # __main__ (the `pressroom` script, so this module) into each worker,
        # where SIGTERM must keep its default (a worker raising Terminated
        # printed a traceback and hung the crawl's pool).
        stopping.raise_on_sigterm()

    from crawler.startup import load_sqlite_utils

    load_sqlite_utils()

    from pressroom.cli import main as cli
except KeyboardInterrupt as exc:  # while the program starts
    import os
    import sys

    from crawler import stopping

    print(f"Error: {stopping.said(exc)}", file=sys.stderr, flush=True)
    os._exit(stopping.status_of(exc))


def main() -> NoReturn:
    """Run the CLI, then exit with its status without tearing the interpreter down."""
    try:
        cli()
    except SystemExit as exc:
        _exit(exc.code)
    except KeyboardInterrupt as exc:  # outside a command (commands say it themselves)
        print(f"Error: {stopping.said(exc)}", file=sys.stderr)
        _exit(stopping.status_of(exc))
    _exit(0)


def _exit(code: object) -> NoReturn:
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): what Python itself would print
        print(code, file=sys.stderr)
        status = 1
    # The user who presses Ctrl-C now wants out, not a traceback from a join.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: _now(status))
    _join_threads()
    atexit._run_exitfuncs()  # multiprocessing's (workers), logging's (flush)
    for stream in (sys.stdout, sys.stderr):
        # A reader that left (`pressroom export | head`), a closed stream; None when
        # the program started without it (`>&-`).
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(status)


def _join_threads() -> None:
    """What the interpreter does at exit before ``atexit``: stop thread pools, join threads.

    Shutting the pools down matters: an idle worker of a ThreadPoolExecutor
    (Datasette's, behind `pressroom serve`) or the manager thread of a process
    pool waits for work forever unless told the interpreter is exiting, and
    joining it hung the program.
    """
    shutdown = getattr(threading, "_shutdown", None)  # CPython's own exit hook
    if shutdown is not None:
        shutdown()
        return
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()


def _now(status: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
