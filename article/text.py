"""An article's body as blocks, and the plain text and Markdown rendered from them.

Example::

    >>> render("Title", [("p", "One.", "One.")])
    ('Title\\n\\nOne.', '# Title\\n\\nOne.')

Extraction cuts a page into blocks; the archive keeps them and counts them
per source (:mod:`storage.profiles`, keyed by :func:`block_hash`) and rebuilds
a stored text with :func:`render` when the profile changes. Both sides use
these definitions, so a block dropped at extraction and a block counted by
the archive are the same block.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# (kind, plain text, markdown). kind: "p", "h1".."h6", "li" (a list item),
# "quote", "code" or "row" (a table row). Plain text of a list item has no marker;
# render() adds "- ".
Block = tuple[str, str, str]


def normalise(text: str) -> str:
    """The form of a block that is compared: case-folded, whitespace collapsed.

    >>> normalise("  Donate\\u00a0NOW ")
    'donate now'
    """
    return " ".join(text.split()).casefold()


def block_hash(text: str) -> int:
    """A signed 64-bit hash of the normalised block text (an SQLite INTEGER).

    >>> block_hash("Donate now") == block_hash("donate  NOW")
    True
    """
    digest = hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def render(title: str | None, blocks: Sequence[Block]) -> tuple[str, str]:
    """Plain text and Markdown of a release: title, then blocks.

    >>> text, md = render("T", [("p", "One.", "One."), ("li", "a", "- a"), ("li", "b", "- b")])
    >>> text
    'T\\n\\nOne.\\n\\n- a\\n\\n- b'
    >>> md
    '# T\\n\\nOne.\\n\\n- a\\n- b'

    Plain text separates every block by a blank line (list items keep a "- ");
    Markdown keeps list items and table rows of one run on consecutive lines and
    adds the header rule a table needs.
    """
    plain: list[str] = [title] if title else []
    md: list[str] = [f"# {title}"] if title else []
    previous = ""
    for kind, text, markdown in blocks:
        plain.append(f"- {text}" if kind == "li" else text)
        if kind == "row" and not markdown.startswith("|"):
            kind = "p"  # a layout table's cell: its paragraphs (extraction/blocks.py)
        if kind == previous and kind in ("li", "row"):
            md[-1] += "\n" + markdown
        elif kind == "row":
            cells = max(1, len(re.findall(r"(?<!\\)\|", markdown)) - 1)
            md.append(markdown + "\n|" + "---|" * cells)
        else:
            md.append(markdown)
        previous = kind
    return "\n\n".join(plain), "\n\n".join(md)


# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana and
# CJK ideographs (Korean spaces its words). A Japanese article is one "word" per
# sentence when counted by spaces, and was refused as too short (issue 16);
# the archive counts with the same rule when it re-cleans a text (storage/profiles.py).
_UNSPACED = re.compile(
    # Thai, Lao, Myanmar, Khmer; CJK punctuation, kana; ideographs; full-width forms
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3000-\u30ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
CHARS_PER_WORD = 2  # about the mean length of a Japanese or Chinese word
# Thai, Lao, Myanmar and Khmer write vowels and tones as combining marks around the
# letters (ผู้สูงอายุ: 10 code points, 6 letters); counted as characters, two a word,
# a Thai release had 2.5 times its words. Their letters alone, four a word (3.8 in
# a Thai release cut into words by hand, tests/test_word_count_scripts.py).
_SYLLABIC = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")
LETTERS_PER_WORD = 4


def unspaced(char: str) -> bool:
    """Whether ``char`` is of a script written without spaces between words (see above).

    >>> unspaced("漁"), unspaced("ก"), unspaced("a"), unspaced("한")
    (True, True, False, False)
    """
    return bool(_UNSPACED.match(char))


# Extraction counts a page's blocks four times over (the readings, the vote's doubt, the
# kept body): the few texts of the page being read are remembered.
@lru_cache(maxsize=64)
def word_count(text: str) -> int:
    """Words in a text, counting the characters of unspaced scripts (see above).

    >>> word_count("Floods hit the delta"), word_count("東京都は、大雨の警報を出した。")
    (4, 8)
    >>> word_count("ฝนตกหนักในกรุงเทพ")  # ฝน ตก หนัก ใน กรุงเทพ: 15 letters, 2 marks
    4
    """
    words = len(text.split())
    if text.isascii():
        return words
    chars = len(_UNSPACED.findall(text))
    if not chars:
        return words
    spaced = len(_UNSPACED.sub(" ", text).split())  # "2025年" still has a word, "2025"
    syllabic = _SYLLABIC.findall(text)
    letters = sum(not unicodedata.category(c).startswith("M") for c in syllabic)
    ideographic = chars - len(syllabic)
    return spaced + _ceil(ideographic, CHARS_PER_WORD) + _ceil(letters, LETTERS_PER_WORD)


def _ceil(count: int, per_word: int) -> int:
    return (count + per_word - 1) // per_word
