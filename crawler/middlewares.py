"""Downloader middlewares.

Example (settings.py)::

    DOWNLOADER_MIDDLEWARES = {
        "crawler.middlewares.ConditionalRequestMiddleware": 580,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawler.middlewares.RetryAfterMiddleware": 550,
    }

The guards (issue 7) stand between pressroom and a misbehaving server. Scrapy
already caps sizes and times, retries and obeys robots.txt. What it leaves open,
found by the fault-injection suite (``tests/test_faults.py``):

- a redirect off-site or to a ``file:`` URL, and a redirect loop, vanish
  without a trace: the redirected request is dropped by the offsite or
  duplicate filter, so the URL is never recorded as failed
  (:class:`RedirectGuardMiddleware`);
- a gzip body cut short is inflated as far as it goes and handed on as if
  whole, so a truncated page could replace a good stored release
  (:class:`CompressionGuardMiddleware`, :func:`inflate`).

Both are refused with a :class:`Refused` exception whose message is the
failure reason the spider records (crawler/failures.py describes the rest).
"""

from __future__ import annotations

import asyncio
import hashlib
import zlib
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from weakref import WeakKeyDictionary

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _ScrapyMetaRefresh
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from w3lib.url import safe_url_string

from crawler import sources
from extraction.urls import is_http, normal_form


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


def requested_wait(
    response: Response, retries: int, backoff: float, max_wait: float
) -> float | None:
    """The wait before asking again after a 429/503: its Retry-After, else ``backoff``
    doubled per retry (capped at ``max_wait``); None when Retry-After asks for more
    than ``max_wait`` (no retry then). Shared with the cluster, which pauses the
    domain for every worker by the same rule.
    """
    wait = retry_after_seconds(response.headers.get("Retry-After", b"").decode("latin-1") or None)
    if wait is None:
        return min(max_wait, backoff * 2**retries)
    return wait if wait <= max_wait else None


def ask_conditionally(request: Request, known: dict[str, Any]) -> None:
    """Add the archive's validators of ``request.url`` (``known``: its ``etag`` and
    ``http_last_modified``) as If-None-Match / If-Modified-Since, and let a 304 reach
    the callback. Shared with the cluster's workers, which read ``known`` from Redis.
    """
    if known["etag"]:
        request.headers["If-None-Match"] = known["etag"]
    if known["http_last_modified"]:
        request.headers["If-Modified-Since"] = known["http_last_modified"]
    if known["etag"] or known["http_last_modified"]:
        request.meta["handle_httpstatus_list"] = [304]


def revalidates(request: Request) -> bool:
    """Whether the archive's validators go on ``request``: a release candidate, or a
    link a walk found that may be a release (the spider gives it a "listed" key; not
    the start page, whose 304 would end the walk, nor a page the allow patterns
    leave out, read for its links only). Without them a walk fetched each archived
    release in full, then the release judge's re-fetch asked again conditionally.
    """
    if "If-None-Match" in request.headers or request.meta.get("read_in_full"):
        return False  # asked already, or asked again for the page a 304 stood for
    kind = request.meta.get("kind")
    return kind == "candidate" or (kind == "walk" and bool(request.meta.get("listed")))


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
            wait = requested_wait(response, retries, self.backoff, self.max_wait)
            if wait is None:
                return response
            await asyncio.sleep(wait)
        return super().process_response(request, response)


class ConditionalRequestMiddleware:
    """Re-fetch archived releases conditionally: a 304 costs no body and no extraction.

    For requests the spider marks as release candidates (and links a walk found), adds the ETag and
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
        if not revalidates(request):
            return None
        # The spider's read-only view of the archive: None before the archive
        # exists and during a source's first crawl, when there is nothing to revalidate.
        incremental_archive = getattr(self.crawler.spider, "incremental_archive", None)
        archive = incremental_archive() if incremental_archive is not None else None
        if archive is None:
            return None
        # Keyed by the URL's normal form, whichever form the site linked this time.
        known = archive.validators(request.meta.get("listed") or request.url)
        if known:
            ask_conditionally(request, known)
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


REDIRECT_CODES = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


class Refused(IgnoreRequest):
    """Refused a response from a misbehaving server"""


class OffsiteRedirect(Refused):
    """Redirected outside the source's allowed domains"""


class RedirectLoop(Refused):
    """Redirected back to a URL already on the redirect chain"""


class TruncatedBody(Refused):
    """The compressed body ended before its end-of-stream marker"""


class TooBig(Refused):
    """The body is bigger than DOWNLOAD_MAXSIZE once decompressed"""


class RedirectGuardMiddleware:
    """Record off-site, non-HTTP and looping redirects as failures instead of losing them."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedirectGuardMiddleware:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        location = response.headers.get("Location")
        if (
            response.status not in REDIRECT_CODES
            or not location
            or request.meta.get("dont_redirect")  # as RedirectMiddleware: not followed
            or request.meta.get("handle_httpstatus_all")
            or response.status in request.meta.get("handle_httpstatus_list", ())
        ):
            return response
        try:
            raw = safe_url_string(location.decode("latin-1").strip())
            if raw.startswith("//"):
                raw = f"{urlsplit(request.url).scheme}:{raw}"
            target = urljoin(request.url, raw).partition("#")[0]
            host = urlsplit(target).hostname or ""
        except ValueError:
            raise Refused(f"redirected to an invalid URL: {_short(location)}") from None
        if not is_http(target):
            scheme = urlsplit(target).scheme or "?"
            raise OffsiteRedirect(f"redirected to a non-HTTP URL ({scheme}:)")
        allowed = getattr(self.crawler.spider, "allowed_domains", None) or []
        if allowed and not sources.domain_allowed(host, allowed):
            raise OffsiteRedirect(f"redirected off-site to {host}")
        # Exact URLs, not normalised ones: /news -> /news/ is a redirect, not a loop.
        chain = [*request.meta.get("redirect_urls", ()), request.url]
        if target in {url.partition("#")[0] for url in chain}:
            raise RedirectLoop(f"redirect loop ({len(chain)} hops back to {urlsplit(target).path})")
        if _same_key(target, request.url):
            # /a -> /a/: the same page under the duplicate filter's key (KeyFingerprinter),
            # which would drop the redirected request as already seen. The loop check
            # above and REDIRECT_MAX_TIMES still bound the chain.
            request.dont_filter = True
        elif request.meta.get("kind") == "candidate" and request.meta.get("listed"):
            # A listed page (a sitemap or feed entry, a listing's link) sent to a page
            # this crawl also asks for (a moved release whose old URL is still listed,
            # removed ones all sent to /news): dropped as already seen, the entry was
            # counted and recorded nowhere, and asked for again every run. Read once
            # more, it is counted and recorded under its own key as any entry is.
            request.dont_filter = True
        return response


def _same_key(one: str, other: str) -> bool:
    key = normal_form(one)
    return key is not None and key == normal_form(other)


class CompressionGuardMiddleware:
    """Refuse gzip/deflate bodies that end before their end-of-stream marker.

    Scrapy's HttpCompressionMiddleware keeps whatever a cut stream inflates to
    (``scrapy.utils.gz.gunzip`` is "resilient" on purpose), so a connection
    dropped inside a compressed page would hand the spider half a page.
    """

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler: Any) -> CompressionGuardMiddleware:
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if request.method == "HEAD" or not response.body:
            return response
        encodings = [
            part.strip().lower()
            for header in response.headers.getlist("Content-Encoding")
            for part in header.split(b",")
        ]
        if encodings and encodings[-1] in (b"gzip", b"x-gzip", b"deflate"):
            kind = "gzip" if encodings[-1] != b"deflate" else "deflate"
            try:
                inflate(response.body, self.max_size, count_only=True, raw_ok=kind == "deflate")
            except TooBig:
                pass  # HttpCompressionMiddleware refuses it with Scrapy's own message
            except (EOFError, zlib.error) as exc:
                raise TruncatedBody(f"truncated {kind} body ({exc})") from None
        return response


def inflate(
    data: bytes, max_size: int = 0, *, count_only: bool = False, raw_ok: bool = False
) -> bytes:
    """Decompress gzip (all members) or zlib ``data``, strictly and at most ``max_size`` bytes.

        >>> import gzip
        >>> inflate(gzip.compress(b"<urlset/>"))
        b'<urlset/>'

    Raises TooBig past ``max_size`` (0: no limit), EOFError when the stream is
    cut short and zlib.error when it is corrupt. ``count_only`` checks without
    keeping the output; ``raw_ok`` also accepts raw deflate (as some servers send).
    """
    out: list[bytes] = []
    size = 0
    rest = data
    while rest:
        wbits = 47  # gzip or zlib header, detected
        try:
            inflater = zlib.decompressobj(wbits)
            chunk = inflater.decompress(rest, _CHUNK)
        except zlib.error:
            if not raw_ok:
                raise
            inflater = zlib.decompressobj(-15)
            chunk = inflater.decompress(rest, _CHUNK)
        while True:
            size += len(chunk)
            if max_size and size > max_size:
                raise TooBig(f"too big: more than {mb(max_size)} once decompressed")
            if not count_only:
                out.append(chunk)
            if inflater.eof or not inflater.unconsumed_tail and not chunk:
                break
            chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
        if not inflater.eof:
            raise EOFError("compressed data ended before the end-of-stream marker")
        rest = inflater.unused_data.lstrip(b"\x00")  # another gzip member, or padding
    return b"".join(out)


def _short(value: bytes, limit: int = 80) -> str:
    text = value.decode("latin-1", "replace")
    return text if len(text) <= limit else text[:limit] + "…"


def mb(size: int) -> str:
    """A byte count in megabytes, for reasons: ``mb(52428800)`` -> '50 MB'."""
    return f"{size / 1024 / 1024:g} MB"


class KeyFingerprinter:
    """REQUEST_FINGERPRINTER_CLASS: a request's URL counts in its normal form.

    Requests go to the URL as the site linked it ("/a/"), so Scrapy's own
    fingerprint would fetch "/a" and "/a/?utm_source=rss" as two pages; the
    duplicate filter (and the cluster's seen set, which uses this too) sees the
    archive's key for both, so one release is fetched once.
    """

    def __init__(self, crawler: Any = None) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Any) -> KeyFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        found = self._cache.get(request)
        if found is None:
            url = request.url
            if is_http(url):
                url = normal_form(url) or url
            data = f"{request.method} {url} ".encode() + (request.body or b"")
            found = self._cache[request] = hashlib.sha1(data).digest()  # noqa: S324
        return found
