"""Search in Chinese and Japanese, through the installed program.

unicode61, the FTS5 index's tokenizer, keeps an unspaced Chinese or Japanese
sentence as one token, so a word inside it never matched: a reviewer's
`pressroom search '人权'` and `'漁業'` printed "no matches" over an archive
holding both words. The releases below are short excerpts in the style of a
Chinese and two Japanese press releases (and an English one): the words
searched for sit inside sentences, as they do on real pages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

from storage import Archive

CHINESE = {
    "url": "https://ngo.example/zh/news/fishing-rights",
    "source": "ngo",
    "title": "联合国人权理事会通过关于渔业劳工的决议",
    "text": "联合国人权理事会通过关于渔业劳工的决议\n\n"
    "联合国人权理事会今天通过一项决议，呼吁各国保护远洋渔业工人的人权。"
    "该决议得到了四十个国家的支持。",
    "date_published": "2024-03-05",
    "language": "zh",
}
# 漁業 (fisheries) in the title: it must rank above JAPANESE_BODY, which has it in the body.
JAPANESE_TITLE = {
    "url": "https://ngo.example/ja/news/fisheries-rules",
    "source": "ngo",
    "title": "水産庁、漁業資源の回復に向けた新たな規制を発表",
    "text": "水産庁、漁業資源の回復に向けた新たな規制を発表\n\n"
    "水産庁は本日、太平洋における漁業資源の回復を目指し、漁獲量の上限を引き下げる"
    "新たな規制を発表した。",
    "date_published": "2024-06-10",
    "language": "ja",
}
JAPANESE_BODY = {
    "url": "https://ngo.example/ja/news/workers",
    "source": "ngo",
    "title": "外国人技能実習生の待遇改善を求める声明",
    "text": "外国人技能実習生の待遇改善を求める声明\n\n"
    "人権団体は本日、漁業や農業で働く外国人技能実習生の待遇改善を政府に求めた。",
    "date_published": "2023-11-20",
    "language": "ja",
}
ENGLISH = {
    "url": "https://ngo.example/news/fisheries",
    "source": "ngo",
    "title": "Fisheries workers need protection",
    "text": "Fisheries workers need protection\n\nWorkers on distant-water fishing vessels.",
    "date_published": "2024-01-15",
    "language": "en",
}

# Emoji and symbols: the index keeps none of them (unicode61 keeps letters, numbers, marks).
EMOJI = {
    "url": "https://ngo.example/news/climate-march",
    "source": "ngo",
    "title": "Climate march 🌍 fills the square",
    "text": "Climate march 🌍 fills the square\n\nThousands marched 🔥 past the ministry.",
    "date_published": "2024-07-01",
    "language": "en",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cjk") / "press.db"
    with Archive(path) as archive:
        run = archive.start_run("ngo", {})
        releases = [CHINESE, JAPANESE_TITLE, JAPANESE_BODY, ENGLISH, EMOJI]
        archive.save_articles([r | {"extractor": "test"} for r in releases], run)
        archive.finish_run(run, "ok", {})
    return path


def search(db: Path, *args: str) -> list[dict]:
    result = run_cli("search", *args, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_word_inside_a_chinese_sentence_is_found(db):
    hits = search(db, "人权")
    assert [h["url"] for h in hits] == [CHINESE["url"]]
    assert "[人权]" in hits[0]["snippet"]


def test_a_word_inside_a_japanese_sentence_is_found_title_hits_first(db):
    hits = search(db, "漁業")
    assert [h["url"] for h in hits] == [JAPANESE_TITLE["url"], JAPANESE_BODY["url"]]
    assert "[漁業]" in hits[1]["snippet"]
    # Characters compare as written: the Japanese 人権 is not the simplified 人权.
    assert [h["url"] for h in search(db, "人権")] == [JAPANESE_BODY["url"]]


def test_table_output_of_the_program(db):
    result = run_cli("search", "漁業", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert JAPANESE_TITLE["title"] in result.stdout
    assert "[漁業]" in result.stdout
    assert "no matches" not in result.stderr


def test_title_only_and_filters(db):
    assert [h["url"] for h in search(db, "漁業", "--title-only")] == [JAPANESE_TITLE["url"]]
    assert [h["url"] for h in search(db, "漁業", "--since", "2024-01-01")] == [
        JAPANESE_TITLE["url"]
    ]
    assert search(db, "人权", "--lang", "ja") == []
    assert [h["url"] for h in search(db, "人权", "--source", "ngo")] == [CHINESE["url"]]


def test_operators_and_phrases(db):
    assert [h["url"] for h in search(db, "漁業 NOT 水産庁")] == [JAPANESE_BODY["url"]]
    assert {h["url"] for h in search(db, "人权 OR 水産庁")} == {
        CHINESE["url"],
        JAPANESE_TITLE["url"],
    }
    assert search(db, '"漁業 規制"') == []  # a phrase is one substring, spaces included


def test_spaced_languages_still_search_by_words(db):
    # FTS5 as before: whole words, not substrings ("fish" is not "fishing").
    assert [h["url"] for h in search(db, "fisheries")] == [ENGLISH["url"]]
    assert search(db, "fish") == []


def test_export_and_count_take_a_cjk_query(db, tmp_path):
    out = tmp_path / "hits.jsonl"
    result = run_cli("export", "--query", "漁業", "--db", str(db), "-o", str(out))
    assert result.returncode == 0, result.stderr
    urls = [json.loads(line)["url"] for line in out.read_text().splitlines()]
    assert urls == [JAPANESE_BODY["url"], JAPANESE_TITLE["url"]]  # publication order
    with Archive(db, readonly=True) as archive:
        assert archive.count(query="漁業", title_only=True) == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"漁業', "unterminated string; hint: close the double quote"),
        ("漁業 AND", "syntax error at end of query"),
        ("NEAR(漁業 規制)", "is not supported here"),
    ],
)
def test_malformed_cjk_query_is_one_line_exit_2(db, query, expected):
    result = run_cli("search", query, "--db", str(db))
    assert result.returncode == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", [["search", "人権 AND"], ["export", "--query", "人権 AND"]])
def test_a_cjk_syntax_error_gets_the_substring_searchs_hint(db, command):
    # It got the hint of a word search ("put phrases in double quotes..."), which says
    # nothing of how a Japanese query is matched.
    result = run_cli(*command, "--db", str(db))
    assert (result.returncode, result.stdout) == (2, "")
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: invalid search query '人権 AND': fts5: syntax error"), line
    hint = line.split("; hint: ", 1)[1]
    assert hint.startswith("a query with Chinese, Japanese, Korean or Thai characters"), hint
    assert "AND, OR, NOT only between" in hint
    assert "put phrases in double quotes" not in hint


def test_a_query_of_emoji_alone_is_matched_as_substrings(db, tmp_path):
    # `search '🌍'` printed "no matches", exit 0, over a title holding it: FTS5 took the
    # emoji for a word, which the index keeps no token of. (`search '+'` is refused.)
    hits = search(db, "🌍")
    assert [h["url"] for h in hits] == [EMOJI["url"]]
    assert "[🌍]" in hits[0]["snippet"]
    assert {h["url"] for h in search(db, "🔥 OR 人权")} == {EMOJI["url"], CHINESE["url"]}
    assert search(db, "🔥", "--title-only") == []
    out = tmp_path / "hits.jsonl"
    result = run_cli("export", "--query", "🔥", "--db", str(db), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["url"] for line in out.read_text().splitlines()] == [EMOJI["url"]]
    refused = run_cli("search", "+", "--db", str(db))
    assert refused.returncode == 2 and "no words to search for" in refused.stderr


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('人权 AND ""', []),  # as FTS5 does: "" joined by AND matches nothing
        ('人权 ""', [CHINESE]),  # and beside a word it is left out
        ('人权 OR ""', [CHINESE]),
        ('人权 NOT ""', [CHINESE]),
        ('"" NOT 人权', []),
    ],
)
def test_an_empty_phrase_in_a_substring_query_means_what_fts5_makes_of_it(db, query, expected):
    # `search '人权 AND ""'` said `unexpected IndexError: list index out of range`, exit 1.
    assert [h["url"] for h in search(db, query)] == [r["url"] for r in expected]
