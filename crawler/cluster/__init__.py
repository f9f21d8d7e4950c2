"""Many machines, one crawl: the pieces the coordinator and its workers share through Redis.

Example::

    >>> from crawler.cluster import keys, link, frontier
    >>> link.check_url("redis://10.0.0.5:6379/0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    crawler.cluster.link.InsecureLink: ...
    >>> queue = frontier.Frontier(server, keys.CrawlKeys("hrw-2026-11-27"))
    >>> queue.push(b"...request bytes...", priority=0)
    '000000000001'

Used only by ``pressroom crawl --redis URL`` and ``pressroom worker``; the
one-machine crawl never imports this package and needs no Redis.

What it owns (one module each, see DESIGN.md beside this file):

- ``keys``: where a crawl's state lives in Redis;
- ``link``: the Redis link, refused without a password unless on loopback;
- ``frontier``: a leased queue of requests (scrapy-redis's serialization),
  at-least-once: a dead worker's requests go back after their lease expires;
- ``seen``: the crawl's bounded seen-set (a Bloom filter, or a set that expires);
- ``polite``: one per-domain slot for the whole cluster (delay, Crawl-delay, Retry-After);
- ``addresses`` and ``guard``: workers refuse private, loopback and link-local
  addresses after DNS resolution and on every redirect;
- ``channel``: results from the workers to the coordinator, compressed.
"""
