"""Search in Hindi (and the other scripts of India), through the installed program.

Devanagari writes its vowels after a consonant as combining marks (का, कि, की)
and joins consonants with one (्). The index's tokenizer (FTS5 unicode61) took
those marks for separators, so ग्रामीण ("rural") was indexed as the letters
ग र म ण, and a search matched any word with the same consonants in the same
order: `pressroom search 'राम'` (Ram) found ग्रामीण, and 'दाल' (lentils)
found 'दिल' (heart), both read as द ल. The releases below are written in the
style of Indian government releases; the words searched for sit inside sentences.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from helpers import archive_holding, run_cli
from sqlite_utils import Database

from storage.migrations import apply

RURAL = {
    "url": "https://gov.example/hi/news/rural-health",
    "source": "gov",
    "title": "सरकार ने ग्रामीण क्षेत्रों के लिए नई स्वास्थ्य योजना की घोषणा की",
    "text": "सरकार ने ग्रामीण क्षेत्रों के लिए नई स्वास्थ्य योजना की घोषणा की\n\n"
    "केंद्र सरकार ने आज ग्रामीण क्षेत्रों में प्राथमिक स्वास्थ्य सेवाओं को मज़बूत करने "
    "के लिए एक नई योजना की घोषणा की। विशेषज्ञों ने कहा कि डॉक्टरों की कमी दूर किए बिना "
    "योजना का पूरा लाभ नहीं मिल पाएगा। दिल की बीमारी के मरीज़ों को दवाइयाँ मुफ़्त मिलेंगी।",
    "date_published": "2024-01-26",
    "language": "hi",
}
FESTIVAL = {
    "url": "https://gov.example/hi/news/ram-navami",
    "source": "gov",
    "title": "राम नवमी पर अयोध्या में सुरक्षा के कड़े इंतज़ाम",
    "text": "राम नवमी पर अयोध्या में सुरक्षा के कड़े इंतज़ाम\n\n"
    "राम नवमी के अवसर पर अयोध्या में लाखों श्रद्धालुओं के पहुँचने की उम्मीद है। "
    "प्रशासन ने बताया कि मेले का काम समय पर पूरा कर लिया गया है और भंडारे में दाल और चावल बाँटे जाएँगे।",
    "date_published": "2024-04-17",
    "language": "hi",
}
RELEASES = [RURAL, FESTIVAL]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("indic") / "press.db"
    archive_holding(path, RELEASES)
    return path


def search(db: Path, *args: str) -> list[str]:
    result = run_cli("search", *args, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    return [hit["url"] for hit in json.loads(result.stdout)]


def test_a_word_is_not_found_inside_another_with_the_same_consonants(db):
    # राम (Ram) is in FESTIVAL; ग्रामीण (rural) in RURAL holds the letters र and म.
    assert search(db, "राम") == [FESTIVAL["url"]]


def test_a_vowel_sign_tells_two_words_apart(db):
    # दाल (lentils) is in FESTIVAL only, दिल (heart) in RURAL only: the same consonants.
    assert search(db, "दाल") == [FESTIVAL["url"]]
    assert search(db, "दिल") == [RURAL["url"]]


def test_words_with_vowel_signs_and_conjuncts_are_found(db):
    assert search(db, "स्वास्थ्य") == [RURAL["url"]]
    assert search(db, "डॉक्टरों") == [RURAL["url"]]
    assert search(db, "श्रद्धालु*") == [FESTIVAL["url"]]
    assert search(db, '"राम नवमी"') == [FESTIVAL["url"]]


def test_a_snippet_shows_words_around_the_hit(db):
    result = run_cli("search", "स्वास्थ्य", "--json", "--db", str(db))
    snippet = json.loads(result.stdout)[0]["snippet"]
    # About 20 words of context, not 20 letters (it was "…नई [स्वास्थ्य]…", 8 words).
    assert "[स्वास्थ्य]" in snippet
    assert len(snippet.split()) >= 15


def test_an_archive_of_an_older_pressroom_is_reindexed_when_opened_for_writing(tmp_path):
    path = tmp_path / "old.db"
    db = Database(path)
    apply(db, stop_before="m009_fts_marks")
    db.close()
    archive_holding(path, RELEASES)  # opening it for writing applies m009
    assert search(path, "राम") == [FESTIVAL["url"]]
    # The index still follows the table: a deleted release leaves no hit behind.
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM articles WHERE url = ?", [FESTIVAL["url"]])
    conn.close()
    assert search(path, "राम") == []
    assert search(path, "स्वास्थ्य") == [RURAL["url"]]
