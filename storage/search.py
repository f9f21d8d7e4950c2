"""Ranked full-text search: bm25 with the title weighted above the body, and snippets.

    >>> hits = ranked(archive.db.conn, "detention", fields=("id", "title"))  # doctest: +SKIP
    >>> hits[0]["snippet"]  # doctest: +SKIP
    '… held in [detention] for …'

Snippets are the expensive part: computing one for every match and keeping
twenty doubled the cost of a common word. So only the hits shown get one:

- without filters, FTS5 ranks by itself (``rank MATCH 'bm25(10.0, 1.0)'``
  with ``ORDER BY rank``): it sorts the matches by rank and returns rows in
  that order, so LIMIT stops the query after ``limit`` snippets;
- with filters (source, dates, language, tag, which need ``articles``
  columns), a first query ranks the matching rows that pass them and keeps the
  best ``limit`` ids and their ranks, and a second fetches columns and
  snippets for those ids (without calling bm25() again, see ranked()).

Both give the same order: bm25, then id (FTS5 returns equal ranks in rowid
order; tests/test_search.py checks both paths against one plain ORDER BY).
bench/query.py times both against sqlite-utils' ``Table.search``.

Every user value (the query, filter values, the limit) is a bound parameter;
the SQL text is built only from the fixed fragments in this module and in
``filters.where_clause()``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from . import fts, spellings, unspaced

T = TypeVar("T")

# The article columns of a search hit; each hit also has a snippet and its rank.
HIT_FIELDS: tuple[str, ...] = (
    "id",
    "url",
    "canonical_url",
    "source",
    "title",
    "description",
    "date_published",
    "language",
    "word_count",
)
HIT_COLUMNS: tuple[str, ...] = (*HIT_FIELDS, "snippet", "rank")
# Title hits weigh ten times body hits. bm25() is negative: lower ranks first.
TITLE_WEIGHT = 10.0
_BM25 = f"bm25(articles_fts, {TITLE_WEIGHT}, 1.0)"
_RANK = f"bm25({TITLE_WEIGHT}, 1.0)"  # the same, as FTS5's per-query rank function
# Text column (1), [ ] around hits, about 20 tokens of context.
_SNIPPET = "snippet(articles_fts, 1, '[', ']', '…', 20)"
# Ids fetched per statement in the second step, well under SQLite's variable limit.
_CHUNK = 500


def match_target(title_only: bool) -> str:
    """The left-hand side of MATCH: the whole index, or only its title column.

    >>> match_target(True)
    'articles_fts.title'

    FTS5 restricts the entire query to a column named on the left of MATCH,
    which, unlike rewriting the query as ``title : (...)``, cannot break the
    quoting fallback in ``fts.match()``.
    """
    return "articles_fts.title" if title_only else "articles_fts"


def ranked(
    conn: sqlite3.Connection,
    query: str,
    *,
    fields: Sequence[str] = HIT_FIELDS,
    where: str = "",
    params: Sequence[Any] = (),
    limit: int = 20,
    title_only: bool = False,
    notes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Return the best ``limit`` matches as dicts of ``fields`` (of alias ``a``) + snippet, rank.

    ``where``/``params`` come from ``filters.where_clause()``. Raises BadQuery
    (one line, with a hint) when ``query`` is not valid FTS5 syntax, even after
    quoting its barewords. Each word is searched in every spelling the index
    holds (storage/spellings.py: Αθήνα and ΑΘΗΝΑ, ещё and еще, Łódź and lodz);
    ``notes`` gets a line when a bound on them is reached. A query in Chinese,
    Japanese, Korean or Thai is matched as substrings instead
    (storage/unspaced.py): unicode61 keeps an unspaced sentence as one token, so
    a word inside it would never match.
    """
    if unspaced.applies(query):
        checked = resolve(conn, query, title_only=title_only)
        return unspaced.ranked(
            conn,
            checked,
            fields=fields,
            where=where,
            params=params,
            limit=limit,
            title_only=title_only,
        )
    target = match_target(title_only)
    columns = ", ".join(f"a.{field}" for field in fields)
    if not where:
        sql = (
            f"SELECT {columns}, {_SNIPPET} AS snippet, articles_fts.rank AS rank"
            " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
            f" WHERE {target} MATCH ? AND articles_fts.rank MATCH '{_RANK}'"
            " ORDER BY articles_fts.rank LIMIT ?"
        )

        def run_ranked_by_fts5(q: str) -> list[dict[str, Any]]:
            cursor = conn.execute(sql, [q, limit])
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]

        return fts.match(query, with_spellings(conn, run_ranked_by_fts5, notes))

    first = (
        f"SELECT a.id, {_BM25} AS score"
        " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
        f" WHERE {target} MATCH ? AND {where} ORDER BY score, a.id LIMIT ?"
    )

    def run(q: str) -> list[dict[str, Any]]:
        ranks = dict(conn.execute(first, [q, *params, limit]).fetchall())
        ids = sorted(ranks)
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            # No bm25() here: its first call in a statement counts the rows
            # holding each phrase of the query, which for a common word costs
            # as much as the whole first step; the rank is the first step's.
            # The ids are one rowid range for FTS5 to walk once (a bare rowid
            # IN gives it one lookup per id, each re-reading the query's
            # doclists: 11 ms against 2 ms for "journalist*" in 20,000
            # releases); the unary + keeps IN out of FTS5, for SQLite to test.
            cursor = conn.execute(
                f"SELECT {columns}, {_SNIPPET} AS snippet, a.id AS _id"
                " FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid"
                f" WHERE {target} MATCH ? AND articles_fts.rowid BETWEEN ? AND ?"
                f" AND +articles_fts.rowid IN ({marks})",
                [q, chunk[0], chunk[-1], *chunk],
            )
            names = [column[0] for column in cursor.description]
            for row in cursor:
                record = dict(zip(names, row, strict=True))
                found[record.pop("_id")] = record
        # The first step's order (that of ranks) is the ranking.
        return [found[i] | {"rank": rank} for i, rank in ranks.items() if i in found]

    return fts.match(query, with_spellings(conn, run, notes))


def with_spellings(
    conn: sqlite3.Connection, run: Callable[[str], T], notes: list[str] | None = None
) -> Callable[[str], T]:
    """``run`` given each query with its words in all their spellings (spellings.expand()).

    A rewritten query FTS5 rejects is run as typed, for FTS5's error about the
    query the user wrote (or, should the rewrite be at fault, its hits and a note).
    """

    def run_expanded(query: str) -> T:
        # Notes only from the form that ran: fts.match() may try a second (quoted) one.
        said: list[str] = []
        expanded = spellings.expand(conn, query, said)
        if expanded == query:
            found = run(query)
        else:
            try:
                found = run(expanded)
            except sqlite3.OperationalError as exc:
                if not fts.is_query_error(exc):
                    raise
                found = run(query)
                said = [f"searched {query!r} as typed: its other spellings could not be added"]
        if notes is not None:
            notes.extend(note for note in said if note not in notes)
        return found

    return run_expanded


def resolve(
    conn: sqlite3.Connection,
    query: str,
    *,
    title_only: bool = False,
    notes: list[str] | None = None,
) -> str:
    """Return ``query`` as FTS5 will accept it (as typed, else barewords quoted), with
    each word in all its spellings (see ranked()).

        >>> resolve(archive.db.conn, "human-rights")  # doctest: +SKIP
        '"human-rights"'

    Checked eagerly, so that articles(query=...) fails at the call, like a bad
    date, rather than at the first row.
    """
    probe = f"SELECT 1 FROM articles_fts WHERE {match_target(title_only)} MATCH ? LIMIT 1"

    def run(q: str) -> str:
        conn.execute(probe, [q]).fetchall()
        return q

    if unspaced.applies(query):
        return fts.match(query, run, syntax_hint=unspaced.SYNTAX_HINT)
    return fts.match(query, with_spellings(conn, run, notes))


def filter_clause(title_only: bool = False) -> str:
    """SQL restricting alias ``a`` to rows matching one bound query (see resolve()).

    >>> filter_clause()
    'a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)'

    SQLite looks the matching rows up by id and sorts them; its sorter spills
    to temporary files past a few MB, so memory stays flat. For a query
    matching 1% of 100,000 releases that is ~8x faster than walking the date
    index and testing every row (a unary ``+`` on ``a.id`` forces that plan).
    """
    return f"a.id IN (SELECT rowid FROM articles_fts WHERE {match_target(title_only)} MATCH ?)"
