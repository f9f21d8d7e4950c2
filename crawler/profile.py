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

from article.text import block_hash
from crawler.revote import revote
from extraction import nearblocks
from extraction.cleaning import same_text
from storage import Archive, profiles

# Recorded pages the near-repeated blocks are re-learned from when a crawl starts.
NEAR_PAGES = 5000


def learned_near(
    archive: Archive, source: str, *, compact: bool = True
) -> nearblocks.NearDuplicateIndex | None:
    """The near-repeated edge blocks learned from ``source``'s recorded pages, as a crawl
    starts with them (``pressroom reextract`` and ``extract --source`` apply them too);
    None when none is learned. ``compact=False``: the whole index, to go on learning.

    >>> learned_near(archive, "demo") is None  # nothing recorded yet  # doctest: +SKIP
    True
    """
    near = nearblocks.NearDuplicateIndex()
    for url, language, template, blocks in profiles.recent_pages(archive, source, NEAR_PAGES):
        near.add(url, nearblocks.groups(language, template), [b[1] for b in blocks])
    if not compact:
        return near
    small = near.compact()
    return small if small else None


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
        # Near-repeated edge blocks (contact blocks, notices: extraction.nearblocks),
        # learned in memory from the source's last recorded pages and this crawl's.
        self.near = nearblocks.NearDuplicateIndex()
        for url, language, template, blocks in profiles.recent_pages(
            archive, self.source, NEAR_PAGES
        ):
            self.near.add(url, nearblocks.groups(language, template), [b[1] for b in blocks])
        self.near_classes: dict[str, frozenset] = {}  # the classes last handed to the spider
        # The edge signatures of this run's pages, as their workers computed them,
        # for finish() to re-clean with instead of computing them again.
        self.signatures: dict[str, _EdgeSignatures] = {}
        self.voted: list[str] = []  # this run's pages whose body was put to a vote
        # Articles this run stored as updated that finish() found unchanged after all.
        self.restored = 0

    def publish(self) -> frozenset[int]:
        """Give the spider the source's current profile; return it."""
        hashes = profiles.boilerplate(self.archive, self.source)
        near = self.near.compact()
        classes = {g: frozenset(near.classes(g)) for g in near._counts}
        near_changed = self.current is not None and classes != self.near_classes
        if self.current is not None and (hashes != self.current or near_changed):
            # Near classes changing counts as the profile changing: the texts stored
            # so far were cleaned without them. (Pages in flight when only the near
            # classes changed are not tracked: a bounded approximation.)
            self.stale_upto = profiles.last_article_id(self.archive)
            self.stale_urls.clear()
        if hashes == self.current:
            hashes = self.current  # the same object: the pool pickles it once (crawler/pool.py)
        self.current = hashes
        self.near_classes = classes
        self.spider.boilerplate = hashes
        self.spider.near = near if near else None
        return hashes

    def record(self, items: Iterable[Any]) -> int:
        """Record the blocks of saved article items (those that have blocks), then publish."""
        pages = []
        for item in items:
            if getattr(item, "blocks", None) is None:
                continue
            url = item.article["url"]
            pages.append((url, item.article.get("language"), item.template, item.blocks))
            groups = nearblocks.groups(item.article.get("language"), item.template)
            texts = [b[1] for b in item.blocks]
            signatures = getattr(item, "signatures", None)
            self.near.add(
                url, groups, texts, signatures=signatures, also=getattr(item, "seen", None) or ()
            )
            if signatures is not None and len(signatures) == len(texts):
                self.signatures[url] = _EdgeSignatures.of(texts, signatures)
            if getattr(item, "seen", None) is not None:
                self.voted.append(url)  # re-read at the end (crawler.revote)
            used = getattr(item, "profile", None)  # None: not known, so treated as older
            if used is not self.current and used != self.current:
                self.stale_urls.append(url)
        if not pages:
            return 0
        done = profiles.record(self.archive, self.source, pages)
        self.publish()
        return done

    def finish(self, run_id: int | None) -> int:
        """Re-clean the texts of run ``run_id`` that were cleaned with an older profile.

        Returns how many texts changed; ``restored`` is then how many of the run's
        updated articles are their old version again (their revision taken back).
        """
        if run_id is None:
            return 0
        near = self.near.compact()
        rules = getattr(getattr(self.spider, "source", None), "rules", None)
        changed: list[int] = []  # the articles whose text is re-read or re-cleaned here
        if self.voted and rules is not None:  # the vote's choice, made again (issue 17)
            hashes = profiles.boilerplate(self.archive, self.source)
            workers = self.spider.crawler.settings.getint("PRESSROOM_EXTRACT_WORKERS", 0)
            revote(self.archive, self.source, rules, self.voted, boilerplate=hashes,
                   near=near if near else None, workers=workers, changed=changed)  # fmt: skip
        drop = None
        if near:

            def drop(
                language: Any, template: Any, texts: list[str], known: Any, about: Any, url: str
            ) -> list[bool]:
                # As in extraction: walked over, the profile's blocks and the standfirst.
                def walk(text: str) -> bool:
                    return block_hash(text) in known or bool(about and same_text(text, about))

                edge = self.signatures.get(url)
                signatures = edge.expand(texts) if edge is not None else None
                groups = nearblocks.groups(language, template)
                return near.strip(groups, texts, known=walk, signatures=signatures)

        with self.archive.transaction():
            recleaned = profiles.reclean(
                self.archive,
                self.source,
                run_id,
                stale_upto=self.stale_upto,
                stale_urls=self.stale_urls,
                near=drop,
                changed=changed,
            )
            # After a redesign, the texts read before the profile knew the new layout
            # were stored as new versions; cleaned, they are the old text again: the
            # release did not change (README: a version is a change of text, title or
            # dates). Those revisions are taken back; the run counts them unchanged.
            self.restored = self.archive.restore_unchanged(run_id, changed) if changed else 0
        return recleaned


class _EdgeSignatures:
    """A page's edge-block signatures, kept small: the edges only, and a check that
    the blocks re-read at the end are those they were computed from.

    >>> texts = ["Rain fell.", "Body.", "Contact 020 7946 0111"]
    >>> kept = _EdgeSignatures.of(texts, nearblocks.edge_signatures(texts, head=1, tail=1))
    >>> kept.expand(list(texts))
    ['<name> fell', None, '<name> <phone>']
    >>> kept.expand(["Rain fell.", "Body.", "Other"]) is None  # not the same blocks
    True
    """

    __slots__ = ("count", "check", "edges")

    def __init__(self, count: int, check: int, edges: tuple[tuple[int, str], ...]) -> None:
        self.count = count
        self.check = check
        self.edges = edges

    @classmethod
    def of(cls, texts: list[str], signatures: list[str | None]) -> _EdgeSignatures:
        edges = tuple((i, sig) for i, sig in enumerate(signatures) if sig is not None)
        return cls(len(texts), hash(tuple(texts[i] for i, _ in edges)), edges)

    def expand(self, texts: list[str]) -> list[str | None] | None:
        """The signatures aligned with ``texts``, or None if these are other blocks."""
        if len(texts) != self.count or hash(tuple(texts[i] for i, _ in self.edges)) != self.check:
            return None
        out: list[str | None] = [None] * self.count
        for i, sig in self.edges:
            out[i] = sig
        return out
