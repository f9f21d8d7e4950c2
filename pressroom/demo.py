"""`pressroom demo`: serve the bundled sample site on 127.0.0.1, crawl it, search it.

Example::

    >>> run_demo("pressroom-demo.db", echo=print)   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crawler.lock import crawl_lock
from crawler.run import crawl, summary_line
from crawler.sources import adhoc
from pressroom.demo_site import RELEASES, serve, translations
from storage import Archive, BadInput

SOURCE = "demo"


def run_demo(db: str, echo: Callable[[str], None] = print) -> dict:
    """Serve a sample site, crawl it into ``db`` and print what was stored; return the run.

    A run that did not end "ok" (Ctrl-C: "interrupted") prints only its summary line.
    Each run starts a fresh archive: the site is served on a new port each time, so a
    rerun into the last one stored every release again under new URLs, as duplicates.
    """
    if _remove_previous(db):
        echo(f"replacing the previous demo archive {db}")
    with serve() as server:
        french = translations()
        echo(
            f"serving a sample site of {RELEASES} releases, {french} of them also in French"
            f" ({RELEASES + french} release pages), at {server.url}"
        )
        echo(f"crawling {server.url}/sitemap.xml into {db} ...")
        # The server answers from a thread while Scrapy's reactor runs here;
        # extraction runs in worker processes, so the two barely compete.
        run = crawl(adhoc(sitemap=server.url + "/sitemap.xml", name=SOURCE), db)
    echo(summary_line(run))
    if run["status"] != "ok":
        return run  # interrupted or failed: the caller says so, and no results to show
    with Archive(db, readonly=True) as archive:
        stored = list(archive.articles(limit=5, order="date_published"))
        echo(
            f"\n{archive.stats()['articles']} articles in {Path(db).resolve().name}; the first few:"
        )
        for row in stored:
            date = (row.get("date_published") or "")[:10]
            echo(f"  {date}  [{row.get('language')}]  {row['title']}")
        query = "refugees"
        hits = archive.search(query, limit=3)
        echo(f"\nsearch {query!r}: {len(hits)} best matches")
        for hit in hits:
            echo(f"  {hit['title']}\n    {' '.join((hit.get('snippet') or '').split())}")
    echo(f"\nnext: pressroom search 'detention' --db {db}   |   pressroom export --db {db}")
    return run


def _remove_previous(db: str) -> bool:
    """Delete the archive of an earlier demo at ``db``; True if there was one.

    Raises BadInput for a file that holds other sources (someone's archive) or that
    cannot be removed, and CrawlLocked while another demo crawls into it.
    """
    path = Path(db)
    if not path.exists():
        return False
    with Archive(db, readonly=True) as archive:
        others = [name for name in archive.source_names() if name != SOURCE]
    if others:
        raise BadInput(
            f"{db} holds other sources than the demo's ({', '.join(others)}): "
            "give the demo another --db"
        )
    with crawl_lock(db, SOURCE):
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(db + suffix).unlink(missing_ok=True)
            except OSError as exc:  # an immutable file, another user's in a sticky /tmp
                raise BadInput(
                    f"cannot replace the previous demo archive {db}: {exc.strerror or exc}; "
                    "give the demo another --db"
                ) from None
    return True
