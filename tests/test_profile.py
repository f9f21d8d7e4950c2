"""The boilerplate profile: learned per source from stored pages, in a real archive file."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlite_utils import Database

from storage import Archive, profiles
from storage.migrations import migrations
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


def test_a_revoted_text_names_its_new_reader(archive):
    # crawler/revote.py stores the re-voted text, then whose reading it now is.
    archive.save_articles([{"url": "https://x.org/1", "source": SOURCE, "text": "Old.",
                            "extractor": "trafilatura 2.3.1"}], None)  # fmt: skip
    (article_id,) = [r[0] for r in archive._conn.execute("SELECT id FROM articles")]
    archive.save_extractors([("readability-lxml 0.9", article_id)])
    (row,) = archive._conn.execute("SELECT extractor FROM articles").fetchall()
    assert row[0] == "readability-lxml 0.9"


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
    """Every counted block: group, hash, pages, and its text once it repeats; group sizes."""
    blocks = archive.db.conn.execute(
        "SELECT grp, hash, pages, CASE WHEN pages >= 2 THEN text END FROM profile_blocks"
        " WHERE source = ? ORDER BY grp, hash",
        [SOURCE],
    ).fetchall()
    sizes = archive.db.conn.execute(
        "SELECT grp, pages FROM profile_groups WHERE source = ? ORDER BY grp", [SOURCE]
    ).fetchall()
    assert sizes == recounted_groups(archive)
    return [*blocks, *sizes]


def recounted_groups(archive: Archive) -> list[tuple]:
    """Group sizes counted from page_blocks itself."""
    return archive.db.conn.execute(
        "SELECT grp, n FROM (SELECT '*' AS grp, count(*) AS n FROM page_blocks WHERE source = ?1"
        " UNION ALL SELECT 'lang:' || language, count(*) FROM page_blocks"
        "  WHERE source = ?1 AND language != '' GROUP BY language"
        " UNION ALL SELECT 'tpl:' || template, count(*) FROM page_blocks"
        "  WHERE source = ?1 AND template != '' GROUP BY template) WHERE n > 0 ORDER BY grp",
        [SOURCE],
    ).fetchall()


def test_an_archive_from_before_group_counts_gets_them_counted(tmp_path):
    # m005 keeps group sizes as counts; an older archive's are counted from its pages.
    path = tmp_path / "old.db"
    db = Database(path)
    migrations.apply(db, stop_before="m005_profile_groups")
    for i in range(30):
        db.execute(
            "INSERT INTO page_blocks (url, source, language, template, blocks, text_hash)"
            " VALUES (?, ?, ?, ?, ?, NULL)",
            [f"https://x.org/{i}", SOURCE, "fr" if i % 3 else "", f"t{i % 2}", profiles.pack([])],
        )
    db.conn.commit()
    db.close()
    with Archive(path) as archive:
        expected = [("*", 30), ("lang:fr", 20), ("tpl:t0", 15), ("tpl:t1", 15)]
        assert recounted_groups(archive) == expected
        assert archive.db.conn.execute(
            "SELECT grp, pages FROM profile_groups WHERE source = ? ORDER BY grp", [SOURCE]
        ).fetchall() == recounted_groups(archive)
        assert profiles.page_count(archive, SOURCE) == 30
        assert profiles._groups(archive, SOURCE) == {"*": 30, "lang:fr": 20}  # layouts < MIN_GROUP


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


def test_reclean_of_stale_texts_reads_only_those(archive):
    # A crawl names the texts cleaned with an older profile: those stored up to
    # an article id, and some urls stored later. Nothing else is re-read.
    store(archive, [(f"https://x.org/{i}", page(i)) for i in range(12)])
    ids = {row["url"]: row["id"] for row in archive.articles()}
    assert reclean(archive, SOURCE, stale_upto=None, stale_urls=[]) == 0
    upto = ids["https://x.org/4"]
    assert reclean(archive, SOURCE, stale_upto=upto, stale_urls=["https://x.org/9"]) == 6
    cleaned = {url for url in ids if BANNER not in archive.get(url)["text"]}
    assert cleaned == {f"https://x.org/{i}" for i in (0, 1, 2, 3, 4, 9)}
    assert reclean(archive, SOURCE, stale_urls=["https://x.org/10"]) == 1
    assert reclean(archive, SOURCE) == 5  # the rest, unrestricted


def test_the_crawl_recleans_only_texts_cleaned_with_an_older_profile(archive):
    from crawler.items import ArticleItem
    from crawler.profile import ProfileKeeper

    run = archive.start_run(SOURCE, {})
    spider = SimpleNamespace(source=SimpleNamespace(name=SOURCE), boilerplate=frozenset())
    keeper = ProfileKeeper(archive, spider)
    empty = keeper.publish()

    def saved(i: int, profile: frozenset[int]) -> ArticleItem:
        blocks = page(i)
        url = f"https://x.org/{i}"
        row = {"url": url, "source": SOURCE, "title": "T", "text": render("T", blocks)[0]}
        archive.save_articles([row], run)
        return ArticleItem(row, blocks=blocks, template="t1", profile=profile)

    keeper.record([saved(i, empty) for i in range(12)])
    learned = spider.boilerplate
    assert block_hash(BANNER) in learned  # learned after the 12 pages were cleaned
    # Extracted before the profile changed but stored after it; extracted after
    # (its text still shows the banner here, so re-reading it would change it).
    keeper.record([saved(12, empty), saved(13, learned)])
    assert keeper.finish(run) == 13
    assert BANNER in archive.get("https://x.org/13")["text"]
    assert all(BANNER not in archive.get(f"https://x.org/{i}")["text"] for i in range(13))


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


@pytest.mark.parametrize("where", ["worker", "writer"])
def test_the_crawl_recleans_near_repeated_blocks_with_the_workers_signatures(tmp_path, where):
    """Signatures computed by the extraction workers (ArticleItem.signatures) or by the
    writer: the same near-repeated contact blocks are learned and re-cleaned."""
    from crawler.items import ArticleItem
    from crawler.profile import ProfileKeeper
    from extraction.nearblocks import edge_signatures

    archive = Archive(tmp_path / f"{where}.db")
    run = archive.start_run(SOURCE, {})
    spider = SimpleNamespace(source=SimpleNamespace(name=SOURCE), boilerplate=frozenset())
    keeper = ProfileKeeper(archive, spider)
    keeper.publish()
    items = []
    for i in range(12):
        contact = f"Press office, Office for Region {chr(65 + i)}, Telephone 020 7946 01{i:02d}"
        # Body paragraphs of 12 words or more: prose, never a class (nearblocks rule 2).
        body = [
            f"Release {i} reports what the inspectors found in the prisons they visited this year.",
            f"Witnesses of release {i} described the conditions, dates and places in detail.",
        ]
        blocks = [("p", text, text) for text in (*body, contact)]
        url = f"https://x.org/{i}"
        row = {"url": url, "source": SOURCE, "title": "T", "text": render("T", blocks)[0]}
        archive.save_articles([row], run)
        texts = [b[1] for b in blocks]
        signatures = edge_signatures(texts) if where == "worker" else None
        items.append(ArticleItem(row, blocks=blocks, template="t1", signatures=signatures))
    keeper.record(items)
    assert keeper.finish(run) == 12
    texts = [archive.get(f"https://x.org/{i}")["text"] for i in range(12)]
    assert all(
        "Press office" not in text and f"release {i}" in text for i, text in enumerate(texts)
    )
    archive.close()
