"""The one generic spider: a source file says where releases are; this fetches them.

Example::

    scrapy crawl release -a source=hrw -s PRESSROOM_DB=hrw.db
    scrapy crawl release -a sitemap=http://127.0.0.1:8000/sitemap.xml

Both ways of running it, ``pressroom crawl`` and ``scrapy crawl release``, get
the source's politeness settings here (:func:`source_settings`), in
``from_crawler``.

Discovery (sitemaps, feeds, listing pages, link walking) happens here;
extraction runs in :mod:`crawler.pool` workers; writing is the pipelines' job.
"""

from __future__ import annotations

import hashlib
import sys
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from lxml import etree
from scrapy.exceptions import (
    CannotResolveHostError,
    DontCloseSpider,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from article.fields import stored_row
from crawler import failures, lastmod, middlewares, paging, sources
from crawler.interleave import BySection
from crawler.items import (
    ArticleItem,
    Capture,
    FailureItem,
    LaterPageItem,
    LeftOutItem,
    NotModifiedItem,
    NotReleaseItem,
)
from crawler.judging import JUDGE_VERSION, ReleaseJudge, Seen
from crawler.pool import ExtractionPool
from crawler.settings import DOWNLOAD_MAXSIZE
from extraction.encoding import is_pdf
from extraction.urls import (
    MAX_URL_LENGTH,
    fetchable,
    is_http,
    is_loopback,
    normal_form,
    normalize,
    template,
)
from storage import Archive
from storage.captures import Packed

HTML_TYPES = ("text/html", "application/xhtml+xml")
GZIP_MAGIC = b"\x1f\x8b"
# Sitemap files of an index are fetched before the pages already listed.
SITEMAP_PRIORITY = 10


def source_settings(source: sources.Source) -> dict[str, Any]:
    """Scrapy settings a source asks for: its delay and concurrency, none on the loopback.

    >>> source_settings(sources.adhoc(sitemap="http://127.0.0.1:8000/sitemap.xml"))
    {'DOWNLOAD_DELAY': 0, 'AUTOTHROTTLE_ENABLED': False, 'CONCURRENT_REQUESTS_PER_DOMAIN': 16}
    >>> source_settings(sources.load("hrw"))
    {'DOWNLOAD_DELAY': 1.0, 'CONCURRENT_REQUESTS_PER_DOMAIN': 2}
    """
    if all(is_loopback(domain) for domain in source.allowed_domains):
        # Delays protect other people's servers; this one is on the user's own
        # machine (the demo, tests, benchmarks), so crawl it at full speed.
        return {
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        }
    values: dict[str, Any] = {}
    if source.delay is not None:
        values["DOWNLOAD_DELAY"] = source.delay
    if source.concurrency is not None:
        values["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.concurrency
    return values


class ReleaseSpider(scrapy.Spider):
    name = "release"

    def __init__(
        self,
        source: sources.Source | str | None = None,
        sitemap: str | None = None,
        feed: str | None = None,
        start_url: str | None = None,
        allow: str | None = None,
        deny: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(source, sources.Source):
            self.source = source
        elif source:
            self.source = sources.load(source)
        else:
            # From `scrapy crawl -a allow=...`, one regex each; the CLI passes a Source.
            if not (sitemap or feed or start_url):
                raise sources.SourceError(
                    "scrapy crawl release needs -a source=NAME (a bundled source or a "
                    ".toml file) or -a sitemap=URL (or -a feed=URL, -a start_url=URL)"
                )
            self.source = sources.adhoc(
                sitemap=sitemap,
                feed=feed,
                start_url=start_url,
                allow=(allow,) if allow else (),
                deny=(deny,) if deny else (),
            )
        self.allowed_domains = list(self.source.allowed_domains)
        self.per_template: Counter[str] = Counter()
        self.budget: set[str] = set()
        # Defaults for a spider made without a crawler (tests on saved responses);
        # from_crawler() sets them from the settings.
        self.max_pages = 0
        self.full = False
        self.db: str | None = None
        self.recheck_before: str | None = None
        self.recheck_batch = 0
        self.rechecked: set[str] = set()  # re-validated this run: counted by that, not lastmod
        self.rules_version = rules_version(self.source.rules)
        self.verdict_version = verdict_version(self.source)
        self.max_size = DOWNLOAD_MAXSIZE  # what a gzipped sitemap may inflate to
        # Sitemap entries (url, lastmod) not yet made requests: see _feed(). None
        # yields every entry at once (tests; crawls with a JOBDIR, whose queue
        # must hold every request for a resumed crawl to find them). Handed out
        # one section of the site at a time: the release judge samples every
        # section before its verdicts (crawler.judging, crawler.interleave).
        self.waiting: BySection | None = None
        # Sitemap files requested and not yet read: entries wait until all are
        # (or the crawl idles), so that the first pages fetched span the whole site.
        self.sitemaps_pending = 0
        # The lastmod of each sitemap entry this run did not skip: a feed or
        # listing link may fetch the page before its sitemap is read (then the
        # dupefilter drops the entry's request), and the pipeline still records
        # what the sitemap said of it.
        self.sitemap_lastmods: dict[str, str] = {}
        # How many sitemap entries carry each lastmod (skipped ones too): a value on
        # most of them is the generator's stamp, no date hint (lastmod.stamped).
        self.lastmod_counts: Counter[str] = Counter()
        # Pages no rule judges: the site's URL patterns and templates learned (issue 17).
        self.judge = ReleaseJudge()
        # What a held page is recorded under (as listed, its sitemap lastmod): a page the
        # judge settles as no release is recorded without being fetched again.
        # The third: "sitemap" when that lastmod is a sitemap's (a date hint, see parse_page);
        # the fourth, its feed item's date (the same); the fifth, the URL it was fetched
        # at (a server may answer that form only).
        self.held_as: dict[str, tuple[str, str | None, str | None, str | None, str]] = {}
        # URLs the allow/deny patterns left out, not yet handed to the pipeline
        # (which counts each once a run and lists it): see _left_out().
        self.left_out: list[LeftOutItem] = []
        # The normal forms of the listing pages requested (page 2 on): fetched as
        # listings, never left out, though later pages link back to them ("Previous").
        # A walked page's later pages are these too, and their requests say so in
        # meta["pager"]: in a cluster another worker, whose set lacks them, reads them.
        self.listings: set[str] = set()
        # Those added to it, not yet handed to the pipeline, which takes back the count of
        # any a plain link had fetched and left out before (see _later_page()).
        self.later_pages: list[LaterPageItem] = []
        # A walk's links met at the --depth limit, and the pages it asked for: those
        # of the first never asked for are what the depth held back (held_back_by_depth).
        self.beyond_depth: dict[str, None] = {}
        self.walked: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> ReleaseSpider:
        try:
            spider = super().from_crawler(crawler, *args, **kwargs)
        except sources.SourceError as exc:
            # Bad `scrapy crawl release -a ...` arguments (the CLI checks its own
            # before). Raised from here, Scrapy would start the reactor anyway and
            # print the error as a traceback; a usage error is one line, exit 2.
            message = str(exc).replace("--start-url", "-a start_url").replace("--", "-a ")
            print(f"Error: {message}", file=sys.stderr)
            raise SystemExit(2) from None
        settings = crawler.settings
        if not settings.frozen:
            # Scrapy reads these when it builds the downloader and AutoThrottle,
            # after this method; "spider" priority keeps `-s NAME=VALUE` on top.
            settings.setdict(source_settings(spider.source), priority="spider")
        spider.pool = ExtractionPool(settings.getint("PRESSROOM_EXTRACT_WORKERS"))
        spider.pool.start()  # warms up while robots.txt and the sitemaps are fetched
        spider.max_pages = settings.getint("PRESSROOM_MAX_PAGES")
        spider.max_hops = settings.getint("PRESSROOM_MAX_HOPS")
        spider.max_per_template = settings.getint("PRESSROOM_MAX_PER_TEMPLATE")
        spider.full = settings.getbool("PRESSROOM_FULL")
        spider.db = settings.get("PRESSROOM_DB")
        spider.recheck_before = settings.get("PRESSROOM_RECHECK_BEFORE") or None
        spider.recheck_batch = settings.getint("PRESSROOM_RECHECK_BATCH")
        spider.max_size = settings.getint("DOWNLOAD_MAXSIZE")
        spider.rules_version = rules_version(spider.source.rules)
        spider.verdict_version = verdict_version(spider.source)
        crawler.signals.connect(spider._closed, signal=scrapy.signals.spider_closed)
        if not settings.get("JOBDIR"):
            spider.waiting = BySection()
            crawler.signals.connect(spider._feed, signal=scrapy.signals.response_received)
            crawler.signals.connect(spider._feed_when_idle, signal=scrapy.signals.spider_idle)
        crawler.signals.connect(spider._settle_when_idle, signal=scrapy.signals.spider_idle)
        return spider

    # --- sitemap entries become requests as the scheduler empties -----------

    # Requests the scheduler should hold before more sitemap entries are made
    # requests: enough to keep the downloader busy between two responses.
    FEED_LOW, FEED_HIGH = 64, 256

    def _feed(self, *args: Any, idle: bool = False, **kwargs: Any) -> int:
        """Make waiting sitemap entries requests while the scheduler runs low.

        A sitemap of 50,000 entries yielded at once would sit in Scrapy's
        memory queue as 50,000 requests (~3 KB each, measured); waiting here as
        (url, lastmod) pairs they take a tenth of that, so a crawl's memory no
        longer grows with the size of the site.
        """
        if not self.waiting or (self.sitemaps_pending > 0 and not idle):
            return 0
        stats = self.crawler.stats
        queued = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        if idle:
            queued = 0  # nothing is queued when the crawl is idle, whatever the counts say
        elif queued >= self.FEED_LOW:
            return 0
        batch: list[scrapy.Request] = []
        while self.waiting and queued + len(batch) < self.FEED_HIGH:
            url, lastmod = self.waiting.popleft()
            request = self._candidate(url, lastmod=lastmod, lastmod_from="sitemap")
            if request is not None:
                self.judge.expect(request.meta["listed"])
                batch.append(request)
        # Fetched in the order handed out (one section at a time): Scrapy's default
        # queue is last in, first out.
        lifo = "lifo" in str(self.crawler.settings.get("SCHEDULER_MEMORY_QUEUE", "")).lower()
        for request in reversed(batch) if lifo else batch:
            self.crawler.engine.crawl(request)
        return len(batch)

    def _feed_when_idle(self) -> None:
        # The safety net: whatever the counts say, an idle crawl with entries
        # waiting makes them requests instead of closing.
        while self.waiting:
            if self._feed(idle=True):
                raise DontCloseSpider

    def _settle_when_idle(self) -> None:
        # Pages held by the release judge (the crawl's first pages, judged before
        # the site was known) are fetched again with their final verdict.
        stats = self.crawler.stats
        queued = stats.get_value("scheduler/enqueued", 0) - stats.get_value("scheduler/dequeued", 0)
        if self.waiting or queued > 0 or not self.judge.held:
            return  # not the end: another idle handler just fed sitemap entries
        settled: list[tuple[str, str, str | None]] = []  # the held pages that are no release
        for url, release in self.judge.settle().items():
            listed, seen_lastmod, lastmod_from, feed_date, fetched = self.held_as.pop(
                url, (url, None, None, None, url)
            )
            if not release:
                # Its verdict and reason are known now: nothing to read again (issue 17).
                reason = self.judge.reasons.get(url) or "not a release"
                settled.append((listed, reason, seen_lastmod))
                continue
            meta = {
                "kind": "candidate",
                "listed": listed,
                "judged": release,
                "lastmod": seen_lastmod,
                "lastmod_from": lastmod_from,
                "feed_date": feed_date,
            }
            request = scrapy.Request(
                fetched,
                callback=self.parse_page,
                errback=self.on_error,
                meta=meta,
                dont_filter=True,
            )
            self.crawler.engine.crawl(request)
        if settled:
            # Items reach the pipeline from callbacks only: one request for a data: URL
            # (no network, not counted as a page fetched) carries the verdicts to one.
            self.crawler.engine.crawl(
                scrapy.Request(
                    "data:,",
                    callback=self._record_settled,
                    meta={"settled": settled},
                    dont_filter=True,
                )
            )
        raise DontCloseSpider

    def _record_settled(self, response: Response) -> Iterator[NotReleaseItem]:
        """The held pages the judge settled as no release, recorded as such."""
        self.crawler.stats.inc_value("response_received_count", -1)  # no page was fetched
        for listed, reason, modified in response.meta["settled"]:
            self.crawler.stats.inc_value("pressroom/not_article")
            yield NotReleaseItem(listed, reason, modified)

    def _closed(self, spider: scrapy.Spider) -> None:
        self.pool.close()
        if self._archive is not None:
            self._archive.close()

    # --- what the archive already holds (read-only; the pipeline writes) ----

    _archive: Archive | None = None
    # The source's boilerplate profile (block hashes), kept current by the pipeline.
    boilerplate: frozenset[int] = frozenset()
    near: Any = None  # its near-repeated edge blocks (extraction.nearblocks), the same way
    _first_crawl = False

    def incremental_archive(self, *, this_run: bool = False) -> Archive | None:
        """The archive, read-only, for what to skip; None with --full or no archive yet.

        Also None during a source's first crawl, unless ``this_run`` (what this
        crawl stored counts): a release stored during this run was requested in
        it, and the dupefilter stops a second request, so a first crawl saves a
        query per link. A listing still stops paging at releases this run stored.
        ConditionalRequestMiddleware reads its validators from here too.
        """
        if self._archive is None:
            # Asked for every request: a stat() each is a noticeable cost.
            if self.full or not self.db or not Path(self.db).exists():
                return None
            self._archive = Archive(self.db, readonly=True)
            name = self.source.name
            self._first_crawl = not (
                self._archive.has_articles(name) or self._archive.has_pages(name)
            )
        return None if self._first_crawl and not this_run else self._archive

    def _learn_archived(self) -> None:
        """Teach the judge the releases archived by earlier crawls (pages decide here)."""
        archive = self.incremental_archive()
        if archive is None or self.source.allow:
            return
        for url, layout in archive.release_layouts(self.source.name):
            self.judge.archived(url, layout)

    def _known(self, url: str, *, this_run: bool = False) -> bool:
        """True if ``url`` is archived (for incremental crawls; always False with --full)."""
        archive = self.incremental_archive(this_run=this_run)
        return archive is not None and bool(archive.known([url]))

    def _unchanged(self, entries: list[tuple[str, str | None]]) -> dict[str, str]:
        """The sitemap entries (url, lastmod) not to fetch, with their stored verdict.

        An entry is skipped when its lastmod is the one the site gave when its
        page was last fetched (see crawler.lastmod): a release, or a page judged
        not a release by the same rules (:func:`verdict_version`: the cleaning
        rules, the allow and deny patterns, the judge's version). One archive
        query per 500 entries.
        """
        archive = self.incremental_archive()
        if archive is None:
            return {}
        dated = [url for url, seen in entries if seen]
        stored = archive.seen_pages(self.source.name, dated) if dated else {}
        unchanged = {}
        for url, seen in entries:
            page = stored.get(url)
            if page is None or lastmod.moved(page["lastmod"], seen, page["checked_at"]):
                continue
            if page["verdict"] == "outside_patterns":
                continue  # the patterns decide again, this run's
            if page["verdict"] == "release" or page["rules_version"] == self.verdict_version:
                unchanged[url] = page["verdict"]
        return unchanged

    # --- entry points ---------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        src = self.source
        self._learn_archived()
        stale = self._stale()
        self.rechecked = {normalize(url) for url in stale}
        requests = [
            *(self._request(url, self.parse_sitemap, kind="sitemap") for url in src.sitemaps),
            *(self._request(url, self.parse_feed, kind="feed") for url in src.feeds),
            *(
                self._request(u, self.parse_page, kind="listing", listing_page=1)
                for u in src.listings
            ),
            *(self._request(url, self.parse_page, kind="walk", hops=0) for url in src.start_urls),
            *(self._candidate(url, recheck=True) for url in stale),
        ]
        for request in requests:
            if request is not None:
                yield request

    def _stale(self) -> list[str]:
        """--recheck-older-than: archived releases to re-validate this run, oldest first.

        Each at the URL its capture was fetched at when that is the same page
        (a body shared by two pages names the first): "/a/" on a site that
        answers "/a" with 404.
        """
        if not self.recheck_before or not self.db or not Path(self.db).exists():
            return []
        with Archive(self.db, readonly=True) as archive:
            stale = archive.stale_urls(self.source.name, self.recheck_before, self.recheck_batch)
        return [url if not found or normal_form(found) != url else found for url, found in stale]

    def _request(self, url: str, callback: Any, **meta: Any) -> scrapy.Request | None:
        """A request for ``url`` as the site gave it; budgets and filters use its normal form."""
        if callback == self.parse_page:
            key = normalize(url)
            if not self._within_budget(key):
                return None
            if self.source.follow_links:
                self._note_walked(key)
        if callback == self.parse_sitemap:
            self.sitemaps_pending += 1
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta)

    def _within_budget(self, url: str) -> bool:
        """--max-pages: at most N distinct HTML pages are ever requested.

        Counted when a request is made, not when its response arrives, so no
        page beyond the limit is downloaded. The set is only kept with a limit,
        and holds at most that many URLs.
        """
        if not self.max_pages or url in self.budget:
            return True
        if len(self.budget) >= self.max_pages:
            self.crawler.stats.inc_value("pressroom/over_max_pages")
            return False
        self.budget.add(url)
        return True

    def _wanted(self, url: str) -> bool:
        return self._in_scope(url) and not self.source.is_denied(url)

    def _in_scope(self, url: str) -> bool:
        """An http(s) URL of the source's domains, not absurdly long: one it may fetch."""
        host = urlsplit(url).hostname or ""
        return (
            is_http(url)
            and len(url) <= MAX_URL_LENGTH
            and sources.domain_allowed(host, self.source.allowed_domains)
        )

    def _outside_patterns(self, key: str, pager: bool = False) -> bool:
        """True, and the URL kept to be counted and listed, when the source's allow or
        deny patterns leave ``key`` (a normal form of its domains) out. ``pager``: it is
        a walked page's later page (its request's meta says so), never kept."""
        if self.source.is_denied(key):
            why = "matches a deny pattern"
        elif self.source.is_release_url(key) is False:
            why = "matches no allow pattern"
        else:
            return False
        listing = pager or key in self.listings
        if self._in_scope(key) and key not in self._entry_keys() and not listing:
            self.left_out.append(LeftOutItem(key, why))
        return True

    def _entry_keys(self) -> frozenset[str]:
        """The normal forms of the source's entry points: fetched as such, never left out
        (a listing links to itself)."""
        if self._entries is None:
            keys = (normal_form(url) for url in self.source.entry_points)
            self._entries = frozenset(key for key in keys if key is not None)
        return self._entries

    _entries: frozenset[str] | None = None

    def _left_out(self) -> Iterator[LeftOutItem | LaterPageItem]:
        """The left-out URLs kept so far, and the later pages named since, to be yielded
        from a callback (items reach the pipeline from callbacks only); the pipeline counts
        each left-out URL once a run, unless it is a later page."""
        left, self.left_out = self.left_out, []
        later, self.later_pages = self.later_pages, []
        yield from left
        yield from later

    def _later_page(self, key: str) -> None:
        """``key`` (a normal form) is a listing's or walked page's later page: never left
        out. The pipeline is told too: a plain link to it may have fetched it before the
        page naming it was read (the request made here then a duplicate, dropped), and it
        was counted and recorded outside --allow, here or by another worker of a cluster."""
        if key not in self.listings:
            self.listings.add(key)
            self.later_pages.append(LaterPageItem(key))

    def _candidate(self, url: str, *, new_only: bool = False, **meta: Any) -> scrapy.Request | None:
        """A request for a page that may be a release, or None if rules exclude it.

        ``new_only`` (links from feeds, listings and translations): where the
        source has sitemaps, an archived release is left to its sitemap entry,
        whose lastmod says whether it changed, and to --recheck-older-than.
        Refetching it from a feed would cost a download whenever the page's
        furniture ("Most Viewed", latest news) changed its ETag, which on most
        sites is every time something is published.
        """
        key = normal_form(url)
        if key is None or self._outside_patterns(key) or not self._wanted(key):
            return None
        if new_only and self.source.sitemaps and self._known(key):
            self.crawler.stats.inc_value("pressroom/known_skipped")
            return None
        # Fetched as the sitemap or link gave it (a server may answer "/a/" and not
        # "/a"); "listed": its normal form, the key of its pages row.
        return self._request(fetchable(url), self.parse_page, kind="candidate", listed=key, **meta)

    # --- sitemaps and feeds ---------------------------------------------

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self.sitemaps_pending = max(0, self.sitemaps_pending - 1)
        body = response.body
        if body[:2] == GZIP_MAGIC:
            try:
                # Capped: a small .xml.gz can inflate to gigabytes (a gzip bomb).
                body = middlewares.inflate(body, self.max_size)
            except middlewares.TooBig as exc:
                yield _not_listed(response, f"sitemap {exc}")
                return
            except (OSError, EOFError, zlib.error) as exc:
                yield _not_listed(response, f"broken gzip sitemap: {exc}")
                return
        try:
            sitemap = Sitemap(body)
            kind = sitemap.type
        except (etree.XMLSyntaxError, StopIteration, ValueError, TypeError):
            kind = None
        if kind not in ("sitemapindex", "urlset"):
            yield _not_listed(response, "not a sitemap (no urlset or sitemapindex)")
            return
        entries: list[tuple[str, str | None]] = []  # (normal form, lastmod)
        fetched: list[str] = []  # each entry's URL as the sitemap gives it
        for entry in sitemap:
            loc = (entry.get("loc") or "").strip()
            if not loc:
                continue
            url = normal_form(loc, response.url)
            if url is None:
                continue  # not a URL (http://[::1, a port over 65535): skip the entry
            if kind == "sitemapindex":
                allow = self.source.sitemap_allow
                if self._wanted(url) and (not allow or any(p in url for p in allow)):
                    # Read before pages (Scrapy's queue is last in, first out): the
                    # release judge knows the site's sections from all of them.
                    request = self._request(
                        fetchable(loc, response.url), self.parse_sitemap, kind="sitemap"
                    )
                    yield request.replace(priority=SITEMAP_PRIORITY)  # never None
            elif not self._outside_patterns(url):  # counted now, not held in `waiting`
                entries.append((url, entry.get("lastmod")))
                fetched.append(fetchable(loc, response.url))
        self.lastmod_counts.update(seen.strip() for _, seen in entries if seen)
        unchanged = self._unchanged(entries)
        for (url, seen), link in zip(entries, fetched, strict=True):
            verdict = unchanged.get(url)
            if verdict is not None:
                skipped = "lastmod_skipped" if verdict == "release" else "not_release_skipped"
                if url not in self.rechecked:
                    self.crawler.stats.inc_value(f"pressroom/{skipped}")
                continue
            if seen:
                self.sitemap_lastmods[url] = seen
            if self.waiting is not None:
                self.waiting.append((link, seen))
            else:
                request = self._candidate(link, lastmod=seen, lastmod_from="sitemap")
                if request is not None:
                    self.judge.expect(url)
                    yield request
        yield from self._left_out()
        if self.waiting:
            self._feed()

    def parse_feed(self, response: Response) -> Iterator[Any]:
        try:
            root = etree.fromstring(
                response.body, etree.XMLParser(recover=True, resolve_entities=False)
            )
        except etree.XMLSyntaxError:
            root = None
        # Recovering parses an HTML page too (a feed URL that now sends to the home page).
        if root is None or etree.QName(root).localname.lower() not in FEED_ROOTS:
            yield _not_listed(response, "not an RSS or Atom feed")
            return
        entries = []  # (normal form, updated, the link as the feed gives it)
        published: dict[str, str] = {}
        for link, updated, date in _feed_entries(root):
            url = normal_form(link, response.url)
            if url is not None:
                entries.append((url, updated, fetchable(link, response.url)))
                if date:
                    published[url] = date
        # An item's date is the page's date hint (parse_page), unless the feed writes
        # the same one on most items: its build time (lastmod.stamped), no date.
        dates = Counter(published.values())
        total = len(published)
        published = {u: d for u, d in published.items() if not lastmod.stamped(d, dates, total)}
        if self.source.sitemaps:
            # The sitemap's lastmod governs archived releases; a feed only adds new
            # ones (one stored lastmod per page: two clocks would disagree forever).
            entries = [(url, None, link) for url, _, link in entries]
        unchanged = self._unchanged([(url, updated) for url, updated, _ in entries if updated])
        for url, updated, link in entries:
            if not updated:
                request = self._candidate(link, new_only=True, feed_date=published.get(url))
            elif url in unchanged:
                if url not in self.rechecked:
                    self.crawler.stats.inc_value("pressroom/lastmod_skipped")
                continue
            else:
                # Atom's <updated> moves when the entry is edited (RSS's pubDate
                # does not): the same rule as a sitemap's <lastmod>.
                self.sitemap_lastmods[url] = updated
                request = self._candidate(link, lastmod=updated, feed_date=published.get(url))
            if request is not None:
                yield request
        yield from self._left_out()

    # --- HTML pages -----------------------------------------------------

    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        meta = response.meta
        if response.status == 304:
            async for thing in self._not_modified(response):
                yield thing
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        # A PDF is extracted when the source's patterns say it is a release.
        pdf = is_pdf(content_type, response.body[:8]) and self.source.is_release_url(
            normalize(response.url)
        )
        html_page = isinstance(response, TextResponse) and any(
            t in content_type for t in HTML_TYPES
        )
        if not pdf and not html_page:
            self.judge.reached(_asked(response))
            shown = content_type.split(";")[0] or "no content type"
            self.crawler.stats.inc_value("pressroom/not_html")
            yield FailureItem(response.url, f"not HTML ({shown})", response.status)
            return

        kind = meta.get("kind")
        url = normalize(response.url)
        verdict = False if kind == "listing" else self.source.is_release_url(url)
        judged = meta.get("judged")  # the release judge's final word on a held page
        if judged is not None:
            verdict = judged or None
        walking = kind == "walk" or self.source.follow_links
        hops = meta.get("hops", 0)
        profile = self.boilerplate  # the profile this page is cleaned with
        # The bytes, decoded by the worker (not response.text: servers mislabel
        # charsets, see extraction/encoding.py): the crawl process never decodes a page.

        def analyse(release: bool | None, want_links: bool, next_page: str = "") -> Any:
            return self.pool.analyse(
                response.body,
                response.url,  # as fetched: relative links resolve against it
                self.source.rules,
                content_type=content_type,
                boilerplate=profile,
                near=self.near,
                pack=True,
                release=release,
                want_links=want_links,
                next_page=next_page,
            )

        result = await analyse(
            verdict,
            kind == "listing" or walking or verdict is None,
            self.source.next_page if kind == "listing" or self._pages_of(url, meta) else "",
        )
        # Counted once read, not when it arrives: its template is what the judge
        # must have seen of a section before calling it sampled.
        self.judge.reached(_asked(response))
        decision = "store"
        if verdict is None and kind != "listing" and result.kind != "failed":
            decision = "not" if judged is False else self.judge.decide(_seen(url, result))
            if decision == "release":  # short, but shaped like the site's releases
                self.crawler.stats.inc_value("pressroom/judged_release")
                result = await analyse(True, walking)
            elif decision == "hold":
                self.crawler.stats.inc_value("pressroom/judgement_held")
                self.held_as[url] = (
                    meta.get("listed") or url,
                    meta.get("lastmod"),
                    meta.get("lastmod_from"),
                    meta.get("feed_date"),
                    response.url,
                )
                for request in self._follow(result, meta, walking, hops):
                    yield request
                for item in self._left_out():
                    yield item
                return
            elif decision == "not":
                result.kind = "page"
                result.reason = self.judge.reasons.get(url) or result.reason

        for request in self._follow(result, meta, walking, hops):
            yield request
        for item in self._left_out():
            yield item

        if result.kind == "article":
            extracted = result.article or {}
            crawl = {
                "url": self._key(url, extracted.get("canonical_url")),
                "fetched_url": url,
                "source": self.source.name,
                "etag": _header(response, "ETag"),
                "http_last_modified": _header(response, "Last-Modified"),
                "rules_version": self.rules_version,
            }
            article = stored_row(extracted, crawl)  # capture_hash: set when the capture is stored
            hint = self._date_hint(meta, article)
            if hint is not None:
                article["date_published"] = hint
            yield ArticleItem(
                article,
                _capture(response, result.packed),
                blocks=result.blocks,
                template=result.template,
                signatures=result.signatures,
                seen=result.seen,
                removed_share=result.removed_share,
                profile=profile,
                listed=meta.get("listed"),
                lastmod=meta.get("lastmod"),
                date_hint=hint,
            )
        elif result.kind == "failed":
            reason = result.reason or "extraction failed"
            capture = _capture(response, result.packed) if result.keeps_body else None
            yield FailureItem(url, reason, response.status, capture)
        elif kind == "walk" and verdict is False:
            # A page the walk went through that the patterns leave out: counted and
            # listed as a sitemap entry they leave out is (with the rule), not judged.
            self._outside_patterns(url, pager=bool(meta.get("pager")))
            for item in self._left_out():
                yield item
        else:
            self.crawler.stats.inc_value("pressroom/not_article")
            self.logger.debug("not a release: %s (%s)", url, result.reason)
            if kind != "listing":  # a listing is one by the source's word, not judged
                reason = result.reason or "not a release"
                yield NotReleaseItem(meta.get("listed") or url, reason, meta.get("lastmod"))

    async def _not_modified(self, response: Response) -> AsyncIterator[Any]:
        """A 304: the archived release is current. A walk goes on through the links of
        the page it was last read from in full (its capture), as it would through the
        page itself: a release linked only from releases is rechecked, and found when
        new, on every rerun (a 304 has no body, and the walk ended there).

        A walked page archived without its page (stored by other means than a crawl)
        is asked for once more, in full: its links are nowhere else. A cluster's workers,
        which hold no captures, hand a walked page's 304 to the coordinator, which runs
        this (crawler/cluster/walks.py).
        """
        meta = response.meta
        walking = meta.get("kind") == "walk" or self.source.follow_links
        stats = self.crawler.stats
        result = None
        # A 304 answers validators the archive gave: a walk's archive is there (in a
        # cluster, the coordinator's: workers send it walked 304s, crawler.cluster.walks).
        archive = self.incremental_archive() if walking else None
        if archive is not None:
            page = archive.last_read(meta.get("listed") or normalize(response.url))
            if page is not None:
                body, content_type = page
                # Links only (release=False): nothing is extracted, nothing stored.
                result = await self.pool.analyse(
                    body,
                    response.url,
                    self.source.rules,
                    content_type=content_type,
                    release=False,
                    want_links=True,
                )
            if result is None or result.kind == "failed":
                stats.inc_value("pressroom/read_again_for_links")
                self.logger.info("read again in full for its links (not kept): %s", response.url)
                yield _in_full(response.request)
                return
        self.judge.reached(_asked(response))
        stats.inc_value("pressroom/not_modified")
        yield NotModifiedItem(normalize(response.url), meta.get("listed"), meta.get("lastmod"))
        if result is not None:
            for request in self._follow(result, meta, True, meta.get("hops", 0)):
                yield request
            for item in self._left_out():
                yield item

    def _date_hint(self, meta: dict[str, Any], article: dict[str, Any]) -> str | None:
        """The date of a page that gives none of its own: its feed item's date, else its
        sitemap <lastmod> (issue 17). The pipeline keeps a date stored before.

        A feed's pubDate (Atom's published, else updated) says when the release was
        published; a lastmod, when the page last changed. Each use is counted in the
        crawl's stats (``pressroom/dated_by_feed``, ``pressroom/dated_by_lastmod``).
        """
        own = article["date_published"], article["date_modified"]
        stats = self.crawler.stats
        hint = lastmod.date_hint(*own, meta.get("feed_date"))
        if hint is not None:
            stats.inc_value("pressroom/dated_by_feed")
            return hint
        if meta.get("lastmod_from") != "sitemap":
            return None
        hint = lastmod.date_hint(*own, meta.get("lastmod"))
        counts = self.lastmod_counts
        if hint is not None and lastmod.stamped(hint, counts, counts.total()):
            stats.inc_value("pressroom/lastmod_stamp_not_a_date")
            return None
        if hint is not None:
            stats.inc_value("pressroom/dated_by_lastmod")
        return hint

    def _all_known(self, keys: list[str]) -> bool:
        """True when every release linked from a listing page (``keys``: the links'
        normal forms) is archived: stop paging.

        Listings run newest first, so a page of known releases means the rest
        are known too. Only where patterns say which links are releases.
        """
        releases = [url for url in keys if self.source.is_release_url(url)]
        if not releases or self.full or not self.source.stop_when_known:
            return False
        if all(self._known(url, this_run=True) for url in releases):
            self.crawler.stats.inc_value("pressroom/listing_stopped")
            return True
        return False

    def _key(self, url: str, canonical: str | None) -> str:
        # The canonical link names the release, unless it points off-site (a
        # syndicated copy or a misconfigured CMS) or, where patterns say which
        # URLs are releases, to a page that is none (every page naming the home page).
        if (
            canonical
            and self._wanted(canonical)
            and self.source.is_release_url(canonical) is not False
        ):
            return canonical
        return url

    def _follow(
        self, result: Any, meta: dict[str, Any], walking: bool, hops: int
    ) -> Iterator[scrapy.Request]:
        for url in result.alternates.values():
            request = self._candidate(url, new_only=True)
            if request is not None:
                yield request
        if meta.get("kind") == "listing":
            page = meta.get("listing_page", 1)
            # Links also on the previous listing page are the template's boxes
            # ("Most Viewed", latest news), not this page's entries: they would
            # keep a listing paging whenever a new release is still unsaved.
            before = meta.get("listing_links", frozenset())
            hashed = {key: _url_hash(key) for key in result.link_keys}
            own = [key for key, hashed_key in hashed.items() if hashed_key not in before]
            # The listing's own pages ("Next", and a numbered pager's "3"): paged through
            # below, one after the other; never candidates (crawler.paging).
            pagers = _pager_keys(result)
            if page < self.source.max_listing_pages and not self._all_known(own):
                for url in result.next_pages[:1]:
                    key = normalize(url)
                    request = self._wanted(key) and self._request(
                        url,
                        self.parse_page,
                        kind="listing",
                        listing_page=page + 1,
                        listing_links=frozenset(hashed.values()),
                    )
                    if request:
                        self._later_page(key)
                        yield request
            for url, key in zip(result.links, result.link_keys, strict=True):
                # Without article patterns every link is a candidate and the page
                # decides; _candidate drops links the patterns exclude.
                if url not in result.next_pages and key not in pagers:
                    request = self._candidate(url, new_only=True)
                    if request is not None:
                        yield request
        elif walking and hops < self.max_hops:
            # The later pages of a walked page (the start page, a tag or section page, or
            # one of their later pages) are that page, not pages the patterns leave out.
            pagers: set[str] = set()
            if self._pages_of(normalize(result.url), meta):
                pagers = _pager_keys(result)
            for url, key in zip(result.links, result.link_keys, strict=True):
                if not self._wanted(key):
                    continue
                shape = template(url)
                self.per_template[shape] += 1
                if self.per_template[shape] > self.max_per_template:
                    self.crawler.stats.inc_value("pressroom/trap_skipped")
                    continue
                # A later page says so in its meta: another worker of a cluster may read it.
                mark = {"pager": True} if key in pagers else {}
                request = self._request(
                    url, self.parse_page, kind="walk", hops=hops + 1, **self._walk_key(key), **mark
                )
                if request is not None:
                    if key in pagers:
                        self._later_page(key)
                    yield request
        elif walking:
            for key in result.link_keys:
                if key not in self.walked and self._wanted(key):
                    self._note_beyond_depth(key)

    def _pages_of(self, url: str, meta: dict[str, Any]) -> bool:
        """Whether a walk reads ``url``'s pager (``meta``: its request's), with allow
        patterns (which would leave its later pages out): the page the walk starts from,
        a page the patterns leave out (a tag or section page), or one of their later
        pages (marked so by the request, or met by this process).

        Not a release's: its "Next" is the next release (WordPress marks it
        ``rel="next"``), and where pages decide (no patterns) a pager would make the
        judge call a release a listing (crawler.judging).
        """
        return (
            meta.get("kind") == "walk"
            and bool(self.source.allow)
            and (
                url in self._entry_keys()
                or bool(meta.get("pager"))
                or url in self.listings
                or self.source.is_release_url(url) is False
            )
        )

    def _note_walked(self, key: str) -> None:
        """A page the walk asked for (a cluster's workers tell the coordinator too)."""
        self.walked.add(key)

    def _note_beyond_depth(self, key: str) -> None:
        """A link the walk met at the --depth limit (a cluster's workers tell the coordinator)."""
        self.beyond_depth[key] = None

    def held_back_by_depth(self) -> list[str]:
        """The links a walk met at the --depth limit and never asked for, in the order
        met: the run names them (the summary line would look complete without)."""
        return [url for url in self.beyond_depth if url not in self.walked]

    def _walk_key(self, key: str) -> dict[str, str]:
        """A walk link's "listed" key (its normal form), as a candidate's: its validators
        are looked up by it (a 304 is recorded under it). None for a link the allow
        patterns leave out: the walk reads it for its links only, and a 304 would have none."""
        return {} if self.source.is_release_url(key) is False else {"listed": key}

    # --- failures -------------------------------------------------------

    def on_error(self, failure: Failure) -> Iterator[FailureItem]:
        request = failure.request  # type: ignore[attr-defined]
        # After redirects, record the URL that was asked for, not the last hop.
        asked = (request.meta.get("redirect_urls") or [request.url])[0]
        self.judge.reached(normalize(asked))
        if request.meta.get("kind") == "sitemap":
            self.sitemaps_pending = max(0, self.sitemaps_pending - 1)
            self._feed()  # the entries of the sitemaps read may wait for this one
        if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            self.crawler.stats.inc_value("pressroom/robots_skipped")
            return
        status = failure.value.response.status if failure.check(HttpError) else None
        described = failures.describe(failure, self.crawler.settings)
        if described is not None:
            reason = described
        elif failure.check(HttpError):
            reason = f"HTTP {status}"
        elif failure.check(DNSLookupError, CannotResolveHostError):
            reason = "DNS lookup failed"
        elif failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
            reason = "timed out"
        elif failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
            reason = "connection refused"
        else:
            reason = f"{type(failure.value).__name__}: {failure.value}".strip().rstrip(":")
        # As asked, not normalized: the URL quoted must be the one that failed.
        yield FailureItem(asked, reason.splitlines()[0], status)


def _seen(url: str, result: Any) -> Seen:
    return Seen(
        url,
        result.template,
        result.kind,
        by_markup=result.by_markup,
        reason=result.reason,
        links=result.link_keys,  # compared with pages' keys
        paginated=bool(result.next_pages),
    )


def _in_full(request: scrapy.Request) -> scrapy.Request:
    """``request`` again without its validators (a 304 would answer it again): its
    ``read_in_full`` meta keeps the conditional middleware off it."""
    meta = {k: v for k, v in request.meta.items() if k != "handle_httpstatus_list"}
    headers = {
        k: v
        for k, v in request.headers.items()
        if k.lower() not in (b"if-none-match", b"if-modified-since")
    }
    return request.replace(headers=headers, meta={**meta, "read_in_full": True}, dont_filter=True)


def _not_listed(response: Response, reason: str) -> FailureItem:
    """A sitemap or feed that lists nothing, recorded under the URL asked for.

    That is the entry point the user gave (the run's message names it); a redirect
    is said, since it is often the cause (a moved sitemap now sends to the home page).
    """
    asked = (response.meta.get("redirect_urls") or [response.url])[0]
    if asked != response.url:
        reason += f" (redirected to {response.url})"
    return FailureItem(asked, reason, response.status)


def _asked(response: Response) -> str:
    """The URL the request asked for, before redirects (the one the judge expected)."""
    return normalize((response.meta.get("redirect_urls") or [response.url])[0])


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def rules_version(rules: sources.Rules) -> str:
    """A short fingerprint of a source's cleaning rules, stored with each article.

    >>> len(rules_version(sources.Rules()))
    12
    """
    return hashlib.sha256(repr(rules).encode()).hexdigest()[:12]


def verdict_version(source: sources.Source) -> str:
    """A short fingerprint of what judges a page of ``source``, stored with each page
    verdict: a page known as no release is judged again when it changes (an
    ``--allow`` added to undo a wrong verdict, a new judge).

    >>> verdict_version(sources.adhoc(sitemap="https://x.org/s.xml")) != verdict_version(
    ...     sources.adhoc(sitemap="https://x.org/s.xml", allow=("/news/",)))
    True
    """
    # The judge decides only where no allow pattern does.
    judge = "" if source.allow else JUDGE_VERSION
    parts = (rules_version(source.rules), source.allow, source.deny, judge)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:12]


def _capture(response: Response, packed: Packed | None = None) -> Capture:
    """The response as the archive keeps it; ``packed``: its body, hashed and compressed
    by the extraction worker (then the raw bytes are not held until the batch is written)."""
    headers = {
        k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()
    }
    return Capture(
        url=response.url,
        status=response.status,
        headers=headers,
        body=response.body if packed is None else packed,
        content_type=headers.get("Content-Type", ""),
    )


def _pager_keys(result: Any) -> set[str]:
    """The links of a page's result that are its own later pages (crawler.paging)."""
    return paging.pager_keys(
        result.link_keys,
        map(normalize, result.next_pages),
        normalize(result.url),
        result.beside_next,
    )


def _url_hash(url: str) -> int:
    """A stable 64-bit key for a URL (request meta is pickled into JOBDIR)."""
    return int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big")


# The root elements of RSS 2.0, RSS 1.0 (RDF) and Atom.
FEED_ROOTS = ("rss", "rdf", "feed")


def _feed_entries(root: Any) -> list[tuple[str, str | None, str | None]]:
    """(link, updated, published) of each RSS item and Atom entry: updated from Atom's
    <updated>; published from RSS's <pubDate> (as ISO 8601), Atom's <published>, else
    its <updated>.

    >>> atom = etree.fromstring(
    ...     b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/a"/>'
    ...     b"<updated>2026-01-12T09:30:00Z</updated></entry></feed>")
    >>> _feed_entries(atom)
    [('/a', '2026-01-12T09:30:00Z', '2026-01-12T09:30:00Z')]
    >>> rss = (b"<rss><channel><item><link>/b</link>"
    ...        b"<pubDate>Sun, 06 Oct 2024 09:30:00 +0000</pubDate></item></channel></rss>")
    >>> _feed_entries(etree.fromstring(rss))
    [('/b', None, '2024-10-06T09:30:00+00:00')]
    """
    found: list[tuple[str, str | None, str | None]] = []
    for node in root.xpath("//*[local-name()='item' or local-name()='entry']"):
        if etree.QName(node).localname == "item":
            links = node.xpath("*[local-name()='link']/text()")
        else:
            links = node.xpath("*[local-name()='link'][not(@rel) or @rel='alternate']/@href")
        if not links or not links[0].strip():
            continue
        updated = _first(node, "updated")
        published = _rss_date(_first(node, "pubDate")) or _first(node, "published") or updated
        found.append((links[0].strip(), updated, published))
    return found


def _first(node: Any, name: str) -> str | None:
    """The text of the node's first child element ``name`` (any namespace), stripped."""
    texts = node.xpath(f"*[local-name()='{name}']/text()")
    return texts[0].strip() or None if texts else None


def _rss_date(value: str | None) -> str | None:
    """An RFC 822 date (RSS's pubDate) as ISO 8601, or None.

    >>> _rss_date("Tue, 28 May 2024 09:30:00 GMT"), _rss_date("soon")
    ('2024-05-28T09:30:00+00:00', None)
    """
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
