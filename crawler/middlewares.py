"""Downloader middlewares.

Example (settings.py)::

    DOWNLOADER_MIDDLEWARES = {
        "crawler.middlewares.ConditionalRequestMiddleware": 580,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.RetryAfterMiddleware": 550,
    }
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _ScrapyMetaRefresh
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or HTTP date).

    >>> retry_after_seconds("120")
    120.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, plus the wait a server asks for with 429/503 + Retry-After.

    Scrapy's own RetryMiddleware retries at once. A server that says "come back
    in 30 s" should get its 30 s; one that asks for longer than
    ``PRESSROOM_MAX_RETRY_AFTER`` gets no retry, and the URL is recorded as failed.
    A 429/503 without Retry-After is retried after ``PRESSROOM_RETRY_BACKOFF``
    seconds, doubled at each retry (1 s, 2 s, 4 s with the defaults).
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("PRESSROOM_MAX_RETRY_AFTER", 120.0)
        self.backoff = settings.getfloat("PRESSROOM_RETRY_BACKOFF", 1.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        if response.status in (429, 503):
            retries = request.meta.get("retry_times", 0)
            if retries >= request.meta.get("max_retry_times", self.max_retry_times):
                return super().process_response(request, response)  # giving up: no wait
            wait = retry_after_seconds(
                response.headers.get("Retry-After", b"").decode("latin-1") or None
            )
            if wait is None:
                wait = min(self.max_wait, self.backoff * 2**retries)
            elif wait > self.max_wait:
                return response
            await asyncio.sleep(wait)
        return super().process_response(request, response)


class ConditionalRequestMiddleware:
    """Re-fetch archived releases conditionally: a 304 costs no body and no extraction.

    For requests the spider marks as release candidates, adds the ETag and
    Last-Modified the archive holds as If-None-Match / If-Modified-Since, and
    lets the 304 reach the spider's callback (Scrapy would otherwise treat it as
    an error). Off with ``PRESSROOM_FULL``.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ConditionalRequestMiddleware:
        settings = crawler.settings
        if settings.getbool("PRESSROOM_FULL") or not settings.get("PRESSROOM_DB"):
            raise NotConfigured  # a full crawl: no conditional requests
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if request.meta.get("kind") != "candidate" or "If-None-Match" in request.headers:
            return None
        # The spider's read-only view of the archive: None before the archive
        # exists and during a source's first crawl, when there is nothing to revalidate.
        incremental_archive = getattr(self.crawler.spider, "incremental_archive", None)
        archive = incremental_archive() if incremental_archive is not None else None
        if archive is None:
            return None
        known = archive.validators(request.url)
        if not known:
            return None
        if known["etag"]:
            request.headers["If-None-Match"] = known["etag"]
        if known["http_last_modified"]:
            request.headers["If-Modified-Since"] = known["http_last_modified"]
        if known["etag"] or known["http_last_modified"]:
            request.meta["handle_httpstatus_list"] = [304]
        return None


class MetaRefreshMiddleware(_ScrapyMetaRefresh):
    """Scrapy's meta-refresh redirects, without decoding pages that have none.

    Scrapy looks for ``<meta http-equiv="refresh">`` in the first 4 KB of the
    text, but gets that text by decoding the whole body and keeping it on the
    response: a second copy of every page waiting for extraction, and CPU the
    crawl process spends again when it decodes the page its own way
    (extraction/encoding.py). A page whose first 4 KB do not contain the bytes
    "refresh" (in any case) cannot have one, unless it is UTF-16 or UTF-32,
    where those bytes are spread out: such pages are still read by Scrapy.
    """

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        head = response.body[:4096]
        if b"\x00" not in head and b"refresh" not in head.lower():
            return response
        return super().process_response(request, response)
