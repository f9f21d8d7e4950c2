"""Shared fixtures: the fixture site served on 127.0.0.1, and the CLI in a subprocess.

Every crawl in the tests runs the real `pressroom` command in its own process
(Scrapy's reactor cannot restart), against the site served here, into a real
SQLite file. Nothing leaves the machine.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import run_cli

from fixtures.demo.server import DemoServer, serve
from fixtures.demo.site import Site, build_site
from fixtures.sources import fixture_source as fixture_source_text

CLI = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="session", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Files pressroom rebuilds (the unpacked language model) go here, not in ~/.cache.

    Set in the environment, so that crawls run in subprocesses use it too.
    """
    path = tmp_path_factory.mktemp("cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("PRESSROOM_CACHE_DIR", str(path))
    yield path
    patch.undo()


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


@pytest.fixture(scope="session")
def cli() -> CLI:
    return run_cli


@pytest.fixture(scope="session")
def fixture_source(tmp_path_factory: pytest.TempPathFactory, site_url: str) -> Path:
    path = tmp_path_factory.mktemp("sources") / "fixture.toml"
    path.write_text(fixture_source_text(site_url))
    return path


@pytest.fixture(scope="session")
def crawled_archive(tmp_path_factory: pytest.TempPathFactory, fixture_source: Path) -> Path:
    """The fixture site crawled once by the real `pressroom crawl`: read it, never write to it."""
    db = tmp_path_factory.mktemp("crawled") / "archive.db"
    result = run_cli("crawl", "--source", str(fixture_source), "--db", str(db))
    if result.returncode != 0 or "Traceback" in result.stderr:
        pytest.fail(f"crawl of the fixture site failed: {result.stdout}{result.stderr}")
    return db
