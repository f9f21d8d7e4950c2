"""Tests for storage.export against real SQLite archives in tmp_path (no mocks)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import Archive, ArchiveError, export
from storage.export import FIELDS

# -- shared fixtures and helpers ----------------------------------------------


class Clock:
    """Deterministic clock: each call returns one second later than the last."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 27, 21, 3, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


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
