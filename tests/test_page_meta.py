"""Metadata of page shapes first seen on a reviewer's generated sites (a review of a new site).

Each page here is a trimmed copy of one of those sites' pages, written into the
test so that it does not depend on the review's files: a Japanese or Chinese
date alone in ``<p class="meta">``, which htmldate reads as the year only
(January 1st, a wrong date); a title in an ASP.NET ``<span id="ctl00_lblTitle">``
with no ``<h1>``, whose ``<title>`` ends with the site's name; an eyebrow
("News release") above the ``<h1>``, which hid the repeated headline below it.
They go through the installed program: ``pressroom extract`` on saved pages.
"""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli

JA_BODY = (
    "<p>調査によると、漁業労働者の多くが適切な労働契約を結んでいないことが明らかになりました。"
    "報告書は26人以上の関係者への聞き取りに基づいています。</p>"
    "<p>代表は記者会見で、早急な法改正が必要だと述べました。"
    "地域の市民団体と協力して、今後も監視を続けていきます。</p>"
) * 3

EN_BODY = "".join(
    f"<p>Harbour authorities extended a training scheme for {n} harbour pilots despite "
    "concerns from trade unions, and said that work would begin in June.</p>"
    for n in range(5)
)


def _cjk_page(lang: str, title: str, shown: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{title} - Coastal Rights Alliance</title></head><body>"
        '<div class="site-header"><a class="logo" href="/en/">Coastal Rights Alliance</a></div>'
        # The site's layout names its main column "sidebar-grid__content".
        '<div class="sidebar-grid"><div class="sidebar-grid__content">'
        f'<article class="news-release"><h1>{title}</h1><p class="meta">{shown}</p>'
        f'<div class="body">{JA_BODY}</div></article></div>'
        '<div class="sidebar-grid__aside"><div class="most-read"><h3>Most read</h3>'
        '<p class="date">2023年5月9日</p><a href="/ja/news/report-1">報告書</a></div></div></div>'
        '<div class="site-footer"><p>Registered charity no. 1098765.</p></div></body></html>'
    )


def _extract(tmp_path: Path, pages: dict[str, str]) -> dict[str, dict]:
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    result = run_cli("extract", *(str(tmp_path / name) for name in pages))
    assert result.returncode == 0, result.stderr
    found = [json.loads(line) for line in result.stdout.splitlines()]
    return {Path(r["path"]).name: r for r in found}


def test_a_cjk_date_alone_in_the_meta_line_is_the_publication_date(tmp_path: Path):
    got = _extract(
        tmp_path,
        {
            "ja.html": _cjk_page("ja", "Amelandの漁業労働者に関する報告書を公表", "2024年2月28日"),
            "zh.html": _cjk_page("zh", "关于Sligo渔业工人状况的报告", "2024年1月14日"),
        },
    )
    # htmldate read "2024年2月28日" as the year alone: 2024-01-01, a wrong date.
    assert got["ja.html"]["date_published"] == "2024-02-28"
    assert got["zh.html"]["date_published"] == "2024-01-14"


def test_a_year_alone_is_no_publication_date(tmp_path: Path):
    # A date the page writes in no form pressroom reads, and a copyright year:
    # htmldate's last resort is that year's January 1st, which no page said.
    page = _cjk_page("ja", "報告書を公表", "二〇二四年二月").replace(
        "Registered charity", "© 2024 Registered charity"
    )
    got = _extract(tmp_path, {"year.html": page})
    assert got["year.html"]["date_published"] is None


def test_a_first_of_the_month_the_page_shows_is_kept(tmp_path: Path):
    page = (
        "<html lang='en'><head><title>Pilot scheme expands</title></head><body><article>"
        "<h1>Pilot scheme expands</h1><p class='meta'>June 1, 2024</p>"
        f"{EN_BODY}</article></body></html>"
    )
    got = _extract(tmp_path, {"first.html": page})
    assert got["first.html"]["date_published"] == "2024-06-01"


def _aspx_page(title: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title} | Ministry of Coastal Affairs</title></head><body>"
        "<header class='gov-header'><div class='crest'>Ministry of Coastal Affairs</div></header>"
        "<div id='content' class='col-main'><table class='ms-content'>"
        f"<tr><td class='ms-title'><span id='ctl00_lblTitle'>{title}</span></td></tr>"
        "<tr><td class='ms-date'><span id='ctl00_lblDate'>Date: 16/06/2023</span></td></tr>"
        f"<tr><td class='ms-body'><div id='ctl00_PlaceHolderMain_body'>{EN_BODY}</div></td></tr>"
        "</table></div><footer class='gov-footer'><p>© 2024 Ministry of Coastal Affairs.</p>"
        "</footer></body></html>"
    )


def test_a_title_shown_in_a_title_span_loses_the_site_name(tmp_path: Path):
    got = _extract(tmp_path, {"item.html": _aspx_page("Pilot training scheme expands in Esbjerg")})
    assert got["item.html"]["title"] == "Pilot training scheme expands in Esbjerg"
    assert got["item.html"]["text"].startswith("Pilot training scheme expands in Esbjerg\n\n")
    assert "Ministry of Coastal Affairs" not in got["item.html"]["text"]


def test_the_headline_under_an_eyebrow_is_not_repeated(tmp_path: Path):
    title = "Court orders back pay for 300 cannery workers"
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title} - Coastal Rights Alliance</title></head><body>"
        "<div class='site-header'><a class='logo' href='/en/'>Coastal Rights Alliance</a></div>"
        f"<article class='news-release'><p class='eyebrow'>News release</p><h1>{title}</h1>"
        f"<p class='meta'>September 2, 2024</p><div class='body'>{EN_BODY}</div></article>"
        "</body></html>"
    )
    got = _extract(tmp_path, {"eyebrow.html": page})
    text = got["eyebrow.html"]["text"]
    assert text.startswith(title + "\n\n")
    assert text.count(title) == 1, text[:300]


def test_labelled_dates_still_give_both_dates(tmp_path: Path):
    # The CJK date line is read after the labels, and never costs their update date.
    page = (
        "<html lang='en'><head><title>Pilot scheme expands</title></head><body><article>"
        "<h1>Pilot scheme expands</h1>"
        "<p class='meta'>Published 3 May 2024 | Last updated 4 May 2024</p>"
        f"{EN_BODY}</article></body></html>"
    )
    got = _extract(tmp_path, {"labelled.html": page})["labelled.html"]
    assert (got["date_published"], got["date_modified"]) == ("2024-05-03", "2024-05-04")


def _dated_page(ld_date: str, meta_date: str | None = None) -> str:
    data = {"@type": "NewsArticle", "headline": "Harbour works", "datePublished": ld_date}
    meta = f'<meta property="article:published_time" content="{meta_date}">' if meta_date else ""
    return (
        f'<html lang="en"><head><title>Harbour works</title>{meta}'
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><article><h1>Harbour works</h1>{EN_BODY}</article></body></html>"
    )


def test_a_date_no_calendar_has_is_no_publication_date(tmp_path: Path):
    # A CMS's empty date (MySQL's 0000-00-00) and an impossible day were stored as
    # date_published, "0000-00-00" ahead of the page's real date: `stats` showed a
    # month 0000-00, JSON Lines and CSV that text, Parquet no date at all.
    got = _extract(
        tmp_path,
        {
            "zero.html": _dated_page("0000-00-00 00:00:00", "2024-05-06T10:00:00+02:00"),
            "feb30.html": _dated_page("2024-02-30"),
            "month13.html": _dated_page("2024-13-01T10:00:00Z"),
            "garbage.html": _dated_page("2024-05-07 at noon"),
        },
    )
    assert got["zero.html"]["date_published"] == "2024-05-06T10:00:00+02:00"
    assert got["feb30.html"]["date_published"] is None
    assert got["month13.html"]["date_published"] is None
    assert got["garbage.html"]["date_published"] == "2024-05-07"  # a real day, kept
