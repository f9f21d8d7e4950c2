"""The one module that calls trafilatura: HTML + URL + rules -> a clean release or a reason.

Example::

    >>> result = analyse(html, "https://www.hrw.org/news/2026/01/12/x", Rules(), release=True)
    >>> result.kind, result.article["title"]
    ('article', 'Chad: Free Detained Activists')

:func:`analyse` parses a page once and, from that one tree, reads the links the
spider may follow, the page's own metadata (JSON-LD, Open Graph, canonical,
hreflang), and the release text. It never raises: anything that goes wrong
becomes ``kind="failed"`` with a one-line reason. It is a plain function of
picklable arguments so that it can run in a worker process, off the reactor.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.sources import Rules
from crawler.urls import is_http, normalize

EXTRACTOR = f"trafilatura {trafilatura.__version__}"

ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "blogposting",
    "pressrelease",
    "report",
}

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
# Short lines that are calls to action or furniture wherever they appear. A
# line must match and be short: a body paragraph that mentions donations or
# newsletters in a sentence is kept (see tests/test_extract.py).
FURNITURE_LINE = re.compile(
    r"^(skip to (main )?content|donate( now)?|print|share( this)?( via \w+)?|subscribe|"
    r"sign up( for .*)?|accept( all)?( cookies)?|read more|most viewed|related content|"
    r"region ?/ ?country|topics?|tags?|email|facebook|twitter|x|linkedin|whatsapp|"
    r"(©|\(c\)|copyright) .*|all rights reserved\.?)$",
    re.IGNORECASE,
)
FURNITURE_PHRASE = re.compile(
    r"tax[- ]deductible (gift|donation)|we use cookies|by continuing.{0,40}(cookie|agree)|"
    r"cookie policy|sign up for (our|the) .{0,40}(newsletter|brief|updates)|"
    r"your (gift|donation) (can|will) help",
    re.IGNORECASE,
)
MAX_FURNITURE_WORDS = 40


@dataclass
class PageResult:
    """What one page yielded. ``kind`` is "article", "page" (not a release) or "failed"."""

    url: str
    kind: str
    reason: str | None = None
    article: dict[str, Any] | None = None
    links: list[str] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    alternates: dict[str, str] = field(default_factory=dict)


def analyse(
    html: str,
    url: str,
    rules: Rules,
    *,
    release: bool | None,
    want_links: bool = False,
    next_page: str = "",
) -> PageResult:
    """Read one page. ``release`` is the source's verdict: True, False, or None (page decides)."""
    try:
        return _analyse(html, url, rules, release, want_links, next_page)
    except Exception as exc:  # never let one page crash a crawl: record it instead
        return PageResult(url, "failed", reason=f"extraction error: {type(exc).__name__}: {exc}")


def _analyse(
    html: str, url: str, rules: Rules, release: bool | None, want_links: bool, next_page: str
) -> PageResult:
    if not html or not html.strip():
        return PageResult(url, "failed", reason="empty page")
    tree = _parse(html)
    if tree is None:
        return PageResult(url, "failed", reason="not parseable as HTML")
    base = _base_url(tree, url)
    meta = read_metadata(tree, base)
    result = PageResult(url, "page", alternates=meta["translations"])
    if want_links:
        result.links = _links(tree, base)
    if next_page:
        result.next_pages = _links(tree, base, next_page)
    if release is False:
        return result

    _prune(tree, rules)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        deduplicate=False,
        prune_xpath=list(rules.prune_xpath) or None,
    )
    lines = _clean_lines(doc.text if doc is not None and doc.text else "", rules)
    title = meta["title"] or (doc.title if doc is not None else None)
    if title and lines and _same_text(lines[0], title):
        lines = lines[1:]
    body_words = sum(len(line.split()) for line in lines)

    if release is None:
        verdict = classify(meta, lines, body_words, rules.min_words)
        if verdict is not None:
            result.reason = verdict
            return result
    if body_words < rules.min_words:
        result.kind = "failed"
        result.reason = f"too little text ({body_words} words; need {rules.min_words})"
        return result
    if not title:
        result.kind = "failed"
        result.reason = "no title found"
        return result

    text = "\n\n".join([title, *lines])
    result.kind = "article"
    result.article = {
        "url": url,
        "canonical_url": meta["canonical"],
        "title": title,
        "description": meta["description"] or (doc.description if doc is not None else None),
        "authors": meta["authors"] or _split_authors(doc.author if doc is not None else None),
        "date_published": meta["date_published"] or (doc.date if doc is not None else None),
        "date_modified": meta["date_modified"],
        "language": meta["language"],
        "tags": _unique([*meta["tags"], *(_doc_tags(doc))]),
        "translations": meta["translations"],
        "text": text,
        "word_count": len(text.split()),
        "extractor": EXTRACTOR,
    }
    return result


def classify(meta: dict[str, Any], lines: list[str], words: int, min_words: int) -> str | None:
    """None if the page is a release, else why not (for pages no pattern decides).

    A release says so in structured data (JSON-LD ``NewsArticle``, ``og:type``
    article) or looks like one: a publication date and a body of several real
    paragraphs. Listing, tag and search pages have neither.
    """
    paragraphs = [line for line in lines if len(line.split()) >= 12]
    if meta["structured_article"]:
        return None if words >= min_words else f"article markup but only {words} words"
    if meta["og_type"] and meta["og_type"] != "article":
        return f"og:type is {meta['og_type']!r}"
    if meta["date_published"] and words >= max(150, min_words) and len(paragraphs) >= 3:
        return None
    return "no article markup, date or body of paragraphs"


# --- parsing --------------------------------------------------------------


def _parse(html: str) -> Any:
    # lxml refuses str input that carries an XML encoding declaration, so hand it
    # UTF-8 bytes and say so.
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return tree


def _base_url(tree: Any, url: str) -> str:
    hrefs = tree.xpath("//base/@href")
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


def _prune(tree: Any, rules: Rules) -> None:
    """Remove page furniture and the source's own prune selectors, in place."""
    total = len(" ".join(tree.xpath("//p//text()")).split()) or 1

    def holds_the_content(el: Any) -> bool:
        # A wrapper that holds most of the page's prose is the content, whatever
        # it is called: <div class="page-with-sidebar">, or a whole page inside an
        # ASP.NET <form> (two pages of the article benchmark).
        return len(" ".join(el.xpath(".//p//text()")).split()) / total >= 0.4

    doomed: list[Any] = []
    for css in rules.prune:
        doomed.extend(_selector(css)(tree))
    for el in tree.iter(*FURNITURE_TAGS):
        if not holds_the_content(el):
            doomed.append(el)
    for el in tree.xpath("//*[@role or @class or @id]"):
        role = (el.get("role") or "").lower()
        tokens = f"{el.get('class') or ''} {el.get('id') or ''}".split()
        furniture = role in FURNITURE_ROLES or any(FURNITURE_CLASS.search(t) for t in tokens)
        if furniture and not holds_the_content(el):
            doomed.append(el)
    for el in tree.xpath("//a[starts-with(@href, '#')]"):
        if re.match(r"\s*skip\b", el.text_content() or "", re.I):
            doomed.append(el)
    for el in doomed:
        parent = el.getparent()
        if parent is not None:
            el.drop_tree()


def _clean_lines(text: str, rules: Rules) -> list[str]:
    phrases = [p.lower() for p in rules.drop_phrases]
    out: list[str] = []
    for raw in text.splitlines():
        line = re.sub(r"\s+", " ", raw).strip()
        if not line:
            continue
        lowered = line.lower()
        if any(p in lowered for p in phrases):
            continue
        short = len(line.split()) <= MAX_FURNITURE_WORDS
        if short and (FURNITURE_LINE.match(line) or FURNITURE_PHRASE.search(line)):
            continue
        out.append(line)
    return out


def _same_text(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"\W+", " ", s).strip().lower()

    return norm(a) == norm(b)


# --- metadata -------------------------------------------------------------


def read_metadata(tree: Any, base: str) -> dict[str, Any]:
    """The page's own statements about itself: JSON-LD, meta tags, link elements."""
    metas: dict[str, str] = {}
    for m in tree.iter("meta"):
        key = (m.get("property") or m.get("name") or m.get("itemprop") or "").strip().lower()
        content = (m.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
    article_tags = [
        (m.get("content") or "").strip()
        for m in tree.iter("meta")
        if (m.get("property") or "").lower() == "article:tag"
    ]
    ld = _jsonld_article(tree)
    canonical = None
    for href in tree.xpath("//link[@rel='canonical']/@href"):
        canonical = normalize(href, base)
        break
    translations: dict[str, str] = {}
    for link in tree.xpath("//link[@rel='alternate'][@hreflang][@href]"):
        lang = link.get("hreflang").strip().lower()
        if lang and lang != "x-default":
            translations.setdefault(lang, normalize(link.get("href"), base))
    time_el = tree.xpath("//time[@datetime]/@datetime")
    html_lang = tree.get("lang") or metas.get("og:locale") or ld.get("inLanguage") or ""
    authors, orgs = _ld_people(ld.get("author"))
    keywords = ld.get("keywords") or []
    if isinstance(keywords, str):
        keywords = [k for k in keywords.split(",")]
    og_type = metas.get("og:type", "").lower() or None
    return {
        "title": _text(ld.get("headline")) or metas.get("og:title") or _title_tag(tree),
        "description": metas.get("og:description")
        or metas.get("description")
        or _text(ld.get("description")),
        "date_published": iso_date(ld.get("datePublished"))
        or iso_date(metas.get("article:published_time"))
        or iso_date(time_el[0] if time_el else None),
        "date_modified": iso_date(ld.get("dateModified"))
        or iso_date(metas.get("article:modified_time")),
        "authors": authors or _split_authors(metas.get("author")),
        "org_authors": orgs,
        "tags": _unique([*map(str, keywords), *article_tags]),
        "language": _lang(html_lang),
        "canonical": canonical,
        "translations": translations,
        "og_type": og_type,
        "structured_article": bool(ld) or og_type == "article",
    }


def _jsonld_article(tree: Any) -> dict[str, Any]:
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, TypeError):
            continue
        for node in _ld_nodes(data):
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in types):
                return node
    return {}


def _ld_nodes(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [n for item in data for n in _ld_nodes(item)]
    if isinstance(data, dict):
        return [data, *_ld_nodes(data.get("@graph", []))]
    return []


def _ld_people(value: Any) -> tuple[list[str], list[str]]:
    people: list[str] = []
    orgs: list[str] = []
    for item in value if isinstance(value, list) else [value] if value else []:
        if isinstance(item, str):
            people.extend(_split_authors(item))
        elif isinstance(item, dict) and _text(item.get("name")):
            kind = str(item.get("@type", "Person")).lower()
            (orgs if "organization" in kind else people).append(_text(item.get("name")))
    return _unique(people), _unique(orgs)


def _split_authors(value: str | None) -> list[str]:
    if not value:
        return []
    return _unique(p.strip() for p in re.split(r";|,| and ", value) if p.strip())


def _doc_tags(doc: Any) -> list[str]:
    if doc is None:
        return []
    out: list[str] = []
    for value in (doc.tags, doc.categories):
        if isinstance(value, str):
            out.extend(v.strip() for v in value.split(","))
        elif value:
            out.extend(str(v).strip() for v in value)
    return [v for v in out if v]


def _title_tag(tree: Any) -> str | None:
    titles = tree.xpath("//title/text()")
    return re.sub(r"\s+", " ", titles[0]).strip() or None if titles else None


def _text(value: Any) -> str:
    return re.sub(r"\s+", " ", value).strip() if isinstance(value, str) else ""


def _unique(values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        v = re.sub(r"\s+", " ", str(v)).strip()
        if v and v.lower() not in {s.lower() for s in seen}:
            seen[v] = None
    return list(seen)


def _lang(value: str) -> str | None:
    match = re.match(r"\s*([a-zA-Z]{2,3})\b", value or "")
    return match.group(1).lower() if match else None


def iso_date(value: Any) -> str | None:
    """ISO 8601 form of a date string, keeping time and zone when given.

    >>> iso_date("2026-01-12T09:30:00Z")
    '2026-01-12T09:30:00+00:00'
    >>> iso_date("not a date") is None
    True
    """
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        match = re.match(r"(\d{4}-\d{2}-\d{2})", value)
        return match.group(1) if match else None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    return parsed.isoformat()
