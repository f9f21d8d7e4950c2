"""What an extraction worker holds before its first page: loaded once, in the pool's fork server.

Example::

    >>> import multiprocessing
    >>> ctx = multiprocessing.get_context("forkserver")
    >>> ctx.set_forkserver_preload(["crawler.worker"])   # what crawler.pool does

:mod:`crawler.pool` forks its workers from a fork server that imported this
module. Importing it loads the extraction code and extracts one small page, so
that everything extraction loads lazily (the language model, about 70 MB, and
trafilatura's caches) is loaded once, before any worker exists. Workers share
those pages with the fork server copy-on-write, and ``gc.freeze()`` keeps the
garbage collector from writing to them (and so copying them) in every worker.
Measured on bench/crawl.py's fixture (issue 5): the crawl's proportional set
size (physical memory, shared pages counted once) 474 -> 391 MB with two
workers. Summed RSS counts shared pages once per process, so it grows instead
(607 -> 679 MB): the fork server is one more process holding them.

sqlite-utils is loaded without pandas and numpy first (crawler/startup.py):
extraction reaches sqlite-utils through ``storage``, nothing a worker runs
uses pandas, and pandas costs about 70 MB in every process that loads it
(``import extraction.extract``: 124 MB of RSS with pandas installed, 55 MB
without). Unlike the block this replaced (issue 14), pandas stays importable.
"""

from __future__ import annotations

import gc

from crawler.startup import load_sqlite_utils

load_sqlite_utils()

from extraction import extract  # noqa: E402
from extraction.rules import Rules  # noqa: E402

# Long enough to reach every step of extraction, language detection included.
WARM_UP_PAGE = (
    "<html lang='en'><head><title>Warm up</title></head><body><article><h1>Warm up</h1>"
    "<p>The authorities should release the detained activists at once, the group said.</p>"
    "<p>Journalists must be allowed to report freely on the situation in the region.</p>"
    "<p>Witnesses described arrests at night and long detention without any charge.</p>"
    "<p>Families have not been told where their relatives are held, or on what basis.</p>"
    "</article></body></html>"
)

extract.analyse(WARM_UP_PAGE, "http://127.0.0.1/warm-up", Rules(), release=True)
gc.freeze()
