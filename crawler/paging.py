"""A listing's own pages among its links: its "Next" link and the numbered pager beside it.

    >>> next_keys = ["https://x.org/news?page=2"]
    >>> links = ["https://x.org/news?page=2", "https://x.org/news?page=7",
    ...          "https://x.org/news/2024/a", "https://x.org/news?sort=date"]
    >>> sorted(pager_keys(links, next_keys))
    ['https://x.org/news?page=2', 'https://x.org/news?page=7']

A numbered pager ("1 2 3 ... Next") links pages a crawl reaches by the "Next"
links, one after the other: they are the listing, not pages that may be
releases. Taken for such, page 3 (linked from page 1) was counted outside
``--allow`` before page 2's "Next" fetched it as a listing, or, where pages
decide, fetched as a candidate, so that the listing's own request for it was a
duplicate and its releases were never read.

A link is one of the listing's pages when it is a "Next" link, or has the shape
of one (:func:`extraction.urls.template`: the same path and query keys, any
numbers) and names a page number (``?page=3``, ``/page/3/``). The number alone
is not enough: a "Next" link ``/news/2`` has the shape of a release ``/news/1234``.
Such a pager's "3" is one of its pages when it sits beside "Next" (its sibling,
or placed as "Next" is in a sibling box: :mod:`extraction.pager`) and is "Next"
with its number made 3 (``/news/3``): the page says the link is a page number,
and the URL that it is that page. Release 1234 linked by its number in the list
beside the pager is not (it is not placed as "Next" is); a release linked by its
number alone as a sibling of "Next" would be taken for a page, but such a list
is a pager to whoever reads the page too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from extraction.urls import template

# A page number in a URL: a query parameter, or a path segment naming it.
PAGE_NUMBER = re.compile(
    r"[?&](?:page|pg|p|paged|pagina|seite|start|offset)=\d+(?:&|$)"
    r"|/(?:page|pages|p|pagina|seite|strona|sivu)/\d+/?(?:[?#]|$)",
    re.IGNORECASE,
)


def pager_keys(
    link_keys: Iterable[str],
    next_keys: Iterable[str],
    own: str = "",
    beside_next: Mapping[str, int] | None = None,
) -> set[str]:
    """The links of ``link_keys`` (normal forms) that are the listing's own pages, given
    the normal forms of its "Next" links and its own (``own``): the last page has no
    "Next", but its own URL names its number. ``beside_next``: the links beside "Next"
    whose text is a number (:func:`extraction.pager.beside_next`), to that number.

    >>> sorted(pager_keys(["https://x.org/news/page/3/", "https://x.org/news/2"],
    ...                   ["https://x.org/news/page/2/"]))
    ['https://x.org/news/page/3/']
    >>> pager_keys(["https://x.org/news/page/1"], [], own="https://x.org/news/page/9")
    {'https://x.org/news/page/1'}
    >>> pager_keys(["https://x.org/news/1234"], ["https://x.org/news/2"])
    set()
    >>> beside = {"https://x.org/news/3": 3, "https://x.org/news/1234": 12}
    >>> pager_keys(beside, ["https://x.org/news/2"], beside_next=beside)
    {'https://x.org/news/3'}
    """
    following = set(next_keys)
    shapes = {template(key) for key in following}
    if own and PAGE_NUMBER.search(own):
        shapes.add(template(own))
    if not shapes:
        return set()
    numbered = beside_next or {}
    return {
        key
        for key in link_keys
        if key in following
        or (template(key) in shapes and PAGE_NUMBER.search(key))
        or (key in numbered and any(key in _renumbered(n, numbered[key]) for n in following))
    }


def _renumbered(key: str, number: int) -> Iterable[str]:
    """``key`` with one of the numbers of its path and query made ``number``, each way.

    >>> list(_renumbered("https://x.org:8080/news/2024/2", 3))
    ['https://x.org:8080/news/3/2', 'https://x.org:8080/news/2024/3']
    """
    start = key.index(urlsplit(key).netloc) + len(urlsplit(key).netloc)
    for found in re.finditer(r"\d+", key[start:]):
        yield key[: start + found.start()] + str(number) + key[start + found.end() :]
