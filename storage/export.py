"""Write archive articles to JSON Lines, CSV or Parquet, streaming, byte-for-byte reproducible.

    >>> with open("ec.jsonl", "w", encoding="utf-8", newline="") as fp:  # doctest: +SKIP
    ...     export(archive, fp, "jsonl", source="ec", since="2024-01-01")
    120

Parquet (storage/parquet.py) is written to a binary file, or to the binary
buffer behind a text one such as sys.stdout.

Open CSV targets with ``newline=""`` (as the csv module asks) so that rows
end in \\r\\n on every platform.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from json.encoder import encode_basestring
from typing import IO, TYPE_CHECKING, Any, TextIO

from article.fields import EXPORTED

from .errors import ArchiveError, BadInput
from .parquet import write_parquet
from .provenance import parquet_metadata
from .records import ARTICLE_FIELDS, JSON_FIELDS

if TYPE_CHECKING:
    from .archive import Archive
    from .minhash import NearDuplicates

FORMATS = ("jsonl", "csv", "parquet")
_PROGRESS_EVERY = 500

# Every exported article column (article/fields.py), in table order; also the CSV header.
FIELDS: tuple[str, ...] = tuple(field for field in ARTICLE_FIELDS if field in EXPORTED)
# Rows are joined and written this many at a time (about 1 MB of JSONL).
_CHUNK_ROWS = 100


def _json_piece(field: str) -> str:
    """SQL giving column ``field`` of alias ``a`` as json.dumps(ensure_ascii=False) writes it.

    JSON columns hold the stored JSON text (records.dump_json, what decoding and
    re-encoding would give) and are written as they are. Other columns: an int
    comes back as an int and a float as a float, which ``%s`` writes as json
    does (both use repr); infinities become json's Infinity; text and NULL
    are quoted by SQLite's json_quote(), which escapes exactly like json
    (checked at each export by _sqlite_quotes_like_json()). A BLOB, which json
    cannot write either, makes json_quote() fail.
    """
    column = f"a.{field}"
    if field in JSON_FIELDS:
        return f"coalesce({column}, 'null')"
    return (
        f"CASE typeof({column}) WHEN 'integer' THEN {column}"
        f" WHEN 'real' THEN CASE {column} WHEN 9e999 THEN 'Infinity'"
        f" WHEN -9e999 THEN '-Infinity' ELSE {column} END"
        f" ELSE json_quote({column}) END"
    )


# One JSONL line is _JSONL_LINE % (the row of _JSONL_SELECT): json.dumps's layout
# (", " and ": " separators, keys in FIELDS order), filled with SQLite's pieces.
_JSONL_SELECT = ", ".join(_json_piece(field) for field in FIELDS)
_JSONL_LINE = "{" + ", ".join(f'"{field}": %s' for field in FIELDS) + "}\n"
# Every character below 0x80 (the ones json escapes, and the ones it leaves),
# and non-ASCII that a JSON writer might be tempted to escape.
_QUOTE_PROBE = "".join(map(chr, range(0x80))) + "é’—€\u00a0\u0085\u2028\u2029\ufeff\U0001f600"
_ARTICLE_SELECT = ", ".join(f"a.{field}" for field in FIELDS)


def export(
    archive: Archive,
    fp: IO[Any],
    fmt: str,
    *,
    dedupe: NearDuplicates | None = None,
    progress: Callable[[int], None] | None = None,
    **filters: Any,
) -> int:
    """Write the articles matching ``filters`` to ``fp`` as ``fmt``; return the row count.

        >>> export(archive, sys.stdout, "csv", tag="trade", limit=10)  # doctest: +SKIP

    ``filters`` are the keyword arguments of Archive.articles() (query too).
    fmt is 'jsonl', 'csv' or 'parquet'. Rows stream from the database, so
    memory use does not grow with the archive. ``dedupe`` drops near
    duplicates (its ``dropped`` says how many); ``progress(n)`` is called as
    rows are written.
    """
    writers: dict[str, Callable[[TextIO, Iterable[dict[str, Any]]], int]] = {
        "jsonl": _write_jsonl,
        "csv": _write_csv,
    }
    if fmt not in FORMATS:
        raise ArchiveError(f"unknown export format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if dedupe is None and fmt == "csv":
        # Tuples straight from the cursor: csv writes None as an empty cell.
        rows = archive.article_rows(_ARTICLE_SELECT, **filters)
        return _write_csv_rows(fp, rows, progress)
    if dedupe is None and fmt == "jsonl" and _sqlite_quotes_like_json(archive):
        # SQLite quotes every value (its json_quote() escapes the texts several
        # times faster than json's encoder) and each line is a %-format of the row.
        rows = archive.article_rows(_JSONL_SELECT, **filters)
        return _write_lines(fp, (_JSONL_LINE % row for row in rows), progress)
    # JSONL and CSV write the JSON columns as stored: no decoding needed.
    articles: Iterable[dict[str, Any]] = archive.articles(decode=fmt == "parquet", **filters)
    if dedupe is not None:
        articles = dedupe.filter(articles)
    if fmt == "parquet":
        if hasattr(fp, "buffer"):
            fp.flush()
            fp = fp.buffer
        about = parquet_metadata(archive.path.name, filters, dedupe)
        return write_parquet(fp, articles, progress=progress, metadata=about)
    if progress is not None:
        articles = _reporting(articles, progress)
    return writers[fmt](fp, articles)


def _reporting(
    articles: Iterable[dict[str, Any]], progress: Callable[[int], None]
) -> Iterable[dict[str, Any]]:
    pending = 0
    for article in articles:
        yield article
        pending += 1
        if pending == _PROGRESS_EVERY:
            progress(pending)
            pending = 0
    if pending:
        progress(pending)


def _sqlite_quotes_like_json(archive: Archive) -> bool:
    """Whether this SQLite's json_quote() escapes text exactly as json.dumps does.

    SQLite 3.40 does: \\" \\\\ \\b \\f \\n \\r \\t, other control characters as
    lowercase \\u00xx, everything else as is, the same rule as json's. A build
    without JSON functions, or one that escapes differently, gets the dict
    path, which is slower and writes the same bytes.
    """
    try:
        row = archive.db.execute("SELECT json_quote(?)", [_QUOTE_PROBE]).fetchone()
    except sqlite3.Error:
        return False
    return bool(row[0] == encode_basestring(_QUOTE_PROBE))


def _write_lines(fp: TextIO, lines: Iterable[str], progress: Callable[[int], None] | None) -> int:
    """Write ``lines`` _CHUNK_ROWS at a time; report every _PROGRESS_EVERY rows."""
    count = pending = 0
    iterator = iter(lines)
    while chunk := list(islice(iterator, _CHUNK_ROWS)):
        fp.write("".join(chunk))
        count += len(chunk)
        pending += len(chunk)
        if progress is not None and pending >= _PROGRESS_EVERY:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)
    return count


def _write_csv_rows(
    fp: TextIO, rows: Iterator[tuple[Any, ...]], progress: Callable[[int], None] | None
) -> int:
    writer = csv.writer(fp)
    writer.writerow(FIELDS)
    count = 0
    while chunk := list(islice(rows, _PROGRESS_EVERY)):
        writer.writerows(chunk)
        count += len(chunk)
        if progress is not None:
            progress(len(chunk))
    return count


def _write_jsonl(fp: TextIO, articles: Iterable[dict[str, Any]]) -> int:
    """Write rows whose JSON columns are still the stored text (articles(decode=False)).

    Each JSON column is encoded as the placeholder 0 and the stored text is put
    in its place. The archive stores JSON one way (records.dump_json: json's
    default separators, ensure_ascii=False, sorted keys), so the line is byte
    for byte what decoding and re-encoding would write, at about two thirds
    of the cost (bench/query.py). Outside the JSON columns ``"tags": 0``
    cannot occur: a quote inside a string value is written as \\".
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    count = 0
    for article in articles:
        # A row of articles() holds FIELDS, in order (sort_keys=False keeps it),
        # and is ours to change.
        record = article
        stored = {field: record[field] for field in JSON_FIELDS if record[field] is not None}
        for field in stored:
            record[field] = 0
        line = encode(record)
        # Last column first: everything before the key being replaced is still
        # json's own escaped output or a placeholder, so the first match is the key.
        for field, text in reversed(stored.items()):
            line = line.replace(f'"{field}": 0', f'"{field}": {text}', 1)
        fp.write(line + "\n")
        count += 1
    return count


def _write_csv(fp: TextIO, articles: Iterable[dict[str, Any]]) -> int:
    writer = csv.writer(fp)
    writer.writerow(FIELDS)
    count = 0
    for article in articles:
        writer.writerow(_csv_cell(field, article[field]) for field in FIELDS)
        count += 1
    return count


def _csv_cell(field: str, value: Any) -> Any:
    # JSON columns arrive as their stored JSON text, which is what the cell holds.
    return "" if value is None else value


# One row per version of a release: the current one and every superseded one.
REVISION_FIELDS: tuple[str, ...] = (
    "url",
    "source",
    "version",
    "current",
    "title",
    "description",
    "authors",
    "date_published",
    "date_modified",
    "text",
    "text_hash",
    "first_fetched",
    "last_fetched",
    "superseded_at",
)


def export_revisions(archive: Archive, fp: TextIO, fmt: str, *, source: str | None = None) -> int:
    """Write every version of every release (``--all-revisions``); return the row count.

        >>> export_revisions(archive, sys.stdout, "jsonl", source="hrw")  # doctest: +SKIP

    Releases in archive order, each one's versions oldest first; the last is current.
    """
    if fmt not in ("jsonl", "csv"):
        raise BadInput(f"all revisions are written as jsonl or csv, not {fmt!r}")
    rows = (
        {field: version.get(field) for field in REVISION_FIELDS}
        | {"source": article["source"], "url": article["url"]}
        for article in archive.articles(source=source, order="id")
        for version in archive.history(article["url"])
    )
    count = 0
    if fmt == "jsonl":
        for row in rows:
            fp.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
        return count
    writer = csv.writer(fp)
    writer.writerow(REVISION_FIELDS)
    for row in rows:
        writer.writerow(
            json.dumps(row[f], ensure_ascii=False) if isinstance(row[f], list) else row[f]
            for f in REVISION_FIELDS
        )
        count += 1
    return count
