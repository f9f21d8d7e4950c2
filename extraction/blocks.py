"""Blocks: trafilatura's body tree (TEI-like XML) read as (kind, plain text, Markdown) blocks.

    >>> from lxml import etree
    >>> class Doc:
    ...     body = etree.fromstring(
    ...         '<body><head rend="h2">Why</head><p>It <hi rend="#b">is</hi> so.</p>'
    ...         '<list rend="ul"><item>one</item></list></body>')
    >>> body_blocks(Doc())
    [('h2', 'Why', '## Why'), ('p', 'It is so.', 'It **is** so.'), ('li', 'one', '- one')]
    >>> clean_blocks(body_blocks(Doc()), Rules(drop_phrases=("one",)), "Title")
    [('h2', 'Why', '## Why'), ('p', 'It is so.', 'It **is** so.')]

Paragraphs, headings, list items, quotes, table rows and code become one
block each (:data:`article.text.Block`); :func:`clean_blocks` then drops the
source's ``drop_phrases`` and the residue :mod:`extraction.cleaning` finds.
No trafilatura here: its output comes from :mod:`extraction.engine`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection
from typing import Any

from lxml import etree

from article.text import Block
from extraction import cleaning
from extraction.parse import BLOCK_TAGS
from extraction.rules import Rules

# td, th, tr: cells trafilatura left as HTML (a table it did not convert: CleanEval final-359).
_BLOCK_TAGS = frozenset(
    ("p", "head", "list", "item", "quote", "table", "row", "cell", "code", "div", "td", "th", "tr")
)
_MD_WRAP = {"#b": "**", "#i": "*", "#t": "`"}
_MD_START = re.compile(r"^([#>+-]|\d+[.)])(?=\s)")
# Link texts this short ("Go", "1") are told apart only as a table row's cells.
SHORT_LINK = 3
_WORD = re.compile(r"\w")


def body_blocks(doc: Any, page: Callable[[], str] | None = None) -> list[Block]:
    """The blocks of trafilatura's body tree, in order: (kind, plain text, Markdown).

    ``page``: the text of the page trafilatura read (asked only if needed), to put back
    the spaces it lost beside formatted words (:func:`respace`).
    """
    out: list[Block] = []
    body = getattr(doc, "body", None)
    if body is None:
        return out
    if page is not None:
        respace(body, page)
    for el in body:
        _block(el, out, 0)
        _paragraphs(el.tail or "", out)
    return out


def _block(el: Any, out: list[Block], depth: int) -> None:
    tag = el.tag
    if tag == "list":
        position = 0
        for child in el:
            if child.tag != "item":
                _block(child, out, depth)
                continue
            position += 1
            marker = f"{position}." if el.get("rend") == "ol" else "-"
            text = _line(_inline(child, False, skip=("list",)))
            if text:
                md = _line(_inline(child, True, skip=("list",)))
                out.append(("li", text, f"{'   ' * depth}{marker} {md}"))
            for sub in child.iter("list"):
                if sub.getparent() is child:
                    _block(sub, out, depth + 1)
    elif tag == "head":
        text = _line(_inline(el, False))
        if text:
            rend = el.get("rend") or "h2"
            level = int(rend[1]) if rend[1:2].isdigit() and 1 <= int(rend[1]) <= 6 else 2
            out.append((f"h{level}", text, f"{'#' * level} {_line(_inline(el, True))}"))
    elif tag == "quote":
        # Block children on lines of their own, and the quote's own text between them:
        # trafilatura's fallbacks put whole articles in one <quote> (CleanEval final-699).
        plain_lines = _lines(_inline(el, False, breaks=True))
        md_lines = _lines(_inline(el, True, breaks=True))
        for plain, md in zip(plain_lines, md_lines, strict=False):
            out.append(("quote", plain, f"> {md}"))
    elif tag == "table" and el.find(".//row") is not None:
        for row in el.iter("row"):
            if _layout_cell(row):
                out.append(_layout_block(row.find("cell")))
                continue
            cells = [_line(_inline(cell, False)) for cell in row.iter("cell")]
            if not any(cells):
                continue
            md_cells = [_line(_inline(cell, True)).replace("|", "\\|") for cell in row.iter("cell")]
            out.append(("row", " | ".join(cells), "| " + " | ".join(md_cells) + " |"))
    elif tag == "code":
        code = "".join(el.itertext()).strip("\n")
        if code.strip():
            out.append(("code", code, f"```\n{code}\n```"))
    elif tag in ("graphic", "lb"):
        return
    else:
        plain_lines = _lines(_inline(el, False))
        md_lines = _lines(_inline(el, True))
        if len(md_lines) != len(plain_lines):
            md_lines = plain_lines
        for plain, md in zip(plain_lines, md_lines, strict=True):
            out.append(("p", plain, _escape_start(md)))


def page_text(tree: Any) -> Callable[[], str]:
    """The text of the page ``tree`` as :func:`body_blocks` asks for it: made on the first
    call only (most bodies lose no space).

    A block ends a line, as a browser shows it: ``<b>profit</b><p>CHICAGO</p>`` is two
    words, although no space is between them in the page.

    >>> from lxml import etree
    >>> page_text(etree.fromstring("<div><b>profit</b><p>CHI<i>CAGO</i></p></div>"))()
    '\\nprofit\\nCHICAGO\\n\\n'
    >>> page_text(etree.fromstring("<td><b>In brief</b><center>Dhaka</center></td>"))()
    '\\nIn brief\\nDhaka\\n\\n'
    """
    return functools.cache(functools.partial(_shown_text, tree))


def _shown_text(tree: Any) -> str:
    parts: list[str] = []
    for event, el in etree.iterwalk(tree, events=("start", "end")):
        block = el.tag in BLOCK_TAGS
        if event == "start":
            if block:
                parts.append("\n")
            if isinstance(el.tag, str):
                parts.append(el.text or "")
        else:
            if block:
                parts.append("\n")
            parts.append(el.tail or "")
    return "".join(parts)


def respace(body: Any, page: Callable[[], str]) -> None:
    """Put back the spaces trafilatura dropped beside formatted words, where the page has them.

    trafilatura trims the text around an inline element it keeps as formatting
    (``<i>Our</i> Son`` -> ``<hi>Our</hi>Son``), and its reader read "OurSon": a word that
    is in no text and that no search finds (trafilatura issue 661). A join of two words
    gets its space back when ``page()`` (the page's text) has them apart and not
    together: a word split by its markup (``Directo<b>r</b>``, a drop cap ``<span>I</span>N``)
    stays whole. On 2,425 real pages (bench/extraction.py) bodies with words run together
    went from 119 to 68 (the rest are trafilatura's own, as plain trafilatura has on 85),
    22 pages scored higher, none lower.

    >>> from lxml import etree
    >>> body = etree.fromstring('<body><p>But <hi>Our</hi>Son. Directo<hi>r</hi></p></body>')
    >>> respace(body, lambda: "But Our Son. Director")
    >>> "".join(body.itertext())
    'But Our Son. Director'
    """
    for el in body.iter("hi", "ref"):
        if el.get("rend") in ("#sub", "#sup"):
            continue
        inner = "".join(el.itertext())
        if not inner:
            continue
        before, parent = el.getprevious(), el.getparent()
        if before is not None:
            # Two formatted runs side by side (<hi>YEAR 2005</hi><hi>During</hi>):
            # the word before is the end of the first one's text.
            shown = isinstance(before.tag, str) and before.tag != "lb"  # not a comment
            left = before.tail or ("".join(before.itertext()) if shown else "")
            if _run_together(left, inner, page):
                before.tail = f"{before.tail or ''} "
        elif parent is not None and _run_together(parent.text or "", inner, page):
            parent.text = f"{parent.text} "
        if _run_together(inner, el.tail or "", page):
            el.tail = f" {el.tail}"


_LAST_WORD, _FIRST_WORD = re.compile(r"\w+$"), re.compile(r"^\w+")


def _run_together(before: str, after: str, page: Callable[[], str]) -> bool:
    """Whether ``before`` and ``after`` meet word to word where the page has them apart."""
    left, right = _LAST_WORD.search(before), _FIRST_WORD.match(after)
    if left is None or right is None:
        return False
    text = page()
    joined = left.group() + right.group()
    spaced = re.escape(left.group()) + r"\s+" + re.escape(right.group())
    return joined not in text and re.search(spaced, text) is not None


# What makes a table cell a layout box: it holds blocks (a row of data does not).
_CELL_BLOCKS = {"p", "list", "head", "quote", "code"}


def _layout_cell(row: Any) -> bool:
    """Whether the row is one cell of nothing but blocks: a page laid out with a table
    (ASP.NET, SharePoint) whose cell holds the article's paragraphs.

    >>> from lxml import etree
    >>> _layout_cell(etree.fromstring("<row><cell><p>One.</p><p>Two.</p></cell></row>"))
    True
    >>> _layout_cell(etree.fromstring("<row><cell>Rates</cell><cell><p>12%</p></cell></row>"))
    False
    >>> _layout_cell(etree.fromstring("<row><cell>Note: <p>One.</p></cell></row>"))
    False
    """
    cells = row.findall("cell")
    if len(cells) != 1 or len(cells[0]) < 2 or (cells[0].text or "").strip():
        return False
    return all(c.tag in _CELL_BLOCKS and not (c.tail or "").strip() for c in cells[0])


def _layout_block(cell: Any) -> Block:
    """A layout cell as one block, as a table row is (cleaning judges it whole, as
    before), its paragraphs kept apart by blank lines: text, not a one-cell table.

    >>> from lxml import etree
    >>> _layout_block(etree.fromstring("<cell><p>One.</p><p>Two <hi rend='#b'>b</hi>.</p></cell>"))
    ('row', 'One.\\n\\nTwo b.', 'One.\\n\\nTwo **b**.')
    """
    inner: list[Block] = []
    for child in cell:
        _block(child, inner, 0)
    text = "\n\n".join(b[1] for b in inner)
    return ("row", text, "\n\n".join(b[2] for b in inner))


def _paragraphs(text: str, out: list[Block]) -> None:
    for line in _lines(text):
        out.append(("p", line, _escape_start(line)))


def _inline(el: Any, markdown: bool, skip: tuple[str, ...] = (), breaks: bool = False) -> str:
    parts = [el.text or ""]
    for child in el:
        if child.tag in skip:
            parts.append(child.tail or "")
            continue
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag == "graphic":
            pass
        elif child.tag in _BLOCK_TAGS:
            parts.append(
                f"\n{_inline(child, markdown)}\n" if breaks else f" {_inline(child, markdown)} "
            )
        else:
            inner = _inline(child, markdown)
            if markdown and inner.strip():
                wrap = _MD_WRAP.get(child.get("rend") or "") if child.tag == "hi" else None
                if child.tag == "del":
                    wrap = "~~"
                elif child.tag == "code":
                    wrap = "`"
                if wrap:
                    lead = inner[: len(inner) - len(inner.lstrip())]
                    trail = inner[len(inner.rstrip()) :]
                    inner = f"{lead}{wrap}{inner.strip()}{wrap}{trail}"
            parts.append(inner)
        parts.append(child.tail or "")
    return "".join(parts)


def _line(text: str) -> str:
    return " ".join(text.split())


def _lines(text: str) -> list[str]:
    # _line's work, written out: a body has a hundred lines and more.
    return [line for part in text.split("\n") if (line := " ".join(part.split()))]


def _escape_start(md: str) -> str:
    # Matched first: sub() would try its ^ at every position of a long paragraph.
    return _MD_START.sub(r"\\\1", md) if _MD_START.match(md) else md


def clean_blocks(
    blocks: list[Block], rules: Rules, title: str | None, anchors: Collection[str] = ()
) -> list[Block]:
    """Drop the source's drop_phrases, furniture and residue, and a repeated title.

    ``anchors`` are the normalised texts of the page's links: a block that is
    nothing but a link is a candidate for "related" lists (:mod:`extraction.cleaning`).
    """
    phrases = [p.lower() for p in rules.drop_phrases]
    kept = [b for b in blocks if not any(p in b[1].lower() for p in phrases)]
    links = [_is_link(b, anchors) for b in kept]
    drop = cleaning.residue(kept, links, title)
    return [b for b, gone in zip(kept, drop, strict=True) if not gone]


def _is_link(block: Block, anchors: Collection[str]) -> bool:
    """Whether a block is nothing but a link, or a table row whose cells are all links.

    A row of links is a layout table's menu ("Home | News | Contact"), which
    trafilatura keeps as a table row on pages built with tables (CleanEval).
    ``anchors`` may hold link texts of any length; a block of three characters
    or fewer ("Go", "FAQ") alone is never judged a link (one cannot tell). In a
    row, two or more short cells that are no link's text are the row's own data: a
    chart's positions beside a linked title ("4 | 2 | Song (Label) | 4", CleanEval
    final-587), two rates. One is not: a pager's current page among the linked
    ones, an entry's number in a list of links ("1. | The Mad Carpenter"); nor is
    a separator ("»", "|").

    >>> _is_link(("row", "Home | Go | Contact us", ""), {"home", "go", "contact us"})
    True
    >>> _is_link(("row", "Rates | 12.5%", ""), {"rates"})
    False
    >>> _is_link(("row", "4 | 2 | Song (Label)", ""), {"song (label)"})
    False
    >>> _is_link(("row", "« previous | 1 | 2 | » | next »", ""), {"« previous", "2", "next »"})
    True
    """
    if block[0] != "row":
        text = cleaning.norm(block[1])
        return len(text) > SHORT_LINK and text in anchors
    cells = [cleaning.norm(cell) for cell in block[1].split(" | ")]
    long = [cell for cell in cells if len(cell) > SHORT_LINK]
    data = [c for c in cells if len(c) <= SHORT_LINK and _WORD.search(c) and c not in anchors]
    return bool(long) and len(data) < 2 and all(cell in anchors for cell in long)


def anchor_texts(tree: Any, shortest: int = SHORT_LINK + 1) -> frozenset[str]:
    """The normalised texts of the page's links, ``shortest`` characters or longer.

    The default leaves out texts of three characters or fewer ("Go", "1"): as a
    part of a line they cannot be told from its words (:func:`extraction.ensemble.link_share`).

    >>> from extraction.parse import parse
    >>> page = parse('<p><a href="/a">Contact  Us</a> <a href="/b">Go</a> <a name="x">Term</a></p>')
    >>> sorted(anchor_texts(page)), sorted(anchor_texts(page, shortest=1))
    (['contact us'], ['contact us', 'go'])
    """
    # Most links hold only text: .text is theirs without text_content()'s XPath
    # (a page has a hundred links or more).
    # Only links: <a name="awl"> marks a place (a glossary term, a section
    # heading), and its text is the page's own (CleanEval final-612).
    texts = (
        cleaning.norm(a.text or "" if not len(a) else "".join(a.itertext()))
        for a in tree.iter("a")
        if a.get("href") is not None
    )
    return frozenset(text for text in texts if len(text) >= shortest)
