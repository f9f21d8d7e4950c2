"""One politeness slot per domain for the whole cluster: delay, Crawl-delay and Retry-After.

Example::

    >>> slots = DomainSlots(server, CrawlKeys("hrw-1"), delay=0.5)
    >>> slots.reserve("www.hrw.org")            # seconds to wait before fetching
    0.0
    >>> slots.set_delay("www.hrw.org", 10)      # robots.txt said Crawl-delay: 10
    >>> slots.back_off("www.hrw.org", 120)      # a 429 said Retry-After: 120
    120.0

Scrapy's download slots (DOWNLOAD_DELAY, the Crawl-delay middleware, the
Retry-After waits) live in one process: N workers would hit a site N times
as hard. Here each domain has a next-allowed time in Redis. :meth:`reserve`
takes the next free slot atomically (Lua, on the Redis server's clock) and
moves it on by the domain's delay, so the slots handed out to all workers
together are at least ``delay`` apart; each worker then waits its own slot.
A slot further away than ``max_wait`` is not taken (the worker gives its
lease back and fetches something else), so a slow site cannot pile up
workers that only sleep.
"""

from __future__ import annotations

from typing import Any

from crawler.cluster.keys import CrawlKeys

# KEYS: slot ; ARGV: default_delay_ms max_wait_ms ttl_s
# Returns the wait in ms (>= 0) for a taken slot, or -(wait) when it is too far.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = redis.call('HMGET', KEYS[1], 'next', 'delay')
local delay = math.max(tonumber(ARGV[1]), tonumber(slot[2]) or 0)
local next_at = math.max(now, tonumber(slot[1]) or 0)
local wait = next_at - now
if wait > tonumber(ARGV[2]) then return -wait end
redis.call('HSET', KEYS[1], 'next', next_at + delay)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return wait
"""

# KEYS: slot ; ARGV: pause_ms ttl_s  (nothing before now + pause)
_BACK_OFF = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stored = tonumber(redis.call('HGET', KEYS[1], 'next')) or 0
local next_at = math.max(now + tonumber(ARGV[1]), stored)
redis.call('HSET', KEYS[1], 'next', next_at)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return next_at - now
"""


class TooFar(Exception):
    """The domain's next free slot is further away than max_wait"""


class DomainSlots:
    def __init__(
        self,
        server: Any,
        keys: CrawlKeys,
        *,
        delay: float = 0.5,
        max_wait: float = 30.0,
        ttl: int = 24 * 3600,
    ) -> None:
        self.server, self.keys = server, keys
        self.delay_ms = int(delay * 1000)
        self.max_wait_ms = int(max_wait * 1000)
        self.ttl = ttl
        self._reserve = server.register_script(_RESERVE)
        self._back_off = server.register_script(_BACK_OFF)

    def reserve(self, domain: str) -> float:
        """Take ``domain``'s next slot; seconds to wait before the request may go.

        Raises :class:`TooFar` (taking nothing) when that is over ``max_wait``.
        """
        wait = int(
            self._reserve(
                keys=[self.keys.domain(domain)], args=[self.delay_ms, self.max_wait_ms, self.ttl]
            )
        )
        if wait < 0:
            raise TooFar(f"{domain}: next slot in {-wait / 1000:.1f} s")
        return wait / 1000

    def set_delay(self, domain: str, seconds: float) -> None:
        """The domain's own delay (Crawl-delay); the larger of it and ``delay`` applies."""
        key = self.keys.domain(domain)
        pipe = self.server.pipeline(transaction=True)
        pipe.hset(key, "delay", int(seconds * 1000)).expire(key, self.ttl)
        pipe.execute()

    def back_off(self, domain: str, seconds: float) -> float:
        """No request to ``domain`` for ``seconds`` (Retry-After) from any worker; the pause."""
        key = self.keys.domain(domain)
        return int(self._back_off(keys=[key], args=[int(seconds * 1000), self.ttl])) / 1000
