"""Drift alarms: notice the night a site's redesign breaks extraction.

Example::

    >>> warnings({"count": 40, "median_words": 80, "share_dated": 1, "share_titled": 1,
    ...           "distinct_titles": 40},
    ...          {"count": 900, "median_words": 640, "share_dated": 1, "share_titled": 1,
    ...           "distinct_titles": 900})
    ['median text length fell from 640 to 80 words']
"""

from __future__ import annotations

from typing import Any

MIN_RUN = 5  # fewer new/changed articles than this say nothing
MIN_HISTORY = 10


def warnings(run: dict[str, Any], before: dict[str, Any]) -> list[str]:
    """What looks broken in this run's new and changed articles, compared with history."""
    out: list[str] = []
    if run["count"] < MIN_RUN:
        return out
    if run["distinct_titles"] == 1:
        out.append(f"all {run['count']} new or changed articles have the same title")
    if before["count"] < MIN_HISTORY:
        return out
    if run["median_words"] < before["median_words"] / 2:
        out.append(
            f"median text length fell from {before['median_words']:.0f} "
            f"to {run['median_words']:.0f} words"
        )
    for field, what in (("share_dated", "dates"), ("share_titled", "titles")):
        if run[field] < before[field] - 0.25:
            out.append(
                f"{what} missing on {1 - run[field]:.0%} of articles (was {1 - before[field]:.0%})"
            )
    return out
