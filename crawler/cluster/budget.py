"""``--max-pages`` for the whole cluster: one budget of distinct pages in Redis.

Example::

    >>> budget = SharedBudget(server, CrawlKeys("hrw-1"), limit=2)
    >>> budget.admit("https://x.org/a"), budget.admit("https://x.org/b")
    (True, True)
    >>> budget.admit("https://x.org/a"), budget.admit("https://x.org/c")  # a: already counted
    (True, False)

The one-machine spider counts the HTML pages it requests in a set of its own
(``ReleaseSpider._within_budget``); in a cluster the coordinator and each
worker would each spend the whole budget. Here the set is in Redis and a URL
is admitted in one Lua script (member, or room left: add it), so the
processes together request at most ``limit`` distinct pages. The set holds
at most ``limit`` 8-byte digests and goes with the crawl's keys.
"""

from __future__ import annotations

from typing import Any

from crawler.cluster.keys import CrawlKeys
from crawler.cluster.known import digest

# KEYS: budget ; ARGV: digest limit ttl_s -> 1 admitted, 0 over the budget
_ADMIT = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class SharedBudget:
    def __init__(self, server: Any, keys: CrawlKeys, *, limit: int, ttl: int = 7 * 24 * 3600):
        self.server, self.key, self.limit, self.ttl = server, keys.budget, limit, ttl
        self._admit = server.register_script(_ADMIT)

    def admit(self, url: str) -> bool:
        """True if ``url`` may be requested: counted already, or room for it in the budget."""
        return bool(int(self._admit(keys=[self.key], args=[digest(url), self.limit, self.ttl])))

    def spent(self) -> int:
        return int(self.server.scard(self.key))


def share(spider: Any, budget: SharedBudget) -> None:
    """Make ``spider`` (a ReleaseSpider) count its pages in ``budget``, with its own stat."""

    def within_budget(url: str) -> bool:
        if budget.admit(url):
            return True
        spider.crawler.stats.inc_value("pressroom/over_max_pages")
        return False

    spider._within_budget = within_budget
