"""A source's cleaning rules, as extraction reads them (the source loader fills them).

Example::

    >>> Rules(drop_phrases=("Donate now",)).min_words
    40

Frozen and picklable: handed to extraction workers with every page. Their
``repr`` is fingerprinted into each article's ``rules_version``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rules:
    """How pages of a source are cleaned; picklable, handed to extraction workers."""

    prune: tuple[str, ...] = ()  # CSS selectors removed before extraction
    prune_xpath: tuple[str, ...] = ()  # XPath expressions removed before extraction
    drop_phrases: tuple[str, ...] = ()  # lines containing one of these are dropped
    min_words: int = 40  # below this a page's text is "nothing useful"
