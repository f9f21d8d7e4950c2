"""The shared frontier: a leased queue of requests in Redis, so that no request is lost.

Example::

    >>> frontier = Frontier(server, CrawlKeys("hrw-1"), lease_seconds=60)
    >>> frontier.push(b"request bytes", priority=1, fingerprint=b"fp")
    '000000000001'
    >>> [lease] = frontier.lease("worker-a")          # moved to the in-flight set, not popped
    >>> frontier.complete([lease.id])                  # done: gone for good
    1
    >>> frontier.done()
    True

scrapy-redis's queues pop a request (ZRANGE + ZREMRANGEBYRANK): once a worker
holds it, only that worker's memory does, and a worker killed then loses it
(rmax/scrapy-redis, istresearch/scrapy-cluster#255). Here :meth:`lease` moves
it, in one Lua script, from the queue to an in-flight ZSET scored by its
deadline on the Redis server's clock (one clock for all machines). The next
lease by any worker first puts back every expired one: a dead worker's
requests are fetched again by another (at least once). A request whose leases
expired ``max_attempts`` times (one that kills its worker, say) goes to a dead
list instead, for the coordinator to record as a failure.

Requests keep scrapy-redis's conventions: serialized with ``request.to_dict``
and the scheduler's serializer (pressroom's workers use :mod:`crawler.cluster.serial`,
not pickle; :class:`LeasedQueue` is a scrapy-redis queue class), ordered by
``-priority`` in a ZSET; ids numbered in order keep FIFO among equal priorities.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from crawler.cluster import link
from crawler.cluster.keys import CrawlKeys
from crawler.cluster.seen import SEEN_LUA, SeenSet

LEASE_META = "pressroom_lease"  # request.meta key of the lease a request came from

# Finishing ids, in the scripts below: whoever finishes a request (even a
# worker whose lease expired meanwhile) removes it everywhere, so that an id
# put back in the queue is not fetched a second time.
_FINISH_LUA = """
local function finish(keys, id)
  local n = redis.call('ZREM', keys.inflight, id)
  redis.call('ZREM', keys.queue, id)
  redis.call('HDEL', keys.payload, id)
  redis.call('HDEL', keys.lease, id)
  return n
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function parse(info)
  local worker, score, attempts = string.match(info or '', '^(.-)\\t(.-)\\t(.-)$')
  return worker or '', score or '0', tonumber(attempts) or 0
end
"""

# KEYS: queue payload seq seen inflight lease [config]
# ARGV: score data parent then the seen-set's arguments (see crawler.cluster.seen)
# A worker's script (given the config key) does nothing once the crawl ended: its
# coordinator deleted the keys, and a page finished late must not make them again.
_ENDED_LUA = "if KEYS[CONFIG] and redis.call('EXISTS', KEYS[CONFIG]) == 0 then return false end\n"
_PUSH = (
    SEEN_LUA
    + _FINISH_LUA
    + _ENDED_LUA.replace("CONFIG", "7")
    + """
local keys = {queue = KEYS[1], payload = KEYS[2], inflight = KEYS[5], lease = KEYS[6]}
local new = seen_add(KEYS[4], ARGV, 4)
if ARGV[3] ~= '' then finish(keys, ARGV[3]) end
if new == 0 then return false end
local id = string.format('%012d', redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[2], id, ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], id)
return id
"""
)

# KEYS: queue inflight payload lease dead
# ARGV: worker lease_ms count max_attempts reclaim_limit
# Returns {reclaimed, dead, id1, data1, attempts1, ...}
_LEASE = (
    _FINISH_LUA
    + """
local now = now_ms()
local max_attempts = tonumber(ARGV[4])
local reclaimed, dead = 0, 0
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  local _, score, attempts = parse(redis.call('HGET', KEYS[4], id))
  if attempts >= max_attempts then
    redis.call('RPUSH', KEYS[5], id)
    dead = dead + 1
  else
    redis.call('HSET', KEYS[4], id, '\\t' .. score .. '\\t' .. attempts)
    redis.call('ZADD', KEYS[1], score, id)
    reclaimed = reclaimed + 1
  end
end
local out = {reclaimed, dead}
local count = tonumber(ARGV[3])
if count > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], count)
  for i = 1, #popped, 2 do
    local id, score = popped[i], popped[i + 1]
    local data = redis.call('HGET', KEYS[3], id)
    if data then
      local _, _, attempts = parse(redis.call('HGET', KEYS[4], id))
      attempts = attempts + 1
      redis.call('HSET', KEYS[4], id, ARGV[1] .. '\\t' .. score .. '\\t' .. attempts)
      redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), id)
      out[#out + 1] = id
      out[#out + 1] = data
      out[#out + 1] = attempts
    end
  end
end
return out
"""
)

# KEYS: queue inflight payload lease results [config] ; ARGV: message ids...
# The message (a result for the coordinator) and the end of the leases are one
# step: a worker killed in between either sent it and finished, or did neither.
_COMPLETE = (
    _FINISH_LUA
    + _ENDED_LUA.replace("CONFIG", "6")
    + """
local keys = {queue = KEYS[1], inflight = KEYS[2], payload = KEYS[3], lease = KEYS[4]}
-- Only the first to finish a request sends its result: a worker whose lease
-- expired while it was slow (not dead) finds the request finished by another.
local open = #ARGV < 2
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[3], ARGV[i]) == 1 then open = true end
end
if ARGV[1] ~= '' and open then redis.call('XADD', KEYS[5], '*', 'd', ARGV[1]) end
local n = 0
for i = 2, #ARGV do n = n + finish(keys, ARGV[i]) end
return n
"""
)

# KEYS: inflight lease ; ARGV: worker lease_ms ids...
_EXTEND = (
    _FINISH_LUA
    + """
local deadline = now_ms() + tonumber(ARGV[2])
local n = 0
for i = 3, #ARGV do
  local worker = parse(redis.call('HGET', KEYS[2], ARGV[i]))
  if worker == ARGV[1] and redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', deadline, ARGV[i])
    n = n + 1
  end
end
return n
"""
)

# KEYS: queue inflight lease ; ARGV: worker ids... (given back unprocessed: not an attempt)
_RELEASE = (
    _FINISH_LUA
    + """
local n = 0
for i = 2, #ARGV do
  local worker, score, attempts = parse(redis.call('HGET', KEYS[3], ARGV[i]))
  if worker == ARGV[1] and redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
    redis.call('HSET', KEYS[3], ARGV[i], '\\t' .. score .. '\\t' .. math.max(0, attempts - 1))
    redis.call('ZADD', KEYS[1], score, ARGV[i])
    n = n + 1
  end
end
return n
"""
)

# KEYS: dead payload lease ; ARGV: count
_TAKE_DEAD = (
    _FINISH_LUA
    + """
local out = {}
local ids = redis.call('LPOP', KEYS[1], tonumber(ARGV[1]))
if not ids then return out end
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[2], id)
  local _, _, attempts = parse(redis.call('HGET', KEYS[3], id))
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  if data then
    out[#out + 1] = id
    out[#out + 1] = data
    out[#out + 1] = attempts
  end
end
return out
"""
)


@dataclass(frozen=True)
class Lease:
    """A request a worker holds until it completes, extends or releases it."""

    id: str
    data: bytes
    attempts: int  # 1 the first time; more after leases expired (a worker died)


@dataclass(frozen=True)
class Counts:
    queued: int
    inflight: int
    dead: int


def worker_id() -> str:
    """A name for this process, unique in the cluster: host and pid.

    >>> worker_id().count(":")
    1
    """
    return f"{socket.gethostname()}:{os.getpid()}"


class Frontier:
    def __init__(
        self,
        server: Any,
        keys: CrawlKeys,
        *,
        seen: SeenSet | None = None,
        lease_seconds: float = 120.0,
        max_attempts: int = 3,
        guarded: bool = False,
    ) -> None:
        """``guarded`` (workers): pushes and completions are dropped once the crawl's
        config is gone, so that no key of an ended crawl is made again."""
        self.server, self.keys = server, keys
        self._guard = [keys.config] if guarded else []
        self.seen = seen or SeenSet()
        self.lease_ms = int(lease_seconds * 1000)
        self.max_attempts = max_attempts
        self._push = server.register_script(_PUSH)
        self._lease = server.register_script(_LEASE)
        self._complete = server.register_script(_COMPLETE)
        self._extend = server.register_script(_EXTEND)
        self._release = server.register_script(_RELEASE)
        self._take_dead = server.register_script(_TAKE_DEAD)

    def _push_keys(self) -> list[str]:
        k = self.keys
        seen = self.seen.key or k.seen
        return [k.queue, k.payload, k.seq, seen, k.inflight, k.lease, *self._guard]

    def _push_args(
        self, data: bytes, priority: int, fingerprint: bytes | None, parent: str | None
    ) -> list[Any]:
        seen = self.seen.script_args(fingerprint) if fingerprint is not None else ["none", 0, 0]
        return [-priority, data, parent or "", *seen]

    def push(
        self,
        data: bytes,
        *,
        priority: int = 0,
        fingerprint: bytes | None = None,
        parent: str | None = None,
    ) -> str | None:
        """Queue ``data``; its id, or None when ``fingerprint`` was seen already.

        ``parent``: the lease this request replaces (a redirect or a retry made
        from a leased request), completed in the same step.
        """
        result = self._push(
            keys=self._push_keys(), args=self._push_args(data, priority, fingerprint, parent)
        )
        return _text(result) if result is not None else None

    def push_many(
        self,
        requests: Iterable[tuple[bytes, int, bytes | None]],
        *,
        then_complete: tuple[str, bytes | None] | None = None,
    ) -> int:
        """Queue (data, priority, fingerprint) triples in one round trip; how many were new.

        ``then_complete``: (lease id, message) completed after the pushes, in the
        same round trip (Redis runs a pipeline's commands in order).
        """
        keys = self._push_keys()
        calls: list[tuple[Any, list[Any], list[Any]]] = [
            (self._push, keys, self._push_args(data, priority, fingerprint, None))
            for data, priority, fingerprint in requests
        ]
        n = len(calls)
        if then_complete is not None:
            k = self.keys
            lease, message = then_complete
            calls.append(
                (
                    self._complete,
                    [k.queue, k.inflight, k.payload, k.lease, k.results, *self._guard],
                    [message or b"", lease],
                )
            )
        elif not n:
            return 0
        results = link.run_scripts(self.server, calls)
        return sum(1 for r in results[:n] if r is not None)

    def lease(self, worker: str, count: int = 1) -> list[Lease]:
        """Take up to ``count`` requests for ``lease_seconds``; expired leases go back first."""
        if "\t" in worker:
            raise ValueError("a worker id cannot contain a tab")
        k = self.keys
        out = self._lease(
            keys=[k.queue, k.inflight, k.payload, k.lease, k.dead],
            args=[worker, self.lease_ms, count, self.max_attempts, 1000],
        )
        return [Lease(_text(out[i]), out[i + 1], int(out[i + 2])) for i in range(2, len(out), 3)]

    def reclaim(self) -> tuple[int, int]:
        """Put expired leases back (or on the dead list); (put back, dead). Leases call it too."""
        k = self.keys
        out = self._lease(
            keys=[k.queue, k.inflight, k.payload, k.lease, k.dead],
            args=["", self.lease_ms, 0, self.max_attempts, 10_000],
        )
        return int(out[0]), int(out[1])

    def complete(self, ids: Sequence[str], message: bytes | None = None) -> int:
        """Finish leased requests; with ``message``, add it to the results stream in the same step.

        Returns how many were still leased (0: another worker had them already).
        """
        k = self.keys
        return int(
            self._complete(
                keys=[k.queue, k.inflight, k.payload, k.lease, k.results, *self._guard],
                args=[message or b"", *ids],
            )
            or 0
        )

    def extend(self, worker: str, ids: Sequence[str], seconds: float | None = None) -> int:
        """Push back the deadline of ``worker``'s leases (a heartbeat); how many it still holds."""
        ms = self.lease_ms if seconds is None else int(seconds * 1000)
        k = self.keys
        return int(self._extend(keys=[k.inflight, k.lease], args=[worker, ms, *ids]))

    def release(self, worker: str, ids: Sequence[str]) -> int:
        """Give leases back unprocessed (a worker stopping): queued again, no attempt counted."""
        k = self.keys
        return int(self._release(keys=[k.queue, k.inflight, k.lease], args=[worker, *ids]))

    def take_dead(self, count: int = 100) -> list[Lease]:
        """Remove and return requests that exhausted their attempts (to record as failures)."""
        k = self.keys
        out = self._take_dead(keys=[k.dead, k.payload, k.lease], args=[count])
        return [Lease(_text(out[i]), out[i + 1], int(out[i + 2])) for i in range(0, len(out), 3)]

    def counts(self) -> Counts:
        """Queued, in-flight and dead requests, read in one transaction (a consistent snapshot)."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zcard(self.keys.queue).zcard(self.keys.inflight).llen(self.keys.dead)
        queued, inflight, dead = pipe.execute()
        return Counts(int(queued), int(inflight), int(dead))

    def done(self) -> bool:
        """Nothing queued and nothing leased: no worker holds work that could add more.

        Workers push the requests a page yields before they complete its lease,
        so a crawl seen done stays done. (The coordinator must also have pushed
        its seeds and drained the results stream.)
        """
        counts = self.counts()
        return counts.queued == 0 and counts.inflight == 0

    def clear(self) -> None:
        k = self.keys
        self.server.delete(k.queue, k.inflight, k.payload, k.lease, k.seq, k.dead)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


try:  # scrapy-redis is the cluster extra's; the frontier itself does not need it
    from scrapy_redis.queue import Base as _ScrapyRedisQueue
except ImportError:  # pragma: no cover
    _ScrapyRedisQueue = object  # type: ignore[assignment,misc]


class NoDupeFilter:
    """DUPEFILTER_CLASS for scrapy-redis's Scheduler: :class:`LeasedQueue` dedups atomically."""

    @classmethod
    def from_spider(cls, spider: Any) -> NoDupeFilter:
        return cls()

    def request_seen(self, request: Any) -> bool:
        return False

    def open(self) -> None:
        pass

    def close(self, reason: str = "") -> None:
        pass

    def clear(self) -> None:
        pass

    def log(self, request: Any, spider: Any) -> None:
        pass


class LeasedQueue(_ScrapyRedisQueue):  # type: ignore[misc,valid-type]
    """``SCHEDULER_QUEUE_CLASS`` for scrapy-redis's Scheduler, over a :class:`Frontier`.

    Settings (with ``SCHEDULER = "scrapy_redis.scheduler.Scheduler"``)::

        SCHEDULER_QUEUE_CLASS = "crawler.cluster.frontier.LeasedQueue"
        DUPEFILTER_CLASS = "crawler.cluster.frontier.NoDupeFilter"
        SCHEDULER_PERSIST = True                  # the coordinator owns the keys' lifetime
        PRESSROOM_CLUSTER_CRAWL = "hrw-1"         # the crawl's name in the keys

    A popped request carries its lease id in ``meta["pressroom_lease"]``; a
    request pushed with one (a redirect or retry, which copy meta) completes it.
    """

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = spider.crawler.settings
        crawl = settings.get("PRESSROOM_CLUSTER_CRAWL") or self.key
        self.frontier = Frontier(
            server,
            CrawlKeys(crawl),
            seen=getattr(spider, "cluster_seen", None),
            lease_seconds=settings.getfloat("PRESSROOM_CLUSTER_LEASE", 120.0),
            max_attempts=settings.getint("PRESSROOM_CLUSTER_MAX_ATTEMPTS", 3),
        )
        self.worker = settings.get("PRESSROOM_CLUSTER_WORKER_ID") or worker_id()
        self.fingerprinter = spider.crawler.request_fingerprinter

    def __len__(self) -> int:
        return self.frontier.counts().queued

    def push(self, request: Any) -> None:
        parent = request.meta.pop(LEASE_META, None)  # not serialized with the new request
        fingerprint = None if request.dont_filter else self.fingerprinter.fingerprint(request)
        self.frontier.push(
            self._encode_request(request),
            priority=request.priority,
            fingerprint=fingerprint,
            parent=parent,
        )

    def pop(self, timeout: int = 0) -> Any:
        leases = self.frontier.lease(self.worker, 1)
        if not leases:
            return None
        request = self._decode_request(leases[0].data)
        request.meta[LEASE_META] = leases[0].id
        return request

    def clear(self) -> None:
        self.frontier.clear()
