"""Ranked search and query filters, on a real archive of generated releases (no mocks)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from fixtures.demo.releases import releases
from pressroom.cli import main
from storage import Archive, BadQuery
from storage.search import HIT_COLUMNS

RELEASES = 400


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "press.db"
    with Archive(path) as archive:
        run = archive.start_run("all", {})
        archive.save_articles(releases(RELEASES), run)
        archive.finish_run(run, "ok", {})
    return path


@pytest.fixture
def archive(archive_path: Path) -> Any:
    with Archive(archive_path, readonly=True) as opened:
        yield opened


def one_query_ranking(
    path: Path, query: str, *, where: str = "", params: tuple = (), column: str = "articles_fts"
) -> list[tuple[int, float]]:
    """The ranking computed the straightforward way, in one statement: the reference."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT a.id, bm25(articles_fts, 10.0, 1.0) FROM articles_fts"
            " JOIN articles a ON a.id = articles_fts.rowid"
            f" WHERE {column} MATCH ? {where}"
            " ORDER BY bm25(articles_fts, 10.0, 1.0), a.id LIMIT 20",
            [query, *params],
        ).fetchall()
    finally:
        conn.close()


# -- ranking ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "border",
        '"human rights"',
        "refug*",
        "torture AND police",
        "title:border",
        "border OR Guinée",
    ],
)
def test_two_step_search_ranks_exactly_like_one_query(archive, archive_path, query):
    hits = archive.search(query, limit=20)
    expected = one_query_ranking(archive_path, query)
    assert expected, "the generated archive should match every query in this list"
    assert [(hit["id"], hit["rank"]) for hit in hits] == expected
    assert list(hits[0]) == list(HIT_COLUMNS)


def test_title_words_outrank_body_words(archive):
    hits = archive.search("border", limit=50)
    in_title = ["border" in hit["title"].lower() for hit in hits]
    # 25 titles say "border", 60 more releases say it in the body only.
    assert all(in_title[:15]) and in_title.count(False) > 20
    assert sum(in_title[:25]) >= 20
    assert any("[border]" in hit["snippet"] for hit in hits)


def test_filters_narrow_the_ranking(archive, archive_path):
    hits = archive.search("police", source="ministry", language="fr", since="2022-03-01", limit=20)
    expected = one_query_ranking(
        archive_path,
        "police",
        where="AND a.source = ? AND a.language = ? AND a.date_published >= ?",
        params=("ministry", "fr", "2022-03-01"),
    )
    assert [hit["id"] for hit in hits] == [row[0] for row in expected]
    assert hits and all(h["source"] == "ministry" and h["language"] == "fr" for h in hits)


@pytest.mark.parametrize(
    "query", ["border", '"human rights"', "refug*", "torture AND police", "title:border"]
)
def test_filtered_search_ranks_and_snippets_like_one_query(
    archive, archive_path, monkeypatch, query
):
    # Ranks come from the first step and snippets from the second, which walks
    # id ranges; a small chunk makes it walk several.
    monkeypatch.setattr(sys.modules["storage.search"], "_CHUNK", 3)
    hits = archive.search(query, source="rwd", since="2022-01-01", limit=20)
    expected = one_query_ranking(
        archive_path,
        query,
        where="AND a.source = ? AND a.date_published >= ?",
        params=("rwd", "2022-01-01"),
    )
    assert expected and [(hit["id"], hit["rank"]) for hit in hits] == expected
    assert all(list(hit) == list(HIT_COLUMNS) for hit in hits)
    conn = sqlite3.connect(archive_path)
    try:
        snippets = [
            conn.execute(
                "SELECT snippet(articles_fts, 1, '[', ']', '…', 20) FROM articles_fts"
                " WHERE articles_fts MATCH ? AND rowid = ?",
                [query, hit["id"]],
            ).fetchone()[0]
            for hit in hits
        ]
    finally:
        conn.close()
    assert [hit["snippet"] for hit in hits] == snippets


def test_tag_filter(archive):
    hits = archive.search("police", tag="Africa", limit=100)
    assert hits
    for hit in hits:
        assert "Africa" in archive.get(hit["url"])["tags"]


def test_title_only_ignores_body_matches(archive, archive_path):
    everywhere = archive.search("police", limit=100)
    titles = archive.search("police", title_only=True, limit=100)
    assert 0 < len(titles) < len(everywhere)
    assert all("police" in hit["title"].lower() for hit in titles)
    expected = one_query_ranking(archive_path, "police", column="articles_fts.title")
    assert [hit["id"] for hit in titles][:20] == [row[0] for row in expected]


def test_limit_and_no_matches(archive):
    assert len(archive.search("the", limit=3)) == 3
    assert archive.search("xylophonequartet") == []


# -- articles(query=...) and count() -------------------------------------------------


def test_articles_query_streams_matches_in_date_order(archive, archive_path):
    streamed = list(archive.articles(query='"human rights" AND border'))
    conn = sqlite3.connect(archive_path)
    expected = [
        row[0]
        for row in conn.execute(
            "SELECT a.id FROM articles a WHERE a.id IN (SELECT rowid FROM articles_fts"
            " WHERE articles_fts MATCH '\"human rights\" AND border')"
            " ORDER BY a.date_published, a.id"
        )
    ]
    conn.close()
    assert [a["id"] for a in streamed] == expected and expected
    assert isinstance(streamed[0]["tags"], list)  # decoded like any articles() row
    assert archive.count(query='"human rights" AND border') == len(expected)
    assert archive.count() == RELEASES
    assert archive.count(source="rwd", language="en") == sum(
        1 for a in archive.articles(source="rwd") if a["language"] == "en"
    )


def test_articles_query_combines_with_filters_and_title_only(archive):
    rows = list(archive.articles(query="police", title_only=True, source="unwire"))
    assert rows and all(a["source"] == "unwire" and "police" in a["title"].lower() for a in rows)


def test_bad_query_fails_at_the_call_with_a_hint(archive):
    with pytest.raises(BadQuery) as info:
        archive.articles(query='"unterminated')  # no next(): must fail eagerly
    assert "hint:" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(BadQuery):
        archive.count(query="AND")
    with pytest.raises(BadQuery):
        archive.search("police AND")


def test_user_input_only_ever_reaches_sql_as_parameters(archive):
    assert archive.search("x'; DROP TABLE articles; --") == []  # words, found nowhere
    with pytest.raises(BadQuery):
        archive.search("x'); DROP TABLE articles; --")  # an unbalanced bracket
    assert archive.count(source="x' OR '1'='1") == 0
    assert list(archive.articles(tag="' OR 1=1 --")) == []
    assert archive.count() == RELEASES


def test_punctuation_in_words_is_quoted_not_an_error(archive):
    assert archive.search("human-rights") == archive.search('"human-rights"')


# -- the command ---------------------------------------------------------------------


def test_cli_csv_has_header_and_one_row_per_hit(archive_path):
    result = CliRunner().invoke(
        main, ["search", "border", "--format", "csv", "--limit", "5", "--db", str(archive_path)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == list(HIT_COLUMNS)
    assert len(rows) == 6
    assert all(row[HIT_COLUMNS.index("title")] for row in rows[1:])


def test_cli_json_title_only_and_tag(archive_path):
    args = ["search", "police", "--title-only", "--tag", "Africa", "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--db", str(archive_path)])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)  # one JSON array, as sqlite-utils prints
    assert hits and all("police" in hit["title"].lower() for hit in hits)
    legacy = CliRunner().invoke(main, [*args[:5], "--json", "--db", str(archive_path)])
    assert legacy.output == result.output  # --json is --format json
    lines = CliRunner().invoke(main, [*args[:5], "--nl", "--db", str(archive_path)])
    assert [json.loads(line) for line in lines.output.splitlines()] == hits
    jsonl = CliRunner().invoke(main, [*args[:5], "--format", "jsonl", "--db", str(archive_path)])
    assert jsonl.output == lines.output  # --nl is --format jsonl


def test_cli_two_output_formats_are_a_usage_error(archive_path):
    result = CliRunner().invoke(
        main, ["search", "police", "--json", "--format", "csv", "--db", str(archive_path)]
    )
    assert result.exit_code == 2
    assert "give one output format, not csv and json" in result.output


def test_cli_bad_query_is_one_line_exit_2(archive_path):
    result = CliRunner().invoke(main, ["search", "chad AND", "--db", str(archive_path)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: invalid search query 'chad AND'")
    assert "hint:" in result.output and result.output.count("\n") == 1


def test_the_table_of_a_release_without_a_title_prints_no_none(tmp_path):
    # A page with article markup and no <title> or <h1> is stored without a title; the
    # table printed its title as "None", a word no page said.
    from helpers import archive_holding, run_cli

    db = archive_holding(
        tmp_path / "a.db",
        [
            {"url": "https://ngo.example/a", "source": "ngo", "title": None}
            | {"text": "Floods in the delta.", "date_published": "2024-01-02"}
        ],
    )
    result = run_cli("search", "delta", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["2024-01-02", "    https://ngo.example/a"]
