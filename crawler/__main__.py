"""The `pressroom` program (also ``python -m crawler``): the CLI, quick to start and exit.

Example::

    $ python -m crawler crawl hrw --db hrw.db

sqlite-utils is loaded without pandas and numpy (see crawler/startup.py):
every command starts 0.3-0.6 s sooner where pandas is installed, and a crawl
holds about 70 MB less. Both stay importable, for Parquet and ``--dataset``.
Only the program does this; ``import crawler.cli`` in a notebook leaves
sqlite-utils alone.

When a command has finished, the program also skips the interpreter's
teardown (freeing every object of Scrapy, Twisted, numpy and lxml one by one:
0.15 s, a tenth of a nightly rerun that found little new). Everything that
matters is done first: the archive is closed by then (its WAL checkpointed),
other threads are joined, ``atexit`` handlers run and output is flushed.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from typing import NoReturn

from crawler.startup import load_sqlite_utils

load_sqlite_utils()

from crawler.cli import main as cli  # noqa: E402


def main() -> NoReturn:
    """Run the CLI, then exit with its status without tearing the interpreter down."""
    try:
        cli()
    except SystemExit as exc:
        _exit(exc.code)
    _exit(0)


def _exit(code: object) -> NoReturn:
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): what Python itself would print
        print(code, file=sys.stderr)
        status = 1
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # multiprocessing's (workers), logging's (flush)
    for stream in (sys.stdout, sys.stderr):
        # A reader that left (`pressroom export | head`), a closed stream.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
