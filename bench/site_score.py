"""Score an archive crawled from a fixture site against the site's truth.

    >>> truth = [PageTruth("http://h/a", True, "release", "2023-04-11", title="A",
    ...          summary="S.", body="one two three four", date_published="2023-04-11",
    ...          org_author=["Department for Roads"], language="en")]
    >>> row = {"url": "http://h/a", "title": "A", "text": "A\\n\\nS.\\n\\none two three four",
    ...        "date_published": "2023-04-11", "authors": [],
    ...        "org_author": "Department for Roads", "language": "en"}
    >>> score = score_rows([row], truth)
    >>> score.recall, score.body.f1, score.fields["org_author"]
    (1.0, 1.0, 1.0)

The truth is a list of :class:`fixtures.govsite.truth.PageTruth`, one per
sitemap URL; the rows are the archive's articles (:meth:`storage.Archive.articles`).
A row is matched to the truth by its URL (a trailing slash ignored).

- **recall**: releases with a row, over all releases.
- **non-releases stored**: rows for sitemap URLs that are not releases, and
  rows for URLs the sitemap does not list.
- **leaks**: stored releases whose text holds a string of the page outside the
  body (press-office block, "Media enquiries", share box, cookie banner,
  notices, metadata, chrome, other releases' titles), counted per kind.
- **body**: :mod:`bench.scoring` shingle precision/recall/F1 of the stored text,
  after its title and summary paragraphs, against the truth body.
- **fields**: share of stored releases whose title, language, dates (the day:
  the pages print days only), authors (as a set) and ``org_author`` are right.
  ``org_author`` may be stored as a JSON list or one string ("A; B" for several).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.scoring import Summary, score_page, summarise
from fixtures.govsite.truth import LEAK_KINDS, PageTruth
from storage import Archive

FIELDS = ("title", "date_published", "date_modified", "authors", "org_author", "language")


@dataclass
class SiteScore:
    """The figures for one crawl, with examples of what went wrong."""

    releases: int
    stored: int  # releases with a row
    non_releases_stored: list[str]
    unknown_stored: list[str]  # rows for URLs the sitemap does not list
    leaks: int  # stored releases with at least one leak
    leaks_by_kind: Counter[str]
    body: Summary
    fields: dict[str, float]
    missing: list[str] = field(default_factory=list)  # release URLs without a row
    wrong: dict[str, list[tuple[str, Any, Any]]] = field(default_factory=dict)  # field -> examples
    leaked: dict[str, list[str]] = field(default_factory=dict)  # kind -> strings

    @property
    def recall(self) -> float:
        return self.stored / self.releases if self.releases else 0.0


def _key(url: str) -> str:
    return url.rstrip("/")


def _orgs(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value)
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except ValueError:
            pass
    return [part.strip() for part in text.split(";") if part.strip()]


def _body(row: Mapping[str, Any], truth: PageTruth) -> str:
    """The stored text after its title and summary paragraphs (when they are there)."""
    paragraphs = (row.get("text") or "").split("\n\n")
    for known in (row.get("title"), truth.title, row.get("description"), truth.summary):
        if paragraphs and known and paragraphs[0].strip() == known.strip():
            paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs)


def _field_ok(name: str, got: Any, want: Any) -> bool:
    if name in ("date_published", "date_modified"):
        return (got or "")[:10] == (want or "")
    if name == "authors":
        return sorted(got or []) == sorted(want or [])
    if name == "org_author":
        return _orgs(got) == list(want or [])
    return got == want


def score_rows(rows: Iterable[Mapping[str, Any]], truth: list[PageTruth]) -> SiteScore:
    """Score archive rows (dicts with decoded JSON fields) against the truth."""
    by_url = {_key(t.url): t for t in truth}
    releases = [t for t in truth if t.is_release]
    found: dict[str, Mapping[str, Any]] = {}
    non_releases: list[str] = []
    unknown: list[str] = []
    for row in rows:
        page = by_url.get(_key(row["url"]))
        if page is None:
            unknown.append(row["url"])
        elif not page.is_release:
            non_releases.append(row["url"])
        else:
            found[_key(page.url)] = row
    scores = []
    hits = dict.fromkeys(FIELDS, 0)
    wrong: dict[str, list[tuple[str, Any, Any]]] = {name: [] for name in FIELDS}
    leaks_by_kind: Counter[str] = Counter()
    leaked: dict[str, list[str]] = {kind: [] for kind in LEAK_KINDS}
    leaking_pages = 0
    for page in releases:
        row = found.get(_key(page.url))
        if row is None:
            continue
        scores.append(score_page(_body(row, page), page.body or ""))
        for name in FIELDS:
            want = getattr(page, name)
            if _field_ok(name, row.get(name), want):
                hits[name] += 1
            elif len(wrong[name]) < 5:
                wrong[name].append((page.url, row.get(name), want))
        text = row.get("text") or ""
        kinds = {k for k, strings in page.leaks.items() for s in strings if s and s in text}
        for kind in kinds:
            leaks_by_kind[kind] += 1
            leaked[kind].extend(s for s in page.leaks[kind] if s in text and len(leaked[kind]) < 3)
        leaking_pages += bool(kinds)
    stored = len(found)
    return SiteScore(
        releases=len(releases),
        stored=stored,
        non_releases_stored=sorted(non_releases),
        unknown_stored=sorted(unknown),
        leaks=leaking_pages,
        leaks_by_kind=leaks_by_kind,
        body=summarise(scores, samples=200),
        fields={name: hits[name] / stored if stored else 0.0 for name in FIELDS},
        missing=sorted(t.url for t in releases if _key(t.url) not in found),
        wrong=wrong,
        leaked=leaked,
    )


def score_archive(db: Path, truth: list[PageTruth]) -> SiteScore:
    """Score every article of the archive at ``db`` (opened read-only)."""
    with Archive.open(db, readonly=True) as archive:
        return score_rows(list(archive.articles(order="id")), truth)


# Goals of issue 17 for a site no rule was written for.
GOALS: tuple[tuple[str, Callable[[SiteScore], bool]], ...] = (
    ("release recall >= 0.98", lambda s: s.recall >= 0.98),
    ("no non-release stored", lambda s: not s.non_releases_stored and not s.unknown_stored),
    ("zero boilerplate leaks", lambda s: s.leaks == 0),
    ("body F1 >= 0.98", lambda s: s.body.f1 >= 0.98),
    ("date_published >= 0.98", lambda s: s.fields["date_published"] >= 0.98),
    ("date_modified >= 0.98", lambda s: s.fields["date_modified"] >= 0.98),
    ("authors >= 0.95", lambda s: s.fields["authors"] >= 0.95),
    ("org_author >= 0.95", lambda s: s.fields["org_author"] >= 0.95),
)


def print_score(score: SiteScore, echo: Callable[[str], None] = print, examples: int = 2) -> bool:
    """Print the table (and a few examples of each failure); return whether every goal is met."""
    b = score.body
    echo(f"{'measure':<28} value")
    echo(f"{'release recall':<28} {score.recall:.3f}  ({score.stored}/{score.releases})")
    echo(f"{'non-releases stored':<28} {len(score.non_releases_stored)}")
    echo(f"{'unlisted URLs stored':<28} {len(score.unknown_stored)}")
    echo(f"{'releases with a leak':<28} {score.leaks}  ({_share(score.leaks, score.stored)})")
    for kind in LEAK_KINDS:
        count = score.leaks_by_kind.get(kind, 0)
        echo(f"{'  ' + kind:<28} {count}  ({_share(count, score.stored)})")
    echo(f"{'body precision':<28} {b.precision:.3f}")
    echo(f"{'body recall':<28} {b.recall:.3f}")
    echo(f"{'body F1':<28} {b.f1:.3f}")
    echo(f"{'body exact':<28} {b.accuracy:.3f}")
    for name in FIELDS:
        echo(f"{name:<28} {score.fields[name]:.3f}")
    if examples:
        for url in score.missing[:examples]:
            echo(f"missing: {url}")
        for url in score.non_releases_stored[:examples]:
            echo(f"non-release stored: {url}")
        for kind, strings in score.leaked.items():
            for s in strings[:1]:
                echo(f"leak ({kind}): {s[:90]!r}")
        for name, cases in score.wrong.items():
            for url, got, want in cases[:examples]:
                echo(f"wrong {name}: {url.rsplit('/', 1)[-1][:50]}: got {got!r}, want {want!r}")
    met = True
    for text, check in GOALS:
        ok = check(score)
        met = met and ok
        echo(f"goal: {text}: {'met' if ok else 'NOT MET'}")
    return met


def _share(count: int, total: int) -> str:
    return f"{count / total:.1%}" if total else "-"
