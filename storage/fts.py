"""Run FTS5 MATCH queries so that plain words just work and bad syntax reads well.

    >>> quote_barewords("human-rights AND eu-china")
    '"human-rights" AND "eu-china"'
    >>> quote_barewords('"unterminated')
    '"unterminated'

FTS5 reads ``human-rights`` as a column filter and ``C++`` as a syntax error,
but people type both into a search box. ``match()`` tries the query as written
(so real FTS5 syntax keeps working) and only if that fails to parse retries it
with each bareword quoted; it raises BadQuery only when both fail.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from .errors import BadQuery

T = TypeVar("T")

OPERATORS = frozenset({"AND", "OR", "NOT"})
_MAX_QUERY_IN_MESSAGE = 80


def match(query: str, run: Callable[[str], T], *, syntax_hint: str | None = None) -> T:
    """Return ``run(query)``, retrying with quoted barewords if FTS5 rejects the syntax.

        >>> match("C++", lambda q: q)  # run() is normally an SQL MATCH
        'C++'

    Raises BadQuery (one line, with a hint) when neither form parses;
    ``syntax_hint`` replaces the hint for a syntax error (see bad_query).
    """
    if not query.strip():
        raise BadQuery("empty search query; hint: give at least one word")
    try:
        return run(query)
    except sqlite3.OperationalError as exc:
        if not is_query_error(exc):
            raise
        first_error = exc
    quoted = quote_barewords(query)
    if not quoted:
        raise BadQuery(
            f"invalid search query {shown(query)}: no words to search for; "
            "hint: give at least one word or number"
        )
    if quoted != query:
        try:
            return run(quoted)
        except sqlite3.OperationalError as exc:
            if not is_query_error(exc):
                raise
    # Report the error of the query the user actually typed, not of our rewrite.
    raise bad_query(query, first_error, syntax_hint=syntax_hint)


def quote_barewords(query: str) -> str:
    """Quote every bareword of ``query``, keeping phrases, operators and brackets.

        >>> quote_barewords("C++ (beta OR rc*) -")
        '"C++" ( "beta" OR "rc" * )'

    Words with no letters or digits are dropped (they hold no searchable token);
    an unterminated quote is kept as typed so that it still fails, loudly.
    """
    parts: list[str] = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
        elif char in "()":
            parts.append(char)
            i += 1
        elif char == '"':
            end = closing_quote(query, i)
            if end is None:
                parts.append(query[i:])
                break
            parts.append(query[i : end + 1])
            i = end + 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in '()"':
                i += 1
            parts.extend(_quote_word(query[start:i]))
    return " ".join(parts)


def is_query_error(exc: sqlite3.OperationalError) -> bool:
    """True when SQLite rejected the text of a MATCH query rather than the SQL around it.

    >>> is_query_error(sqlite3.OperationalError("fts5: syntax error near \\"AND\\""))
    True
    """
    message = str(exc)
    # FTS5's parser words a few errors without its "fts5:" prefix; "expected
    # integer" is a NEAR(...) distance that is not a number.
    return message.startswith(
        ("fts5:", "no such column", "unknown special query", "expected integer")
    ) or (message == "unterminated string")


def bad_query(
    query: str, exc: sqlite3.OperationalError, *, syntax_hint: str | None = None
) -> BadQuery:
    """Build the one-line BadQuery for ``query`` from SQLite's error.

    ``syntax_hint``, when given, is the hint for a plain syntax error: a query
    matched as substrings (storage/unspaced.py) has its own.

    >>> str(bad_query("foo AND", sqlite3.OperationalError('fts5: syntax error near ""')))
    "invalid search query 'foo AND': fts5: syntax error at end of query; hint: put phrases \
in double quotes, and use AND, OR, NOT only between words"
    """
    reason = str(exc).replace('near ""', "at end of query")
    if reason == "unterminated string":
        hint = "close the double quote, or remove it"
    elif reason.startswith("expected integer"):
        hint = "NEAR's distance is a whole number, as in NEAR(police courts, 10)"
    elif reason.startswith("no such column"):
        hint = "only title: and text: may prefix a word; put words containing ':' in double quotes"
    else:
        hint = (
            syntax_hint or "put phrases in double quotes, and use AND, OR, NOT only between words"
        )
    return BadQuery(f"invalid search query {shown(query)}: {reason}; hint: {hint}")


def shown(query: str, limit: int = _MAX_QUERY_IN_MESSAGE) -> str:
    """``query`` as a message quotes it: repr() keeps it on one line; a long paste is cut.

    >>> shown("αθηνα " * 3, limit=8)
    "'αθηνα αθ…'"
    """
    if len(query) > limit:
        query = query[:limit] + "…"
    return repr(query)


def closing_quote(query: str, start: int) -> int | None:
    """The index of the quote closing the string opened at ``start``, or None.

    Inside an FTS5 string a doubled quote ("") is an escaped quote.
    """
    i = start + 1
    while i < len(query):
        if query[i] == '"':
            if i + 1 < len(query) and query[i + 1] == '"':
                i += 2
                continue
            return i
        i += 1
    return None


def _quote_word(word: str) -> list[str]:
    if word in OPERATORS:
        return [word]
    prefix = word.endswith("*")
    stem = word.rstrip("*")
    if not any(char.isalnum() for char in stem):
        return []
    # The scan in quote_barewords() stops at '"', so stem never contains one.
    quoted = f'"{stem}"'
    # A trailing * stays a prefix query: FTS5 accepts "phrase" * as well.
    return [quoted, "*"] if prefix else [quoted]
