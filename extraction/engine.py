"""The trafilatura seam: the only module that imports trafilatura. A tree in, its document out.

    >>> from extraction.parse import parse
    >>> from extraction.rules import Rules
    >>> tree = parse("<html><body><article><h1>Title</h1><p>"
    ...              + "A sentence of the release body. " * 12 + "</p></article></body></html>")
    >>> doc = document(tree, "https://x.org/a", Rules(), precise=True, metadata=False)
    >>> [el.tag for el in doc.body]
    ['head', 'p']
    >>> EXTRACTOR.split()[0]
    'trafilatura'

:func:`document` runs pressroom's own pass (fast, favouring precision, on the
pruned tree); :func:`default_document` trafilatura with its defaults (for the
vote, :mod:`extraction.ensemble`). Both return trafilatura's document, whose
``body`` is the TEI-like XML :mod:`extraction.blocks` reads; the ``doc_*``
helpers read its metadata, the fallback for what the page's own metadata
(:mod:`extraction.metadata`) leaves out. tests/test_architecture.py keeps
trafilatura imported here and nowhere else.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

import trafilatura
from trafilatura.settings import Extractor

from extraction import metadata
from extraction.rules import Rules
from extraction.urls import is_http, normalize

EXTRACTOR = f"trafilatura {trafilatura.__version__}"
# Off: trafilatura's links option changes the text; the body's links are read
# from the page instead (extraction/links.py).
INCLUDE_LINKS = False

# trafilatura's fast mode skips its readability/jusText fallback comparison.
# Measured (bench/extraction.py, 181 pages): F1 0.980 -> 0.977, still above every
# plain trafilatura setting, at 1.17x the pages/s; the fixture site scores the
# same; bench/crawl.py: 91 -> 104 pages/s and 375 -> 311 MB PSS.
FAST = True


def needs_fallback(meta: dict[str, Any]) -> bool:
    """Whether the page leaves out something trafilatura's metadata might supply.

    trafilatura's metadata (about 15% of its time on a page) only fills fields
    the page's own metadata left empty: when none is empty it is not asked for.
    An image it can only find in the head's meta tags.
    """
    return not (
        meta["title"]
        and meta["description"]
        and meta["authors"]
        and meta["publisher"]
        and meta["date_published"]
        and meta["tags"]
        and (meta["image_url"] or not meta["image_declared"])
    )


def document(
    tree: Any,
    url: str,
    rules: Rules,
    *,
    precise: bool,
    metadata: bool,
    fast: bool = FAST,
    frame: bool = False,
) -> Any:
    """trafilatura's document for a (pruned) tree: its body as XML, and metadata if asked.

    ``frame``: the body trafilatura finds in the page's article container only. A body
    under its minimum (MIN_EXTRACTED_SIZE, 250 characters) is otherwise completed with
    every paragraph of the page it had not read, wherever it stands (its wild-text
    recovery): on a short release, the footer, the date line and the sidebar's appeal.
    """
    options = copy.copy(_extractor(precise, metadata, fast))
    options.url = options.source = url
    if frame:
        # Under the minimum the recovery runs; at 1 only an empty body is completed. The
        # same minimum decides whether <div>s count as paragraphs (by the <p> text of
        # the whole page): a page with little may be read otherwise (the caller checks).
        options.min_extracted_size = 1
    return trafilatura.bare_extraction(
        tree, options=options, prune_xpath=list(rules.prune_xpath) or None
    )


def default_document(tree: Any, url: str, rules: Rules) -> Any:
    """trafilatura with its defaults on a whole, unpruned page (the ensemble's second opinion)."""
    # comments=True as trafilatura's defaults: off, it also prunes the page before reading
    # the body, and the body alone is read from its output.
    options = copy.copy(_extractor(False, False, False, comments=True))
    options.url = options.source = url
    return trafilatura.bare_extraction(
        tree, options=options, prune_xpath=list(rules.prune_xpath) or None
    )


@lru_cache(maxsize=8)
def _extractor(precise: bool, metadata: bool, fast: bool, comments: bool = False) -> Extractor:
    """trafilatura's options for one kind of call, made once.

    Making them reads values from trafilatura's config each time (a tenth of a
    millisecond); each page takes a copy and sets its own URL on it. "xml":
    the body tree is returned as it is (blocks are read from it) without being
    rendered as text too ("python" does), which nothing here reads (a third of
    a millisecond a page).
    """
    return Extractor(
        output_format="xml",
        fast=fast,
        precision=precise,
        comments=comments,
        formatting=True,
        links=INCLUDE_LINKS,
        tables=True,
        dedup=False,
        with_metadata=metadata,
    )


def doc_authors(doc: Any) -> list[str]:
    if doc is None or not doc.author:
        return []
    return metadata.unique(p.strip() for p in re.split(r";|,| and ", doc.author) if p.strip())


def doc_tags(doc: Any) -> list[str]:
    if doc is None:
        return []
    # doc.categories is article:section ("News"): a part of the site, not a topic.
    value = doc.tags
    values = value.split(",") if isinstance(value, str) else list(value or [])
    return metadata.unique(values)


def doc_image(doc: Any, base: str) -> str | None:
    if doc is None or not doc.image:
        return None
    try:
        image = normalize(doc.image, base)
    except ValueError:
        return None
    return image if is_http(image) else None
