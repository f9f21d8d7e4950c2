"""Extraction beyond the text: residue cleaning, structure and Markdown, metadata, PDFs."""

from __future__ import annotations

import pytest

from extraction import cleaning, language, metadata
from extraction.extract import analyse
from extraction.pdf import paragraphs_of, pdf_date
from extraction.rules import Rules
from fixtures.demo.site import PDF_BYTES, PDF_PARAGRAPHS, PDF_TITLE, build_site

BASE = "http://127.0.0.1:8000"
SITE = build_site(12)
ALT = build_site(12, variant="alt")
BODY = " ".join(
    f"Sentence {i} of the release describes what the researchers found in the region."
    for i in range(12)
)


def article(html: str, url: str = "https://news.example.org/2026/03/04/story") -> dict:
    result = analyse(html, url, Rules(), release=True)
    assert result.kind == "article", result.reason
    return result.article


def page(body: str, head: str = "", lang: str = "en", h1: bool = True) -> str:
    heading = "<h1>Floods Hit the Delta</h1>" if h1 else ""
    return (
        f'<html lang="{lang}"><head><title>Floods Hit the Delta</title>{head}</head>'
        f"<body><article>{heading}{body}</article></body></html>"
    )


# --- residue ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Related: Ten Years of Drought in the Sahel",
        "READ MORE: Floods displace thousands",
        "Don't miss",
        "Also on rt.com Journalists threatened with arrest",
        "Follow Newsbeat on Instagram, Facebook, Twitter and YouTube.",
        "Have a tip? Ann Lee may be reached at ann@example.org.",
        "Subscribe to the Morning Review newsletter",
        "Like this story? Share it with a friend!",
        "Reporting by Ann Lee; Editing by Bo Chen",
        "Fox News’ Jessica Napoli contributed to this report.",
        "* * *",
    ],
)
def test_residue_lines_are_dropped(line):
    assert cleaning.is_residue(line)


@pytest.mark.parametrize(
    "line",
    [
        "Related abuses were documented in three other provinces, the report says.",
        # A paragraph of two sentences under the label is prose (Dragnet R716).
        "RELATED: Their endorsees did not fare very well. Most of the roster went down in flames.",
        "Donors should follow the money: the report names the companies that profited.",
        "She said she had subscribed to the view that the courts would act, but they did not.",
        BODY,
    ],
)
def test_body_sentences_that_look_alike_are_kept(line):
    assert not cleaning.is_residue(line)


def test_top_of_body_headline_dateline_and_link_lists_go():
    body = (
        "<p>Floods Hit the Delta, Thousands Displaced</p><p>Tempo de leitura: 2 minutos</p>"
        f"<p>{BODY}</p><p>Second paragraph of the story, with more details about the "
        "response of the authorities and the aid agencies on the ground.</p>"
        '<ul><li><a href="/a">Drought in the Sahel</a></li><li><a href="/b">Rain Returns '
        "to the Coast</a></li></ul>"
    )
    text = article(page(body, h1=False))["text"]
    assert text.startswith("Floods Hit the Delta\n\nSentence 0 of the release")
    assert "Tempo de leitura" not in text and "Thousands Displaced" not in text
    assert "Drought in the Sahel" not in text and "Rain Returns" not in text


def test_an_embedded_tweet_is_kept_and_hover_cards_are_not():
    tweet = "We are on the ground and delivering aid to every flooded village tonight."
    body = (
        f"<p>{BODY}</p>"
        '<div class="social-embed"><blockquote class="twitter-tweet"><p>'
        f"{tweet}</p>— Aid Agency (@aid) March 4, 2026</blockquote></div>"
        '<p>The minister, <span class="person"><a href="/p/1">Ann Lee</a><span '
        'class="rollover-people-block"><a href="/x">Other headline one</a><a href="/y">'
        "Other headline two</a></span></span>, visited the area on Tuesday morning.</p>"
    )
    text = article(page(body))["text"]
    assert tweet in text
    assert "Ann Lee" in text and "Other headline" not in text


# --- structure ------------------------------------------------------------------


def test_structure_survives_in_text_and_markdown():
    release = next(r for r in SITE.releases if any(b.kind == "li" for b in r.blocks))
    html = SITE.render(release.path, BASE).text
    got = article(html, BASE + release.path)
    text, md = got["text"], got["markdown"]
    assert md.startswith(f"# {release.title}\n\n")
    for block in release.blocks:
        assert block.text in text
        if block.kind == "h2":
            assert f"\n## {block.text}\n" in md
        elif block.kind == "li":
            assert f"- {block.text}" in md and f"- {block.text}" in text
        elif block.kind == "blockquote":
            assert f"> {block.text}" in md
    # list items stay on consecutive lines in Markdown, paragraphs are blank-line apart
    items = [b.text for b in release.blocks if b.kind == "li"]
    assert f"- {items[0]}\n- {items[1]}" in md
    assert text.count("\n\n") >= len(release.blocks)


def test_markdown_tables_and_emphasis():
    body = (
        f"<p>{BODY} <b>Bold claim.</b></p><table><tr><th>Province</th><th>Displaced</th></tr>"
        "<tr><td>North</td><td>12,000</td></tr></table>"
    )
    md = article(page(body))["markdown"]
    assert "**Bold claim.**" in md
    assert "| Province | Displaced |\n|---|---|\n| North | 12,000 |" in md


# --- metadata -------------------------------------------------------------------


def test_fixture_metadata_is_complete():
    for release in ALT.releases:
        got = article(ALT.render(release.path, BASE).text, BASE + release.path)
        assert got["date_published"] == release.date_published
        assert got["date_modified"] == release.date_modified
        assert got["authors"] == release.authors
        assert got["org_author"] == release.org_byline
        assert sorted(got["tags"]) == sorted(release.tags)
        assert got["language"] == release.language
        assert got["image_url"] == (BASE + release.image_path if release.image_path else None)
        assert got["image_caption"] == release.image_caption
        assert got["publisher"] == "Rights Watch Demo"
        if release.translations:
            other = next(iter(release.translations.values()))
            assert got["translation_key"] == min(BASE + release.path, BASE + other)


def test_region_country_block_becomes_tags_not_text():
    # Tags from the page's own "Region / Country" and "Topic" blocks, with no JSON-LD.
    html = (
        "<html><head><title>T</title></head><body><article><h1>T</h1>"
        f"<p>{BODY}</p>"
        '<div class="tag-list"><h2>Region / Country</h2><ul><li><a href="/africa">Africa</a>'
        '</li><li><a href="/africa/chad">Chad</a></li></ul><h2>Topic</h2><ul><li>'
        '<a href="/topic/x">Refugees and Migrants</a></li></ul></div></article></body></html>'
    )
    got = article(html)
    assert got["tags"] == ["Africa", "Chad", "Refugees and Migrants"]
    assert "Region / Country" not in got["text"] and "Chad\n" not in got["text"]


def test_tag_labels_are_recognised_whatever_their_spacing():
    html = (
        "<html><head><title>T</title></head><body><article><h1>T</h1>"
        f"<p>{BODY}</p>"
        '<div><h3>\n   Filed\n  under :\n</h3><ul><li><a href="/t/a">Asylum</a></li></ul></div>'
        '<div><h3>Region\u00a0/\u00a0Country</h3><ul><li><a href="/chad">Chad</a></li></ul></div>'
        '<div><span>Topics <b>:</b></span> <a href="/t/b">Detention</a></div>'
        '<div><h3>Filed under the sea</h3><ul><li><a href="/t/c">Not a tag</a></li></ul></div>'
        "</article></body></html>"
    )
    assert article(html)["tags"] == ["Asylum", "Chad", "Detention"]


def test_dates_are_as_precise_as_the_page_allows():
    head = (
        '<script type="application/ld+json">'
        '{"@type": "NewsArticle", "datePublished": "2026-03-04"}</script>'
    )
    body = (
        '<p class="byline"><time datetime="2026-03-04T08:15:00-05:00">March 4</time></p>'
        f"<p>{BODY}</p>"
    )
    assert article(page(body, head))["date_published"] == "2026-03-04T08:15:00-05:00"
    # Nothing but the URL: the day it names, never the crawl date.
    assert article(page(f"<p>{BODY}</p>"))["date_published"] == "2026-03-04"
    assert metadata.not_today(metadata.datetime.now(metadata.UTC).date().isoformat()) is None


def test_people_and_organisations_are_kept_apart():
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": ['
        '{"@type": "Person", "name": "Ann Lee"}, {"@type": "Organization", '
        '"name": "Delta Relief Network"}], "publisher": {"@type": "Organization", '
        '"name": "Example News"}}</script>'
    )
    got = article(page(f"<p>{BODY}</p>", head))
    assert got["authors"] == ["Ann Lee"]
    assert got["org_author"] == "Delta Relief Network"
    assert got["publisher"] == "Example News"


def test_language_is_detected_and_checked_against_the_page():
    french = " ".join(
        "Les autorités doivent libérer les militants détenus et ouvrir une enquête "
        "indépendante sur les violences commises pendant les manifestations."
        for _ in range(6)
    )
    # An English template (lang="en") around a French release: the text wins.
    assert article(page(f"<p>{french}</p>", lang="en"))["language"] == "fr"
    assert article(page(f"<p>{BODY}</p>", lang="en-GB"))["language"] == "en"
    assert language.choose("Too short.", "de") == "de"
    assert language.declared("pt_BR") == "pt"


# --- PDFs ---------------------------------------------------------------------


def test_pdf_text_and_metadata():
    result = analyse(PDF_BYTES, BASE + "/report.pdf", Rules(), release=True)
    assert result.kind == "article", result.reason
    got = result.article
    assert got["content_kind"] == "pdf"
    assert got["title"] == PDF_TITLE
    assert got["text"].split("\n\n")[1:] == list(PDF_PARAGRAPHS)
    assert got["date_published"] == "2026-01-15T09:00:00+01:00"
    assert got["org_author"] == "Rights Watch Demo Research Division"
    assert got["tags"] == ["human rights", "annual report"]
    assert result.blocks is None  # PDFs do not feed the boilerplate profile


def test_broken_pdf_is_a_failure_with_a_reason():
    result = analyse(b"%PDF-1.4\nnot really a pdf", BASE + "/x.pdf", Rules(), release=True)
    assert result.kind == "failed" and "PDF" in result.reason


def test_pdf_helpers():
    assert paragraphs_of("One short line.\nNext paragraph starts here and runs on.") == [
        "One short line.",
        "Next paragraph starts here and runs on.",
    ]
    assert pdf_date("D:20260115090000Z") == "2026-01-15T09:00:00+00:00"
