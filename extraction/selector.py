"""The learned vote: which of four readings to keep, on a page without article markup.

    >>> story = [("p", "The council approved the budget on Monday after a long debate.", "")]
    >>> doubt = dict(rule=0, words=11, chars=62, page_chars=500, readings=1.0)
    >>> rows = features([story, story, [], story], **doubt)
    >>> len(rows), len(rows[0]) == FEATURES
    (4, True)
    >>> pick([story, story, [], story], allowed=[True] * 4, **doubt) in (0, 1, 3)
    True

The rule-made vote (:func:`extraction.ensemble.choose`) keeps the reading the
others agree with most. Its voters are not independent: pressroom's own pass and
trafilatura's defaults are two readings of one algorithm, and on old-style pages
(tables, no markup) they often agree on the same half of the article. There a
fourth reading, jusText's (:mod:`extraction.justext_reader`), and a model that
weighs the readings' agreements, lengths and shapes pick better. The model is a
small gradient-boosted tree ensemble, trained by ``bench/vote_lab.py train`` on
the development pages and shipped as data (``vote_model.json``); it predicts
each reading's F1, less a penalty for falling far below plain trafilatura. The
rules' pick is one of its inputs, and stays unless another reading scores MARGIN
higher; a reading the rules count as no voice (empty, or what pruning took away)
never wins. Pages with article markup (JSON-LD ``NewsArticle``, og:type article:
news and releases) keep the rule-made vote: there the own pass is the best
reading, and the model was not trained on them. So do pages read with a site's
profile (a crawl past its first pages): the model was trained on pages read alone.

The model is trained on the development pages of bench/extraction.py: its scores
on CleanEval and Dragnet are in-sample. ``bench/vote_lab.py train`` prints them
beside each page read by a model trained without it (5-fold cross-validation),
the estimate for pages never seen, itself a little kind: MARGIN and the penalty
were chosen by looking at it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from article.text import Block
from extraction import cleaning, ensemble

MODEL = Path(__file__).with_name("vote_model.json")
VOICES = 4  # own pass, trafilatura's defaults, readability-lxml, jusText
# The columns of a row, in order: a model trained for other columns is not read.
NAMES = (
    *(f"voice {k}" for k in range(VOICES)),
    "the rules' pick",
    "empty",
    "log shingles",
    "shingles / longest",
    "agreement max",
    "agreement min",
    "agreement mean",
    *(f"agreement with other voice {k}" for k in range(1, VOICES)),
    "words a block",
    "prose blocks share",
    "log blocks",
    "log own-pass words",
    "own-pass share of the page",
    "precise/balanced agreement",
)
FEATURES = len(NAMES)
PROSE = 20  # words: a block this long is a paragraph of prose
# The model overrules the rules' pick only when it scores another reading this much
# higher. Each page read by a model trained without it (5-fold cross-validation over
# the 1,034 voted pages without markup, bench/vote_lab.py train): with no margin the
# pooled F1 rose most (0.8785 -> 0.8911) but 47 pages lost more than 0.05 and pages
# below plain trafilatura went 89 -> 90; at 0.15, 0.8889, 22 pages lost, 101 won, and
# 84 below trafilatura.
MARGIN = 0.15


def features(
    candidates: Sequence[Sequence[Block]],
    *,
    rule: int,
    words: int,
    chars: int,
    page_chars: int,
    readings: float,
) -> list[list[float]]:
    """One row of numbers (NAMES) a candidate: which voice, whether the rule-made vote
    picked it (``rule``), its size and shape, its agreement with the other voices (in
    their order, itself left out: the one-hot voice columns tell which is which), and the
    page's doubt (the own pass's words, its share of the page's characters, how much
    its two readings agree). Four candidates, as :func:`pick` takes."""
    counts = [ensemble.shingles(c) for c in candidates]
    sizes = [sum(c.values()) for c in counts]
    longest = max(sizes) or 1
    rows = []
    for i, blocks in enumerate(candidates):
        agree = [
            ensemble.agreement(counts[i], counts[j]) if counts[i] and counts[j] else 0.0
            for j in range(len(candidates))
            if j != i
        ]
        lengths = [cleaning.word_count(b[1]) for b in blocks]
        n = len(lengths) or 1
        rows.append(
            [
                *(1.0 if i == k else 0.0 for k in range(VOICES)),
                1.0 if i == rule else 0.0,
                0.0 if counts[i] else 1.0,
                math.log1p(sizes[i]),
                sizes[i] / longest,
                max(agree),
                min(agree),
                sum(agree) / len(agree),
                *agree,
                sum(lengths) / n,
                sum(1 for x in lengths if x >= PROSE) / n,
                math.log1p(len(lengths)),
                math.log1p(words),
                chars / max(page_chars, 1),
                readings,
            ]
        )
    return rows


def available() -> bool:
    """Whether the model is shipped (a source checkout before training has none)."""
    return _model() is not None


def pick(
    candidates: Sequence[Sequence[Block]],
    *,
    rule: int,
    allowed: Sequence[bool],
    words: int,
    chars: int,
    page_chars: int,
    readings: float,
) -> int:
    """The reading to keep: the best-scored ``allowed`` one if it beats the rules' pick
    (``rule``) by MARGIN; else, and with no model, ``rule``."""
    model = _model()
    if model is None or len(candidates) != VOICES:
        return rule
    doubt = {"words": words, "chars": chars, "page_chars": page_chars, "readings": readings}
    scores = [predict(model, row) for row in features(candidates, rule=rule, **doubt)]
    return choose(scores, rule, allowed)


def choose(scores: Sequence[float], rule: int, allowed: Sequence[bool]) -> int:
    """The best-scored allowed reading if it beats the rules' pick by MARGIN, else the pick.

    >>> choose([0.5, 0.9, 0.2, 0.1], 0, [True] * 4), choose([0.5, 0.6, 0.2, 0.1], 0, [True] * 4)
    (1, 0)
    >>> choose([0.5, 0.9, 0.2, 0.1], 0, [True, False, True, True])
    0
    """
    best = max((i for i in range(len(scores)) if allowed[i]), key=lambda i: scores[i], default=rule)
    return best if scores[best] > scores[rule] + MARGIN else rule


def predict(model: dict[str, Any], row: Sequence[float]) -> float:
    """The model's score of one row: its baseline plus each tree's leaf.

    A node goes left when the value is <= its threshold, as scikit-learn's does; no
    column is ever NaN (sizes and shares are guarded), where the two could differ.
    """
    total = model["baseline"]
    for nodes in model["trees"]:
        node = nodes[0]
        while not node[0]:  # [is_leaf, value, feature, threshold, left, right]
            node = nodes[node[4] if row[node[2]] <= node[3] else node[5]]
        total += node[1]
    return total


@lru_cache(maxsize=1)
def _model() -> dict[str, Any] | None:
    try:
        model = json.loads(MODEL.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(model, dict) or model.get("names") != list(NAMES):
        return None  # trained for other columns: the rules decide, as with no model
    return model
