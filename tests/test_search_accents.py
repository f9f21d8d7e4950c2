"""Search finds a word whatever its accents in Greek, Russian, Vietnamese, Polish...,
through the installed program.

The index (FTS5 unicode61, remove_diacritics 2) ignores case and the accents of
Latin letters, but keeps the Greek tonos (a headline in capitals has none:
ΑΘΗΝΑ; body text has it: Αθήνα), the Russian ё (mostly printed е) and Latin
letters such as đ, ł and ß. Each search below was measured to miss before
storage/spellings.py rewrote the query into the spellings the index holds.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from helpers import archive_holding, gov_release, run_cli

from fixtures.demo.releases import releases
from storage.spellings import MAX_PHRASES, MAX_SPELLINGS, fold

# Greek: the headline in capitals carries no tonos; its body does not name the city.
HEADLINE = gov_release(
    "el/headline",
    "ΑΘΗΝΑ: ΝΕΑ ΜΕΤΡΑ ΓΙΑ ΤΗ ΣΤΗΡΙΞΗ ΤΩΝ ΕΡΓΑΖΟΜΕΝΩΝ ΣΤΟ ΛΙΜΑΝΙ ΤΟΥ ΠΕΙΡΑΙΑ",
    "Το υπουργείο Εργασίας ανακοίνωσε σήμερα μέτρα στήριξης για τους εργαζόμενους "
    "στις μεταφορές. Οι πληρωμές θα γίνουν έως το τέλος του μήνα.",
    "el",
)
BODY = gov_release(
    "el/body",
    "Συνάντηση του πρωθυπουργού με τους δημάρχους της χώρας",
    "Ο πρωθυπουργός συναντήθηκε σήμερα στην Αθήνα με τους δημάρχους. Συζητήθηκαν η "
    "πολιτική προστασία και τα έργα στην περιφέρεια Αθήνας Πειραιά, όπως ανακοίνωσε "
    "το γραφείο Τύπου.",
    "el",
)
# Russian: ещё as printed in one release, еще in the other; посёлков / поселков.
YO = gov_release(
    "ru/yo",
    "Правительство выделит ещё три миллиарда на дороги",
    "Средства направят на ремонт дорог в сельских посёлках. Ещё один транш получат "
    "школы, сообщил учи́тель года на встрече с министром.",
    "ru",
)
YE = gov_release(
    "ru/ye",
    "В Москве открыли еще две станции метро",
    "Новые станции свяжут с центром жителей поселков на юге города.",
    "ru",
)
# Vietnamese đ; Polish ł; German ß and the Swiss ss.
DANANG = gov_release(
    "vi/danang",
    "Đà Nẵng khởi công dự án cảng biển Liên Chiểu",
    "Thành phố Đà Nẵng hôm nay khởi công dự án cảng biển, đầu tư phát triển giao thông.",
    "vi",
)
LODZ = gov_release(
    "pl/lodz",
    "Łódź: nowe linie tramwajowe",
    "Miasto Łódź otworzy w przyszłym roku dwie nowe linie tramwajowe.",
    "pl",
)
STRASSE = gov_release(
    "de/strasse",
    "Neue Straße in Berlin eröffnet",
    "Die Straße verbindet zwei Bezirke.",
    "de",
)
SWISS = gov_release(
    "de/swiss",
    "Zürich: Bahnhofstrasse wird umgebaut",
    "Die Strasse bleibt während der Arbeiten offen.",
    "de",
)
ACCENTED = [HEADLINE, BODY, YO, YE, DANANG, LODZ, STRASSE, SWISS]
# A phrase whose six words are each written with and without their tonos, in all
# 2**6 combinations, in one release.
LONG_PHRASE = ["σήμερα", "πρωθυπουργός", "δημάρχους", "πολιτική", "προστασία", "έργα"]
PHRASES = gov_release(
    "el/phrases",
    "ΣΥΝΑΝΤΗΣΗ ΜΕ ΤΟΥΣ ΔΗΜΑΡΧΟΥΣ",
    ". ".join(
        " ".join(w if (n >> k) & 1 else fold(w) for k, w in enumerate(LONG_PHRASE))
        for n in range(64)
    ),
    "el",
)
# A word with one tonos on any of its 20 vowels: 20 spellings in the index.
MANY = "".join(["λα"] * 20)
MANY_SPELLINGS = " ".join(MANY[:i] + "ά" + MANY[i + 1 :] for i in range(1, 40, 2))
VARIANTS = gov_release("el/variants", "Λέξεις", MANY_SPELLINGS, "el")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("accents") / "press.db"
    archive_holding(path, [*ACCENTED, PHRASES, VARIANTS])
    return path


def hits(db: Path, *args: str) -> list[dict]:
    result = run_cli("search", *args, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def urls(db: Path, *args: str) -> set[str]:
    return {hit["url"] for hit in hits(db, *args)}


@pytest.mark.parametrize("query", ["αθηνα", "αθήνα", "ΑΘΗΝΑ", "Αθήνα", "ΑΘΉΝΑ"])
def test_greek_with_or_without_tonos_finds_the_headline_and_the_body(db, query):
    assert urls(db, query) == {HEADLINE["url"], BODY["url"]}


def test_greek_final_sigma_and_capitals(db):
    # ς is σ to the index already; the tonos was what kept ΑΘΗΝΑΣ from Αθήνας.
    assert urls(db, "ΑΘΗΝΑΣ") == {BODY["url"]}
    assert urls(db, "αθηνας") == {BODY["url"]}


def test_snippets_mark_each_spelling_found(db):
    snippets = {hit["url"]: hit["snippet"] for hit in hits(db, "αθηνα")}
    assert "[ΑΘΗΝΑ]" in snippets[HEADLINE["url"]]
    assert "[Αθήνα]" in snippets[BODY["url"]]


def test_title_only(db):
    assert urls(db, "αθήνα", "--title-only") == {HEADLINE["url"]}
    assert urls(db, "title:αθήνα") == {HEADLINE["url"]}


@pytest.mark.parametrize("query", ["еще", "ещё", "ЕЩЁ", "Еще"])
def test_russian_yo_and_ye_find_each_other(db, query):
    assert urls(db, query) == {YO["url"], YE["url"]}


def test_russian_prefix_and_stress_marks(db):
    assert urls(db, "поселк*") == {YO["url"], YE["url"]}
    assert urls(db, "посёлк*") == {YO["url"], YE["url"]}
    # A combining stress mark (as in dictionaries) was already ignored by the index.
    assert urls(db, "учитель") == {YO["url"]}


def test_greek_prefix(db):
    assert urls(db, "αθην*") == {HEADLINE["url"], BODY["url"]}
    assert urls(db, "ΑΘΗΝ*") == {HEADLINE["url"], BODY["url"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"αθηνας πειραια"', BODY),  # Αθήνας Πειραιά in the body
        ('"ΑΘΗΝΑΣ ΠΕΙΡΑΙΑ"', BODY),
        ('"λιμανι του πειραια"', HEADLINE),  # ΛΙΜΑΝΙ ΤΟΥ ΠΕΙΡΑΙΑ in the headline
        ('"λιμάνι του Πειραιά"', HEADLINE),
    ],
)
def test_a_phrase_in_any_spelling(db, query, expected):
    assert urls(db, query) == {expected["url"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("da nang", DANANG),
        ('"da nang"', DANANG),
        ("đa", DANANG),
        ("lodz", LODZ),
        ("LODZ", LODZ),
        ("tramwajowe AND lodz", LODZ),
    ],
)
def test_latin_letters_the_index_keeps(db, query, expected):
    assert urls(db, query) == {expected["url"]}


def test_german_sharp_s_and_ss(db):
    assert urls(db, "strasse") == {STRASSE["url"], SWISS["url"]}
    assert urls(db, "Straße") == {STRASSE["url"], SWISS["url"]}


def test_operators_keep_their_meaning(db):
    assert urls(db, "αθηνα NOT πρωθυπουργος") == {HEADLINE["url"]}
    assert urls(db, "ещё OR lodz") == {YO["url"], YE["url"], LODZ["url"]}
    assert urls(db, "(αθηνα OR lodz) NOT λιμανι") == {BODY["url"], LODZ["url"]}
    # Adjacent words are an implicit AND, NOT binding tighter: FTS5's own precedence.
    assert urls(db, "ещё NOT москве метро") == {YO["url"]}


def test_an_empty_phrase_beside_a_word_is_ignored_as_fts5_ignores_it(db):
    # Joined by AND (as the rewrite joins a word's spellings to its neighbours) an
    # empty phrase matches nothing; beside a word FTS5 leaves it out. Found by comparing
    # the rewrite with a folded copy of the index on 8,000 random queries.
    assert urls(db, '"" αθηνα') == {HEADLINE["url"], BODY["url"]}
    assert urls(db, 'αθηνα ^""') == urls(db, 'αθηνα ""+""') == {HEADLINE["url"], BODY["url"]}


def test_a_bad_query_still_gets_its_one_line_error(db):
    result = run_cli("search", "αθηνα AND", "--db", str(db))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "'αθηνα AND'" in lines[0] and "hint:" in lines[0]
    assert "αθήνα" not in lines[0]  # the rewrite is not shown


def test_a_phrase_with_too_many_spellings_is_searched_within_the_bound(db):
    phrase = '"' + " ".join(fold(word) for word in LONG_PHRASE) + '"'
    result = run_cli("search", phrase, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert [hit["url"] for hit in json.loads(result.stdout)] == [PHRASES["url"]]
    assert f"is in the archive in 64 spellings; searched for {MAX_PHRASES}" in result.stderr


def test_a_query_past_its_bound_says_so_once(db):
    # 40 words of two spellings each: the query fills up after 32. One note for the words
    # left as typed (each had a line of its own), and none twice when FTS5 refuses the
    # query as typed (x: is no column) and its words are searched quoted.
    query = " ".join(["αθηνα"] * 40) + " OR x:lodz"
    result = run_cli("search", query, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    notes = result.stderr.splitlines()
    assert len(notes) == 1, result.stderr
    assert notes[0].startswith("note: 9 words searched as typed ("), notes[0]
    assert notes[0].endswith("the query already holds 64 spellings"), notes[0]


def test_a_long_phrase_is_searched_in_the_spellings_the_texts_hold(db):
    # Six of its words have two spellings in the index (64 combinations, past the
    # bound): those the texts hold are found word by word, and no note is needed.
    phrase = '"πρωθυπουργος συναντηθηκε σημερα στην αθηνα με τους δημαρχους συζητηθηκαν"'
    result = run_cli("search", phrase, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert [hit["url"] for hit in json.loads(result.stdout)] == [BODY["url"]]
    assert result.stderr == ""


def test_a_word_with_too_many_spellings_is_searched_within_the_bound(db):
    result = run_cli("search", MANY, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert [hit["url"] for hit in json.loads(result.stdout)] == [VARIANTS["url"]]
    assert f"stopped at {MAX_SPELLINGS} spellings" in result.stderr


def test_many_foldable_letters_cost_nothing_when_the_index_holds_one_spelling(db):
    # 60 letters that could each carry a mark (d/đ/ð, o/ø, l/ł, ε/έ, α/ά, е/ё):
    # the walk drops every spelling no term begins with, so this answers at once.
    result = run_cli(
        "search", "dolodolodolodolo αεαεαεαεαεαεαεαε ееееееееееееееее", "--db", str(db)
    )
    assert result.returncode == 0 and result.stderr == "no matches\n", result.stderr


def test_export_query_uses_the_same_spellings(db):
    result = run_cli("export", "--query", "αθηνα", "--db", str(db))
    assert result.returncode == 0, result.stderr
    exported = {json.loads(line)["url"] for line in result.stdout.splitlines()}
    assert exported == {HEADLINE["url"], BODY["url"]}


def test_export_query_past_its_bound_says_so_as_search_does(db):
    result = run_cli("export", "--query", " ".join(["αθηνα"] * 40), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("note: 8 words searched as typed ("), result.stderr
    assert len(result.stderr.splitlines()) == 1
    # The 8 words past the bound are matched as typed (no tonos): the capitals headline only.
    assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == [HEADLINE["url"]]


# -- English, French and German: unchanged ---------------------------------------------


@pytest.fixture(scope="module")
def latin_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("latin") / "press.db"
    german = gov_release(
        "de/menschenrechte",
        "Menschenrechtsrat verurteilt Festnahmen",
        "Die Menschenrechte der Inhaftierten müssen geachtet werden; Gerichte in Lodz.",
        "de",
    )
    return archive_holding(path, [*releases(200), german], source="all")


@pytest.mark.parametrize(
    "query",
    [
        "detention",
        '"human rights"',
        "refug*",
        "title:Burundi",
        "torture AND police",
        "election* NOT Russia",
        "enquête",
        "femmes",
        "Menschenrechte",
        "Lodz",
        "human-rights",
    ],
)
def test_a_query_without_other_spellings_is_run_as_typed(latin_db, query):
    """The rewrite is a no-op where the index holds one spelling of each word: the same
    hits, ranks and snippets as FTS5 gives the query as typed."""
    from storage.fts import quote_barewords
    from storage.spellings import expand

    conn = sqlite3.connect(latin_db)
    try:
        typed = query if query != "human-rights" else quote_barewords(query)
        assert expand(conn, typed) is typed
        reference = conn.execute(
            "SELECT a.url, bm25(articles_fts, 10.0, 1.0),"
            " snippet(articles_fts, 1, '[', ']', '…', 20) FROM articles_fts"
            " JOIN articles a ON a.id = articles_fts.rowid WHERE articles_fts MATCH ?"
            " ORDER BY bm25(articles_fts, 10.0, 1.0), a.id LIMIT 20",
            [typed],
        ).fetchall()
    finally:
        conn.close()
    found = hits(latin_db, query, "--limit", "20")
    assert reference, query
    assert [(h["url"], pytest.approx(h["rank"]), h["snippet"]) for h in found] == reference
