"""Open the SQLite file behind an archive and turn sqlite3 errors into named ones.

>>> db = connect("archive.db", readonly=False, busy_timeout=10000)  # doctest: +SKIP
>>> with sqlite_errors("archive.db", busy_timeout=10000):  # doctest: +SKIP
...     db.execute("INSERT INTO runs (source) VALUES (?)", ["demo"])
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from .errors import (
    ArchiveCorrupt,
    ArchiveError,
    ArchiveFull,
    ArchiveLocked,
    ArchiveReadOnly,
    NotAnArchive,
)

# Primary SQLite result codes (extended codes carry them in their low byte).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26
# SQLITE_READONLY_DIRECTORY: the -shm file of a WAL database could not be created.
_SQLITE_READONLY_DIRECTORY = _SQLITE_READONLY | (6 << 8)
# The sqlite3 module's error for a text value it cannot decode (it has no SQLite code).
_NOT_UTF8 = "could not decode to utf-8"


def connect(path: str | os.PathLike[str], *, readonly: bool, busy_timeout: int) -> Database:
    """Open ``path`` as a sqlite-utils Database, read-only or read-write.

        >>> connect("archive.db", readonly=True, busy_timeout=1000)  # doctest: +SKIP
        <Database <sqlite3.Connection object at ...>>

    A writable open creates the file; a read-only open never does.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise ArchiveError(
            f"cannot open archive {str(path)!r}: directory {str(path.parent)!r} does not exist"
        )
    if readonly and not path.exists():
        raise ArchiveError(f"cannot open archive {str(path)!r}: no such file")
    if not readonly and path.exists() and not os.access(path, os.W_OK):
        # Refused before SQLite opens it: it would fall back to reading, and leave the
        # -wal and -shm files of the write it then refuses beside a file (chattr +i)
        # whose last connection may not delete them.
        reason = _unwritable(path) or "the file is not writable"
        raise ArchiveReadOnly(f"cannot write to archive {str(path)!r}: {reason}")
    timeout = busy_timeout / 1000
    with sqlite_errors(path, busy_timeout=busy_timeout):
        if readonly:
            conn = open_readonly(path, timeout=timeout)
        else:
            conn = sqlite3.connect(str(path), timeout=timeout)
        try:
            # recursive_triggers is on by default in sqlite-utils; it is what
            # makes a REPLACE fire the FTS delete trigger, should anyone use one.
            db = Database(conn, recursive_triggers=True)
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
        except BaseException:
            conn.close()
            raise
    return db


def open_readonly(path: str | os.PathLike[str], *, timeout: float = 5.0) -> sqlite3.Connection:
    """A ``mode=ro`` sqlite3 connection to ``path``, also in a folder this process may not write.

    >>> open_readonly("archive.db").execute("PRAGMA schema_version").fetchone()  # doctest: +SKIP
    (42,)
    """
    if _frozen(Path(path)):
        # A file its owner may not write (chattr +i, chmod a-w, a read-only mount):
        # the -wal and -shm files a mode=ro read makes beside it could never be removed
        # (release_wal needs to write the archive), so it is read immutable, as below.
        return _immutable(path, timeout)
    conn = _read_once(path, timeout)
    if conn is not None:
        return conn
    # The folder is not writable for this process, so SQLite could not create
    # the -shm file. immutable=1 reads the main file alone, without -shm or
    # locks, which is right only while nobody writes: with no -wal file no
    # connection has the archive open in WAL mode, and none that may not write
    # the folder can start one. (A user who may, starting a crawl during a
    # long read, could make it see wrong rows, never damage the file: the
    # risk `serve` takes whenever it opens immutable.)
    return _immutable(path, timeout)


def _immutable(path: str | os.PathLike[str], timeout: float) -> sqlite3.Connection:
    return sqlite3.connect(_readonly_uri(path) + "&immutable=1", uri=True, timeout=timeout)


def _frozen(path: Path) -> bool:
    """Whether ``path`` is an archive that no crawl can change while it is read: one this
    process owns (or root) and still may not write, with no -wal file beside it (whose
    changes an immutable read would miss). Another user's archive is not: its owner's
    crawl may start during a long read, which an immutable read would misread.

    >>> _frozen(Path("no-such-folder/a.db"))
    False
    """
    try:
        stat = path.stat()
    except OSError:
        return False
    if stat.st_mode & 0o022:
        return False  # its group or anyone may write it: a crawl of theirs may run
    if os.geteuid() not in (0, stat.st_uid) or os.access(path, os.W_OK):
        return False
    return not _wal_of(path).exists()


def _wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def immutable_only(path: str | os.PathLike[str]) -> str | None:
    """Why open_readonly() can open ``path`` only immutable, or None when it need not: a
    WAL archive with no -wal file, in a folder this process may not write, or a file its
    owner may not write. ``immutable_only("ro/a.db")`` -> "its folder is not writable"."""
    if _frozen(Path(path)):
        return "the file is not writable"  # a mode=ro probe would leave -wal and -shm
    try:
        conn = _read_once(path, timeout=0)
    except sqlite3.OperationalError:
        return None  # another trouble, which opening the archive reports
    if conn is None:
        return "its folder is not writable"
    conn.close()
    return None


def _read_once(path: str | os.PathLike[str], timeout: float) -> sqlite3.Connection | None:
    """A ``mode=ro`` connection that has read ``path`` once, or None when only an
    immutable one can (SQLite could not create the -shm file: :func:`_shm_refused`)."""
    conn = sqlite3.connect(_readonly_uri(path), uri=True, timeout=timeout)
    try:
        # A WAL archive opened mode=ro must still create its -shm file, at the
        # first read: read now, so that a failure to do so is seen here.
        conn.execute("PRAGMA schema_version").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if _shm_refused(exc, path):
            return None
        if _wal_unreadable(exc, path):
            raise ArchiveError(
                f"cannot read archive {str(path)!r}: its folder is not writable and it has a "
                f"-wal file, which SQLite reads only by writing beside it; copy the archive "
                f"and its -wal file to a folder you can write, or ask its owner to run: "
                f"sqlite3 {path} 'PRAGMA wal_checkpoint(TRUNCATE)'"
            ) from exc
        raise
    except BaseException:
        conn.close()
        raise


def _readonly_uri(path: str | os.PathLike[str]) -> str:
    # mode=ro makes SQLite itself refuse writes, whatever the caller does
    # with the .db escape hatch; as_uri() percent-encodes odd characters.
    return Path(path).resolve().as_uri() + "?mode=ro"


def _shm_refused(exc: sqlite3.Error, path: str | os.PathLike[str]) -> bool:
    # With a -wal file the log may hold changes (or a writer may be live):
    # immutable would miss them, so that case stays an error.
    path = Path(path)
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code == _SQLITE_READONLY_DIRECTORY:  # a folder of mode 0555, another user's
        return True
    # A read-only mount (EROFS): SQLite says CANTOPEN for the -shm file it cannot create.
    return code == _SQLITE_CANTOPEN and not os.access(path.parent, os.W_OK)


def _wal_unreadable(exc: sqlite3.Error, path: str | os.PathLike[str]) -> bool:
    # SQLite says "unable to open database file" (or READONLY_DIRECTORY) when the
    # -wal exists and the -shm it needs beside it cannot be made: the folder is
    # read-only for this process.
    path = Path(path)
    if not path.with_name(path.name + "-wal").exists() or os.access(path.parent, os.W_OK):
        return False
    return _primary_code(exc) in (_SQLITE_CANTOPEN, _SQLITE_READONLY)


# Each step of the wait for another writer: short, so that Ctrl-C is heard at once.
_STEP_MS = 100


def begin_immediate(conn: sqlite3.Connection, busy_timeout: int) -> None:
    """``BEGIN IMMEDIATE``, waiting up to ``busy_timeout`` ms for another writer, in short steps.

        >>> begin_immediate(sqlite3.connect(":memory:"), 1000)

    SQLite's own busy wait returns to Python only when it ends: a Ctrl-C or
    SIGTERM while another process held the write lock was heard up to 10 s
    later. Between the steps Python runs its signal handlers.
    """
    deadline = time.monotonic() + busy_timeout / 1000
    conn.execute(f"PRAGMA busy_timeout = {min(_STEP_MS, int(busy_timeout))}")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if _primary_code(exc) != _SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")


def release_wal(path: str | os.PathLike[str]) -> None:
    """Let SQLite delete the archive's ``-wal`` and ``-shm`` files if nothing else has it open.

        >>> from storage import Archive
        >>> Archive("archive.db").close()  # made, as a crawl would
        >>> with Archive("archive.db", readonly=True) as archive:
        ...     pass  # a read-only command
        >>> release_wal("archive.db")
        >>> sorted(p.name for p in Path(".").glob("archive.db*"))
        ['archive.db']

    The last connection to close a WAL database checkpoints the log and
    deletes both files, unless it is read-only: a ``mode=ro`` connection
    creates them (it needs the shared-memory index) but may not remove them,
    so every read-only command left them behind. After one closes, a
    read-write connection opens the file for a moment and closes again;
    SQLite itself decides, under its own locks, whether it is the last one
    (a running crawl or a second reader keeps the files, as it must). Best
    effort: a file or folder this process may not write is left as it is.
    """
    path = Path(path)
    wal, shm = (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))
    if not (wal.exists() or shm.exists()):
        return
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return
    with contextlib.suppress(sqlite3.Error, OSError):
        conn = sqlite3.connect(str(path), timeout=0)
        try:
            # Reading opens the log; only a connection that did so closes it.
            conn.execute("PRAGMA schema_version").fetchone()
        finally:
            conn.close()


@contextlib.contextmanager
def sqlite_errors(path: str | os.PathLike[str], *, busy_timeout: int) -> Iterator[None]:
    """Re-raise sqlite3 errors that mean something to a user as named ArchiveErrors.

        >>> with sqlite_errors("x.db", busy_timeout=0):  # doctest: +SKIP
        ...     raise sqlite3.DatabaseError("file is not a database")
        Traceback (most recent call last):
        storage.errors.NotAnArchive: 'x.db' is not a pressroom archive: file is not a database

    Anything else (programming errors, bad SQL) propagates unchanged.
    """
    try:
        yield
    except sqlite3.Error as exc:
        named = translate(exc, path, busy_timeout=busy_timeout)
        if named is None:
            raise
        raise named from exc


def translate(
    exc: sqlite3.Error, path: str | os.PathLike[str], *, busy_timeout: int
) -> ArchiveError | None:
    """Return the named error for ``exc``, or None when it is not a user-facing one.

    >>> translate(sqlite3.OperationalError("database is locked"), "a.db", busy_timeout=5)
    ArchiveLocked("archive 'a.db' is locked by another writer (waited 5 ms); try again later")
    """
    name = str(path)
    code = _primary_code(exc)
    message = str(exc)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return ArchiveLocked(
            f"archive {name!r} is locked by another writer "
            f"(waited {busy_timeout} ms); try again later"
        )
    if code == _SQLITE_NOTADB:
        return NotAnArchive(f"{name!r} is not a pressroom archive: {message}")
    if code == _SQLITE_CORRUPT:
        if message.lower().startswith(_NOT_UTF8):
            # Python's own error, with the column's SQL and the damaged bytes in it.
            message = "a text value is not valid UTF-8"
        return ArchiveCorrupt(
            f"archive {name!r} is corrupt ({message}); restore it from a backup, "
            f"or try: sqlite3 {name} .recover"
        )
    if code == _SQLITE_FULL:
        return ArchiveFull(f"cannot write to archive {name!r}: the disk is full ({message})")
    if code == _SQLITE_IOERR:
        return ArchiveError(f"archive {name!r}: {message} (is the disk full or failing?)")
    if code == _SQLITE_READONLY:
        return ArchiveReadOnly(
            f"cannot write to archive {name!r}: it is open read-only, "
            f"or the file or its directory is not writable ({message})"
        )
    if code == _SQLITE_CANTOPEN:
        if Path(path).exists() and not os.access(path, os.R_OK):
            return ArchiveError(f"cannot read archive {name!r}: the file is not readable")
        if reason := _unwritable(Path(path)):
            # SQLite's "unable to open database file" here is the -shm file of a write
            # it cannot create: the archive is there, and readable (reextract said "cannot
            # open" on a read-only mount, as if the file were missing).
            return ArchiveReadOnly(f"cannot write to archive {name!r}: {reason}")
        return ArchiveError(f"cannot open archive {name!r}: {message}")
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in message:
        return ArchiveError(f"archive {name!r} is closed")
    return None


def _unwritable(path: Path) -> str | None:
    """Why an existing archive ``path`` cannot be written, or None when it can (or is missing).

    >>> _unwritable(Path("no-such-folder/a.db")) is None
    True
    """
    if not path.exists():
        return None
    with contextlib.suppress(OSError):
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"  # root too may not write there
    if not os.access(path, os.W_OK):
        return "the file is not writable"
    if not os.access(path.parent, os.W_OK):
        return "its folder is not writable"
    return None


def _primary_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF
    # Errors raised by hand (or by an older driver) carry no code: fall back to
    # the fixed English texts SQLite uses for these conditions.
    text = str(exc).lower()
    for needle, fallback in (
        ("database is locked", _SQLITE_BUSY),
        ("database table is locked", _SQLITE_LOCKED),
        ("readonly database", _SQLITE_READONLY),
        ("file is not a database", _SQLITE_NOTADB),
        ("malformed", _SQLITE_CORRUPT),
        # Bytes that are not UTF-8 in a text column: pressroom never writes them.
        (_NOT_UTF8, _SQLITE_CORRUPT),
        ("database or disk is full", _SQLITE_FULL),
        ("disk i/o error", _SQLITE_IOERR),
        ("unable to open database file", _SQLITE_CANTOPEN),
    ):
        if needle in text:
            return fallback
    return None
