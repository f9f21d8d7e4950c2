"""The dek (standfirst): the page's own summary, shown under the headline and kept apart.

    >>> from extraction.parse import parse
    >>> tree = parse("<body><h1>Title</h1><p>The council approved the budget.</p></body>")
    >>> shown_description(tree, "The council approved the budget")
    'The council approved the budget.'
    >>> is_dek("The council approved the budget.", None, "The council approved the budget")
    True

:mod:`extraction.prune` takes deks marked by their class out of the tree;
:func:`extraction.extract.analyse` puts the page's own back first in the text
(``PageResult.dek``), unless the body already starts with it.
"""

from __future__ import annotations

from typing import Any

from extraction import cleaning

# A shown paragraph is the dek when the description is that paragraph plus a line the
# site adds to every page ("... Read this article by Mary Jo Foley on CNET News."):
# the paragraph holds most of the description, and is a sentence, not a word or two.
# On 2,425 real pages (bench/extraction.py's sets) 24 pages gained their standfirst this
# way, 23 of them found in the page's hand-cleaned text; no other text changed.
PREFIX_SHARE = 0.5
PREFIX_WORDS = 6


def shown_description(tree: Any, description: str) -> str | None:
    """The page's description when the page also shows it as a paragraph: its dek.

    Many templates print the summary under the headline with no telling class
    (``<p class="lead">``); trafilatura often leaves it out with the header.
    """
    if not description or len(description.split()) > 80:
        return None
    size = len(description)
    wanted = cleaning.simple(description)  # as cleaning.same_text compares
    begins = None  # the description's first part, if no paragraph shows all of it
    for el in tree.iter("p", "h2", "div", "span"):
        if len(el) > 3:  # a container, not the paragraph itself
            continue
        text = " ".join(el.text_content().split())
        if abs(len(text) - size) <= size * 0.1 + 5 and cleaning.simple(text) == wanted:
            return text
        if begins is None and size * PREFIX_SHARE <= len(text) < size and _begins(wanted, text):
            begins = text
    return begins


def _begins(wanted: str, text: str) -> bool:
    """Whether the simplified description ``wanted`` is ``text`` and more: a site's tag line
    after the dek."""
    return len(text.split()) >= PREFIX_WORDS and wanted.startswith(cleaning.simple(text) + " ")


def is_dek(text: str, dek: str | None, description: str | None) -> bool:
    """Whether a body block is the page's standfirst: notices may stand under it, at the
    head of the body, and the near-block walk from the edge goes over it."""
    return any(d and cleaning.same_text(text, d) for d in (dek, description))
