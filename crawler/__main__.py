"""``python -m crawler``: an alias of ``python -m pressroom``, kept for scripts and for
console scripts installed before the program moved to :mod:`pressroom`.

Example::

    $ python -m crawler crawl hrw --db hrw.db
"""

from __future__ import annotations

from pressroom.__main__ import main

if __name__ == "__main__":
    main()
