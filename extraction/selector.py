"""The learned vote: which of four readings to keep, on a page without article markup.

    >>> story = [("p", "The council approved the budget on Monday after a long debate.", "")]
    >>> doubt = dict(rule=0, words=11, chars=62, page_chars=500, readings=1.0)
    >>> rows = features([story, story, [], story], **doubt)
    >>> len(rows), len(rows[0]) == FEATURES
    (4, True)
    >>> pick([story, story, [], story], **doubt) in range(4)
    True

The rule-made vote (:func:`extraction.ensemble.choose`) keeps the reading the
others agree with most. Its voters are not independent: pressroom's own pass and
trafilatura's defaults are two readings of one algorithm, and on old-style pages
(tables, no markup) they often agree on the same half of the article. There a
fourth reading, jusText's (:mod:`extraction.justext_reader`), and a model that
weighs the readings' agreements, lengths and shapes pick better. The model is a
small gradient-boosted tree ensemble, trained by ``bench/vote_lab.py train`` on
the development pages and shipped as data (``vote_model.json``); it predicts
each reading's F1, less a penalty for falling far below plain trafilatura, and
the highest wins (the own pass on ties). Pages with article markup (JSON-LD
``NewsArticle``, og:type article: news and releases) keep the rule-made vote:
there the own pass is the best reading, and the model was not trained on them.
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
FEATURES = VOICES + 16
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
    """One row of numbers a candidate: which voice, whether the rule-made vote picked it
    (``rule``), its size and shape, its agreement with each other voice, and the page's
    doubt (the own pass's words, its share of the page's characters, how much its two
    readings agree)."""
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
    words: int,
    chars: int,
    page_chars: int,
    readings: float,
) -> int:
    """The index of the reading to keep: the highest predicted score, if it beats the rules'
    pick (``rule``) by MARGIN; else, and with no model, ``rule``."""
    model = _model()
    if model is None or len(candidates) != VOICES:
        return rule
    doubt = {"words": words, "chars": chars, "page_chars": page_chars, "readings": readings}
    scores = [predict(model, row) for row in features(candidates, rule=rule, **doubt)]
    return choose(scores, rule)


def choose(scores: Sequence[float], rule: int) -> int:
    """The best-scored reading if it beats the rules' pick by MARGIN, else the rules' pick.

    >>> choose([0.5, 0.9, 0.2, 0.1], rule=0), choose([0.5, 0.6, 0.2, 0.1], rule=0)
    (1, 0)
    """
    best = max(range(len(scores)), key=lambda i: (scores[i], i == rule, -i))
    return best if scores[best] > scores[rule] + MARGIN else rule


def predict(model: dict[str, Any], row: Sequence[float]) -> float:
    """The model's score of one row: its baseline plus each tree's leaf."""
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
    return model if model.get("features") == FEATURES else None
