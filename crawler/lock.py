"""One crawl (or reextract) per archive file and source at a time.

Example::

    >>> with crawl_lock("hrw.db", "hrw"):      # a second process gets CrawlLocked
    ...     pass

The lock is an advisory ``flock`` on a file beside the archive
(``<db>.<source>.lock``, holding the crawl's pid). ``pressroom reextract``
takes the same lock (its pid, then "reextract"): it saves texts read from
the captures it listed when it started, and beside a crawl it wrote an old
capture's text back over the version the crawl had just stored. The kernel drops it when
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
    """The lock file of ``source`` crawls into ``db``, beside the file a link to it names:
    through a link in another folder, a second crawl of the source took a lock of its own.

    >>> lock_path("data/hrw.db", "hrw").name
    'hrw.db.hrw.lock'
    """
    db = Path(os.path.realpath(db))
    return db.with_name(f"{db.name}.{source}.lock")


def held_locks(db: str | os.PathLike[str]) -> list[Path]:
    """The lock files of ``db`` (one a source, :func:`lock_path`) that a live crawl or
    reextract holds now: the kernel drops a holder's lock when its process ends.

    >>> held_locks("no-such-folder/hrw.db")
    []
    """
    db = lock_path(db, "*")
    return [path for path in sorted(db.parent.glob(db.name)) if _held(path)]


def _held(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases our shared lock, if we got it
    return False


@contextmanager
def crawl_lock(db: str | os.PathLike[str], source: str, doing: str = "crawl") -> Iterator[Path]:
    """Hold the lock of ``source`` crawls into ``db``, or raise CrawlLocked at once.

    ``doing``: what holds it, named to whoever is refused ("crawl", "reextract").
    """
    path = lock_path(db, source)
    fd = _acquire(path, db, source, doing)
    try:
        os.ftruncate(fd, 0)
        holder = str(os.getpid()) if doing == "crawl" else f"{os.getpid()} {doing}"
        os.pwrite(fd, holder.encode(), 0)
        yield path
    finally:
        # Deleted while held: whoever opened it meanwhile sees it gone once
        # they get the lock, and starts over on a fresh file (see _acquire).
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)  # releases the flock


def _acquire(path: Path, db: str | os.PathLike[str], source: str, doing: str) -> int:
    while True:
        fd = _open(path, db)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            said = os.pread(fd, 64, 0).decode("ascii", "replace").split()
            os.close(fd)
            raise CrawlLocked(_refusal(said, db, source, doing)) from None
        except BaseException:
            os.close(fd)
            raise
        if _same_file(fd, path):
            return fd
        os.close(fd)  # we locked a file its last holder had just deleted: try again


def _refusal(said: list[str], db: str | os.PathLike[str], source: str, doing: str) -> str:
    """Why ``doing`` may not run: the lock file's holder (``said``: its pid, then what it
    is doing unless a crawl) runs.

    >>> _refusal(["41"], "a.db", "hrw", "crawl")
    "another crawl of 'hrw' into a.db is running (pid 41); this one did nothing"
    >>> _refusal(["41", "reextract"], "a.db", "hrw", "crawl")
    "a reextract of 'hrw' into a.db is running (pid 41); this one did nothing"
    """
    pid = said[0] if said else "unknown"
    holder = said[1] if len(said) > 1 else "crawl"
    which = "another" if holder == doing else "a"
    return (
        f"{which} {holder} of {source!r} into {Path(db).name} is running (pid {pid}); "
        "this one did nothing"
    )


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
