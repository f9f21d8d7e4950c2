"""Should a page that declares no article signals keep readability-lxml's broader reading?

    python bench/vote_lab.py collect --saved /tmp/vote-lab.json.gz   # ~12 min, once
    python bench/vote_kind.py --saved /tmp/vote-lab.json.gz          # ~2 min

The hypothesis: a news article declares itself (JSON-LD or og:type article, a
publication date in the metadata, a byline, <article> and <time> elements), and a page
that declares none (a personal page, a forum post, a course page) has a broader main
content, which readability-lxml's reading matches better than pressroom's tight one.
The rules replayed, on such pages only: take readability's reading when it holds
``inside`` of the kept body's shingles and is ``longer`` times as long (0 and 0: take
it outright), or let the vote run on them even when the body is not in doubt. Each
is judged as bench/vote_cv.py judges a constant: leave-one-set-out over the variants
(no variant, the current behaviour, wins ties), and the bootstrap of pressroom
against readability-lxml on CleanEval and Dragnet.

Measured (2,425 pages, December 2026) and not kept. The signals follow the data
sets, not the pages: no CleanEval page (2007) carries article markup, an <article>
or a <time> element; 169 of 181 aeb and 126 of 127 news pages carry markup. With
"no signal" as none of them and no date trafilatura can guess, aeb and news have no
such page, CleanEval 345 and Dragnet 41, so no rule gated on it can win on the
article sets, and no variant won on more than one held-out set (CleanEval). Taking
readability's reading when it holds 80% of the body and is longer: cleaneval +0.0076,
dragnet -0.0003, P(pressroom < readability) 0.36 -> 0.03 and 0.18 -> 0.20; taking it
outright: cleaneval +0.0049, dragnet +0.0027 (25 pages changed, 9 up and 5 down by
more than 0.05), P 0.04 and 0.02, but pages more than 0.05 below plain trafilatura
88 -> 112. The variant chosen on CleanEval (or on aeb, CleanEval and news) lost on
Dragnet; chosen on Dragnet it gained on CleanEval. Gated on article markup alone,
the variants that gained CleanEval most cost aeb 0.0006-0.0007.

    >>> page_f1(np.array([[1.0, 0.5], [np.nan, np.nan], [np.nan, 1.0]])).round(3).tolist()
    [0.667, 1.0, 0.0]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import vote_cv  # noqa: E402
from bench.vote_cv import CURRENT, f1, f1_of  # noqa: E402
from bench.vote_lab import SAVED  # noqa: E402
from extraction import ensemble  # noqa: E402

Signals = dict
ARTICLE_SIGNALS: dict[str, Callable[[Signals], bool]] = {
    "markup (ld/og article)": lambda s: bool(s.get("structured_article")),
    "og:type article": lambda s: s.get("og_type") == "article",
    "meta date": lambda s: bool(s.get("date_published")),
    "byline (authors)": lambda s: bool(s.get("authors")),
    "org byline": lambda s: bool(s.get("org_author")),
    "<article>": lambda s: s.get("article_elements", 0) > 0,
    "<time>": lambda s: s.get("time_elements", 0) > 0,
    "itemprop articleBody": lambda s: bool(s.get("article_body_prop")),
    "trafilatura date guess": lambda s: bool(s.get("date_guess")),
}
_DECLARED = [k for k in ARTICLE_SIGNALS if k not in ("og:type article", "trafilatura date guess")]
KINDS: dict[str, Callable[[Signals], bool]] = {
    "no signal but a date guess": lambda s: not any(ARTICLE_SIGNALS[k](s) for k in _DECLARED),
    "no signal at all": lambda s: not any(f(s) for f in ARTICLE_SIGNALS.values()),
    "no article markup": lambda s: not s.get("structured_article"),
    "no markup, no meta date": lambda s: (
        not s.get("structured_article") and not s.get("date_published")
    ),
    "every page (no gate)": lambda s: True,
}
# (inside, longer): readability's reading holds `inside` of the kept body, `longer` x its size.
TRIES = [(0.0, 0.0), (0.0, 1.0), (0.8, 1.0), (0.8, 1.25), (0.9, 1.0), (0.9, 1.1), (0.95, 1.5)]


def page_f1(pr: np.ndarray) -> np.ndarray:
    """Each page's F1 from its (precision, recall), as bench.scoring.PageScore.f1 gives it."""
    p, r = pr[:, 0], pr[:, 1]
    both = np.isnan(p) & np.isnan(r)  # both texts empty
    p, r = np.nan_to_num(p), np.nan_to_num(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(p + r > 0, 2 * p * r / np.where(p + r > 0, p + r, 1), 0.0)
    return np.where(both, 1.0, out)


class Lab:
    """The saved pages, reduced (bench/vote_cv.py), with their signals and containments."""

    def __init__(self, saved: Path) -> None:
        records = json.loads(gzip.decompress(saved.read_bytes()))
        if not all("signals" in r for r in records):
            # An older collect: every page would look as if it declared nothing.
            raise SystemExit(
                f"{saved} holds no page signals: collect again with this version "
                "(python bench/vote_lab.py collect --saved FILE)"
            )
        self.pages, self.base = vote_cv.load(saved)
        self.signals = [r["signals"] for r in records]
        self.names = list(dict.fromkeys(p.set for p in self.pages))
        sets = np.array([p.set for p in self.pages])
        self.masks = {n: sets == n for n in self.names}
        self.real = np.array([p.real for p in self.pages])
        n = len(self.pages)
        self.sizes, self.inside = np.zeros((n, 3)), np.full((n, 3), np.nan)
        for i, r in enumerate(records):
            if "candidates" not in r:
                continue
            cands = r.get("kept", r["candidates"])
            counts = [ensemble.shingles([(b[0], b[1], "") for b in c]) for c in cands]
            for j in range(3):
                self.sizes[i, j] = size = sum(counts[j].values())
                if size:
                    self.inside[i, j] = sum((counts[j] & counts[2]).values()) / size
        self.plain = page_f1(self.base["trafilatura"])

    def rule(
        self, kind: Callable[[Signals], bool], inside: float | None, longer: float, vote: bool
    ) -> np.ndarray:
        """Each page's (precision, recall) with the rule on the pages of ``kind``."""
        out = self.real.copy()
        for i, page in enumerate(self.pages):
            if page.doubt is None or not kind(self.signals[i]):
                continue
            pick = page.real_pick
            if vote and not vote_cv.in_doubt(page, CURRENT):
                pick = vote_cv.pick(page, CURRENT | {"vote": "always"})
            sizes = self.sizes[i]
            fits = inside is not None and pick != 2 and sizes[2] and sizes[pick]
            if fits and self.inside[i, pick] >= inside and sizes[2] >= longer * sizes[pick]:
                pick = 2
            if pick != page.real_pick:
                out[i] = page.scores[pick]
        return out

    def worse(self, pr: np.ndarray) -> int:
        return int((page_f1(pr) < self.plain - 0.05).sum())


def tables(lab: Lab, boot: list[str]) -> None:
    names, masks, real, base = lab.names, lab.masks, lab.real, lab.base
    every = np.ones(len(lab.pages), bool)
    print(f"{'pages with the signal':<30}" + "".join(f"{n:>11}" for n in [*names, "all"]))
    print(f"{'pages':<30}" + "".join(f"{m.sum():>11}" for m in [*masks.values(), every]))
    for label, has in ARTICLE_SIGNALS.items():
        got = np.array([has(s) for s in lab.signals])
        cells = [(got & m).sum() for m in [*masks.values(), every]]
        print(f"{label:<30}" + "".join(f"{c:>11}" for c in cells))
    runs = (real, base["trafilatura"], base["readability"])
    for label, kind in list(KINDS.items())[:-1]:
        print(f"\npages with {label}: F1 pressroom / trafilatura / readability-lxml")
        of = np.array([kind(s) for s in lab.signals])
        for n in names:
            m, rest = of & masks[n], ~of & masks[n]
            cells = " / ".join(f"{f1(x, m):.4f}" for x in runs) if m.any() else ""
            others = " / ".join(f"{f1(x, rest):.4f}" for x in runs) if rest.any() else ""
            print(f"  {n:<10}{m.sum():>5}  {cells:<26}  (others: {rest.sum():>4}  {others})")
    variants: dict[tuple, np.ndarray] = {}
    for label, kind in KINDS.items():
        for inside, longer in TRIES:
            variants[label, "readability", inside, longer] = lab.rule(kind, inside, longer, False)
        variants[label, "vote always", None, None] = lab.rule(kind, None, 0, True)
    print(f"\n{'rule on those pages: F1 - current':<54}"
          + "".join(f"{n:>10}" for n in [*names, "pooled"]) + "  worse")  # fmt: skip
    print(f"{'current':<54}" + "".join(f"{f1(real, m):10.4f}" for m in [*masks.values(), every])
          + f"  {lab.worse(real)}")  # fmt: skip
    for key, pr in variants.items():
        cells = [f1(pr, m) - f1(real, m) for m in [*masks.values(), every]]
        print(f"{_label(key):<54}" + "".join(f"{x:+10.4f}" for x in cells) + f"  {lab.worse(pr)}")
    print("\nleave-one-set-out (a variant or none, chosen on three sets, scored on the fourth):")
    families: dict[str, list] = {}
    for key in variants:
        families.setdefault(key[0], []).append(key)
    families["every variant"] = list(variants)
    for family, keys in families.items():
        cells, wins, losses = [], 0, 0
        for held in names:
            delta, best = _held_out(variants, keys, real, ~masks[held], masks[held])
            wins += delta > 1e-9
            losses += delta < -0.001
            cells.append(f"{held} {best} {delta:+.4f}")
        print(f"  {family:<28} wins {wins}, losses > 0.001 {losses}:  " + ";  ".join(cells))
    print("\nchosen on one set, scored on the other (the two sets with pages of these kinds):")
    for family, keys in families.items():
        cells = []
        for train, held in (("cleaneval", "dragnet"), ("dragnet", "cleaneval")):
            delta, best = _held_out(variants, keys, real, masks[train], masks[held])
            cells.append(f"{train} -> {held}: {best} {delta:+.4f}")
        print(f"  {family:<28}" + ";  ".join(cells))
    rng = np.random.default_rng(0)
    print("\nbootstrap, 1000 draws of each set: P(pressroom < readability-lxml)")
    chosen = [("current", real)] + [(b, variants[_key(b)]) for b in boot]
    for label, pr in chosen:
        cells = []
        for name in ("cleaneval", "dragnet"):
            idx = np.flatnonzero(masks[name])
            behind = 0
            for _ in range(vote_cv.DRAWS):
                t = rng.choice(idx, len(idx))
                ours = f1_of(pr[t, 0], pr[t, 1])
                behind += ours < f1_of(base["readability"][t, 0], base["readability"][t, 1])
            cells.append(f"{name} {behind / vote_cv.DRAWS:.3f}")
        print(f"  {label:<52}" + "  ".join(cells))


def _held_out(
    variants: dict, keys: list, real: np.ndarray, train: np.ndarray, held: np.ndarray
) -> tuple[float, str]:
    best, best_f1 = None, f1(real, train)
    for key in keys:
        score = f1(variants[key], train)
        if score > best_f1 + 1e-9:
            best, best_f1 = key, score
    if best is None:
        return 0.0, "none"
    return f1(variants[best], held) - f1(real, held), _label(best[1:])


def _label(key: tuple) -> str:
    return " ".join(str(k) for k in key if k is not None)


def _key(label: str) -> tuple:
    """'no signal at all|0.8|1.0' -> the variants' key; 'KIND|vote' for the vote."""
    kind, *rest = label.split("|")
    if rest == ["vote"]:
        return kind, "vote always", None, None
    return kind, "readability", float(rest[0]), float(rest[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saved", type=Path, default=SAVED, help="bench/vote_lab.py's file")
    parser.add_argument(
        "--boot", action="append", default=[], help="a variant to bootstrap: 'KIND|inside|longer'"
    )
    args = parser.parse_args(argv)
    tables(Lab(args.saved), args.boot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
