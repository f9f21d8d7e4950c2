"""Provenance: the ``extractor`` field names whose reading an article's text is."""

from __future__ import annotations

import pytest
from helpers import store_voted_page

from extraction import extract
from extraction.rules import Rules
from storage import Archive

PARAGRAPHS = [
    "The council approved the budget for the new school after a long debate on Monday. "
    "Parents had asked for the building for years, and the vote was close.",
    "Work on the site starts in the spring, the mayor said, and the first classes should "
    "move in two years from now, if the builders keep to the plan they have agreed to.",
]
# Two paragraphs, 64 words: under the 150 that put a body in doubt, so it is voted on.
PAGE = (
    "<html><head><title>Budget</title></head><body><h1>Budget</h1><div class='text'>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    + "</div></body></html>"
)


@pytest.mark.parametrize(
    ("pick", "name"), [(0, "trafilatura "), (1, "trafilatura "), (2, "readability-lxml ")]
)
def test_the_extractor_field_names_the_reading_kept(monkeypatch, pick, name):
    # A dataset's provenance: the body kept is one extractor's reading, and says whose
    # (it said trafilatura also where the vote kept readability-lxml's).
    monkeypatch.setattr(extract, "_rule_vote", lambda kept, voices, anchors: pick)
    result = extract.analyse(PAGE, "https://x.org/news/budget", Rules(), release=True)
    assert result.kind == "article", result.reason
    assert result.seen is not None  # it was voted on
    assert result.article["extractor"].startswith(name)
    assert result.article["extractor"].endswith("(defaults)") == (pick == 1)


def test_an_unvoted_page_is_the_own_pass(monkeypatch):
    monkeypatch.setattr(extract, "_rule_vote", lambda *a: pytest.fail("voted"))
    long_page = PAGE.replace("</div>", "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 2) + "</div>")
    result = extract.analyse(long_page, "https://x.org/news/budget", Rules(), release=True)
    assert result.kind == "article", result.reason
    assert result.seen is None and result.article["extractor"].startswith("trafilatura ")
    assert not result.article["extractor"].endswith("(defaults)")


def test_reextract_mends_a_stale_reader_name(cli, tmp_path):
    # Archives written before the vote named its reader say "trafilatura" on pages
    # whose text is readability-lxml's. Re-extraction finds the same text ("unchanged")
    # and must still correct the name: provenance is not part of a text's version.
    db = tmp_path / "old.db"
    _, article = store_voted_page(db, extractor="trafilatura 2.3.1")  # as stored before
    assert article["extractor"].startswith("readability-lxml ")
    redone = cli("reextract", "--db", str(db))
    assert redone.returncode == 0, redone.stderr
    assert "0 changed, 1 unchanged" in redone.stdout + redone.stderr
    with Archive(db, readonly=True) as archive:
        (name,) = archive._conn.execute("SELECT extractor FROM articles").fetchone()
    assert name == article["extractor"]
