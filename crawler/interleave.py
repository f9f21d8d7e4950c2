"""Sitemap entries waiting to be fetched, handed out one section of the site at a time.

    >>> queue = BySection()
    >>> for path in ("/news/a-b", "/news/c-d", "/news/e-f", "/topic/roads", "/"):
    ...     queue.append((f"https://gov.demo{path}", None))
    >>> [queue.popleft()[0][16:] for _ in range(len(queue))]
    ['/news/a-b', '/topic/roads', '/', '/news/c-d', '/news/e-f']

Sitemaps list URLs sorted by path or date, one file per part of the site: fetched
in that order, a crawl sees hundreds of ``/government/news/...`` pages before its
first topic or browse page. The release judge (:mod:`crawler.judging`) holds its
verdicts until every section was sampled, so the sooner each section's first
pages are fetched, the fewer pages are held and fetched again at the end.
"""

from __future__ import annotations

from collections import deque

from crawler.release_patterns import section

__all__ = ["BySection"]

Entry = tuple[str, str | None]  # (url, sitemap lastmod)


class BySection:
    """A FIFO of (url, lastmod) per section, popped round-robin across sections."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Entry]] = {}
        self._turns: deque[str] = deque()  # sections with entries, next one first
        self._size = 0

    def append(self, entry: Entry) -> None:
        key = section(entry[0])
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = deque()
            self._turns.append(key)
        queue.append(entry)
        self._size += 1

    def popleft(self) -> Entry:
        if not self._turns:
            raise IndexError("pop from an empty BySection")
        key = self._turns.popleft()
        queue = self._queues[key]
        entry = queue.popleft()
        if queue:
            self._turns.append(key)
        else:
            del self._queues[key]
        self._size -= 1
        return entry

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0
