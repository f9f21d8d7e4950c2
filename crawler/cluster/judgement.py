"""The release judge of a cluster crawl: one judge, in the coordinator, as on one machine.

Example (a worker's side, then the coordinator's)::

    >>> relay = RelayJudge()
    >>> relay.reached("https://gov.demo/news/short")
    >>> relay.decide(Seen("https://gov.demo/news/short", "tpl", "page", reason="short"))
    'release'
    >>> note = relay.note("https://gov.demo/news/short", {"listed": None, "lastmod": "2024-01-02"})
    >>> note["seen"]["kind"], note["read_as_release"], note["reached"], relay.take_reached()
    ('page', True, 'https://gov.demo/news/short', [])

:class:`crawler.judging.ReleaseJudge` decides on the pages no rule judges from
every such page the crawl has seen, and holds its verdicts until every section
of the sitemaps was sampled. In a cluster the pages are read by many workers
and the sitemaps by the coordinator: a judge per worker would learn from half
the site, never know the sections listed, and settle its held pages whenever
that worker's queue ran dry. So the worker's spider gets a :class:`RelayJudge`
(it judges nothing: an article is built as if stored, a page the extractor
refused is read again as a release, and what the judge needs, a :class:`Seen`,
travels with the item in the page's result message), and the
coordinator's :class:`CoordinatorJudgement` asks the crawl's one judge, the
spider's own (whose ``expect`` the sitemap feed calls), for every such result:

- ``store`` or ``release``: the item is written as sent;
- ``not``: the page's item becomes a not-a-release record, with the judge's reason;
- ``hold``: nothing is written; the judge keeps the page's URL, listed URL and
  lastmod (a coordinator that dies first records nothing of the page, which the
  next run fetches, as on one machine).

When the frontier is drained, :meth:`CoordinatorJudgement.settle` re-judges the
held pages as :meth:`ReleaseSpider._settle_when_idle` does: releases are fetched
again with their verdict, the others recorded as not releases without a fetch.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import scrapy

from crawler.items import ArticleItem, FailureItem, NotReleaseItem
from crawler.judging import ReleaseJudge, Seen

__all__ = ["CoordinatorJudgement", "RelayJudge"]

SEEN_FIELDS = tuple(f.name for f in dataclasses.fields(Seen))


class RelayJudge(ReleaseJudge):
    """A worker's judge: every unsure page is stored as read, and noted for the coordinator."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: dict[str, Seen] = {}  # url -> what the spider asked about it
        self._asked_as: dict[str, str] = {}  # url -> the URL it was reached as
        self._read: list[str] = []  # URLs reached since the last result was sent

    def expect(self, url: str) -> None:
        """The coordinator reads the sitemaps: it expects the URLs."""

    def reached(self, url: str) -> None:
        self._read.append(url)

    def decide(self, page: Seen) -> str:
        """ "store" for what the extractor read as an article, "release" for an unsure page.

        An unsure page is read again as a release here (what the one-machine spider
        does on a "release" verdict), so that the coordinator, if its judge says so,
        stores it without a second fetch; if not, it records it as no release.
        """
        # The spider notes a page reached just before asking about it: that page
        # travels with its note, so that the coordinator counts it towards its
        # section's sample only when the judge also sees its template. Sent apart
        # (with another page's result, ahead of its own), the help and browse pages
        # counted as sampled long before the judge learned their template was the
        # generic layout, and people pages were judged without it.
        self._asked_as[page.url] = self._read.pop() if self._read else page.url
        self.asked[page.url] = page
        return "release" if page.kind == "page" and not _confident(page) else "store"

    def take_reached(self) -> list[str]:
        out, self._read = self._read, []
        return out

    def note(self, url: str, meta: dict[str, Any]) -> dict[str, Any] | None:
        """What the coordinator needs to judge the page at ``url``; None if none was asked."""
        page = self.asked.pop(url, None)
        if page is None:
            return None
        return {
            "seen": {name: getattr(page, name) for name in SEEN_FIELDS},
            "reached": self._asked_as.pop(url, url),
            "read_as_release": page.kind == "page" and not _confident(page),
            "listed": meta.get("listed"),
            "lastmod": meta.get("lastmod"),
            "lastmod_from": meta.get("lastmod_from"),
            "feed_date": meta.get("feed_date"),
            # The URL as fetched: a page sent again goes there, not to its normal form
            # (a server may answer "/a/" and not "/a").
            "fetched": meta.get("fetched"),
        }


def _confident(page: Seen) -> bool:
    """A verdict by markup (or og:type), which the judge takes as it is (ReleaseJudge.decide)."""
    return page.by_markup or (page.kind == "page" and (page.reason or "").startswith("og:type"))


def _seen(data: dict[str, Any]) -> Seen:
    """A Seen from a message (only its known fields, typed as the judge expects them)."""
    return Seen(
        url=str(data["url"]),
        template=data.get("template"),
        kind=str(data.get("kind")),
        by_markup=bool(data.get("by_markup")),
        reason=data.get("reason"),
        links=[str(u) for u in data.get("links") or []],
        paginated=bool(data.get("paginated")),
    )


class CoordinatorJudgement:
    """The crawl's one judge applied to workers' results, and its held pages settled."""

    def __init__(self, spider: Any, stats: Any) -> None:
        self.spider = spider
        self.judge: ReleaseJudge = spider.judge
        self.stats = stats
        # url -> (listed, lastmod, lastmod_from, feed_date, fetched) of a held page, as
        # ReleaseSpider.held_as
        self.held_as: dict[str, tuple[str, str | None, str | None, str | None, str | None]] = {}

    def reached(self, urls: list[str]) -> None:
        for url in urls:
            self.judge.reached(str(url))

    def apply(self, items: list[Any], note: dict[str, Any]) -> tuple[list[Any], str, Any]:
        """(items to write, the judge's decision, a request to send again or None)."""
        # Reached and judged together, as on one machine (RelayJudge.decide).
        if note.get("reached"):
            self.judge.reached(str(note["reached"]))
        try:
            page = _seen(note["seen"])
        except (KeyError, TypeError, ValueError):
            return items, "store", None  # a damaged note: the worker's reading stands
        decision = self.judge.decide(page)
        read_as_release = bool(note.get("read_as_release"))
        if read_as_release and decision != "release":
            self.stats.inc_value("pressroom/judged_release", -1)  # the worker counted it
        if decision == "store" or (decision == "release" and read_as_release):
            return items, decision, None  # as the worker read it
        # The page's own item (article, failure or no release) gives way to the verdict;
        # the worker counted a page read as no release in pressroom/not_article.
        pages = (ArticleItem, FailureItem, NotReleaseItem)
        counted = any(isinstance(item, NotReleaseItem) for item in items)
        out = [item for item in items if not isinstance(item, pages)]
        again = None
        if decision == "not":
            if not counted:
                self.stats.inc_value("pressroom/not_article")
            reason = self.judge.reasons.get(page.url) or "not a release"
            out.append(NotReleaseItem(note.get("listed") or page.url, reason, note.get("lastmod")))
        elif counted:
            self.stats.inc_value("pressroom/not_article", -1)
        if decision == "release":  # read as no release by the worker: fetched again as one
            self.stats.inc_value("pressroom/judged_release")
            again = self._request(page.url, note, True)
        elif decision == "hold":
            self.stats.inc_value("pressroom/judgement_held")
            self.held_as[page.url] = (
                note.get("listed") or page.url,
                note.get("lastmod"),
                note.get("lastmod_from"),
                note.get("feed_date"),
                note.get("fetched"),
            )
        return out, decision, again

    def settle(self) -> tuple[list[Any], list[NotReleaseItem]]:
        """The held pages re-judged: (releases to fetch again, records of the others)."""
        again: list[Any] = []
        settled: list[NotReleaseItem] = []
        for url, release in self.judge.settle().items():
            listed, seen_lastmod, lastmod_from, feed_date, fetched = self.held_as.pop(
                url, (url, None, None, None, None)
            )
            if release:
                note = {
                    "listed": listed,
                    "lastmod": seen_lastmod,
                    "lastmod_from": lastmod_from,
                    "feed_date": feed_date,
                    "fetched": fetched,
                }
                again.append(self._request(url, note, True))
            else:
                self.stats.inc_value("pressroom/not_article")
                reason = self.judge.reasons.get(url) or "not a release"
                settled.append(NotReleaseItem(listed, reason, seen_lastmod))
        return again, settled

    @property
    def holding(self) -> bool:
        return bool(self.judge.held)

    def _request(self, url: str, note: dict[str, Any], release: bool) -> scrapy.Request:
        meta = {
            "kind": "candidate",
            "listed": note.get("listed") or url,
            "judged": release,
            "lastmod": note.get("lastmod"),
            "lastmod_from": note.get("lastmod_from"),
            "feed_date": note.get("feed_date"),
        }
        spider = self.spider
        return scrapy.Request(
            note.get("fetched") or url,
            callback=spider.parse_page,
            errback=spider.on_error,
            meta=meta,
            dont_filter=True,
        )
