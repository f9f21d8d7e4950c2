"""One-line reasons for failed requests, for the archive's ``failures.reason``.

    >>> describe(failure, crawler.settings)  # doctest: +SKIP
    'connection closed before the whole body arrived'

The spider's errback (crawler/spiders/release.py) records what
:func:`describe` says; the guards' own refusals (crawler/middlewares.py
:class:`Refused`) already carry their reason.
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionDone, ConnectionLost
from twisted.python.failure import Failure
from twisted.web.client import ResponseNeverReceived

from crawler.middlewares import Refused, mb, retry_after_seconds


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
            return f"too big: more than {mb(max_size)} (DOWNLOAD_MAXSIZE)"
        return f"download cancelled: {str(value).splitlines()[0]}"
    if failure.check(IgnoreRequest):
        text = str(value)
        if "DOWNLOAD_MAXSIZE" in text:
            return f"too big: more than {mb(max_size)} once decompressed (DOWNLOAD_MAXSIZE)"
        if "max redirections" in text:
            return f"too many redirects (more than {settings.getint('REDIRECT_MAX_TIMES')})"
        return None
    if failure.check(ResponseNeverReceived, ConnectionDone, ConnectionLost) or (
        failure.check(DownloadFailedError) and "Connection" in str(value)
    ):
        return "connection closed by the server without a response"
    return None
