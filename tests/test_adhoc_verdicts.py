"""Verdicts of a crawl with no source file on a site without article markup (a review).

Real crawls through the installed `pressroom` program (``--sitemap``) of a small
ministry site served on 127.0.0.1, built like the reviewer's sites that kept no
release at all:

- one release layout shared by four URL folders (``/newsroom/<year>/..``,
  ``/fr/communiques/..``, ``/de/pressemitteilungen/..``, ``/media/releases/..``),
  once taken for the site's generic (topic, browse) layout for spanning four
  sections, and short dated statements on it in a folder of their own
  (``/media/statements/<name>``), releases by that layout;
- release dates printed as bare text under the headline ("March 8, 2024", no
  label): read by trafilatura's guess, which `pressroom extract` used and the
  crawl's verdict did not;
- the site's generic layout carrying the home, about and contact pages (no date)
  and people and topic pages that look like releases (a "Joined: March 3, 2019"
  line, a "Latest" list, long paragraphs): these must stay out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import PLACES, ServedSite, SitemapSite, prose, run_cli

from extraction.results import NOT_AN_ARTICLE
from fixtures.demo.server import serve
from fixtures.demo.site import Response
from storage import Archive


def _prose(seed: int, paragraphs: int = 4) -> str:
    """Paragraphs of three long sentences each, different on every page."""
    return prose(seed, paragraphs)


def _chrome(title: str, main: str, body_class: str) -> str:
    nav = "".join(
        f'<li><a href="{href}">{text}</a></li>'
        for href, text in (
            ("/", "Home"),
            ("/newsroom", "Newsroom"),
            ("/about", "About"),
            ("/contact", "Contact"),
            ("/topics/fisheries", "Fisheries"),
            ("/people/anna-berg", "Our team"),
        )
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"</head><body class='{body_class}'><header><ul class='menu'>{nav}</ul></header>"
        f"{main}<footer><p>Ministry of Coastal Affairs, 12 Harbour Row.</p></footer>"
        "</body></html>"
    )


def _release(title: str, shown_date: str, seed: int) -> str:
    # The one release layout of every folder; the date is bare text, no label, no markup.
    main = (
        f"<div class='layout'><article class='news-release'><h1>{title}</h1>"
        f"<p class='meta'>{shown_date}</p><div class='body'>{_prose(seed)}</div></article></div>"
    )
    return _chrome(title, main, "release-page")


def _statement(title: str, shown_date: str, seed: int) -> str:
    # A short dated statement on the release layout: 2 paragraphs, under 150 words.
    main = (
        f"<div class='layout'><article class='news-release'><h1>{title}</h1>"
        f"<p class='meta'>{shown_date}</p><div class='body'>{_prose(seed, 2)}</div></article></div>"
    )
    return _chrome(title, main, "release-page")


def _page(title: str, inner: str) -> str:
    # The site's generic layout: home, about, contact, listing, topic and people pages.
    return _chrome(title, f"<div class='page-layout'><h1>{title}</h1>{inner}</div>", "page")


RELEASES = {
    **{
        f"/newsroom/2024/harbour-plan-{p.lower()}": (f"Harbour plan {p}", f"March {k + 3}, 2024")
        for k, p in enumerate(PLACES[:4])
    },
    **{
        f"/fr/communiques/plan-littoral-{p.lower()}": (f"Plan littoral {p}", f"April {k + 3}, 2024")
        for k, p in enumerate(PLACES[4:7])
    },
    **{
        f"/de/pressemitteilungen/pm-{1200 + k}": (f"Küstenschutz in {p}", f"May {k + 3}, 2024")
        for k, p in enumerate(PLACES[1:4])
    },
    **{
        f"/media/releases/water-report-{p.lower()}": (f"Water report {p}", f"June {k + 3}, 2024")
        for k, p in enumerate(PLACES[5:8])
    },
}  # fmt: skip
# Short statements of a folder with no long release: releases by their dated release layout.
STATEMENTS = {"/media/statements/dingle": ("Statement on Dingle", "November 3, 2024"),
              "/media/statements/bantry": ("Statement on Bantry", "November 5, 2024")}  # fmt: skip
RELEASES.update(STATEMENTS)

LINKS = "".join(f"<li><a href='{path}'>{t}</a></li>" for path, (t, _) in list(RELEASES.items())[:4])
OTHERS = {
    "/": _page("Ministry of Coastal Affairs", "<p>Welcome.</p>"),
    "/about": _page("About the ministry", f"<p>We look after the coast.</p>{_prose(40, 2)}"),
    "/contact": _page("Contact", "<p>Write to us.</p>"),
    "/newsroom": _page("Newsroom", f"<ul>{LINKS}</ul>"),
    # Topic pages: prose and a "Latest" list with its dates: a date and paragraphs.
    **{
        f"/topics/{topic}": _page(
            topic.title(),
            _prose(20 + k) + f"<h2>Latest</h2><ul>{LINKS}</ul><p>Updated March 1, 2024</p>",
        )
        for k, topic in enumerate(("fisheries", "ports", "beaches"))
    },
    # People pages: a "Joined" date and long paragraphs, as a release has.
    **{
        f"/people/{slug}": _page(
            slug.replace("-", " ").title(), f"<p>Joined: March 3, 2019</p>{_prose(30 + k, 3)}"
        )
        for k, slug in enumerate(("anna-berg", "tomas-keane", "yuki-sato"))
    },
}


# The other pages and the releases above, each as served.
MINISTRY = {
    **OTHERS,
    **{
        path: (_statement if path in STATEMENTS else _release)(*RELEASES[path], seed=k)
        for k, path in enumerate(RELEASES)
    },
}


@pytest.fixture(scope="module")
def ministry() -> Iterator[str]:
    with serve(SitemapSite(MINISTRY, "2024-06-01")) as server:  # type: ignore[arg-type]
        yield server.url


def _paths(db: Path) -> set[str]:
    with Archive(db, readonly=True) as archive:
        return {"/" + row["url"].split("/", 3)[3] for row in archive.articles()}


def _not_releases(db: Path) -> dict[str, str]:
    result = run_cli("pages", "--not-releases", "--format", "json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return {"/" + row["url"].split("/", 3)[3]: row["reason"] for row in json.loads(result.stdout)}


def test_one_release_layout_in_four_folders_and_text_dates_keep_every_release(
    ministry, tmp_path
) -> None:
    db = tmp_path / "ministry.db"
    result = run_cli("crawl", "--sitemap", f"{ministry}/sitemap.xml", "--db", str(db))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _paths(db) == set(RELEASES)  # every release, and no topic, people or home page
    reasons = _not_releases(db)
    assert set(reasons) == set(OTHERS)
    # The people and topic pages look like releases: the generic layout keeps them out.
    assert "generic layout" in reasons["/people/anna-berg"], reasons["/people/anna-berg"]
    assert "generic layout" in reasons["/topics/fisheries"], reasons["/topics/fisheries"]
    # The reason names what the page lacks, not "no date or body" for a page with both.
    assert reasons["/about"].startswith(NOT_AN_ARTICLE), reasons["/about"]


def test_extract_gives_the_crawls_verdict_on_a_saved_page(ministry, tmp_path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "release.html").write_text(_release("Harbour plan for Kerlaz", "March 8, 2024", 1))
    (saved / "about.html").write_text(OTHERS["/about"])
    result = run_cli("extract", str(saved))
    assert result.returncode == 0, result.stderr
    records = {Path(r["path"]).name: r for r in map(json.loads, result.stdout.splitlines())}
    release, about = records["release.html"], records["about.html"]
    assert (release["release"], release["date_published"]) == (True, "2024-03-08")
    # Refused as the crawl refuses it, with the crawl's reason, and its text still shown.
    assert about["release"] is False
    assert about["reason"] == NOT_AN_ARTICLE
    assert "We look after the coast." in about["text"]


def test_an_allow_pattern_added_judges_the_known_not_releases_again(ministry, tmp_path) -> None:
    # README: "fix a wrong verdict with --allow". The pages known as not releases were
    # skipped while their sitemap lastmod held, whatever the patterns: --allow did nothing.
    db = tmp_path / "allow.db"
    first = run_cli("crawl", "--sitemap", f"{ministry}/sitemap.xml", "--db", str(db))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "/about" not in _paths(db)
    allowed = ("crawl", "--sitemap", f"{ministry}/sitemap.xml", "--allow", "/about$")
    second = run_cli(*allowed, "--db", str(db))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "/about" in _paths(db), second.stdout
    assert "1 new" in second.stdout
    # The same patterns again: every page is known under them, nothing is fetched again.
    third = run_cli(*allowed, "--db", str(db))
    assert third.returncode == 0, third.stdout + third.stderr
    assert "0 new" in third.stdout, third.stdout
    # /about is known under these patterns; the others are left out by --allow, not fetched.
    assert "1 skipped by lastmod" in third.stdout, third.stdout
    assert "(2 responses)" in third.stdout, third.stdout  # robots.txt and the sitemap


class PressRoom(ServedSite):
    """A feed-only press room: dated releases and two that show no date, one layout."""

    def __init__(self) -> None:
        self.pages = {
            f"/press-room/2024/{slug}": (
                title,
                f"<p class='meta'>{shown}</p>" if shown else "",
                _prose(50 + k),
            )
            for k, (slug, title, shown) in enumerate(
                (
                    ("harbour-plan-kerlaz", "Harbour plan Kerlaz", "March 3, 2024"),
                    ("ferry-audit-brieg", "Ferry audit Brieg", "March 9, 2024"),
                    ("dune-works-tresco", "Dune works Tresco", "April 2, 2024"),
                    ("water-report-varna", "Water report Varna", "May 5, 2024"),
                    ("sea-wall-repairs-dunmore", "Sea wall repairs Dunmore", ""),
                    ("pilot-scheme-hallam", "Pilot scheme Hallam", ""),
                )
            )
        }

    def render(self, path: str, base: str) -> Response | None:
        if path == "/feed.xml":
            items = "".join(
                f"<item><title>{t}</title><link>{base}{p}</link></item>"
                for p, (t, _, _) in self.pages.items()
            )
            rss = f"<rss version='2.0'><channel><title>Press</title>{items}</channel></rss>"
            return _tagged(rss, "application/rss+xml")
        if path in self.pages:
            title, meta, body = self.pages[path]
            main = (
                f"<div class='layout'><article class='news-release'><h1>{title}</h1>{meta}"
                f"<div class='body'>{body}</div></article></div>"
            )
            return _tagged(_chrome(title, main, "release-page"), "text/html; charset=utf-8")
        return None


def _tagged(text: str, content_type: str) -> Response:
    """A 200 with an ETag: unchanged pages answer a rerun's conditional request with 304."""
    import hashlib

    body = text.encode()
    headers = {"Content-Type": content_type, "ETag": f'"{hashlib.md5(body).hexdigest()}"'}
    return Response(200, headers, body, content_type)


def test_an_edited_undated_release_is_updated_on_a_rerun(tmp_path) -> None:
    # A release that shows no date is one by its URL pattern and layout, learned from
    # the dated ones. A rerun fetches only what changed: it judged the edited release
    # alone ("1 confident releases ... needs 3"), refused it, and never recorded the edit.
    site = PressRoom()
    db = tmp_path / "press.db"
    with serve(site) as server:  # type: ignore[arg-type]
        feed = f"{server.url}/feed.xml"
        first = run_cli("crawl", "--feed", feed, "--db", str(db))
        assert first.returncode == 0, first.stdout + first.stderr
        assert _paths(db) == set(site.pages), first.stdout
        undated = "/press-room/2024/sea-wall-repairs-dunmore"
        title, meta, body = site.pages[undated]
        site.pages[undated] = (title, meta, body + "<p>Correction: the works end in May.</p>")
        second = run_cli("crawl", "--feed", feed, "--db", str(db))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "1 updated" in second.stdout and "0 not releases" in second.stdout, second.stdout
    with Archive(db, readonly=True) as archive:
        row = next(r for r in archive.articles() if r["url"].endswith(undated))
    assert "Correction: the works end in May." in row["text"]
