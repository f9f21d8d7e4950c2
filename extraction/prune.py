"""Pruning: page furniture, hidden text, deks and the source's prune selectors leave the tree.

    >>> from extraction.parse import parse
    >>> from extraction.rules import Rules
    >>> tree = parse(
    ...     '<html><body><nav><a href="/">Home</a></nav><p class="dek">Short dek.</p>'
    ...     '<div class="cookie-banner">We use cookies.</div><p>The text itself.</p></body></html>')
    >>> prune(tree, Rules())
    (['Short dek.'], 41)
    >>> [" ".join(el.text_content().split()) for el in tree.iter("body")]
    ['The text itself.']

Done in place on the parsed tree before trafilatura reads it, because
trafilatura keeps some furniture when a page has no <article> element
(cookie notices, banners) and mixes a page's own dek up with teasers'. The
page's own prose is protected: a wrapper that holds most of it, and the
containers of its longest text, are never furniture. Also joins an article
body split into same-class containers and unmasks embedded posts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from lxml import etree

from extraction.parse import selector
from extraction.rules import Rules

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


def prune(tree: Any, rules: Rules) -> tuple[list[str], int]:
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
        doomed.extend(selector(css)(tree))
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
    breaks: list[Any] = []  # a <br> that ends a <strong> or <span>: see below
    for el in tree.iter(etree.Element):
        tag = el.tag
        if tag in FURNITURE_TAGS:
            furniture_tags.append(el)
        if tag == "br" and el.getnext() is None and not (el.tail or "").strip():
            breaks.append(el)
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
    # "<strong>Security<br></strong>Provides access": trafilatura drops a line break
    # that ends an inline element, and the two lines ran into one word. Moved after
    # the element: on 2,425 real pages CleanEval 0.8851 -> 0.8855 (20 pages changed,
    # 11 up), pages > 0.05 below trafilatura 92 -> 89 (bench/extraction.py).
    # Up through every inline element it ends: <strong><u>Woods<br></u></strong>.
    for br in breaks:
        parent = br.getparent()
        while (
            parent is not None
            and parent.tag in _INLINE
            and parent.getparent() is not None
            and br.getnext() is None
            and not (br.tail or "").strip()
        ):
            parent.remove(br)
            br.tail, parent.tail = parent.tail, None
            parent.addnext(br)
            parent = br.getparent()
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


_INLINE = frozenset(("strong", "b", "em", "i", "u", "span", "font", "a"))
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
