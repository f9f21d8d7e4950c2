"""Drift alarms: a run whose extraction looks broken next to the source's history."""

from __future__ import annotations

import datetime as dt

from crawler.drift import warnings
from storage import Archive

HEALTHY = {
    "count": 900,
    "median_words": 640,
    "share_dated": 1.0,
    "share_titled": 1.0,
    "distinct_titles": 900,
}


def run(**changes):
    return {**HEALTHY, "count": 40, "distinct_titles": 40, **changes}


def test_healthy_run_raises_nothing():
    assert warnings(run(), HEALTHY) == []


def test_each_symptom_is_named():
    assert warnings(run(median_words=200), HEALTHY) == [
        "median text length fell from 640 to 200 words"
    ]
    assert warnings(run(share_dated=0.5), HEALTHY) == ["dates missing on 50% of articles (was 0%)"]
    assert warnings(run(share_titled=0.1), HEALTHY) == [
        "titles missing on 90% of articles (was 0%)"
    ]
    assert warnings(run(distinct_titles=1), HEALTHY) == [
        "all 40 new or changed articles have the same title"
    ]


def test_too_little_evidence_stays_quiet():
    assert warnings(run(count=3, median_words=10), HEALTHY) == []
    assert warnings(run(median_words=10), {**HEALTHY, "count": 5}) == []


def test_archive_quality_splits_run_from_history(tmp_path):
    # One clock tick per archive call: the first run on day 1, the second on day 2.
    times = iter(f"2026-01-0{d}T00:00:00+00:00" for d in (1, 1, 1, 2, 2, 2, 2))

    def clock() -> dt.datetime:
        return dt.datetime.fromisoformat(next(times))

    with Archive(tmp_path / "a.db", clock=clock) as archive:
        first = archive.start_run("s", {})
        archive.save_articles(
            [{"url": "u1", "source": "s", "title": "A", "text": "one two three four"}], first
        )
        archive.finish_run(first, "ok")
        second = archive.start_run("s", {})
        archive.save_articles(
            [{"url": "u2", "source": "s", "title": "B", "text": "one", "date_published": "2026"}],
            second,
        )
        quality = archive.quality("s", second)
    assert quality["run"]["count"] == 1 and quality["run"]["median_words"] == 1
    assert quality["run"]["share_dated"] == 1.0
    assert quality["before"]["count"] == 1 and quality["before"]["median_words"] == 4
