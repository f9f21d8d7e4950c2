"""Scrapy settings for pressroom: polite to real sites by default.

`crawler.run` overrides a few per crawl (the database, limits) and, for a site
on the loopback interface (the demo, the tests, the benchmarks), drops the
politeness delays: there is nobody to be polite to.
"""

from crawler import __version__

BOT_NAME = "pressroom"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- Identity and manners -------------------------------------------------
# Name the bot and give site owners a way to reach whoever runs it
# (`pressroom crawl --contact you@example.org` or PRESSROOM_CONTACT).
PRESSROOM_CONTACT = "+https://github.com/pressroom-archive/pressroom"
USER_AGENT = f"pressroom/{__version__} ({PRESSROOM_CONTACT})"
ROBOTSTXT_OBEY = True

# --- Throttling -------------------------------------------------------------
# Scrapy's template sets 1 request per domain and a 1 s delay: safe but slow.
# We allow a few parallel requests per domain and let AutoThrottle back off
# when the server slows down.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
DOWNLOAD_DELAY_JITTER = 0.5  # +-50% so requests do not arrive in lockstep
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

# --- Failures ---------------------------------------------------------------
RETRY_ENABLED = True
RETRY_TIMES = 3
DOWNLOAD_TIMEOUT = 30
# A release is never this big; a bigger body is a trap or an error page.
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 10

# --- Pipeline ---------------------------------------------------------------
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 800}
# Items of one response handled in parallel. Scrapy's default (100) starts 100
# asyncio tasks for every callback, however few items it yields; ours yield one
# item a page, and that overhead was 1-3 ms of reactor CPU a page (issue 5,
# bench/crawl.py).
CONCURRENT_ITEMS = 1
# Bytes of responses waiting for their callback (for an extraction worker).
# Scrapy's 5 MB held ~80 pages of 62 KB, decoded and undecoded, for 2 workers
# that take ~8 ms a page; 2 MB (~32 pages) kept bench/crawl.py as fast (median
# of 3: 142.7 vs 140.4 pages/s) with 16 MB less memory.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 2_000_000
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs Python sent over HTTP to a local port and
# writes a job file under the user's home. A cron job needs neither, and not
# loading it (aiohttp) saves a tenth of a second at every start.
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {
    "scrapy.extensions.remote_control.RemoteControl": None,
    # Ends the run in the archive (counts, status, drift alarms) on spider_closed.
    "crawler.extensions.RunAccounting": 1000,
}

# --- pressroom --------------------------------------------------------------
PRESSROOM_DB = "pressroom.db"
PRESSROOM_BATCH_SIZE = 50  # items per write transaction
PRESSROOM_EXTRACT_WORKERS = 2  # extraction processes; 0 runs extraction inline
PRESSROOM_MAX_PAGES = 0  # HTML pages per crawl; 0 = no limit
PRESSROOM_MAX_HOPS = 5  # link-walking depth from a start URL
PRESSROOM_MAX_PER_TEMPLATE = 200  # walked URLs of one shape (calendar and facet traps)
PRESSROOM_RUN_OPTIONS: dict = {}
# Incremental crawls (the default): skip sitemap entries whose lastmod predates
# the last successful run, send If-None-Match / If-Modified-Since, stop paging a
# listing once a page holds only archived releases. PRESSROOM_FULL turns all off.
PRESSROOM_FULL = False
PRESSROOM_RECHECK_BEFORE = ""  # ISO time: re-validate articles last fetched before it
PRESSROOM_RECHECK_BATCH = 500  # at most this many per run

# Duplicates by the URL's normal form: pages are requested as the site links them.
REQUEST_FINGERPRINTER_CLASS = "crawler.middlewares.KeyFingerprinter"

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.ConditionalRequestMiddleware": 580,
    # Replaced by a subclass that does not decode pages without a refresh
    # (579: its responses pass after ConditionalRequestMiddleware's, as before).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefreshMiddleware": 579,
    # Replaced by a subclass that also honours Retry-After.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    # Hostile servers (issue 7): robots.txt Crawl-delay; redirects off-site, to
    # file: or in loops recorded as failures; truncated gzip refused. Each
    # response passes 650 before RedirectMiddleware (600) and 595 before
    # HttpCompressionMiddleware (590).
    "crawler.robots.CrawlDelayMiddleware": 560,
    "crawler.middlewares.RedirectGuardMiddleware": 650,
    "crawler.middlewares.CompressionGuardMiddleware": 595,
}
PRESSROOM_MAX_RETRY_AFTER = 120.0  # seconds; a longer wait is recorded as a failure
# 429/503 without Retry-After: wait 1 s, 2 s, 4 s ... before each retry (capped
# by PRESSROOM_MAX_RETRY_AFTER).
PRESSROOM_RETRY_BACKOFF = 1.0
PRESSROOM_MAX_CRAWL_DELAY = 60.0  # seconds; a longer robots.txt Crawl-delay is capped
