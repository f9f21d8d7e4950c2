"""Readable views of the runs table, for `pressroom runs`: did last night's crawl work?

Example::

    >>> run = {"id": 7, "source": "hrw", "status": "ok", "articles_new": 2,
    ...        "started": "2026-12-01T02:00:05+00:00", "finished": "2026-12-01T02:03:10+00:00"}
    >>> table([run]).splitlines()[1].split()[:8]
    ['7', 'hrw', '2026-12-01', '02:00', '3', 'min', 'ok', '2']
    >>> took(run), took({"started": run["started"], "status": "running"})
    ('3 min', 'running')
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pressroom.columns import aligned

# (header, runs column or columns summed): the counts of the summary line a crawl prints.
COUNTS = (
    ("new", ("articles_new",)),
    ("updated", ("articles_updated",)),
    ("unchanged", ("articles_unchanged",)),
    ("not modified", ("not_modified",)),
    ("failed", ("failed",)),
    ("not releases", ("not_releases", "not_releases_skipped")),
    ("fetched", ("pages_fetched",)),
)


def took(run: dict[str, Any]) -> str:
    """How long the run took: "45 s", "12 min", "2.5 h"; "running" while it runs."""
    if run.get("status") == "running" or not run.get("finished"):
        return str(run.get("status") or "")
    try:
        seconds = (
            dt.datetime.fromisoformat(run["finished"]) - dt.datetime.fromisoformat(run["started"])
        ).total_seconds()
    except (TypeError, ValueError):  # a row written by hand, without both times
        return ""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def table(runs: list[dict[str, Any]]) -> str:
    """One aligned row per run, newest first as given; counts right-aligned."""
    headers = ["run", "source", "started", "took", "status", *(h for h, _ in COUNTS)]
    rows = [headers]
    for run in runs:
        started = (run.get("started") or "")[:16].replace("T", " ")
        counts = [str(sum(run.get(c) or 0 for c in columns)) for _, columns in COUNTS]
        rows.append(
            [str(run["id"]), run.get("source") or "", started, took(run), run.get("status") or ""]
            + counts
        )
    numeric = {0, *range(5, len(headers))}
    return aligned(headers, rows[1:], right=numeric, right_headers=False)


def notes(runs: list[dict[str, Any]]) -> list[str]:
    """A line per run message and warning: why a run failed or stopped, what drifted.

    >>> notes([{"id": 4, "message": "most pages failed (40 failures)", "warnings": ["x"]}])
    ['run 4: most pages failed (40 failures)', 'run 4: warning: x']
    """
    lines = []
    for run in runs:
        if run.get("message"):
            lines.append(f"run {run['id']}: {run['message']}")
        lines += [f"run {run['id']}: warning: {w}" for w in run.get("warnings") or []]
    return lines
