"""The boilerplate profile: learned per source from stored pages, in a real archive file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from storage import Archive, profiles
from storage.profiles import block_hash, boilerplate, reclean, record, render

SOURCE = "site"
BANNER = "Stand with us: every gift funds independent investigations."
QUOTE = "“We will not stop until every detainee is free,” said the director."


def page(i: int, *, banner: bool = True, quote: bool = False) -> list[tuple[str, str, str]]:
    body = [("p", f"Paragraph one of release {i}, about its own events.", "")]
    body.append(("p", f"Paragraph two of release {i}: witnesses, dates and places.", ""))
    if quote:
        body.append(("quote", QUOTE, ""))
        body.append(("quote", QUOTE, ""))  # repeated inside one page: counts once
    if banner:
        body.append(("p", BANNER, ""))
    return [(kind, text, text) for kind, text, _ in body]


def store(archive: Archive, pages: list[tuple[str, list]], layout: str = "t1") -> None:
    store_batch(archive, [(url, blocks, layout) for url, blocks in pages])


def store_batch(archive: Archive, pages: list[tuple[str, list, str]]) -> None:
    """Save articles and record their blocks in one call, as the crawl's writer does."""
    rows = [
        {
            "url": url,
            "source": SOURCE,
            "title": f"Title {url}",
            "text": render(f"Title {url}", blocks)[0],
        }
        for url, blocks, _ in pages
    ]
    archive.save_articles(rows, None)
    record(archive, SOURCE, [(url, "en", layout, blocks) for url, blocks, layout in pages])


@pytest.fixture
def archive(tmp_path: Path):
    with Archive(tmp_path / "profile.db") as archive:
        yield archive


def test_a_block_on_every_page_is_boilerplate_a_shared_quote_is_not(archive):
    pages = [(f"https://x.org/{i}", page(i, quote=i < 3)) for i in range(20)]
    store(archive, pages)
    learned = boilerplate(archive, SOURCE)
    assert block_hash(BANNER) in learned
    assert block_hash(QUOTE) not in learned  # on 3 of 20 pages, twice on each
    assert block_hash("Paragraph one of release 4, about its own events.") not in learned
    (row,) = [r for r in profiles.profile(archive, SOURCE) if r["text"] == QUOTE]
    assert (row["pages"], row["boilerplate"]) == (3, False)


def test_too_few_pages_learn_nothing(archive):
    store(archive, [(f"https://x.org/{i}", page(i)) for i in range(profiles.MIN_PAGES - 1)])
    assert boilerplate(archive, SOURCE) == frozenset()


def test_a_layout_of_its_own_has_its_own_boilerplate(archive):
    # 25 pages of one layout carry the banner, 25 of another do not: half the
    # site, so only the per-layout group can tell it is template text.
    store(archive, [(f"https://x.org/a{i}", page(i)) for i in range(25)], layout="news")
    store(archive, [(f"https://x.org/b{i}", page(100 + i, banner=False)) for i in range(25)], "old")
    assert block_hash(BANNER) in boilerplate(archive, SOURCE)
    (row,) = [r for r in profiles.profile(archive, SOURCE) if r["text"] == BANNER]
    assert (row["group"], row["pages"], row["total"]) == ("tpl:news", 25, 25)


def test_same_pages_in_any_order_give_the_same_profile(tmp_path):
    pages = [(f"https://x.org/{i}", page(i, quote=i % 7 == 0)) for i in range(30)]
    results = []
    for seed in (1, 2):
        shuffled = pages[:]
        random.Random(seed).shuffle(shuffled)
        with Archive(tmp_path / f"{seed}.db") as archive:
            for start in range(0, len(shuffled), 7):
                store(archive, shuffled[start : start + 7])
            results.append((boilerplate(archive, SOURCE), profiles.profile(archive, SOURCE)))
    assert results[0] == results[1]


def test_recrawling_a_page_does_not_count_it_twice(archive):
    pages = [(f"https://x.org/{i}", page(i)) for i in range(10)]
    store(archive, pages)
    store(archive, pages)
    store(archive, [("https://x.org/0", page(0, banner=False))])  # the page lost its banner
    (row,) = [r for r in profiles.profile(archive, SOURCE) if r["text"] == BANNER]
    assert (row["pages"], row["total"]) == (9, 10)
    assert profiles.page_count(archive, SOURCE) == 10


@pytest.mark.parametrize("together", [False, True], ids=["page by page", "batch at once"])
def test_edits_leave_the_counts_a_fresh_archive_of_the_final_pages_would_have(tmp_path, together):
    # Edited releases re-count only the blocks they gained or lost; a page that
    # moved to another layout re-counts all of its blocks in its new groups.
    # Recorded a batch at once, counts are summed before they are written: a
    # block one page gains and another loses, a url twice in one batch.
    rng = random.Random(7)
    final: dict[str, tuple[list, str]] = {}
    with Archive(tmp_path / "edited.db") as edited:
        for step in range(6):
            batch = []
            for i in [*rng.sample(range(15), 8), rng.randrange(15)]:
                blocks = page(i, banner=rng.random() < 0.8, quote=rng.random() < 0.3)
                if step and rng.random() < 0.5:
                    blocks = [*blocks, ("p", f"Update {step}: corrected.", "")]
                layout = rng.choice(["t1", "t1", "t2"])
                final[f"https://x.org/{i}"] = (blocks, layout)
                batch.append((f"https://x.org/{i}", blocks, layout))
            if together:
                store_batch(edited, batch)
            else:
                for url, blocks, layout in batch:
                    store(edited, [(url, blocks)], layout=layout)
        got = counts(edited)
    with Archive(tmp_path / "fresh.db") as fresh:
        for url, (blocks, layout) in sorted(final.items()):
            store(fresh, [(url, blocks)], layout=layout)
        assert got == counts(fresh)
    assert len(got) > 20 and any(pages > 1 for _, _, pages, _ in got)


def counts(archive: Archive) -> list[tuple]:
    """Every counted block: group, hash, pages, and its text once it repeats."""
    return archive.db.conn.execute(
        "SELECT grp, hash, pages, CASE WHEN pages >= 2 THEN text END FROM profile_blocks"
        " WHERE source = ? ORDER BY grp, hash",
        [SOURCE],
    ).fetchall()


def test_reclean_rebuilds_texts_stored_before_the_profile_knew(archive):
    pages = [(f"https://x.org/{i}", page(i)) for i in range(12)]
    store(archive, pages)
    assert BANNER in archive.get("https://x.org/0")["text"]
    assert reclean(archive, SOURCE) == 12
    row = archive.get("https://x.org/0")
    assert BANNER not in row["text"] and BANNER not in row["markdown"]
    assert row["text"] == "Title https://x.org/0\n\n" + "\n\n".join(b[1] for b in page(0)[:2])
    assert row["word_count"] == len(row["text"].split())
    assert reclean(archive, SOURCE) == 0  # nothing left to do


def test_reclean_leaves_a_text_that_no_longer_comes_from_its_blocks(archive):
    store(archive, [(f"https://x.org/{i}", page(i)) for i in range(12)])
    archive.save_articles(
        [{"url": "https://x.org/3", "source": SOURCE, "title": "T", "text": "Re-extracted."}], None
    )
    reclean(archive, SOURCE)
    assert archive.get("https://x.org/3")["text"] == "Re-extracted."


def test_wilson_threshold():
    assert profiles.is_boilerplate(44, 44)
    assert profiles.is_boilerplate(22, 22)
    assert not profiles.is_boilerplate(22, 44)  # half the pages is not enough evidence
    assert not profiles.is_boilerplate(15, 36)
    assert not profiles.is_boilerplate(4, 4)  # below MIN_PAGES
