"""A downloader middleware for workers: no private, loopback or link-local addresses.

Example (a worker's settings)::

    DOWNLOADER_MIDDLEWARES = {"crawler.cluster.guard.AddressGuardMiddleware": 50}
    PRESSROOM_ALLOW_PRIVATE_ADDRESSES = False   # --allow-private-addresses sets it
    PRESSROOM_ALLOWED_ADDRESSES = []            # or only some: ["127.0.0.1/32"]

Every request passes ``process_request`` before it is downloaded, and a
redirect is a new request that passes it again, so each hop's host is
resolved and checked (:func:`crawler.cluster.addresses.check_host`). At 50 it
runs before everything else, robots.txt's own request included.

A name can resolve to something else a moment later (DNS rebinding), so the
address the download really connected to (``response.ip_address``) is checked
again in ``process_response``: such a response is refused and never reaches
the spider. Requests through a proxy (``meta["proxy"]``) are judged by their
target host; the proxy resolves it.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from crawler.cluster import addresses
from crawler.middlewares import Refused

CACHE_SECONDS = 60.0  # verdicts per host, as long as a short DNS TTL


class PrivateAddress(Refused):
    """Refused: the host resolves to a private, loopback or link-local address"""


class AddressGuardMiddleware:
    def __init__(self, allowed: list[addresses.Network]) -> None:
        self.allowed = allowed
        self._verdicts: dict[tuple[str, int], tuple[float, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> AddressGuardMiddleware:
        settings = crawler.settings
        if settings.getbool("PRESSROOM_ALLOW_PRIVATE_ADDRESSES"):
            raise NotConfigured("--allow-private-addresses")
        return cls(addresses.parse_networks(settings.getlist("PRESSROOM_ALLOWED_ADDRESSES")))

    def verdict(self, host: str, port: int) -> str | None:
        """Why ``host`` may not be fetched, or None; resolves (blocking: call it in a thread).

        A host that does not resolve is let through: the download fails with
        Scrapy's own DNS error, recorded as today ("DNS lookup failed").
        """
        try:
            addresses.check_host(host, port, allowed=self.allowed)
        except addresses.AddressRefused as exc:
            return str(exc)
        except addresses.UnresolvableHost:
            return None
        return None

    async def process_request(self, request: Request, spider: Any = None) -> None:
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (host, port)
        cached = self._verdicts.get(key)
        if cached is None or cached[0] < time.monotonic():
            reason = await maybe_deferred_to_future(deferToThread(self.verdict, host, port))
            self._verdicts[key] = (time.monotonic() + CACHE_SECONDS, reason)
        else:
            reason = cached[1]
        if reason is not None:
            raise PrivateAddress(f"refused: {reason}")
        return None

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        ip = response.ip_address
        if ip is not None:
            reason = addresses.refused_reason(ip, self.allowed)
            if reason is not None:
                raise PrivateAddress(f"refused: connected to {reason}")
        return response
