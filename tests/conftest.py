"""Shared fixtures: the fixture site served on 127.0.0.1, and the CLI in a subprocess.

Every crawl in the tests runs the real `pressroom` command in its own process
(Scrapy's reactor cannot restart), against the site served here, into a real
SQLite file. Nothing leaves the machine.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crawler.demo.server import DemoServer, serve
from crawler.demo.site import Site, build_site

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

CLI = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session")
def site() -> Site:
    return build_site()


@pytest.fixture(scope="session")
def site_server(site: Site) -> Iterator[DemoServer]:
    with serve(site) as server:
        yield server


@pytest.fixture(scope="session")
def site_url(site_server: DemoServer) -> str:
    return site_server.url


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 240
) -> subprocess.CompletedProcess:
    """Run `pressroom ARGS...` in a fresh process and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
    )


@pytest.fixture(scope="session")
def cli() -> CLI:
    return run_cli


@pytest.fixture(scope="session")
def fixture_source(tmp_path_factory: pytest.TempPathFactory, site_url: str) -> Path:
    path = tmp_path_factory.mktemp("sources") / "fixture.toml"
    path.write_text(FIXTURE_SOURCE.format(base=site_url))
    return path
