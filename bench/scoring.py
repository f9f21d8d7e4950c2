"""Shingle scoring of extracted article text, as described by the article-extraction benchmark.

    >>> summary = summarise([score_page("The mayor spoke today.", "The mayor spoke today.")])
    >>> summary.f1, summary.accuracy
    (1.0, 1.0)

A text is split into ``\\w+`` tokens and becomes a multiset of 4-token shingles.
Per page, shared shingles are true positives, the prediction's surplus false
positives and the truth's surplus false negatives; the three counts are divided
by their sum so that every page weighs the same. Precision is averaged over the
pages that produced a shingle, recall over the pages whose truth has one, and F1
is the harmonic mean of those two averages. Accuracy is the share of pages whose
token sequence equals the truth's. Standard deviations come from a bootstrap
over pages. Everything here is a pure function of its arguments.
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

TOKEN = re.compile(r"\w+")
SHINGLE_SIZE = 4
BOOTSTRAP_SAMPLES = 1000

Shingle = tuple[str, ...]


def tokenize(text: str) -> list[str]:
    """
    >>> tokenize("Hello, world! It's 3.5°C.")
    ['Hello', 'world', 'It', 's', '3', '5', 'C']

    The ``\\w+`` tokens of a text, in order (Unicode-aware, case kept).
    """
    return TOKEN.findall(text)


def shingles(text: str, size: int = SHINGLE_SIZE) -> Counter[Shingle]:
    """
    >>> shingles("one two three four five")
    Counter({('one', 'two', 'three', 'four'): 1, ('two', 'three', 'four', 'five'): 1})

    The multiset of ``size``-token shingles of a text. A text shorter than
    ``size`` tokens is one shingle; a text without tokens has none.
    """
    tokens = tokenize(text)
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


@dataclass(frozen=True)
class PageScore:
    """
    >>> PageScore(tp=0.5, fp=0.25, fn=0.25, exact=False).recall
    0.6666666666666666

    One page's shingle counts, normalised to sum to 1 (all 0 when both texts are
    empty), and whether prediction and truth have the same token sequence.
    """

    tp: float
    fp: float
    fn: float
    exact: bool

    @property
    def precision(self) -> float | None:
        """None when the prediction has no shingle (the page does not count for precision)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None when the truth has no shingle (the page does not count for recall)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float:
        """This page's own F1, for ranking pages; 1.0 when both texts are empty."""
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 1.0


def score_page(prediction: str, truth: str) -> PageScore:
    """
    >>> score_page("a b c d e", "a b c d")
    PageScore(tp=0.5, fp=0.5, fn=0.0, exact=False)

    Compare one page's extracted text with its ground truth.
    """
    predicted, expected = shingles(prediction), shingles(truth)
    tp = sum((predicted & expected).values())
    fp = sum((predicted - expected).values())
    fn = sum((expected - predicted).values())
    total = tp + fp + fn or 1
    return PageScore(tp / total, fp / total, fn / total, tokenize(prediction) == tokenize(truth))


def averages(scores: Sequence[PageScore]) -> tuple[float, float, float]:
    """
    >>> averages([score_page("a b c d", "a b c d"), score_page("", "a b c d")])
    (1.0, 0.5, 0.6666666666666666)

    Mean precision (over pages with a predicted shingle), mean recall (over pages
    whose truth has a shingle) and their harmonic mean. A mean over no pages is 0.
    """
    precision = _mean([p for s in scores if (p := s.precision) is not None])
    recall = _mean([r for s in scores if (r := s.recall) is not None])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True)
class Summary:
    """
    >>> Summary(pages=1, precision=1.0, recall=1.0, f1=1.0, accuracy=1.0).f1_std
    0.0

    Benchmark figures for one extractor, each with its bootstrap standard deviation.
    """

    pages: int
    precision: float
    recall: float
    f1: float
    accuracy: float
    precision_std: float = 0.0
    recall_std: float = 0.0
    f1_std: float = 0.0
    accuracy_std: float = 0.0


def summarise(
    scores: Sequence[PageScore], *, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0
) -> Summary:
    """
    >>> summarise([score_page("a b c d", "a b c d"), score_page("x y z w", "a b c d")]).f1
    0.5

    Average a run's page scores; the ``*_std`` fields are standard deviations of
    the same figures over ``samples`` resamplings of the pages (with replacement,
    seeded so that runs repeat).
    """
    precision, recall, f1 = averages(scores)
    accuracy = _accuracy(scores)
    if not scores:
        return Summary(0, precision, recall, f1, accuracy)
    rng = random.Random(seed)
    draws = []
    for _ in range(samples):
        sample = rng.choices(scores, k=len(scores))
        draws.append((*averages(sample), _accuracy(sample)))
    stds = [statistics.pstdev(column) for column in zip(*draws, strict=True)]
    return Summary(len(scores), precision, recall, f1, accuracy, *stds)


def f1_difference(
    a: Sequence[PageScore],
    b: Sequence[PageScore],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """
    >>> f1_difference([score_page("a b c d", "a b c d")], [score_page("", "a b c d")])
    (1.0, 0.0)

    F1 of ``a`` minus F1 of ``b``, two extractors scored on the same pages in the
    same order, and the bootstrap standard deviation of that difference when
    both are resampled with the same pages (tighter than either F1's own std).
    """
    if len(a) != len(b):
        raise ValueError(f"scores for {len(a)} and {len(b)} pages: not the same pages")
    difference = averages(a)[2] - averages(b)[2]
    if not a:
        return difference, 0.0
    rng = random.Random(seed)
    draws = []
    for _ in range(samples):
        picks = rng.choices(range(len(a)), k=len(a))
        draws.append(averages([a[i] for i in picks])[2] - averages([b[i] for i in picks])[2])
    return difference, statistics.pstdev(draws)


def surplus_and_missing(prediction: str, truth: str) -> tuple[list[str], list[str]]:
    """
    >>> surplus_and_missing("Photo: AP. The mayor spoke.", "The mayor spoke. He left.")
    (['Photo: AP'], ['He left'])

    The stretches of the prediction whose tokens the truth lacks (surplus) and of
    the truth whose tokens the prediction lacks (missing), as spans of the
    original texts, in order. A token diff for reading, not for scoring.
    """
    predicted = list(TOKEN.finditer(prediction))
    expected = list(TOKEN.finditer(truth))
    matcher = SequenceMatcher(
        None, [m.group() for m in predicted], [m.group() for m in expected], autojunk=False
    )
    surplus: list[str] = []
    missing: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            surplus.append(prediction[predicted[i1].start() : predicted[i2 - 1].end()])
        if op in ("replace", "insert"):
            missing.append(truth[expected[j1].start() : expected[j2 - 1].end()])
    return surplus, missing


def _accuracy(scores: Sequence[PageScore]) -> float:
    return sum(s.exact for s in scores) / len(scores) if scores else 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
