"""A source's boilerplate profile: text blocks that recur across many of its pages.

    >>> with Archive("hrw.db") as archive:  # doctest: +SKIP
    ...     record(archive, "hrw", [(url, "en", layout, blocks)])  # after each batch
    ...     hashes = boilerplate(archive, "hrw")                   # handed to extraction
    ...     reclean(archive, "hrw", run_id)                        # at the end of a crawl

Extraction cuts a page's text into blocks (paragraphs, headings, list items,
quotes, table rows). For every stored page the writer records the blocks it
had *before* the profile was applied (``page_blocks``, compressed), and keeps
per-source document frequencies of those blocks (``profile_blocks``, keyed by
a 64-bit hash of the normalised text): on how many pages each block was seen,
over all of the source's pages and within each language and each page layout
(a site's news and legacy templates carry different boilerplate).

A block is boilerplate when, in some group, it is on at least
:data:`MIN_PAGES` pages and the lower bound of a 95% Wilson interval on its
share of the group's pages is at least :data:`SHARE`. Template text is on
nearly every page of its layout, while a sentence that legitimately recurs (a
list of recommendations, a quote used in a few releases) stays well below
half, and a block repeated inside one page counts once. The profile is a pure
function of the stored pages: the same pages give the same profile, in
whatever order they came.

Texts are rendered from blocks by :func:`render`, the same function extraction
uses, so :func:`reclean` can rebuild a stored text with a newer profile
without the HTML: the first pages of a fresh crawl, stored before the profile
knew anything, are cleaned at the end of that crawl.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from article.text import Block, block_hash, normalise, render, word_count  # noqa: F401 (used by callers)

from .captures import compress, decompress
from .records import text_hash

if TYPE_CHECKING:
    from .archive import Archive

MIN_PAGES = 5  # a block seen on fewer pages is never boilerplate
SHARE = 0.5  # ...nor one whose share of pages may be below this
_Z = 1.645  # one-sided 95% for the Wilson lower bound
ALL = "*"  # profile_blocks.grp of the counts over all of a source's pages
# A language or layout group only counts once it is this big; smaller ones are
# covered by the source-wide group (a few French pages of a mostly English
# site share body sentences by chance far more often than half of them).
MIN_GROUP = 20


def pack(blocks: Sequence[Block]) -> bytes:
    """Blocks as compressed JSON, for ``page_blocks.blocks``.

    >>> unpack(pack([("p", "Hi.", "Hi.")]))
    [('p', 'Hi.', 'Hi.')]
    """
    data = json.dumps([list(b) for b in blocks], ensure_ascii=False, separators=(",", ":"))
    return compress(data.encode("utf-8"))


def unpack(data: bytes) -> list[Block]:
    return [(k, t, m) for k, t, m in json.loads(decompress(data))]


def is_boilerplate(pages: int, total: int) -> bool:
    """Whether a block seen on ``pages`` of ``total`` pages is template text.

    >>> is_boilerplate(5, 5), is_boilerplate(44, 44), is_boilerplate(6, 8), is_boilerplate(17, 44)
    (True, True, False, False)
    """
    if pages < MIN_PAGES or total <= 0:
        return False
    share = pages / total
    z2 = _Z * _Z
    centre = share + z2 / (2 * total)
    margin = _Z * math.sqrt(share * (1 - share) / total + z2 / (4 * total * total))
    return (centre - margin) / (1 + z2 / total) >= SHARE


def _min_pages(total: int) -> int:
    """The smallest page count that :func:`is_boilerplate` accepts for ``total`` pages."""
    low = max(MIN_PAGES, math.ceil(SHARE * total))
    while low <= total and not is_boilerplate(low, total):
        low += 1
    return low


# --- in the archive ---------------------------------------------------------

Page = tuple[str, "str | None", "str | None", Sequence[Block]]  # url, language, template, blocks


def groups_of(language: str | None, template: str | None) -> list[str]:
    """The groups a page counts in: all pages, its language, its layout.

    >>> groups_of("fr", "3f2a"), groups_of(None, None)
    (['*', 'lang:fr', 'tpl:3f2a'], ['*'])
    """
    out = [ALL]
    if language:
        out.append(f"lang:{language}")
    if template:
        out.append(f"tpl:{template}")
    return out


def record(archive: Archive, source: str, pages: Iterable[Page]) -> int:
    """Record the pre-profile blocks of stored pages; return how many were recorded.

    ``pages`` are (article url, language, layout fingerprint, blocks). A url
    seen before replaces its old blocks (counts go down for blocks it lost), so
    re-crawling a page never counts it twice. Urls that are not stored
    articles (an alias the archive refused as a duplicate) are skipped.
    """
    done = 0
    changes = _Changes()
    with archive.transaction():
        for url, language, template, blocks in pages:
            stored = archive.stored_text_hash(url)
            if stored is None:
                continue
            lang, tpl = language or "", template or ""
            new_texts = _distinct(blocks)
            old = archive.page_blocks(url)
            if old is not None:
                old_source, old_lang, old_tpl, old_blocks = old
                old_texts = _distinct(unpack(old_blocks))
                if (old_source, old_lang, old_tpl) == (source, lang, tpl):
                    # The same groups (an edited release): count only what changed.
                    gone = {h: t for h, t in old_texts.items() if h not in new_texts}
                    added = {h: t for h, t in new_texts.items() if h not in old_texts}
                    changes.add(source, groups_of(lang, tpl), gone, -1)
                    changes.add(source, groups_of(lang, tpl), added, +1)
                else:
                    changes.add(old_source, groups_of(old_lang, old_tpl), old_texts, -1, page=True)
                    changes.add(source, groups_of(lang, tpl), new_texts, +1, page=True)
            else:
                changes.add(source, groups_of(lang, tpl), new_texts, +1, page=True)
            archive.save_page_blocks(url, source, lang, tpl, pack(blocks), stored)
            done += 1
        changes.write(archive)
    return done


def _distinct(blocks: Sequence[Block]) -> dict[int, str]:
    out: dict[int, str] = {}
    for _, text, _ in blocks:
        out.setdefault(block_hash(text), text)
    return out


class _Changes:
    """Count changes of a batch of pages, summed per (source, group, block) then written.

    A template block on every page of a batch of 50 is one row written, not 50;
    each row is one upsert that also keeps the block's text once it repeats.
    """

    def __init__(self) -> None:
        self.steps: dict[tuple[str, str, int], int] = {}
        self.texts: dict[tuple[str, str, int], str] = {}
        self.pages: dict[tuple[str, str], int] = {}  # group sizes

    def add(
        self, source: str, groups: list[str], texts: dict[int, str], step: int, page: bool = False
    ) -> None:
        """Count ``texts`` ``step`` times in ``groups``; ``page``: the page joins or leaves them."""
        for group in groups:
            if page:
                self.pages[source, group] = self.pages.get((source, group), 0) + step
            for h, text in texts.items():
                key = (source, group, h)
                self.steps[key] = self.steps.get(key, 0) + step
                if step > 0:
                    # The smallest spelling wins, so the display does not depend
                    # on crawl order.
                    known = self.texts.get(key)
                    if known is None or text < known:
                        self.texts[key] = text

    def write(self, archive: Archive) -> None:
        up = [(key, step) for key, step in self.steps.items() if step > 0]
        down = [(key, step) for key, step in self.steps.items() if step < 0]
        sizes = [(*key, step) for key, step in self.pages.items() if step]
        # A block's text is kept once it repeats: none for a new row counted once.
        archive.count_profile(
            [
                (key, step, self.texts[key] if step >= 2 else None, self.texts[key])
                for key, step in up
            ],
            down,
            sizes,
        )


def _groups(archive: Archive, source: str) -> dict[str, int]:
    """Pages per group that counts: all pages, and each language or layout with enough."""
    groups = {}
    for group, n in archive.profile_groups(source).items():
        if group == ALL or n >= MIN_GROUP:
            groups[group] = n
    return groups


def boilerplate(archive: Archive, source: str) -> frozenset[int]:
    """The hashes of ``source``'s boilerplate blocks, for extraction to drop.

    >>> boilerplate(archive, "hrw")  # doctest: +SKIP
    frozenset({-4107262302330191730, 8467830139624960386})
    """
    found: set[int] = set()
    for group, total in _groups(archive, source).items():
        rows = archive.profile_hashes(source, group, _min_pages(total))
        found.update(h for h, pages in rows if is_boilerplate(pages, total))
    return frozenset(found)


def profile(archive: Archive, source: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The blocks of ``source`` seen on more than one page, boilerplate first.

    Each: text, pages, total (pages of its group), share, group ("*" for all
    pages, "lang:fr", "tpl:<layout>") and boilerplate (whether extraction drops
    it). A block is listed once, with the group where its share is highest.
    """
    groups = _groups(archive, source)
    dropped = boilerplate(archive, source)
    best: dict[int, dict[str, Any]] = {}
    for group, h, text, pages in archive.repeated_blocks(source):
        if group not in groups:
            continue
        total = groups[group]
        row = {
            "text": text,
            "pages": pages,
            "total": total,
            "share": pages / total,
            "group": group,
            "boilerplate": h in dropped,
        }
        key = (row["share"], group == ALL, row["pages"])
        current = best.get(h)
        if current is None or key > (current["share"], current["group"] == ALL, current["pages"]):
            best[h] = row
    out = sorted(
        best.values(),
        key=lambda r: (not r["boilerplate"], -r["share"], -r["pages"], r["text"] or ""),
    )
    return out[:limit] if limit is not None else out


def page_count(archive: Archive, source: str) -> int:
    """How many pages of ``source`` the profile has learned from."""
    return archive.profile_pages(source, ALL)


def reclean(
    archive: Archive,
    source: str,
    run_id: int | None = None,
    *,
    stale_upto: int | None = None,
    stale_urls: Collection[str] | None = None,
    near: Callable[..., list[bool]] | None = None,
    changed: list[int] | None = None,
) -> int:
    """Rebuild stored texts of ``source`` (of one run, or all) with its current profile.

    Returns how many texts changed. Only the text, its Markdown, word count and
    hash change: a cleaner text is not a new version of the release. A text
    that no longer comes from its recorded blocks (re-extracted since) is left
    alone.

    A crawl knows which of its texts were cleaned with an older profile: those
    of articles with ``id <= stale_upto`` (stored before the profile last
    changed) or in ``stale_urls`` (stored later, but extracted before). Given
    either, only those are read; with ``stale_upto=None`` and no urls, none.

        >>> reclean(archive, "hrw", run_id, stale_upto=412, stale_urls=[])  # doctest: +SKIP
        3

    ``near(language, template, texts, dropped, description, url)``: which blocks are
    near-repeated edge blocks, also dropped (the crawl's :mod:`extraction.nearblocks`).
    ``changed``: a list the ids of the articles whose text changed are added to (a
    crawl then takes back the versions its re-clean made the old one again:
    ``Archive.restore_unchanged``).
    """
    restricted = stale_upto is not None or stale_urls is not None
    urls = list(stale_urls or ())
    if restricted and stale_upto is None and not urls:
        return 0
    dropped = boilerplate(archive, source)
    rows = archive.recorded_texts(
        source, run_id, restricted=restricted, stale_upto=stale_upto, stale_urls=urls
    )
    changes = []
    for article_id, url, title, old_text, packed, lang, tpl, about in rows:  # streamed
        blocks = unpack(packed)
        if near is not None:
            gone = near(lang or None, tpl or None, [b[1] for b in blocks], dropped, about, url)
            blocks = [b for b, drop in zip(blocks, gone, strict=True) if not drop]
        # An empty profile drops nothing: no block need be hashed (the end of a fresh
        # crawl of bench/crawl.py's fixture: 34,000 hashes).
        kept = [b for b in blocks if block_hash(b[1]) not in dropped] if dropped else blocks
        text, markdown = render(title, kept)
        if text != old_text:
            digest = text_hash(text)
            changes.append((url, [text, markdown, word_count(text), digest, article_id], digest))
    if changes:
        archive.save_cleaned_texts(changes)
        if changed is not None:
            changed.extend(values[-1] for _, values, _ in changes)
    return len(changes)


def recent_pages(archive: Archive, source: str, limit: int = 5000) -> list[Page]:
    """The pre-profile blocks of ``source``'s last ``limit`` recorded pages, oldest first:
    what a crawl re-learns the near-repeated blocks from (:mod:`crawler.profile`).

    >>> recent_pages(archive, "hrw", 2)  # doctest: +SKIP
    [('https://x.org/a', 'en', '3f2a', [('p', 'Hi.', 'Hi.')]), ...]
    """
    rows = archive.recent_page_blocks(source, limit)
    return [(url, lang or None, tpl or None, unpack(blocks)) for url, lang, tpl, blocks in rows][
        ::-1
    ]


def last_article_id(archive: Archive) -> int:
    """The highest ``articles.id`` so far (0 for none): a watermark for :func:`reclean`."""
    return archive.last_article_id()


def counts(blocks: Iterable[Sequence[Block]]) -> Counter[int]:
    """Document frequency of block hashes over pages held in memory (for benchmarks).

    >>> counts([[("p", "A", "A"), ("p", "a", "a")], [("p", "A", "A")]])[block_hash("a")]
    2
    """
    out: Counter[int] = Counter()
    for page in blocks:
        out.update(_distinct(page).keys())
    return out
