"""Extraction on single pages: clean text, metadata, the page-decides rule, and never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction import metadata
from extraction.cleaning import word_count
from extraction.extract import analyse, classify, iso_date, read_metadata
from extraction.parse import parse
from extraction.rules import Rules
from fixtures.demo.site import build_site

BASE = "http://127.0.0.1:8000"
SITE = build_site(12)


def page(path: str) -> str:
    response = SITE.render(path, BASE)
    assert response is not None and response.status == 200, path
    return response.body.decode("utf-8")


@pytest.mark.parametrize("template", ["article", "legacy"])
def test_both_templates_give_clean_complete_text(template):
    release = next(r for r in SITE.releases if r.template == template and r.language == "en")
    result = analyse(page(release.path), BASE + release.path, Rules(), release=True)
    assert result.kind == "article", result.reason
    text = result.article["text"]
    assert text.startswith(release.title + "\n\n")
    for paragraph in release.paragraphs:
        assert paragraph in text
    for block in SITE.boilerplate_strings() + SITE.foreign_strings(release):
        assert block not in text, block


def test_metadata_from_the_page_itself():
    release = next(r for r in SITE.releases if r.translations and r.language == "en")
    result = analyse(page(release.path), BASE + release.path, Rules(), release=True)
    article = result.article
    assert article["title"] == release.title
    assert article["description"] == release.dek
    assert article["authors"] == release.authors
    assert article["date_published"] == release.date_published  # with time and zone
    assert article["language"] == "en"
    assert set(release.tags) <= set(article["tags"])
    assert article["canonical_url"] == BASE + release.path
    assert article["translations"]["fr"] == BASE + release.translations["fr"]
    assert article["extractor"].startswith("trafilatura ")


def test_body_sentences_that_mention_donations_are_kept():
    # The fixture's bodies say "donate", "share" and "newsletter" in passing;
    # only furniture lines may go.
    mentions = [
        (r, p)
        for r in SITE.releases
        for p in r.paragraphs
        if any(w in p.lower() for w in ("donat", "share", "newsletter", "subscri"))
    ]
    assert mentions, "the fixture should contain such sentences"
    for release, paragraph in mentions[:5]:
        text = analyse(page(release.path), BASE + release.path, Rules(), release=True).article[
            "text"
        ]
        assert paragraph in text


def test_alias_page_reports_its_canonical_url():
    alias, real = SITE.traps()["alias"]
    result = analyse(page(alias), BASE + alias, Rules(), release=None)
    assert result.kind == "article"
    assert result.article["canonical_url"] == BASE + real


@pytest.mark.parametrize(
    "path",
    ["/about", "/about/policies/privacy", "/news", "/news?page=1", "/topic/refugees-and-migrants"],
)
def test_pages_that_are_not_releases_decide_so(path):
    if SITE.render(path, BASE) is None:
        pytest.skip(f"{path} not on this fixture")
    result = analyse(page(path), BASE + path, Rules(), release=None)
    assert result.kind == "page", result.article and result.article["title"]
    assert result.reason


_MARKUP = {
    "none": "",
    "json-ld": '<script type="application/ld+json">{"@type": "NewsArticle"}</script>',
    "og article": '<meta property="og:type" content="article">',
    "og website": '<meta property="og:type" content="website">',
}
_SENTENCE = "The ministry said the new rules would apply to every school from next year. "


@pytest.mark.parametrize("markup", list(_MARKUP))
@pytest.mark.parametrize("dated", [False, True])
@pytest.mark.parametrize("paragraphs", [1, 4])
def test_the_page_decides_from_its_metadata_alone_as_from_its_body(markup, dated, paragraphs):
    """A page that decides (release=None) without article markup, and with another
    og:type or no date, is refused before its body is read (listing pages: the vote
    that a short body calls was a quarter of a crawl's extraction time). The verdict
    is the one that reading the body gives."""
    date = '<meta property="article:published_time" content="2026-01-12">' if dated else ""
    body = "".join(f"<p>{_SENTENCE * 4}</p>" for _ in range(paragraphs))
    html = (f"<html><head><title>Schools</title>{_MARKUP[markup]}{date}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>Schools</h1>{body}</article>"
            "</body></html>")  # fmt: skip
    url, rules = BASE + "/news/schools", Rules()
    read = analyse(html, url, rules, release=True)  # the body is read, whatever the metadata
    assert read.kind == "article", read.reason
    tree = parse(html)
    meta = read_metadata(tree, url, metadata.index(tree))
    lines = [b[1] for b in read.blocks]
    least = rules.least_words(vouched=False)  # the floor of a page that decides
    verdict = classify(meta, lines, sum(word_count(line) for line in lines), least)
    result = analyse(html, url, rules, release=None)
    expected = ("article", None) if verdict is None else ("page", verdict)
    assert (result.kind, result.reason) == expected


def test_listing_gives_links_and_next_page():
    result = analyse(
        page("/news"),
        BASE + "/news",
        Rules(),
        release=False,
        want_links=True,
        next_page='a[rel="next"]',
    )
    assert result.kind == "page"
    assert result.next_pages == [BASE + "/news?page=1"]
    assert BASE + SITE.releases[-1].path in result.links or any(
        link.startswith(BASE + "/news/20") for link in result.links
    )
    assert all(link.startswith("http") for link in result.links)


def test_source_rules_prune_and_drop():
    release = SITE.releases[0]
    html = page(release.path)
    first = release.paragraphs[0]
    dropped = analyse(html, BASE + release.path, Rules(drop_phrases=(first[:40],)), release=True)
    assert first not in dropped.article["text"]
    assert release.paragraphs[1] in dropped.article["text"]


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty page"),
        ("   \n ", "empty page"),
        ("<html><body><p>Too short.</p></body></html>", "too little text"),
        (
            "<html><head><title>t</title></head><body>" + "<div>word </div>" * 3 + "</body></html>",
            "too little text",
        ),
    ],
)
def test_failures_have_reasons(html, reason):
    result = analyse(html, BASE + "/x", Rules(), release=True)
    assert result.kind == "failed"
    assert reason in result.reason


def test_binary_and_broken_input_never_raise():
    garbage = bytes(range(256)).decode("latin-1") * 50
    for html in [garbage, "<html><body><p>" * 500, "<?xml version='1.0' encoding='utf-8'?><html/>"]:
        result = analyse(html, BASE + "/x", Rules(), release=True)
        assert result.kind in ("failed", "page", "article")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_random_text_never_raises(html):
    result = analyse(html, BASE + "/x", Rules(), release=None, want_links=True)
    assert result.kind in ("failed", "page", "article")


def test_iso_dates():
    assert iso_date("2026-01-12T09:30:00Z") == "2026-01-12T09:30:00+00:00"
    assert iso_date("2026-01-12T09:30:00+01:00") == "2026-01-12T09:30:00+01:00"
    assert iso_date("2026-01-12") == "2026-01-12"
    assert iso_date("2026-01-12 garbage") == "2026-01-12"
    assert iso_date("yesterday") is None
    assert iso_date(None) is None
