"""A cluster crawl dates pages by their sitemap lastmod as one machine does, stamp rule included.

The coordinator reads the sitemaps and knows how many entries share each
lastmod; the worker that reads the page does not. A build stamp written on
every entry is no date hint (crawler/lastmod.py ``stamped``): the coordinator
says so in the request before a worker fetches it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer
from test_cluster_govsite import cluster_crawl
from test_date_hint import _dates, stamped_site

from fixtures.demo.server import serve

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)


def test_a_lastmod_stamped_on_every_entry_dates_nothing_in_a_cluster(tmp_path: Path) -> None:
    site = stamped_site()
    db = tmp_path / "stamped.db"
    redis = RedisServer(tmp_path / "redis").start()
    try:
        with serve(site) as server:  # type: ignore[arg-type]
            out = cluster_crawl(f"{server.url}/sitemap.xml", db, redis, tmp_path)
    finally:
        redis.stop(kill=True)
    assert " ok - 12 new" in out, out
    dates = _dates(db)
    assert dates.pop("news/release-0") == ("2023-04-11", None)  # a real lastmod dates its page
    assert set(dates.values()) == {(None, None)}
