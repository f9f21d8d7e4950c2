"""A cluster crawl of a site no source file describes judges its pages as one machine does.

The government-newsroom fixture (fixtures/govsite) has no article markup: the
release judge (crawler/judging.py) decides which pages are releases from the
site's URL patterns and templates, and holds its verdicts until every sitemap
section was sampled. In a cluster the workers read the pages and the
coordinator the sitemaps; the coordinator keeps the crawl's one judge
(crawler/cluster/judgement.py). Through the installed program: a real
redis-server, a coordinator and two worker processes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import PROGRAM, run_cli
from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer
from test_cluster_crawl import finish, stored

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` puts tests/, not the repo root, on sys.path
    sys.path.insert(0, str(ROOT))

from bench.site_score import score_archive  # noqa: E402
from fixtures.demo.server import serve  # noqa: E402
from fixtures.govsite import build_site, site_truth  # noqa: E402

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
NOT_RELEASES = re.compile(r"\b(\d+) not releases\b")


def cluster_crawl(sitemap: str, db: Path, redis: RedisServer, logs: Path) -> str:
    """`pressroom crawl --sitemap URL --redis URL` with two `pressroom worker`s; its stdout."""
    assert PROGRAM is not None
    workers = [
        subprocess.Popen(
            [PROGRAM, "worker", "--redis", redis.url, "--workers", "1", "--exit-when-idle"]
            + ["--allow-private-addresses"],
            stdout=(logs / f"w{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for i in range(2)
    ]
    args = [PROGRAM, "crawl", "--sitemap", sitemap, "--db", str(db), "--redis", redis.url]
    coordinator = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return finish(coordinator, workers)


def listed_not_releases(db: Path) -> set[str]:
    """The URLs `pressroom pages --not-releases` lists (a header, then tab-separated rows)."""
    result = run_cli("pages", "--not-releases", "--db", str(db))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    column = lines[0].split("\t").index("url")
    return {line.split("\t")[column] for line in lines[1:] if line.strip()}


def test_two_workers_judge_the_releases_of_an_unknown_site_as_one_machine(tmp_path: Path) -> None:
    site = build_site(60)
    redis = RedisServer(tmp_path / "redis").start()
    try:
        with serve(site) as server:  # type: ignore[arg-type]
            sitemap = server.url + "/sitemap.xml"
            one_db, cluster_db = tmp_path / "one.db", tmp_path / "cluster.db"
            one = run_cli("crawl", "--sitemap", sitemap, "--db", str(one_db))
            assert one.returncode == 0, one.stderr[-2000:]
            out = cluster_crawl(sitemap, cluster_db, redis, tmp_path)
            truth = site_truth(site, server.url)
        keys = list(redis.client().scan_iter(match="pressroom:*"))
    finally:
        redis.stop(kill=True)

    releases = {t.url for t in truth if t.is_release}
    assert set(stored(one_db)) == releases  # what the one-machine crawl is known to do
    assert set(stored(cluster_db)) == releases
    # Same texts: workers' pages are cleaned again at the end with the near-repeated
    # blocks the coordinator learned (contact blocks), as on one machine.
    assert stored(cluster_db) == stored(one_db)
    score = score_archive(cluster_db, truth)
    assert score.non_releases_stored == [] and score.unknown_stored == []
    # Every page judged no release is recorded, as on one machine, and counted in the summary.
    judged_not = listed_not_releases(one_db)
    assert judged_not and not judged_not & releases
    assert listed_not_releases(cluster_db) == judged_not
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("run 1 ") and " ok - " in summary, summary
    one_summary = one.stdout.strip().splitlines()[-1]
    assert NOT_RELEASES.search(summary).group(1) == NOT_RELEASES.search(one_summary).group(1)
    assert int(NOT_RELEASES.search(summary).group(1)) == len(judged_not)
    assert keys == []  # the coordinator deleted the crawl's keys: nothing was left held
