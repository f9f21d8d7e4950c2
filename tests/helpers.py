"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The console script that `pip install` put on PATH: what users run. Tests go
# through it, not `python -m crawler` or click's CliRunner, so that start-up
# code, entry points and the installed environment are exercised too.
PROGRAM = shutil.which("pressroom")


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess:
    """Run the installed `pressroom ARGS...` in a fresh process and capture its output."""
    if PROGRAM is None:
        raise RuntimeError("the pressroom program is not installed: pip install -e '.[test]'")
    return subprocess.run(
        [PROGRAM, *args],
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
