"""Search finds an Arabic or Hebrew word when the text writes it with an attached prefix,
through the installed program.

Arabic and Hebrew write "and", "the", "in", "to"... as one word with the word they go
with (والقدس, للقدس; המורים, בירושלים), and the index keeps each written word as one
term: before storage/clitics.py, `pressroom search تطعيم` did not find a release that
only writes التطعيم (the README told users to type both forms). Each search below
was run against the program before the rewrite and missed the release it now finds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import archive_holding, gov_release, run_cli

# Arabic: the vaccination campaign only ever says التطعيم (the vaccination) and
# للتطعيم (for the vaccination); Jerusalem is والقدس (and Jerusalem) and بالقدس.
VACCINATION = gov_release(
    "ar/vaccination",
    "وزارة الصحة تطلق حملة وطنية للتطعيم",
    "أعلنت وزارة الصحة اليوم عن بدء الحملة الوطنية للتطعيم ضد شلل الأطفال، ويستمر "
    "التطعيم حتى نهاية الشهر في جميع المحافظات والمدن.",
    "ar",
)
JERUSALEM = gov_release(
    "ar/jerusalem",
    "اجتماع وزاري في عمان والقدس",
    "عقد الوزراء اجتماعا بالقدس لبحث أوضاع المدارس في المدينة، وطرحوا فكرة جديدة.",
    "ar",
)
# Hebrew: the teachers only as המורים (the teachers) and למורים (to the teachers);
# Jerusalem as בירושלים (in Jerusalem).
TEACHERS = gov_release(
    "he/teachers",
    "משרד החינוך: הסכם חדש עם המורים",
    "השר הודיע כי ההסכם יחול על כל המורים בירושלים ובשאר הארץ, ותוספת השכר תשולם "
    "למורים כבר בחודש הבא. מספר המורים גדל.",
    "he",
)
# A two-letter word: הים (the sea) and שים are left alone (another word, not ים with ש).
SEA = gov_release("he/sea", "סגירת חופי הים", "החופים ייסגרו בשל מזג האוויר בים.", "he")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prefixes") / "press.db"
    archive_holding(path, [VACCINATION, JERUSALEM, TEACHERS, SEA])
    return path


def urls(db: Path, *args: str) -> set[str]:
    result = run_cli("search", *args, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return {hit["url"] for hit in json.loads(result.stdout)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("تطعيم", VACCINATION),  # the text has التطعيم and للتطعيم only
        ("التطعيم", VACCINATION),  # and للتطعيم: ل before the article drops its alif
        ("قدس", JERUSALEM),  # والقدس, بالقدس
        ("القدس", JERUSALEM),
        ("مدينة", JERUSALEM),  # المدينة
        ("مدن", VACCINATION),  # والمدن: two prefixes, "and" and "the"
        ("מורים", TEACHERS),  # המורים, למורים
        ("ירושלים", TEACHERS),  # בירושלים
        ("חופים", SEA),  # החופים
    ],
)
def test_a_word_finds_its_forms_with_attached_prefixes(db, query, expected):
    assert urls(db, query) == {expected["url"]}


def test_a_word_typed_with_its_prefix_is_searched_as_typed(db):
    # Prefixes are added, never taken off: والقدس does not find بالقدس alone.
    assert urls(db, "بالقدس") == {JERUSALEM["url"]}
    assert urls(db, "בירושלים") == {TEACHERS["url"]}
    assert urls(db, "ובירושלים") == set()


def test_short_words_are_left_alone(db):
    # ים (2 letters) would find הים and בים, but also שים or לים, other words.
    assert urls(db, "ים") == set()
    # Three letters take only the forms with the article: ספר (book) is not מספר (number),
    # كرة (ball) is not فكرة (idea); both texts hold only the longer word.
    assert urls(db, "ספר") == set()
    assert urls(db, "كرة") == set()
    # Searched as typed, whatever its length: NEAR() takes no rewrite (README).
    assert urls(db, "NEAR(מורים)") == set()


def test_prefix_search_phrases_and_operators(db):
    assert urls(db, "تطع*") == {VACCINATION["url"]}
    assert urls(db, '"حملة وطنية"') == {VACCINATION["url"]}
    assert urls(db, '"تطعيم ضد"') == {VACCINATION["url"]}  # للتطعيم ضد
    # Only a phrase's first word takes prefixes (الوطنية للتطعيم is in the text).
    assert urls(db, '"الوطنية تطعيم"') == set()
    assert urls(db, '"تطعيم الوطنية"') == set()  # a phrase is still in its order
    assert urls(db, "מורים AND ירושלים") == {TEACHERS["url"]}
    assert urls(db, "מורים OR تطعيم") == {TEACHERS["url"], VACCINATION["url"]}
    assert urls(db, "قدس NOT مدارس") == set()  # its text has المدارس
    assert urls(db, "title:מורים") == {TEACHERS["url"]}


def test_export_query_finds_the_same(db, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("export", "--db", str(db), "--query", "מורים", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["url"] for row in rows] == [TEACHERS["url"]]
