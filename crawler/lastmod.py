"""Whether a sitemap entry changed since its page was fetched, by what the site said.

    >>> moved("2026-01-12T09:30:00+01:00", "2026-01-12T08:30:00Z", "2026-01-13T02:00:00+00:00")
    False
    >>> moved("2026-01-12", "2026-01-14", "2026-01-13T02:00:00+00:00")
    True

A rerun compares each entry's ``<lastmod>`` (or a feed's ``<updated>``) with
the one stored when its page was last fetched, never with the crawler's own
clock: a site whose clock or time zone is behind, or which writes a bare date
(read as midnight), still moves its lastmod when it edits a page. What lastmod
cannot say is left to conditional requests (ETag, Last-Modified) and to
``--recheck-older-than``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

# A bare date is a day in the site's own zone, which may end up to UTC+12h
# after the UTC day does (UTC-12); then the day is surely over everywhere.
_DAY_OVER = timedelta(days=1, hours=12)


def parse(value: str | None) -> datetime | None:
    """A W3C datetime as an aware datetime (a bare date: UTC midnight), or None.

    >>> parse("2026-01-12T09:30:00Z").isoformat()
    '2026-01-12T09:30:00+00:00'
    >>> parse("2026-01-12").isoformat(), parse("yesterday")
    ('2026-01-12T00:00:00+00:00', None)
    """
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def date_hint(published: str | None, modified: str | None, lastmod: str | None) -> str | None:
    """The sitemap's ``<lastmod>`` as a release's publication date, or None.

    The last hint: only for a page that gives no date of its own, neither a
    publication nor an update date (a page showing "Last updated" only is edited:
    its lastmod is that edit, not the publication). Kept as the site wrote it,
    a bare date or a full one; never a lastmod in the future.

    >>> date_hint(None, None, "2023-04-11"), date_hint(None, None, "2023-04-11T09:30:00Z")
    ('2023-04-11', '2023-04-11T09:30:00Z')
    >>> date_hint("2023-04-01", None, "2023-04-11"), date_hint(None, "2023-04-22", "2023-04-22")
    (None, None)
    >>> date_hint(None, None, "last week"), date_hint(None, None, "2999-01-01")
    (None, None)
    """
    when = parse(lastmod)
    if published or modified or when is None or lastmod is None:
        return None
    if when > datetime.now(UTC) + timedelta(days=1):
        return None  # a clock or generator error, not a date the release was published
    return lastmod.strip()


# A value on at least this many entries, and on half of all, is a stamp.
STAMP_MIN = 10


def stamped(value: str | None, counts: Mapping[str, int], entries: int) -> bool:
    """Whether a sitemap wrote ``value`` on so many entries that it is its own stamp.

    A generator that writes its build time (or today's date) on every URL says
    nothing of when each release was published: such a lastmod is no date hint.
    ``counts``: how many entries carry each lastmod; ``entries``: how many carry one.

    >>> stamped("2024-01-05T03:00:00Z", {"2024-01-05T03:00:00Z": 40}, 40)
    True
    >>> stamped("2023-04-11", {"2023-04-11": 3, "2023-04-12": 2}, 5)
    False
    """
    if not value:
        return False
    shared = counts.get(value, 0)
    return shared >= STAMP_MIN and 2 * shared >= entries


def _is_date(value: str) -> bool:
    return len(value.strip()) == 10 and parse(value) is not None


def moved(stored: str | None, seen: str | None, checked_at: str | None) -> bool:
    """True when a page listed with lastmod ``seen`` must be requested again.

    ``stored`` is the lastmod recorded when the page was last fetched (at
    ``checked_at``, ISO 8601). Without both there is nothing to compare: True,
    and the request is conditional. A different instant (forward or back) is a
    change. A bare date that had not ended when the page was fetched may hide
    a later edit the same day: True until a fetch after the day was over.

    >>> moved(None, "2026-01-12", None), moved("2026-01-12", None, None)
    (True, True)
    >>> moved("2026-01-12", "2026-01-12", "2026-01-12T20:00:00+00:00")  # the same day
    True
    """
    if not stored or not seen:
        return True
    a, b = parse(stored), parse(seen)
    if a is None or b is None:
        return stored.strip() != seen.strip()  # not dates: any change counts
    if a != b:
        return True
    if _is_date(seen):
        fetched = parse(checked_at)
        return fetched is None or fetched < b + _DAY_OVER
    return False
