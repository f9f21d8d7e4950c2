"""The bounded seen-set: a Bloom filter's real false-positive rate and size, a set that expires."""

from __future__ import annotations

import hashlib

from redis_server import redis_client, redis_server

from crawler.cluster.keys import CrawlKeys
from crawler.cluster.seen import BloomSeen, ExpiringSeen, bloom_size

__all__ = ["redis_client", "redis_server"]  # fixtures, used by name


def fingerprints(prefix: str, n: int) -> list[bytes]:
    # As Scrapy's request fingerprinter makes them: 20-byte SHA-1 digests.
    return [hashlib.sha1(f"{prefix}/{i}".encode()).digest() for i in range(n)]


def test_bloom_false_positive_rate_is_as_stated(redis_client):
    bloom = BloomSeen(redis_client, CrawlKeys("b").seen, capacity=20_000, error_rate=0.01)
    bloom.create()
    pipe = redis_client.pipeline(transaction=False)
    for fp in fingerprints("https://x.org/in", 20_000):
        bloom._add(keys=[bloom.key], args=bloom.script_args(fp), client=pipe)
    assert all(pipe.execute()[:100])  # the first ones were all new
    assert all(fp in bloom for fp in fingerprints("https://x.org/in", 500))  # no false negative
    pipe = redis_client.pipeline(transaction=False)
    for fp in fingerprints("https://x.org/out", 20_000):
        bloom._contains(keys=[bloom.key], args=bloom.offsets(fp), client=pipe)
    false_positives = sum(pipe.execute())
    assert 0 < false_positives < 20_000 * 0.01 * 1.5  # ~200 expected at 1 %
    assert 0.005 < bloom.estimated_error_rate() < 0.015
    # Its size is fixed up front: bits / 8 bytes, plus Redis's small overhead.
    used = redis_client.memory_usage(bloom.key)
    assert bloom.bits / 8 <= used < bloom.bits / 8 * 1.3 + 1024


def test_bloom_add_says_whether_new(redis_client):
    bloom = BloomSeen(redis_client, CrawlKeys("b").seen, capacity=1000, error_rate=1e-6, ttl=30)
    assert (bloom.add(b"fp"), bloom.add(b"fp"), bloom.add(b"other")) == (True, False, True)
    assert 0 < redis_client.ttl(bloom.key) <= 30


def test_expiring_set_is_exact_and_expires(redis_client):
    seen = ExpiringSeen(redis_client, CrawlKeys("s").seen, ttl=1)
    assert seen.add(b"a") and not seen.add(b"a") and b"a" in seen
    redis_client.pexpire(seen.key, 50)  # as if the run ended a TTL ago
    import time

    time.sleep(0.1)
    assert b"a" not in seen and redis_client.exists(seen.key) == 0


def test_bloom_size_refuses_what_redis_cannot_hold():
    assert bloom_size(10_000_000, 1e-6) == (287551752, 20)
    try:
        bloom_size(200_000_000, 1e-9)
    except ValueError as exc:
        assert "512 MB" in str(exc)
    else:
        raise AssertionError("a 1 GB filter was accepted")


def test_bloom_bits_set_by_the_script_are_the_double_hashing_offsets(redis_client):
    # The script sums h1 mod bits and h2 mod bits; the bits must be (h1 + i * h2) mod
    # bits with the full 64-bit hashes, as before (a filter shared across versions).
    bloom = BloomSeen(redis_client, CrawlKeys("b").seen, capacity=5_000_000, error_rate=1e-6)
    assert bloom.bits > 2**27  # offsets summed past 2^27, wrapping many times
    for n, fp in enumerate(fingerprints("https://x.org/exact", 3), start=1):
        digest = hashlib.blake2b(fp, digest_size=16).digest()
        h1, h2 = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:], "big") | 1
        expected = {(h1 + i * h2) % bloom.bits for i in range(bloom.hashes)}
        assert bloom.add(fp) and not bloom.add(fp) and fp in bloom
        assert all(redis_client.getbit(bloom.key, offset) for offset in expected)
        assert redis_client.bitcount(bloom.key) <= n * bloom.hashes
    assert redis_client.bitcount(bloom.key) == len(
        {o for fp in fingerprints("https://x.org/exact", 3) for o in bloom.offsets(fp)}
    )
