"""Tests for storage.Archive against real SQLite files in tmp_path (no mocks)."""

from __future__ import annotations

import ast
import datetime as dt
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import Clock
from sqlite_utils import Database

from storage import (
    Archive,
    ArchiveError,
    ArchiveLocked,
    ArchiveReadOnly,
    BadInput,
    BadQuery,
    NotAnArchive,
)
from storage.captures import pack
from storage.connection import translate
from storage.migrations import migrations

# -- shared fixtures and helpers ----------------------------------------------


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "press.db"


@pytest.fixture
def fresh_archive(db_path: Path) -> Iterator[Archive]:
    with Archive(db_path, clock=Clock()) as archive:
        yield archive


def article(url: str, text: str = "Default body text.", **fields: Any) -> dict[str, Any]:
    return {"url": url, "source": "ec", "title": f"Title of {url}", "text": text, **fields}


def fts_integrity_check(archive: Archive) -> None:
    # Raises sqlite3.DatabaseError if the FTS index is damaged. The plain form
    # checks the index's own structure; with rank = 1 SQLite also compares it
    # against the articles rows, which is what catches a missed trigger.
    archive.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    archive.db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")


def urls(rows: Any) -> list[str]:
    return [row["url"] for row in rows]


def one_line(exc: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(exc.value)
    assert message and "\n" not in message
    return message


# -- dependencies -------------------------------------------------------------


def test_storage_imports_only_stdlib_sqlite_utils_and_zstandard() -> None:
    package = Path(__file__).resolve().parent.parent / "storage"
    # warcio and pyarrow are imported lazily by the WARC and Parquet writers only.
    optional = {"warcio", "pyarrow"}
    # article: the leaf package of the article's text model, below storage (ARCHITECTURE.md).
    allowed = set(sys.stdlib_module_names) | {"sqlite_utils", "zstandard", "__future__", "article"}
    allowed |= optional
    imported: set[str] = set()
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert "sqlite_utils" in imported
    assert imported <= allowed, imported - allowed


def test_importing_storage_does_not_load_scrapy_or_trafilatura() -> None:
    # click is not checked: sqlite-utils itself imports it.
    code = "import sys, storage; print(sorted({'scrapy', 'trafilatura'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# -- opening, migrations, pragmas -----------------------------------------------


def test_migrations_applied_once_and_reopen_is_noop(db_path: Path) -> None:
    Archive(db_path).close()
    first = Archive(db_path)
    applied = first.db.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall()
    schema = first.db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    first.close()

    with Archive(db_path) as again:
        every = [m.name for m in migrations.pending(Database(memory=True))]
        assert [name for name, _ in applied] == every
        assert [name for name, _ in applied][0] == "m001_initial"
        assert (
            again.db.execute("SELECT name, applied_at FROM _sqlite_migrations").fetchall()
            == applied
        )
        assert again.db.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
        assert {"articles", "articles_fts", "runs", "failures", "captures"} <= set(
            again.db.table_names()
        )


def test_writable_open_sets_wal_busy_timeout_and_recursive_triggers(fresh_archive: Archive) -> None:
    db = fresh_archive.db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    assert db.execute("PRAGMA recursive_triggers").fetchone()[0] == 1


def test_articles_has_expected_columns_and_indexes(fresh_archive: Archive) -> None:
    table = fresh_archive.db.table("articles")
    assert list(table.columns_dict)[:5] == ["id", "url", "canonical_url", "fetched_url", "source"]
    indexed = {tuple(index.columns) for index in table.indexes}
    assert {("date_published",), ("text_hash",), ("language",), ("url",)} <= indexed
    assert ("source", "date_published") in indexed  # also serves source-only lookups


def test_missing_parent_directory_is_a_clear_archive_error(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError) as info:
        Archive(tmp_path / "no" / "such" / "dir" / "press.db")
    assert "does not exist" in one_line(info)
    assert not (tmp_path / "no").exists()


def test_non_sqlite_file_is_not_an_archive_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"hello")
    for readonly in (False, True):
        with pytest.raises(NotAnArchive) as info:
            Archive(path, readonly=readonly)
        assert "not a pressroom archive" in one_line(info)
    assert path.read_bytes() == b"hello"


def test_sqlite_file_with_clashing_table_is_not_an_archive(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE articles (headline TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAnArchive) as info:
        Archive(db_path)
    assert "articles" in one_line(info)


def test_readonly_open_of_empty_database_is_not_an_archive(db_path: Path) -> None:
    sqlite3.connect(db_path).close()  # creates a valid, empty SQLite file
    assert db_path.exists()
    with pytest.raises(NotAnArchive):
        Archive(db_path, readonly=True)


def test_readonly_open_of_missing_file_does_not_create_it(db_path: Path) -> None:
    with pytest.raises(ArchiveError) as info:
        Archive(db_path, readonly=True)
    assert "no such file" in one_line(info)
    assert not db_path.exists()


# -- saving articles ---------------------------------------------------------


def test_save_counts_new_unchanged_updated_and_duplicates(fresh_archive: Archive) -> None:
    first = fresh_archive.save_articles(
        [article("a", "Alpha text."), article("b", "Beta text.")], run_id=None
    )
    assert first == {"new": 2, "updated": 0, "unchanged": 0, "duplicates": 0}

    second = fresh_archive.save_articles(
        [
            article("a", "Alpha text."),  # same content
            article("b", "Beta text, corrected."),  # changed text
            article("b-alias", "Alpha text."),  # new url, same text as "a"
            article("c", "Gamma text."),
        ],
        run_id=None,
    )
    assert second == {"new": 1, "updated": 1, "unchanged": 1, "duplicates": 1}
    assert fresh_archive.get("b-alias") is None
    assert fresh_archive.get("b")["text"] == "Beta text, corrected."
    assert fresh_archive.db.table("articles").count == 3


def test_title_or_date_change_counts_as_updated(fresh_archive: Archive) -> None:
    fresh_archive.save_articles([article("a", date_published="2024-01-01")], None)
    retitled = fresh_archive.save_articles(
        [article("a", date_published="2024-01-01", title="New")], None
    )
    redated = fresh_archive.save_articles(
        [article("a", date_published="2024-01-02", title="New")], None
    )
    assert retitled["updated"] == 1
    assert redated["updated"] == 1
    assert fresh_archive.get("a")["date_published"] == "2024-01-02"


def test_timestamps_and_run_id_follow_the_outcome(fresh_archive: Archive) -> None:
    run1 = fresh_archive.start_run("ec", {})
    fresh_archive.save_articles([article("a", "One.")], run1)
    created = fresh_archive.get("a")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", created["first_seen"])
    assert created["first_seen"] == created["last_fetched"] == created["last_changed"]
    assert created["run_id"] == run1

    run2 = fresh_archive.start_run("ec", {})
    fresh_archive.save_articles([article("a", "One.")], run2)
    unchanged = fresh_archive.get("a")
    assert unchanged["last_fetched"] > created["last_fetched"]
    assert unchanged["last_changed"] == created["last_changed"]
    assert unchanged["run_id"] == run2

    fresh_archive.save_articles([article("a", "Two.")], run2)
    updated = fresh_archive.get("a")
    assert updated["id"] == created["id"]
    assert updated["first_seen"] == created["first_seen"]
    assert updated["last_changed"] > unchanged["last_changed"]


def test_a_version_recleaned_back_to_the_one_it_replaced_is_taken_back(
    fresh_archive: Archive,
) -> None:
    # A crawl stores texts that keep a redesign's new boilerplate (not learned yet), then
    # re-cleans them (storage/profiles.py reclean): "a" is its old text again, "b" a text
    # that really changed; "c" went back to a version superseded by an earlier run.
    from storage.records import text_hash

    def recleaned(url: str, text: str) -> tuple[str, list[Any], str]:
        row = fresh_archive.get(url)
        return (url, [text, text, len(text.split()), text_hash(text), row["id"]], text_hash(text))

    run1 = fresh_archive.start_run("ec", {})
    fresh_archive.save_articles(
        [article("a", "Alpha."), article("b", "Beta."), article("c", "Gamma.")], run1
    )
    fresh_archive.save_articles([article("c", "Gamma, new.")], run1)
    old = {url: fresh_archive.get(url)["last_changed"] for url in "abc"}
    run2 = fresh_archive.start_run("ec", {})
    saved = fresh_archive.save_articles(
        [article("a", "Alpha.\n\nAbout us."), article("b", "Beta, edited.\n\nAbout us.")], run2
    )
    assert saved["updated"] == 2
    fresh_archive.save_cleaned_texts(
        [recleaned("a", "Alpha."), recleaned("b", "Beta, edited."), recleaned("c", "Gamma.")]
    )
    ids = [fresh_archive.get(url)["id"] for url in "abc"]
    assert fresh_archive.restore_unchanged(run2, ids) == 1
    assert [v["text"] for v in fresh_archive.history("a")] == ["Alpha."]
    assert fresh_archive.get("a")["last_changed"] == old["a"]
    assert [v["text"] for v in fresh_archive.history("b")] == ["Beta.", "Beta, edited."]
    assert fresh_archive.get("b")["last_changed"] > old["b"]
    assert [v["text"] for v in fresh_archive.history("c")] == ["Gamma.", "Gamma."]  # run 1's
    assert fresh_archive.restore_unchanged(run2, ids) == 0
    fts_integrity_check(fresh_archive)


def test_same_text_under_another_source_is_not_a_duplicate(fresh_archive: Archive) -> None:
    counts = fresh_archive.save_articles(
        [article("a", "Shared statement."), {**article("b", "Shared statement."), "source": "un"}],
        None,
    )
    assert counts == {"new": 2, "updated": 0, "unchanged": 0, "duplicates": 0}


def test_duplicate_within_one_batch_keeps_the_first(fresh_archive: Archive) -> None:
    counts = fresh_archive.save_articles([article("a", "Same."), article("a2", "Same.")], None)
    assert counts["new"] == 1 and counts["duplicates"] == 1
    assert urls(fresh_archive.articles()) == ["a"]


def test_save_computes_hash_and_word_count_and_round_trips_json(fresh_archive: Archive) -> None:
    fresh_archive.save_articles(
        [
            article(
                "a",
                "Ünïcode words, four here.",
                authors=["Ann Lee", "Bo"],
                tags=("trade", "eu"),
                translations={"fr": "a-fr", "de": "a-de"},
            )
        ],
        None,
    )
    stored = fresh_archive.get("a")
    assert stored["word_count"] == 4
    assert len(stored["text_hash"]) == 64
    assert stored["authors"] == ["Ann Lee", "Bo"]
    assert stored["tags"] == ["trade", "eu"]
    assert stored["translations"] == {"de": "a-de", "fr": "a-fr"}
    raw = fresh_archive.db.execute("SELECT translations FROM articles").fetchone()[0]
    assert raw == '{"de": "a-de", "fr": "a-fr"}'  # sorted keys: stable exports


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ({"url": "a", "source": "ec"}, "'text'"),
        ({"url": "a", "source": "ec", "text": "x", "html": "<p>"}, "html"),
        ({"url": "a", "source": "ec", "text": "x", "first_seen": "now"}, "first_seen"),
        ({"url": "a", "source": "ec", "text": "x", "tags": "eu, trade"}, "tags"),
    ],
)
def test_invalid_article_rejects_whole_batch(
    fresh_archive: Archive, bad: dict[str, Any], needle: str
) -> None:
    with pytest.raises(ArchiveError) as info:
        fresh_archive.save_articles([article("good"), bad], None)
    assert needle in one_line(info)
    assert fresh_archive.db.table("articles").count == 0


# -- full-text search ---------------------------------------------------------


def test_fts_follows_two_text_updates(fresh_archive: Archive) -> None:
    fresh_archive.save_articles([article("a", "Original wording about fisheries.")], None)
    fresh_archive.save_articles([article("a", "Revised wording about agriculture.")], None)
    fresh_archive.save_articles([article("a", "Final wording about shipping.")], None)

    assert urls(fresh_archive.search("shipping")) == ["a"]
    assert fresh_archive.search("fisheries") == []
    assert fresh_archive.search("agriculture") == []
    fts_integrity_check(fresh_archive)


def test_fts_follows_deletes(fresh_archive: Archive) -> None:
    fresh_archive.save_articles([article("a", "Vaccines."), article("b", "Vaccines again.")], None)
    fresh_archive.db.execute("DELETE FROM articles WHERE url = ?", ["a"])
    assert urls(fresh_archive.search("vaccines")) == ["b"]
    fts_integrity_check(fresh_archive)


def test_fts_integrity_check_catches_a_replace_without_recursive_triggers(db_path: Path) -> None:
    # Proves the integrity checks above have teeth: INSERT OR REPLACE on a
    # connection without recursive_triggers skips the delete trigger.
    with Archive(db_path) as archive:
        archive.save_articles([article("a", "Old words.")], None)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA recursive_triggers = OFF")
    conn.execute(
        "INSERT OR REPLACE INTO articles (id, url, source, text)"
        " VALUES (1, 'a', 'ec', 'New words.')"
    )
    conn.commit()
    # The stale entry for the old text is still in the index ...
    assert conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'old'").fetchall()
    # ... which only the content-comparing form of the check notices.
    conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()


def test_unchanged_resave_leaves_fts_consistent(fresh_archive: Archive) -> None:
    fresh_archive.save_articles([article("a", "Stable text.")], None)
    fresh_archive.save_articles([article("a", "Stable text.")], None)
    assert urls(fresh_archive.search("stable")) == ["a"]
    fts_integrity_check(fresh_archive)


def add_filler(archive: Archive, n: int = 6) -> None:
    # bm25 needs a corpus in which the search term is rare to rank meaningfully.
    archive.save_articles(
        [article(f"filler-{i}", f"Unrelated filler number {i} on budgets.") for i in range(n)], None
    )


def test_title_match_ranks_above_body_only_match(fresh_archive: Archive) -> None:
    add_filler(fresh_archive)
    fresh_archive.save_articles(
        [
            article(
                "body", "The report covers biodiversity among many topics.", title="Annual report"
            ),
            article("title", "The plan protects nature.", title="Biodiversity strategy"),
        ],
        None,
    )
    hits = fresh_archive.search("biodiversity")
    assert urls(hits) == ["title", "body"]
    assert hits[0]["rank"] < hits[1]["rank"]


def test_snippet_highlights_the_term(fresh_archive: Archive) -> None:
    add_filler(fresh_archive)
    text = " ".join(
        ["Lorem ipsum dolor sit amet."] * 20 + ["The ceasefire holds."] + ["Filler."] * 20
    )
    fresh_archive.save_articles([article("a", text)], None)
    [hit] = fresh_archive.search("ceasefire")
    assert "[ceasefire]" in hit["snippet"]
    assert len(hit["snippet"].split()) <= 22
    assert set(hit) >= {"url", "title", "source", "date_published", "snippet", "rank"}


@pytest.mark.parametrize("query", ['"unterminated', "AND OR", "foo AND", "(open", "   ", "-"])
def test_bad_search_syntax_raises_bad_query_on_one_line(fresh_archive: Archive, query: str) -> None:
    fresh_archive.save_articles([article("a", "foo bar")], None)
    with pytest.raises(BadQuery) as info:
        fresh_archive.search(query)
    message = one_line(info)
    assert "search query" in message
    assert "hint:" in message


def test_bad_query_message_names_the_query(fresh_archive: Archive) -> None:
    with pytest.raises(BadQuery) as info:
        fresh_archive.search("foo AND")
    assert one_line(info).startswith("invalid search query 'foo AND': ")


@pytest.mark.parametrize(
    "query",
    [
        "human-rights",
        "human rights",
        "EU-China summit",
        "rights: Geneva",
        "C++ human",
        "it's rights",
    ],
)
def test_plain_words_with_punctuation_just_work(fresh_archive: Archive, query: str) -> None:
    fresh_archive.save_articles(
        [
            article(
                "hit",
                "The EU-China summit in Geneva discussed human rights and C++ code; it's here.",
            ),
            article("miss", "Nothing relevant."),
        ],
        None,
    )
    assert urls(fresh_archive.search(query)) == ["hit"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"human rights"', ["phrase"]),
        ("fisheries OR shipping", ["fish", "ship"]),
        ("fisher*", ["fish"]),
        ("title:Geneva", ["phrase"]),
        ("rights NOT human", ["rights"]),
    ],
)
def test_fts5_syntax_still_works(fresh_archive: Archive, query: str, expected: list[str]) -> None:
    fresh_archive.save_articles(
        [
            article("phrase", "Human rights statement.", title="Geneva"),
            article("rights", "Rights of holders.", title="x"),
            article("fish", "Fisheries quota.", title="y"),
            article("ship", "Shipping lanes.", title="z"),
        ],
        None,
    )
    assert sorted(urls(fresh_archive.search(query))) == sorted(expected)


def test_search_filters_and_limit(fresh_archive: Archive) -> None:
    fresh_archive.save_articles(
        [
            article("ec-old", "Energy prices.", date_published="2023-06-01", language="en"),
            article("ec-new", "Energy prices rise.", date_published="2024-06-01", language="en"),
            article("ec-fr", "Energy prix.", date_published="2024-06-02", language="fr"),
            {**article("un", "Energy access."), "source": "un", "date_published": "2024-06-03"},
        ],
        None,
    )
    assert sorted(urls(fresh_archive.search("energy", source="ec"))) == [
        "ec-fr",
        "ec-new",
        "ec-old",
    ]
    assert sorted(urls(fresh_archive.search("energy", since="2024-01-01", language="en"))) == [
        "ec-new"
    ]
    assert urls(fresh_archive.search("energy", until="2023-12-31")) == ["ec-old"]
    assert len(fresh_archive.search("energy", limit=2)) == 2


# -- listing and filtering ----------------------------------------------------


@pytest.fixture
def filtered_archive(fresh_archive: Archive) -> Archive:
    fresh_archive.save_articles(
        [
            article(
                "d3", "c", date_published="2024-03-01T09:00:00+01:00", language="en", tags=["trade"]
            ),
            article("d1", "a", date_published="2024-01-15", language="en", tags=["trade", "eu"]),
            article("d2", "b", date_published="2024-01-31T23:59:59Z", language="fr", tags=["eu"]),
            article("undated", "d", language="en"),
            {**article("un1", "e", date_published="2024-02-10", tags=["trade"]), "source": "un"},
        ],
        None,
    )
    return fresh_archive


def test_articles_default_order_is_date_then_id(filtered_archive: Archive) -> None:
    assert urls(filtered_archive.articles()) == ["undated", "d1", "d2", "un1", "d3"]
    assert urls(filtered_archive.articles(order="-date_published", limit=2)) == ["d3", "un1"]


def test_articles_filters(filtered_archive: Archive) -> None:
    assert urls(filtered_archive.articles(source="un")) == ["un1"]
    assert urls(filtered_archive.articles(since="2024-01-31")) == ["d2", "un1", "d3"]
    assert urls(filtered_archive.articles(until="2024-01-31")) == ["d1", "d2"]
    assert urls(filtered_archive.articles(since="2024-02-01", until="2024-03-01")) == ["un1", "d3"]
    assert urls(filtered_archive.articles(since=dt.date(2024, 3, 1))) == ["d3"]
    assert urls(filtered_archive.articles(language="fr")) == ["d2"]
    assert urls(filtered_archive.articles(tag="trade")) == ["d1", "un1", "d3"]
    assert urls(filtered_archive.articles(tag="trade", source="ec", language="en")) == ["d1", "d3"]
    assert urls(filtered_archive.articles(tag="nope")) == []


def test_articles_is_a_lazy_iterator(filtered_archive: Archive) -> None:
    rows = filtered_archive.articles()
    assert not isinstance(rows, list)
    assert isinstance(rows, Iterator)
    first, second = next(rows), next(rows)
    assert (first["url"], first["tags"]) == ("undated", None)
    assert second["tags"] == ["trade", "eu"]  # JSON columns come back decoded
    assert len(list(rows)) == 3


@pytest.mark.parametrize("bad", ["2024-13-45", "yesterday", "2024-1-1", "", "2024-02-30"])
def test_bad_date_raises_archive_error_at_call_time(filtered_archive: Archive, bad: str) -> None:
    with pytest.raises(ArchiveError) as info:
        filtered_archive.articles(since=bad)  # no next(): must fail eagerly
    assert repr(bad) in one_line(info)
    with pytest.raises(ArchiveError):
        filtered_archive.search("a", until=bad)


def test_a_since_after_until_raises_the_named_error(filtered_archive: Archive) -> None:
    # Storage owns the range check (the CLI prints it): one class to catch, a BadInput.
    from storage.errors import EmptyDateRange

    for call in (filtered_archive.articles, filtered_archive.count):
        with pytest.raises(EmptyDateRange) as info:
            call(since="2024-03-01", until="2024-01-31")
        assert one_line(info).startswith("--since 2024-03-01 is after --until 2024-01-31")
    with pytest.raises(EmptyDateRange):
        filtered_archive.search("a", since=dt.date(2024, 3, 1), until="2024-01-31")
    assert issubclass(EmptyDateRange, BadInput)


def test_bad_order_and_limit_are_rejected(filtered_archive: Archive) -> None:
    with pytest.raises(ArchiveError, match="unknown order"):
        filtered_archive.articles(order="title; DROP TABLE articles")
    with pytest.raises(ArchiveError, match="limit"):
        filtered_archive.articles(limit=-5)
    assert filtered_archive.db.table("articles").count == 5


def test_get_by_url_canonical_or_fetched_url(fresh_archive: Archive) -> None:
    fresh_archive.save_articles(
        [article("key", canonical_url="https://x.org/canon", fetched_url="https://x.org/final")],
        None,
    )
    by_key = fresh_archive.get("key")
    assert by_key is not None and by_key["url"] == "key"
    assert fresh_archive.get("https://x.org/canon") == by_key
    assert fresh_archive.get("https://x.org/final") == by_key
    assert fresh_archive.get("https://x.org/other") is None


# -- captures -----------------------------------------------------------------


def test_has_articles_per_source(fresh_archive: Archive) -> None:
    assert not fresh_archive.has_articles()
    row = {"url": "https://x.org/a", "source": "x", "title": "A", "text": "Body."}
    fresh_archive.save_articles([row], None)
    assert fresh_archive.has_articles() and fresh_archive.has_articles("x")
    assert not fresh_archive.has_articles("y")


def test_a_transaction_stores_all_of_a_batch_or_none_of_it(fresh_archive: Archive) -> None:
    row = {"url": "https://x.org/a", "source": "x", "title": "A", "text": "Body."}
    with pytest.raises(RuntimeError), fresh_archive.transaction():
        digest = fresh_archive.save_capture(row["url"], 200, {}, b"<p>Body.</p>", "text/html")
        fresh_archive.save_articles([{**row, "capture_hash": digest}], None)
        raise RuntimeError("the writer died mid-batch")
    assert fresh_archive.db.execute("SELECT count(*) FROM captures").fetchone() == (0,)
    assert fresh_archive.get(row["url"]) is None

    with fresh_archive.transaction():
        digest = fresh_archive.save_capture(row["url"], 200, {}, b"<p>Body.</p>", "text/html")
        fresh_archive.save_articles([{**row, "capture_hash": digest}], None)
    assert fresh_archive.get(row["url"])["capture_hash"] == digest


def test_capture_round_trip_and_dedupe(fresh_archive: Archive) -> None:
    body = ("<html><body>" + "Press release. " * 500 + "</body></html>").encode()
    first = fresh_archive.save_capture(
        "https://x.org/a",
        200,
        {b"Content-Type": [b"text/html"], "Server": "nginx"},
        body,
        "text/html",
    )
    again = fresh_archive.save_capture("https://x.org/mirror", 200, {}, body, "text/html")
    other = fresh_archive.save_capture("https://x.org/b", 404, None, b"not found", None)

    assert first == again != other
    assert len(first) == 64
    # A body packed beforehand (by an extraction worker) is the same capture.
    assert fresh_archive.save_capture("https://x.org/c", 200, {}, pack(body), None) == first
    assert fresh_archive.capture_body(first) == body
    assert fresh_archive.capture_body(other) == b"not found"
    rows = fresh_archive.db.execute(
        "SELECT hash, url, size, length(body), headers FROM captures"
    ).fetchall()
    assert len(rows) == 2
    stored = {row[0]: row for row in rows}[first]
    assert stored[1] == "https://x.org/a"  # the first URL seen is kept
    assert stored[2] == len(body) and stored[3] < len(body) / 10
    assert stored[4] == '{"Content-Type": "text/html", "Server": "nginx"}'
    with pytest.raises(ArchiveError, match="no capture"):
        fresh_archive.capture_body("0" * 64)


# -- runs, failures, stats ----------------------------------------------------


def test_run_lifecycle(fresh_archive: Archive) -> None:
    run = fresh_archive.start_run("ec", {"max_pages": 5, "since": "2024-01-01"})
    assert fresh_archive.runs()[0]["status"] == "running"
    counts = fresh_archive.save_articles([article("a")], run)
    fresh_archive.finish_run(run, "ok", {**counts, "pages_fetched": 3}, message="done")
    other = fresh_archive.start_run("un", {})
    fresh_archive.finish_run(other, "interrupted")

    newest, oldest = fresh_archive.runs()
    assert newest["id"] == other and newest["status"] == "interrupted"
    assert oldest["options"] == {"max_pages": 5, "since": "2024-01-01"}
    assert (oldest["pages_fetched"], oldest["articles_new"], oldest["skipped"]) == (3, 1, 0)
    assert oldest["message"] == "done"
    assert oldest["finished"] > oldest["started"]
    assert [r["id"] for r in fresh_archive.runs(limit=1)] == [other]


@pytest.mark.parametrize(
    ("status", "counts", "needle"),
    [("running", {}, "status"), ("ok", {"bogus": 1}, "bogus"), ("ok", {"failed": "3"}, "failed")],
)
def test_finish_run_rejects_bad_input(
    fresh_archive: Archive, status: str, counts: dict[str, Any], needle: str
) -> None:
    run = fresh_archive.start_run("ec", {})
    with pytest.raises(ArchiveError) as info:
        fresh_archive.finish_run(run, status, counts)
    assert needle in one_line(info)
    assert fresh_archive.runs()[0]["status"] == "running"


def test_finish_unknown_run_is_an_error(fresh_archive: Archive) -> None:
    with pytest.raises(ArchiveError, match="no run with id 99"):
        fresh_archive.finish_run(99, "ok", {})


def test_failures_are_recorded_per_run(fresh_archive: Archive) -> None:
    run1 = fresh_archive.start_run("ec", {})
    run2 = fresh_archive.start_run("ec", {})
    fresh_archive.record_failures(
        [
            {"url": "https://x.org/404", "reason": "HTTP 404", "status": 404, "source": "ec"},
            {"url": "https://x.org/dns", "reason": "DNS lookup failed"},
        ],
        run1,
    )
    fresh_archive.record_failures([{"url": "https://x.org/t", "reason": "timeout"}], run2)
    assert urls(fresh_archive.failures(run1)) == ["https://x.org/404", "https://x.org/dns"]
    first = fresh_archive.failures(run1)[0]
    assert (first["status"], first["source"], first["run_id"]) == (404, "ec", run1)
    assert fresh_archive.failures(run1)[1]["status"] is None
    assert len(fresh_archive.failures()) == 3
    with pytest.raises(ArchiveError, match="reason"):
        fresh_archive.record_failures([{"url": "u"}], run1)


def test_stats(filtered_archive: Archive) -> None:
    run = filtered_archive.start_run("ec", {})
    filtered_archive.record_failures([{"url": "x", "reason": "boom"}], run)
    filtered_archive.save_capture("x", 200, {}, b"body", "text/html")
    stats = filtered_archive.stats()
    assert stats["articles"] == 5
    assert stats["sources"] == {"ec": 4, "un": 1}
    assert stats["months"] == {
        "ec": {"2024-01": 2, "2024-03": 1, "unknown": 1},
        "un": {"2024-02": 1},
    }
    assert (stats["failures"], stats["runs"], stats["captures"]) == (1, 1, 1)


# -- concurrency and read-only access ----------------------------------------


def test_readonly_archive_reads_but_cannot_write(db_path: Path) -> None:
    with Archive(db_path) as writer:
        writer.save_articles([article("a", "Readable text.")], None)

    with Archive.open(db_path, readonly=True) as reader:
        assert reader.readonly
        assert urls(reader.search("readable")) == ["a"]
        assert reader.get("a")["text"] == "Readable text."
        with pytest.raises(ArchiveReadOnly) as info:
            reader.save_articles([article("b")], None)
        assert "read-only" in one_line(info)
        with pytest.raises(ArchiveReadOnly):
            reader.start_run("ec", {})
        # Even the raw escape hatch is refused by SQLite itself (mode=ro) ...
        with pytest.raises(sqlite3.OperationalError, match="readonly") as raw:
            reader.db.execute("DELETE FROM articles")
        # ... and that error, too, maps onto ArchiveReadOnly.
        assert isinstance(translate(raw.value, db_path, busy_timeout=0), ArchiveReadOnly)
        assert reader.stats()["articles"] == 1


def test_locked_archive_raises_archive_locked(db_path: Path) -> None:
    Archive(db_path).close()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with Archive(db_path, busy_timeout=50) as second:
            with pytest.raises(ArchiveLocked) as info:
                second.save_articles([article("a")], None)
            assert "locked by another writer" in one_line(info)
            assert "50 ms" in str(info.value)
            assert not second.db.conn.in_transaction
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with Archive(db_path) as after:
        assert after.save_articles([article("a")], None)["new"] == 1


def test_reader_can_read_while_writer_holds_open_transaction(db_path: Path) -> None:
    with Archive(db_path) as writer:
        writer.save_articles([article("committed", "Visible.")], None)
        with writer.db.atomic():  # the writer's transaction stays open in this block
            writer.save_articles([article("pending", "Not yet visible.")], None)
            with Archive(db_path, readonly=True, busy_timeout=0) as reader:
                assert urls(reader.articles()) == ["committed"]
                assert reader.search("visible") != []
        with Archive(db_path, readonly=True) as reader:
            assert urls(reader.articles(order="id")) == ["committed", "pending"]


def test_closed_archive_raises_archive_error(db_path: Path) -> None:
    archive = Archive(db_path)
    archive.close()
    with pytest.raises(ArchiveError, match="closed"):
        archive.stats()
