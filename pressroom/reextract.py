"""Re-run extraction over the raw captures in an archive, with no network.

Example::

    >>> counts = reextract("hrw.db", source="hrw")  # needs a crawled archive  # doctest: +SKIP
    >>> counts  # doctest: +SKIP
    {'new': 0, 'updated': 12, 'unchanged': 930, 'duplicates': 0, 'failed': 1}

For when the extractor or a source's rules improve: every archived release is
extracted again from the response kept in ``captures``; a text that changes
becomes a new version (the old one goes to ``revisions``), exactly as if the
site had changed it.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from article.fields import stored_row
from crawler import sources, stopping
from crawler.lock import crawl_lock
from crawler.profile import learned_near
from crawler.spiders.release import rules_version
from extraction import extract, nearblocks
from storage import Archive, ArchiveError, profiles

BATCH = 200


def rules_for(archive: Archive, source: str) -> sources.Rules:
    """The cleaning rules of ``source``: the file its last crawl used (none for an ad hoc
    crawl), or the bundled one of its name unless that crawl was given a file of the
    user's own (:func:`own_file`). Raises SourceError when that file cannot be read:
    default rules would silently redo every text without the source's own."""
    path = recorded_file(archive, source)
    if source in sources.bundled() and not own_file(path, source):
        return sources.load(source).rules
    return recorded_source(path, source).rules if path else sources.Rules()


def own_file(path: str | None, name: str) -> bool:
    """Whether ``path``, the file a crawl of ``name`` recorded, is the user's own: not the
    bundled source of that name, in this install or in another one (a virtual
    environment moved since). A copy of hrw.toml with rules of its own keeps the name,
    and the archive crawled with it is crawled and re-extracted with it again.

    >>> own_file(str(sources.bundled()["hrw"]), "hrw"), own_file("/srv/my/hrw.toml", "hrw")
    (False, True)
    >>> own_file("/old/venv/lib/site-packages/crawler/sources/hrw.toml", "hrw")
    False
    """
    if not path:
        return False
    file, bundled = Path(path), sources.bundled().get(name)
    if bundled is not None and file == bundled.resolve():
        return False
    return not (file.name == f"{name}.toml" and file.parent.parts[-2:] == ("crawler", "sources"))


def recorded_file(archive: Archive, source: str) -> str | None:
    """The source file the last crawl of ``source`` was given, as recorded; None for an
    ad hoc crawl or a source never crawled."""
    return (last_crawl_options(archive, source) or {}).get("source_file")


def last_crawl_options(archive: Archive, source: str) -> dict[str, Any] | None:
    """The options the last crawl of ``source`` recorded (re-extraction runs, which
    record no source file, are not crawls); None if it was never crawled."""
    for run in archive.runs():
        options = run.get("options") or {}
        if run["source"] == source and "source_file" in options:
            return options
    return None


def recorded_source(path: str, name: str) -> sources.Source:
    """The source file recorded for ``name``, loaded; SourceError (one line saying how to
    pass the file) when it is gone or now names another source.

    Archives made before absolute paths were recorded hold the path as given, relative
    to the folder that crawl ran in: it is looked for in the current folder.
    """
    file = Path(path)
    if not file.is_file():
        where = "" if file.is_absolute() else f" (a relative path: not in {Path.cwd()})"
        raise sources.SourceError(
            f"source {name!r} was crawled with {path}, which cannot be read{where}; "
            f"give the file: --source PATH/TO/{file.name}"
        )
    src = sources.load(file)
    if src.name != name:
        raise sources.SourceError(
            f"{path} now names source {src.name!r}, not {name!r}; "
            f"give the file of {name!r}: --source PATH/TO/FILE.toml"
        )
    return src


def reextract(
    db: str,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
    source_rules: sources.Rules | None = None,
) -> dict[str, int]:
    """Extract every archived release of ``source`` (or all) again; return the counts.

    ``source_rules``: the source's (from a file given on the command line); by default each
    source's own (:func:`rules_for`), all read before anything is written.
    """
    counts = {"new": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "failed": 0}
    with Archive(db) as archive, contextlib.ExitStack() as held:
        # Each source's crawl lock, to the end (CrawlLocked, exit 75, if a crawl runs):
        # the texts saved below come from the captures listed now, and would be written
        # back over the versions a crawl stored meanwhile.
        names = [source] if source else archive.source_names()
        for name in names:
            held.enter_context(crawl_lock(db, name, doing="reextract"))
        # Holding them, a run still "running" of these sources, or of a reextract of
        # them all ("*", which no crawl closes), is one whose process was killed.
        for name in names if source else [*names, "*"]:
            archive.close_abandoned_runs(name)
        targets = [
            (
                row["url"],
                row["fetched_url"] or row["url"],
                row["source"],
                row["capture_hash"],
                row["etag"],
                row["http_last_modified"],
            )
            for row in archive.articles(source=source, order="id")
            if row["capture_hash"]
        ]
        names = dict.fromkeys(target[2] for target in targets)
        rules = {
            name: source_rules if source_rules is not None else rules_for(archive, name)
            for name in names
        }
        learned: dict[str, frozenset[int]] = {}
        # The near-repeated edge blocks, learned and applied as a crawl does: from the
        # recorded pages and from what each vote saw; voted pages are read last, with
        # all of it (crawler.revote), so the order of the archive does not matter.
        index: dict[str, Any] = {}
        near: dict[str, Any] = {}
        later: list[tuple[str, str, str, str, Any, Any]] = []
        run_id = archive.start_run(source or "*", {"reextract": True})
        # Ended by Ctrl-C, SIGTERM or an error: recorded so, as a crawl's run is (before
        # the locks go). Left "running", no crawl would close it.
        held.push(lambda _, exc, __: exc is not None and _stopped(archive, run_id, counts, exc))
        batch: list[dict[str, Any]] = []
        for done, target in enumerate([*targets, None], 1):
            if target is None:  # the voted pages, with what every page taught
                near = {name: _small(found) for name, found in index.items()}
                final, later = later, []
                for target in final:
                    article = _extract(archive, target[3], target[1], rules[target[2]],
                                       learned[target[2]], near[target[2]])  # fmt: skip
                    _keep(archive, article, target, rules, batch, counts, run_id)
                break
            url, fetched_url, name, capture, etag, last_modified = target
            if name not in learned:
                learned[name] = profiles.boilerplate(archive, name)  # the source's profile
                index[name] = learned_near(archive, name, compact=False)
                near[name] = _small(index[name])
            result = _analyse(archive, capture, fetched_url, rules[name], learned[name], near[name])
            if result.seen is not None and result.blocks is not None:
                groups = nearblocks.groups(result.article.get("language"), result.template)
                # The vote's losing readings count as in a crawl (crawler.profile): passed
                # as the blocks' signatures, they were ignored, and the footer the
                # crawl learned from them came back (a review of a new site).
                index[name].add(url, groups, [b[1] for b in result.blocks], also=result.seen)
                later.append(target)
                if progress:
                    progress(done)
                continue
            article = dict(result.article) if result.kind == "article" and result.article else None
            _keep(archive, article, target, rules, batch, counts, run_id)
            if len(batch) >= BATCH:
                _save(archive, batch, run_id, counts)
            if progress:
                progress(done)
        _save(archive, batch, run_id, counts)
        archive.finish_run(
            run_id,
            "ok",
            {
                "articles_updated": counts["updated"],
                "articles_unchanged": counts["unchanged"],
                "failed": counts["failed"],
            },
            message="re-extraction from stored captures",
        )
    return counts


def _stopped(archive: Archive, run_id: int, counts: dict[str, int], exc: BaseException) -> bool:
    """Record the run ``exc`` ended (Ctrl-C, SIGTERM, an error) with what it saved; False:
    ``exc`` goes on. Left "running", no crawl closed it (a reextract of every source is
    no source's), `pressroom runs` showed it running, and serve never opened the archive
    immutable."""
    if isinstance(exc, KeyboardInterrupt):
        by = "SIGTERM" if isinstance(exc, stopping.Terminated) else "Ctrl-C (SIGINT)"
        status, message = "interrupted", f"stopped by {by} before the end"
    else:
        status, message = "failed", " ".join(f"{type(exc).__name__}: {exc}".split())
    done = {"articles_updated": counts["updated"], "articles_unchanged": counts["unchanged"]}
    # The archive may be what failed (a full disk): then the error itself is what to say.
    with contextlib.suppress(ArchiveError, sqlite3.Error):
        archive.finish_run(run_id, status, done | {"failed": counts["failed"]}, message=message)
    return False


def _keep(
    archive: Archive,
    article: dict | None,
    target: tuple[str, str, str, str, Any, Any],
    rules: dict[str, sources.Rules],
    batch: list[dict[str, Any]],
    counts: dict[str, int],
    run_id: int,
) -> None:
    """Queue one re-extracted release for saving, or record why it yielded nothing."""
    url, fetched_url, name, capture, etag, last_modified = target
    if article is None:
        counts["failed"] += 1
        archive.record_failures(
            [{"url": url, "reason": "re-extraction yielded nothing", "source": name}], run_id
        )
        return
    if not article.get("date_published") and not article.get("date_modified"):
        # The page gives no date: the one stored stands (its feed item's date or sitemap
        # lastmod, taken when the crawl stored it; crawler.lastmod.date_hint).
        article["date_published"] = archive.date_published(url)
    crawl = {
        "url": url,
        "fetched_url": fetched_url,
        "source": name,
        "capture_hash": capture,
        "etag": etag,
        "http_last_modified": last_modified,
        "rules_version": rules_version(rules[name]),
    }
    batch.append(stored_row(article, crawl))


def _small(index: Any) -> Any:
    """The learned classes of a near index, or None when it learned none."""
    small = index.compact()
    return small if small else None


def _extract(
    archive: Archive,
    capture: str,
    url: str,
    rules: sources.Rules,
    boilerplate: frozenset[int] = frozenset(),
    near: Any = None,
) -> dict | None:
    result = _analyse(archive, capture, url, rules, boilerplate, near)
    return dict(result.article) if result.kind == "article" and result.article else None


def _analyse(
    archive: Archive,
    capture: str,
    url: str,
    rules: sources.Rules,
    boilerplate: frozenset[int] = frozenset(),
    near: Any = None,
) -> Any:
    record = archive.capture(capture)
    # The stored bytes and their Content-Type, read exactly as the crawl reads a
    # response (a lying charset label must not turn a good text into mojibake).
    result = extract.analyse(
        record["body"],
        url,
        rules,
        release=True,
        boilerplate=boilerplate,
        content_type=record["content_type"],
        near=near,
    )
    return result


def _save(archive: Archive, batch: list[dict[str, Any]], run_id: int, counts: dict) -> None:
    if batch:
        for key, value in archive.save_articles(batch, run_id, fetched=False).items():
            counts[key] += value
        batch.clear()
