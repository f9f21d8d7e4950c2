"""The one module that calls trafilatura: HTML + URL + rules -> a clean release or a reason.

Example::

    >>> url = "https://www.hrw.org/news/2026/01/12/x"
    >>> result = analyse(html, url, Rules(), release=True)  # doctest: +SKIP
    >>> result.kind, result.article["title"]  # doctest: +SKIP
    ('article', 'Chad: Free Detained Activists')

:func:`analyse` parses a page once and, from that one tree, reads the links the
spider may follow, the page's own metadata (:mod:`extraction.metadata`), and the
release text. trafilatura finds the body; pressroom cuts it into blocks
(paragraphs, headings, list items, quotes, table rows), drops furniture and
residue (:mod:`extraction.cleaning`), the source's ``drop_phrases`` and the blocks
of the source's boilerplate profile (``boilerplate``: hashes, see
:mod:`storage.profiles`), and renders the rest as plain text and Markdown.
``PageResult.blocks`` are the blocks before the profile, for the writer to
learn the profile from.

PDF bytes go to :mod:`extraction.pdf`. It never raises: anything that goes wrong
becomes ``kind="failed"`` with a one-line reason. It is a plain function of
picklable arguments so that it can run in a worker process, off the reactor.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Collection
from functools import lru_cache
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector
from trafilatura.settings import Extractor

from article.text import Block, block_hash, render
from extraction import bylines, cleaning, ensemble, language, links, metadata, nearblocks
from extraction.encoding import BINARY, decode_html, looks_binary
from extraction.metadata import iso_date, read_metadata  # noqa: F401 (public: tests, docs)
from extraction.results import PageResult
from extraction.rules import Rules
from extraction.urls import is_http, normalize

EXTRACTOR = f"trafilatura {trafilatura.__version__}"

# Elements that are page furniture on every site we have seen; dropped before
# trafilatura sees the tree, because trafilatura keeps some of them when a page
# has no <article> element (cookie notices, banners).
FURNITURE_TAGS = ("nav", "footer", "aside", "form", "button", "select", "noscript", "dialog")
FURNITURE_ROLES = ("navigation", "contentinfo", "complementary", "search", "dialog", "alertdialog")
FURNITURE_CLASS = re.compile(
    r"(?:^|[-_])(cookies?|consent|gdpr|donat(?:e|ions?)|newsletter|subscribe|signup|"
    r"share|sharing|social|related|most-?viewed|popular|trending|breadcrumbs?|skip-?link|"
    r"pager|pagination|promo|advert|sidebar|navbar|menu|lang(?:uage)?-?switch(?:er)?|"
    r"tags|taxonomy|topics|regions?)(?:$|[-_])",
    re.IGNORECASE,
)
HIDDEN_CLASS = re.compile(
    r"^(element-hidden|hidden|d-none|is-hidden)$|"
    r"(rollover|popup|pop-up|popover|tooltip|hover-?card).*(block|card|box|content|panel|"
    r"inner|popup|popover|tooltip)$",
    re.IGNORECASE,
)
BODY_CLASS = re.compile(r"(^|[\s_-])(article|story|post|entry)?[-_]?(body|content|text)([\s_-]|$)")
NOT_BODY_CLASS = re.compile(r"comment|reply|related|teaser|card|promo|sidebar|footer|header")
DEK_CLASS = re.compile(
    # Not "lead" or "summary": those often mark the body's own first paragraph.
    r"(?:^|[-_])(dek|standfirst|subtitle|sub-?headline)(?:$|[-_])",
    re.IGNORECASE,
)
# Blockquotes of embedded posts carry one of these in their class attribute.
EMBED_CLASSES = ("twitter-tweet", "twitter-video", "instagram-media", "tiktok-embed")
# The safeguard (issue 16). pressroom's own pass (trafilatura fast, favor_precision,
# on the pruned tree) is the best single extractor on news articles, but on pages
# of other shapes it can return a teaser or nothing: fast mode skips trafilatura's
# comparison with its readability and jusText fallbacks. A doubtful body is put to
# a vote between extractors (extraction/ensemble.py: the "ensemble hook" below). It
# replaced a wider second pass (not fast, balanced, on the pruned tree), whose
# trigger (under 60 words or 20% of the page's text) the vote's covers.
INCLUDE_LINKS = False

_BLOCK_TAGS = {"p", "head", "list", "item", "quote", "table", "row", "cell", "code", "div"}
_MD_WRAP = {"#b": "**", "#i": "*", "#t": "`"}
_MD_START = re.compile(r"^([#>+-]|\d+[.)])(?=\s)")


def analyse(
    html: str | bytes,
    url: str,
    rules: Rules,
    *,
    release: bool | None,
    want_links: bool = False,
    next_page: str = "",
    boilerplate: Collection[int] = frozenset(),
    content_type: str | None = None,
    near: Any = None,
) -> PageResult:
    """Read one page. ``release`` is the source's verdict: True, False, or None (page decides).

    ``html`` may be the bytes of the response, served with ``content_type``:
    a PDF (``%PDF-``) of a release (``release=True``) is read as one, anything
    else is decoded as its author meant (:mod:`extraction.encoding`), in the
    worker rather than in the crawl process. ``boilerplate`` holds the block
    hashes of the source's profile, dropped from the text; ``near``, its
    near-repeated edge blocks (a :class:`extraction.nearblocks.NearDuplicateIndex`).
    """
    try:
        if isinstance(html, bytes):
            if release is True and html.lstrip()[:5] == b"%PDF-":
                from extraction import pdf

                return pdf.analyse_pdf(html, url, rules)
            try:
                html = decode_html(html, content_type)
            except (UnicodeDecodeError, LookupError) as exc:
                return PageResult(url, "failed", reason=f"undecodable page: {exc}")
            if looks_binary(html):
                shown = (content_type or "no content type").split(";")[0]
                return PageResult(url, "failed", reason=f"{BINARY} {shown}")
        return _analyse(html, url, rules, release, want_links, next_page, boilerplate, near)
    except Exception as exc:  # never let one page crash a crawl: record it instead
        return PageResult(url, "failed", reason=f"extraction error: {type(exc).__name__}: {exc}")


def _analyse(
    html: str,
    url: str,
    rules: Rules,
    release: bool | None,
    want_links: bool,
    next_page: str,
    boilerplate: Collection[int],
    near: Any = None,
) -> PageResult:
    if not html or not html.strip():
        return PageResult(url, "failed", reason="empty page")
    tree = _parse(html)
    if tree is None:
        return PageResult(url, "failed", reason="not parseable as HTML")
    elements = metadata.index(tree)
    base = _base_url(elements["base"], url)
    meta = read_metadata(tree, base, elements)
    layout = template_key(tree)
    result = PageResult(url, "page", alternates=meta["translations"])
    # Set for pages judged not releases too: the crawl learns the site's templates.
    result.template, result.by_markup = layout, bool(meta["structured_article"])
    if want_links:
        result.links = _links(tree, base)
    if next_page:
        result.next_pages = _links(tree, base, next_page)
    if release is False:
        return result

    # Only the page's own dek: teasers of other releases have deks too.
    description = meta["description"] or ""
    deks, page_chars = _prune(tree, rules)
    dek = next((d for d in deks if cleaning.same_text(d, description)), None)
    dek = dek or _shown_description(tree, description)
    anchors = _anchor_texts(tree)
    body_links = links.anchors(tree, base)
    fallback = _needs_fallback(meta)
    doc = _trafilatura(tree, url, rules, precise=True, metadata=fallback)
    title = meta["title"] or (doc.title if doc is not None else None) or _headline(tree)
    found = body_blocks(doc)
    blocks = clean_blocks(found, rules, title, anchors)
    # ensemble hook (issue 16): a doubtful body is put to a vote (extraction.ensemble).
    if ensemble.in_doubt(_words(blocks), sum(len(b[1]) for b in blocks), page_chars):
        candidates = [(found, blocks)]
        for other in (_plain_blocks(html, url, rules), ensemble.readability_blocks(html, url)):
            candidates.append((other, clean_blocks(other, rules, title, anchors)))
        found, blocks = candidates[ensemble.choose([c[1] for c in candidates])]
    if near:
        # Contact blocks, notices, share counts: repeated with small changes at the
        # page's edges (extraction.nearblocks); walked over with the exact profile.
        gone = near.strip(
            nearblocks.groups(meta["language"], layout),
            [b[1] for b in blocks],
            known=lambda text: block_hash(text) in boilerplate or _is_dek(text, dek, description),
        )
        near_dropped = {b[1] for b, drop in zip(blocks, gone, strict=True) if drop}
    else:
        near_dropped = set()
    if dek and any(cleaning.same_text(dek, b[1]) for b in blocks[:3]):
        dek = None  # already in the body: the site's lead paragraph, not a separate dek
    if dek:
        blocks = [("p", dek, dek), *blocks]
    kept = [b for b in blocks if block_hash(b[1]) not in boilerplate] if boilerplate else blocks
    if near_dropped:
        kept = [b for b in kept if b[1] not in near_dropped]
    body_words = _words(kept)
    found_words = _words(found)

    if release is None:
        verdict = classify(meta, [b[1] for b in kept], body_words, rules.min_words)
        if verdict is not None:
            result.reason = verdict
            return result
    text, markdown = render(title, kept)
    body = "\n".join(b[1] for b in kept)
    own_url = meta["canonical"] or url
    date = meta["date_published"] or metadata.not_today(doc.date if doc is not None else None)
    result.kind = "article"
    result.dek = dek
    if found_words:
        own = body_words - (cleaning.word_count(dek) if dek and kept and kept[0][1] == dek else 0)
        result.removed_share = round(max(0.0, 1 - own / found_words), 4)
    result.blocks = blocks
    result.template = layout
    result.article = {
        "url": url,
        "canonical_url": meta["canonical"],
        "title": title,
        "description": meta["description"] or (doc.description if doc is not None else None),
        "authors": meta["authors"] or bylines.outside_body(_doc_authors(doc), blocks),
        "org_author": meta["org_author"],
        "publisher": meta["publisher"] or (doc.sitename if doc is not None else None) or None,
        "date_published": date,
        "date_modified": meta["date_modified"],
        "language": language.choose(body, meta["language"]),
        "tags": meta["tags"] or _doc_tags(doc),
        "translations": meta["translations"],
        "translation_key": metadata.translation_key(own_url, meta["translations"]),
        "image_url": meta["image_url"] or _doc_image(doc, base),
        "image_caption": meta["image_caption"],
        "text": text,
        "markdown": markdown,
        "links": links.in_body(body_links, kept),
        "word_count": cleaning.word_count(text),
        "content_kind": "html",
        "extractor": EXTRACTOR,
    }
    if body_words < rules.min_words:
        # Refused, but the text stays on the result: `pressroom extract` shows what
        # it read with the verdict. A crawl keeps nothing of a failed page.
        result.kind = "failed"
        result.reason = f"too little text ({body_words} words; need {rules.min_words})"
        result.blocks = result.template = result.removed_share = None
    return result


def _is_dek(text: str, dek: str | None, description: str | None) -> bool:
    """Whether a body block is the page's standfirst: notices may stand under it, at the
    head of the body, and the near-block walk from the edge goes over it."""
    return any(d and cleaning.same_text(text, d) for d in (dek, description))


def _headline(tree: Any) -> str | None:
    """The first <h1>'s text: the title of a page with no <title> or title metadata."""
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text:
            return text
    return None


def classify(meta: dict[str, Any], lines: list[str], words: int, min_words: int) -> str | None:
    """None if the page is a release, else why not (for pages no pattern decides).

    A release says so in structured data (JSON-LD ``NewsArticle``, ``og:type``
    article) or looks like one: a publication date and a body of several real
    paragraphs. Listing, tag and search pages have neither.
    """
    paragraphs = [line for line in lines if cleaning.word_count(line) >= 12]
    if meta["structured_article"]:
        return None if words >= min_words else f"article markup but only {words} words"
    if meta["og_type"] and meta["og_type"] != "article":
        return f"og:type is {meta['og_type']!r}"
    if meta["date_published"] and words >= max(150, min_words) and len(paragraphs) >= 3:
        return None
    return "no article markup, date or body of paragraphs"


# --- trafilatura -----------------------------------------------------------


# trafilatura's fast mode skips its readability/jusText fallback comparison.
# Measured (bench/extraction.py, 181 pages): F1 0.980 -> 0.977, still above every
# plain trafilatura setting, at 1.17x the pages/s; the fixture site scores the
# same; bench/crawl.py: 91 -> 104 pages/s and 375 -> 311 MB PSS.
FAST = True


def _plain_blocks(html: str, url: str, rules: Rules) -> list[Block]:
    """Blocks of trafilatura with its defaults on the whole page (ensemble hook, issue 16)."""
    tree = _parse(html)
    if tree is None:
        return []
    # comments=True as trafilatura's defaults: off, it also prunes the page before reading
    # the body, and the body alone is read from its output.
    options = copy.copy(_extractor(False, False, False, comments=True))
    options.url = options.source = url
    doc = trafilatura.bare_extraction(
        tree, options=options, prune_xpath=list(rules.prune_xpath) or None
    )
    return body_blocks(doc)


def _needs_fallback(meta: dict[str, Any]) -> bool:
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


def _trafilatura(
    tree: Any, url: str, rules: Rules, *, precise: bool, metadata: bool, fast: bool = FAST
) -> Any:
    options = copy.copy(_extractor(precise, metadata, fast))
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


def _doc_authors(doc: Any) -> list[str]:
    if doc is None or not doc.author:
        return []
    return metadata.unique(p.strip() for p in re.split(r";|,| and ", doc.author) if p.strip())


def _doc_tags(doc: Any) -> list[str]:
    if doc is None:
        return []
    # doc.categories is article:section ("News"): a part of the site, not a topic.
    value = doc.tags
    values = value.split(",") if isinstance(value, str) else list(value or [])
    return metadata.unique(values)


def _doc_image(doc: Any, base: str) -> str | None:
    if doc is None or not doc.image:
        return None
    try:
        image = normalize(doc.image, base)
    except ValueError:
        return None
    return image if is_http(image) else None


# --- blocks ----------------------------------------------------------------


def body_blocks(doc: Any) -> list[Block]:
    """The blocks of trafilatura's body tree, in order: (kind, plain text, Markdown)."""
    out: list[Block] = []
    body = getattr(doc, "body", None)
    if body is None:
        return out
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
    return [line for line in (_line(part) for part in text.split("\n")) if line]


def _escape_start(md: str) -> str:
    return _MD_START.sub(r"\\\1", md)


def clean_blocks(
    blocks: list[Block], rules: Rules, title: str | None, anchors: Collection[str] = ()
) -> list[Block]:
    """Drop the source's drop_phrases, furniture and residue, and a repeated title.

    ``anchors`` are the normalised texts of the page's links: a block that is
    nothing but a link is a candidate for "related" lists (:mod:`extraction.cleaning`).
    """
    phrases = [p.lower() for p in rules.drop_phrases]
    kept = [b for b in blocks if not any(p in b[1].lower() for p in phrases)]
    links = [cleaning.norm(b[1]) in anchors for b in kept]
    drop = cleaning.residue(kept, links, title)
    return [b for b, gone in zip(kept, drop, strict=True) if not gone]


def _anchor_texts(tree: Any) -> frozenset[str]:
    # Most links hold only text: .text is theirs without text_content()'s XPath
    # (a page has a hundred links or more).
    texts = (
        cleaning.norm(a.text or "" if not len(a) else "".join(a.itertext())) for a in tree.iter("a")
    )
    return frozenset(text for text in texts if len(text) > 3)


def template_key(tree: Any) -> str:
    """A fingerprint of the page's layout: the classes of <body> and of the headline's
    ancestors, digits dropped (node ids). Pages of one template share it.

    >>> key = lxml.html.fromstring('<body class="node-7"><main><h1>A</h1></main></body>')
    >>> template_key(key) == template_key(
    ...     lxml.html.fromstring('<body class="node-12"><main><h1>B</h1></main></body>'))
    True
    """
    body = tree.find("body")
    parts = [_classes(body) if body is not None else ""]
    heading = tree.find(".//h1")
    if heading is not None:
        for el in [heading, *heading.iterancestors()]:
            if el.tag in ("body", "html"):
                break
            parts.append(f"{el.tag}.{_classes(el)}")
    return hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:12]


def _classes(el: Any) -> str:
    return " ".join(sorted({re.sub(r"\d+", "", c) for c in (el.get("class") or "").split()}))


def _words(blocks: list[Block]) -> int:
    return sum(cleaning.word_count(b[1]) for b in blocks)


# --- parsing --------------------------------------------------------------


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
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")


def _parse(html: str) -> Any:
    # lxml refuses str input that carries an XML encoding declaration, so hand it
    # UTF-8 bytes and say so.
    html = _CONTROL.sub(" ", html)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_HTML_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return tree


def _base_url(bases: list[Any], url: str) -> str:
    hrefs = [href for el in bases if (href := el.get("href")) is not None]
    return normalize(hrefs[0], url) if hrefs and is_http(normalize(hrefs[0], url)) else url


@lru_cache(maxsize=64)
def _selector(css: str) -> CSSSelector:
    return CSSSelector(css)


def _links(tree: Any, base: str, css: str | None = None) -> list[str]:
    anchors = _selector(css)(tree) if css else tree.iter("a")
    out: dict[str, None] = {}
    for a in anchors:
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        try:
            absolute = normalize(href, base)
        except ValueError:
            continue
        if is_http(absolute):
            out[absolute] = None
    return list(out)


def _shown_description(tree: Any, description: str) -> str | None:
    """The page's description when the page also shows it as a paragraph: its dek.

    Many templates print the summary under the headline with no telling class
    (``<p class="lead">``); trafilatura often leaves it out with the header.
    """
    if not description or len(description.split()) > 80:
        return None
    size = len(description)
    for el in tree.iter("p", "h2", "div", "span"):
        if len(el) > 3:  # a container, not the paragraph itself
            continue
        text = " ".join(el.text_content().split())
        if abs(len(text) - size) <= size * 0.1 + 5 and cleaning.same_text(text, description):
            return text
    return None


def _prune(tree: Any, rules: Rules) -> tuple[list[str], int]:
    """Remove page furniture and the source's own prune selectors, in place.

    Returns the texts of the deks (standfirsts) it removed: the page's own is
    put back first in the text; trafilatura would mix it up with teasers. And
    the length of the page's text before pruning (characters; scripts and link
    texts left out).
    """
    # Words of prose under each element, counted once, bottom up.
    prose: dict[Any, int] = {}
    total = 0
    for p in tree.iter("p"):
        words = sum(len(text.split()) for text in p.itertext())
        total += words
        for el in p.iterancestors():
            prose[el] = prose.get(el, 0) + words
    total = total or 1

    def holds_the_content(el: Any) -> bool:
        # A wrapper that holds most of the page's prose is the content, whatever
        # it is called: <div class="page-with-sidebar">, or a whole page inside an
        # ASP.NET <form> (two pages of the article benchmark).
        return prose.get(el, 0) / total >= 0.4

    doomed: list[Any] = []
    deks: list[str] = []
    for css in rules.prune:
        doomed.extend(_selector(css)(tree))
    # One walk over the elements, with verdicts cached by attribute values: a
    # site repeats a few hundred class/id/role strings (an XPath selecting the
    # elements with any of five attributes cost as much as this whole loop, and
    # every other search of the tree, ~0.1 ms each, is folded in here too).
    marked: list[tuple[Any, bool, bool, bool]] = []
    embeds: list[Any] = []
    bodies: list[tuple[Any, str]] = []  # <div>s classed as an article body
    furniture_tags: list[Any] = []
    page_chars = 0
    longest, longest_size = None, 0  # the longest text node: a sentence of the article
    for el in tree.iter(etree.Element):
        tag = el.tag
        if tag in FURNITURE_TAGS:
            furniture_tags.append(el)
        # Link texts are left out of the page's text: menus are links, prose is not.
        if (text := el.text) and tag not in _NOT_PROSE and tag != "a":
            size = len(text.strip())
            page_chars += size
            if size > longest_size:
                longest, longest_size = el, size
        if text := el.tail:
            size = len(text.strip())
            page_chars += size
            if size > longest_size:
                longest, longest_size = el.getparent(), size
        classes, ids, role, style = el.get("class"), el.get("id"), el.get("role"), el.get("style")
        if classes and tag == "blockquote" and _is_embed(classes):
            embeds.append(el)
        if classes and tag == "div" and (body_class := _body_class(classes)):
            bodies.append((el, body_class))
        if classes or ids or role:
            furniture, hidden, dek = _class_kinds(classes or "", ids or "", role or "")
        else:
            furniture = hidden = dek = False
        if style:
            # Text a reader never sees: hidden elements, hover cards and pop-ups in links.
            style = style.replace(" ", "").lower()
            hidden = hidden or "display:none" in style or "visibility:hidden" in style
        hidden = hidden or el.get("hidden") is not None
        if (
            tag == "a"
            and (el.get("href") or "").startswith("#")
            and _SKIP_LINK.match(el.text_content() or "")
        ):
            doomed.append(el)  # "Skip to main content"
            continue
        if furniture or hidden or dek:
            marked.append((el, furniture, hidden, dek))
    # Elements that hold an embedded post: its wrappers are not furniture.
    holds_embed = {a for embed in embeds for a in embed.iterancestors()}
    # The containers of the page's longest text are never furniture by their tag or
    # class: an ASP.NET page is one <form>, and "sidebar-grid__content", "region-inner"
    # or a WordPress post's "tag-internet-sharing" name the article's own wrappers (issue 16).
    article = set(longest.iterancestors()) | {longest} if longest is not None else set()
    doomed += [el for el in furniture_tags if el not in article and not holds_the_content(el)]
    for el, furniture, hidden, dek in marked:
        dek = dek and prose.get(el, 0) <= 80 and len(el.text_content().split()) <= 80
        if dek:
            deks.append(" ".join(el.text_content().split()))
        furniture = furniture and el not in holds_embed and el not in article
        if dek or ((furniture or hidden) and not holds_the_content(el)):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            el.drop_tree()
    root = tree.getroottree().getroot()
    _merge_split_bodies([(el, c) for el, c in bodies if el.getroottree().getroot() is root])
    # An embedded post (a tweet quoted in a release) is content: trafilatura drops
    # blockquotes classed as social embeds, so they lose the class.
    for el in embeds:
        if el.getroottree().getroot() is not root:
            continue  # inside something dropped above
        text = el.text_content().strip()
        for wrapper in [el, *el.iterancestors()]:
            if wrapper.text_content().strip() != text:
                break
            wrapper.attrib.pop("class", None)
            wrapper.attrib.pop("id", None)
    return deks, page_chars


_SKIP_LINK = re.compile(r"\s*skip\b", re.IGNORECASE)
_NOT_PROSE = frozenset(("script", "style", "noscript", "template", "textarea", "pre", "code"))


@lru_cache(maxsize=1024)
def _is_embed(classes: str) -> bool:
    return any(name in classes for name in EMBED_CLASSES)


@lru_cache(maxsize=4096)
def _class_kinds(classes: str, ids: str, role: str = "") -> tuple[bool, bool, bool]:
    """Whether class/id/role mark furniture, hidden text or a dek (cached: they repeat)."""
    tokens = classes.split()
    return (
        role.lower() in FURNITURE_ROLES
        or any(FURNITURE_CLASS.search(t) for t in [*tokens, *ids.split()]),
        any(HIDDEN_CLASS.search(t) for t in tokens),
        any(DEK_CLASS.search(t) for t in tokens),
    )


@lru_cache(maxsize=4096)
def _body_class(classes: str) -> str:
    """The sorted class tokens when they name an article body, else ""."""
    cls = " ".join(sorted(classes.split()))
    return cls if BODY_CLASS.search(cls) and not NOT_BODY_CLASS.search(cls) else ""


def _merge_split_bodies(bodies: list[tuple[Any, str]]) -> None:
    """Join an article body that the page splits into several same-class containers.

    Some layouts cut the body into blocks between ads (<div class="body__container">
    ... <div class="ad"> ... <div class="body__container">); trafilatura keeps only
    the first. Later containers' children move into the first one. ``bodies``:
    the page's <div>s with an article body's class, in order, and that class.
    """
    groups: dict[str, list[Any]] = {}
    for el, cls in bodies:
        prose = [p for p in el.findall("p") if len((p.text_content() or "").split()) >= 20]
        if len(prose) >= 2:
            groups.setdefault(cls, []).append(el)
    for members in groups.values():
        if len(members) < 2 or any(a in b.iterancestors() for a in members for b in members):
            continue
        first = members[0]
        for other in members[1:]:
            for child in list(other):
                first.append(child)
            other.drop_tree()
