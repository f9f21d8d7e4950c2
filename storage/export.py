"""Write archive articles to JSON Lines or CSV, streaming, byte-for-byte reproducible.

    >>> with open("ec.jsonl", "w", encoding="utf-8", newline="") as fp:  # doctest: +SKIP
    ...     export(archive, fp, "jsonl", source="ec", since="2024-01-01")
    120

Open CSV targets with ``newline=""`` (as the csv module asks) so that rows
end in \\r\\n on every platform.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TextIO

from .errors import ArchiveError
from .records import ARTICLE_FIELDS, JSON_FIELDS

if TYPE_CHECKING:
    from .archive import Archive

# Every article column, in table order; also the CSV header.
FIELDS: tuple[str, ...] = ARTICLE_FIELDS


def export(archive: Archive, fp: TextIO, fmt: str, **filters: Any) -> int:
    """Write the articles matching ``filters`` to ``fp`` as ``fmt``; return the row count.

        >>> export(archive, sys.stdout, "csv", tag="trade", limit=10)  # doctest: +SKIP

    ``filters`` are the keyword arguments of Archive.articles(). fmt is 'jsonl'
    or 'csv'. Rows stream from the database, so memory use does not grow with
    the archive.
    """
    writers: dict[str, Callable[[TextIO, Iterable[dict[str, Any]]], int]] = {
        "jsonl": _write_jsonl,
        "csv": _write_csv,
    }
    if fmt not in writers:
        raise ArchiveError(f"unknown export format {fmt!r}; expected one of: {', '.join(writers)}")
    return writers[fmt](fp, archive.articles(**filters))


def _write_jsonl(fp: TextIO, articles: Iterable[dict[str, Any]]) -> int:
    count = 0
    for article in articles:
        record = {field: article[field] for field in FIELDS}
        # sort_keys=False keeps FIELDS order; nested translations were already
        # stored with sorted keys, so the line is stable either way.
        fp.write(json.dumps(record, ensure_ascii=False) + "\n")
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
    if value is None:
        return ""
    if field in JSON_FIELDS:
        return json.dumps(value, ensure_ascii=False)
    return value
