"""Storage for pressroom: one SQLite file holding every archived news release.

    >>> from storage import Archive
    >>> with Archive("press.db", readonly=True) as archive:  # doctest: +SKIP
    ...     hits = archive.search('"human rights" AND sanctions', since="2024-01-01")
    ...     import pandas as pd
    ...     df = pd.DataFrame(archive.articles(source="ec", language="en"))

Needs only the standard library, sqlite-utils and zstandard: no Scrapy,
trafilatura or click, so notebooks and other tools can read archives cheaply.
"""

from .archive import Archive
from .errors import ArchiveError, ArchiveLocked, ArchiveReadOnly, BadInput, BadQuery, NotAnArchive
from .export import export

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchiveLocked",
    "ArchiveReadOnly",
    "BadInput",
    "BadQuery",
    "NotAnArchive",
    "export",
]
