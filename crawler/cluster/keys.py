"""Where one crawl's state lives in Redis.

Example::

    >>> k = CrawlKeys("hrw-1")
    >>> k.queue, k.domain("www.hrw.org")
    ('pressroom:{hrw-1}:queue', 'pressroom:{hrw-1}:polite:www.hrw.org')

Every key of a crawl carries the crawl's name in braces, a Redis Cluster hash
tag: all of them land on one node, where a Lua script may touch several at once.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "pressroom"
CRAWLS = f"{PREFIX}:crawls"  # SET of running crawls' names, for workers to find


@dataclass(frozen=True)
class CrawlKeys:
    crawl: str

    def _key(self, name: str) -> str:
        return f"{PREFIX}:{{{self.crawl}}}:{name}"

    @property
    def queue(self) -> str:
        """ZSET request id -> -priority (scrapy-redis's PriorityQueue order)."""
        return self._key("queue")

    @property
    def inflight(self) -> str:
        """ZSET request id -> lease deadline, in milliseconds of the Redis server's clock."""
        return self._key("inflight")

    @property
    def payload(self) -> str:
        """HASH request id -> the serialized request."""
        return self._key("payload")

    @property
    def lease(self) -> str:
        """HASH request id -> "worker<TAB>score<TAB>attempts" for leased and reclaimed ids."""
        return self._key("lease")

    @property
    def seq(self) -> str:
        """STRING counter that numbers the requests (FIFO among equal priorities)."""
        return self._key("seq")

    @property
    def dead(self) -> str:
        """LIST of request ids that took down ``max_attempts`` leases: recorded as failures."""
        return self._key("dead")

    @property
    def seen(self) -> str:
        """The seen-set: a Bloom filter bitmap (STRING) or a SET of fingerprints."""
        return self._key("seen")

    @property
    def results(self) -> str:
        """STREAM of compressed results, workers -> coordinator."""
        return self._key("results")

    @property
    def config(self) -> str:
        """STRING (JSON): the source and settings for workers; expires if the coordinator dies."""
        return self._key("config")

    @property
    def profile(self) -> str:
        """STRING (JSON list): the source's boilerplate profile, published by the coordinator."""
        return self._key("profile")

    @property
    def known(self) -> str:
        """HASH URL digest -> validators: what the archive holds (crawler.cluster.known)."""
        return self._key("known")

    @property
    def budget(self) -> str:
        """SET of URL digests: the pages requested so far, for --max-pages (cluster.budget)."""
        return self._key("budget")

    def all_fixed(self) -> list[str]:
        """Every key of the crawl but the per-domain slots (found with SCAN)."""
        names = ("queue", "inflight", "payload", "lease", "seq", "dead", "seen", "results")
        names += ("known", "budget")
        return [self._key(n) for n in names] + [self.config, self.profile]

    def domain(self, host: str) -> str:
        """HASH {next, delay} of one domain's shared politeness slot."""
        return self._key(f"polite:{host.lower()}")

    def tokens(self, host: str) -> str:
        """ZSET token -> expiry ms: one domain's requests out now, from every worker."""
        return self._key(f"polite:{host.lower()}:out")
