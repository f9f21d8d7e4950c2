r"""Parsing: a decoded page into an lxml tree, once; the page's base URL; cached CSS selectors.

    >>> tree = parse("<html><body><p>Hello\x00 world</p></body></html>")
    >>> tree.findtext(".//p")
    'Hello  world'
    >>> base_url(tree.findall(".//base"), "https://x.org/a")
    'https://x.org/a'
    >>> parse("") is None
    True

Every later stage (links, metadata, pruning, trafilatura) reads this one tree;
nothing here knows what the page is about.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import lxml.html
from lxml import etree
from lxml.cssselect import CSSSelector

from extraction.urls import fetchable, is_http, normalize


def _html_parser() -> Any:
    """lxml's HTML parser, made once per process, giving every element lxml.html's class.

    lxml.html's own parser asks a Python function which class each element gets
    (forms and inputs have their own) the first time Python touches it: about
    a thousand calls a page, 6% of an extraction. Nothing here uses the form
    classes, so a lookup done in C gives every element the plain HtmlElement.
    """
    parser = lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False
    )
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement,
            comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction,
            entity=lxml.html.HtmlEntity,
        )
    )
    return parser


_HTML_PARSER = _html_parser()


# C0 control characters other than tab and newlines, and DEL: libxml2 gives up on
# the rest of a document at one of them, and trafilatura then finds no text at all
# ("discarding data"; CleanEval pages have them).
# Matched in the UTF-8 bytes, where each is one byte of its own (every byte of a
# multi-byte character is 0x80 or above): the same runs as in the text.
_CONTROL = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_CONTROL_BYTES = bytes((*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))


def parse(html: str) -> Any:
    """The page's tree, or None when lxml cannot parse it."""
    # lxml refuses str input that carries an XML encoding declaration, so hand it
    # UTF-8 bytes and say so.
    data = _bytes_without_controls(html.encode("utf-8", "replace"))
    try:
        tree = lxml.html.document_fromstring(data, parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return tree


def controls_out(html: str) -> str:
    r"""``html`` with each run of those control characters one space, as :func:`parse` reads
    it: for parsers of their own (readability-lxml's), which lxml refuses them in.

    >>> controls_out("a\x00\x01b\tc"), controls_out("plain")
    ('a b\tc', 'plain')
    """
    data = html.encode("utf-8", "replace")
    clean = _bytes_without_controls(data)
    return html if clean is data else clean.decode("utf-8")


def _bytes_without_controls(data: bytes) -> bytes:
    """``data`` itself when it holds no control character, else with each run one space.

    Few pages hold one: bytes.translate rules them out ten times faster than the
    regex's scan (about 1 ms of a 60 KB page's 13 ms extraction).
    """
    if len(data.translate(None, _CONTROL_BYTES)) == len(data):
        return data
    return _CONTROL.sub(b" ", data)


def base_url(bases: list[Any], url: str) -> str:
    """The URL relative links resolve against: the first http(s) <base href>, else ``url``."""
    hrefs = [href for el in bases if (href := el.get("href")) is not None]
    if not hrefs:
        return url
    # As written, not normalized: "page/2/" resolves against "/newsroom/", not "/newsroom".
    try:
        normalize(hrefs[0], url)  # refuses what cannot be a URL (a port over 65535)
    except ValueError:
        return url
    base = fetchable(hrefs[0], url)
    return base if is_http(base) else url


@lru_cache(maxsize=64)
def selector(css: str) -> CSSSelector:
    """A compiled CSS selector, made once per expression (sources repeat theirs on every page)."""
    return CSSSelector(css)


# HTML elements a browser shows as blocks of their own: a line ends before and after
# them, so the words on either side are never one word.
BLOCK_TAGS = frozenset(
    (
        "address", "article", "aside", "blockquote", "br", "caption", "center", "dd",
        "details", "div", "dl", "dt", "figcaption", "figure", "footer", "form", "h1", "h2",
        "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
        "section", "summary", "table", "td", "th", "tr", "ul",
    )
)  # fmt: skip
