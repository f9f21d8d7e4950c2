"""URL normalisation: the many spellings of one release collapse to one key."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crawler.urls import is_http, normalize, template


def test_variants_of_one_release_collapse():
    key = "https://example.org/news/2026/01/12/chad"
    variants = [
        "https://example.org/news/2026/01/12/chad",
        "https://example.org/news/2026/01/12/chad/",
        "https://example.org/news/2026/01/12/chad#comments",
        "https://example.org/news/2026/01/12/chad?utm_source=rss&utm_medium=feed",
        "HTTPS://EXAMPLE.org:443/news/2026/01/12/chad?fbclid=abc",
        "https://example.org//news/2026/01/12/chad;jsessionid=ABC123",
        "/news/2026/01/12/chad?PHPSESSID=1",
    ]
    assert {normalize(v, "https://example.org/news") for v in variants} == {key}


def test_meaningful_query_is_kept_in_order():
    assert normalize("https://x.org/news?page=2&topic=a") == "https://x.org/news?page=2&topic=a"
    assert normalize("https://x.org/news?topic=a&page=2") == "https://x.org/news?topic=a&page=2"


def test_ports_and_root():
    assert normalize("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"
    assert normalize("http://x.org:80") == "http://x.org/"


def test_non_ascii_is_percent_encoded():
    assert normalize("https://x.org/fr/actualités") == "https://x.org/fr/actualit%C3%A9s"


def test_schemes():
    assert is_http("https://x.org") and is_http("HTTP://x.org")
    assert not is_http("file:///etc/passwd")
    assert not is_http("javascript:alert(1)")


def test_template_groups_trap_urls():
    a = template("https://x.org/events/calendar?month=2031-07")
    b = template("https://x.org/events/calendar?month=2131-01")
    assert a == b
    assert template("https://x.org/news/a") != template("https://x.org/news/b")


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_normalize_is_idempotent(path):
    url = normalize("/" + path, "https://example.org/")
    assert normalize(url) == url
