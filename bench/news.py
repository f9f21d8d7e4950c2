"""Per-field scores of news metadata, as news-pages-dev's README suggests.

    >>> fields = Fields(title="A  B", authors=["Ann"], date="2024-05-03T10:00:00+02:00")
    >>> score_fields(fields, {"title": "A B", "authors": ["ann"], "publishing_date": "2024-05-03"})
    {'title': 1.0, 'authors': 1.0, 'authors_exact': 1.0, 'date': 1.0, 'body_bow': None}

title: exact after whitespace normalisation; authors: case-insensitive set, Jaccard and
exact; date: same calendar day; topics: Jaccard (only where the truth has topics); body:
bag-of-words F1 over lowercased word tokens, each CJK character one token.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
FIELDS = ("title", "authors", "authors_exact", "date", "topics", "body_bow")


@dataclass
class Fields:
    """An extractor's metadata for one page (empty when it gave none)."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    topics: list[str] = field(default_factory=list)
    body: str = ""


def score_fields(got: Fields, expected: dict[str, Any], truth_body: str = "") -> dict[str, Any]:
    """Each field's score in [0, 1], or None where the truth has nothing to compare."""
    scores: dict[str, Any] = {}
    if expected.get("title"):
        scores["title"] = float(_norm(got.title or "") == _norm(expected["title"]))
    want = {a.lower().strip() for a in expected.get("authors") or []}
    have = {a.lower().strip() for a in got.authors or []}
    scores["authors"] = _jaccard(have, want)
    scores["authors_exact"] = float(have == want)
    if expected.get("publishing_date"):
        scores["date"] = float((got.date or "")[:10] == expected["publishing_date"][:10])
    if expected.get("topics"):
        have_t = {t.lower().strip() for t in got.topics or []}
        scores["topics"] = _jaccard(have_t, {t.lower().strip() for t in expected["topics"]})
    scores["body_bow"] = bow_f1(got.body, truth_body) if truth_body else None
    return scores


def bow_f1(prediction: str, truth: str) -> float:
    """
    >>> bow_f1("東京 the cat", "東京 a cat")
    0.75

    Bag-of-words F1 over lowercased tokens, each CJK character a token.
    """
    have, want = Counter(WORD.findall(prediction.lower())), Counter(WORD.findall(truth.lower()))
    common = sum((have & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(have.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def _norm(text: str) -> str:
    return " ".join(text.split())
