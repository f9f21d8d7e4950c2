"""Score pressroom's extractor against plain trafilatura and readability-lxml.

    python bench/extraction.py                            # every set, every extractor, fixture
    python bench/extraction.py --part pages --set cleaneval --limit 200 --worst 5
    python bench/extraction.py --part fixture
    python bench/extraction.py --part govsite                 # the second fixture style

Part "pages": the sets under ``../shared/data`` (:mod:`bench.datasets`: the article
extraction benchmark "aeb", CleanEval, Dragnet, and news-pages-dev "news"), each
scored by :mod:`bench.scoring` (4-token shingle F1, as their READMEs define it) per
set and pooled. Extractors: pressroom through the function ``pressroom extract``
runs (:func:`pressroom.files.analyse_file`, default rules), trafilatura with its
defaults (``bare_extraction``) and with ``favor_precision``, and readability-lxml.
The baselines' outputs are cached in ``bench/.cache/`` (per page, keyed by library
version), so a rerun only computes pressroom; their pages/s are those measured
when they were cached. The news set also gets per-field scores (:mod:`bench.news`).
Printed for pressroom: pages more than 0.05 F1 below plain trafilatura, and pages
where it gave no text although trafilatura had some.

Part "fixture": the demo site's releases, with their truth (:mod:`bench.fixture`):
text scores, boilerplate leaks and per-field metadata accuracy.

Part "govsite": the government-newsroom style (:mod:`fixtures.govsite`), crawled as a
new user would with no source file (:mod:`bench.govsite`): recall, body F1, leaks by
kind, dates, authors and organisations against its truth.

The goals are printed at the end, each met or not (issue 16).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
# run as a script: make the `bench` package importable; first, before bench/ (whose extraction.py
# would shadow the extraction package).
sys.path.insert(0, str(ROOT))

from bench.datasets import DATA, SETS, Page, load_sets  # noqa: E402
from bench.news import FIELDS, Fields, score_fields  # noqa: E402
from bench.scoring import (  # noqa: E402
    PageScore,
    Summary,
    score_page,
    summarise,
    surplus_and_missing,
)
from extraction.rules import Rules  # noqa: E402
from pressroom.files import analyse_file  # noqa: E402

Extractor = Callable[[Page], Fields]  # a page -> its text and metadata (all empty for nothing)
PRESSROOM = "pressroom"
PLAIN = "trafilatura default"
GOAL_AEB = 0.975  # above the best published result for this benchmark (0.970)
GOAL_POOLED = 0.95
WORSE_BY = 0.05  # a page is "worse" when pressroom's F1 is this much below plain trafilatura's
GOAL_WORSE_SHARE = 0.02


def pressroom(page: Page) -> Fields:
    """pressroom's body (text without title and dek) and metadata, as `pressroom extract` reads.

    The one place that knows pressroom's output format: change it here when it changes.
    """
    result = analyse_file(page.path, Rules(), url=page.url)
    article = result.article
    if article is None:
        return Fields()
    body = article.get("text") or ""
    if article.get("title"):
        _title, _, body = body.partition("\n\n")
    # The benchmarks' truth is the body alone: no headline, no dek.
    if result.dek and body.startswith(result.dek):
        body = body[len(result.dek) :].lstrip("\n")
    return Fields(
        title=article.get("title"),
        authors=list(article.get("authors") or []),
        date=article.get("date_published"),
        topics=list(article.get("tags") or []),
        body=body,
    )


def plain_trafilatura(**options: bool) -> Extractor:
    """``trafilatura.bare_extraction`` on the raw bytes with these options (none: defaults).

    ``with_metadata`` is on so that the news fields can be compared; it does not
    change the body.
    """

    def extract(page: Page) -> Fields:
        doc = trafilatura.bare_extraction(page.raw(), url=page.url, with_metadata=True, **options)
        if doc is None:
            return Fields()
        authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
        tags = doc.tags if isinstance(doc.tags, list) else (doc.tags or "").split(",")
        return Fields(doc.title, authors, doc.date, [t for t in tags if t], doc.text or "")

    return extract


def readability_lxml(page: Page) -> Fields:
    """readability-lxml's summary as text (its own decoding of the raw bytes)."""
    import lxml.html
    from readability import Document

    try:
        doc = Document(page.raw(), url=page.url)
        summary = doc.summary(html_partial=True)
        title = doc.short_title()
    except Exception:  # readability raises on pages it cannot parse: that is no text
        return Fields()
    # lxml refuses control characters in text it is asked to set.
    summary = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", summary or "")
    tree = lxml.html.fromstring(summary or "<div></div>")
    for el in tree.iter("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr"):
        el.tail = "\n" + (el.tail or "")
    text = "\n".join(line.strip() for line in tree.text_content().splitlines() if line.strip())
    return Fields(title=title, body=text)


EXTRACTORS: dict[str, Extractor] = {
    PRESSROOM: pressroom,
    PLAIN: plain_trafilatura(),
    "trafilatura favor_precision": plain_trafilatura(favor_precision=True),
    "readability-lxml": readability_lxml,
}
VERSIONS = {
    PLAIN: f"trafilatura-{trafilatura.__version__}",
    "trafilatura favor_precision": f"trafilatura-{trafilatura.__version__}-precision",
    "readability-lxml": "readability-lxml-0.9",
}


@dataclass
class Run:
    """One extractor's outputs over one set's pages, their scores, and the extraction time."""

    name: str
    outputs: list[Fields]
    scores: list[PageScore]
    seconds: float

    @property
    def summary(self) -> Summary:
        return summarise(self.scores, samples=100)

    @property
    def pages_per_second(self) -> float:
        return len(self.scores) / self.seconds if self.seconds else 0.0


def run(name: str, pages: list[Page]) -> Run:
    """Extract every page (baselines from the cache where they can) and score the texts."""
    extract = EXTRACTORS[name]
    cache_file = CACHE / pages[0].set / f"{VERSIONS[name]}.json" if name in VERSIONS else None
    cache = _read_cache(cache_file)
    outputs, seconds = [], 0.0
    if name == PRESSROOM:
        extract(pages[0])  # lazy imports and caches are not per-page cost
    for page in pages:
        hit = cache.get(page.id)
        if hit is None:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fields = extract(page)
            hit = {**asdict(fields), "seconds": time.perf_counter() - start}
            cache[page.id] = hit
            if cache_file is not None and len(cache) % 200 == 0:
                _write_cache(cache_file, cache)  # a long first run keeps its progress
        seconds += hit.pop("seconds", 0.0) if cache_file is None else hit["seconds"]
        outputs.append(Fields(**{k: v for k, v in hit.items() if k != "seconds"}))
    if cache_file is not None:
        _write_cache(cache_file, cache)
    scores = [score_page(out.body, page.truth) for out, page in zip(outputs, pages, strict=True)]
    return Run(name, outputs, scores, seconds)


def _write_cache(path: Path, cache: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")


def _read_cache(path: Path | None) -> dict[str, dict]:
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def print_table(title: str, runs: list[Run], names: list[str]) -> None:
    """One row per extractor: P, R, F1 (bootstrap std), exact share, pages/s."""
    print(f"\n{title}")
    width = max(len(n) for n in names)
    print(f"{'extractor':<{width}}  precision  recall  F1     ± std   exact  pages/s")
    for r in runs:
        s = r.summary
        print(
            f"{r.name:<{width}}  {s.precision:9.3f}  {s.recall:6.3f}  {s.f1:.4f} {s.f1_std:.3f}  "
            f"{s.accuracy:5.3f}  {r.pages_per_second:7.1f}"
        )


@dataclass
class Harm:
    """How often pressroom does worse than plain trafilatura on single pages."""

    pages: int
    worse: list[int]  # indexes of pages more than WORSE_BY below
    empty: list[int]  # indexes of pages with no text where trafilatura had some

    def line(self) -> str:
        share = len(self.worse) / self.pages if self.pages else 0.0
        return (
            f"{PRESSROOM} vs {PLAIN}: {len(self.worse)} of {self.pages} pages "
            f"({share:.1%}) more than {WORSE_BY} F1 below; "
            f"{len(self.empty)} empty where trafilatura and the truth have text"
        )


def harm(ours: Run, plain: Run) -> Harm:
    worse = [
        i for i, (a, b) in enumerate(zip(ours.scores, plain.scores, strict=True))
        if a.f1 < b.f1 - WORSE_BY
    ]  # fmt: skip
    # A page whose truth is empty too (CleanEval final-329: no text kept by its annotators)
    # is read right by giving nothing.
    empty = [
        i for i, (a, b, s) in enumerate(zip(ours.outputs, plain.outputs, ours.scores, strict=True))
        if not a.body.strip() and b.body.strip() and s.recall is not None
    ]  # fmt: skip
    return Harm(len(ours.scores), worse, empty)


# Dragnet's truth holds the page's reader comments after this line (414 of 1,379 pages).
COMMENTS_MARK = "!@#$%^&*()"


def print_without_comments(pages: list[Page], runs: dict[str, Run]) -> None:
    """Dragnet's F1 with the truth cut at its comments: the article alone.

    Dragnet truths keep the reader comments; pressroom leaves comments out by design
    (a release has none worth archiving), so this row shows the body it is after.
    """
    cut = [p.truth.split(COMMENTS_MARK)[0] for p in pages]
    with_comments = sum(COMMENTS_MARK in p.truth for p in pages)
    print(f"\ndragnet without the comments in its truth ({with_comments} of {len(pages)} "
          "truths hold some): shingle F1")  # fmt: skip
    f1: dict[str, list[float]] = {}
    for name, r in runs.items():
        scores = [score_page(o.body, t) for o, t in zip(r.outputs, cut, strict=True)]
        f1[name] = [sc.f1 for sc in scores]
        print(f"  {name:<28} {summarise(scores, samples=100).f1:.3f}")
    if PRESSROOM in f1 and PLAIN in f1:
        worse = sum(a < b - WORSE_BY for a, b in zip(f1[PRESSROOM], f1[PLAIN], strict=True))
        print(f"  {PRESSROOM} vs {PLAIN} with this truth: {worse} of {len(pages)} pages "
              f"more than {WORSE_BY} F1 below")  # fmt: skip


# The characters windows-1252 puts at bytes 0x80-0x9F (curly quotes, dashes, the euro sign):
# what a browser shows for them on a page declaring iso-8859-1.
_CP1252_PUNCTUATION = "".join(
    bytes([b]).decode("cp1252", errors="ignore") for b in range(0x80, 0xA0)
)
_IN_WORD = re.compile(f"(?<=\\w)[{re.escape(_CP1252_PUNCTUATION)}](?=\\w)")


def worse_causes(pages: list[Page], ours: Run, plain: Run, worse: list[int]) -> dict[str, list]:
    """The pages where pressroom is more than WORSE_BY below plain trafilatura, by cause.

    A page is put under the first cause that, alone undone, leaves it no longer worse:
    ``punctuation``: the page holds windows-1252 punctuation (bytes 0x80-0x9F in a page
    that is not UTF-8, or ``&#146;``) in words, which pressroom shows as a browser does
    ("don't" with a curly apostrophe) and the truth and trafilatura drop ("dont"): scored
    with those characters taken out of pressroom's words; ``headline``: the truth starts
    with the headline, which pressroom gives as the article's title, not in the body:
    scored with the title line;
    ``comments``: the truth holds reader comments (Dragnet), which pressroom leaves out:
    both scored against the truth cut at them. The rest are ``extraction`` losses.
    """
    causes: dict[str, list] = {"punctuation": [], "headline": [], "comments": [], "extraction": []}
    for i in worse:
        page, mine, theirs = pages[i], ours.outputs[i], plain.outputs[i]
        limit = plain.scores[i].f1 - WORSE_BY

        def fine(body: str, truth: str = page.truth, bar: float = limit) -> bool:
            return score_page(body, truth).f1 >= bar

        raw = page.raw()
        if _cp1252_punctuation(raw) and fine(_IN_WORD.sub("", mine.body)):
            causes["punctuation"].append(page.id)
        elif mine.title and fine(f"{mine.title}\n{mine.body}"):
            causes["headline"].append(page.id)
        elif COMMENTS_MARK in page.truth and fine(
            mine.body,
            cut := page.truth.split(COMMENTS_MARK)[0],
            score_page(theirs.body, cut).f1 - WORSE_BY,
        ):
            causes["comments"].append(page.id)
        else:
            causes["extraction"].append(f"{page.set}/{page.id}")
    return causes


def _cp1252_punctuation(raw: bytes) -> bool:
    """Whether a page holds windows-1252 punctuation: bytes 0x80-0x9F in a page that is
    not UTF-8, or their references (``&#146;``), which HTML maps the same way."""
    if re.search(rb"&#(?:12[89]|1[3-5][0-9]|x[89][0-9a-f]);", raw, re.IGNORECASE):
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return re.search(rb"[\x80-\x9f]", raw) is not None
    return False


def print_worse_causes(causes: dict[str, list]) -> None:
    total = sum(len(v) for v in causes.values())
    print(
        f"the {total} worse pages by cause (the first that, undone alone, leaves a page no "
        f"longer worse): {len(causes['punctuation'])} windows-1252 punctuation the truth drops, "
        f"{len(causes['headline'])} headline the truth keeps in the body (pressroom's title), "
        f"{len(causes['comments'])} reader comments in the truth, "
        f"{len(causes['extraction'])} extraction losses"
    )


def print_news(pages: list[Page], runs: dict[str, Run]) -> dict[str, dict[str, float]]:
    """The news set's per-field scores, one row per extractor with metadata."""
    table: dict[str, dict[str, float]] = {}
    for name, r in runs.items():
        if name == "readability-lxml":
            continue  # it reads no authors, dates or topics
        sums: dict[str, list[float]] = {f: [] for f in FIELDS}
        for out, page in zip(r.outputs, pages, strict=True):
            for key, value in score_fields(out, page.expected, page.truth).items():
                if value is not None:
                    sums[key].append(value)
        table[name] = {k: sum(v) / len(v) for k, v in sums.items() if v}
    print("\nnews fields (title exact, authors Jaccard/exact, date same day, topics Jaccard, "
          "body bag-of-words F1)")  # fmt: skip
    width = max(len(n) for n in table)
    print(f"{'extractor':<{width}}  " + "  ".join(f"{f:>13}" for f in FIELDS))
    for name, row in table.items():
        cells = "  ".join(f"{row.get(f, float('nan')):13.3f}" for f in FIELDS)
        print(f"{name:<{width}}  {cells}")
    return table


def print_worst(ours: Run, plain: Run, pages: list[Page], count: int) -> None:
    """The pages where pressroom falls furthest below plain trafilatura, with a diff."""
    gaps = sorted(range(len(pages)), key=lambda i: ours.scores[i].f1 - plain.scores[i].f1)
    print(f"\n{count} pages where {PRESSROOM} is furthest below {PLAIN}:")
    for i in gaps[:count]:
        a, b, page = ours.scores[i], plain.scores[i], pages[i]
        print(f"\n{page.set}/{page.id}  F1 {a.f1:.3f} vs {b.f1:.3f}  {page.url or ''}")
        surplus, missing = surplus_and_missing(ours.outputs[i].body, page.truth)
        print(f"  surplus: {_snippet(surplus)}")
        print(f"  missing: {_snippet(missing)}")


def _snippet(parts: list[str], limit: int = 200) -> str:
    text = " | ".join(" ".join(part.split()) for part in parts)
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part", choices=["all", "pages", "fixture", "govsite"], default="all", help="what to run"
    )
    parser.add_argument("--data", type=Path, default=DATA, help="folder holding the sets")
    parser.add_argument(
        "--set", action="append", choices=list(SETS), help="only this set (repeatable)"
    )
    parser.add_argument("--limit", type=int, help="a seeded sample of N pages of each set")
    parser.add_argument(
        "--only", action="append", choices=list(EXTRACTORS), help="only this extractor"
    )
    parser.add_argument("--json", type=Path, help="also write per-page F1 to this file")
    parser.add_argument("--worst", type=int, default=0, help=f"show {PRESSROOM}'s N worst pages")
    args = parser.parse_args(argv)

    goals: list[bool] = []
    if args.part in ("all", "pages"):
        goals += real_pages(args)
    if args.part in ("all", "fixture"):
        from bench.fixture import print_fixture, run_all

        goals += print_fixture(run_all())
    if args.part in ("all", "govsite"):
        goals += govsite()
    if goals:
        print(f"\n{sum(goals)} of {len(goals)} goals met")
    return 0


def govsite() -> list[bool]:
    """The government-newsroom style (issue 17): crawled with no source file, as
    ``bench/govsite.py`` does; its table and goals. Returns whether each goal was met."""
    from bench.govsite import run
    from bench.site_score import GOALS, print_score

    print("\ngovsite: the government-newsroom fixture style (bench/govsite.py)")
    score = run()
    if score is None:
        return [False]
    print_score(score, examples=1)
    return [check(score) for _, check in GOALS]


def real_pages(args: argparse.Namespace) -> list[bool]:
    """The real-page part; returns whether each goal was met."""
    sets = load_sets(args.data, args.set or list(SETS), args.limit)
    if not sets:
        print(f"no page sets found in {args.data}; real-page part skipped")
        return []
    names = args.only or list(EXTRACTORS)
    total = sum(len(p) for p in sets.values())
    print(f"{total} pages in {len(sets)} sets, trafilatura {trafilatura.__version__}")
    by_set: dict[str, dict[str, Run]] = {}
    for set_name, pages in sets.items():
        by_set[set_name] = {name: run(name, pages) for name in names}
    pooled = {
        name: Run(
            name,
            [o for runs in by_set.values() for o in runs[name].outputs],
            [s for runs in by_set.values() for s in runs[name].scores],
            sum(runs[name].seconds for runs in by_set.values()),
        )
        for name in names
    }
    goals: list[bool] = []
    harms: dict[str, Harm] = {}
    worse_by_cause: dict[str, list] = {}  # for --json
    for set_name, runs in [*by_set.items(), ("pooled", pooled)]:
        count = len(next(iter(runs.values())).scores)
        print_table(f"{set_name} ({count} pages): shingle F1", list(runs.values()), names)
        if PRESSROOM in runs and PLAIN in runs:
            harms[set_name] = harm(runs[PRESSROOM], runs[PLAIN])
            print(harms[set_name].line())
            if set_name == "pooled" and harms[set_name].worse:
                every = [p for ps in sets.values() for p in ps]
                causes = worse_causes(every, runs[PRESSROOM], runs[PLAIN], harms[set_name].worse)
                print_worse_causes(causes)
                worse_by_cause.update(causes)
    if "dragnet" in sets:
        print_without_comments(sets["dragnet"], by_set["dragnet"])
    if "news" in sets:
        table = print_news(sets["news"], by_set["news"])
        if PRESSROOM in table and PLAIN in table:
            ok = all(
                table[PRESSROOM][f] >= table[PLAIN][f] - 1e-9
                for f in ("title", "authors", "date", "topics", "body_bow")
            )
            print(f"goal news: every field >= {PLAIN}: {'met' if ok else 'NOT MET'}")
            goals.append(ok)
    if args.worst and PRESSROOM in names and PLAIN in names:
        pages = [p for ps in sets.values() for p in ps]
        print_worst(pooled[PRESSROOM], pooled[PLAIN], pages, args.worst)
    if args.json:
        pages = [p for ps in sets.values() for p in ps]
        report = {
            name: {f"{p.set}/{p.id}": s.f1 for p, s in zip(pages, r.scores, strict=True)}
            for name, r in pooled.items()
        }
        report["worse pages by cause"] = worse_by_cause  # type: ignore[assignment]
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    if PRESSROOM in names and args.limit is None:
        goals += _goals(by_set, pooled, harms)
    return goals


def _goals(by_set: dict[str, dict[str, Run]], pooled: dict[str, Run], harms: dict) -> list[bool]:
    goals = []
    print()
    for set_name, runs in [*by_set.items(), ("pooled", pooled)]:
        others = [r for n, r in runs.items() if n in (PLAIN, "readability-lxml")]
        if not others:
            continue
        best = max(others, key=lambda r: r.summary.f1)
        ok = runs[PRESSROOM].summary.f1 >= best.summary.f1
        print(f"goal {set_name}: F1 >= best of trafilatura/readability ({best.name} "
              f"{best.summary.f1:.3f}): {'met' if ok else 'NOT MET'}")  # fmt: skip
        goals.append(ok)
    if "aeb" in by_set:
        ok = by_set["aeb"][PRESSROOM].summary.f1 >= GOAL_AEB
        print(f"goal aeb: F1 >= {GOAL_AEB}: {'met' if ok else 'NOT MET'}")
        goals.append(ok)
    ok = pooled[PRESSROOM].summary.f1 >= GOAL_POOLED
    print(f"goal pooled: F1 >= {GOAL_POOLED} (aim): {'met' if ok else 'NOT MET'}")
    goals.append(ok)
    if "pooled" in harms:
        h = harms["pooled"]
        ok = len(h.worse) <= GOAL_WORSE_SHARE * h.pages
        print(f"goal pooled: <= {GOAL_WORSE_SHARE:.0%} pages > {WORSE_BY} below {PLAIN}: "
              f"{'met' if ok else 'NOT MET'}")  # fmt: skip
        goals.append(ok)
        ok = not h.empty
        print(f"goal pooled: no empty text where {PLAIN} and the truth have text: "
              f"{'met' if ok else 'NOT MET'}")  # fmt: skip
        goals.append(ok)
    return goals


if __name__ == "__main__":
    sys.exit(main())
