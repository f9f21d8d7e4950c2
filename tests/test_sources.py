"""Source files: bundled ones load, bad ones fail with one line naming file and field."""

from __future__ import annotations

import pytest

from crawler import sources

GOOD = """
name = "example"
allowed_domains = ["example.org"]
[discover]
sitemaps = ["https://example.org/sitemap.xml"]
[articles]
allow = ['/press/\\d{4}/']
deny = ['/search']
[extract]
prune = [".donate"]
drop_phrases = ["Give now"]
min_words = 30
[crawl]
delay = 2
concurrency = 1
"""


def test_bundled_hrw_loads_and_matches_release_urls():
    src = sources.load("hrw")
    assert src.name == "hrw"
    assert "www.hrw.org" in src.allowed_domains
    assert src.sitemaps and src.feeds and src.listings
    assert src.is_release_url("https://www.hrw.org/news/2025/03/04/chad-free-activists")
    assert src.is_release_url("https://www.hrw.org/fr/news/2025/03/04/tchad-liberer")
    assert not src.is_release_url("https://www.hrw.org/africa/chad")
    assert not src.is_release_url("https://www.hrw.org/news?page=3")
    assert src.is_denied("https://www.hrw.org/search?keyword=chad")
    assert src.rules.drop_phrases


def test_bundled_lists_every_toml():
    assert "hrw" in sources.bundled()


def test_parse_full_file(tmp_path):
    path = tmp_path / "example.toml"
    path.write_text(GOOD)
    src = sources.load(str(path))
    assert src.path == str(path)
    assert src.delay == 2.0 and src.concurrency == 1
    assert src.rules.prune == (".donate",)
    assert src.rules.min_words == 30
    assert src.is_release_url("https://example.org/press/2024/x")
    assert src.is_release_url("https://example.org/about") is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "not valid TOML"),
        ('name = "x"', "missing required field 'allowed_domains'"),
        (
            'name = "x"\nallowed_domains = ["x.org"]\n[discover]\nfeedz = ["https://x.org/f"]',
            "unknown field 'discover.feedz'",
        ),
        (
            'name = "x"\nallowed_domains = ["x.org"]\n[discover]\nfeeds = ["ftp://x.org/f"]',
            "field 'discover.feeds' has a URL that is not http(s)",
        ),
        (
            'name = "x"\nallowed_domains = ["x.org"]\n[discover]\nfeeds = ["https://y.org/f"]',
            "outside allowed_domains",
        ),
        (
            'name = "x"\nallowed_domains = ["x.org"]\n[discover]\nfeeds = ["https://x.org/f"]\n'
            '[articles]\nallow = ["("]',
            "field 'articles.allow' has an invalid regex",
        ),
        (
            'name = "x"\nallowed_domains = ["x.org"]\n[discover]\nfeeds = ["https://x.org/f"]\n'
            '[crawl]\ndelay = "fast"',
            "field 'crawl.delay' must be a number",
        ),
        ('name = "x"\nallowed_domains = ["x.org"]', "needs at least one of"),
        ('name = "Bad Name"\nallowed_domains = ["x.org"]', "field 'name' must be"),
        ('name = "x"\nallowed_domains = []\n[discover]\nfeeds=["https://x.org"]', "at least one"),
        ('name = "x"\nallowed_domains = ["x.org"]\n[extra]\na = 1', "unknown table [extra]"),
        (
            'name = "x"\nallowed_domains = ["x.org"]\n[discover]\nfeeds = ["https://x.org/f"]\n'
            "[extract]\nmin_words = true",
            "field 'extract.min_words' must be an integer",
        ),
    ],
)
def test_invalid_files_name_file_and_field(tmp_path, text, message):
    path = tmp_path / "site.toml"
    path.write_text(text)
    with pytest.raises(sources.SourceError) as info:
        sources.load(str(path))
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_unknown_name_and_missing_file(tmp_path):
    with pytest.raises(sources.SourceError, match="unknown source 'nope'"):
        sources.load("nope")
    with pytest.raises(sources.SourceError, match="no such source file"):
        sources.load(str(tmp_path / "missing.toml"))


def test_undecodable_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"')
    with pytest.raises(sources.SourceError, match="cannot read"):
        sources.load(str(path))


def test_adhoc_sources():
    src = sources.adhoc(sitemap="http://127.0.0.1:8123/sitemap.xml", deny=("/private/",))
    assert src.allowed_domains == ("127.0.0.1",)
    assert src.is_release_url("http://127.0.0.1:8123/x") is None  # the page decides
    assert src.is_denied("http://127.0.0.1:8123/private/x")
    walker = sources.adhoc(start_url="https://example.org/")
    assert walker.follow_links
    with pytest.raises(sources.SourceError, match="--sitemap: not an http"):
        sources.adhoc(sitemap="file:///etc/passwd")
    with pytest.raises(sources.SourceError, match="--allow: invalid regex"):
        sources.adhoc(feed="https://x.org/rss", allow=("[",))
    with pytest.raises(sources.SourceError, match="give --sitemap"):
        sources.adhoc()


def test_domain_allowed():
    assert sources.domain_allowed("www.hrw.org", ["hrw.org"])
    assert sources.domain_allowed("HRW.ORG.", ["hrw.org"])
    assert not sources.domain_allowed("evilhrw.org", ["hrw.org"])
    assert not sources.domain_allowed("hrw.org.evil.com", ["hrw.org"])
