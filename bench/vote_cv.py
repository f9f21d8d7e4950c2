"""Are the extraction vote's constants fit to one data set? Leave-one-set-out and bootstrap.

    python bench/vote_lab.py collect --saved /tmp/vote-lab.json.gz   # ~12 min, once
    python bench/vote_cv.py --saved /tmp/vote-lab.json.gz            # ~1 min

The constants of :mod:`extraction.ensemble` (and the vote's rules, on or off) were
tuned on four development sets (bench/datasets.py). For each one, leave-one-set-out:
its best value on three sets pooled (ties keep the current value) is scored on the
fourth and compared with the current value there. A change that generalises wins on
the held-out set in most folds and loses in none. The bootstrap resamples each set's
pages (1,000 draws) and gives the spread of pressroom's F1 minus the best of plain
trafilatura and readability-lxml on a sample of the same kind and size.

The vote is replayed from ``bench/vote_lab.py collect``'s per-page candidates, with
each page's shingle agreements and link-box figures computed once (a whole rule set
scores in ~20 ms). A page whose replayed pick is the real one keeps the body pressroom
really gave, so the current constants reproduce "pressroom as run" exactly; the raw
replay (every body from its candidate's text) is printed beside it as a check.
``DOUBT_WORDS`` is replayed in :func:`extraction.ensemble.in_doubt` only (not in
:func:`extraction.firstpass.framed`, whose pages the vote never sees).

Measured (2,425 pages, the code of December 2026; the replay equal to the real run on
every set): no constant's or rule's value chosen on three sets won on three held-out
sets, and joint tuning of them all lost on every held-out set (aeb -0.0057, cleaneval
-0.0070): the current values sit on flat optima. The margins over the better baseline
are another matter: cleaneval +0.0016 (a sample of its size puts pressroom behind
readability-lxml in 38% of draws) and dragnet +0.0030 (20%); every set at once: 49%.

    >>> f1_of(np.array([1.0, 0.5]), np.array([1.0, np.nan]))
    0.8571428571428571
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scoring import score_page  # noqa: E402
from bench.vote_lab import SAVED, text  # noqa: E402
from extraction import ensemble  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
BASELINES = {
    "trafilatura": "trafilatura-{version}.json",
    "readability": "readability-lxml-0.9.json",
}
DRAWS = 1000
OFF = float("inf")

# The constants and rules replayed, and the values each is tried at (the current one
# is added). A rule "off" is the value that never fires.
CURRENT: dict[str, Any] = {
    name: getattr(ensemble, name)
    for name in (
        "DOUBT_WORDS", "DOUBT_SHARE", "DOUBT_WHOLE", "WHOLE_LINKED", "READINGS_AGREE",
        "SCRAP_SHARE", "PRUNED_AWAY", "SUBSET_SIZE", "SUBSET_MAX", "SUBSET_INSIDE",
        "LINKED_SURPLUS",
    )
} | {"vote": "when in doubt", "two readings: longer": True}  # fmt: skip
GRID: dict[str, list[Any]] = {
    "DOUBT_WORDS": [0, 50, 100, 125, 150, 175, 200, 250, 300, 400],
    "DOUBT_SHARE": [0.0, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8],
    "DOUBT_WHOLE": [0.7, 0.75, 0.8, 0.85, 0.9, 0.95, OFF],
    "WHOLE_LINKED": [0.0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2],
    "READINGS_AGREE": [0.0, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0],
    "SCRAP_SHARE": [0.0, 0.05, 0.1, 0.15, 0.2, 0.3],
    "PRUNED_AWAY": [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0],
    "SUBSET_SIZE": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
    "SUBSET_MAX": [0.8, 0.9, 0.95, 0.98, 1.0],
    "SUBSET_INSIDE": [0.7, 0.8, 0.85, 0.9, 0.95, 1.0],
    "LINKED_SURPLUS": [0.1, 0.2, 0.3, 0.4, 0.5, 0.7, OFF],
    "vote": ["never", "when in doubt", "always"],
    "two readings: longer": [True, False],
}


@dataclass
class Page:
    """One page's vote, reduced to numbers: what a replay needs and the scores it picks from."""

    set: str
    doubt: list[float] | None  # words, chars, page chars, readings' agreement, link share
    sizes: list[int]  # shingles of each candidate (own pass, trafilatura, readability)
    agree: list[list[float]]  # their pairwise ensemble.agreement
    inside: list[float | None] | None  # share inside the pruned page (own pass empty only)
    boxes: dict[int, tuple]  # link-box figures of candidate 0 and 1 against readability's
    scores: list[tuple[float, float]]  # (precision, recall) of each candidate's text
    real: tuple[float, float]  # of the body pressroom gave
    real_pick: int = -1  # the replayed pick with the current constants (-1: no vote asked)


def _pr(prediction: str, truth: str) -> tuple[float, float]:
    s = score_page(prediction, truth)
    nan = float("nan")
    return (
        s.precision if s.precision is not None else nan,
        s.recall if s.recall is not None else nan,
    )


def _box(chosen: list, reading: list, anchors: list[str]) -> tuple:
    """ensemble.surplus's figures, split so that its constants can be replayed."""
    mine, theirs = ensemble.shingles(chosen), ensemble.shingles(reading)
    size, part = sum(mine.values()), sum(theirs.values())
    shared = sum((mine & theirs).values())
    # surplus() with every constant at its widest: the blocks reading lacks.
    saved = ensemble.SUBSET_SIZE, ensemble.SUBSET_MAX, ensemble.SUBSET_INSIDE
    ensemble.SUBSET_SIZE, ensemble.SUBSET_MAX, ensemble.SUBSET_INSIDE = 0.0, OFF, 0.0
    try:
        extra = ensemble.surplus(chosen, reading) or []
    finally:
        ensemble.SUBSET_SIZE, ensemble.SUBSET_MAX, ensemble.SUBSET_INSIDE = saved
    share = ensemble.link_share(extra, anchors) if extra else 0.0
    return size, part, shared, bool(extra), share


def load(saved: Path) -> tuple[list[Page], dict[str, np.ndarray]]:
    """The pages, reduced, and the baselines' (precision, recall) per page, in the same order."""
    import trafilatura

    records = json.loads(gzip.decompress(saved.read_bytes()))
    pages, base = [], {name: [] for name in BASELINES}
    plain = {}
    for record in records:
        for name, pattern in BASELINES.items():
            key = (record["set"], name)
            if key not in plain:
                path = CACHE / record["set"] / pattern.format(version=trafilatura.__version__)
                plain[key] = json.loads(path.read_text(encoding="utf-8"))
            body = plain[key].get(record["id"], {}).get("body", "")
            base[name].append(_pr(body, record["truth"]))
        real = _pr(record["body"], record["truth"])
        if "candidates" not in record:
            pages.append(Page(record["set"], None, [], [], None, {}, [], real))
            continue
        kept = [[(b[0], b[1], "") for b in c] for c in record.get("kept", record["candidates"])]
        counts = [ensemble.shingles(c) for c in kept]
        agree = [[ensemble.agreement(a, b) for b in counts] for a in counts]
        anchors = record.get("anchors", [])
        boxes = {i: _box(kept[i], kept[2], anchors) for i in (0, 1)}
        scores = [_pr(text(c), record["truth"]) for c in record.get("kept", record["candidates"])]
        sizes = [sum(c.values()) for c in counts]
        doubt = record["doubt"]
        pages.append(
            Page(record["set"], doubt, sizes, agree, record.get("inside"), boxes, scores, real)
        )
    for page in pages:
        if page.doubt is not None:
            page.real_pick = pick(page, CURRENT)
    return pages, {name: np.array(v) for name, v in base.items()}


def in_doubt(page: Page, c: dict[str, Any]) -> bool:
    """extraction.ensemble.in_doubt with the constants ``c``."""
    if c["vote"] != "when in doubt":
        return c["vote"] == "always"
    words, chars, page_chars, readings, linked = page.doubt
    if words < c["DOUBT_WORDS"] or chars < c["DOUBT_SHARE"] * page_chars:
        return True
    if readings < c["READINGS_AGREE"]:
        return True
    return chars >= c["DOUBT_WHOLE"] * page_chars and linked >= c["WHOLE_LINKED"]


def pick(page: Page, c: dict[str, Any]) -> int:
    """The candidate the vote keeps (0 when none is asked): extract._voices, ensemble.choose
    with readability's scraps, then the link-box rule (ensemble.links_outvoted)."""
    if not in_doubt(page, c):
        return 0
    sizes = list(page.sizes)
    if not sizes[0] and page.inside is not None:
        voiced = [s if s and not (f is not None and f < 1 - c["PRUNED_AWAY"]) else 0
                  for s, f in zip(sizes, page.inside, strict=True)]  # fmt: skip
        if any(voiced):
            sizes = voiced
    voice2 = sizes[2] > 0
    longest = max(sizes)
    if sizes[2] < c["SCRAP_SHARE"] * longest:
        sizes[2] = 0
    full = [i for i, s in enumerate(sizes) if s]
    if len(full) == 2 and c["two readings: longer"]:
        best = max(full, key=lambda i: (sizes[i], -i))
    else:
        best, best_score = 0, -1.0
        for i in range(3):
            if not sizes[i] and full:
                continue
            score = 0.0
            for j in range(3):
                if j != i:
                    score += page.agree[i][j] if sizes[i] and sizes[j] else float(not sizes[j])
            if score > best_score + 1e-9:
                best, best_score = i, score
    if best != 2 and voice2:
        size, part, shared, extra, share = page.boxes[best]
        inside = shared >= c["SUBSET_INSIDE"] * part
        fits = size and part and c["SUBSET_SIZE"] * size <= part <= c["SUBSET_MAX"] * size
        if fits and inside and extra and share >= c["LINKED_SURPLUS"]:
            best = 2
    return best


def page_scores(pages: list[Page], c: dict[str, Any], raw: bool = False) -> np.ndarray:
    """Each page's (precision, recall) under the constants ``c``."""
    out = np.empty((len(pages), 2))
    for n, page in enumerate(pages):
        if page.doubt is None:
            out[n] = page.real
            continue
        i = pick(page, c)
        out[n] = page.real if i == page.real_pick and not raw else page.scores[i]
    return out


def f1_of(precision: np.ndarray, recall: np.ndarray) -> float:
    """bench.scoring.averages: the harmonic mean of mean precision and mean recall (pages
    with no predicted shingle left out of precision, with no true one out of recall)."""
    p, r = np.nanmean(precision), np.nanmean(recall)
    return float(2 * p * r / (p + r)) if p + r else 0.0


def f1(pr: np.ndarray, mask: np.ndarray) -> float:
    return f1_of(pr[mask, 0], pr[mask, 1])


def cross_validate(pages: list[Page], names: list[str], detail: bool = False) -> None:
    sets = np.array([p.set for p in pages])
    masks = {n: sets == n for n in names}
    table: dict[tuple[str, Any], np.ndarray] = {}
    for constant, values in GRID.items():
        for value in dict.fromkeys([CURRENT[constant], *values]):
            table[constant, value] = page_scores(pages, CURRENT | {constant: value})
    if detail:
        print(f"{'value: F1 - current F1':<34}" + "".join(f"{n:>11}" for n in [*names, "pooled"]))
        everything = np.ones(len(pages), bool)
        for (constant, value), pr in table.items():
            now = table[constant, CURRENT[constant]]
            cells = [f1(pr, m) - f1(now, m) for m in [*masks.values(), everything]]
            print(f"{constant + ' ' + _v(value):<34}" + "".join(f"{x:+11.4f}" for x in cells))
        print()
    head = "".join(f"{'held out ' + n:>26}" for n in names)
    print(f"{'constant (current)':<34}{head}  wins losses>0.001")
    for constant, values in GRID.items():
        now = CURRENT[constant]
        cells, wins, losses = [], 0, 0
        for held in names:
            train = ~masks[held]
            best, best_f1 = now, f1(table[constant, now], train)
            for value in values:
                score = f1(table[constant, value], train)
                if score > best_f1 + 1e-9:
                    best, best_f1 = value, score
            delta = f1(table[constant, best], masks[held]) - f1(table[constant, now], masks[held])
            wins += delta > 1e-9
            losses += delta < -0.001
            cells.append(f"{_v(best):>14} {delta:+.4f}" + " " * 4)
        print(f"{constant + ' (' + _v(now) + ')':<34}" + "".join(f"{c:>26}" for c in cells)
              + f"  {wins:>4} {losses:>6}")  # fmt: skip
    joint(pages, names, masks)


def joint(pages: list[Page], names: list[str], masks: dict[str, np.ndarray]) -> None:
    """All constants tuned at once (coordinate ascent, three sweeps) on three sets pooled."""
    print("\njoint tuning on three sets, scored on the fourth (held-out F1, tuned - current):")
    for held in names:
        train = ~masks[held]
        c = dict(CURRENT)
        best_f1 = f1(page_scores(pages, c), train)
        for _ in range(3):
            moved = False
            for constant, values in GRID.items():
                for value in values:
                    trial = c | {constant: value}
                    score = f1(page_scores(pages, trial), train)
                    if score > best_f1 + 1e-9:
                        c, best_f1, moved = trial, score, True
            if not moved:
                break
        now = f1(page_scores(pages, CURRENT), masks[held])
        tuned = f1(page_scores(pages, c), masks[held])
        changed = {k: _v(v) for k, v in c.items() if v != CURRENT[k]}
        print(f"  {held:<10} {now:.4f} -> {tuned:.4f} ({tuned - now:+.4f})  {changed}")


def bootstrap(
    pages: list[Page], base: dict[str, np.ndarray], names: list[str], fraction: float = 1.0
) -> None:
    """Per set, DRAWS samples of ``fraction`` of its pages (with replacement): pressroom's
    F1 minus the better baseline's on the same sample; its 5th and 1st percentiles and the
    share of samples where pressroom is behind, then the share where it is behind on none."""
    ours = np.array([p.real for p in pages])
    sets = np.array([p.set for p in pages])
    rng = np.random.default_rng(0)
    print(f"\nbootstrap, {DRAWS} draws of {fraction:g} x each set's pages:"
          " pressroom - max(trafilatura, readability)")  # fmt: skip
    print(f"{'set':<10}{'pages':>6}{'pressroom':>11}{'trafil.':>9}{'readab.':>9}{'diff':>9}"
          f"{'mean':>9}{'p5':>9}{'p1':>9}{'P(<0)':>8}   p5 vs traf. / readab.")  # fmt: skip
    behind = np.zeros(DRAWS, bool)
    for name in [*names, "pooled"]:
        where = [np.flatnonzero(sets == n) for n in (names if name == "pooled" else [name])]
        idx = np.concatenate(where)
        runs = {"p": ours, **base}
        point = {k: f1_of(v[idx, 0], v[idx, 1]) for k, v in runs.items()}
        draws: dict[str, list[float]] = {k: [] for k in runs}
        for _ in range(DRAWS):
            # Pooled: resampled within each set, so that the sets keep their shares.
            take = np.concatenate([rng.choice(w, max(1, round(fraction * len(w)))) for w in where])
            for k, v in runs.items():
                draws[k].append(f1_of(v[take, 0], v[take, 1]))
        d = {k: np.array(v) for k, v in draws.items()}
        diff = d["p"] - np.maximum(d["trafilatura"], d["readability"])
        if name != "pooled":
            behind |= diff < 0
        point_diff = point["p"] - max(point["trafilatura"], point["readability"])
        vs = [np.percentile(d["p"] - d[k], 5) for k in ("trafilatura", "readability")]
        print(f"{name:<10}{len(idx):>6}{point['p']:>11.4f}{point['trafilatura']:>9.4f}"
              f"{point['readability']:>9.4f}{point_diff:>+9.4f}{diff.mean():>+9.4f}"
              f"{np.percentile(diff, 5):>+9.4f}{np.percentile(diff, 1):>+9.4f}"
              f"{(diff < 0).mean():>8.3f}   {vs[0]:+.4f} / {vs[1]:+.4f}")  # fmt: skip
    print(f"pressroom >= the better baseline on every set at once: {1 - behind.mean():.3f}"
          " of the draws")  # fmt: skip


def _v(value: Any) -> str:
    return "off" if value == OFF else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saved", type=Path, default=SAVED, help="bench/vote_lab.py's file")
    parser.add_argument("--detail", action="store_true", help="every value's F1 change per set")
    parser.add_argument(
        "--fraction", type=float, default=1.0, help="bootstrap samples' size, a share of each set"
    )
    parser.add_argument("--no-cv", action="store_true", help="the bootstrap only")
    args = parser.parse_args(argv)
    pages, base = load(args.saved)
    names = list(dict.fromkeys(p.set for p in pages))
    sets = np.array([p.set for p in pages])
    print(f"{'check':<24}" + "".join(f"{n:>11}" for n in [*names, "pooled"]))
    for label, pr in (
        ("pressroom as run", np.array([p.real for p in pages])),
        ("replayed current", page_scores(pages, CURRENT)),
        ("raw replay current", page_scores(pages, CURRENT, raw=True)),
        *base.items(),
    ):
        cells = [f1(pr, sets == n) for n in names] + [f1(pr, np.ones(len(pages), bool))]
        print(f"{label:<24}" + "".join(f"{x:11.4f}" for x in cells))
    print()
    if not args.no_cv:
        cross_validate(pages, names, args.detail)
    bootstrap(pages, base, names, args.fraction)
    return 0


if __name__ == "__main__":
    sys.exit(main())
