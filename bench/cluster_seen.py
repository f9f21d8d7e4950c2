"""Redis memory of a crawl's seen-set: a Bloom filter vs an expiring SET, for 100k and 1M URLs.

Run: ``python bench/cluster_seen.py`` (starts its own redis-server on 127.0.0.1).

Prints MEMORY USAGE of each key after adding N fingerprints (20-byte SHA-1s,
as Scrapy's request fingerprinter makes), bytes per URL, and the Bloom filter's
false-positive rate measured on N other fingerprints.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from redis_server import RedisServer  # noqa: E402

from crawler.cluster.keys import CrawlKeys  # noqa: E402
from crawler.cluster.seen import BloomSeen, ExpiringSeen  # noqa: E402

BATCH = 5000


def fps(prefix: str, n: int):
    for i in range(n):
        yield hashlib.sha1(f"https://www.example.org/{prefix}/{i}".encode()).digest()


def fill(server, seen, n: int) -> float:
    start = time.perf_counter()
    pipe = server.pipeline(transaction=False)
    for i, fp in enumerate(fps("in", n), 1):
        seen._add(keys=[seen.key], args=seen.script_args(fp), client=pipe)
        if i % BATCH == 0:
            pipe.execute()
    pipe.execute()
    return time.perf_counter() - start


def false_positives(server, bloom, n: int) -> int:
    hits = 0
    pipe = server.pipeline(transaction=False)
    for i, fp in enumerate(fps("out", n), 1):
        bloom._contains(keys=[bloom.key], args=bloom.offsets(fp), client=pipe)
        if i % BATCH == 0:
            hits += sum(pipe.execute())
    return hits + sum(pipe.execute())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp)).start()
        try:
            server = redis.client()
            print(f"{'kind':<22} {'URLs':>9} {'MEMORY USAGE':>14} {'B/URL':>7} {'adds/s':>8} fp")
            for n in (100_000, 1_000_000):
                for error_rate in (1e-4, 1e-6):
                    keys = CrawlKeys(f"bloom-{n}-{error_rate}")
                    bloom = BloomSeen(server, keys.seen, capacity=n, error_rate=error_rate)
                    bloom.create()
                    took = fill(server, bloom, n)
                    used = server.memory_usage(keys.seen, samples=0)
                    fp = false_positives(server, bloom, n)
                    name = f"bloom p={error_rate:g} k={bloom.hashes}"
                    print(
                        f"{name:<22} {n:>9,} {used:>14,} {used / n:>7.1f} {n / took:>8,.0f} "
                        f"{fp}/{n:,} ({fp / n:.2e})"
                    )
                    server.delete(keys.seen)
                keys = CrawlKeys(f"set-{n}")
                exact = ExpiringSeen(server, keys.seen)
                took = fill(server, exact, n)
                used = server.memory_usage(keys.seen, samples=0)
                name = "set (exact, TTL)"
                print(f"{name:<22} {n:>9,} {used:>14,} {used / n:>7.1f} {n / took:>8,.0f} 0")
                server.delete(keys.seen)
        finally:
            redis.stop(kill=True)


if __name__ == "__main__":
    main()
