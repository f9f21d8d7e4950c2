"""One crawl per archive file and source at a time.

Example::

    >>> with crawl_lock("hrw.db", "hrw"):      # a second process gets CrawlLocked
    ...     pass

The lock is an advisory ``flock`` on a file beside the archive. The kernel
drops it when the process ends, however it ends (even SIGKILL), so a crashed
crawl never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class CrawlLocked(RuntimeError):
    """Another crawl of the same source into the same archive is running."""


def lock_path(db: str | os.PathLike[str], source: str) -> Path:
    db = Path(db)
    return db.with_name(f"{db.name}.{source}.lock")


@contextmanager
def crawl_lock(db: str | os.PathLike[str], source: str) -> Iterator[Path]:
    path = lock_path(db, source)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise CrawlLocked(
                f"another crawl of {source!r} into {Path(db).name} is running (pid {holder}); "
                "this one did nothing"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the flock
