"""Honour robots.txt ``Crawl-delay``, which Scrapy parses but ignores.

Example (settings.py)::

    DOWNLOADER_MIDDLEWARES = {"crawler.robots.CrawlDelayMiddleware": 560}
    PRESSROOM_MAX_CRAWL_DELAY = 60.0

Scrapy's RobotsTxtMiddleware reads robots.txt with Protego, whose parser knows
``Crawl-delay``, and sends the ``robots_parsed`` signal; nothing acts on the
delay. This middleware does: the download slot of that host waits at least the
asked delay between requests (no jitter below it), for as long as the crawl
lasts, and AutoThrottle may slow it further but never speed it up. A delay
above ``PRESSROOM_MAX_CRAWL_DELAY`` is capped (and said so in the log): a
``Crawl-delay: 86400`` would otherwise turn a nightly crawl into a yearly one.

Failures to fetch robots.txt are Scrapy's business: a robots.txt that times out
or cannot be downloaded allows everything, and a 5xx response is parsed like
any other body (an error page holds no rules, so it allows everything too).
``tests/test_faults.py`` pins that behaviour.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request

logger = logging.getLogger(__name__)


class CrawlDelayMiddleware:
    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.max_delay = settings.getfloat("PRESSROOM_MAX_CRAWL_DELAY", 60.0)
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}  # download slot (host) -> seconds
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlDelayMiddleware:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except Exception:  # a parser without crawl_delay, or a value it cannot read
            return
        if not delay or delay <= 0:
            return
        delay = float(delay)
        key = self._key(request)
        if delay > self.max_delay:
            logger.warning(
                "robots.txt of %s asks for Crawl-delay %g s; using PRESSROOM_MAX_CRAWL_DELAY %g s",
                key,
                delay,
                self.max_delay,
            )
            delay = self.max_delay
        self.delays[key] = delay
        self.crawler.stats.set_value(f"pressroom/crawl_delay/{key}", delay)
        downloader = self.crawler.engine.downloader
        # Slots are garbage-collected when idle and re-created from these settings.
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(float(slot_settings.get("delay", 0.0)), delay)
        slot_settings["jitter"] = 0.0
        self._apply(key)

    def process_request(self, request: Request, spider: Any = None) -> None:
        key = self._key(request)
        if key in self.delays:
            # AutoThrottle lowers a slot's delay towards the server's latency.
            request.meta["autothrottle_dont_adjust_delay"] = True
            self._apply(key)
        return None

    def _key(self, request: Request) -> str:
        return self.crawler.engine.downloader.get_slot_key(request)

    def _apply(self, key: str) -> None:
        slot = self.crawler.engine.downloader.slots.get(key)
        delay = self.delays[key]
        if slot is not None and slot.delay * (1 - slot.jitter) < delay:
            slot.delay = max(slot.delay, delay)
            slot.jitter = 0.0
