"""Errors of a crawl that the CLI turns into one line and an exit code.

    >>> str(CrawlError("the crawl did not start: ValueError: bad value"))
    'the crawl did not start: ValueError: bad value'

Kept apart from crawler.run, which the CLI imports only when it crawls.
"""

from __future__ import annotations


class CrawlError(RuntimeError):
    """The crawl could not run at all (as opposed to a run that recorded failures)."""
