"""A walked page's numbered pager is that page continued on every machine of a cluster.

A link walk (``--start-url`` with ``--allow``) that meets a tag page the patterns leave
out reads its pager ("1 2 3 Next ›"): its pages 2 and 3 are the tag page, not pages
counted and listed outside ``--allow``. The mark was kept in the spider that read the
tag page, and in a cluster another worker may fetch page 2: there it was counted.

Through the installed `pressroom` program: a real redis-server, the coordinator and
two workers walking tests/test_pagers.py's tag site (four tag pages here, so that some
page 2 or 3 is fetched by the worker that did not read its tag page), compared with
one machine's walk of the same site. And, without a cluster, the spider's reading of
a page 2 by a spider that never read page 1, as another worker's is.

A page 2 a plain link had fetched before its tag page was read was counted too (the
tag page's request for it a duplicate, the frontier's seen filter dropping it with its
mark): the coordinator's pipeline takes it back when the tag page's result names it,
whichever result comes first.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from helpers import pages_serving, run_cli
from redis_server import REDIS_SERVER, SKIP_REASON, RedisServer
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from test_cluster_walks import _walk
from test_pagers import (
    RELEASES,
    _outside,
    _page_two_first_site,
    _stored,
    _tag_page,
    _tag_site,
    _tag_url,
)

from crawler import sources
from crawler.items import LeftOutItem
from crawler.spiders.release import ReleaseSpider

TAGS = ("water", "roads", "ports", "energy")


@pytest.fixture
def redis(tmp_path: Path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop(kill=True)


def _outside_listed(db: Path) -> list[str]:
    listed = run_cli("pages", "--outside-allow", "--db", str(db))
    assert listed.returncode == 0, listed.stderr
    # Each line's URL and reason (its time is the run's).
    lines = (line.split("\t") for line in listed.stdout.splitlines())
    return sorted("\t".join(fields[-2:]) for fields in lines if fields[0] == "outside_patterns")


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
def test_a_cluster_walk_counts_a_tag_pages_pager_as_one_machine_does(
    tmp_path: Path, redis: RedisServer
) -> None:
    one, cluster = tmp_path / "one.db", tmp_path / "cluster.db"
    with pages_serving(_tag_site(TAGS, linked=False)) as (base, requests):
        alone = run_cli("crawl", "--start-url", f"{base}/", "--allow", "/news/", "--db", str(one))
        assert alone.returncode == 0, alone.stderr
        # The same --allow /news/; slowed, so that both workers fetch pages.
        out, _ = _walk(base, cluster, redis, tmp_path, "-s", "DOWNLOAD_DELAY=0.1")
        # Each tag's pages 2 and 3 fetched by each run (the cluster's are pages too).
        assert requests.count("/tags/roads?page=3") == 2, requests
    outside = {f"{base}/about"} | {f"{base}/tags/{tag}" for tag in TAGS}
    assert set(_outside(one)) == outside
    # Pages 2 and 3 read by the worker that had not read their tag page were counted.
    assert _outside(cluster) == _outside(one)
    assert _stored(cluster) == _stored(one)
    assert len(_stored(one)) == 1 + 9 * len(TAGS)
    assert " 5 outside --allow " in alone.stdout, alone.stdout
    assert " 5 outside --allow " in out, out
    assert _outside_listed(cluster) == _outside_listed(one)
    assert len(_outside_listed(one)) == len(TAGS) + 1
    for i in range(2):  # else every page was read where its tag page was: nothing tested
        log = (tmp_path / f"w{i}.log").read_text()
        assert "requests completed" in log and " 0 requests completed" not in log, log


@pytest.mark.skipif(REDIS_SERVER is None, reason=SKIP_REASON)
def test_a_cluster_walk_takes_back_a_page_two_read_before_its_tag_page(
    tmp_path: Path, redis: RedisServer
) -> None:
    # Page 2 is read first from a plain link (the start page's), by either worker, and
    # counted; the tag page, linked only from page 2, is read after it and names it as
    # its later page: its request a duplicate, the frontier drops it, the mark with it.
    db = tmp_path / "cluster.db"
    with pages_serving(_page_two_first_site(linked=False)) as (base, requests):
        out, _ = _walk(base, db, redis, tmp_path, "-s", "PRESSROOM_BATCH_SIZE=1")
        assert requests.index("/tags/water?page=2") < requests.index("/tags/water")
    assert requests.count("/tags/water?page=2") == 1
    assert _stored(db) == RELEASES
    assert set(_outside(db)) == {f"{base}/about", f"{base}/tags/water"}
    assert " 2 outside --allow " in out, out
    assert _outside_listed(db) == sorted(
        f"{base}{path}\tmatches no allow pattern" for path in ("/about", "/tags/water")
    )


def _spider() -> ReleaseSpider:
    source = sources.adhoc(start_url="https://x.org/", allow=("/news/",))
    settings = {"PRESSROOM_MAX_HOPS": 5, "PRESSROOM_MAX_PER_TEMPLATE": 200}
    crawler = get_crawler(ReleaseSpider, {**settings, "PRESSROOM_EXTRACT_WORKERS": 0})
    return ReleaseSpider.from_crawler(crawler, source=source)


def _read(spider: ReleaseSpider, request: Request, body: bytes) -> list[object]:
    response = HtmlResponse(
        request.url, body=body, request=request, headers={"Content-Type": "text/html"}
    )

    async def run() -> list[object]:
        return [thing async for thing in spider.parse_page(response)]

    try:
        return asyncio.run(run())
    finally:
        spider.pool.close()


def _left_out(got: list[object]) -> list[str]:
    return [thing.url for thing in got if isinstance(thing, LeftOutItem)]


def test_a_tag_pages_later_pages_read_by_other_spiders_are_not_outside_allow() -> None:
    # The worker that reads the tag page leaves it out, and asks for its pages 2 and 3 ...
    tag = Request("https://x.org/tags/water", meta={"kind": "walk", "hops": 1})
    got = _read(_spider(), tag, _tag_page(1, linked=False))
    assert _left_out(got) == ["https://x.org/tags/water"]
    asked = {r.url: r for r in got if isinstance(r, Request)}
    # ... which others read (their meta as the frontier hands it on), their own number
    # no link (a page linking itself in its pager is marked by reading it): not left out.
    for n in (2, 3):
        page = asked[f"https://x.org{_tag_url(n)}"]
        got = _read(_spider(), page.replace(meta=dict(page.meta)), _tag_page(n, linked=False))
        assert _left_out(got) == [], n


@pytest.mark.parametrize("later_first", [True, False])
def test_the_pipeline_never_counts_a_later_page_whichever_item_comes_first(
    tmp_path: Path, later_first: bool
) -> None:
    # In a cluster the worker that read page 2 from a plain link (and left it out) and the
    # one that read its tag page (which names it) send their results in either order.
    from crawler.items import LaterPageItem
    from crawler.pipelines import StorePipeline

    settings = {"PRESSROOM_DB": str(tmp_path / "a.db"), "PRESSROOM_BATCH_SIZE": 50}
    crawler = get_crawler(settings_dict=settings)
    store = StorePipeline(crawler)
    page_two = "https://x.org/tags/water?page=2"
    left, later = LeftOutItem(page_two, "matches no allow pattern"), LaterPageItem(page_two)
    about = LeftOutItem("https://x.org/about", "matches no allow pattern")
    for item in (later, left, about) if later_first else (left, later, about):
        store.process_item(item)
    assert store.left_out == [about] and store.taken_back == []
    taken = crawler.stats.get_value("pressroom/left_out_taken_back")
    assert taken == (None if later_first else 1)
