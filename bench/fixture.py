"""Score extraction on the project's own fixture site, whose truth is known exactly.

    python bench/extraction.py --part fixture

Every release page of the demo site (``fixtures.demo.site``: English and French,
both templates) is extracted by pressroom and by plain trafilatura. pressroom
runs as a crawl would: a first pass records each page's blocks into a
throw-away archive, which learns the site's boilerplate profile
(:mod:`storage.profiles`), and the texts are then cleaned with that profile.
Body text is scored against ``Release.paragraphs`` with :mod:`bench.scoring`;
a *leak* is a page whose text still holds a template string
(``site.boilerplate_strings()``) or another release's title or summary
(``site.foreign_strings()``). Metadata is compared field by field with the
truth. Two sites: the default one, and ``variant="alt"``, whose redesigned
template text (a new appeal, a new "About" box) no cleaning rule names.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trafilatura

from bench.scoring import PageScore, Summary, score_page, summarise
from extraction.extract import analyse
from extraction.rules import Rules
from fixtures.demo.site import PDF_BYTES, PDF_PARAGRAPHS, PDF_TITLE, Release, Site, build_site
from storage import Archive, profiles

BASE = "http://127.0.0.1:8000"
SOURCE = "fixture"
# What pressroom stores and what plain trafilatura returns, per field.
FIELDS = (
    "title",
    "date_published",
    "date (day only)",
    "date_modified",
    "authors",
    "org_author",
    "tags",
    "language",
    "translations",
    "translation_group",
    "image_url",
    "image_caption",
)
GOAL_F1 = 0.99
EXACT_FIELDS = ("title", "date_published", "language")  # must be 100%
# What plain trafilatura reports at all; the other fields show as "-".
TRAFILATURA_FIELDS = (
    "title",
    "date_published",
    "date (day only)",
    "authors",
    "tags",
    "language",
    "image_url",
)


@dataclass
class FixtureRun:
    """One extractor over one fixture site: scores, leaks, field accuracy, time."""

    name: str
    site: str
    scores: list[PageScore]
    summary: Summary
    leaks: int
    leaked: list[str]
    fields: dict[str, float | None]
    seconds: float
    pages: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def _pages(site: Site) -> list[tuple[Release, str]]:
    return [(r, site.render(r.path, BASE).text) for r in site.releases]


def _truth_fields(release: Release) -> dict[str, Any]:
    translations = {}
    if release.translations:
        translations = {
            **{lang: BASE + path for lang, path in release.translations.items()},
            release.language: BASE + release.path,
        }
    return {
        "title": release.title,
        "date_published": release.date_published,
        "date_modified": release.date_modified,
        "authors": release.authors,
        "org_author": release.org_byline,
        "tags": sorted(release.tags),
        "language": release.language,
        "translations": translations,
        "image_url": BASE + release.image_path if release.image_path else None,
        "image_caption": release.image_caption,
    }


def _group_ok(releases: list[Release], keys: list[str | None]) -> list[bool]:
    """For each page: its translation key is shared by exactly its language versions."""
    by_path = {r.path: k for r, k in zip(releases, keys, strict=True)}
    out = []
    for release, key in zip(releases, keys, strict=True):
        if not release.translations:
            out.append(key is None)
            continue
        versions = [release.path, *release.translations.values()]
        same = all(by_path.get(p) == key for p in versions) and key is not None
        others = sum(1 for p, k in by_path.items() if k == key and p not in versions)
        out.append(same and others == 0)
    return out


def _accuracy(
    releases: list[Release],
    found: list[dict[str, Any]],
    keys: list[str | None],
    provided: tuple[str, ...] = FIELDS,
) -> dict[str, float | None]:
    hits = dict.fromkeys(FIELDS, 0)
    for release, got in zip(releases, found, strict=True):
        truth = _truth_fields(release)
        for name, value in truth.items():
            mine = got.get(name)
            if name == "tags":
                mine = sorted(mine or [])
            if name == "authors":
                mine = list(mine or [])
            hits[name] += mine == value
        day = (got.get("date_published") or "")[:10]
        hits["date (day only)"] += day == truth["date_published"][:10]
    for ok in _group_ok(releases, keys):
        hits["translation_group"] += ok
    return {name: hits[name] / len(releases) if name in provided else None for name in FIELDS}


def _leaks(site: Site, release: Release, text: str) -> list[str]:
    return [s for s in [*site.boilerplate_strings(), *site.foreign_strings(release)] if s in text]


def _body(article: dict[str, Any] | None) -> str:
    if not article:
        return ""
    _title, _, body = article["text"].partition("\n\n")
    # The truth is the body alone; the stored text has the dek after the title.
    dek, _, rest = body.partition("\n\n")
    return rest if dek and dek == article.get("description") else body


def run_pressroom(site: Site, label: str, *, profile: bool = True) -> FixtureRun:
    """pressroom as a crawl runs it: learn the profile from the pages, then clean with it."""
    pages = _pages(site)
    analyse(pages[0][1], BASE + pages[0][0].path, Rules(), release=True)  # warm-up
    start = time.perf_counter()
    first = [analyse(html, BASE + r.path, Rules(), release=True) for r, html in pages]
    hashes: frozenset[int] = frozenset()
    if profile:
        with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "fixture.db") as archive:
            rows = []
            for result in first:
                article = dict(result.article or {})
                article.update(url=result.url, source=SOURCE)
                rows.append(article)
            archive.save_articles(rows, None)
            profiles.record(
                archive,
                SOURCE,
                [(r.url, r.article["language"], r.template, r.blocks) for r in first if r.blocks],
            )
            hashes = profiles.boilerplate(archive, SOURCE)
        results = [
            analyse(html, BASE + r.path, Rules(), release=True, boilerplate=hashes)
            for r, html in pages
        ]
    else:
        results = first
    seconds = time.perf_counter() - start
    releases = [r for r, _ in pages]
    articles = [res.article or {} for res in results]
    scores = [score_page(_body(a), r.text) for r, a in zip(releases, articles, strict=True)]
    leaked = sorted(
        {
            s
            for r, a in zip(releases, articles, strict=True)
            for s in _leaks(site, r, a.get("text", ""))
        }
    )
    leaks = sum(
        1 for r, a in zip(releases, articles, strict=True) if _leaks(site, r, a.get("text", ""))
    )
    keys = [a.get("translation_key") for a in articles]
    name = "pressroom" if profile else "pressroom, no profile"
    return FixtureRun(
        name,
        label,
        scores,
        summarise(scores),
        leaks,
        leaked,
        _accuracy(releases, articles, keys),
        seconds,
        len(pages),
        {"profile_blocks": len(hashes)},
    )


def run_trafilatura(site: Site, label: str, name: str, **options: Any) -> FixtureRun:
    """Plain trafilatura: its text, and the metadata it reports (title, date, author, tags)."""
    pages = _pages(site)
    trafilatura.bare_extraction(pages[0][1], url=BASE + pages[0][0].path)  # warm-up
    start = time.perf_counter()
    docs = [
        trafilatura.bare_extraction(html, url=BASE + r.path, with_metadata=True, **options)
        for r, html in pages
    ]
    seconds = time.perf_counter() - start
    releases = [r for r, _ in pages]
    texts = [(d.text or "") if d is not None else "" for d in docs]
    scores = [score_page(t, r.text) for r, t in zip(releases, texts, strict=True)]
    leaks = sum(1 for r, t in zip(releases, texts, strict=True) if _leaks(site, r, t))
    leaked = sorted({s for r, t in zip(releases, texts, strict=True) for s in _leaks(site, r, t)})
    found = []
    for doc in docs:
        tags = (doc.tags if doc is not None else None) or []
        found.append(
            {
                "title": doc.title if doc is not None else None,
                "date_published": doc.date if doc is not None else None,
                "authors": [a.strip() for a in (doc.author or "").split(";") if a.strip()]
                if doc is not None
                else [],
                "tags": tags if isinstance(tags, list) else str(tags).split(","),
                "language": doc.language if doc is not None else None,
                "image_url": doc.image if doc is not None else None,
            }
        )
    return FixtureRun(
        name,
        label,
        scores,
        summarise(scores),
        leaks,
        leaked,
        _accuracy(releases, found, [None] * len(found), TRAFILATURA_FIELDS),
        seconds,
        len(pages),
    )


def pdf_check() -> tuple[float, bool, str]:
    """The fixture's PDF report: body F1, title right, what kind pressroom says it is."""
    result = analyse(PDF_BYTES, BASE + "/report.pdf", Rules(), release=True)
    article = result.article or {}
    f1 = score_page(_body(article), "\n\n".join(PDF_PARAGRAPHS)).f1
    return f1, article.get("title") == PDF_TITLE, str(article.get("content_kind"))


def run_all(releases: int = 36) -> list[FixtureRun]:
    runs: list[FixtureRun] = []
    for label, variant in (("fixture", "default"), ("fixture-alt", "alt")):
        site = build_site(releases, variant=variant)
        runs.append(run_trafilatura(site, label, "trafilatura default"))
        runs.append(
            run_trafilatura(
                site,
                label,
                "trafilatura favor_precision",
                include_comments=False,
                favor_precision=True,
            )
        )
        runs.append(run_pressroom(site, label, profile=False))
        runs.append(run_pressroom(site, label))
    return runs


def print_fixture(runs: list[FixtureRun], echo: Callable[[str], None] = print) -> list[bool]:
    """Print the tables; return whether each fixture goal was met."""
    width = max(len(r.name) for r in runs)
    goals: list[bool] = []
    for label in dict.fromkeys(r.site for r in runs):
        group = [r for r in runs if r.site == label]
        echo(
            f"\n{label}: {group[0].pages} release pages (pressroom's pages/s covers two "
            "passes: learning the profile, then cleaning with it)"
        )
        echo(f"{'extractor':<{width}}  precision  recall  F1     leaks  pages/s")
        for r in group:
            s = r.summary
            echo(
                f"{r.name:<{width}}  {s.precision:9.3f}  {s.recall:6.3f}  {s.f1:.3f}  "
                f"{r.leaks:5d}  {r.pages_per_second:7.1f}"
            )
        echo(f"\n{label}: metadata accuracy (share of pages exactly right)")
        names = [r.name for r in group if not r.name.endswith("no profile")]
        echo(f"{'field':<18}" + "".join(f"  {n:>{max(9, len(n))}}" for n in names))
        for name in FIELDS:
            cells = []
            for r in group:
                if r.name.endswith("no profile"):
                    continue
                value = r.fields.get(name)
                shown = "-" if value is None else f"{value:.0%}"
                cells.append(f"  {shown:>{max(9, len(r.name))}}")
            echo(f"{name:<18}" + "".join(cells))
        ours = next(r for r in group if r.name == "pressroom")
        if ours.leaked:
            echo(f"leaked: {ours.leaked[:5]}")
        checks = [
            (f"F1 >= {GOAL_F1}", ours.summary.f1 >= GOAL_F1),
            ("zero boilerplate leaks", ours.leaks == 0),
            *((f"{name} 100%", ours.fields[name] == 1.0) for name in EXACT_FIELDS),
        ]
        for text, ok in checks:
            echo(f"goal {label}: {text}: {'met' if ok else 'NOT MET'}")
            goals.append(ok)
    f1, title_ok, kind = pdf_check()
    echo(
        f"\nfixture PDF ({PDF_TITLE}): body F1 {f1:.3f}, title {'right' if title_ok else 'wrong'}"
        f", stored as {kind}"
    )
    return goals
