"""One politeness slot per domain for the cluster: delay, Crawl-delay, Retry-After, concurrency.

Example::

    >>> slots = DomainSlots(server, CrawlKeys("hrw-1"), delay=0.5, limit=4)
    >>> slots.enter("www.hrw.org", "worker-a:1")  # seconds to wait; a concurrency token held
    0.0
    >>> slots.leave("www.hrw.org", "worker-a:1")  # the response came: the token goes back
    >>> slots.set_delay("www.hrw.org", 10)      # robots.txt said Crawl-delay: 10
    >>> slots.back_off("www.hrw.org", 120)      # a 429 said Retry-After: 120
    120.0

Scrapy's download slots (DOWNLOAD_DELAY, CONCURRENT_REQUESTS_PER_DOMAIN, the
Crawl-delay middleware, the Retry-After waits) live in one process: N workers
would hit a site N times as hard. Here each domain has a next-allowed time and
a set of concurrency tokens in Redis. :meth:`enter` (one Lua script, on the
Redis server's clock) refuses while ``limit`` requests to the domain are out,
else takes the next free slot and moves it on by the domain's delay, so the
slots handed out to all workers together are at least ``delay`` apart and at
most ``limit`` are out at once; each worker then waits its own slot. It runs
for every request, delay or not: a Retry-After pause recorded by one worker
holds back the next request of every other (one round trip, no write when
there is no delay). A token carries an expiry (``token_ttl``, pushed on by the
worker's heartbeat with :meth:`touch`): a killed worker's tokens free
themselves. A slot further away than ``max_wait`` is not taken (the worker
gives its lease back and fetches something else), so a slow site cannot pile
up workers that only sleep.
"""

from __future__ import annotations

from typing import Any

from crawler.cluster import link
from crawler.cluster.keys import CrawlKeys

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# KEYS: slot tokens [config] ; ARGV: default_delay_ms max_wait_ms ttl_s limit token token_ttl_ms
# Returns {GO, wait_ms} (a slot taken, and the token when limit > 0),
# {TOO_FAR, wait_ms}, {FULL, 0} or, once the crawl's config is gone, {ENDED, 0}
# (nothing taken: an ended crawl's keys are not made again).
_ENTER = (
    _NOW
    + """
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 0 then return {3, 0} end
local limit = tonumber(ARGV[4])
if limit > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= limit then return {2, 0} end
end
local slot = redis.call('HMGET', KEYS[1], 'next', 'delay')
local delay = math.max(tonumber(ARGV[1]), tonumber(slot[2]) or 0)
local next_at = math.max(now, tonumber(slot[1]) or 0)
local wait = next_at - now
if wait > tonumber(ARGV[2]) then return {1, wait} end
if delay > 0 then
  redis.call('HSET', KEYS[1], 'next', next_at + delay)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
end
if limit > 0 then
  redis.call('ZADD', KEYS[2], now + wait + tonumber(ARGV[6]), ARGV[5])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
end
return {0, wait}
"""
)
GO, TOO_FAR, FULL, ENDED = 0, 1, 2, 3

# KEYS: tokens ; ARGV: token_ttl_ms tokens...  (a heartbeat: later expiries only)
_TOUCH = (
    _NOW
    + """
local n = 0
for i = 2, #ARGV do
  n = n + redis.call('ZADD', KEYS[1], 'XX', 'GT', 'CH', now + tonumber(ARGV[1]), ARGV[i])
end
return n
"""
)

# KEYS: tokens ; ARGV: tokens given back (a script: pipelined with enter, by SHA)
_LEAVE = "return redis.call('ZREM', KEYS[1], unpack(ARGV))"

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


class DomainFull(Exception):
    """``limit`` requests to the domain are out, from all workers together"""


class DomainSlots:
    def __init__(
        self,
        server: Any,
        keys: CrawlKeys,
        *,
        delay: float = 0.5,
        max_wait: float = 30.0,
        limit: int = 0,
        token_ttl: float = 30.0,
        ttl: int = 24 * 3600,
        guarded: bool = False,
    ) -> None:
        """``guarded`` (workers): :meth:`enter` takes nothing once the crawl's config is gone."""
        self.server, self.keys = server, keys
        self._guard = [keys.config] if guarded else []
        self.delay_ms = int(delay * 1000)
        self.max_wait_ms = int(max_wait * 1000)
        self.limit = max(0, int(limit))  # requests out at once per domain; 0: no limit
        self.token_ttl_ms = int(token_ttl * 1000)
        self.ttl = ttl
        self._enter = server.register_script(_ENTER)
        self._leave = server.register_script(_LEAVE)
        self._touch = server.register_script(_TOUCH)
        self._back_off = server.register_script(_BACK_OFF)

    def enter(
        self, domain: str, token: str = "", *, leaving: dict[str, list[str]] | None = None
    ) -> float:
        """Take ``domain``'s next slot (and, with a limit, a concurrency token); seconds to wait.

        Raises :class:`DomainFull` while ``limit`` tokens are out and
        :class:`TooFar` when the slot is over ``max_wait`` away, taking nothing.
        Give the token back with :meth:`leave` once the response came.
        ``leaving``: tokens given back first, {domain: [token, ...]}, in the same round trip.
        """
        if self.limit and not token:
            raise ValueError("a concurrency limit needs a token per request")
        calls = self._leave_calls(leaving or {})
        calls.append(
            (
                self._enter,
                [self.keys.domain(domain), self.keys.tokens(domain), *self._guard],
                [self.delay_ms, self.max_wait_ms, self.ttl, self.limit, token, self.token_ttl_ms],
            )
        )
        code, wait = link.run_scripts(self.server, calls)[-1]
        if int(code) == FULL:
            raise DomainFull(f"{domain}: {self.limit} requests out")
        if int(code) == ENDED:
            raise TooFar(f"{domain}: the crawl ended")
        if int(code) == TOO_FAR:
            raise TooFar(f"{domain}: next slot in {int(wait) / 1000:.1f} s")
        return int(wait) / 1000

    def reserve(self, domain: str) -> float:
        """:meth:`enter` without a concurrency token (a DomainSlots without ``limit``)."""
        if self.limit:
            raise ValueError("reserve() takes no token: use enter()")
        return self.enter(domain)

    def leave(self, domain: str, token: str) -> None:
        """The request holding ``token`` is over (answered, failed or dropped)."""
        self.server.zrem(self.keys.tokens(domain), token)

    def leave_many(self, leaving: dict[str, list[str]]) -> None:
        """Give tokens back, {domain: [token, ...]}, in one round trip."""
        if leaving:
            link.run_scripts(self.server, self._leave_calls(leaving))

    def _leave_calls(self, leaving: dict[str, list[str]]) -> list[tuple[Any, list[Any], list[Any]]]:
        return [(self._leave, [self.keys.tokens(d)], list(t)) for d, t in leaving.items() if t]

    def touch(self, held: dict[str, list[str]]) -> int:
        """Push on the expiry of tokens still held, {domain: [token, ...]} (the heartbeat)."""
        calls = [
            (self._touch, [self.keys.tokens(domain)], [self.token_ttl_ms, *tokens])
            for domain, tokens in held.items()
            if tokens
        ]
        return sum(int(n) for n in link.run_scripts(self.server, calls))

    def out(self, domain: str) -> int:
        """Tokens held for ``domain`` (expired ones included until the next enter)."""
        return int(self.server.zcard(self.keys.tokens(domain)))

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
