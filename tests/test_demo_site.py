"""The fake press-release site (fixtures.demo) that the demo, tests and benchmarks crawl."""

from __future__ import annotations

import gzip
import hashlib
import html
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.robotparser
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from fixtures.demo.server import serve
from fixtures.demo.site import (
    EMBARGOED_PATH,
    PDF_PATH,
    WITHDRAWN_PATH,
    build_site,
)

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
N_RELEASES = 36


# ------------------------------------------------------------------------- helpers ----


class Fetched:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(server, path: str, method: str = "GET", headers: dict | None = None) -> Fetched:
    """One request over a fresh connection, redirects not followed."""
    if path.startswith("http"):
        parts = urlsplit(path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return Fetched(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


class Tags(HTMLParser):
    """Collects <a>, <link>, <meta>, <time>, <html> attributes and JSON-LD blocks."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.json_ld: list[object] = []
        self._in_ld = False
        self._buf: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        self.tags.append((tag, attrs))
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld, self._buf = True, []

    def handle_endtag(self, tag):
        if tag == "script" and self._in_ld:
            self.json_ld.append(json.loads("".join(self._buf)))
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self._buf.append(data)

    def all(self, tag: str, **match: str) -> list[dict[str, str]]:
        return [
            attrs
            for t, attrs in self.tags
            if t == tag and all(attrs.get(k.replace("_", "-")) == v for k, v in match.items())
        ]

    def meta(self, prop: str) -> list[str]:
        return [
            attrs["content"]
            for t, attrs in self.tags
            if t == "meta" and (attrs.get("property") == prop or attrs.get("name") == prop)
        ]


def visible_text(page: str) -> str:
    """Page text without markup, scripts or styles (what a reader could see)."""
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def news_article(ld_blocks: list) -> dict:
    for block in ld_blocks:
        for node in block.get("@graph", [block]):
            if node.get("@type") == "NewsArticle":
                return node
    raise AssertionError("no NewsArticle in JSON-LD")


# ------------------------------------------------------------------------ fixtures ----


@pytest.fixture(scope="module")
def site():
    return build_site(N_RELEASES)


@pytest.fixture(scope="module")
def server(site):
    with serve(site) as srv:
        yield srv


@pytest.fixture(scope="module")
def base(server) -> str:
    return server.url


# --------------------------------------------------------------------------- tests ----


def test_robots_txt(server, base):
    r = fetch(server, "/robots.txt")
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /private/" in lines
    assert "Disallow: /search" in lines
    assert f"Sitemap: {base}/sitemap.xml" in lines

    robots = urllib.robotparser.RobotFileParser()
    robots.parse(lines)
    assert not robots.can_fetch("*", base + EMBARGOED_PATH)
    assert not robots.can_fetch("*", base + "/search?q=chad")
    assert robots.can_fetch("*", base + "/news")


def test_sitemap_index_lists_three_sitemaps(server, base):
    r = fetch(server, "/sitemap.xml")
    assert r.status == 200
    root = ET.fromstring(r.body)
    assert root.tag == f"{SM}sitemapindex"
    locs = [s.findtext(f"{SM}loc") for s in root.findall(f"{SM}sitemap")]
    assert locs == [
        f"{base}/sitemaps/news-1.xml.gz",
        f"{base}/sitemaps/news-2.xml.gz",
        f"{base}/sitemaps/pages.xml",
    ]
    for s in root.findall(f"{SM}sitemap"):
        datetime.fromisoformat(s.findtext(f"{SM}lastmod"))


def test_gzip_sitemaps_list_every_release_with_lastmod(server, site, base):
    seen: dict[str, str] = {}
    for name in ("news-1", "news-2"):
        r = fetch(server, f"/sitemaps/{name}.xml.gz")
        assert r.status == 200
        assert r.headers["content-type"] == "application/gzip"
        assert "content-encoding" not in r.headers
        assert r.body[:2] == b"\x1f\x8b"
        root = ET.fromstring(gzip.decompress(r.body))
        urls = root.findall(f"{SM}url")
        assert urls, name
        for url in urls:
            loc = url.findtext(f"{SM}loc")
            assert loc not in seen, f"{loc} listed twice"
            seen[loc] = url.findtext(f"{SM}lastmod")
    releases = list(site.releases)
    assert len(releases) == N_RELEASES + len(range(0, N_RELEASES, 5))
    assert set(seen) == {rel.url(base) for rel in releases}
    for rel in releases:
        assert datetime.fromisoformat(seen[rel.url(base)]) == rel.last_modified
    assert any("/fr/news/" in loc for loc in seen)


def test_pages_sitemap_lists_non_release_pages(server, base):
    r = fetch(server, "/sitemaps/pages.xml")
    assert r.status == 200
    assert r.headers["content-type"].startswith("application/xml")
    locs = [u.findtext(f"{SM}loc") for u in ET.fromstring(r.body).findall(f"{SM}url")]
    paths = {urlsplit(loc).path for loc in locs}
    assert {"/about", "/about/policies/privacy", "/news", "/topic/refugees-and-migrants"} <= paths
    assert "/africa/chad" in paths
    for loc in locs:
        page = fetch(server, loc)
        assert page.status == 200, loc
        tags = Tags(page.text)
        assert tags.meta("og:type") == ["website"], loc
        assert not tags.meta("article:published_time"), loc
        assert all(block.get("@type") != "NewsArticle" for block in tags.json_ld), loc


def test_feed_has_20_newest_with_utm_links(server, site, base):
    r = fetch(server, "/news/feed.xml")
    assert r.status == 200
    assert r.headers["content-type"].startswith("application/rss+xml")
    items = ET.fromstring(r.body).findall("./channel/item")
    assert len(items) == 20
    newest = [site.release(k).url(base) for k in range(N_RELEASES - 1, N_RELEASES - 21, -1)]
    links = [item.findtext("link") for item in items]
    assert all(link.endswith("?utm_source=rss&utm_medium=feed") for link in links)
    assert [link.split("?")[0] for link in links] == newest
    for item in items:
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        assert item.findtext("title")
    # The utm-tagged URL serves the very same page.
    assert fetch(server, links[0]).body == fetch(server, newest[0]).body


def test_listing_pagination_reaches_every_english_release_once(server, site, base):
    seen: list[str] = []
    raw_hrefs: list[str] = []
    path, pages = "/news", 0
    while path:
        r = fetch(server, path)
        assert r.status == 200, path
        pages += 1
        hrefs = re.findall(r'<h3 class="teaser__title"><a href="([^"]+)"', r.text)
        assert 1 <= len(hrefs) <= 10
        raw_hrefs += hrefs
        seen += [h.split("#")[0].rstrip("/") for h in hrefs]
        nexts = Tags(r.text).all("a", rel="next")
        path = nexts[0]["href"] if nexts else None
        if path:
            assert nexts[0]["class"] == "pager__next"
            assert path == f"/news?page={pages}"
            assert Tags(fetch(server, path).text).all("a", rel="prev")
    assert pages == 4
    english = [site.release(k).path for k in range(N_RELEASES)]
    assert sorted(seen) == sorted(english)
    assert seen == english[::-1]  # newest first
    assert any(h.endswith("/") for h in raw_hrefs)
    assert sum(h.endswith("#comments") for h in raw_hrefs) == 1
    assert fetch(server, "/news?page=4").status == 404
    assert fetch(server, "/news?page=0").body == fetch(server, "/news").body


def test_first_listing_page_links_to_traps(server, site):
    tags = Tags(fetch(server, "/news").text)
    hrefs = {a.get("href") for a in tags.all("a")}
    traps = site.traps()
    for path in (WITHDRAWN_PATH, EMBARGOED_PATH, PDF_PATH, "/news?topic=refugees&country=chad"):
        assert path in hrefs
    assert traps["old_redirect"][0] in hrefs
    assert traps["alias"][0] in hrefs
    assert "/events/calendar?month=2026-01" in hrefs
    assert "/about" in hrefs


def test_release_page_metadata(server, site, base):
    checked_modified = checked_plain = False
    for rel in site.releases:
        r = fetch(server, rel.path)
        assert r.status == 200
        tags = Tags(r.text)
        assert tags.all("html")[0]["lang"] == rel.language
        assert [x["href"] for x in tags.all("link", rel="canonical")] == [rel.url(base)]
        assert tags.meta("og:type") == ["article"]
        assert tags.meta("og:title") == [rel.title]
        assert tags.meta("og:description") == [rel.dek]
        assert tags.meta("article:published_time") == [rel.date_published]
        if rel.date_modified:
            assert tags.meta("article:modified_time") == [rel.date_modified]
            checked_modified = True
        else:
            assert tags.meta("article:modified_time") == []
            checked_plain = True
        article = news_article(tags.json_ld)
        assert article["headline"] == rel.title
        assert article["datePublished"] == rel.date_published
        assert article.get("dateModified") == rel.date_modified
        assert [p["name"] for p in article["author"]] == rel.authors
        assert all(p["@type"] == "Person" for p in article["author"])
        assert article["publisher"]["@type"] == "Organization"
        assert article["keywords"] == ", ".join(rel.tags)
        assert rel.date_published in [x.get("datetime") for x in tags.all("time")]
        alternates = {
            x["hreflang"]: x["href"] for x in tags.all("link", rel="alternate") if "hreflang" in x
        }
        if rel.translations:
            assert alternates["en"] == base + (
                rel.path if rel.language == "en" else rel.translations["en"]
            )
            assert alternates["fr"] == base + (
                rel.path if rel.language == "fr" else rel.translations["fr"]
            )
        else:
            assert alternates == {}
        assert 1 <= len(rel.authors) <= 3
        assert 2 <= len(rel.tags) <= 4
        assert rel.template in ("article", "legacy")
        datetime.fromisoformat(rel.date_published).utcoffset()  # has a timezone
        assert datetime.fromisoformat(rel.date_published).tzinfo is not None
    assert checked_modified and checked_plain


def test_translations_link_both_ways(site):
    fr = [rel for rel in site.releases if rel.language == "fr"]
    assert len(fr) == len(range(0, N_RELEASES, 5))
    for rel in fr:
        assert rel.path.startswith("/fr/news/")
        en = site.release(rel.index)
        assert en.translations == {"fr": rel.path}
        assert rel.translations == {"en": en.path}
        assert rel.title != en.title
        assert rel.date_published == en.date_published
        assert "(" in rel.paragraphs[0] and " le " in rel.paragraphs[0]


def test_every_truth_paragraph_is_in_the_page(server, site):
    for rel in site.releases:
        page = fetch(server, rel.path).text
        text = visible_text(page)
        assert rel.title in text
        assert rel.dek in text
        for paragraph in rel.paragraphs:
            assert paragraph in text, (rel.path, paragraph)
        assert html.escape(rel.paragraphs[-1], quote=False)[:40] in page


def test_release_text_shape(site):
    big = build_site(300)
    kinds: set[str] = set()
    for rel in (big.release(k) for k in range(300)):
        assert 8 <= len(rel.title.split()) <= 14, rel.title
        assert rel.paragraphs[0].startswith("(")
        assert " – " in rel.paragraphs[0]
        paragraphs = [b for b in rel.blocks if b.kind == "p"]
        assert 5 <= len(paragraphs) <= 15
        kinds.update(b.kind for b in rel.blocks)
        body = " ".join(rel.paragraphs).lower()
        assert any(w in body for w in ("donate", "share", "newsletter", "subscribe")), rel.path
        assert "“" in body  # at least one quote
    assert kinds == {"p", "h2", "li", "blockquote"}
    templates = [big.release(k).template for k in range(300)]
    assert 0.35 < templates.count("article") / 300 < 0.65


def test_page_sizes_are_realistic(server, site):
    for rel in site.releases:
        size = len(fetch(server, rel.path).body)
        assert 30_000 <= size <= 80_000, (rel.path, size)
    for path in (
        "/news",
        "/about",
        "/topic/arms",
        "/africa/chad",
        "/events/calendar?month=2026-01",
    ):
        size = len(fetch(server, path).body)
        assert 30_000 <= size <= 80_000, (path, size)


def test_templates_and_boilerplate(server, site):
    boilerplate = site.boilerplate_strings()
    donate = "Your tax deductible gift can help stop human rights violations and save lives"
    assert f"{donate} around the world." in boilerplate
    assert {"Skip to main content", "Donate Now", "Region / Country", "Most Viewed"} <= set(
        boilerplate
    )
    seen = set()
    for rel in site.releases:
        page = fetch(server, rel.path).text
        text = visible_text(page)
        for s in boilerplate:
            if s == "Also available in":  # only on pages that have a translation
                assert (s in text) == bool(rel.translations), rel.path
            else:
                assert s in text, (rel.path, s)
        body = page[page.index("<body") :]
        if rel.template == "article":
            article = body[body.index("<article") : body.index("</article>")]
            assert "Your tax deductible gift" in article
            assert "Region / Country" in article
            assert "Share this via Facebook" in article
        else:
            assert "<article" not in body
            assert 'class="node node--news' in body
            assert body.index('class="cookie-notice"') < body.index("<h1")
        seen.add(rel.template)
    assert seen == {"article", "legacy"}


def test_boilerplate_and_foreign_text_never_in_truth(site):
    big = build_site(400)
    boilerplate = big.boilerplate_strings()
    for rel in big.releases:
        own = "\n".join([rel.title, rel.dek, *rel.paragraphs])
        for s in boilerplate:
            assert s not in own, (rel.path, s)
        for s in big.foreign_strings(rel):
            assert s not in own


def test_foreign_strings_are_on_the_page(server, site):
    for rel in site.releases:
        foreign = site.foreign_strings(rel)
        assert len(foreign) >= 5
        text = visible_text(fetch(server, rel.path).text)
        for s in foreign:
            assert s in text


def test_etag_and_last_modified_give_304(server, site):
    rel = site.release(3)
    r = fetch(server, rel.path)
    assert r.headers["etag"] == '"' + hashlib.sha1(r.body).hexdigest() + '"'
    last_modified = parsedate_to_datetime(r.headers["last-modified"])
    assert last_modified == rel.last_modified
    assert int(r.headers["content-length"]) == len(r.body)

    r304 = fetch(server, rel.path, headers={"If-None-Match": r.headers["etag"]})
    assert r304.status == 304 and r304.body == b""
    assert r304.headers["etag"] == r.headers["etag"]
    assert fetch(server, rel.path, headers={"If-None-Match": '"nope"'}).status == 200
    r304 = fetch(server, rel.path, headers={"If-Modified-Since": r.headers["last-modified"]})
    assert r304.status == 304 and r304.body == b""
    older = (last_modified - timedelta(seconds=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert fetch(server, rel.path, headers={"If-Modified-Since": older}).status == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"If-None-Match": '"nope"', "If-Modified-Since": r.headers["last-modified"]}
    assert fetch(server, rel.path, headers=both).status == 200

    for path in ("/robots.txt", "/sitemap.xml", "/sitemaps/news-1.xml.gz", "/news", PDF_PATH):
        r = fetch(server, path)
        assert r.status == 200 and r.headers["etag"] and r.headers["last-modified"], path
        assert fetch(server, path, headers={"If-None-Match": r.headers["etag"]}).status == 304

    head = fetch(server, rel.path, method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["etag"] == fetch(server, rel.path).headers["etag"]
    assert int(head.headers["content-length"]) > 30_000


def test_edit_release_changes_body_etag_and_lastmod():
    site = build_site(12)
    with serve(site) as srv:
        rel = site.release(4)
        before = fetch(srv, rel.path)
        sm_before = fetch(srv, "/sitemaps/news-1.xml.gz")
        new_text = "Update: the authorities released two of the detained researchers this week."
        edited = site.edit_release(4, new_text)
        assert edited.paragraphs[-1] == new_text
        assert edited.paragraphs[:-1] == rel.paragraphs
        assert edited.date_modified and edited.last_modified > rel.last_modified
        after = fetch(srv, rel.path)
        assert new_text in after.text
        assert after.headers["etag"] != before.headers["etag"]
        assert parsedate_to_datetime(after.headers["last-modified"]) == edited.last_modified
        assert fetch(srv, rel.path, headers={"If-None-Match": before.headers["etag"]}).status == 200
        ims = {"If-Modified-Since": before.headers["last-modified"]}
        assert fetch(srv, rel.path, headers=ims).status == 200
        assert Tags(after.text).meta("article:modified_time") == [edited.date_modified]

        sm_after = fetch(srv, "/sitemaps/news-1.xml.gz")
        assert sm_after.headers["etag"] != sm_before.headers["etag"]
        root = ET.fromstring(gzip.decompress(sm_after.body))
        lastmods = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod") for u in root}
        assert datetime.fromisoformat(lastmods[rel.url(srv.url)]) == edited.last_modified


def test_unchanged_pages_keep_their_etag_after_an_edit():
    site = build_site(12)
    with serve(site) as srv:
        other = site.release(2).path
        before = fetch(srv, other).headers["etag"]
        site.edit_release(9, "A new paragraph.")
        assert fetch(srv, other).headers["etag"] == before
        assert fetch(srv, other, headers={"If-None-Match": before}).status == 304


def test_page_cache_keeps_as_many_rendered_pages_as_asked():
    paths = [build_site(30).release(i).path for i in range(20)]
    for size, kept in ((192, 20), (5, 5)):
        site = build_site(30, page_cache=size)
        first = {p: site.render(p, "http://h") for p in paths}
        again = sum(site.render(p, "http://h") is first[p] for p in reversed(paths))
        assert again == kept  # with 5, only the 5 most recent were still kept
    site = build_site(30, page_cache=100)
    before = site.render(paths[3], "http://h")
    site.edit_release(3, "A new paragraph.")
    assert site.render(paths[3], "http://h") is not before  # edits invalidate, whatever the size


def test_add_releases_publishes_newer_releases():
    site = build_site(12)
    with serve(site) as srv:
        first = fetch(srv, "/news").text
        added = site.add_releases(3)
        assert [r.index for r in added] == [12, 13, 14]
        assert added[0].date_published > site.release(11).date_published
        listing = fetch(srv, "/news").text
        assert listing != first and added[-1].path in listing
        feed = ET.fromstring(fetch(srv, "/news/feed.xml").body)
        assert feed.findtext("./channel/item/link").startswith(added[-1].url(srv.url))
        assert fetch(srv, added[1].path).status == 200
        locs = set()
        for name in ("news-1", "news-2"):
            root = ET.fromstring(gzip.decompress(fetch(srv, f"/sitemaps/{name}.xml.gz").body))
            locs |= {u.findtext(f"{SM}loc") for u in root}
        assert {r.url(srv.url) for r in site.releases} == locs
        assert len(site.releases) == 15 + 3


def test_404_301_alias_pdf_and_embargo(server, site, base):
    missing = fetch(server, WITHDRAWN_PATH)
    assert missing.status == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Skip to main content" in missing.text
    assert fetch(server, "/no/such/page").status == 404
    assert fetch(server, "/news/2022/01/03/no-such-release").status == 404

    old, target = site.traps()["old_redirect"]
    moved = fetch(server, old)
    assert moved.status == 301
    assert moved.headers["location"] == base + target
    assert fetch(server, target).status == 200

    alias, canonical = site.traps()["alias"]
    page = fetch(server, alias)
    assert page.status == 200
    assert [x["href"] for x in Tags(page.text).all("link", rel="canonical")] == [base + canonical]
    assert page.body == fetch(server, canonical).body

    pdf = fetch(server, PDF_PATH)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-1.4") and pdf.body.rstrip().endswith(b"%%EOF")

    embargoed = fetch(server, EMBARGOED_PATH)
    assert embargoed.status == 200
    assert "EMBARGOED" in Tags(embargoed.text).meta("og:title")[0]
    assert site.embargoed.title in visible_text(embargoed.text)
    assert all(r.path != EMBARGOED_PATH for r in site.releases)


def test_release_urls_tolerate_trailing_slash_and_query(server, site):
    rel = site.release(5)
    body = fetch(server, rel.path).body
    assert fetch(server, rel.path + "/").body == body
    assert fetch(server, rel.path + "?utm_source=x&utm_medium=y").body == body
    assert site.release_for_path(rel.path + "/") == rel


def test_calendar_is_an_endless_chain(server):
    path = "/events/calendar?month=2026-01"
    year, month = 2026, 1
    for _ in range(30):
        r = fetch(server, path)
        assert r.status == 200, path
        tags = Tags(r.text)
        (nxt,) = tags.all("a", rel="next")
        (prev,) = tags.all("a", rel="prev")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
        assert nxt["href"] == f"/events/calendar?month={year:04d}-{month:02d}"
        back = (year, month - 2) if month > 2 else (year - 1, month + 10)
        assert prev["href"] == f"/events/calendar?month={back[0]:04d}-{back[1]:02d}"
        path = nxt["href"]
    assert fetch(server, "/events/calendar?month=2026-13").status == 404
    assert fetch(server, "/events/calendar?month=1999-07").status == 200


def test_other_pages(server, site):
    for path in (
        "/",
        "/fr",
        "/es",
        "/about",
        "/about/policies/privacy",
        "/topic/refugees-and-migrants",
        "/africa",
        "/news?topic=refugees&country=chad",
        "/news?topic=refugees",
        "/search?q=chad",
        "/search",
    ):
        r = fetch(server, path)
        assert r.status == 200, path
        tags = Tags(r.text)
        assert tags.meta("og:type") == ["website"], path
        hrefs = {a.get("href") for a in tags.all("a")}
        assert "/about" in hrefs and "/events/calendar?month=2026-01" in hrefs, path
    assert fetch(server, "/topic/no-such-topic").status == 404
    assert fetch(server, "/africa/france").status == 404
    assert fetch(server, "/news?topic=nope").status == 404


def test_determinism():
    one, two = build_site(36), build_site(36)
    base = "http://127.0.0.1:9"
    paths = [r.path for r in one.releases] + [
        "/news",
        "/news?page=2",
        "/news/feed.xml",
        "/sitemap.xml",
        "/sitemaps/news-1.xml.gz",
        "/sitemaps/pages.xml",
        "/events/calendar?month=2030-05",
        "/about",
    ]
    for path in paths:
        assert one.render(path, base).body == two.render(path, base).body, path
    # Release k is the same whatever the size of the site.
    big = build_site(500)
    for k in (0, 7, 35):
        assert big.release(k).paragraphs == one.release(k).paragraphs
        assert big.release(k).path == one.release(k).path
    assert build_site(36, seed=8).release(0).title != one.release(0).title


def test_large_site_builds_lazily():
    start = time.perf_counter()
    site = build_site(5000)
    assert time.perf_counter() - start < 0.2
    assert len(site.releases) == 6000
    rel = site.releases[-1]
    assert (rel.index, rel.language) == (4999, "en")
    assert site.releases[-2] == site.release(4998, "en")
    assert site.releases[5999 - 1].index == 4998
    response = site.render(rel.path, "http://127.0.0.1:9")
    assert response.status == 200
    assert site.release_for_path(site.release(4995, "fr").path).language == "fr"
    assert datetime.fromisoformat(rel.date_published).year < 2026


def test_requests_are_logged(server, site):
    path = site.release(1).path + "?probe=1"
    fetch(server, path)
    fetch(server, path, method="HEAD")
    fetch(server, "/definitely-missing")
    log = server.requests.snapshot()
    assert ("GET", path, 200) in log
    assert ("HEAD", path, 200) in log
    assert ("GET", "/definitely-missing", 404) in log
    assert server.requests.hits(path) == 2
    assert isinstance(server.requests, list)
    assert fetch(server, "/news", method="POST").status == 405


def test_server_is_quiet(server, capfd):
    fetch(server, "/robots.txt")
    fetch(server, "/missing-page")
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_concurrent_keep_alive_clients(server, site):
    paths = [rel.path for rel in site.releases] * 3
    errors: list[str] = []

    def worker(chunk: list[str]) -> None:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        for path in chunk:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200 or len(body) < 30_000:
                errors.append(path)
        conn.close()

    threads = [threading.Thread(target=worker, args=(paths[i::6],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_command_line_server():
    proc = subprocess.Popen(
        [sys.executable, "-m", "fixtures.demo.server", "--releases", "7", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        parts = urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        conn.request("GET", "/news")
        resp = conn.getresponse()
        assert resp.status == 200
        assert resp.read().count(b'class="teaser__title"') == 7
        conn.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
