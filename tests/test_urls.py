"""URL normalisation: the many spellings of one release collapse to one key."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.urls import _NORMAL, _normalize, is_http, normalize, template


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


# Pieces that sit on either side of the shortcut for URLs already in normal form.
SCHEMES = ["http", "https", "HTTP", "Https"]
HOSTS = ["x.org", "127.0.0.1", "X.org", "x.org.", "a-b.x.org", "-x.org", "xn--caf-dma.fr", "[::1]"]
PORTS = ["", ":80", ":443", ":8080", ":080", ":65535", ":65536", ":0", ":1"]
SEGMENTS = ["news", "a.b", ".hidden", "..", ".", "", "a~b_c-d", "%41", "é", "a;jsessionid=1", "A"]
TAILS = ["", "/", "?page=2", "?utm_source=x", "#top", " ", "//"]


@settings(max_examples=1000)
@given(
    st.sampled_from(SCHEMES),
    st.sampled_from(HOSTS),
    st.sampled_from(PORTS),
    st.lists(st.sampled_from(SEGMENTS), max_size=4),
    st.sampled_from(TAILS),
    st.sampled_from([None, "https://example.org/base/"]),
)
def test_the_shortcut_for_normal_urls_agrees_with_the_full_normalisation(
    scheme, host, port, segments, tail, base
):
    url = f"{scheme}://{host}{port}" + "".join("/" + s for s in segments) + tail
    try:
        expected = _normalize(url, base)
    except ValueError:  # a port out of range: the caller skips such URLs
        try:
            normalize(url, base)
        except ValueError:
            return
        raise AssertionError(f"{url!r} normalised although the full path raises") from None
    assert normalize(url, base) == expected


def test_the_shortcut_takes_the_common_case():
    url = "http://127.0.0.1:8080/news/2026/01/12/chad-free-detained-activists"
    assert _NORMAL.fullmatch(url)
    assert normalize(url) == url
    assert normalize("http://x.org:80/news") == "http://x.org/news"


@settings(max_examples=1000)
@given(
    st.sampled_from(["http", "https"]),  # what takes the origin path
    st.sampled_from([*HOSTS, "u:p@x.org", ""]),
    st.sampled_from(PORTS),
    st.lists(st.sampled_from(SEGMENTS), max_size=3),
    st.sampled_from(["", "?page=2", ";p=1", "#top", "?utm_source=x"]),
    st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4),
    st.sampled_from(TAILS),
)
def test_a_path_absolute_link_resolves_by_its_pages_origin(
    scheme, host, port, base_segments, base_tail, segments, tail
):
    # extraction.links looks such links up by origin, so that a site's menus are
    # normalised once a crawl: the page's path, query and fragment must not matter.
    from extraction.links import _absolute

    base = f"{scheme}://{host}{port}" + "".join("/" + s for s in base_segments) + base_tail
    href = "/" + "/".join(segments) + tail
    if href.startswith("//"):
        return  # protocol-relative: another host
    try:
        expected = normalize(href, base)
    except ValueError:
        expected = None
    assert _absolute(href, base) == expected
