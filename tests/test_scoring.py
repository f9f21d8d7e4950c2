"""The benchmark's shingle scoring, checked against small cases computed by hand."""

from __future__ import annotations

import doctest
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` puts tests/, not the repo root, on sys.path
    sys.path.insert(0, str(ROOT))

from bench import scoring  # noqa: E402
from bench.scoring import (  # noqa: E402
    PageScore,
    averages,
    f1_difference,
    score_page,
    shingles,
    summarise,
    surplus_and_missing,
    tokenize,
)

TRUTH = "The cat sat on the mat."
# truth shingles:      (The cat sat on) (cat sat on the) (sat on the mat)
# prediction shingles: (The cat sat on) (cat sat on the) (sat on the hat) (on the hat today)
# shared 2, surplus 2, missing 1 -> normalised by 5: tp 0.4, fp 0.4, fn 0.2
PARTIAL = "The cat sat on the hat today."


def test_tokens_are_word_runs_without_punctuation():
    assert tokenize("Hello,   world! It's 3.5 °C") == ["Hello", "world", "It", "s", "3", "5", "C"]
    assert tokenize("Ça coûte 5€ à Zürich") == ["Ça", "coûte", "5", "à", "Zürich"]
    assert tokenize(" \n--- ") == []


def test_shingles_are_a_multiset_of_four_token_windows():
    assert shingles("a b c d e") == Counter({("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1})
    assert shingles("a b c d a b c d")[("a", "b", "c", "d")] == 2


def test_text_shorter_than_four_tokens_is_one_shingle():
    assert shingles("Hello, world") == Counter({("Hello", "world"): 1})
    assert shingles("exactly four tokens here") == Counter(
        {("exactly", "four", "tokens", "here"): 1}
    )
    assert shingles("") == Counter()
    assert score_page("Hello world!", "Hello world") == PageScore(1.0, 0.0, 0.0, exact=True)
    short_miss = score_page("Hello there", "Hello world")
    assert (short_miss.precision, short_miss.recall) == (0.0, 0.0)


def test_perfect_match():
    page = score_page(TRUTH, "The cat sat on the mat")
    assert page == PageScore(tp=1.0, fp=0.0, fn=0.0, exact=True)
    assert (page.precision, page.recall, page.f1) == (1.0, 1.0, 1.0)
    summary = summarise([page, page])
    assert (summary.precision, summary.recall, summary.f1, summary.accuracy) == (1, 1, 1, 1)
    assert summary.f1_std == 0.0


def test_disjoint_texts():
    page = score_page("Some other words are found here", TRUTH)
    # 3 predicted shingles, 3 true ones, none shared: fp 3/6, fn 3/6
    assert page == PageScore(tp=0.0, fp=0.5, fn=0.5, exact=False)
    assert (page.precision, page.recall, page.f1) == (0.0, 0.0, 0.0)
    assert averages([page]) == (0.0, 0.0, 0.0)


def test_partial_overlap_by_hand():
    page = score_page(PARTIAL, TRUTH)
    assert page.tp == pytest.approx(0.4)
    assert page.fp == pytest.approx(0.4)
    assert page.fn == pytest.approx(0.2)
    assert page.precision == pytest.approx(2 / 4)
    assert page.recall == pytest.approx(2 / 3)
    assert page.f1 == pytest.approx(4 / 7)  # 2*2 / (2*2 + 2 + 1)
    assert not page.exact


def test_f1_is_the_harmonic_mean_of_averages_not_the_mean_of_page_f1():
    perfect, partial = score_page(TRUTH, TRUTH), score_page(PARTIAL, TRUTH)
    precision, recall, f1 = averages([perfect, partial])
    assert precision == pytest.approx((1 + 1 / 2) / 2)  # 3/4
    assert recall == pytest.approx((1 + 2 / 3) / 2)  # 5/6
    assert f1 == pytest.approx(15 / 19)  # 2 * 3/4 * 5/6 / (3/4 + 5/6)
    assert f1 != pytest.approx((1 + 4 / 7) / 2)


def test_repeated_text_counts_once_against_one_occurrence_in_truth():
    page = score_page("a b c d a b c d", "a b c d")
    # predicted: abcd x2, bcda, cdab, dabc (5); true: abcd (1); shared 1
    assert page == PageScore(tp=1 / 5, fp=4 / 5, fn=0.0, exact=False)


def test_empty_prediction_lowers_recall_but_not_precision():
    empty = score_page("", TRUTH)
    assert empty == PageScore(tp=0.0, fp=0.0, fn=1.0, exact=False)
    assert empty.precision is None
    assert empty.recall == 0.0
    summary = summarise([score_page(TRUTH, TRUTH), empty])
    assert summary.precision == 1.0  # the empty page does not count
    assert summary.recall == 0.5
    assert summary.f1 == pytest.approx(2 / 3)
    assert summary.accuracy == 0.5


def test_both_empty_counts_for_neither_average_but_for_accuracy():
    nothing = score_page("", "  ")
    assert nothing == PageScore(0.0, 0.0, 0.0, exact=True)
    assert (nothing.precision, nothing.recall, nothing.f1) == (None, None, 1.0)
    assert averages([nothing]) == (0.0, 0.0, 0.0)


def test_accuracy_compares_token_sequences():
    assert score_page("The cat  sat, on the mat!", TRUTH).exact
    assert not score_page("The cat sat on the mat too", TRUTH).exact
    assert not score_page("the mat The cat sat on", TRUTH).exact


def test_bootstrap_is_seeded_and_spreads_over_mixed_pages():
    pages = [score_page(TRUTH, TRUTH), score_page(PARTIAL, TRUTH), score_page("", TRUTH)] * 5
    first, again = summarise(pages, samples=200), summarise(pages, samples=200)
    assert first == again
    assert 0 < first.f1_std < 0.5
    assert 0 < first.recall_std < 0.5
    assert first.pages == 15
    assert summarise([]).pages == 0


def test_paired_difference():
    a = [score_page(TRUTH, TRUTH), score_page(PARTIAL, TRUTH)]
    b = [score_page(TRUTH, TRUTH), score_page("", TRUTH)]
    assert f1_difference(a, a) == (0.0, 0.0)
    difference, std = f1_difference(a, b, samples=200)
    assert difference == pytest.approx(averages(a)[2] - averages(b)[2])
    assert std > 0
    with pytest.raises(ValueError):
        f1_difference(a, b[:1])


def test_surplus_and_missing_are_spans_of_the_original_texts():
    surplus, missing = surplus_and_missing("Related: X. " + TRUTH, TRUTH + " Photo: AP")
    assert surplus == ["Related: X"]
    assert missing == ["Photo: AP"]
    assert surplus_and_missing(TRUTH, TRUTH) == ([], [])
    assert surplus_and_missing("", TRUTH) == ([], ["The cat sat on the mat"])


def test_docstring_examples_hold():
    assert doctest.testmod(scoring).failed == 0
