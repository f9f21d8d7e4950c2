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
# Cleaning normally removes a few percent of what trafilatura keeps (share
# buttons, donation appeals, related links). A redesign that makes it remove
# real paragraphs shows as a jump; so does a profile that learned body text.
REMOVAL_JUMP = 0.25


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
    out.extend(_removal(run, before))
    return out


def _removal(run: dict[str, Any], before: dict[str, Any]) -> list[str]:
    now, then = run.get("boilerplate_removed"), before.get("boilerplate_removed")
    if now is None or then is None or run.get("boilerplate_pages", 0) < MIN_RUN:
        return []
    if now >= then + REMOVAL_JUMP and now >= 2 * then:
        return [
            f"boilerplate removal jumped: cleaning removed {now:.0%} of the extracted text "
            f"(median; was {then:.0%})"
        ]
    return []


def histogram_median(counts: list[int]) -> float | None:
    """The median of values counted in whole-percent bins, as a share; None when empty.

    >>> histogram_median([0, 3, 0, 1] + [0] * 97)
    0.01
    """
    total = sum(counts)
    if total == 0:
        return None
    seen = 0
    for percent, count in enumerate(counts):
        seen += count
        if 2 * seen >= total:
            return percent / 100
    return None  # not reached
