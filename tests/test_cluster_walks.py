"""A link walk in a cluster (``--start-url`` with ``--redis``) reaches and reports what one
machine's does.

Through the installed `pressroom` program: a real redis-server, the coordinator
(`pressroom crawl --start-url URL --redis URL`) and two `pressroom worker`s, each a
process of its own, walking tests/test_walk_reach.py's site (start -> A -> B -> C -> E,
served on 127.0.0.1 with ETags and 304s). Workers hold no archive: a rerun's 304 has
no body, and the links of the page it stands for are in the coordinator's captures.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from helpers import PROGRAM, run_cli
from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer
from test_cluster_crawl import finish, start_worker
from test_walk_reach import _statuses, _stored, walk_site

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)


@pytest.fixture
def redis(tmp_path: Path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop(kill=True)


def _walk(base: str, db: Path, redis: RedisServer, logs: Path, *more: str) -> tuple[str, str]:
    """A cluster walk of the site with two workers: (the coordinator's stdout, its stderr)."""
    assert PROGRAM is not None
    workers = [start_worker(redis.url, logs / f"w{i}.log") for i in range(2)]
    args = [PROGRAM, "crawl", "--start-url", f"{base}/", "--allow", "/news/", "--db", str(db)]
    coordinator = subprocess.Popen(
        [*args, "--redis", redis.url, *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    err: list[str] = []
    out = finish(coordinator, workers, err)
    return out, err[0]


def test_a_cluster_rerun_walks_on_through_releases_answered_304(
    tmp_path: Path, redis: RedisServer
) -> None:
    with walk_site() as (base, state):
        db = tmp_path / "walk.db"
        _walk(base, db, redis, tmp_path)
        assert _stored(db) == {"a", "b", "c", "e"}
        state.asked()

        state.edit_c()
        again, _ = _walk(base, db, redis, tmp_path)
        asked = _statuses(state.asked())
        # A and B unchanged (one conditional request each, 304); the coordinator walks on
        # through the links their captures hold: C is rechecked (edited, 200), D found.
        assert asked["/news/a"] == [304] and asked["/news/b"] == [304], asked
        assert asked["/news/c"] == [200] and asked["/news/d"] == [200], asked
        assert "/news/e" not in asked  # linked from C's old page only
        assert _stored(db) == {"a", "b", "c", "d", "e"}
        assert ": ok - 1 new, 1 updated, 0 unchanged, 2 not modified," in again, again

        # C's page was read in full: its links are now those of the new page (D, no E).
        third, _ = _walk(base, db, redis, tmp_path)
        asked = _statuses(state.asked())
    assert {path: asked.get(path) for path in ("/news/a", "/news/b", "/news/c", "/news/d")} == {
        "/news/a": [304],
        "/news/b": [304],
        "/news/c": [304],
        "/news/d": [304],
    }
    assert "/news/e" not in asked
    assert ": ok - 0 new, 0 updated, 0 unchanged, 4 not modified," in third, third


def test_a_cluster_304_without_a_stored_page_is_read_again_in_full_once(
    tmp_path: Path, redis: RedisServer
) -> None:
    with walk_site() as (base, state):
        db = tmp_path / "walk.db"
        _walk(base, db, redis, tmp_path)
        state.asked()
        with sqlite3.connect(db) as conn:  # A archived without the page it was read from
            conn.execute("UPDATE articles SET capture_hash = NULL WHERE url LIKE '%/news/a'")
        state.edit_c()
        again, err = _walk(base, db, redis, tmp_path, "-v")
        asked = state.asked()
    # Asked conditionally by a worker, then once in full (unconditionally) for its links.
    assert [(s, c) for p, s, c in asked if p == "/news/a"] == [(304, True), (200, False)]
    assert _statuses(asked)["/news/d"] == [200]
    assert "read again in full for its links" in err
    assert ": ok - 1 new, 1 updated, 1 unchanged, 1 not modified," in again, again


def _depth_warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("Warning: --depth")]


def _run_warnings(db: Path, run: int) -> list[str]:
    shown = run_cli("runs", str(run), "--db", str(db))
    assert shown.returncode == 0, shown.stderr
    return [line for line in shown.stdout.splitlines() if line.startswith("warning: --depth")]


def test_a_cluster_walk_reports_the_links_depth_held_back(
    tmp_path: Path, redis: RedisServer
) -> None:
    """Workers walk: the links they meet beyond --depth are the coordinator's warning,
    printed and kept in the run, as one machine's are (tests/test_walk_reach.py)."""
    with walk_site() as (base, state):
        state.edit_c()  # start -> A -> B -> C -> D
        db = tmp_path / "walk.db"
        # The start page is hop 0, A 1, B 2, C 3: D, linked from C (read by a worker), is 4.
        _, err = _walk(base, db, redis, tmp_path, "--depth", "3")
        (warning,) = _depth_warnings(err)
        assert warning == (
            f"Warning: --depth 3 held back 1 more link, beyond 3 hops from the start: "
            f"{base}/news/d (a larger --depth follows them)"
        ), err
        assert _run_warnings(db, 1) == [warning.replace("Warning: ", "warning: ", 1)]
        assert "d" not in _stored(db)

        # A rerun through 304s: B (hop 2) is walked on by the coordinator, from its
        # capture, which holds C back at --depth 2.
        _, err = _walk(base, db, redis, tmp_path, "--depth", "2")
        (warning,) = _depth_warnings(err)
        assert warning.startswith("Warning: --depth 2 held back 1 more link, beyond 2 hops"), err
        assert f"{base}/news/c (" in warning
        assert len(_run_warnings(db, 2)) == 1

        # A deeper walk follows them: nothing held back, nothing said.
        _, err = _walk(base, db, redis, tmp_path, "--depth", "4")
    assert _depth_warnings(err) == []
    assert _run_warnings(db, 3) == []
    assert "d" in _stored(db)
