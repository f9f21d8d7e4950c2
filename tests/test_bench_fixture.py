"""The fixture part of bench/extraction.py runs, and its goals hold (it needs no shared data)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` puts tests/, not the repo root, on sys.path
    sys.path.insert(0, str(ROOT))

from bench.fixture import print_fixture, run_pressroom, run_trafilatura  # noqa: E402
from fixtures.demo.site import build_site  # noqa: E402


def test_fixture_goals_are_met_and_the_profile_is_what_meets_them():
    site = build_site(variant="alt")
    plain = run_trafilatura(site, "alt", "trafilatura default")
    without = run_pressroom(site, "alt", profile=False)
    ours = run_pressroom(site, "alt")
    lines: list[str] = []
    goals = print_fixture([plain, without, ours], echo=lines.append)
    assert goals and all(goals), "\n".join(lines)
    assert ours.leaks == 0 and without.leaks > 0 and plain.leaks > 0
    assert ours.summary.f1 > without.summary.f1
    assert ours.fields["org_author"] == ours.fields["image_caption"] == 1.0
    assert plain.fields["org_author"] is None  # not a field trafilatura reports
    assert any(line.startswith("goal alt: zero boilerplate leaks: met") for line in lines)
