"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A source file for the fixture site, as a user would write one.
FIXTURE_SOURCE = """\
name = "fixture"
title = "Rights Watch Demo (test fixture)"
allowed_domains = ["127.0.0.1"]

[discover]
sitemaps = ["{base}/sitemap.xml"]
feeds = ["{base}/news/feed.xml"]
listings = ["{base}/news"]
next_page = 'a[rel="next"]'

[articles]
allow = ['^{base}/(?:fr/)?news/\\d{{4}}/\\d{{2}}/\\d{{2}}/[^/]+$']

[extract]
drop_phrases = ["Your tax deductible gift can help stop human rights violations"]
"""


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess:
    """Run `pressroom ARGS...` in a fresh process and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
    )


class Clock:
    """Deterministic clock: each call returns one second later than the last."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 27, 21, 3, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now
