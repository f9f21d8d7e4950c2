"""The numbered links beside a page's "Next" link: a pager's "1 2 3" (crawler/paging.py).

    >>> import lxml.html
    >>> page = lxml.html.fromstring(
    ...     '<body><div><ul><li><a href="/news/1003">1003</a></li></ul>'
    ...     '<nav><a href="/news/">1</a> <a href="/news/3">3</a>'
    ...     ' <a rel="next" href="/news/2">Next</a></nav></div></body>')
    >>> beside_next(page.cssselect('a[rel="next"]'), "https://x.org/news/")
    {'https://x.org/news': 1, 'https://x.org/news/3': 3}

A link is beside "Next" when it is its sibling (``nav > a``), or sits as "Next"
does in a sibling of the element that holds it (``ul > li > a``, ``div > span >
a``), and its text is a number alone. A link deeper in that element's other
children is not (release 1003, linked by its number in the list beside the
pager above), nor is any link when "Next" sits in the page's body itself: the
whole page would be its pager.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from extraction.urls import is_http, normal_form

# A page number as a pager shows it: digits alone (not "2024 report", not "²").
_NUMBER = re.compile(r"[0-9]{1,6}")
_PAGE = frozenset(("body", "html"))


def beside_next(next_links: Iterable[Any], base: str) -> dict[str, int]:
    """The normal forms of the links beside ``next_links`` (the page's "Next" links, as the
    source's selector found them) whose text is a page number, each mapped to that number."""
    out: dict[str, int] = {}
    for following in next_links:
        for link in _beside(following):
            number = " ".join(link.text_content().split())
            href = (link.get("href") or "").strip()
            if not _NUMBER.fullmatch(number) or not href or href.startswith("#"):
                continue
            url = normal_form(href, base)
            if url is not None and is_http(url):
                out.setdefault(url, int(number))
    return out


def _beside(following: Any) -> list[Any]:
    """The anchors placed as ``following`` is: its siblings, and the anchors of its
    parent's siblings of the parent's tag (``li``, ``span``, ``td``)."""
    holder = following.getparent()
    if holder is None or holder.tag in _PAGE:
        return []
    found = [el for el in holder if el.tag == "a"]
    outer = holder.getparent()
    if outer is not None and outer.tag not in _PAGE:
        for box in outer:
            if box is not holder and box.tag == holder.tag:
                found += [el for el in box if el.tag == "a"]
    return found
