"""The first pass: trafilatura's precise reading of the pruned page, plus the prose it cut.

    >>> precise = [("p", "Lead.", "Lead."), ("p", "Last.", "Last.")]
    >>> long = " ".join(["word"] * 40)
    >>> balanced = [("li", "Home", "- Home"), ("p", "Lead.", "Lead."), ("p", long, long),
    ...             ("p", "Last.", "Last.")]
    >>> blocks, added = merge(precise, balanced)
    >>> [b[1][:5] for b in blocks], len(added)
    (['Lead.', 'word ', 'Last.'], 1)
    >>> merge([("p", "He said that for his role.", "")],
    ...       [("p", "He said that the NFL will fine him for his role.", "")])[0]
    [('p', 'He said that the NFL will fine him for his role.', '')]

trafilatura's ``favor_precision`` is the best single setting on news articles
(the article benchmark), but on pages of other shapes it cuts real paragraphs or
keeps a short box in place of the article: on 2,117 CleanEval and Dragnet pages,
paragraphs of 40 words or more that only its balanced mode keeps are real text for
more than 9 words in 10 (bench/extraction.py; shorter ones are mostly captions,
teasers and menus). Precision mode also cuts linked words out of a
paragraph's middle ("has reported that for his role": the link "the NFL will fine
Rudolph" went). So the page is read both ways: the precise body keeps its blocks,
each replaced by the balanced reading's whole paragraph where words were cut, plus
the balanced reading's long paragraphs, in its order. Both readings are of the same
pruned tree (trafilatura copies it). On 2,425 real pages (bench/extraction.py) every
set went up (pooled 0.870 -> 0.872) and pages more than 0.05 below plain trafilatura
went from 124 to 111; the second reading costs one more trafilatura call a page.

Table rows of PROSE_WORDS words count as paragraphs: on old table layouts the
precise reading drops whole rows of prose (CleanEval final-599: a 175-word
testimonial, F1 0.92 where trafilatura reads 0.98). On the 2,425 pages 7 changed:
4 up (aeb +0.10, three CleanEval +0.02 to +0.07), 3 down (a hotel page's rows of
sponsored links, -0.05, still above trafilatura); pages more than 0.05 below plain
trafilatura 90 -> 88. Long list items too: 2 Dragnet pages down, none up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from difflib import SequenceMatcher
from typing import Any

from article.text import Block
from extraction import cleaning, engine, ensemble
from extraction.blocks import body_blocks, page_text
from extraction.rules import Rules

# A block the balanced reading adds is kept from this length: prose, not a caption,
# a teaser or a menu line (measured above).
PROSE_WORDS = 40


def first_pass(
    tree: Any, url: str, rules: Rules, *, metadata: bool
) -> tuple[Any, list[Block], set[str], float, bool]:
    """trafilatura's precise document of the pruned ``tree`` (metadata if asked), the
    body's blocks (the precise ones completed and merged with the balanced reading's
    long paragraphs), the texts of the paragraphs the merge added, how much the two
    readings agree (:func:`extraction.ensemble.agreement`, 1.0 for the same text), and
    whether the precise body is its article container alone (:func:`framed`)."""
    page = page_text(tree)
    doc = engine.document(tree, url, rules, precise=True, metadata=metadata)
    precise = body_blocks(doc, page)
    frame = framed(tree, url, rules, precise, page)
    if frame is not None:
        precise = frame  # still completed by the balanced reading (a link's words cut)
    balanced = body_blocks(engine.document(tree, url, rules, precise=False, metadata=False), page)
    return (doc, *merge(precise, balanced), agreement(precise, balanced), frame is not None)


def framed(
    tree: Any, url: str, rules: Rules, precise: list[Block], page: Callable[[], str] | None = None
) -> list[Block] | None:
    """The precise body without trafilatura's wild-text recovery, when that recovery only
    added furniture to a short release; else None.

    A body under trafilatura's minimum (250 characters: a statement of one paragraph)
    is completed with every paragraph of the page it had not read: the footer's
    registered-office line, the date line, the newsletter blurb. Its longer pages on the
    same template are read from the article alone, so the profile never learns those
    blocks, and the short page kept them (a review of a new site). Read again without
    the recovery, the body is the article container's (:func:`engine.document` frame);
    it is kept when the recovery appended only what is no prose (no paragraph of
    PROSE_WORDS words or more: captions, lines and boxes, as for :func:`merge`) after it.
    A page whose recovered paragraphs include prose (a teaser box taken for the article,
    the article's paragraphs elsewhere) keeps the whole reading, as before.
    """
    if not precise or _words(precise) >= ensemble.DOUBT_WORDS:
        return None  # a long body: the recovery did not run, or brought the article
    frame = body_blocks(
        engine.document(tree, url, rules, precise=True, metadata=False, frame=True), page
    )
    n = len(frame)
    if not n or n == len(precise) or [b[1] for b in frame] != [b[1] for b in precise[:n]]:
        return None  # nothing read without it, nothing recovered, or read otherwise
    if not any(b[0] in ("p", "quote") for b in frame) or any(_prose(b) for b in precise[n:]):
        return None
    return frame


def _words(blocks: list[Block]) -> int:
    return sum(cleaning.word_count(b[1]) for b in blocks)


def agreement(precise: list[Block], balanced: list[Block]) -> float:
    """:func:`extraction.ensemble.agreement` of the two readings; 1.0 at once for the
    same paragraphs (most pages: the shingles cost about a millisecond).

    >>> agreement([("p", "One two three four.", "")], [("p", "One two three four.", "")])
    1.0
    """
    if [b[1] for b in precise] == [b[1] for b in balanced]:
        return 1.0
    return ensemble.agreement(ensemble.shingles(precise), ensemble.shingles(balanced))


def merge(precise: list[Block], balanced: list[Block]) -> tuple[list[Block], set[str]]:
    """``precise``'s blocks, each replaced by the balanced reading's whole paragraph when
    precise mode cut words out of it, plus ``balanced``'s paragraphs of PROSE_WORDS words
    or more that ``precise`` lacks, where the balanced reading has them; and the texts of
    those added paragraphs."""
    if not balanced:
        return precise, set()
    out: list[Block] = []
    added: set[str] = set()
    matcher = SequenceMatcher(None, [b[1] for b in precise], [b[1] for b in balanced], False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or j1 == j2:
            out.extend(precise[i1:i2])
            continue
        # (position, block): a precise block keeps its place; a whole paragraph takes the
        # place of the precise block it completes; an added one follows the last of those.
        placed: list[tuple[float, Block]] = []
        free = list(range(i1, i2))
        last = i1 - 0.5
        for b in balanced[j1:j2]:
            cut = next((i for i in free if _completes(b[1], precise[i][1])), None)
            if cut is not None:
                free.remove(cut)
                placed.append((cut, (precise[cut][0], b[1], b[2])))
                last = cut
            elif _prose(b):
                placed.append((last + 0.5, b))
                added.add(b[1])
        placed += [(i, precise[i]) for i in free]
        out.extend(block for _, block in sorted(placed, key=lambda pair: pair[0]))
    return out, added


def _completes(whole: str, part: str) -> bool:
    """Whether ``whole`` is ``part`` with words put back: precise mode drops links and
    their text from inside a paragraph ("reported that [the NFL will fine Rudolph] for")."""
    words, kept = whole.split(), part.split()
    if len(words) < len(kept) or not kept:
        return False
    common = Counter(words) & Counter(kept)
    return sum(common.values()) >= 0.9 * len(kept) and len(kept) >= 0.5 * len(words)


# A table row is a paragraph on pages laid out in tables: the prose of old sites sits in
# rows (measured in the module's docstring); a long list item is still mostly a menu.
PROSE_KINDS = ("p", "quote", "row")


def _prose(block: Block) -> bool:
    return block[0] in PROSE_KINDS and cleaning.word_count(block[1]) >= PROSE_WORDS
