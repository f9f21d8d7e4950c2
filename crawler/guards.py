"""Downloader middlewares that stand between pressroom and a misbehaving server (issue 7).

Example (settings.py)::

    DOWNLOADER_MIDDLEWARES = {
        "crawler.guards.RedirectGuardMiddleware": 650,      # before RedirectMiddleware (600)
        "crawler.guards.CompressionGuardMiddleware": 595,   # before HttpCompression (590)
    }

Scrapy already caps sizes and times, retries and obeys robots.txt. What it
leaves open, found by the fault-injection suite (``tests/test_faults.py``):

- a redirect off-site or to a ``file:`` URL, and a redirect loop, vanish
  without a trace: the redirected request is dropped by the offsite or
  duplicate filter, so the URL is never recorded as failed;
- a gzip body cut short is inflated as far as it goes and handed on as if
  whole, so a truncated page could replace a good stored release.

Both are refused here with a :class:`Refused` exception whose message is the
failure reason the spider records. :func:`describe` turns the other network
failures into the same kind of one-line reason.
"""

from __future__ import annotations

import zlib
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived
from w3lib.url import safe_url_string

from crawler import sources
from crawler.items import ArticleItem, FailureItem
from crawler.middlewares import retry_after_seconds
from extraction.urls import is_http

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
        return response


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
                raise TooBig(f"too big: more than {_mb(max_size)} once decompressed")
            if not count_only:
                out.append(chunk)
            if inflater.eof or not inflater.unconsumed_tail and not chunk:
                break
            chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
        if not inflater.eof:
            raise EOFError("compressed data ended before the end-of-stream marker")
        rest = inflater.unused_data.lstrip(b"\x00")  # another gzip member, or padding
    return b"".join(out)


class CanonicalGuard:
    """Hold articles reached through their canonical link until the crawl's last write.

        >>> guard = CanonicalGuard()
        >>> articles, refused = guard.sort(batch, archive, final=False)  # doctest: +SKIP

    Every page fetched from its own URL is written first; then each held
    article is checked by :func:`canonical_conflicts` against an archive that
    holds everything the crawl fetched directly, in whatever order it came.
    """

    def __init__(self) -> None:
        self.held: list[ArticleItem] = []

    def sort(
        self, items: list[ArticleItem], archive: Any, *, final: bool
    ) -> tuple[list[ArticleItem], list[FailureItem]]:
        direct = []
        for item in items:
            if item.article.get("fetched_url", item.article["url"]) == item.article["url"]:
                direct.append(item)
            else:
                self.held.append(item)
        if not final:
            return direct, []
        held, self.held = self.held, []
        return canonical_conflicts(direct + held, archive)


def canonical_conflicts(
    items: list[ArticleItem], archive: Any
) -> tuple[list[ArticleItem], list[FailureItem]]:
    """Split off articles whose canonical link names another, different release.

    A page may name any URL as canonical; the spider keys the article by it,
    which merges aliases (``/node/5`` -> ``/news/x``) into one release. A
    misconfigured page that names *another* release would overwrite it, and
    the two would then take turns as each other's "new version". So an article
    reached through its canonical link is refused when that URL already holds a
    different text fetched from a different URL (archived, or fetched directly
    in the same batch). A page fetched from its own URL always wins.
    """
    direct = {
        item.article["url"]: item.article.get("text")
        for item in items
        if item.article.get("fetched_url", item.article["url"]) == item.article["url"]
    }
    kept: list[ArticleItem] = []
    refused: list[FailureItem] = []
    for item in items:
        key = item.article["url"]
        fetched = item.article.get("fetched_url") or key
        if fetched != key:
            if key in direct:
                other = direct[key]
            else:
                stored = archive.get(key)
                same_page = stored is None or stored.get("fetched_url") in (fetched, None)
                other = None if same_page else stored.get("text")
            if other is not None and other != item.article.get("text"):
                reason = f"canonical link points to {key}, which holds a different release"
                refused.append(FailureItem(fetched, reason, 200, item.capture))
                continue
        kept.append(item)
    return kept, refused


def describe(failure: Failure, settings: Any) -> str | None:
    """A one-line reason for the failures this module knows, else None.

    Scrapy's exceptions read like ``DownloadCancelledError: Expected to receive
    52428800 bytes which is larger than download max size ...`` or carry no
    text at all; the archive's ``failures.reason`` should say what happened.
    """
    value = failure.value
    max_size = settings.getint("DOWNLOAD_MAXSIZE")
    if failure.check(Refused):
        return str(value)
    if failure.check(HttpError):  # an IgnoreRequest too: test it first
        response = value.response
        header = response.headers.get("Retry-After", b"").decode("latin-1") or None
        wait = retry_after_seconds(header) if response.status in (429, 503) else None
        limit = settings.getfloat("PRESSROOM_MAX_RETRY_AFTER")
        if wait is not None and wait > limit:
            return (
                f"HTTP {response.status} (asked to wait {wait:.0f} s; "
                f"the limit is PRESSROOM_MAX_RETRY_AFTER = {limit:.0f} s)"
            )
        return None
    if failure.check(ResponseDataLossError):
        return "connection closed before the whole body arrived"
    if failure.check(DownloadCancelledError):
        if not str(value) or "max size" in str(value):
            return f"too big: more than {_mb(max_size)} (DOWNLOAD_MAXSIZE)"
        return f"download cancelled: {str(value).splitlines()[0]}"
    if failure.check(IgnoreRequest):
        text = str(value)
        if "DOWNLOAD_MAXSIZE" in text:
            return f"too big: more than {_mb(max_size)} once decompressed (DOWNLOAD_MAXSIZE)"
        if "max redirections" in text:
            return f"too many redirects (more than {settings.getint('REDIRECT_MAX_TIMES')})"
        return None
    if failure.check(ResponseNeverReceived, ConnectionDone, ConnectionLost) or (
        failure.check(DownloadFailedError) and "Connection" in str(value)
    ):
        return "connection closed by the server without a response"
    return None


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:g} MB"


def _short(value: bytes, limit: int = 80) -> str:
    text = value.decode("latin-1", "replace")
    return text if len(text) <= limit else text[:limit] + "…"
