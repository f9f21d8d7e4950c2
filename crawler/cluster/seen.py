"""A crawl's seen-set in Redis, bounded: a Bloom filter, or a set that expires with the run.

Example::

    >>> from crawler.cluster.keys import CrawlKeys
    >>> keys, fingerprint = CrawlKeys("hrw-1"), b"request fingerprint"
    >>> bloom = BloomSeen(server, keys.seen, capacity=1_000_000, error_rate=1e-6)
    >>> bloom.bits, bloom.hashes                       # 3.6 MB, whatever the crawl adds
    (28755176, 20)
    >>> bloom.add(fingerprint), bloom.add(fingerprint)
    (True, False)

scrapy-redis keeps every fingerprint in a SET that lives as long as Redis does
(its ``RFPDupeFilter``): it grows with every crawl and never shrinks. Here the
set belongs to one crawl and carries a TTL that each addition refreshes, so it
disappears with the run; a Bloom filter also caps its size up front.

A Bloom false positive is a URL taken for seen and never fetched, so the
default rate is low: 1e-6 (one URL in a million) costs 28.8 bits a URL.
Redis here has no RedisBloom module; the filter is a plain string read and
written with GETBIT/SETBIT from Lua, at ``k`` offsets from double hashing
(Kirsch and Mitzenmacher) of a 128-bit BLAKE2b digest computed by the client,
which sends the two hashes; the script steps through the offsets.

The same check runs inside :class:`crawler.cluster.frontier.Frontier`'s push
script, so that "seen" and "queued" are one atomic step (see DESIGN.md).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

# The Lua that adds a fingerprint to either kind of set; returns 1 when it was new.
# ARGV from ``first``: mode ("set" | "bloom" | "none"), ttl seconds, count, then
# the fingerprint (set), or (bloom) h1 mod bits, h2 mod bits and bits: offset i is
# (h1 + i * h2) mod bits, as BloomSeen.offsets, summed here (all below 2^33: exact
# in Lua's doubles). 3 arguments instead of k = 20 offsets: a push's arguments
# went from 29 to 12 (one per new link a worker finds, each sitemap entry).
SEEN_LUA = """
local function seen_add(key, argv, first)
  local mode, ttl, n = argv[first], tonumber(argv[first + 1]), tonumber(argv[first + 2])
  local new = 1
  if mode == 'set' then
    new = redis.call('SADD', key, argv[first + 3])
  elseif mode == 'bloom' then
    new = 0
    local at, step, bits = tonumber(argv[first + 3]), tonumber(argv[first + 4]),
      tonumber(argv[first + 5])
    for _ = 1, n do
      if redis.call('SETBIT', key, at, 1) == 0 then new = 1 end
      at = at + step
      if at >= bits then at = at - bits end
    end
  end
  if mode ~= 'none' and ttl > 0 then redis.call('EXPIRE', key, ttl) end
  return new
end
"""

_ADD = SEEN_LUA + "return seen_add(KEYS[1], ARGV, 1)"
_CONTAINS = """
for i = 1, #ARGV do
  if redis.call('GETBIT', KEYS[1], ARGV[i]) == 0 then return 0 end
end
return 1
"""
MAX_BITS = 2**32  # a Redis string holds at most 512 MB


class SeenSet:
    """What the frontier needs of a seen-set: its key, and script arguments for a fingerprint."""

    mode = "none"
    key = ""
    ttl = 0

    def script_args(self, fingerprint: bytes) -> list[Any]:
        return [self.mode, self.ttl, 0]


class ExpiringSeen(SeenSet):
    """Exact: a SET of fingerprints, dropped ``ttl`` seconds after the crawl's last addition."""

    mode = "set"

    def __init__(self, server: Any, key: str, *, ttl: int = 7 * 24 * 3600) -> None:
        self.server, self.key, self.ttl = server, key, ttl
        self._add = server.register_script(_ADD)

    def script_args(self, fingerprint: bytes) -> list[Any]:
        return [self.mode, self.ttl, 1, fingerprint]

    def add(self, fingerprint: bytes) -> bool:
        """Record ``fingerprint``; True if it was not there yet."""
        return bool(self._add(keys=[self.key], args=self.script_args(fingerprint)))

    def __contains__(self, fingerprint: bytes) -> bool:
        return bool(self.server.sismember(self.key, fingerprint))


class BloomSeen(SeenSet):
    """A Bloom filter sized for ``capacity`` fingerprints at ``error_rate`` false positives."""

    mode = "bloom"

    def __init__(
        self,
        server: Any,
        key: str,
        *,
        capacity: int = 1_000_000,
        error_rate: float = 1e-6,
        ttl: int = 7 * 24 * 3600,
    ) -> None:
        if capacity < 1 or not 0 < error_rate < 1:
            raise ValueError("a Bloom filter needs capacity >= 1 and 0 < error_rate < 1")
        self.server, self.key, self.ttl = server, key, ttl
        self.capacity, self.error_rate = capacity, error_rate
        self.bits, self.hashes = bloom_size(capacity, error_rate)
        self._add = server.register_script(_ADD)
        self._contains = server.register_script(_CONTAINS)

    def create(self) -> None:
        """Allocate the whole bitmap now (SETBIT would grow it as high offsets are set)."""
        self.server.setbit(self.key, self.bits - 1, 0)
        if self.ttl:
            self.server.expire(self.key, self.ttl)

    def _hashes(self, fingerprint: bytes) -> tuple[int, int]:
        digest = hashlib.blake2b(fingerprint, digest_size=16).digest()
        h1 = int.from_bytes(digest[:8], "big")
        h2 = int.from_bytes(digest[8:], "big") | 1
        return h1 % self.bits, h2 % self.bits

    def offsets(self, fingerprint: bytes) -> list[int]:
        """The ``hashes`` bit offsets of ``fingerprint``: (h1 + i * h2) mod bits."""
        first, step = self._hashes(fingerprint)
        return [(first + i * step) % self.bits for i in range(self.hashes)]

    def script_args(self, fingerprint: bytes) -> list[Any]:
        return [self.mode, self.ttl, self.hashes, *self._hashes(fingerprint), self.bits]

    def add(self, fingerprint: bytes) -> bool:
        """Record ``fingerprint``; True if it was (probably) not there yet."""
        return bool(self._add(keys=[self.key], args=self.script_args(fingerprint)))

    def __contains__(self, fingerprint: bytes) -> bool:
        return bool(self._contains(keys=[self.key], args=self.offsets(fingerprint)))

    def estimated_error_rate(self) -> float:
        """The false-positive rate now, from the share of bits set (BITCOUNT: O(size))."""
        filled = self.server.bitcount(self.key) / self.bits
        return float(filled**self.hashes)


def bloom_size(capacity: int, error_rate: float) -> tuple[int, int]:
    """Bits and hash count of a Bloom filter for ``capacity`` items at ``error_rate``.

    >>> bloom_size(1_000_000, 1e-6)
    (28755176, 20)
    >>> bloom_size(100_000, 1e-4)
    (1917012, 13)
    """
    bits = math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2)
    if bits > MAX_BITS:
        raise ValueError(f"a Bloom filter of {bits} bits is over Redis's 512 MB string limit")
    hashes = max(1, round(bits / capacity * math.log(2)))
    return bits, hashes
