"""The crawl's side of a source's boilerplate profile (the storage side is storage.profiles).

    >>> from types import SimpleNamespace
    >>> spider = SimpleNamespace(source=SimpleNamespace(name="demo"))  # needs .source.name
    >>> archive = Archive("press.db")
    >>> run_id = archive.start_run("demo")
    >>> keeper = ProfileKeeper(archive, spider)
    >>> keeper.publish()       # the profile so far, to the spider
    frozenset()
    >>> keeper.record([])      # each batch of saved items, after it is saved; pages recorded
    0
    >>> keeper.finish(run_id)  # when the crawl ends: re-clean this run's texts; how many
    0

The single writer records each stored page's pre-profile blocks, then hands
the spider the current profile (a frozenset of block hashes), which the spider
passes to every extraction, in whichever worker it runs. When the crawl ends
the texts stored in this run with an older profile are rebuilt with the final
one, so the first pages of a fresh crawl, extracted before the profile knew
the site, are as clean as the last. Only those are read again: on a 6,000-page
crawl, re-reading every text of the run took 0.7 s after the last page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storage import Archive, profiles


class ProfileKeeper:
    def __init__(self, archive: Archive, spider: Any) -> None:
        self.archive = archive
        self.spider = spider
        self.source: str = spider.source.name
        self.current: frozenset[int] | None = None  # the profile last handed to the spider
        # Texts of this run cleaned with an older profile than the current one:
        # articles up to this id (stored before it last changed), and these
        # urls (stored since, but extracted before). Bounded: a change clears
        # the urls, which are then covered by the id.
        self.stale_upto: int | None = None
        self.stale_urls: list[str] = []

    def publish(self) -> frozenset[int]:
        """Give the spider the source's current profile; return it."""
        hashes = profiles.boilerplate(self.archive, self.source)
        if self.current is not None and hashes != self.current:
            self.stale_upto = profiles.last_article_id(self.archive)
            self.stale_urls.clear()
        self.current = hashes
        self.spider.boilerplate = hashes
        return hashes

    def record(self, items: Iterable[Any]) -> int:
        """Record the blocks of saved article items (those that have blocks), then publish."""
        pages = []
        for item in items:
            if getattr(item, "blocks", None) is None:
                continue
            url = item.article["url"]
            pages.append((url, item.article.get("language"), item.template, item.blocks))
            used = getattr(item, "profile", None)  # None: not known, so treated as older
            if used is not self.current and used != self.current:
                self.stale_urls.append(url)
        if not pages:
            return 0
        done = profiles.record(self.archive, self.source, pages)
        self.publish()
        return done

    def finish(self, run_id: int | None) -> int:
        """Re-clean the texts of run ``run_id`` that were cleaned with an older profile."""
        if run_id is None:
            return 0
        return profiles.reclean(
            self.archive,
            self.source,
            run_id,
            stale_upto=self.stale_upto,
            stale_urls=self.stale_urls,
        )
