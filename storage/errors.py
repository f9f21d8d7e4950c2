"""Named errors raised by the archive, each printable as one human-readable line.

    >>> str(ArchiveLocked())
    'Archive is locked by another writer'

Every class's docstring is its default message, in the style of sqlite-utils'
``NoTable`` ("Specified table does not exist"), so ``raise ArchiveLocked()`` is
already readable; callers that know more (the path, the timeout) pass a message.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Archive operation failed"""

    def __init__(self, message: str | None = None) -> None:
        if message is None:
            message = (type(self).__doc__ or type(self).__name__).strip()
        # The CLI prints str(exc) as a single line, so a message that picked up
        # a newline from SQLite or from user input is folded here, once.
        super().__init__(" ".join(message.split()))


class ArchiveLocked(ArchiveError):
    """Archive is locked by another writer"""


class NotAnArchive(ArchiveError):
    """File is not a pressroom archive"""


class ArchiveCorrupt(NotAnArchive):
    """Archive file is damaged"""


class NeedsUpgrade(ArchiveError):
    """Archive was written by an older pressroom: open it once for writing to migrate it"""

    def __init__(self, message: str | None = None, pending: list[str] | None = None) -> None:
        super().__init__(message)
        self.pending = list(pending or [])  # the migrations not applied, in order


class ArchiveReadOnly(ArchiveError):
    """Archive cannot be written"""


class ArchiveFull(ArchiveError):
    """The disk holding the archive is full"""


class BadInput(ArchiveError):
    """Invalid argument"""


class EmptyDateRange(BadInput):
    """No date is in the range: since is after until"""


class BadQuery(BadInput):
    """Invalid search query"""
