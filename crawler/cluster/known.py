"""What workers may ask of an archive they do not have: which URLs it holds, and their validators.

Example::

    >>> known = KnownUrls(server, CrawlKeys("hrw-1"))
    >>> known.publish(archive, "hrw")  # coordinator, at start  # doctest: +SKIP
    1200
    >>> known.add([{"url": "https://x.org/a", "etag": '"abc"',
    ...             "http_last_modified": "Mon, 12 Jan 2026 09:30:00 GMT"}])  # or as it writes
    1
    >>> known.known(["https://x.org/a", "https://x.org/new"])  # worker: one HMGET
    {'https://x.org/a'}
    >>> known.validators("https://x.org/a")["etag"]
    '"abc"'

A one-machine crawl asks its archive, for links found on listings, feeds and
translations, whether a release is archived (``Archive.known``: a known link
is left to its sitemap entry, a listing of known releases stops paging) and
what its ETag and Last-Modified were (``Archive.validators``: a conditional
request, answered 304). A worker asks this HASH instead. The coordinator fills
it at start from the archive (the source's releases, by URL and by the URL
they were fetched at) and adds each release it writes during the run, after
the commit, as the one-machine crawl's own archive grows.

Fields are 8-byte BLAKE2b digests of the URL (a false "known" needs two of a
site's URLs to collide: about n^2 / 2^65, 3e-8 for a million URLs); values
are ``etag \\x1f last_modified``. Measured with Redis 7.0: about 100 bytes
per URL (a 10,000-release site, 1 MB).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from crawler.cluster.keys import CrawlKeys

SEP = "\x1f"
CHUNK = 1000  # URLs per HSET while publishing


def digest(url: str) -> bytes:
    """The field a URL is kept under.

    >>> len(digest("https://x.org/a")), digest("https://x.org/a") == digest("https://x.org/b")
    (8, False)
    """
    return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def _value(etag: str | None, last_modified: str | None) -> str:
    return f"{etag or ''}{SEP}{last_modified or ''}"


class KnownUrls:
    def __init__(self, server: Any, keys: CrawlKeys) -> None:
        self.server, self.key = server, keys.known

    def publish(self, archive: Any, source: str) -> int:
        """Put the source's archived releases in Redis; how many URLs (aliases included)."""
        rows = archive.article_rows(
            "a.url, a.fetched_url, a.etag, a.http_last_modified", source=source
        )
        return self.add(
            {"url": u, "fetched_url": f, "etag": e, "http_last_modified": m} for u, f, e, m in rows
        )

    def add(self, articles: Iterable[Mapping[str, Any]]) -> int:
        """Add releases (rows: url, fetched_url, etag, http_last_modified), few round trips."""
        mapping: dict[bytes, str] = {}
        total = 0
        pipe = self.server.pipeline(transaction=False)
        for row in articles:
            value = _value(row.get("etag"), row.get("http_last_modified"))
            for url in {row.get("url"), row.get("fetched_url")} - {None, ""}:
                mapping[digest(url)] = value
            if len(mapping) >= CHUNK:
                pipe.hset(self.key, mapping=mapping)
                total += len(mapping)
                mapping = {}
        if mapping:
            pipe.hset(self.key, mapping=mapping)
            total += len(mapping)
        if total:
            pipe.execute()
        return total

    def known(self, urls: Iterable[str]) -> set[str]:
        """Which of ``urls`` are archived (as Archive.known), in one round trip."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return set()
        values = self.server.hmget(self.key, [digest(u) for u in wanted])
        return {url for url, value in zip(wanted, values, strict=True) if value is not None}

    def validators(self, url: str) -> dict[str, Any] | None:
        """ETag and Last-Modified of an archived ``url`` (as Archive.validators), or None."""
        return self.validators_of([url]).get(url)

    def validators_of(self, urls: Iterable[str]) -> dict[str, dict[str, Any]]:
        """{url: validators} of the archived ones among ``urls``, in one round trip."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return {}
        out = {}
        for url, value in zip(
            wanted, self.server.hmget(self.key, [digest(u) for u in wanted]), strict=True
        ):
            if value is not None:
                etag, _, modified = value.decode("utf-8", "surrogateescape").partition(SEP)
                out[url] = {
                    "url": url,
                    "etag": etag or None,
                    "http_last_modified": modified or None,
                }
        return out

    def size(self) -> int:
        return int(self.server.hlen(self.key))


class WorkerArchive:
    """The part of ``Archive`` a worker's spider reads (``known``, ``validators``), from Redis.

    :meth:`prefetch` asks for a page's links in one round trip before the
    spider asks for them one by one; what was not prefetched is asked singly.
    """

    def __init__(self, known: KnownUrls) -> None:
        self._known = known
        self._cache: dict[str, bool] = {}

    def prefetch(self, urls: Iterable[str]) -> None:
        wanted = [u for u in dict.fromkeys(urls) if u not in self._cache]
        found = self._known.known(wanted)
        self._cache.update((u, u in found) for u in wanted)

    def forget(self) -> None:
        self._cache.clear()  # the coordinator adds releases as it writes them

    def known(self, urls: Iterable[str]) -> set[str]:
        urls = list(urls)
        ask = [u for u in urls if u not in self._cache]
        found = self._known.known(ask) if ask else set()
        return found | {u for u in urls if self._cache.get(u)}

    def validators(self, url: str) -> dict[str, Any] | None:
        return self._known.validators(url)
