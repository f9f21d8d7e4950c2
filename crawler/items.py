"""What the spider hands to the pipelines: plain dataclasses, cheap to pickle.

Example::

    >>> FailureItem(url="https://x.org/a", reason="HTTP 404", status=404).reason
    'HTTP 404'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.captures import Packed


@dataclass
class Capture:
    """A raw response, kept so that pages can be re-extracted without the network."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes | Packed  # Packed: hashed and compressed by the extraction worker
    content_type: str


@dataclass
class ArticleItem:
    """An extracted release; ``article`` has the columns of ``storage``'s articles table."""

    article: dict[str, Any]
    capture: Capture | None = None
    # The body blocks before the source's profile was applied, for the profile
    # to learn from (storage.profiles); None for PDFs.
    blocks: list[tuple[str, str, str]] | None = field(default=None, repr=False)
    template: str | None = None  # a fingerprint of the page's layout
    # The near-duplicate signatures of the edge blocks, computed by the extraction
    # worker (extraction.nearblocks.edge_signatures); None: computed by the writer.
    signatures: list[str | None] | None = field(default=None, repr=False)
    # The texts of the extraction vote's other candidates, for the profile to learn
    # from too (extraction.extract); None when no vote ran.
    seen: list[list[str]] | None = field(default=None, repr=False)
    # Share of the extractor's body words removed as boilerplate (drift alarm).
    removed_share: float | None = None
    # The profile (block hashes) the text was cleaned with: the writer re-cleans
    # at the end only texts cleaned with an older one.
    profile: frozenset[int] | None = field(default=None, repr=False)
    # The URL the sitemap, feed or link listed the page at, and the lastmod it
    # gave: recorded in the pages table for the next run to compare.
    listed: str | None = None
    lastmod: str | None = None
    # The feed item's date or the sitemap lastmod taken as date_published, the page
    # giving no date: a date already stored for the release wins (crawler.lastmod.date_hint).
    date_hint: str | None = None


@dataclass
class FailureItem:
    """A URL that could not be archived, and why, in one line."""

    url: str
    reason: str
    status: int | None = None
    capture: Capture | None = field(default=None, repr=False)


@dataclass
class LeftOutItem:
    """A URL a sitemap, feed or page listed that the source's allow/deny patterns leave out:
    not fetched (a walk reads its pages for their links only), but counted and listed
    (``pressroom pages --outside-allow``)."""

    url: str  # its normal form
    reason: str  # which rule left it out


@dataclass
class LaterPageItem:
    """A listing's or walked page's later page (its "Next", its pager's "3"), named so by a
    page just read: never left out. A plain link may have had it fetched, and counted as
    left out, before that page was read (then the pager's request was a duplicate): the
    pipeline takes that count and row back (crawler.pipelines.StorePipeline)."""

    url: str  # its normal form


@dataclass
class NotModifiedItem:
    """The site answered 304 Not Modified: the archived version is still current."""

    url: str
    listed: str | None = None  # as in ArticleItem
    lastmod: str | None = None


@dataclass
class NotReleaseItem:
    """A page fetched and judged not a release (a home page, a listing, an "About" page)."""

    url: str  # as listed in the sitemap or link
    reason: str
    lastmod: str | None = None
