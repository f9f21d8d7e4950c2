"""A crawl by a coordinator and worker processes, through the installed `pressroom` program.

A real redis-server (tests/redis_server.py), the fixture site on 127.0.0.1, the
coordinator (`pressroom crawl --redis`) and workers (`pressroom worker`) each in
a process of its own: what a user runs on several machines, here on one.
"""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import PROGRAM, run_cli
from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer

from crawler.cluster.seen import bloom_size
from fixtures.demo.server import DemoServer, serve
from fixtures.demo.site import build_site
from fixtures.faults import serve_faults
from fixtures.sources import fixture_source, write_source

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
DEADLINE = 180  # seconds any one process may take


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop(kill=True)


def start_worker(redis_url: str, log: Path, *more: str) -> subprocess.Popen[bytes]:
    assert PROGRAM is not None
    args = [PROGRAM, "worker", "--redis", redis_url, "--workers", "1", "--exit-when-idle"]
    args += ["--allow-private-addresses", *more]
    return subprocess.Popen(args, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def start_coordinator(source: Path, db: Path, redis_url: str, *more: str) -> subprocess.Popen[str]:
    assert PROGRAM is not None
    args = [PROGRAM, "crawl", "--source", str(source), "--db", str(db), "--redis", redis_url]
    return subprocess.Popen(
        [*args, *more], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(
    coordinator: subprocess.Popen[str],
    workers: list[subprocess.Popen[bytes]],
    log: list[str] | None = None,
) -> str:
    """The coordinator's stdout once it and its workers ended; a hung crawl fails the test.

    ``log``: given a list, the coordinator's stderr is appended to it.
    """
    try:
        out, err = coordinator.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        coordinator.kill()
        out, err = coordinator.communicate()
        pytest.fail(f"the cluster crawl did not end in {DEADLINE} s: {out[-1000:]}{err[-2000:]}")
    finally:
        for worker in workers:
            try:
                worker.wait(timeout=30)  # --exit-when-idle: they leave when the crawl ends
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    assert coordinator.returncode == 0, out + err
    assert "Traceback" not in err, err
    if log is not None:
        log.append(err)
    return out


def stat(log: str, name: str) -> int:
    """A counter from the coordinator's stats dump (`pressroom crawl -v`); 0 when absent."""
    found = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(found.group(1)) if found else 0


def stored(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT url, text_hash FROM articles"))


def failures(db: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return set(conn.execute("SELECT url, reason FROM failures"))


def wait_for_results(
    client: object, coordinator: subprocess.Popen[str] | None = None, timeout: float = 60
) -> None:
    """Until a worker's results wait in the crawl's stream (at most ``timeout`` s, or
    until ``coordinator`` ends): the crawl is under way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (coordinator is None or coordinator.poll() is None):
        streams = client.scan_iter(match="pressroom:*:results")  # type: ignore[attr-defined]
        if any(client.xlen(k) for k in streams):  # type: ignore[attr-defined]
            return
        time.sleep(0.05)


def crawl_keys(redis: RedisServer) -> list[bytes]:
    return list(redis.client().scan_iter(match="pressroom:*"))


class Timed:
    """The fixture server's request log, with the time each request arrived."""

    def __init__(self, server: DemoServer) -> None:
        self.times: list[tuple[float, str]] = []
        log = server.requests
        append = log.append

        def timed(record: object) -> None:
            self.times.append((time.monotonic(), record.path))  # type: ignore[attr-defined]
            append(record)  # type: ignore[arg-type]

        log.append = timed  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def timed_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DemoServer, Path]]:
    """A fixture site of its own, its requests timed, and a source file for it."""
    with serve(build_site()) as server:
        source = tmp_path_factory.mktemp("timed") / "fixture.toml"
        source.write_text(fixture_source(server.url))
        yield server, source


def test_two_workers_store_what_one_machine_stores_within_the_cluster_rate(
    tmp_path: Path, redis: RedisServer, timed_site: tuple[DemoServer, Path], crawled_archive: Path
) -> None:
    """Same rows, same text hashes as `pressroom crawl` alone; one domain rate for both workers."""
    server, source = timed_site
    timing = Timed(server)
    delay = 0.2  # 5 requests a second to the site, for the whole cluster
    db = tmp_path / "cluster.db"
    workers = [start_worker(redis.url, tmp_path / f"w{i}.log") for i in range(2)]
    coordinator = start_coordinator(source, db, redis.url, "-v", "-s", f"DOWNLOAD_DELAY={delay}")
    errs: list[str] = []
    out = finish(coordinator, workers, errs)
    assert out.startswith("run 1 fixture: ok"), out
    # The coordinator pushes the requests its spider makes together, not one round trip each.
    pushed, trips = (
        stat(errs[0], "pressroom/cluster/requests_pushed"),
        stat(errs[0], "pressroom/cluster/pushes"),
    )
    assert pushed > 30 and 0 < trips <= pushed / 4, (pushed, trips)

    # Same URLs and texts as the one-machine crawl (its site has another port).
    one = {urlsplit(u).path: h for u, h in stored(crawled_archive).items()}
    assert len(one) > 30
    assert {urlsplit(u).path: h for u, h in stored(db).items()} == one
    assert {(urlsplit(u).path, r) for u, r in failures(db)} == {
        (urlsplit(u).path, r) for u, r in failures(crawled_archive)
    }
    for i, worker in enumerate(workers):
        log = (tmp_path / f"w{i}.log").read_text()
        assert worker.returncode == 0, log
        assert "requests completed" in log and " 0 requests completed" not in log, log
        assert re.search(r"\d+ links sent \(\d+ more already sent by this worker\)", log), log
    assert crawl_keys(redis) == []  # the coordinator deleted the crawl's keys

    # The workers' page requests (not the coordinator's own sitemaps) never beat the delay:
    # in no second did the site see more than 1/delay of them (+1 for a request landing
    # at the window's edge), and most were at least the delay apart.
    pages = [t for t, path in timing.times if "/news/" in path and "feed" not in path]
    assert len(pages) > 30
    busiest = max(sum(1 for u in pages if t <= u < t + 1.0) for t in pages)
    assert busiest <= 1 / delay + 1, busiest
    gaps = sorted(b - a for a, b in zip(pages, pages[1:], strict=False))
    assert gaps[len(gaps) // 2] >= delay * 0.9, gaps


def test_a_worker_killed_mid_crawl_loses_nothing(
    tmp_path: Path, redis: RedisServer, fixture_source: Path, crawled_archive: Path
) -> None:
    """SIGKILL a worker holding leases: they expire (3 s here) and the other worker fetches them."""
    db = tmp_path / "cluster.db"
    options = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "PRESSROOM_CLUSTER_LEASE=3"]
    coordinator = start_coordinator(fixture_source, db, redis.url, *options)
    victim = start_worker(redis.url, tmp_path / "victim.log")
    client = redis.client()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the victim holds work
        leased = [k for k in client.scan_iter(match="pressroom:*:inflight") if client.zcard(k)]
        if leased and client.get(leased[0].replace(b"inflight", b"seq")) not in (None, b"0"):
            time.sleep(1.0)  # a few pages done, some in flight
            break
        time.sleep(0.05)
    # Killed while it holds leases (it may be between two leases just now: the
    # count once, right after the sleep, could be 0 by chance).
    held = 0
    while time.monotonic() < deadline and not held and victim.poll() is None:
        held = sum(client.zcard(k) for k in client.scan_iter(match="pressroom:*:inflight"))
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert held > 0
    survivor = start_worker(redis.url, tmp_path / "survivor.log")
    out = finish(coordinator, [survivor])
    assert out.startswith("run 1 fixture: ok"), out
    assert stored(db) == stored(crawled_archive)
    assert failures(db) == failures(crawled_archive)
    assert crawl_keys(redis) == []


def test_a_redis_restart_mid_crawl_resumes(
    tmp_path: Path, redis: RedisServer, fixture_source: Path, crawled_archive: Path
) -> None:
    """Redis stopped and started again (its append-only file replayed): the crawl completes."""
    db = tmp_path / "cluster.db"
    coordinator = start_coordinator(fixture_source, db, redis.url, "-s", "DOWNLOAD_DELAY=0.1")
    workers = [start_worker(redis.url, tmp_path / f"w{i}.log") for i in range(2)]
    client = redis.client()
    wait_for_results(client)
    client.close()
    redis.stop()  # SHUTDOWN: the append-only file is flushed
    time.sleep(1.0)  # everyone retries meanwhile
    redis.start()
    out = finish(coordinator, workers)
    assert out.startswith("run 1 fixture: ok"), out
    assert stored(db) == stored(crawled_archive)
    assert failures(db) == failures(crawled_archive)


def test_the_redis_link_to_another_machine_needs_a_password(tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    bare = "redis://10.0.0.5:6379/0"  # nothing is contacted: refused before connecting
    for args in (("worker", "--redis", bare), ("crawl", "hrw", "--db", str(db), "--redis", bare)):
        result = run_cli(*args)
        assert result.returncode == 2, result
        assert result.stderr.startswith("Error: redis://10.0.0.5:6379/0: a Redis link"), result
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not db.exists()


def test_a_worker_with_nothing_to_do_exits_when_idle(redis: RedisServer) -> None:
    result = run_cli("worker", "--redis", redis.url, "--exit-when-idle", "--idle-seconds", "0")
    assert result.returncode == 0, result
    assert "no crawl running" in result.stdout
    wrong = redis.url.replace(f":{redis.password}@", ":wrong@")
    result = run_cli("worker", "--redis", wrong, "--exit-when-idle")
    assert result.returncode == 1 and "refused the password" in result.stderr, result
    assert redis.password not in result.stderr + result.stdout


def _crawl_cluster(source: Path, db: Path, redis: RedisServer, logs: Path, *more: str) -> str:
    workers = [start_worker(redis.url, logs / f"w{i}.log") for i in range(2)]
    return finish(start_coordinator(source, db, redis.url, *more), workers)


def _fetched(server: DemoServer) -> list[str]:
    """What a crawl asked the site for, robots.txt aside (each worker reads it once)."""
    return sorted(f"{r.path} {r.status}" for r in server.requests if r.path != "/robots.txt")


def test_a_second_cluster_crawl_fetches_what_a_second_one_machine_crawl_fetches(
    tmp_path: Path, redis: RedisServer
) -> None:
    """Workers skip archived releases and stop listings as the one-machine crawl does."""
    with serve(build_site()) as server:
        source = tmp_path / "fixture.toml"
        source.write_text(fixture_source(server.url))
        one, cluster = tmp_path / "one.db", tmp_path / "cluster.db"
        assert run_cli("crawl", "--source", str(source), "--db", str(one)).returncode == 0
        server.requests.clear()
        second = run_cli("crawl", "--source", str(source), "--db", str(one))
        assert second.returncode == 0, second
        fetched_one = _fetched(server)
        _crawl_cluster(source, cluster, redis, tmp_path)
        server.requests.clear()
        out = _crawl_cluster(source, cluster, redis, tmp_path)
        fetched_cluster = _fetched(server)
    assert out.startswith("run 2 fixture: ok - 0 new, 0 updated, 0 unchanged"), out
    assert fetched_cluster == fetched_one
    # The same counts in the summary line, but "(N responses)": workers read robots.txt too.
    assert second.stdout.rsplit(" (", 1)[0] == out.rsplit(" (", 1)[0], (second.stdout, out)
    assert len(fetched_one) < 30  # sitemaps, the feed, listing page 1: not the site again


def test_max_pages_is_one_budget_for_the_cluster(
    tmp_path: Path, redis: RedisServer, timed_site: tuple[DemoServer, Path]
) -> None:
    """`--max-pages 12` with two workers: 12 pages requested in all, not 12 per process."""
    server, source = timed_site
    server.requests.clear()
    out = _crawl_cluster(source, tmp_path / "cluster.db", redis, tmp_path, "--max-pages", "12")
    assert out.startswith("run 1 fixture: ok"), out
    # Every HTML page counts (listings, /node/ aliases, old links), as in one-machine
    # crawls; robots.txt, sitemaps and the feed do not. A 301's target is the same
    # request followed, not a page of its own, so each redirect may add one path.
    seen = [
        r
        for r in server.requests
        if r.path != "/robots.txt" and not r.path.startswith(("/sitemap", "/news/feed.xml"))
    ]
    pages = {r.path for r in seen}
    redirects = {r.path for r in seen if r.status in (301, 302)}
    assert 12 <= len(pages) <= 12 + len(redirects), sorted(pages)
    assert len(pages - redirects) <= 12, sorted(pages)
    assert 0 < len(stored(tmp_path / "cluster.db")) <= 12


def test_five_worker_kills_and_a_redis_crash_lose_nothing(
    tmp_path: Path, fixture_source: Path, crawled_archive: Path
) -> None:
    """The issue's fault run at test size: a worker SIGKILLed 5 times at random moments
    (a new one started each time) and redis-server SIGKILLed once in between, with
    every write fsynced (`appendfsync always`, as the README asks of a deployment
    that must lose nothing). Same releases, same texts, each stored once."""
    redis = RedisServer(tmp_path / "redis", fsync="always").start()
    moments = random.Random(18)
    db = tmp_path / "cluster.db"
    options = ["-s", "DOWNLOAD_DELAY=0.25", "-s", "PRESSROOM_CLUSTER_LEASE=3"]
    try:
        coordinator = start_coordinator(fixture_source, db, redis.url, *options)
        steady = start_worker(redis.url, tmp_path / "steady.log")
        victim = start_worker(redis.url, tmp_path / "victim0.log")
        client = redis.client()
        wait_for_results(client)
        # The crawl's seen-set: a Bloom bitmap of a bounded size (200,000 URLs at 1e-6: at
        # most 718,880 bytes), which expires with the run.
        (seen,) = client.scan_iter(match="pressroom:*:seen")
        assert client.type(seen) == b"string"
        assert 0 < client.strlen(seen) <= bloom_size(200_000, 1e-6)[0] // 8 + 1
        assert client.ttl(seen) > 0
        held = []
        for kill in range(1, 6):
            time.sleep(moments.uniform(0.3, 1.5))
            assert coordinator.poll() is None, "the crawl ended before the faults did"
            inflight = client.scan_iter(match="pressroom:*:inflight")
            held.append(sum(client.zcard(k) for k in inflight))
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            if kill == 3:
                client.close()
                redis.restart(kill=True)  # a crash: only the append-only file survives
                client = redis.client()
            victim = start_worker(redis.url, tmp_path / f"victim{kill}.log")
        client.close()
        out = finish(coordinator, [steady, victim])
    finally:
        redis.stop(kill=True)
    assert out.startswith("run 1 fixture: ok"), out
    assert any(held), held  # some kill took leased requests with it
    assert stored(db) == stored(crawled_archive)
    assert failures(db) == failures(crawled_archive)
    with sqlite3.connect(db) as conn:
        rows, urls = conn.execute("SELECT count(*), count(DISTINCT url) FROM articles").fetchone()
        # A result delivered twice (a lease re-handed after its first answer) is not an edit.
        (revisions,) = conn.execute("SELECT count(*) FROM revisions").fetchone()
    assert rows == urls == len(stored(crawled_archive))
    assert revisions == 0


def test_a_worker_refuses_a_loopback_site_unless_allowed(
    tmp_path: Path, redis: RedisServer
) -> None:
    """Workers run in data centres: without --allow-private-addresses a worker fetches no
    page on 127.0.0.1, and every refusal is a recorded failure, not a silent gap."""
    assert PROGRAM is not None
    db = tmp_path / "cluster.db"
    with serve(build_site()) as server:
        source = tmp_path / "fixture.toml"
        source.write_text(fixture_source(server.url))
        log = tmp_path / "worker.log"
        worker = subprocess.Popen(
            [PROGRAM, "worker", "--redis", redis.url, "--workers", "1", "--exit-when-idle"],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        coordinator = start_coordinator(source, db, redis.url)
        out, err = coordinator.communicate(timeout=DEADLINE)
        assert worker.wait(timeout=30) == 0, log.read_text()
        requested = {r.path for r in server.requests}
    assert coordinator.returncode == 1, out + err
    summary = re.match(r"run 1 fixture: failed - 0 new, .* (\d+) failed,", out)
    assert summary and int(summary.group(1)) > 30, out
    # The end line counts what the run saw: the refused pages, and the sitemap's other
    # pages that the source's patterns leave out (not "every page failed").
    error = err.strip().splitlines()[-1]
    assert error.startswith("Error: no release archived:"), err
    assert f" {summary.group(1)} failed" in error, err
    refused = failures(db)
    assert {reason for _, reason in refused} == {"refused: loopback address 127.0.0.1"}
    assert len(refused) == int(summary.group(1))
    # The refusal comes before the request: the site never saw one of those pages.
    assert not {urlsplit(url).path for url, _ in refused} & requested


def test_a_robots_crawl_delay_spaces_the_whole_cluster(tmp_path: Path, redis: RedisServer) -> None:
    """robots.txt says Crawl-delay: 1. Two workers, each reading robots.txt itself, still
    send the site one page a second between them, not one each."""
    with serve_faults(
        build_site(6, translations_every=0), robots="crawl-delay:1", faults=False
    ) as server:
        source = write_source(
            tmp_path / "robots.toml", "robots", sitemaps=[f"{server.url}/sitemap.xml"]
        )
        out = _crawl_cluster(source, tmp_path / "cluster.db", redis, tmp_path)
        pages = sorted(h.at for h in server.hits() if h.path.startswith("/news/"))
    assert out.startswith("run 1 robots: ok - 6 new"), out
    gaps = [b - a for a, b in zip(pages, pages[1:], strict=False)]
    assert len(gaps) >= 5 and min(gaps) >= 0.9, gaps


def test_workers_revalidate_archived_releases_with_conditional_requests(
    tmp_path: Path, redis: RedisServer
) -> None:
    """`--recheck-older-than` in a cluster: workers send the archive's validators
    (ETag, Last-Modified) that the coordinator published, and a 304 counts as not modified."""
    with serve(build_site()) as server:
        source = tmp_path / "fixture.toml"
        source.write_text(fixture_source(server.url))
        db = tmp_path / "cluster.db"
        _crawl_cluster(source, db, redis, tmp_path)
        time.sleep(1.1)  # last_fetched has one-second resolution
        server.requests.clear()
        recheck = ("--recheck-older-than", "0h", "--recheck-batch", "5")
        out = _crawl_cluster(source, db, redis, tmp_path, *recheck)
        revalidated = [r.path for r in server.requests if r.status == 304]
    summary = re.search(r"(\d+) not modified", out)
    assert out.startswith("run 2 fixture: ok - 0 new, 0 updated"), out
    assert summary and int(summary.group(1)) == len(revalidated) >= 5, (out, revalidated)


def _descendants(pid: int) -> set[int]:
    """The process's children, theirs, and so on (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = {int(c) for c in (task / "children").read_text().split()}
            except OSError:  # the task ended meanwhile
                continue
            todo += children - found
            found |= children
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_worker_needs_no_archive_and_extracts_in_its_own_pool(
    tmp_path: Path, redis: RedisServer, fixture_source: Path, crawled_archive: Path
) -> None:
    """`pressroom worker --workers 2` in an empty folder: it writes no file there (no
    archive), runs two extraction processes, and the crawl stores what one machine stores."""
    assert PROGRAM is not None
    home = tmp_path / "worker-home"
    home.mkdir()
    worker = subprocess.Popen(
        [PROGRAM, "worker", "--redis", redis.url, "--workers", "2", "--exit-when-idle",
         "--allow-private-addresses"],
        cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    db = tmp_path / "cluster.db"
    coordinator = start_coordinator(fixture_source, db, redis.url, "-s", "DOWNLOAD_DELAY=0.05")
    most = 0
    while coordinator.poll() is None and worker.poll() is None:
        most = max(most, len(_descendants(worker.pid)))
        time.sleep(0.05)
    out = finish(coordinator, [worker])
    assert out.startswith("run 1 fixture: ok"), out
    assert worker.returncode == 0
    assert stored(db) == stored(crawled_archive)
    # multiprocessing's resource tracker, the fork server and its two extraction processes
    # (`--workers 1`: 3)
    assert most == 4, most
    assert list(home.iterdir()) == []


def _readme_acl_rules() -> list[str]:
    """The ACL rules the README gives the crawl's Redis user (kept true by the test below)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"`ACL SETUSER pressroom on >PASSWORD (.*?)`", readme, re.S)
    assert found, "README.md: the ACL SETUSER line is gone"
    return found.group(1).split()


def test_the_readme_acl_user_can_run_a_cluster_crawl_and_a_lesser_one_is_refused(
    tmp_path: Path, redis: RedisServer, fixture_source: Path, crawled_archive: Path
) -> None:
    """The README's `ACL SETUSER` line, run as written, is enough for a coordinator and a
    worker; a user without one of its rules (+@transaction) is refused at the start by
    both commands, in one line that says what it lacks, instead of a crawl that hangs."""
    admin = redis.client()
    rules = _readme_acl_rules()
    admin.execute_command("ACL", "SETUSER", "pressroom", "on", ">s3cret", *rules)
    lesser = [r for r in rules if r != "+@transaction"]
    assert len(lesser) == len(rules) - 1
    admin.execute_command("ACL", "SETUSER", "lesser", "on", ">s3cret", *lesser)
    admin.close()
    user_url = f"redis://pressroom:s3cret@127.0.0.1:{redis.port}/0"
    db = tmp_path / "acl.db"
    worker = start_worker(user_url, tmp_path / "w.log")
    out = finish(start_coordinator(fixture_source, db, user_url), [worker])
    assert out.startswith("run 1 fixture: ok"), out
    assert stored(db) == stored(crawled_archive)

    lesser_url = f"redis://lesser:s3cret@127.0.0.1:{redis.port}/0"
    refused = tmp_path / "refused.db"
    for args in (
        ("worker", "--redis", lesser_url, "--exit-when-idle"),
        ("crawl", "--source", str(fixture_source), "--db", str(refused), "--redis", lesser_url),
    ):
        result = run_cli(*args)
        assert result.returncode == 2, result
        line = f"Error: redis://lesser:***@127.0.0.1:{redis.port}/0: the Redis user may not run"
        assert result.stderr.startswith(line), result.stderr
        assert "'multi'" in result.stderr and "+@transaction" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not refused.exists()


def test_a_user_refused_ping_and_a_database_out_of_range_are_bad_input(
    tmp_path: Path, redis: RedisServer, fixture_source: Path
) -> None:
    """A user without +@connection (PING refused) is refused as one without +@transaction
    is: exit 2 and the grants. A database Redis does not have (/99) is bad input: exit 2."""
    admin = redis.client()
    rules = [r for r in _readme_acl_rules() if r != "+@connection"]
    admin.execute_command("ACL", "SETUSER", "weak", "on", ">s3cret", *rules)
    admin.close()
    weak = f"redis://weak:s3cret@127.0.0.1:{redis.port}/0"
    no_db = redis.url.rsplit("/", 1)[0] + "/99"
    db = tmp_path / "refused.db"
    bad_db = no_db.replace("/99", "/abc")
    for url, says in ((weak, "+@connection"), (no_db, "no database 99"), (bad_db, "'abc'")):
        for args in (
            ("worker", "--redis", url, "--exit-when-idle"),
            ("crawl", "--source", str(fixture_source), "--db", str(db), "--redis", url),
        ):
            result = run_cli(*args)
            assert result.returncode == 2, result
            assert result.stderr.startswith("Error: redis://"), result.stderr
            assert says in result.stderr, result.stderr
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not db.exists()


def test_a_redis_user_that_loses_its_rights_mid_crawl_fails_the_run_instead_of_hanging(
    tmp_path: Path, redis: RedisServer, fixture_source: Path
) -> None:
    """An administrator takes the crawl user's rights away mid-crawl (ACL SETUSER -@all):
    coordinator and worker each stop with exit 1 and say why, none waits forever."""
    admin = redis.client()
    admin.execute_command("ACL", "SETUSER", "pressroom", "on", ">s3cret", *_readme_acl_rules())
    url = f"redis://pressroom:s3cret@127.0.0.1:{redis.port}/0"
    log = tmp_path / "w.log"
    worker = start_worker(url, log)
    coordinator = start_coordinator(
        fixture_source, tmp_path / "a.db", url, "-s", "DOWNLOAD_DELAY=0.2"
    )
    wait_for_results(admin, coordinator)
    admin.execute_command("ACL", "SETUSER", "pressroom", "-@all")
    admin.close()
    out, err = coordinator.communicate(timeout=60)
    assert worker.wait(timeout=60) == 1, log.read_text()
    assert coordinator.returncode == 1, out + err
    assert out.startswith("run 1 fixture: failed"), out
    assert err.strip().splitlines()[-1].startswith("Error: cluster failed: NoPermissionError"), err
    assert "cluster failed: NoPermissionError" in log.read_text()


def test_a_cluster_crawl_over_tls(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fixture_source: Path,
    crawled_archive: Path,
) -> None:
    """A Redis that speaks TLS only (`rediss://`, a certificate from a CA of its own): a
    program that trusts the CA (SSL_CERT_FILE, as the README says) crawls over it; one
    that does not is refused in one line, exit 1, before anything starts."""
    redis = RedisServer(tmp_path / "redis", tls=True).start()
    try:
        assert redis.url.startswith("rediss://")
        refused = run_cli("worker", "--redis", redis.url, "--exit-when-idle")
        assert refused.returncode == 1, refused
        assert refused.stderr.startswith("Error: rediss://:***@127.0.0.1"), refused.stderr
        assert "certificate verify failed" in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        monkeypatch.setenv("SSL_CERT_FILE", str(redis.ca))  # the programs below trust it
        db = tmp_path / "tls.db"
        worker = start_worker(redis.url, tmp_path / "w.log")
        out = finish(start_coordinator(fixture_source, db, redis.url), [worker])
    finally:
        redis.stop(kill=True)
    assert out.startswith("run 1 fixture: ok"), out
    assert stored(db) == stored(crawled_archive)


def _crawl_name(client: object, timeout: float = 60) -> str:
    """The name of the one crawl running, once it has one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = client.smembers("pressroom:crawls")  # type: ignore[attr-defined]
        if names:
            return next(iter(names)).decode()
        time.sleep(0.05)
    pytest.fail("no crawl started")


def _keys_of(redis: RedisServer, crawl: str) -> list[bytes]:
    return list(redis.client().scan_iter(match=f"pressroom:{{{crawl}}}:*"))


def test_a_coordinator_stopped_by_sigterm_leaves_no_key(
    tmp_path: Path, redis: RedisServer, fixture_source: Path
) -> None:
    """Its worker, still fetching, must not make the deleted keys again (no TTL, for good)."""
    options = ["-s", "DOWNLOAD_DELAY=0.1"]
    coordinator = start_coordinator(fixture_source, tmp_path / "a.db", redis.url, *options)
    worker = start_worker(redis.url, tmp_path / "w.log")
    client = redis.client()
    crawl = _crawl_name(client)
    wait_for_results(client, coordinator)
    coordinator.send_signal(signal.SIGTERM)
    out, err = coordinator.communicate(timeout=DEADLINE)
    assert coordinator.returncode == 143, out + err
    worker.wait(timeout=60)  # it leaves the ended crawl
    assert _keys_of(redis, crawl) == []


def test_a_rerun_after_a_killed_coordinator_deletes_the_dead_crawl_at_once(
    tmp_path: Path, redis: RedisServer, fixture_source: Path, crawled_archive: Path
) -> None:
    """SIGKILL: no cleanup ran. The rerun of the source deletes the dead crawl's keys first,
    so the worker still serving it leaves at once (not after the config's 60 s TTL)."""
    db = tmp_path / "cluster.db"
    options = ["-s", "DOWNLOAD_DELAY=0.2"]
    coordinator = start_coordinator(fixture_source, db, redis.url, *options)
    old_worker = start_worker(redis.url, tmp_path / "old.log")
    client = redis.client()
    dead = _crawl_name(client)
    wait_for_results(client, coordinator)
    time.sleep(6)  # the coordinator's heartbeat (every 5 s) has refreshed every key
    coordinator.send_signal(signal.SIGKILL)
    coordinator.wait()
    # Never rerun, the dead crawl's keys would expire all the same (within the hour).
    ttls = {key: client.ttl(key) for key in _keys_of(redis, dead)}
    assert ttls and all(0 < ttl <= 24 * 3600 for ttl in ttls.values()), ttls
    assert all(ttl <= 3600 for key, ttl in ttls.items() if b":polite:" not in key), ttls
    rerun = start_coordinator(fixture_source, db, redis.url)
    try:
        old_worker.wait(timeout=20)  # the dead crawl is gone: the worker leaves it
    except subprocess.TimeoutExpired:
        old_worker.kill()
        rerun.kill()
        pytest.fail("the worker kept serving the dead crawl")
    assert _keys_of(redis, dead) == []
    out = finish(rerun, [start_worker(redis.url, tmp_path / "new.log")])
    assert out.startswith("run 2 fixture: ok"), out
    assert stored(db).keys() == stored(crawled_archive).keys()
    assert crawl_keys(redis) == []


def test_a_worker_outlives_redis_going_away_with_one_line_and_no_traceback(
    tmp_path: Path, redis: RedisServer
) -> None:
    """Redis away longer than the link's retries (about 25 s): the worker's heartbeat says so in
    one line and beats on; the worker is still there, and leaves, when Redis and the crawl are."""
    from crawler import sources
    from crawler.cluster import crawls

    config = crawls.CrawlConfig(
        crawl="away-1",
        source=crawls.source_to_dict(sources.adhoc(sitemap="http://127.0.0.1:9/sitemap.xml")),
    )
    client = redis.client()
    crawls.publish(client, config)
    log = tmp_path / "w.log"
    worker = start_worker(redis.url, log)  # as users run it: no -v
    deadline = time.monotonic() + 30
    while len(client.client_list()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)  # until the worker's crawl has its links (the test's is one)
    time.sleep(1)
    client.close()
    redis.stop()
    time.sleep(32)  # every retry of the heartbeat's command failed meanwhile
    redis.start()
    client = redis.client()
    crawls.publish(client, config)  # its coordinator kept it (its TTL ran out meanwhile)
    time.sleep(6)
    assert worker.poll() is None, log.read_text(errors="replace")[-3000:]
    crawls.finish(client, config.keys)
    worker.wait(timeout=60)
    text = log.read_text(errors="replace")
    assert worker.returncode == 0, text[-3000:]
    assert "Traceback" not in text and "Unhandled error" not in text, text[-3000:]
    assert "Exception in callback" not in text, text[-3000:]  # a line that says nothing
    # What failed, in one line: the heartbeat's, the request for work's or the crawl
    # check's, whichever call ran out of retries first (all are synchronous in the
    # reactor's thread: while one retries, the others wait, and may find Redis back).
    assert re.search(r"(failed|Redis is away): ConnectionError: ", text), text[-3000:]
