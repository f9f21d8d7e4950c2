"""Discovery callbacks on saved responses: sitemaps, feeds, and what is never followed."""

from __future__ import annotations

import gzip

import pytest
from scrapy.http import Request, XmlResponse

from crawler import sources
from crawler.items import FailureItem
from crawler.spiders.release import ReleaseSpider

SOURCE = sources.parse(
    """
name = "t"
allowed_domains = ["example.org"]
[discover]
sitemaps = ["https://example.org/sitemap.xml"]
[articles]
allow = ['/press/\\d+$']
deny = ['/press/9$']
""",
    "t.toml",
)


def spider() -> ReleaseSpider:
    return ReleaseSpider(source=SOURCE)


def response(url: str, body: bytes) -> XmlResponse:
    return XmlResponse(url, body=body, request=Request(url))


def urls(output) -> list[str]:
    return [r.url for r in output if isinstance(r, Request)]


def test_atom_and_rss_feeds():
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
      <entry><link rel="alternate" href="https://example.org/press/1?utm_source=atom"/></entry>
      <entry><link href="/press/2"/><link rel="enclosure" href="https://example.org/x.mp3"/></entry>
      <entry><link href="https://elsewhere.org/press/3"/></entry>
    </feed>"""
    got = urls(spider().parse_feed(response("https://example.org/atom.xml", atom)))
    assert got == ["https://example.org/press/1", "https://example.org/press/2"]
    rss = b"""<rss><channel><item><link>https://example.org/press/4</link></item>
      <item><link>https://example.org/about</link></item>
      <item><link>https://example.org/press/9</link></item></channel></rss>"""
    got = urls(spider().parse_feed(response("https://example.org/rss.xml", rss)))
    assert got == ["https://example.org/press/4"]  # /about is no release, /press/9 denied


def test_gzipped_sitemap_index_and_urlset():
    index = gzip.compress(
        b"""<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>https://example.org/s1.xml</loc></sitemap>
        <sitemap><loc>https://evil.org/s2.xml</loc></sitemap></sitemapindex>"""
    )
    got = urls(spider().parse_sitemap(response("https://example.org/sitemap.xml.gz", index)))
    assert got == ["https://example.org/s1.xml"]
    urlset = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://example.org/press/5</loc><lastmod>2026-01-01</lastmod></url>
      <url><loc>https://example.org/country/chad</loc></url>
      <url><loc>file:///etc/passwd</loc></url></urlset>"""
    out = list(spider().parse_sitemap(response("https://example.org/s1.xml", urlset)))
    assert urls(out) == ["https://example.org/press/5"]
    assert out[0].meta["lastmod"] == "2026-01-01"


def test_broken_sitemaps_are_recorded_failures():
    for body in (b"<html><body>not a sitemap</body></html>", b"\x1f\x8b broken gzip", b""):
        out = list(spider().parse_sitemap(response("https://example.org/sitemap.xml", body)))
        assert len(out) == 1 and isinstance(out[0], FailureItem), body
        assert "sitemap" in out[0].reason


def test_a_first_crawl_skips_lookups_but_a_listing_sees_what_it_stored(tmp_path):
    from scrapy.utils.test import get_crawler

    from storage import Archive

    db = tmp_path / "a.db"
    with Archive(db):
        pass  # a new, empty archive
    s = spider()
    s._set_crawler(get_crawler(ReleaseSpider))
    s.db, s.full = str(db), False
    url = "https://example.org/press/1"
    assert not s._known(url)  # nothing of the source archived: a first crawl
    with Archive(db) as archive:  # the pipeline stores the release meanwhile
        archive.save_articles([{"url": url, "source": "t", "title": "One", "text": "Body."}], None)
    assert not s._known(url)  # no query: the dupefilter stops a second request anyway
    assert s._known(url, this_run=True)  # but a listing of stored releases stops paging
    assert s._all_known([url])
    assert s.crawler.stats.get_value("pressroom/listing_stopped") == 1
    s._archive.close()


class _Engine:
    """What _feed() uses of Scrapy's engine: crawl(), counted in the stats like the scheduler."""

    def __init__(self, stats) -> None:
        self.stats, self.requests = stats, []

    def crawl(self, request) -> None:
        self.requests.append(request)
        self.stats.inc_value("scheduler/enqueued")

    def download(self, n: int) -> None:  # the scheduler hands n requests to the downloader
        self.stats.inc_value("scheduler/dequeued", n)


def test_a_big_sitemap_waits_as_pairs_and_becomes_requests_as_the_scheduler_empties():
    import pytest
    from scrapy.exceptions import DontCloseSpider
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(ReleaseSpider, {"PRESSROOM_DB": "", "PRESSROOM_EXTRACT_WORKERS": 0})
    s = ReleaseSpider.from_crawler(crawler, source=SOURCE)
    engine = crawler.engine = _Engine(crawler.stats)
    entries = "".join(f"<url><loc>https://example.org/press/{i}</loc></url>" for i in range(1000))
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    assert urls(s.parse_sitemap(response("https://example.org/s.xml", body.encode()))) == []
    assert len(engine.requests) == s.FEED_HIGH  # the rest wait as (url, lastmod)
    assert len(s.waiting) == 1000 - s.FEED_HIGH - 1  # /press/9 is denied by the source

    s._feed()  # a response arrived, but the scheduler still holds plenty
    assert len(engine.requests) == s.FEED_HIGH
    engine.download(s.FEED_HIGH - s.FEED_LOW + 1)  # now it runs low
    s._feed()
    assert len(engine.requests) == 2 * s.FEED_HIGH - s.FEED_LOW + 1

    while s.waiting:  # the safety net: an idle crawl takes the rest instead of closing
        engine.download(len(engine.requests))
        with pytest.raises(DontCloseSpider):
            s._feed_when_idle()
    s._feed_when_idle()  # nothing waits: the crawl may close
    got = [r.url for r in engine.requests]
    assert len(got) == len(set(got)) == 999


REFRESH = '<html><head><meta http-equiv="refresh" content="0; url=/new"></head></html>'


@pytest.mark.parametrize(
    ("body", "encoding", "redirected"),
    [
        (
            '<html><head><meta http-equiv="Refresh" content="0; url=/new"></head></html>',
            "utf-8",
            True,
        ),
        (
            '<html><head><meta http-equiv="refresh" content="0; url=/new"></head></html>',
            "utf-16",
            True,
        ),
        ("<html><head><title>Nothing to see</title></head><body>" + "x" * 9000, "utf-8", False),
        # Past the first 4 KB a refresh is not looked for, as in Scrapy.
        ("<p>" + "x" * 5000 + '<meta http-equiv="refresh" content="0; url=/new">', "utf-8", False),
    ],
    ids=["refresh", "utf-16 refresh", "none", "too late"],
)
def test_meta_refresh_is_followed_without_decoding_pages_that_have_none(body, encoding, redirected):
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import MetaRefreshMiddleware

    middleware = MetaRefreshMiddleware.from_crawler(get_crawler())
    request = Request("https://x.org/old")
    response = HtmlResponse(
        "https://x.org/old", body=body.encode(encoding), encoding=encoding, request=request
    )
    result = middleware.process_response(request, response)
    if redirected:
        # (Scrapy's own reading of a UTF-16 page adds its BOM to the URL's query.)
        assert isinstance(result, Request) and result.url.startswith("https://x.org/new")
    else:
        assert result is response
        assert getattr(response, "_cached_ubody", None) is None  # never decoded


def test_entries_wait_for_every_sitemap_file_and_come_one_section_at_a_time():
    # The release judge holds its verdicts until every section of the site was
    # sampled (issue 17): pages are fetched only once all sitemap files are read,
    # and the sections in turn, whatever order the files list them in.
    from scrapy.utils.test import get_crawler

    adhoc = sources.parse(
        'name = "t"\nallowed_domains = ["example.org"]\n'
        '[discover]\nsitemaps = ["https://example.org/index.xml"]\n',
        "t.toml",
    )
    crawler = get_crawler(ReleaseSpider, {"PRESSROOM_DB": "", "PRESSROOM_EXTRACT_WORKERS": 0})
    s = ReleaseSpider.from_crawler(crawler, source=adhoc)
    engine = crawler.engine = _Engine(crawler.stats)
    index = (
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>https://example.org/s1.xml</loc></sitemap>"
        "<sitemap><loc>https://example.org/s2.xml</loc></sitemap></sitemapindex>"
    )
    files = list(s.parse_sitemap(response("https://example.org/index.xml", index.encode())))
    assert [r.url for r in files] == ["https://example.org/s1.xml", "https://example.org/s2.xml"]
    assert all(r.priority > 0 for r in files) and s.sitemaps_pending == 2

    def urlset(paths) -> bytes:
        entries = "".join(f"<url><loc>https://example.org{p}</loc></url>" for p in paths)
        return f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()

    news = [f"/news/story-{n}-x" for n in range(6)]
    assert urls(s.parse_sitemap(response("https://example.org/s1.xml", urlset(news)))) == []
    assert engine.requests == [] and len(s.waiting) == 6  # s2.xml is still to come
    rest = ["/topic/roads", "/topic/rail", "/help/about"]
    assert urls(s.parse_sitemap(response("https://example.org/s2.xml", urlset(rest)))) == []
    # Scrapy's queue is last in, first out: the last request handed over is fetched first.
    fetched = [r.url.removeprefix("https://example.org") for r in reversed(engine.requests)]
    assert sorted(fetched) == sorted(news + rest)
    assert {p.split("/")[1] for p in fetched[:3]} == {"news", "topic", "help"}
    assert [p for p in fetched if p.startswith("/news/")] == news
