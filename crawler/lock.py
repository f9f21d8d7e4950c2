"""One crawl per archive file and source at a time.

Example::

    >>> with crawl_lock("hrw.db", "hrw"):      # a second process gets CrawlLocked
    ...     pass

The lock is an advisory ``flock`` on a file beside the archive
(``<db>.<source>.lock``, holding the crawl's pid). The kernel drops it when
the process ends, however it ends (even SIGKILL), so a crashed crawl never
leaves a held lock behind; at most the file stays, and the next crawl reuses it.

The holder deletes the file when it is done, while still holding the lock,
so a finished crawl leaves only the archive. A process that opened the file
just before it was deleted may then lock the deleted file: after locking,
every process checks that the path still names the file it locked, and
starts over otherwise. So two crawls can never both believe they hold it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.errors import ArchiveError, ArchiveReadOnly, BadInput


class CrawlLocked(RuntimeError):
    """Another crawl of the same source into the same archive is running."""


def lock_path(db: str | os.PathLike[str], source: str) -> Path:
    """The lock file of ``source`` crawls into ``db``.

    >>> lock_path("data/hrw.db", "hrw").name
    'hrw.db.hrw.lock'
    """
    db = Path(db)
    return db.with_name(f"{db.name}.{source}.lock")


@contextmanager
def crawl_lock(db: str | os.PathLike[str], source: str) -> Iterator[Path]:
    """Hold the lock of ``source`` crawls into ``db``, or raise CrawlLocked at once."""
    path = lock_path(db, source)
    fd = _acquire(path, db, source)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        # Deleted while held: whoever opened it meanwhile sees it gone once
        # they get the lock, and starts over on a fresh file (see _acquire).
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)  # releases the flock


def _acquire(path: Path, db: str | os.PathLike[str], source: str) -> int:
    while True:
        fd = _open(path, db)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise CrawlLocked(
                f"another crawl of {source!r} into {Path(db).name} is running (pid {holder}); "
                "this one did nothing"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        if _same_file(fd, path):
            return fd
        os.close(fd)  # we locked a file its last holder had just deleted: try again


def _open(path: Path, db: str | os.PathLike[str]) -> int:
    """Open (or create) the lock file; a folder that cannot hold it is a one-line error."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except (FileNotFoundError, NotADirectoryError):
        # The first file a crawl writes beside the archive: the folder's absence
        # shows here, before SQLite. A mistyped --db is bad input, as for export.
        raise BadInput(f"cannot write {db}: no directory {Path(db).parent}") from None
    except OSError as exc:
        why = f"cannot write to archive {str(db)!r}: cannot open its lock file {str(path)!r}"
        if isinstance(exc, PermissionError) or exc.errno == errno.EROFS:
            # A folder the archive could not be written in either (its mode, a
            # read-only mount): said and exited as a read-only archive is (1).
            raise ArchiveReadOnly(f"{why} ({exc.strerror}); is its directory writable?") from None
        raise ArchiveError(f"{why} ({exc.strerror or exc})") from None


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)
