"""What extraction hands back to the spider, in a module the crawl process can import cheaply.

Example::

    >>> PageResult("https://x.org/a", "failed", reason="no text found").kind
    'failed'
    >>> check_article({"title": "T", "text": "x"})
    >>> check_article({"titel": "T"})
    Traceback (most recent call last):
    ValueError: not article fields (article/fields.py): titel

Results come back from worker processes pickled; unpickling one imports this
module, not :mod:`extraction.extract`, so the crawl process never loads
trafilatura and its dependencies (about 0.3 s and 40 MB) when workers extract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from article.fields import COLUMNS
from article.text import Block
from extraction.encoding import BINARY

# Why a page that decides for itself (release=None) is refused when it shows no
# date (extraction.extract.classify); the crawl's judge reads them (crawler.judging).
NO_DATE = "no article markup and no date on the page"
NOT_AN_ARTICLE = "no article markup, and no date and no body of paragraphs on the page"

# What an extraction may set on an article: the fields the table (article/fields.py,
# the article's fields declared once) says the page gives, and the page's own URL.
EXTRACTED_FIELDS: frozenset[str] = frozenset(
    ("url", *(f.name for f in COLUMNS if f.owner == "extraction"))
)


def check_article(article: dict[str, Any]) -> None:
    """Raise ValueError unless every name of a built ``PageResult.article`` is in the table.

    The builders (extract.py, pdf.py) keep their own order, which `pressroom
    extract` prints; a name the table does not know is a mistake there, which
    the archive would only refuse at the first write.
    """
    unknown = [name for name in article if name not in EXTRACTED_FIELDS]
    if unknown:
        raise ValueError(f"not article fields (article/fields.py): {', '.join(unknown)}")


@dataclass
class PageResult:
    """What one page yielded. ``kind`` is "article", "page" (not a release) or "failed"."""

    url: str
    kind: str
    reason: str | None = None
    article: dict[str, Any] | None = None
    links: list[str] = field(default_factory=list)
    # Each link's normal form, the pages' key, in the order of ``links``: made in the
    # extraction worker, not in the crawl process (some 130 links a page).
    link_keys: list[str] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    # The links beside "Next" whose text is a page number ("1 2 3"), their normal
    # forms to that number: a pager whose links name no page word (crawler.paging).
    beside_next: dict[str, int] = field(default_factory=dict)
    alternates: dict[str, str] = field(default_factory=dict)
    # The body before the source's profile was applied (None for PDFs), and a
    # fingerprint of the page's layout: what the profile learns from.
    blocks: list[Block] | None = None
    template: str | None = None
    # The texts of the vote's losing candidates (issue 17): the profile learns
    # from what the vote saw, so a box only a winning fallback keeps is learned too.
    seen: list[list[str]] | None = None
    # Whether the page's structured data (JSON-LD, og:type) says it is an article:
    # a confident verdict, which the crawl's release learner (crawler.judging) learns from.
    by_markup: bool = False
    # The dek (standfirst) when the page marks one: stored in the text after the
    # title (issue 2: "title, dek and body"), and told apart for benchmarks.
    dek: str | None = None
    # Share of the words of trafilatura's body that pressroom's own cleaning
    # (rules, furniture, the profile) removed: a drift alarm watches it per run.
    removed_share: float | None = None
    # The page's bytes hashed and compressed for the captures table
    # (storage.captures.Packed), when the caller asked the worker for them.
    packed: Any = None
    # The near-duplicate signatures of the blocks at the page's edges (None for the
    # others: extraction.nearblocks.edge_signatures), when the caller asked the worker.
    signatures: list[str | None] | None = None

    @property
    def keeps_body(self) -> bool:
        """Whether the archive keeps the page's bytes as a capture: an article's, and a
        failed page's unless it was binary (megabytes of noise served as a page)."""
        if self.kind == "article":
            return True
        return self.kind == "failed" and not (self.reason or "").startswith(BINARY)
