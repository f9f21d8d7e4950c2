"""Drift alarms: a run whose extraction looks broken next to the source's history."""

from __future__ import annotations

import datetime as dt

from crawler.drift import histogram_median, warnings
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


def test_a_jump_in_boilerplate_removal_is_named():
    before = {**HEALTHY, "boilerplate_removed": 0.06}
    jumped = run(boilerplate_removed=0.55, boilerplate_pages=40)
    assert warnings(jumped, before) == [
        "boilerplate removal jumped: cleaning removed 55% of the extracted text (median; was 6%)"
    ]
    # Small moves, no history, or too few pages say nothing.
    assert warnings(run(boilerplate_removed=0.15, boilerplate_pages=40), before) == []
    assert warnings(jumped, {**HEALTHY, "boilerplate_removed": None}) == []
    assert warnings(run(boilerplate_removed=0.55, boilerplate_pages=2), before) == []


def test_histogram_median():
    assert histogram_median([0] * 101) is None
    counts = [0] * 101
    counts[5], counts[40] = 3, 2
    assert histogram_median(counts) == 0.05
    counts[40] = 4
    assert histogram_median(counts) == 0.40


def test_archive_keeps_each_runs_boilerplate_share_as_history(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        for share in (0.04, 0.08, 0.06):
            run_id = archive.start_run("s", {})
            archive.finish_run(run_id, "ok", boilerplate_removed=share)
        failed = archive.start_run("s", {})
        archive.finish_run(failed, "failed", boilerplate_removed=0.9)  # not history
        other = archive.start_run("other", {})
        archive.finish_run(other, "ok", boilerplate_removed=0.5)  # another source
        now = archive.start_run("s", {})
        quality = archive.quality("s", now)
        assert archive.runs(limit=1)[0]["boilerplate_removed"] is None
    assert quality["before"]["boilerplate_removed"] == 0.06
