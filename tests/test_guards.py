"""The pieces behind the fault-injection suite, one at a time: redirects, gzip, charsets,
canonical conflicts (issue 7). The crawls in test_faults.py show them working together."""

from __future__ import annotations

import gzip
import zlib

import pytest
from scrapy.http import Request, Response

from crawler.canonical import CanonicalGuard
from crawler.items import ArticleItem
from crawler.middlewares import (
    OffsiteRedirect,
    RedirectGuardMiddleware,
    RedirectLoop,
    TooBig,
    inflate,
)
from extraction.encoding import decode_html, looks_binary
from storage import Archive


class _Crawler:
    class spider:  # noqa: N801 - stands in for the crawler's spider attribute
        allowed_domains = ["x.org"]


@pytest.mark.parametrize(
    ("url", "location", "chain", "outcome"),
    [
        ("https://x.org/news", "/news/", [], None),  # a trailing slash: not a loop
        ("https://x.org/a", "https://www.x.org/a", [], None),  # a subdomain is allowed
        ("http://x.org/a", "https://x.org/a", [], None),  # http -> https
        ("https://x.org/news/", "/news", ["https://x.org/news"], RedirectLoop),
        ("https://x.org/a", "/a", [], RedirectLoop),  # to itself
        ("https://x.org/a", "https://evil.example/a", [], OffsiteRedirect),
        ("https://x.org/a", "//evil.example/a", [], OffsiteRedirect),
        ("https://x.org/a", "file:///etc/passwd", [], OffsiteRedirect),
        ("https://x.org/a", "javascript:alert(1)", [], OffsiteRedirect),
    ],
)
def test_redirect_guard(url, location, chain, outcome):
    guard = RedirectGuardMiddleware(_Crawler)
    request = Request(url, meta={"redirect_urls": chain} if chain else {})
    response = Response(url, status=302, headers={"Location": location})
    if outcome is None:
        assert guard.process_response(request, response) is response
    else:
        with pytest.raises(outcome):
            guard.process_response(request, response)


def test_inflate_is_strict_and_capped():
    page = b"<html>" + b"x" * 100_000 + b"</html>"
    packed = gzip.compress(page)
    assert inflate(packed) == page
    assert inflate(packed + gzip.compress(b"more")) == page + b"more"  # two members
    assert inflate(zlib.compress(page)) == page
    with pytest.raises(EOFError):
        inflate(packed[: len(packed) // 2])  # Scrapy's gunzip would return half a page
    with pytest.raises(TooBig):
        inflate(gzip.compress(b"\0" * 3_000_000), max_size=1_000_000)
    with pytest.raises(zlib.error):
        inflate(b"\x1f\x8b\x08 this is not deflate")


TEXT = "Caf\u00e9 \u201cquoted\u201d \u2013 na\u00efve"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (TEXT.encode(), "text/html; charset=utf-8"),
        (TEXT.encode(), "text/html; charset=iso-8859-1"),  # a lying label
        (TEXT.encode(), "text/html"),
        (TEXT.encode(), None),
        (TEXT.encode("cp1252"), "text/html; charset=windows-1252"),
        (TEXT.encode("cp1252"), "text/html"),  # unlabelled legacy: windows-1252
        (TEXT.encode("utf-16"), "text/html"),  # BOM
        (TEXT.encode("utf-16-le"), "text/html; charset=utf-16le"),
        (b"<html><body>" + TEXT.encode("utf-16-le"), None),  # sniffed: NUL every other byte
        (b"\xef\xbb\xbf" + TEXT.encode(), "text/html; charset=windows-1252"),  # BOM wins
        (TEXT.encode().replace("“".encode(), b"\x93"), "text/html; charset=utf-8"),  # mixed
        (b'<meta charset="utf-8">' + TEXT.encode(), "text/html; charset=x-bogus"),
    ],
)
def test_decode_html_reads_text_as_meant(body, content_type):
    assert TEXT in decode_html(body, content_type)


def test_decode_html_keeps_real_legacy_encodings():
    russian = "Пресс-релиз"
    assert decode_html(russian.encode("koi8-r"), "text/html; charset=koi8-r") == russian
    assert decode_html(b"a\xff\x81b", "text/html") == "a\u00ff\ufffdb"  # undefined in cp1252


def test_looks_binary():
    assert looks_binary(decode_html(bytes(range(256)) * 8, "text/html"))
    assert looks_binary("GIF89a\x00\x01")
    assert not looks_binary(decode_html(TEXT.encode("utf-16"), None))
    assert not looks_binary("<p>" + "\t" * 100 + "</p>")
    assert not looks_binary("")


def _item(url: str, fetched: str, text: str) -> ArticleItem:
    return ArticleItem({"url": url, "fetched_url": fetched, "source": "s", "text": text})


def test_a_canonical_link_never_overwrites_another_release(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        run = archive.start_run("s", {})
        archive.save_articles(
            [
                {
                    "url": "https://x.org/b",
                    "fetched_url": "https://x.org/b",
                    "source": "s",
                    "text": "B's own text",
                }
            ],
            run,
        )
        guard = CanonicalGuard()
        alias_same = _item("https://x.org/b", "https://x.org/node/2", "B's own text")
        alias_other = _item("https://x.org/b", "https://x.org/a", "A's text, claiming B")
        direct = _item("https://x.org/c", "https://x.org/c", "C")
        kept, refused = guard.sort([alias_same, alias_other, direct], archive, final=False)
        assert kept == [direct] and refused == []  # aliases wait for the last write
        kept, refused = guard.sort([], archive, final=True)
        assert kept == [alias_same]
        assert [(f.url, f.reason) for f in refused] == [
            (
                "https://x.org/a",
                "canonical link points to https://x.org/b, which holds a different release",
            )
        ]


def test_a_page_fetched_from_its_own_url_wins_within_a_batch(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        alias = _item("https://x.org/b", "https://x.org/a", "A")
        own = _item("https://x.org/b", "https://x.org/b", "B")
        kept, refused = CanonicalGuard().sort([alias, own], archive, final=True)
    assert kept == [own] and [f.url for f in refused] == ["https://x.org/a"]
