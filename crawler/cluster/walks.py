"""A cluster's link walk through pages answered 304: the coordinator, which holds the
captures, walks on where the worker that got the 304 could not.

Example (a worker's side, then the coordinator's)::

    >>> request = scrapy.Request("https://x.org/news/a", meta={"kind": "walk", "hops": 2,
    ...     "listed": "https://x.org/news/a", "download_latency": 0.1})
    >>> note = walk_on(Response("https://x.org/news/a", status=304, request=request))
    >>> note.meta
    {'kind': 'walk', 'hops': 2, 'listed': 'https://x.org/news/a'}
    >>> class Spider:
    ...     def parse_page(self, response): ...
    ...     def on_error(self, failure): ...
    >>> response = as_response(note.to_message(), Spider())
    >>> response.status, response.meta["hops"], response.request.callback.__name__
    (304, 2, 'parse_page')

On one machine a walked release answered 304 is walked on through the links of the
page it was last read from in full (``ReleaseSpider._not_modified``, the capture
``Archive.last_read`` finds): a 304 has no body. Workers hold no archive, so their
walk ended there, and a rerun never rechecked a release linked only from releases,
nor found a new one linked from there. Now a worker sends a :class:`WalkOn` in the
page's result instead of reading the 304 itself, and the coordinator runs the
one-machine ``_not_modified`` on it (:func:`walk_on_all`): the 304 recorded, the
capture's links walked (their requests go to the frontier, with validators), or,
for a release archived without its page, the page asked for again in full.

Chosen over sending no validators for walk links (a full re-fetch of every walked
release on every rerun: the bandwidth and extraction a 304 saves). The cost moves
to the coordinator: one capture read and one parse for its links (no extraction)
per walked 304, in its own process.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.items import NotModifiedItem
from extraction.urls import normalize

logger = logging.getLogger(__name__)

# A worker's request meta key: what the walk noted reading the page, for --depth's warning.
DEPTH_NOTES = "pressroom_depth_notes"

# What ReleaseSpider reads of a walked page's request meta (_not_modified, _follow,
# and parse_page when the page is asked for again in full). Scrapy's own keys stay.
WALK_META = (
    "kind",
    "hops",
    "listed",
    "lastmod",
    "lastmod_from",
    "feed_date",
    "judged",
    "redirect_urls",
    "pager",  # a walked page's later page (one matching the patterns may be answered 304)
)


@dataclasses.dataclass
class WalkOn:
    """A walked page a worker got a 304 for: what the coordinator needs to walk on."""

    url: str  # the 304's URL (after redirects)
    asked: str  # its request's URL
    meta: dict[str, Any]  # the request's WALK_META

    def to_message(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def walk_on(response: Response) -> WalkOn:
    """The note a worker sends for a walked page answered 304."""
    meta = {k: response.meta[k] for k in WALK_META if k in response.meta}
    return WalkOn(response.url, response.request.url, meta)


def as_response(note: dict[str, Any], spider: Any) -> Response:
    """The 304 of ``note`` (a :meth:`WalkOn.to_message`), its request the spider's own.
    Raises KeyError, TypeError or ValueError for a damaged note."""
    meta = note["meta"]
    if not isinstance(meta, dict):
        raise TypeError("a walk note's meta is no mapping")
    request = scrapy.Request(
        str(note["asked"]),
        callback=spider.parse_page,
        errback=spider.on_error,
        meta=dict(meta),
    )
    return Response(str(note["url"]), status=304, request=request)


async def walk_on_all(
    spider: Any, notes: list[Any], divert: Callable[[scrapy.Request], None], stats: Any
) -> list[Any]:
    """Run the one-machine ``_not_modified`` for each note: its requests to ``divert``,
    its items (the 304's record, links the patterns leave out) returned to be written."""
    items: list[Any] = []
    for note in notes:
        try:
            response = as_response(note, spider)
        except (KeyError, TypeError, ValueError) as exc:
            stats.inc_value("pressroom/cluster/walk_notes_damaged")
            logger.warning("a damaged walk note in a result: %s", exc)
            continue
        recorded = False
        try:
            async for thing in spider._not_modified(response):
                if isinstance(thing, scrapy.Request):
                    divert(thing)
                else:
                    recorded = recorded or isinstance(thing, NotModifiedItem)
                    items.append(thing)
        except Exception as exc:  # noqa: BLE001 (the 304 is still recorded; the walk ends here)
            logger.warning(
                "walking on from %s failed: %s: %s", response.url, type(exc).__name__, exc
            )
            stats.inc_value("pressroom/walk_ended_at_not_modified")
            if recorded:
                continue
            stats.inc_value("pressroom/not_modified")
            meta = response.meta
            url = normalize(response.url)
            items.append(NotModifiedItem(url, meta.get("listed"), meta.get("lastmod")))
    return items


def learn_depth(spider: Any, message: dict[str, Any]) -> None:
    """What a worker's page walked and held back beyond --depth, in the coordinator's
    spider, whose ``held_back_by_depth`` the run's warning names (crawler/extensions.py).

    Workers walk, each with its own ``walked``: a link one worker met at the limit may
    have been walked by another, nearer the start. So both travel with the page's result.

    >>> class Spider:
    ...     walked, beyond_depth = set(), {}
    ...     def held_back_by_depth(self):
    ...         return [url for url in self.beyond_depth if url not in self.walked]
    >>> spider = Spider()
    >>> learn_depth(spider, {"held_back": ["https://x.org/c", "https://x.org/d"]})
    >>> learn_depth(spider, {"walked": ["https://x.org/c"]})
    >>> spider.held_back_by_depth()
    ['https://x.org/d']
    """
    for key in message.get("walked") or ():
        if isinstance(key, str):
            spider.walked.add(key)
    for key in message.get("held_back") or ():
        if isinstance(key, str):
            spider.beyond_depth.setdefault(key, None)
