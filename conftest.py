"""Doctests of the shipped packages (``pytest --doctest-modules crawler storage``).

Examples that make files (``Archive("press.db")``) make them in a temporary
folder, and the language model's cache goes there too, never into ~/.cache.
The tests in tests/ have fixtures of their own (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_in_a_temporary_folder(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if isinstance(request.node, DoctestItem):
        folder = request.getfixturevalue("tmp_path")
        monkeypatch.chdir(folder)
        request.getfixturevalue("doctest_namespace")["tmp_path"] = folder
        monkeypatch.setenv("PRESSROOM_CACHE_DIR", str(folder / "cache"))


@pytest.fixture(scope="session")
def _doctest_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real redis-server on 127.0.0.1 for the cluster package's examples."""
    from tests.redis_server import REDIS_SERVER, SKIP_REASON, RedisServer

    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    server = RedisServer(Path(tmp_path_factory.mktemp("doctest-redis"))).start()
    try:
        yield server
    finally:
        server.stop(kill=True)


@pytest.fixture(autouse=True)
def _doctest_redis_client(request: pytest.FixtureRequest) -> None:
    """``server`` in the cluster's examples: a client of a real, empty Redis."""
    if isinstance(request.node, DoctestItem) and request.node.name.startswith("crawler.cluster"):
        client = request.getfixturevalue("_doctest_redis").client()
        client.flushall()
        request.getfixturevalue("doctest_namespace")["server"] = client
