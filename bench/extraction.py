"""Score pressroom's extractor against plain trafilatura, on real pages and on the fixture site.

    python bench/extraction.py                    # both parts, all extractors
    python bench/extraction.py --part articles --limit 20 --only pressroom --worst 5
    python bench/extraction.py --part fixture

Part "articles": every extractor runs over the same pages in this one process
and is scored by :mod:`bench.scoring` against the benchmark's hand-checked
article bodies. The data (a copy of scrapinghub/article-extraction-benchmark) is
looked up next to the repository, in ``../shared/data/article-extraction-benchmark``,
unless ``--data`` says otherwise; without it this part is skipped.

Part "fixture": the demo site's releases, with their truth (:mod:`bench.fixture`):
text scores, boilerplate leaks and per-field metadata accuracy.

The goals are printed at the end, each met or not: on the articles, F1 of at
least 0.975 and above every plain trafilatura setting of the same run; on the
fixture, F1 of at least 0.99, no leak, and title, date and language always right.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "article-extraction-benchmark"
# run as a script: make the `bench` package importable; first, before bench/ (whose extraction.py
# would shadow the extraction package).
sys.path.insert(0, str(ROOT))

from bench.scoring import (  # noqa: E402
    PageScore,
    Summary,
    f1_difference,
    score_page,
    summarise,
    surplus_and_missing,
)
from extraction.extract import analyse  # noqa: E402
from extraction.rules import Rules  # noqa: E402

Extractor = Callable[[str, str], str]  # (html, url) -> article text, "" for nothing
PRESSROOM = "pressroom"
GOAL_F1 = 0.975  # above the best published result for this benchmark (0.970)


def pressroom(html: str, url: str) -> str:
    """pressroom's stored text without its first paragraph (the title), or "" if no article.

    The one place that knows pressroom's API and output format: change it here
    when they change.
    """
    result = analyse(html, url, Rules(min_words=0), release=True)
    if result.kind != "article" or result.article is None:
        return ""
    _title, _, body = result.article["text"].partition("\n\n")
    # The benchmark's truth is the body alone: no headline, no dek.
    if result.dek and body.startswith(result.dek):
        body = body[len(result.dek) :].lstrip("\n")
    return body


def plain_trafilatura(**options: bool) -> Extractor:
    """``trafilatura.extract`` with the given options, as an :data:`Extractor`."""

    def extract(html: str, url: str) -> str:
        return trafilatura.extract(html, url=url, **options) or ""

    return extract


EXTRACTORS: dict[str, Extractor] = {
    "trafilatura default": plain_trafilatura(),
    "trafilatura no comments": plain_trafilatura(include_comments=False),
    "trafilatura favor_precision": plain_trafilatura(include_comments=False, favor_precision=True),
    PRESSROOM: pressroom,
}


@dataclass(frozen=True)
class Page:
    """One benchmark page: its id, URL, decoded HTML and hand-checked article body."""

    id: str
    url: str
    html: str
    truth: str


@dataclass
class Run:
    """One extractor's outputs over the pages, their scores, and the extraction time."""

    name: str
    predictions: list[str]
    scores: list[PageScore]
    summary: Summary
    seconds: float

    @property
    def pages_per_second(self) -> float:
        return len(self.scores) / self.seconds if self.seconds else 0.0


def load_pages(data: Path, limit: int | None = None) -> list[Page]:
    """The benchmark's pages in id order (the first ``limit`` of them), HTML decoded."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        entry = truth[page_id]
        pages.append(Page(page_id, entry["url"], raw.decode("utf-8"), entry["articleBody"]))
    return pages


def run(name: str, extract: Extractor, pages: list[Page]) -> Run:
    """Extract every page (timed, after one untimed warm-up call) and score the results."""
    extract(pages[0].html, pages[0].url)  # lazy imports and caches are not per-page cost
    start = time.perf_counter()
    predictions = [extract(page.html, page.url) for page in pages]
    seconds = time.perf_counter() - start
    scores = [score_page(p, page.truth) for p, page in zip(predictions, pages, strict=True)]
    return Run(name, predictions, scores, summarise(scores), seconds)


def print_table(runs: list[Run]) -> None:
    width = max(len(r.name) for r in runs)
    columns = f"{'precision':<13}  {'recall':<13}  {'F1':<13}  accuracy  pages/s"
    print(f"{'extractor':<{width}}  {columns}")
    for r in runs:
        s = r.summary
        print(
            f"{r.name:<{width}}  {s.precision:.3f} ± {s.precision_std:.3f}  "
            f"{s.recall:.3f} ± {s.recall_std:.3f}  {s.f1:.3f} ± {s.f1_std:.3f}  "
            f"{s.accuracy:8.3f}  {r.pages_per_second:7.1f}"
        )


def compare(ours: Run, best: Run) -> dict[str, object]:
    difference, std = f1_difference(ours.scores, best.scores)
    verdict = "at least as good" if difference >= 0 else "worse"
    print(
        f"\n{ours.name} F1 {ours.summary.f1:.3f} vs best plain trafilatura ({best.name}) "
        f"{best.summary.f1:.3f}: {difference:+.3f} (paired bootstrap std {std:.3f}) "
        f"- {ours.name} is {verdict}"
    )
    return {"against": best.name, "f1_difference": difference, "std": std, "verdict": verdict}


def print_worst(ours: Run, pages: list[Page], count: int, reference: Run | None) -> None:
    print(f"\n{count} pages where {ours.name}'s F1 is lowest:")
    ranked = sorted(range(len(pages)), key=lambda i: ours.scores[i].f1)[:count]
    for i in ranked:
        score, page = ours.scores[i], pages[i]
        p, r = score.precision, score.recall
        line = f"{page.id}  F1 {score.f1:.3f}  P {_fmt(p)}  R {_fmt(r)}"
        if reference is not None:
            line += f"  ({reference.name}: F1 {reference.scores[i].f1:.3f})"
        print(f"\n{line}\n  {page.url}")
        surplus, missing = surplus_and_missing(ours.predictions[i], page.truth)
        print(f"  surplus: {_snippet(surplus)}")
        print(f"  missing: {_snippet(missing)}")


def write_json(path: Path, pages: list[Page], runs: list[Run], comparison: object) -> None:
    report = {
        "pages": len(pages),
        "trafilatura": trafilatura.__version__,
        "extractors": {
            r.name: {
                **asdict(r.summary),
                "pages_per_second": r.pages_per_second,
                "per_page": {
                    page.id: {"precision": s.precision, "recall": s.recall, "f1": s.f1}
                    for page, s in zip(pages, r.scores, strict=True)
                },
            }
            for r in runs
        },
        "comparison": comparison,
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def _snippet(parts: list[str], limit: int = 200) -> str:
    text = " | ".join(" ".join(part.split()) for part in parts)
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part", choices=["all", "articles", "fixture"], default="all", help="what to run"
    )
    parser.add_argument("--data", type=Path, default=DATA, help="benchmark folder")
    parser.add_argument("--limit", type=int, help="only the first N pages (by id)")
    parser.add_argument("--only", choices=list(EXTRACTORS), help="run one extractor")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--worst", type=int, default=0, help=f"show {PRESSROOM}'s N worst pages")
    args = parser.parse_args(argv)

    goals: list[bool] = []
    if args.part in ("all", "articles"):
        goals += articles(args)
    if args.part in ("all", "fixture"):
        from bench.fixture import print_fixture, run_all

        goals += print_fixture(run_all())
    if goals:
        met = sum(goals)
        print(f"\n{met} of {len(goals)} goals met")
    return 0


def articles(args: argparse.Namespace) -> list[bool]:
    """The article-extraction benchmark part; returns whether each goal was met."""
    if not (args.data / "ground-truth.json").is_file():
        print(f"benchmark data not found in {args.data}; article part skipped")
        return []
    pages = load_pages(args.data, args.limit)
    if not pages:
        print("no pages selected; nothing to do")
        return []
    names = [args.only] if args.only else list(EXTRACTORS)
    print(f"{len(pages)} pages, trafilatura {trafilatura.__version__}\n")
    runs = {name: run(name, EXTRACTORS[name], pages) for name in names}
    print_table(list(runs.values()))

    ours = runs.get(PRESSROOM)
    plain = [r for r in runs.values() if r.name != PRESSROOM]
    best = max(plain, key=lambda r: r.summary.f1) if plain else None
    comparison = compare(ours, best) if ours and best else None
    if args.json:
        write_json(args.json, pages, list(runs.values()), comparison)
    if args.worst:
        if ours is None:
            print(f"\n--worst needs the {PRESSROOM} extractor")
        else:
            print_worst(ours, pages, args.worst, best)
    goals = []
    if ours is not None and args.limit is None:
        ok = ours.summary.f1 >= GOAL_F1
        print(f"goal articles: F1 >= {GOAL_F1}: {'met' if ok else 'NOT MET'}")
        goals.append(ok)
        if plain:
            ok = all(ours.summary.f1 > r.summary.f1 for r in plain)
            verdict = "met" if ok else "NOT MET"
            print(f"goal articles: above every plain trafilatura setting: {verdict}")
            goals.append(ok)
    return goals


if __name__ == "__main__":
    sys.exit(main())
