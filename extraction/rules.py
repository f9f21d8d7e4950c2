"""A source's cleaning rules, as extraction reads them (the source loader fills them).

Example::

    >>> rules = Rules(drop_phrases=("Donate now",))
    >>> rules.least_words(vouched=False), rules.least_words(vouched=True)
    (40, 20)
    >>> Rules(min_words=60).least_words(vouched=True)
    60

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
    # Below this a page's text is "nothing useful"; None: the defaults below.
    min_words: int | None = None

    def least_words(self, vouched: bool) -> int:
        """The fewest words a release's body may have (``extraction.cleaning.word_count``:
        characters of unspaced scripts count two to a word).

        ``vouched``: something other than the page's text calls it a release (the
        source's ``allow`` patterns, or the crawl's judge by the URL pattern and
        template of confident releases); a short statement is then real content, and
        only a body too short to be one is refused. A source's ``min_words`` is the
        floor of every page.
        """
        if self.min_words is not None:
            return self.min_words
        return VOUCHED_WORDS if vouched else MIN_WORDS


# The floor of a page that decides for itself: the 40 words under which a body is a
# teaser or an empty shell, when nothing else vouches for the page.
MIN_WORDS = 40
# The floor of a page vouched for: a statement of two or three sentences (the
# reviewer's sites' are 29 and 36 words) is a release; a bare teaser line is not.
VOUCHED_WORDS = 20
