"""Search in scripts written without spaces (Chinese, Japanese, Thai...): substrings.

    >>> applies("漁業 AND 規制")
    True
    >>> applies("human rights")
    False

The FTS5 index (unicode61) splits words at spaces and punctuation. A Chinese
or Japanese sentence has neither, so it is one token and a word inside it never
matches: ``人权`` found nothing. A query holding such characters is therefore
matched as substrings of ``articles.title`` and ``articles.text`` (instr, a
scan of the rows the filters leave), with the same filters and output.

Why a scan and not a second FTS5 index with the ``trigram`` tokenizer (SQLite
3.34+): the common Chinese and Japanese words are two characters long (人权,
漁業), and trigram finds nothing shorter than three (MATCH and LIKE both
return no rows, tried); and the index costs 2 to 3 bytes per character of
text (measured: the demo archive 1.73 MB -> 2.26 MB, +31%). The scan needs no
migration, so an archive of any age, read-only too, searches the same. It
costs a read of the texts the filters leave: measured, 0.1 s over 20,000
releases (66 million characters), 0.33 s when half of them match and are ranked.

The query's syntax is FTS5's, checked by FTS5 itself first (so a malformed
query gets the error every search gets); then words and quoted phrases are
substrings, joined by AND (or a space), OR and NOT, with brackets. Latin
letters compare without case (ASCII only, as SQLite's lower()); a trailing
``*`` changes nothing (a substring is already a prefix). Ranked by how often the
words occur, title occurrences weighted as in bm25's ranking (storage/search.py).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import BadQuery
from .migrations import token_char

# Scripts written without spaces between words, and Hangul, whose words carry
# their particles (인권을): unicode61 cannot cut a word out of either.
_UNSPACED = re.compile(
    "["
    "\u0e00-\u0eff"  # Thai, Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul Jamo
    "\u1780-\u17ff"  # Khmer
    "\u2e80-\u2fdf"  # CJK radicals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3130-\u318f"  # Hangul compatibility Jamo
    "\u31f0-\u31ff"  # Katakana extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # Hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK extensions B-G
    "]"
)
TITLE_WEIGHT = 10  # as storage/search.py weighs title words in bm25
_CONTEXT = 30  # characters shown before the first hit in a snippet
_SNIPPET_LENGTH = 90  # characters of text in a snippet, about FTS5's 20 tokens
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_UNSUPPORTED_HINT = (
    "a query with Chinese, Japanese, Korean or Thai characters (or of emoji and symbols "
    "alone) is matched as substrings: "
    'use words, "phrases", AND, OR, NOT and brackets (--title-only for titles)'
)

# A syntax error FTS5 found in such a query: the word search's hint ("put phrases
# in double quotes") says nothing of how it is matched.
SYNTAX_HINT = (
    "a query with Chinese, Japanese, Korean or Thai characters (or of emoji and symbols "
    "alone) is matched as substrings: "
    'put AND, OR, NOT only between words or "phrases", and close every bracket'
)


def applies(query: str) -> bool:
    """Whether ``query`` holds characters of a script unicode61 cannot split into words,
    or no word at all but emoji or symbols, of which the index keeps nothing.

    >>> applies("🌍"), applies("🌍 climate"), applies('""')
    (True, False, False)
    """
    return _UNSPACED.search(query) is not None or _symbols_alone(query)


def _symbols_alone(query: str) -> bool:
    """Whether ``query``'s words are all emoji, symbols or punctuation (🌍, €): the
    index's tokenizer (storage/migrations.py FTS_TOKENIZER) keeps only letters, numbers
    and marks, so FTS5 found nothing, without a word, where the text holds them."""
    words = [w for w in re.split(r'[\s()"*]+', query) if w and w not in ("AND", "OR", "NOT")]
    return bool(words) and not any(token_char(char) for word in words for char in word)


@dataclass
class Condition:
    """SQL over alias ``a`` for a parsed query, its parameters, and its words."""

    sql: str
    params: list[Any] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    empty: bool = False  # the phrase "", which matches nothing


def condition(query: str, *, title_only: bool = False) -> Condition:
    """The WHERE condition matching ``query`` (valid FTS5 syntax) as substrings.

    >>> c = condition('人权 OR "漁業"', title_only=True)
    >>> c.sql, c.params
    ('((instr(lower(a.title), ?) > 0) OR (instr(lower(a.title), ?) > 0))', ['人权', '漁業'])

    Raises BadQuery for FTS5 syntax a substring cannot mean (NEAR, column:, ^).
    """
    parser = _Parser(_tokens(query), title_only)
    result = parser.expression()
    if parser.position != len(parser.tokens):
        raise _unsupported(query, parser.tokens[parser.position])
    return result


def ranked(
    conn: sqlite3.Connection,
    query: str,
    *,
    fields: Sequence[str],
    where: str = "",
    params: Sequence[Any] = (),
    limit: int = 20,
    title_only: bool = False,
) -> list[dict[str, Any]]:
    """The best ``limit`` substring matches as dicts of ``fields`` + snippet, rank.

    The rank is minus the occurrences (title ones weighted), so lower ranks
    first as with bm25; ties go by id, as in storage/search.py.
    """
    found = condition(query, title_only=title_only)
    columns = ", ".join(f"a.{name}" for name in fields)
    score, score_params = _score(found.words, title_only)
    sql = (
        f"SELECT {columns}, a.text AS _text, {score} AS rank FROM articles a"
        f" WHERE {found.sql}{' AND ' + where if where else ''}"
        " ORDER BY rank, a.id LIMIT ?"
    )
    cursor = conn.execute(sql, [*score_params, *found.params, *params, limit])
    names = [column[0] for column in cursor.description]
    hits = []
    for row in cursor:
        hit = dict(zip(names, row, strict=True))
        text = hit.pop("_text") or ""
        rank = hit.pop("rank")
        hits.append(hit | {"snippet": snippet(text, found.words), "rank": float(rank)})
    return hits


def snippet(text: str, words: Sequence[str]) -> str:
    """About 90 characters of ``text`` around the first word found, words in [ ].

    >>> snippet("日本の漁業は資源の回復を目指す。", ["漁業"])
    '日本の[漁業]は資源の回復を目指す。'

    A text holding none of the words (a title-only hit) gives its beginning.
    """
    folded = fold(text)
    starts = [i for i in (folded.find(word) for word in words if word) if i >= 0]
    first = min(starts, default=0)
    start = max(0, first - _CONTEXT) if starts else 0
    end = min(len(text), start + _SNIPPET_LENGTH)
    marked = _mark(text[start:end], folded[start:end], words)
    return ("…" if start else "") + marked + ("…" if end < len(text) else "")


def fold(text: str) -> str:
    """``text`` with ASCII letters in lower case, as SQLite's lower() leaves it."""
    return text.translate(_ASCII_LOWER)


def _mark(shown: str, folded: str, words: Sequence[str]) -> str:
    # Longest words first, so that 漁業 inside 漁業法 is not marked twice.
    spans: list[tuple[int, int]] = []
    for word in sorted({w for w in words if w}, key=len, reverse=True):
        i = folded.find(word)
        while i >= 0:
            if all(i >= e or i + len(word) <= s for s, e in spans):
                spans.append((i, i + len(word)))
            i = folded.find(word, i + len(word))
    out, last = [], 0
    for s, e in sorted(spans):
        out += [shown[last:s], "[", shown[s:e], "]"]
        last = e
    return "".join(out) + shown[last:]


def _score(words: Sequence[str], title_only: bool) -> tuple[str, list[Any]]:
    # Occurrences of a word: how much shorter the text is with it removed.
    # coalesce keeps a NULL title or text from making the whole rank NULL.
    def occurrences(column: str) -> str:
        return (
            f"coalesce((length(lower({column})) - length(replace(lower({column}), ?, '')))"
            " / length(?), 0)"
        )

    terms, params = [], []
    for word in dict.fromkeys(words):
        terms.append(f"{TITLE_WEIGHT} * {occurrences('a.title')}")
        params += [word, word]
        if not title_only:
            terms.append(occurrences("a.text"))
            params += [word, word]
    return f"-({' + '.join(terms) or '0'})", params


class _Parser:
    """Recursive descent over FTS5's precedence: NOT binds tighter than AND, AND than OR."""

    def __init__(self, tokens: list[tuple[str, str]], title_only: bool) -> None:
        self.tokens = tokens
        self.position = 0
        self.columns = ("a.title",) if title_only else ("a.title", "a.text")

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expression(self) -> Condition:
        return self._joined(self.conjunction, "OR")

    def conjunction(self) -> Condition:
        parts, implicit = [self.negation()], [False]
        while (token := self.peek()) is not None and token[0] in ("word", "empty", "(", "AND"):
            if token[0] == "AND":
                self.take()
            implicit.append(token[0] != "AND")
            parts.append(self.negation())
        # As FTS5 does: "" is left out of an implicit AND (人权 ""), and joined by AND
        # it matches nothing (人权 AND "").
        kept = [
            part
            for i, part in enumerate(parts)
            if not (part.empty and (implicit[i] or implicit[i + 1 : i + 2] == [True]))
        ]
        return _join(kept or parts[:1], "AND")

    def negation(self) -> Condition:
        result = self.primary()
        while (token := self.peek()) is not None and token[0] == "NOT":
            self.take()
            excluded = self.primary()
            result = Condition(
                f"({result.sql} AND NOT {excluded.sql})",
                result.params + excluded.params,
                result.words,  # an excluded word is never in a hit's snippet
            )
        return result

    def primary(self) -> Condition:
        kind, value = self.take()
        if kind == "(":
            inner = self.expression()
            self.take()  # ")": FTS5 has checked the brackets balance
            return inner
        if kind == "empty":
            return Condition("0", empty=True)
        if kind != "word":
            raise BadQuery(f"invalid search query near {value!r}; hint: {_UNSUPPORTED_HINT}")
        tests = " OR ".join(f"instr(lower({column}), ?) > 0" for column in self.columns)
        return Condition(f"({tests})", [value] * len(self.columns), [value])

    def _joined(self, part: Any, operator: str) -> Condition:
        parts = [part()]
        while (token := self.peek()) is not None and token[0] == operator:
            self.take()
            parts.append(part())
        return _join(parts, operator)


def _join(parts: list[Condition], operator: str) -> Condition:
    if len(parts) == 1:
        return parts[0]
    return Condition(
        "(" + f" {operator} ".join(p.sql for p in parts) + ")",
        [param for p in parts for param in p.params],
        [word for p in parts for word in p.words],
    )


def _tokens(query: str) -> list[tuple[str, str]]:
    # Words and phrases as ("word", folded text); operators and brackets as themselves.
    tokens: list[tuple[str, str]] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace() or char == "*":  # prefix*: a substring is already a prefix
            i += 1
        elif char in "()":
            tokens.append((char, char))
            i += 1
        elif char == '"':
            end = i + 1
            while end < n and not (query[end] == '"' and query[end + 1 : end + 2] != '"'):
                end += 2 if query[end] == '"' else 1
            phrase = query[i + 1 : end].replace('""', '"').strip()
            tokens.append(("word", fold(phrase)) if phrase else ("empty", ""))
            i = end + 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in '()"*':
                i += 1
            word = query[start:i]
            if word in ("AND", "OR", "NOT"):
                tokens.append((word, word))
            elif word == "NEAR" or any(mark in word for mark in ":^+{}"):
                raise _unsupported(query, ("word", word))
            else:
                tokens.append(("word", fold(word)))
    return tokens


def _unsupported(query: str, token: tuple[str, str]) -> BadQuery:
    shown = query if len(query) <= 80 else query[:80] + "…"
    return BadQuery(
        f"invalid search query {shown!r}: {token[1]!r} is not supported here; "
        f"hint: {_UNSUPPORTED_HINT}"
    )
