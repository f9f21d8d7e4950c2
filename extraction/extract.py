"""The page walk: HTML (or PDF) bytes + URL + rules -> a clean release or a reason.

Example::

    >>> page = ("<html><head><title>Chad: Free Detained Activists</title></head><body>"
    ...         "<article><h1>Chad: Free Detained Activists</h1><p>"
    ...         + "The authorities should release them now. " * 8 + "</p></article></body></html>")
    >>> result = analyse(page, "https://www.hrw.org/news/2026/01/12/x", Rules(), release=True)
    >>> result.kind, result.article["title"], result.article["word_count"]
    ('article', 'Chad: Free Detained Activists', 52)

:func:`analyse` only orchestrates; each stage is a module of its own. It
decodes the bytes (:mod:`extraction.encoding`), parses the page once
(:mod:`extraction.parse`) and, from that one tree, reads the links the spider
may follow (:mod:`extraction.links`), the page's own metadata
(:mod:`extraction.metadata`) and its layout (:mod:`extraction.template`); then
it prunes furniture and the source's selectors (:mod:`extraction.prune`) and
has trafilatura find the body (:mod:`extraction.engine`, the only module that
imports trafilatura). The body becomes blocks (paragraphs, headings, list
items, quotes, table rows: :mod:`extraction.blocks`), less residue
(:mod:`extraction.cleaning`) and the source's ``drop_phrases``; a doubtful body
is put to a vote (:mod:`extraction.ensemble`), its candidates compared less the
profile below. The page's dek
(:mod:`extraction.dek`) goes first; the blocks of the source's boilerplate
profile (``boilerplate``: hashes, see :mod:`storage.profiles`) and its
near-repeated edge blocks (:mod:`extraction.nearblocks`) go; the rest is
rendered as plain text and Markdown. ``PageResult.blocks`` are the blocks
before the profile, for the writer to learn the profile from.

PDF bytes go to :mod:`extraction.pdf`. It never raises: anything that goes wrong
becomes ``kind="failed"`` with a one-line reason. It is a plain function of
picklable arguments so that it can run in a worker process, off the reactor.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from typing import Any

from article.text import Block, block_hash, render
from extraction import (
    bylines,
    cleaning,
    engine,
    ensemble,
    firstpass,
    language,
    links,
    metadata,
    nearblocks,
    pager,
)
from extraction.blocks import SHORT_LINK, anchor_texts, body_blocks, clean_blocks, page_text
from extraction.dek import is_dek, shown_description
from extraction.encoding import BINARY, decode_html, looks_binary
from extraction.metadata import iso_date, read_metadata  # noqa: F401 (public: tests, docs)
from extraction.parse import base_url, parse, selector
from extraction.prune import prune
from extraction.results import NO_DATE, NOT_AN_ARTICLE, PageResult, check_article
from extraction.rules import Rules
from extraction.template import template_key
from extraction.urls import normal_form

# The safeguard (issue 16). pressroom's own pass (trafilatura fast, favor_precision,
# on the pruned tree) is the best single extractor on news articles, but on pages
# of other shapes it can return a teaser or nothing: fast mode skips trafilatura's
# comparison with its readability and jusText fallbacks. A doubtful body is put to
# a vote between extractors (extraction/ensemble.py: the "ensemble hook" below). It
# replaced a wider second pass (not fast, balanced, on the pruned tree), whose
# trigger (under 60 words or 20% of the page's text) the vote's covers.


def analyse(
    html: str | bytes,
    url: str,
    rules: Rules,
    *,
    release: bool | None,
    want_links: bool = False,
    next_page: str = "",
    boilerplate: Collection[int] = frozenset(),
    content_type: str | None = None,
    near: Any = None,
) -> PageResult:
    """Read one page. ``release`` is the source's verdict: True, False, or None (page decides).

    ``html`` may be the bytes of the response, served with ``content_type``:
    a PDF (``%PDF-``) of a release (``release=True``) is read as one, anything
    else is decoded as its author meant (:mod:`extraction.encoding`), in the
    worker rather than in the crawl process. ``boilerplate`` holds the block
    hashes of the source's profile, dropped from the text; ``near``, its
    near-repeated edge blocks (a :class:`extraction.nearblocks.NearDuplicateIndex`).
    ``url`` is the page's URL as fetched: its relative links resolve against it
    (``page/2/`` on ``/news/``); the result and the article name its normal form.
    """
    fetched, url = url, normal_form(url) or url
    try:
        if isinstance(html, bytes):
            if release is True and html.lstrip()[:5] == b"%PDF-":
                from extraction import pdf

                return pdf.analyse_pdf(html, url, rules)
            try:
                html = decode_html(html, content_type)
            except (UnicodeDecodeError, LookupError) as exc:
                return PageResult(url, "failed", reason=f"undecodable page: {exc}")
            if looks_binary(html):
                # A saved file (`pressroom extract`) has no content type to name.
                reason = f"{BINARY}: neither an HTML page nor a PDF"
                if content_type:
                    reason = f"{BINARY} served as {content_type.split(';')[0]}"
                return PageResult(url, "failed", reason=reason)
        return _analyse(
            html, url, rules, release, want_links, next_page, boilerplate, near, fetched
        )
    except Exception as exc:  # never let one page crash a crawl: record it instead
        return PageResult(url, "failed", reason=f"extraction error: {type(exc).__name__}: {exc}")


def _analyse(
    html: str,
    url: str,
    rules: Rules,
    release: bool | None,
    want_links: bool,
    next_page: str,
    boilerplate: Collection[int],
    near: Any = None,
    fetched: str = "",
) -> PageResult:
    if not html or not html.strip():
        return PageResult(url, "failed", reason="empty page")
    tree = parse(html)
    if tree is None:
        return PageResult(url, "failed", reason="not parseable as HTML")
    elements = metadata.index(tree)
    base = base_url(elements["base"], fetched or url)
    meta = read_metadata(tree, base, elements)
    layout = template_key(tree)
    result = PageResult(url, "page", alternates=meta["alternate_links"])
    # Set for pages judged not releases too: the crawl learns the site's templates.
    result.template, result.by_markup = layout, bool(meta["structured_article"])
    if want_links:
        found = links.linked(tree, base)
        result.links, result.link_keys = list(found), list(found.values())
    if next_page:
        # The source's "Next" selector, run once: its links, and the pager beside them.
        following = selector(next_page)(tree)
        result.next_pages = list(links.linked_from(following, base))
        result.beside_next = pager.beside_next(following, base)
    if release is False:
        return result
    if release is None and (verdict := _refused_whatever_the_body(meta, tree)):
        # Listing, tag and search pages: the body is not read (a page in doubt
        # would be put to a vote, a quarter of a crawl's extraction time).
        result.reason = verdict
        return result

    # Only the page's own dek: teasers of other releases have deks too.
    description = meta["description"] or ""
    deks, page_chars = prune(tree, rules)
    dek = next((d for d in deks if cleaning.same_text(d, description)), None)
    dek = dek or shown_description(tree, description)
    anchors = anchor_texts(tree, shortest=1)  # short ones: a table row's cells (blocks._is_link)
    body_links = links.anchors(tree, base)
    fallback = engine.needs_fallback(meta)
    doc, found, added, readings, frame = firstpass.first_pass(tree, url, rules, metadata=fallback)
    title = meta["title"] or (doc.title if doc is not None else None) or _headline(tree)
    blocks = clean_blocks(found, rules, title, anchors)
    # ensemble hook (issue 16): a doubtful body is put to a vote (extraction.ensemble).
    groups = nearblocks.groups(meta["language"], layout)
    near_dropped = _near_dropped(blocks, near, groups, boilerplate, dek, description)
    # The doubt is the precise reading's: the paragraphs added to it do not vouch for it.
    seen: list[list[str]] | None = None
    reader = 0  # whose reading the body is: the own pass unless a vote picks another
    own = [b for b in blocks if b[1] not in added]
    # The whole page, unpruned: a parse of its own, done once and only if asked, for its
    # link texts and trafilatura's defaults (which reads a copy: neither changes it). The
    # short link texts ("1", "Go") only for a table row's cells (blocks._is_link).
    whole = functools.cache(functools.partial(parse, html))
    all_anchors = functools.cache(lambda: _page_anchors(whole()))
    page_anchors = functools.cache(
        lambda: frozenset(a for a in all_anchors() if len(a) > SHORT_LINK)
    )

    def linked() -> float:  # a body that is the whole page is in doubt if it holds links
        return ensemble.link_share([b[1] for b in own], page_anchors())

    # A short body read from its article container, the rest of the page holding no
    # prose (firstpass.framed), is no teaser: the vote would pick a wider reading that
    # kept the page's furniture (readability-lxml reads nothing under 250 characters).
    doubt = not frame and ensemble.in_doubt(
        _words(own), sum(len(b[1]) for b in own), page_chars, readings, linked
    )
    if doubt:
        candidates = [(found, blocks, near_dropped)]
        for other in (_plain_blocks(whole(), url, rules), ensemble.readability_blocks(html, url)):
            # Read from the whole page: its links include those that pruning took away.
            cleaned = clean_blocks(other, rules, title, all_anchors())
            gone = _near_dropped(cleaned, near, groups, boilerplate, dek, description)
            candidates.append((other, cleaned, gone))
        # Compared as they would be kept: a candidate must not win through the
        # site's boilerplate, which the profile drops from the winner anyway.
        kept_candidates = [_less_profile(c[1], boilerplate, c[2]) for c in candidates]
        pick = _rule_vote(kept_candidates, _voices(kept_candidates, tree), page_anchors)
        found, blocks, near_dropped = candidates[pick]
        reader = pick
        # What the vote saw but did not keep: the profile learns from it too, so
        # a box that only a fallback keeps (and wins with, on a few short pages)
        # is learned from every page where a candidate held it.
        seen = [[b[1] for b in c[1]] for i, c in enumerate(candidates) if i != pick and c[1]]
    if dek and any(cleaning.same_text(dek, b[1]) for b in blocks[:3]):
        dek = None  # already in the body: the site's lead paragraph, not a separate dek
    if dek:
        blocks = [("p", dek, dek), *blocks]
    kept = _less_profile(blocks, boilerplate, near_dropped)
    body_words = _words(kept)
    found_words = _words(found)
    date = meta["date_published"] or _date_guess(doc, meta, html)

    if release is None:
        # The date the article would be stored with, trafilatura's guess included
        # ("March 8, 2024" under the headline): `pressroom extract` shows that one.
        least = rules.least_words(vouched=False)
        verdict = classify(meta, [b[1] for b in kept], body_words, least, date)
        if verdict is not None:
            result.reason = verdict
            return result
    text, markdown = render(title, kept)
    body = "\n".join(b[1] for b in kept)
    own_url = meta["canonical"] or url
    result.kind = "article"
    result.dek = dek
    if found_words:
        own = body_words - (cleaning.word_count(dek) if dek and kept and kept[0][1] == dek else 0)
        result.removed_share = round(max(0.0, 1 - own / found_words), 4)
    result.blocks = blocks
    result.template = layout
    result.seen = seen
    result.article = {
        "url": url,
        "canonical_url": meta["canonical"],
        "title": title,
        "description": meta["description"] or (doc.description if doc is not None else None),
        "authors": meta["authors"] or bylines.outside_body(engine.doc_authors(doc), blocks),
        "org_author": meta["org_author"],
        "publisher": meta["publisher"] or (doc.sitename if doc is not None else None) or None,
        "date_published": date,
        "date_modified": meta["date_modified"],
        "language": language.choose(body, meta["language"]),
        "tags": meta["tags"] or engine.doc_tags(doc),
        "translations": meta["translations"],
        "translation_key": metadata.translation_key(own_url, meta["translations"]),
        "image_url": meta["image_url"] or engine.doc_image(doc, base),
        "image_caption": meta["image_caption"],
        "text": text,
        "markdown": markdown,
        "links": links.in_body(body_links, kept),
        "word_count": cleaning.word_count(text),
        "content_kind": "html",
        "extractor": reader_name(reader),
    }
    check_article(result.article)
    # A page the source's patterns or the crawl's judge call a release (release=True)
    # is vouched for: a short statement is stored; one that decides for itself is not.
    least = rules.least_words(vouched=release is True)
    if body_words < least:
        # Refused, but the text stays on the result: `pressroom extract` shows what
        # it read with the verdict. A crawl keeps nothing of a failed page.
        result.kind = "failed"
        result.reason = f"too little text ({body_words} words; need {least})"
        result.blocks = result.template = result.removed_share = result.seen = None
    return result


def reader_name(index: int) -> str:
    """The name and version of whatever read the body: provenance for the ``extractor`` field.

    >>> reader_name(0).split()[0], reader_name(1).endswith("(defaults)"), reader_name(2).split()[0]
    ('trafilatura', True, 'readability-lxml')
    """
    return _reader_names()[index]


@functools.cache
def _reader_names() -> tuple[str, ...]:
    # The vote's candidates, in order: the own pass, trafilatura's defaults (both
    # trafilatura), readability-lxml (named as engine.EXTRACTOR names trafilatura).
    try:
        from readability import __version__ as readability_version
    except ImportError:  # pragma: no cover - a dependency; without it, it reads nothing
        readability_version = "(not installed)"
    return (
        engine.EXTRACTOR,
        f"{engine.EXTRACTOR} (defaults)",
        f"readability-lxml {readability_version}",
    )


def _voices(kept: list[list[Block]], tree: Any) -> list[list[Block]]:
    """The readings that count in the vote: all of them, unless the own pass read nothing.

    Then, of two readings the longer would win: one that read what pruning took away as
    furniture (a sidebar's bio) is none ([] here). 2,425 real pages: Dragnet 83 and R792
    0.00 -> 1.00, no other page moved (Dragnet 0.8473 -> 0.8487). Asked of every vote it
    lost more than it won (CleanEval final-760 0.89 -> 0.09, Dragnet R13 0.90 -> 0.21).
    """
    if kept[0]:
        return kept
    page = ensemble.shingles([("p", " ".join(tree.itertext()), "")])
    voices = [[] if ensemble.pruned_away(c, page) else c for c in kept]
    return voices if any(voices) else kept


def _rule_vote(kept: list[list[Block]], voices: list[list[Block]], page_anchors: Any) -> int:
    """The rule-made vote between the own pass, trafilatura's defaults and readability-lxml.

    readability-lxml (the third) returns its best guess even when that is a caption or
    a byline: less than a tenth of the longest reading is no vote (ensemble.SCRAP_SHARE).
    """
    pick = ensemble.choose(voices, scraps=(2,))
    # A reading that is no voice does not win through the link-box rule either.
    if pick != 2 and voices[2] and ensemble.links_outvoted(kept[pick], kept[2], page_anchors):
        pick = 2  # the majority read the article with the page's link boxes
    return pick


def _headline(tree: Any) -> str | None:
    """The first <h1>'s text: the title of a page with no <title> or title metadata."""
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text:
            return text
    return None


def classify(
    meta: dict[str, Any], lines: list[str], words: int, min_words: int, date: str | None = None
) -> str | None:
    """None if the page is a release, else why not (for pages no pattern decides).

    A release says so in structured data (JSON-LD ``NewsArticle``, ``og:type``
    article) or looks like one: a publication date (``date``: the page's own, else
    trafilatura's guess; by default the metadata's) and a body of several real
    paragraphs. Listing, tag and search pages have neither.
    """
    if meta["structured_article"]:
        return None if words >= min_words else f"article markup but only {words} words"
    if meta["og_type"] and meta["og_type"] != "article":
        return f"og:type is {meta['og_type']!r}"
    # A block may hold several paragraphs (a layout table's cell): each counts.
    lines = [part for line in lines for part in line.split("\n\n")]
    paragraphs = [line for line in lines if cleaning.word_count(line) >= PARAGRAPH_WORDS]
    if not (date or meta["date_published"]):
        return NO_DATE if len(paragraphs) >= PARAGRAPHS else NOT_AN_ARTICLE
    if words >= max(BODY_WORDS, min_words) and len(paragraphs) >= PARAGRAPHS:
        return None
    return (
        f"no article markup, and a body of {words} words with {len(paragraphs)} paragraphs "
        f"of {PARAGRAPH_WORDS} words or more (needs {max(BODY_WORDS, min_words)} words "
        f"and {PARAGRAPHS} such paragraphs)"
    )


# What a release without article markup shows: a body of this many words, with
# this many paragraphs of PARAGRAPH_WORDS words or more.
BODY_WORDS = 150
PARAGRAPHS = 3
PARAGRAPH_WORDS = 12


def _refused_whatever_the_body(meta: dict[str, Any], tree: Any) -> str | None:
    """Why :func:`classify` would refuse the page whatever its body read, if it can
    tell before reading it: another og:type, or no date in the metadata and not one
    long ``<p>`` in the whole page (browse, home and listing pages). A page with a
    paragraph is read: trafilatura may find a date in its text, and the crawl takes
    a short dated page on the site's release layout for a release."""
    if meta["structured_article"]:
        return None
    if meta["og_type"] and meta["og_type"] != "article":
        return f"og:type is {meta['og_type']!r}"
    if meta["date_published"]:
        return None
    for p in tree.iter("p"):
        if cleaning.word_count(p.text_content()) >= PARAGRAPH_WORDS:
            return None
    return NOT_AN_ARTICLE


def _date_guess(doc: Any, meta: dict[str, Any], html: str) -> str | None:
    """trafilatura's guess at the publication date, unless it can only be the update."""
    guess = metadata.not_today(doc.date if doc is not None else None)
    guess = metadata.shown_first(guess, html, meta["language"])
    modified = meta["date_modified"]
    if guess and modified and guess[:10] >= modified[:10]:
        # trafilatura's guess is the latest date it finds: on a page that shows an
        # update date and no publication date, the update, never a publication (issue 17).
        return None
    return guess


def _plain_blocks(tree: Any, url: str, rules: Rules) -> list[Block]:
    """Blocks of trafilatura with its defaults on the whole page's ``tree`` (ensemble
    hook, issue 16); trafilatura reads a copy of it."""
    if tree is None:
        return []
    page = page_text(tree)
    return body_blocks(engine.default_document(tree, url, rules), page)


def _page_anchors(tree: Any) -> frozenset[str]:
    """The link texts of the whole page's ``tree``, menus included (the pruned tree has
    lost them)."""
    return anchor_texts(tree, shortest=1) if tree is not None else frozenset()


def _near_dropped(
    blocks: list[Block],
    near: Any,
    groups: list[str],
    boilerplate: Collection[int],
    dek: str | None,
    description: str,
) -> set[str]:
    """The texts of ``blocks`` that the source's near-repeated edge blocks drop."""
    if not near:
        return set()
    # Contact blocks, notices, share counts: repeated with small changes at the
    # page's edges (extraction.nearblocks); walked over with the exact profile.
    gone = near.strip(
        groups,
        [b[1] for b in blocks],
        known=lambda text: block_hash(text) in boilerplate or is_dek(text, dek, description),
    )
    return {b[1] for b, drop in zip(blocks, gone, strict=True) if drop}


def _less_profile(blocks: list[Block], boilerplate: Collection[int], near: set[str]) -> list[Block]:
    """``blocks`` less the source's profile: its exact blocks and the near-repeated ``near``."""
    if not boilerplate:  # nothing to hash the blocks for (a fresh crawl's first pages)
        return [b for b in blocks if b[1] not in near] if near else blocks
    return [b for b in blocks if block_hash(b[1]) not in boilerplate and b[1] not in near]


def _words(blocks: list[Block]) -> int:
    return sum(cleaning.word_count(b[1]) for b in blocks)
