"""The crawl's side of a source's boilerplate profile (the storage side is storage.profiles).

    >>> keeper = ProfileKeeper(archive, spider)   # doctest: +SKIP
    >>> keeper.publish()                           # the profile so far, to the spider
    >>> keeper.record(items)                       # after each batch is saved
    >>> keeper.finish(run_id)                      # re-clean this run's texts

The single writer records each stored page's pre-profile blocks, then hands
the spider the current profile (a frozenset of block hashes), which the spider
passes to every extraction, in whichever worker it runs. When the crawl ends
the texts stored in this run are rebuilt with the final profile, so the first
pages of a fresh crawl, extracted before the profile knew the site, are as
clean as the last.
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

    def publish(self) -> frozenset[int]:
        """Give the spider the source's current profile; return it."""
        hashes = profiles.boilerplate(self.archive, self.source)
        self.spider.boilerplate = hashes
        return hashes

    def record(self, items: Iterable[Any]) -> int:
        """Record the blocks of saved article items (those that have blocks), then publish."""
        pages = [
            (item.article["url"], item.article.get("language"), item.template, item.blocks)
            for item in items
            if getattr(item, "blocks", None) is not None
        ]
        if not pages:
            return 0
        done = profiles.record(self.archive, self.source, pages)
        self.publish()
        return done

    def finish(self, run_id: int | None) -> int:
        """Re-clean the texts stored in run ``run_id`` with the final profile."""
        if run_id is None:
            return 0
        return profiles.reclean(self.archive, self.source, run_id)
