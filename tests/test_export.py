"""Tests for storage.export against real SQLite archives in tmp_path (no mocks)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import Clock

from storage import Archive, ArchiveError, export
from storage.errors import ArchiveCorrupt
from storage.export import FIELDS

# -- shared fixtures and helpers ----------------------------------------------


ARTICLES: list[dict[str, Any]] = [
    {
        "url": "https://ec.example/ip_24_2",
        "source": "ec",
        "title": "Règlement sur l'IA",
        "text": 'Line one, with "quotes".\nLine two — ünïcode.',
        "date_published": "2024-03-02",
        "language": "fr",
        "authors": ["Anne Müller", "Bo"],
        "tags": ["ai", "eu"],
        "translations": {
            "en": "https://ec.example/en/ip_24_2",
            "de": "https://ec.example/de/ip_24_2",
        },
    },
    {
        "url": "https://ec.example/ip_24_1",
        "source": "ec",
        "title": "Trade figures",
        "text": "Exports rose.",
        "date_published": "2024-01-05T10:00:00+01:00",
        "language": "en",
        "tags": ["trade"],
    },
    {
        "url": "https://un.example/sg_1",
        "source": "un",
        "title": "Statement",
        "text": "Peace, please.",
        "date_published": "2024-02-01",
        "language": "en",
    },
]


def build_archive(path: Path) -> Archive:
    archive = Archive(path, clock=Clock())
    run = archive.start_run("ec", {})
    archive.save_articles(ARTICLES, run)
    return archive


@pytest.fixture
def fresh_archive(tmp_path: Path) -> Iterator[Archive]:
    with build_archive(tmp_path / "press.db") as archive:
        yield archive


def export_text(archive: Archive, fmt: str, **filters: Any) -> tuple[int, str]:
    buffer = io.StringIO(newline="")
    count = export(archive, buffer, fmt, **filters)
    return count, buffer.getvalue()


# -- JSON Lines ---------------------------------------------------------------


def test_jsonl_rows_in_date_order_with_fixed_keys(fresh_archive: Archive) -> None:
    count, text = export_text(fresh_archive, "jsonl")
    lines = text.splitlines()
    assert count == len(lines) == 3
    records = [json.loads(line) for line in lines]
    assert [r["url"] for r in records] == [
        "https://ec.example/ip_24_1",
        "https://un.example/sg_1",
        "https://ec.example/ip_24_2",
    ]
    assert all(list(r) == list(FIELDS) for r in records)
    french = records[2]
    assert french["authors"] == ["Anne Müller", "Bo"]
    assert french["translations"] == {
        "de": "https://ec.example/de/ip_24_2",
        "en": "https://ec.example/en/ip_24_2",
    }
    assert french["text"] == ARTICLES[0]["text"]
    assert records[1]["tags"] is None


def test_jsonl_keeps_unicode_readable(fresh_archive: Archive) -> None:
    _, text = export_text(fresh_archive, "jsonl")
    assert "Règlement" in text and "Anne Müller" in text
    assert "\\u00e8" not in text
    assert text.endswith("\n") and text.count("\n") == 3  # the newline in text is escaped


def test_jsonl_is_byte_identical_across_runs_and_archives(tmp_path: Path) -> None:
    with build_archive(tmp_path / "one.db") as one, build_archive(tmp_path / "two.db") as two:
        first = export_text(one, "jsonl")
        assert export_text(one, "jsonl") == first
        assert export_text(two, "jsonl") == first


# -- CSV ----------------------------------------------------------------------


def test_csv_has_header_and_json_encoded_lists(fresh_archive: Archive) -> None:
    count, text = export_text(fresh_archive, "csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert count == 3
    assert rows[0] == list(FIELDS)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["url"] for r in records][0] == "https://ec.example/ip_24_1"
    french = records[2]
    assert json.loads(french["authors"]) == ["Anne Müller", "Bo"]
    assert json.loads(french["translations"])["en"] == "https://ec.example/en/ip_24_2"
    assert french["text"] == ARTICLES[0]["text"]  # embedded newline and quotes survive
    assert records[1]["tags"] == ""  # NULL becomes an empty cell
    assert records[0]["word_count"] == "2"


def test_csv_is_byte_identical_across_runs_and_archives(tmp_path: Path) -> None:
    with build_archive(tmp_path / "one.db") as one, build_archive(tmp_path / "two.db") as two:
        first = export_text(one, "csv")
        assert export_text(one, "csv") == first
        assert export_text(two, "csv") == first
        assert first[1].startswith("id,url,")


# -- filters and errors -------------------------------------------------------


def test_filters_are_passed_to_articles(fresh_archive: Archive) -> None:
    count, text = export_text(fresh_archive, "jsonl", source="ec", since="2024-02-01")
    assert count == 1
    assert json.loads(text)["url"] == "https://ec.example/ip_24_2"
    count, text = export_text(fresh_archive, "csv", tag="nothing")
    assert count == 0
    assert text == ",".join(FIELDS) + "\r\n"  # header only


def test_export_to_a_real_file(fresh_archive: Archive, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with target.open("w", encoding="utf-8", newline="") as fp:
        assert export(fresh_archive, fp, "jsonl", language="en") == 2
    assert (
        target.read_text(encoding="utf-8") == export_text(fresh_archive, "jsonl", language="en")[1]
    )


def test_unknown_format_is_an_archive_error(fresh_archive: Archive) -> None:
    buffer = io.StringIO()
    with pytest.raises(ArchiveError, match="unknown export format 'xml'"):
        export(fresh_archive, buffer, "xml")
    assert buffer.getvalue() == ""


def test_bad_filter_is_an_archive_error(fresh_archive: Archive) -> None:
    with pytest.raises(ArchiveError, match="2024-13-45"):
        export(fresh_archive, io.StringIO(), "csv", since="2024-13-45")


# -- JSONL and CSV straight from SQLite tuples ------------------------------------------

# Every character json escapes, and many it must not: all of U+0000-U+007F,
# Latin-1 and BMP letters, line/paragraph separators, a BOM, an emoji.
ALL_ASCII = "".join(map(chr, range(0x80)))
AWKWARD = "q\"uo'te \\back\\slash\\ \n\r\t\b\f\x00\x01\x1f\x7f é ’ — € \xa0 \u2028 \u2029 \ufeff 😀"


def awkward_archive(path: Path, *, foreign_json: bool = False) -> Archive:
    archive = Archive(path, clock=Clock())
    archive.save_articles(
        [
            {
                "url": "https://x.example/awkward",
                "source": "x",
                "title": AWKWARD,
                "description": ALL_ASCII,
                "text": AWKWARD + "\n\n" + ALL_ASCII + " 日本語 𝄞",
                "authors": [AWKWARD, "", 'Ann "Quote" Lee'],
                "tags": ['"tags": 0', "\\", "\x00"],
                "translations": {"zh": "https://x.example/中", "de": AWKWARD},
                "date_published": "2024-01-01",
                "markdown": "# Title\n\n* `code` \\*not\\* _em_",
                "word_count": 0,
            },
            # NULLs everywhere they may be, empty lists and an empty dict.
            {"url": "https://x.example/bare", "source": "x", "text": "", "authors": [], "tags": []},
            {"url": "https://x.example/dict", "source": "x", "text": "{}", "translations": {}},
            {"url": "https://x.example/big", "source": "y", "text": "x " * 5000},
        ],
        archive.start_run("x", {}),
    )
    # Values no crawl stores, written behind the archive's back: a REAL and text
    # in INTEGER columns, an infinity, a large int.
    archive.db.conn.executemany(
        "UPDATE articles SET word_count = ?, run_id = ? WHERE url = ?",
        [
            (0.1 + 0.2, 3.5, "https://x.example/bare"),
            ("many", -7, "https://x.example/dict"),
            (float("inf"), 2**62, "https://x.example/big"),
        ],
    )
    if foreign_json:
        # JSON as another writer left it: exports write stored JSON as it is.
        archive.db.conn.executemany(
            "UPDATE articles SET authors = ? WHERE url = ?",
            [("[1,2]", "https://x.example/bare"), ('{"b": 1}', "https://x.example/big")],
        )
    archive.db.conn.commit()
    return archive


def json_dumps_of_every_row(archive: Archive, sql: str) -> str:
    """The reference: each row decoded, then written by json.dumps alone."""
    cursor = archive.db.execute(sql)
    names = [column[0] for column in cursor.description]
    assert names == list(FIELDS)
    lines = []
    for row in cursor:
        record = dict(zip(names, row, strict=True))
        for field in ("authors", "tags", "translations"):
            if record[field] is not None:
                record[field] = json.loads(record[field])
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


def dict_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # As on an SQLite whose json_quote() escaped differently from json.
    monkeypatch.setattr(sys.modules["storage.export"], "_sqlite_quotes_like_json", lambda _: False)


def test_jsonl_is_exactly_json_dumps_of_every_decoded_row(tmp_path: Path) -> None:
    with awkward_archive(tmp_path / "awkward.db") as archive:
        expected = json_dumps_of_every_row(
            archive, f"SELECT {', '.join(FIELDS)} FROM articles ORDER BY date_published, id"
        )
        count, text = export_text(archive, "jsonl")
    assert count == 4 and text == expected
    lines = text.split("\n")[:-1]  # not splitlines(): U+2028 is a line break to it
    assert json.loads(lines[0])["word_count"] == 0.30000000000000004  # repr, as json writes it
    assert '"word_count": Infinity' in text and '"run_id": 3.5' in text
    assert json.loads(lines[-1])["title"] == AWKWARD and "\\u2028" not in text


def test_jsonl_and_csv_are_the_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    variants: list[dict[str, Any]] = [
        {},
        {"order": "-id", "limit": 2},
        {"source": "x", "since": "2024-01-01"},
        {"query": "Quote OR x"},
        {"tag": "\\"},
        {"limit": 0},
    ]
    with awkward_archive(tmp_path / "awkward.db", foreign_json=True) as archive:
        fast = [export_text(archive, fmt, **f) for f in variants for fmt in ("jsonl", "csv")]
        through_dicts = [
            export_through_dicts(archive, fmt, **f) for f in variants for fmt in ("jsonl", "csv")
        ]
        dict_path(monkeypatch)
        fallback = [export_text(archive, "jsonl", **f) for f in variants]
    assert fast == through_dicts
    assert fallback == fast[::2]
    assert [count for count, _ in fast[::2]] == [4, 2, 1, 1, 1, 0]


def export_through_dicts(archive: Archive, fmt: str, **filters: Any) -> tuple[int, str]:
    """The writers export() used before it took tuples, on articles(decode=False)."""
    writers = sys.modules["storage.export"]
    buffer = io.StringIO(newline="")
    write = writers._write_jsonl if fmt == "jsonl" else writers._write_csv
    return write(buffer, archive.articles(decode=False, **filters)), buffer.getvalue()


def test_chunked_writes_report_progress_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers = sys.modules["storage.export"]
    monkeypatch.setattr(writers, "_CHUNK_ROWS", 1)
    monkeypatch.setattr(writers, "_PROGRESS_EVERY", 3)
    with awkward_archive(tmp_path / "awkward.db") as archive:
        for fmt in ("jsonl", "csv"):
            ticks: list[int] = []
            assert export(archive, io.StringIO(), fmt, progress=ticks.append) == 4
            assert ticks == [3, 1]


def test_values_json_cannot_write_fail_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with awkward_archive(tmp_path / "awkward.db") as archive:
        # A BLOB (json has no bytes), then text that is not UTF-8: a lone
        # surrogate, which Python will not even bind, put there by SQL.
        for value in ("x'00ff'", "char(55296)"):
            archive.db.execute(f"UPDATE articles SET title = {value} WHERE url LIKE '%bare'")
            archive.db.conn.commit()
            # Text that is not UTF-8 is named a damaged archive (ArchiveCorrupt).
            with pytest.raises((sqlite3.Error, TypeError, ArchiveCorrupt)):
                export_text(archive, "jsonl")
            with monkeypatch.context() as patch:
                dict_path(patch)
                with pytest.raises((sqlite3.Error, TypeError, ArchiveCorrupt)):
                    export_text(archive, "jsonl")
