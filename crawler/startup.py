"""Load sqlite-utils without the pandas and numpy it would import and pressroom never uses.

Example::

    >>> from crawler.startup import load_sqlite_utils
    >>> load_sqlite_utils()
    >>> import sqlite_utils.db  # already loaded: costs nothing

sqlite-utils imports pandas and numpy whenever they are installed, only to map
``pandas.Timestamp`` and numpy scalars to SQL column types, and pressroom never
stores either. In a researcher's environment that is 0.3-0.6 s of every
command's start-up and about 70 MB of every process (numbers: CHANGELOG, issue
14). Both are hidden only while ``sqlite_utils.db`` loads and are importable
again right after: pyarrow, ``datasets`` and user code that import pandas later
get the real module. (Issue 14: blocking pandas for the whole process broke
Parquet export, because pyarrow reads ``sys.modules["pandas"]``.) Nothing else
loaded in that window looks for pandas or numpy; tests/test_program.py runs
every export through the program to keep it so.

Only the program (pressroom/__main__.py) and extraction workers (crawler/worker.py)
call this; ``import storage`` in a notebook leaves sqlite-utils as it is.
"""

from __future__ import annotations

import sys

HIDDEN = ("pandas", "numpy")


def load_sqlite_utils() -> None:
    """Import ``sqlite_utils.db`` with pandas and numpy hidden (those not loaded already)."""
    if "sqlite_utils.db" in sys.modules:
        return
    hidden = [name for name in HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` raises ImportError
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
