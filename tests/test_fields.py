"""The article's field table (article/fields.py) is the one list: everything else agrees with it."""

from __future__ import annotations

import sqlite3

import pytest

from article import fields
from storage import Archive
from storage.export import FIELDS as EXPORT_FIELDS
from storage.fields import DESCRIPTIONS
from storage.records import ARTICLE_FIELDS, CONTENT_FIELDS, JSON_FIELDS, prepare_article


def test_every_stored_field_is_a_column_of_a_migrated_archive(tmp_path):
    with Archive(tmp_path / "a.db"):
        pass
    conn = sqlite3.connect(tmp_path / "a.db")
    columns = {row[1] for row in conn.execute("PRAGMA table_info(articles)")}
    conn.close()
    stored = {f.name for f in fields.FIELDS if f.stored}
    assert stored == columns, "a field without a migration, or a column without a field"


def test_storage_lists_come_from_the_table():
    assert tuple(f.name for f in fields.FIELDS if f.stored) == ARTICLE_FIELDS
    assert tuple(f.name for f in fields.FIELDS if f.stored and f.exported) == EXPORT_FIELDS
    assert set(JSON_FIELDS) == {f.name for f in fields.FIELDS if f.json}
    assert all(DESCRIPTIONS[f.name] == f.description for f in fields.FIELDS)
    assert all(DESCRIPTIONS[name] for name in ARTICLE_FIELDS)


def test_parquet_schema_follows_the_table():
    pytest.importorskip("pyarrow")
    from storage.parquet import arrow_type, schema

    arrow = schema()
    for field in fields.FIELDS:
        column = arrow.field(field.name)
        assert column.type == arrow_type(field.parquet), field.name
        assert column.metadata[b"description"].decode() == field.description


def test_stored_row_merges_extraction_and_crawl_in_table_order():
    row = fields.stored_row(
        {"url": "https://x.org/a?utm=1", "title": "T", "text": "One two"},
        {"url": "https://x.org/a", "source": "x", "etag": '"e"'},
    )
    assert tuple(row) == CONTENT_FIELDS
    assert row["url"] == "https://x.org/a" and row["etag"] == '"e"' and row["markdown"] is None
    assert prepare_article(row)["word_count"] == 2


def test_stored_row_keeps_an_unknown_name_for_the_archive_to_refuse():
    row = fields.stored_row({"text": "x", "colour": "red"}, {"url": "u", "source": "s"})
    with pytest.raises(Exception, match="colour"):
        prepare_article(row)


def test_extraction_sets_the_fields_the_table_gives_it():
    from extraction.extract import analyse
    from extraction.rules import Rules
    from fixtures.demo.site import PDF_BYTES

    page = (
        "<html><head><title>Budget passed</title></head><body><article><h1>Budget passed</h1>"
        "<p>" + "The council approved the budget after a long debate. " * 8 + "</p>"
        "</article></body></html>"
    )
    html = analyse(page, "https://x.org/a", Rules(), release=True).article
    pdf = analyse(PDF_BYTES, "https://x.org/a.pdf", Rules(), release=True).article
    assert html and pdf
    # The page's URL, and the table's fields the page gives but text_hash, the
    # archive's to compute from the text; a PDF's links are not read.
    table = {"url"} | {f.name for f in fields.COLUMNS if f.owner == "extraction"}
    assert set(html) == table - {"text_hash"}
    assert set(pdf) == table - {"text_hash", "links"}


def test_an_article_field_missing_from_the_table_is_refused():
    from extraction.results import check_article

    check_article({"url": "u", "title": "T", "links": []})
    with pytest.raises(ValueError, match="colour"):
        check_article({"title": "T", "colour": "red"})
