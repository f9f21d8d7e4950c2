"""Browse an archive in Datasette, read-only, with the titles, facets and queries pressroom ships.

    >>> serve("hrw.db", port=8001)  # doctest: +SKIP
    Serving hrw.db read-only (immutable) at http://127.0.0.1:8001/hrw/articles

Datasette is an optional extra (``pip install 'pressroom[serve]'``). The
metadata lives in ``datasette_metadata.json`` beside this module; the column
descriptions of ``articles`` come from ``storage.fields`` (the ones the
dataset card uses), the search inside words (Chinese, Japanese, Thai) comes
from ``storage.browse``, and the revision-history query is added only when the
archive has a ``revisions`` table.

Read-only: Datasette opens the file with SQLite's ``mode=ro`` and pressroom
ships no writable queries. When no crawl is running it is opened
``immutable`` instead, which lets SQLite skip locking and Datasette count rows
once; see crawl_activity() for how "no crawl is running" is decided.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler.lock import held_locks
from storage import Archive, BadInput
from storage.browse import REVISION_HISTORY, SUBSTRING_SEARCH, has_revisions
from storage.connection import immutable_only, release_wal
from storage.fields import DESCRIPTIONS

METADATA_FILE = Path(__file__).with_name("datasette_metadata.json")
# Served at /pressroom-static/ (the metadata's extra_css_urls point there).
STATIC_DIR = Path(__file__).with_name("datasette_static")
# The key the shipped metadata uses for "this archive"; replaced by the real name.
PLACEHOLDER = "pressroom"
_PLUGIN = "pressroom"
SETTINGS = {
    "default_page_size": 50,
    "sql_time_limit_ms": 5000,
    # Array facets on tags run json_each over every row: give them time.
    "facet_time_limit_ms": 2000,
    "suggest_facets": False,
}


def database_name(path: str | os.PathLike[str]) -> str:
    """The name Datasette gives the file (its stem): ``database_name("data/hrw.db")`` -> 'hrw'."""
    return Path(path).stem


def crawl_activity(path: str | os.PathLike[str]) -> str | None:
    """Why the archive may change while served, or None when it is safe to open immutable.

        >>> crawl_activity("hrw.db")  # doctest: +SKIP
        "a crawl holds hrw.db.hrw.lock"

    Three checks, any one of which keeps the file mutable:

    - a crawl lock beside the file (``<db>.<source>.lock``, crawler/lock.py) is
      held: ``pressroom crawl`` and ``reextract`` hold it while they run, and the
      kernel drops it when the process ends, so a held lock means a live writer;
    - a run is recorded as ``running``: a crawl killed before it could say so;
      the next crawl of that source marks it interrupted;
    - the write-ahead log (``<db>-wal``) is not empty: immutable mode reads only
      the main file and would miss the changes still in the log.

    Immutable is decided once, at start: a crawl started later is not seen
    (restart serve, or use --no-immutable on a machine where crawls run on a
    schedule).
    """
    if held := held_locks(path):
        return f"a crawl holds {held[0].name}"
    db = Path(os.path.realpath(path))  # where its -wal is, when a link names it
    wal = db.with_name(db.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return f"{wal.name} holds changes not yet in the main file"
    with Archive(db, readonly=True) as archive:
        running = archive.running_run()
    if running:
        return f"run {running['id']} ({running['source']}) is recorded as running"
    return None


def metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Datasette metadata for the archive at ``path``: the shipped file, filled in."""
    shipped = json.loads(METADATA_FILE.read_text(encoding="utf-8"))
    meta = copy.deepcopy(shipped)
    database = meta["databases"].pop(PLACEHOLDER)
    database["tables"]["articles"]["columns"] = dict(DESCRIPTIONS)
    database["queries"]["search_inside_words"] = dict(SUBSTRING_SEARCH)
    if has_revisions(path):
        database["queries"]["revision_history"] = dict(REVISION_HISTORY)
    meta["databases"][database_name(path)] = database
    return meta


def make_datasette(path: str | os.PathLike[str], *, immutable: bool) -> Any:
    """A configured ``datasette.app.Datasette`` for the archive (not yet serving)."""
    try:
        from datasette.app import Datasette
    except ImportError:
        raise BadInput("pressroom serve needs Datasette: pip install 'pressroom[serve]'") from None
    _register_plugin()
    file = str(path)
    return Datasette(
        files=[] if immutable else [file],
        immutables=[file] if immutable else [],
        metadata=metadata(path),
        settings=SETTINGS,
        static_mounts=[("pressroom-static", str(STATIC_DIR))],
    )


def _register_plugin() -> None:
    """Give every connection Datasette opens ``pressroom_query()``, which the canned
    search calls: a query's words in every spelling the archive holds (storage.spellings)."""
    from datasette.plugins import pm

    if pm.get_plugin(_PLUGIN) is None:
        from pressroom import datasette_plugin

        pm.register(datasette_plugin, name=_PLUGIN)


def serve(
    path: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    immutable: bool | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the archive until Ctrl-C or SIGTERM, then return.

    ``immutable=None`` decides with crawl_activity().
    """
    Archive(path, readonly=True).close()  # a clear error for a missing or foreign file
    if only := immutable_only(path):
        # Datasette's mode=ro connections would fail on every page (SQLite cannot
        # create the -shm file), or leave -wal and -shm files beside a file no one
        # may remove them from; open_readonly() says why immutable is right here.
        if immutable is False:
            raise BadInput(
                f"cannot serve {path} with --no-immutable: {only}, "
                "so SQLite can read it only immutable; drop --no-immutable"
            )
        immutable = True
        mode = f"immutable: {only}"
    elif immutable is None:
        reason = crawl_activity(path)
        immutable = reason is None
        mode = "immutable" if immutable else f"read-only, not immutable: {reason}"
    else:
        mode = "immutable" if immutable else "read-only"
    ds = make_datasette(path, immutable=immutable)
    import uvicorn  # a dependency of Datasette

    # Bound here, before anything is printed: a port in use or an unknown host is one
    # line and exit 2, where uvicorn printed "Serving ..." and then its own error, exit 3.
    try:
        sock = listening_socket(host, port)
    except BadInput:
        release_wal(path)  # the reads above made -wal and -shm: leave only the archive
        raise
    port = sock.getsockname()[1]  # the real one when asked for port 0
    asyncio.run(ds.invoke_startup())
    url = f"http://{host}:{port}/{database_name(path)}/articles"
    echo(f"Serving {path} ({mode}) at {url}  (Ctrl-C to stop)")
    # uvicorn stops on SIGINT or SIGTERM, then raises each signal it caught
    # again once it is done: SIGINT as a KeyboardInterrupt (a second Ctrl-C
    # left asyncio to cancel uvicorn's tasks, which logged a traceback), and
    # SIGTERM, whose default action ends the process before the clean-up
    # below. Handled here, they have done their job by then: the normal end
    # of a server, exit 0.
    handlers = {sig: signal.signal(sig, _stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    # lifespan="off": Datasette's start-up ran above. Its lifespan task had
    # nothing left to do but, on a second Ctrl-C, be cancelled with a traceback.
    config = uvicorn.Config(ds.app(), host=host, port=port, log_level="warning", lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        # Datasette's SQL threads wait for queries forever (the program's exit
        # joins them), and its read-only connections cannot remove -wal and
        # -shm: end both (a running query has sql_time_limit_ms), then let
        # SQLite remove the files if no crawl has the archive open.
        if ds.executor is not None:
            ds.executor.shutdown(wait=True, cancel_futures=True)
        for database in ds.databases.values():
            database.close()
        release_wal(path)
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    echo("stopped")


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` for the server; BadInput when it cannot be.

    >>> sock = listening_socket("127.0.0.1", 0)
    >>> sock.getsockname()[1] > 0
    True
    >>> sock.close()
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise BadInput(f"cannot serve on {host}: {getattr(exc, 'strerror', None) or exc}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise BadInput(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _stopped(signum: int, frame: object) -> None:
    """SIGINT or SIGTERM raised again by uvicorn once it has stopped: nothing left to do."""
