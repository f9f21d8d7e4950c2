"""The page's links: those a spider may follow, and the body's outbound links (URL + anchor text).

    >>> import lxml.html
    >>> page = lxml.html.fromstring('<body><a href="/about">About</a><a href="#top">Top</a>'
    ...                             '<a class="next" href="/news?page=2">More</a></body>')
    >>> page_links(page, "https://ngo.org/news"), page_links(page, "https://ngo.org/", "a.next")
    (['https://ngo.org/about', 'https://ngo.org/news?page=2'], ['https://ngo.org/news?page=2'])
    >>> tree = lxml.html.fromstring(
    ...     '<body><nav><a href="/">Home</a></nav><p>Read the <a href="/r.pdf">full report</a>'
    ...     ' and the <a href="https://un.org/x">UN statement</a> today.</p></body>')
    >>> found = anchors(tree, "https://ngo.org/news/1")
    >>> for link in in_body(found, [("p", "Read the full report and the UN statement today.", "")]):
    ...     print(link["url"], "|", link["text"])
    https://ngo.org/r.pdf | full report
    https://un.org/x | UN statement

The body's links (:func:`anchors`, then :func:`in_body`): trafilatura runs
without its links option (it would change the text), so the links are read
from the page: an anchor counts when the block of the page that holds it (its
paragraph, list item, heading, cell) is a block of the kept body. Menus and
teasers are dropped with their blocks, so their links go too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from article.text import Block
from extraction.cleaning import norm
from extraction.parse import selector
from extraction.urls import fetchable, is_http, is_path_absolute, normal_form, origin

# Elements that make one block of text: an anchor belongs to the nearest one.
_HOLDERS = frozenset(
    ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "dd", "dt")
)
_SKIP = ("#", "javascript:", "mailto:", "tel:", "data:")
# A holder shorter than this must equal a block; a longer one may sit inside a
# block (a cleaned paragraph keeps the sentence but may lose a trailing credit).
_CONTAINED_CHARS = 40

# (url, anchor text, the holder's normalised text)
Anchor = tuple[str, str, str]


def anchors(tree: Any, base: str) -> list[Anchor]:
    """Every http(s) link of ``tree`` with text, in document order, with its holder's text.

    Read before trafilatura sees the tree, so its cleaning cannot take any away.
    """
    out: list[Anchor] = []
    held: dict[Any, str] = {}  # a paragraph of ten links is read once
    for a in tree.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(_SKIP):
            continue
        text = " ".join(a.text_content().split())
        if not text:
            continue
        url = _absolute(href, base)
        if url is None or not is_http(url):
            continue
        holder = next((el for el in a.iterancestors() if el.tag in _HOLDERS), a.getparent())
        if holder not in held:
            held[holder] = norm(holder.text_content()) if holder is not None else ""
        out.append((url, text, held[holder]))
    return out


def in_body(found: Sequence[Anchor], blocks: Sequence[Block]) -> list[dict[str, str]]:
    """The anchors of ``found`` whose holder is one of ``blocks``, as {"url", "text"} dicts."""
    texts = {norm(block[1]) for block in blocks}
    joined = "\n".join(texts)
    return [
        {"url": url, "text": text}
        for url, text, holder in found
        if holder in texts or (len(holder) >= _CONTAINED_CHARS and holder in joined)
    ]


def page_links(tree: Any, base: str, css: str | None = None) -> list[str]:
    """The page's http(s) links, absolute and once each, in order: all, or those ``css`` selects.

    Each as the site wrote it (:func:`extraction.urls.fetchable`), not normalized.

    What the spider may follow (``PageResult.links``) and a listing's next pages
    (the source's ``next_page`` selector, ``PageResult.next_pages``).
    """
    return list(linked(tree, base, css))


def linked(tree: Any, base: str, css: str | None = None) -> dict[str, str]:
    """:func:`page_links`, each mapped to its normal form (the key the spider files it by).

    >>> import lxml.html
    >>> linked(lxml.html.fromstring('<a href="/news/">News</a>'), "https://ngo.org/")
    {'https://ngo.org/news/': 'https://ngo.org/news'}
    """
    return linked_from(selector(css)(tree) if css else tree.iter("a"), base)


def linked_from(anchors: Iterable[Any], base: str) -> dict[str, str]:
    """:func:`linked` over anchors already selected: a listing's "Next" links, which
    :func:`extraction.pager.beside_next` reads too (the selector runs once a page).

    >>> import lxml.html
    >>> page = lxml.html.fromstring('<p><a rel="next" href="?page=2">Next</a></p>')
    >>> linked_from(page.cssselect('a[rel="next"]'), "https://ngo.org/news")
    {'https://ngo.org/news?page=2': 'https://ngo.org/news?page=2'}
    """
    out: dict[str, str] = {}
    for a in anchors:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        # Followed as the site links it (a trailing slash kept: a server may
        # answer only that form); the spider keys it by its normal form.
        if (followed := _followed(href, base)) is not None:
            out.setdefault(*followed)
    return out


def _followed(href: str, base: str) -> tuple[str, str] | None:
    """(``fetchable(href, base)``, ``normalize(href, base)``) for an http(s) link, else None.

    Looked up as :func:`_absolute` is (:func:`_lookup_base`): a path-absolute link's
    two forms are its origin's and its path's alone.
    """
    key = _lookup_base(href, base)
    return None if key is None else _followed_at(href, key)


@lru_cache(maxsize=4096)
def _followed_at(href: str, base: str) -> tuple[str, str] | None:
    absolute = _resolved(href, base)
    if absolute is None or not is_http(absolute):
        return None
    return fetchable(href, base), absolute


def _absolute(href: str, base: str) -> str | None:
    """``normalize(href, base)``, or None for what cannot be a URL (``http://[::1``)."""
    key = _lookup_base(href, base)
    return None if key is None else _resolved(href, key)


def _lookup_base(href: str, base: str) -> str | None:
    """The base ``href`` is resolved and cached by: its page's origin for a path-absolute
    link, else the page's URL; None when the page's URL has no origin (``http://[::1``).

    A path-absolute link ("/news/a-b") resolves against its page's origin alone (urljoin
    keeps only the base's scheme and host for it), so the menus and footers a site
    repeats on every page are resolved once a crawl, not once a page (page_links and
    anchors: 1.17 -> 0.94 ms a page, 600 of bench/crawl.py's fixture pages, cold cache).

    >>> _lookup_base("/news/a", "https://x.org/en/page?q=1"), _lookup_base("a", "https://x.org/en/")
    ('https://x.org', 'https://x.org/en/')
    """
    if is_path_absolute(href) and base.startswith(("http://", "https://")):
        try:
            return origin(base)
        except ValueError:
            return None
    return base


# A page's links are normalised twice in a crawl, by page_links() for the spider and
# by anchors() for the body's links, 130 a page on bench/crawl.py's fixture: the second
# time is a lookup (0.3 ms a page of the worker's ~14). Room for a few pages' links.
@lru_cache(maxsize=4096)
def _resolved(href: str, base: str) -> str | None:
    return normal_form(href, base)
