"""What an extraction worker process imports before its first page (the pool's fork server).

Example::

    >>> ctx = multiprocessing.get_context("forkserver")
    >>> ctx.set_forkserver_preload(["crawler.worker"])   # what crawler.pool does

:mod:`crawler.pool` forks its workers from a fork server that has imported
this module once, so a worker starts in milliseconds with the extraction code
already loaded. Never import it anywhere else: it makes ``import pandas`` fail
in the process that does.

Why: sqlite-utils imports pandas whenever pandas is installed (it maps
``pandas.Timestamp`` to TEXT), and the extraction code reaches sqlite-utils
through ``storage``. Nothing a worker runs uses pandas, which costs about
70 MB of RSS in every process that imports it (measured: 124 MB vs 55 MB for
``import crawler.extract``; bench/crawl.py shows the whole crawl).
"""

from __future__ import annotations

import sys

sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]

from crawler import extract  # noqa: E402,F401  (the heavy imports, once for every worker)
