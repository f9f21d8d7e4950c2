"""The `pressroom` program (also ``python -m crawler``): the CLI, without pandas.

Example::

    $ python -m crawler crawl hrw --db hrw.db

sqlite-utils imports pandas whenever it is installed, to map its types, and
nothing pressroom's commands run uses it: blocking the import saves every
command about 0.25 s of start-up and a crawl about 70 MB of memory (see
crawler/worker.py, which does the same for extraction workers). Only the
program does this; ``import crawler.cli`` in a notebook leaves pandas alone.
"""

from __future__ import annotations

import sys

sys.modules.setdefault("pandas", None)  # type: ignore[arg-type]

from crawler.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
