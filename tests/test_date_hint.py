"""The sitemap's <lastmod> as the last hint for a release's date (issue 17).

Real crawls through the installed `pressroom` program (``--sitemap``, no source
file) of a small site served on 127.0.0.1: a release whose page gives no date is
dated by its sitemap lastmod, a bare date or a full one; a page's own date wins;
a page showing an update date only is not given the lastmod as its publication
date; and the first date stands when the lastmod moves with an edit, also
through ``pressroom reextract``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import run_cli

from fixtures.demo.server import serve
from fixtures.demo.site import Response
from storage import Archive

BODY = (
    "The department announced a programme of works on {topic} that will run through the "
    "coming year, with funding agreed by the regional councils and local partners. "
)


def _page(
    title: str, topic: str, *, published: str = "", modified: str = "", shown: str = ""
) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title}
    if published:
        ld["datePublished"] = published
    if modified:
        ld["dateModified"] = modified
    paragraphs = "".join(
        f"<p>{BODY.format(topic=topic)}Step {n} of the plan.</p>" for n in range(6)
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title><script type='application/ld+json'>{json.dumps(ld)}</script>"
        f"</head><body><main><article><h1>{title}</h1>{shown}{paragraphs}</article></main>"
        "</body></html>"
    )


@dataclass
class DatedSite:
    """Four releases and a sitemap whose lastmods the test sets."""

    lastmods: dict[str, str] = field(
        default_factory=lambda: {
            "/news/no-date-here": "2023-04-11",
            "/news/no-date-either": "2023-06-01T10:15:00+01:00",
            "/news/dated-by-the-page": "2023-05-20",
            "/news/updated-only": "2023-04-22",
        }
    )
    pages: dict[str, str] = field(
        default_factory=lambda: {
            "/news/no-date-here": _page("Roads plan", "roads"),
            "/news/no-date-either": _page("Flood money", "flood defences"),
            "/news/dated-by-the-page": _page("Bus lanes", "bus lanes", published="2023-03-02"),
            "/news/updated-only": _page(
                "Rail fares",
                "rail fares",
                modified="2023-04-22",
                shown="<p class='meta'>Last updated 22 April 2023</p>",
            ),
        }
    )

    def render(self, path: str, base: str) -> Response | None:
        if path == "/sitemap.xml":
            entries = "".join(
                f"<url><loc>{base}{p}</loc><lastmod>{m}</lastmod></url>"
                for p, m in self.lastmods.items()
            )
            body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
            return _response(body, "application/xml")
        if path in self.pages:
            return _response(self.pages[path], "text/html; charset=utf-8")
        return None

    def not_found(self, path: str, base: str) -> Response:
        return Response(404, {"Content-Type": "text/plain"}, b"not found\n", "text/plain")


def _response(text: str, content_type: str) -> Response:
    return Response(200, {"Content-Type": content_type}, text.encode(), content_type)


@pytest.fixture
def dated_site() -> Iterator[tuple[DatedSite, str]]:
    site = DatedSite()
    with serve(site) as server:  # type: ignore[arg-type]
        yield site, server.url


def _dates(db: Path) -> dict[str, tuple[str | None, str | None]]:
    with Archive(db, readonly=True) as archive:
        return {
            row["url"].split("/", 3)[3]: (row["date_published"], row["date_modified"])
            for row in archive.articles()
        }


def test_a_page_without_a_date_is_dated_by_its_sitemap_lastmod(dated_site, tmp_path) -> None:
    site, url = dated_site
    db = tmp_path / "dated.db"
    result = run_cli("crawl", "--sitemap", f"{url}/sitemap.xml", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert _dates(db) == {
        "news/no-date-here": ("2023-04-11", None),  # the bare lastmod, as the site wrote it
        "news/no-date-either": ("2023-06-01T10:15:00+01:00", None),
        "news/dated-by-the-page": ("2023-03-02", None),  # its own date, not the lastmod
        "news/updated-only": (None, "2023-04-22"),  # an update is no publication date
    }

    # Edited: the lastmod moves with the edit, the date the release was stored under stays.
    site.lastmods["/news/no-date-here"] = "2023-09-09"
    site.pages["/news/no-date-here"] = _page("Roads plan, corrected", "roads")
    result = run_cli("crawl", "--sitemap", f"{url}/sitemap.xml", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "1 updated" in result.stdout
    with Archive(db, readonly=True) as archive:
        row = next(r for r in archive.articles() if r["url"].endswith("/news/no-date-here"))
    assert (row["title"], row["date_published"]) == ("Roads plan, corrected", "2023-04-11")

    # Re-extraction from the captures reads no date on the pages either: the stored ones stand.
    before = _dates(db)
    result = run_cli("reextract", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert _dates(db) == before


def stamped_site() -> DatedSite:
    """12 undated releases whose sitemap gives one build stamp, but release-0 a real lastmod."""
    stamp = "2024-01-05T03:00:00Z"
    site = DatedSite(
        lastmods={f"/news/release-{n}": stamp for n in range(12)},
        pages={f"/news/release-{n}": _page(f"Release {n}", f"topic {n}") for n in range(12)},
    )
    site.lastmods["/news/release-0"] = "2023-04-11"  # one real value among the stamps
    return site


def test_a_lastmod_stamped_on_every_entry_dates_nothing(tmp_path) -> None:
    # A sitemap generator that writes its build time on every URL says nothing of when
    # each release was published: an undated page stays undated rather than dated by
    # the build (the same value on at least 10 entries and half of them).
    site = stamped_site()
    db = tmp_path / "stamped.db"
    with serve(site) as server:  # type: ignore[arg-type]
        result = run_cli("crawl", "--sitemap", f"{server.url}/sitemap.xml", "--db", str(db))
    assert result.returncode == 0, result.stderr
    dates = _dates(db)
    assert len(dates) == 12
    assert dates.pop("news/release-0") == ("2023-04-11", None)
    assert set(dates.values()) == {(None, None)}
