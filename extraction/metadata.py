"""What a page says about itself: JSON-LD, meta tags, bylines, <time>, tag blocks, figures.

    >>> meta = read_metadata(tree, "https://www.hrw.org/news/2026/01/12/x")  # doctest: +SKIP
    >>> meta["date_published"], meta["authors"], meta["org_author"]  # doctest: +SKIP
    ('2026-01-12T09:30:00+01:00', ['Ann Lee'], 'Human Rights Watch and Amnesty International')

Called on the parsed page before anything is pruned (tag blocks and bylines are
furniture for the text, but data here). No trafilatura: :mod:`extraction.extract`
adds what trafilatura found only where the page itself says nothing.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from extraction import bylines, datelabels
from extraction.language import declared
from extraction.urls import fetchable, is_http, normalize

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

PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "dcterms.issued",
    "dcterms.date",
    "dc.date.issued",
    "dc.date",
    "citation_publication_date",
    "publication_date",
    "publish-date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "date",
)
MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "dcterms.modified",
    "last-modified",
)
# A <time> inside one of these is a teaser's, a comment's or a sidebar's date.
FOREIGN_CONTAINER = re.compile(
    r"(?:^|[-_\s])(teaser|related|most-?viewed|popular|promo|sidebar|comments?|listing|"
    r"recirc|more-?stories|card)(?:$|[-_\s])",
    re.IGNORECASE,
)
FOREIGN_TAGS = {"nav", "footer", "aside", "header"}
UPDATED_HINT = re.compile(r"updat|modif|mis à jour|actualiz|aktualisiert", re.IGNORECASE)
URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$|[-_])")
URL_DATE_COMPACT = re.compile(r"/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|$)")

# Words that make a byline an organisation's rather than a person's.
ORG_WORDS = re.compile(
    r"\b(watch|international|organi[sz]ation|association|foundation|institute|ministry|"
    r"department|office|agency|commission|council|committee|network|coalition|union|"
    r"society|center|centre|council|university|press|news|newsroom|media|staff|editors|"
    r"reuters|afp|associated|group|inc|ltd|llc|gmbh|corp|company|team|bureau|service|"
    r"government|embassy|secretariat|nations|amnesty|federation|alliance|trust|fund|"
    r"programme|program|unit|desk)\b",
    re.IGNORECASE,
)
BYLINE_ORG_CLASS = re.compile(
    r"(?:byline|author|submitted|credit)s?[-_]+(?:org|organi[sz]ation|agency|source|partner)",
    re.IGNORECASE,
)
BYLINE_PEOPLE_CLASS = re.compile(
    r"^(?:byline[-_]+(?:authors?|names?)|author[-_]?name|by)$", re.IGNORECASE
)

# Labels of tag blocks ("Region / Country", "Topics:"); \s+ where a label has a space.
_TAG_LABEL_WORDS = (
    r"region\s*/\s*country|regions?|countr(?:y|ies)|topics?|tags?|tagged(?:\s+with)?|"
    r"filed\s+under|categor(?:y|ies)|keywords|subjects?|themes?|région\s*/\s*pays|"
    r"thèmes?|sujets?|mots(?:-|\s+)clés|étiquettes|etiquetas|temas|regi[oó]n\s*/\s*pa[ií]s|"
    r"schlagw[öo]rter|themen|region\s*/\s*land"
)
TAG_LABEL = re.compile(rf"^(?:{_TAG_LABEL_WORDS})\s*:?$", re.IGNORECASE)
# The same for a text whose whitespace is not collapsed.
_TAG_LABEL_RAW = re.compile(rf"\s*(?:{_TAG_LABEL_WORDS})\s*:?\s*\Z", re.IGNORECASE)
_TAG_CLASS_WORDS = (
    r"tags?|tag-?list|tags-?list|post-?tags|entry-?tags|article-?tags|taxonomy|"
    r"keywords|categories|post-?categories|topics|field--(?:tags|topics?|regions?|countr(?:y|ies))"
)
TAG_CLASS = re.compile(rf"^(?:{_TAG_CLASS_WORDS})$", re.IGNORECASE)
# Meta names and properties that give a page's image (trafilatura reads the same).
IMAGE_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
    "image",
)
MAX_TAG_WORDS = 6
MAX_TAGS = 40


# The elements read_metadata looks at, found in one walk of the page: each
# search of its own (an XPath, an iter) walks the whole tree, ~0.1 ms a page.
INDEXED_TAGS = ("meta", "link", "script", "title", "base", "figure", "time")


def index(tree: Any) -> dict[str, list[Any]]:
    """The page's elements of :data:`INDEXED_TAGS`, by tag, in document order.

    >>> [el.get("rel") for el in index(tree)["link"]]  # doctest: +SKIP
    ['canonical', 'alternate', 'alternate']
    """
    found: dict[str, list[Any]] = {tag: [] for tag in INDEXED_TAGS}
    for el in tree.iter(*INDEXED_TAGS):
        found[el.tag].append(el)
    return found


def read_metadata(
    tree: Any, base: str, elements: dict[str, list[Any]] | None = None
) -> dict[str, Any]:
    """The page's own statements about itself (nothing from trafilatura).

    ``elements`` is :func:`index` of the tree when the caller made it already.
    """
    found = index(tree) if elements is None else elements
    metas: dict[str, str] = {}
    article_tags = []
    for m in found["meta"]:
        named = m.get("property") or m.get("name")
        key = (named or m.get("itemprop") or "").strip().lower()
        content = _unescape(m.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
        if (named or "").lower() == "article:tag":
            article_tags.append(content)
    ld = _jsonld_article(found["script"])
    canonical = None
    for link in found["link"]:
        href = link.get("href")
        if href is None or link.get("rel") != "canonical":
            continue
        try:
            canonical = normalize(href, base)
        except ValueError:
            canonical = None
        break
    translations: dict[str, str] = {}
    alternates: dict[str, str] = {}  # the same links as written: what a spider requests
    for link in found["link"]:
        hreflang, href = link.get("hreflang"), link.get("href")
        if link.get("rel") != "alternate" or hreflang is None or href is None:
            continue
        lang = hreflang.strip().lower()
        if lang and lang != "x-default" and lang not in translations:
            try:
                translations[lang] = normalize(href, base)
            except ValueError:
                continue
            alternates[lang] = fetchable(href, base)
    html_lang = tree.get("lang") or metas.get("og:locale") or _text(ld.get("inLanguage")) or ""
    people, orgs = _ld_people(ld.get("author"))
    meta_people, meta_orgs = _people_and_orgs(_split_authors(metas.get("author")))
    classed = _classed(tree)
    byline_people, byline_org = _byline(classed)
    if not (people or orgs or meta_people or byline_people or byline_org):
        # A gov.uk-like "From:" line (<dt>From:</dt><dd>links</dd>): organisations
        # and people told apart by name (extraction.bylines), never split apart.
        labelled = _from_line(tree)
        byline_people = labelled.authors
        byline_org = "; ".join(labelled.org_author) or None
    keywords = ld.get("keywords") or []
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    og_type = metas.get("og:type", "").lower() or None
    image_url, image_caption = _image(found["figure"], base, metas, ld)
    published, modified = _dates(found["time"], base, metas, ld)
    if not published or not modified:
        # Text labels ("Published 11 April 2023", "Last updated ..."): after the
        # structured data, before trafilatura's guess, which takes the update date.
        labelled_dates = datelabels.read_dates(tree, language=declared(html_lang) or None)
        published = published or labelled_dates.published
        if not modified and labelled_dates.modified and labelled_dates.modified != published:
            modified = labelled_dates.modified
    if not published:
        # A date alone in the byline area, unlabelled: read when it is a CJK one,
        # which htmldate takes for a year alone (January 1st, a wrong date).
        published = _cjk_date_line(tree, classed)
    org_author = byline_org or (", ".join(orgs) if orgs else None)
    if not org_author and not (people or meta_people or byline_people) and meta_orgs:
        org_author = ", ".join(meta_orgs)
    title = _text(ld.get("headline")) or metas.get("og:title")
    if not title:
        title = _without_site_name(_title_tag(found["title"]), tree, metas)
    return {
        "title": title,
        "description": metas.get("og:description")
        or metas.get("description")
        or _text(ld.get("description")),
        "date_published": published,
        "date_modified": modified,
        "authors": people or meta_people or byline_people,
        "org_author": org_author,
        "publisher": _publisher(ld, metas),
        "tags": unique([*map(str, keywords), *article_tags, *_tag_blocks(tree, classed)]),
        "language": declared(html_lang),
        "canonical": canonical,
        "translations": translations,
        "alternate_links": alternates,
        "og_type": og_type,
        "structured_article": bool(ld) or og_type == "article",
        "image_url": image_url,
        "image_caption": image_caption,
        # Whether the head names an image at all (trafilatura reads images there only).
        "image_declared": any(k in metas for k in IMAGE_META),
    }


def translation_key(url: str, translations: dict[str, str]) -> str | None:
    """One key shared by every language version of a release: the smallest of their URLs.

    >>> translation_key("https://x.org/fr/a", {"en": "https://x.org/a", "fr": "https://x.org/fr/a"})
    'https://x.org/a'
    >>> translation_key("https://x.org/a", {}) is None
    True

    Each version lists the same hreflang set, so each computes the same key.
    """
    if not translations:
        return None
    return min({url, *translations.values()})


# --- JSON-LD -----------------------------------------------------------------


def _jsonld_article(scripts: list[Any]) -> dict[str, Any]:
    for script in scripts:
        if script.get("type") != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (json.JSONDecodeError, TypeError, RecursionError):
            continue
        for node in _ld_nodes(data):
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(isinstance(t, str) and t.lower() in ARTICLE_TYPES for t in types):
                return node
    return {}


def _ld_nodes(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    if depth > 5:
        return []
    if isinstance(data, list):
        return [n for item in data for n in _ld_nodes(item, depth + 1)]
    if isinstance(data, dict):
        return [data, *_ld_nodes(data.get("@graph", []), depth + 1)]
    return []


def _ld_people(value: Any) -> tuple[list[str], list[str]]:
    people: list[str] = []
    orgs: list[str] = []
    for item in value if isinstance(value, list) else [value] if value else []:
        if isinstance(item, str):
            found_people, found_orgs = _people_and_orgs(_split_authors(item))
            people.extend(found_people)
            orgs.extend(found_orgs)
        elif isinstance(item, dict) and _text(item.get("name")):
            kind = str(item.get("@type", "Person")).lower()
            (orgs if "organization" in kind else people).append(_text(item.get("name")))
    return unique(people), unique(orgs)


def _publisher(ld: dict[str, Any], metas: dict[str, str]) -> str | None:
    publisher = ld.get("publisher")
    if isinstance(publisher, list) and publisher:
        publisher = publisher[0]
    if isinstance(publisher, dict) and _text(publisher.get("name")):
        return _text(publisher.get("name"))
    if isinstance(publisher, str) and publisher.strip():
        return _text(publisher)
    return metas.get("og:site_name") or metas.get("application-name") or None


# --- bylines -----------------------------------------------------------------


def _split_authors(value: str | None) -> list[str]:
    if not value or is_http(value.strip()):
        return []
    value = re.sub(r"^\s*(by|par|por|von|di)\s+", "", value.strip(), flags=re.IGNORECASE)
    return unique(p.strip() for p in re.split(r";|,|\band\b|&|\bet\b|\by\b|\bund\b", value))


def _people_and_orgs(names: list[str]) -> tuple[list[str], list[str]]:
    people = [n for n in names if not ORG_WORDS.search(n)]
    orgs = [n for n in names if ORG_WORDS.search(n)]
    return people, orgs


# Labels of a definition list's byline term ("From:" on gov.uk), in several languages.
FROM_LABELS = ("from", "oddi wrth", "von", "de", "da", "desde", "van", "published by", "by")


def _from_line(tree: Any) -> bylines.Bylines:
    """The names in the ``<dd>`` after a ``<dt>From:</dt>`` (links: one name each)."""
    for dt in tree.iter("dt"):
        label = " ".join((dt.text_content() or "").split()).rstrip(":").strip().lower()
        if label in FROM_LABELS:
            dd = dt.getnext()
            if dd is not None and dd.tag == "dd" and not _in_menu(dd):
                return bylines.read_element(dd)
    return bylines.Bylines()


# Elements that may hold the byline: what their class says (any case of "byline",
# "author", "submitted", "credit", or the word "by") or schema.org's sourceOrganization.
_BYLINE_CLASS = re.compile(r"yline|uthor|ubmitted|redit|(?:^| )by(?: |$)")


def _classed(tree: Any) -> list[tuple[Any, int]]:
    """Elements whose class (or itemprop) marks a byline or a tag block, with their kind bits.

    One pass over the page for both readers, with the verdicts cached by class
    attribute: a site repeats a few hundred class strings (an XPath with five
    contains() per element took 0.8 ms a page).
    """
    out = []
    for el in tree.iter(etree.Element):
        classes = el.get("class")
        kind = _class_kind(classes) if classes else 0
        if el.get("itemprop") == "sourceOrganization":
            kind |= _ORG
        if kind:
            out.append((el, kind))
    return out


def _byline(classed: list[tuple[Any, int]]) -> tuple[list[str], str | None]:
    """People and an organisation named in the page's visible byline."""
    org = None
    people: list[str] = []
    for el, kind in classed:
        if org is None and kind & _ORG:
            org = _text(el.text_content()) or None
        elif not people and kind & _PEOPLE:
            people, _ = _people_and_orgs(_split_authors(_text(el.text_content())))
    return people, org


_ORG, _PEOPLE, _TAGS, _DATELINE = 1, 2, 4, 8
# A class naming the line under a headline that holds its date ("meta", "ms-date").
_DATELINE_CLASS = re.compile(
    r"(?:^|[-_\s])(?:meta|date|dateline|byline|pubdate|published|posted|time|timestamp)"
    r"(?=$|[-_\s])",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def _class_kind(classes: str) -> int:
    """Bits: the class attribute marks a byline's organisation, its people, a tag block,
    a date line."""
    kind = _TAGS if _TAG_CLASS_ANY.search(classes) else 0
    if _DATELINE_CLASS.search(classes):
        kind |= _DATELINE
    if not _BYLINE_CLASS.search(classes):
        return kind
    tokens = classes.split()
    if any(BYLINE_ORG_CLASS.search(t) for t in tokens):
        kind |= _ORG
    if any(BYLINE_PEOPLE_CLASS.match(t) for t in tokens):
        kind |= _PEOPLE
    return kind


# --- dates -------------------------------------------------------------------


def _cjk_date_line(tree: Any, classed: list[tuple[Any, int]]) -> str | None:
    """The first date line (class "meta", "date" ...) beside the headline that is a CJK
    date alone.

    Beside the first ``<h1>`` (its siblings, or its parent's: a header block), not
    "outside furniture": layouts name their main column "sidebar-grid__content".
    """
    near = _beside_headline(tree)
    for el, kind in classed:
        if kind & _DATELINE and len(el) <= 2 and el in near:
            text = el.text_content()
            found = datelabels.cjk_date_line(text) if len(text) <= 40 else None
            if found:
                return found
    return None


HEADLINE_SIBLINGS = 3  # how far from the headline (or its header block) the date line may be


def _beside_headline(tree: Any) -> set[Any]:
    """The elements a few siblings before or after the first <h1> or its parent, and theirs."""
    h1 = next(tree.iter("h1"), None)
    if h1 is None:
        return set()
    near: set[Any] = set()
    for anchor in (h1, h1.getparent()):
        if anchor is None:
            continue
        for siblings in (anchor.itersiblings(), anchor.itersiblings(preceding=True)):
            for _, sibling in zip(range(HEADLINE_SIBLINGS), siblings, strict=False):
                near.update(sibling.iter())
    return near


def iso_date(value: Any) -> str | None:
    """ISO 8601 form of a date string, keeping time and zone when given.

    >>> iso_date("2026-01-12T09:30:00Z")
    '2026-01-12T09:30:00+00:00'
    >>> iso_date("not a date") is None
    True
    >>> iso_date("2026-01-12 at noon"), iso_date("0000-00-00 00:00:00"), iso_date("2026-02-30")
    ('2026-01-12', None, None)
    """
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        # The day it starts with, if a calendar has it: a CMS's empty date (MySQL's
        # 0000-00-00) or 2026-02-30 is no date, and must not hide the page's real one.
        match = re.match(r"(\d{4}-\d{2}-\d{2})", value)
        try:
            return date.fromisoformat(match.group(1)).isoformat() if match else None
        except ValueError:
            return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    return parsed.isoformat()


def url_date(url: str) -> str | None:
    """The day a URL names, like /2026/01/12/ or /20260112/.

    >>> url_date("https://x.org/news/2026/01/12/slug"), url_date("https://x.org/about")
    ('2026-01-12', None)
    """
    path = urlsplit(url).path
    match = URL_DATE.search(path) or URL_DATE_COMPACT.search(path)
    if not match:
        return None
    try:
        return datetime(*map(int, match.groups())).date().isoformat()
    except ValueError:
        return None


def most_precise(candidates: list[str | None]) -> str | None:
    """The first date, replaced by a later one of the same day that also has a time.

    >>> most_precise([None, "2026-01-12", "2026-01-11T08:00:00+00:00", "2026-01-12T09:30:00+01:00"])
    '2026-01-12T09:30:00+01:00'
    """
    dates = [c for c in candidates if c]
    if not dates:
        return None
    first = dates[0]
    if "T" in first:
        return first
    for other in dates[1:]:
        if "T" in other and other[:10] == first[:10]:
            return other
    return first


def _own_times(times: list[Any]) -> list[Any]:
    """<time datetime> elements of the page itself, not of teasers or sidebars."""
    out = []
    for el in times:
        if not el.get("datetime"):
            continue
        foreign = False
        for ancestor in el.iterancestors():
            tokens = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
            if ancestor.tag in FOREIGN_TAGS or FOREIGN_CONTAINER.search(tokens):
                foreign = True
                break
        if not foreign:
            out.append(el)
    return out


def _dates(
    time_elements: list[Any], base: str, metas: dict[str, str], ld: dict[str, Any]
) -> tuple[str | None, str | None]:
    times = _own_times(time_elements)

    def hinted(el: Any) -> bool:
        here = [el, *list(el.iterancestors())[:2]]
        return any(
            UPDATED_HINT.search(f"{e.get('class') or ''} {e.get('itemprop') or ''}")
            or (e is not el and UPDATED_HINT.search((e.text or "")[:40]))
            for e in here
        )

    published_times = [
        t for t in times if (t.get("itemprop") or "").lower() != "datemodified" and not hinted(t)
    ]
    modified_times = [t for t in times if t not in published_times]
    published = most_precise(
        [
            iso_date(_text(ld.get("datePublished"))),
            *(iso_date(metas.get(k)) for k in PUBLISHED_META),
            *(iso_date(t.get("datetime")) for t in published_times[:3]),
            url_date(base),
        ]
    )
    modified = most_precise(
        [
            iso_date(_text(ld.get("dateModified"))),
            *(iso_date(metas.get(k)) for k in MODIFIED_META),
            *(iso_date(t.get("datetime")) for t in modified_times[:2]),
        ]
    )
    return published, modified


def shown_first(value: str | None, page: str, language: str | None = None) -> str | None:
    """``value`` unless it is the 1st of a month that ``page`` writes nowhere.

    >>> shown_first("2024-01-01", "<p>2024年2月28日</p><p>© 2024</p>") is None
    True
    >>> shown_first("2024-06-01", "<time>1 June 2024</time>"), shown_first("2024-06-02", "")
    ('2024-06-01', '2024-06-02')

    htmldate, finding a year alone (a copyright line, a date it cannot read),
    returns its January 1st, and a month alone its 1st: no date the page gave.
    """
    if not value or value[8:10] != "01" or datelabels.shows_day(page, value[:10], language):
        return value
    return None


def not_today(value: str | None, now: datetime | None = None) -> str | None:
    """``value`` unless it is today's date: a guess that found only the crawl date.

    >>> not_today("2001-01-01")
    '2001-01-01'
    """
    today = (now or datetime.now(UTC)).date().isoformat()
    return None if value and value[:10] == today else value


# --- images ------------------------------------------------------------------


def _image(
    figure_elements: list[Any], base: str, metas: dict[str, str], ld: dict[str, Any]
) -> tuple[str | None, str | None]:
    caption = None
    candidate: Any = ld.get("image")
    if isinstance(candidate, list) and candidate:
        candidate = candidate[0]
    if isinstance(candidate, dict):
        caption = _text(candidate.get("caption")) or None
        candidate = candidate.get("url") or candidate.get("contentUrl")
    src = (
        metas.get("og:image")
        or metas.get("og:image:url")
        or metas.get("twitter:image")
        or (candidate if isinstance(candidate, str) else None)
    )
    url = _absolute(src, base)
    figures = [
        f
        for f in figure_elements
        if f.xpath(".//img[@src]") and f.xpath(".//figcaption") and not _in_furniture(f)
    ]
    chosen = None
    if url:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        for figure in figures:
            for img_src in figure.xpath(".//img/@src"):
                absolute = _absolute(img_src, base)
                if absolute == url or (name and absolute and absolute.endswith("/" + name)):
                    chosen = figure
                    break
            if chosen is not None:
                break
    elif figures:
        chosen = figures[0]
        url = _absolute(chosen.xpath(".//img/@src")[0], base)
    if chosen is not None and not caption:
        caption = _text(" ".join(chosen.xpath(".//figcaption")[0].itertext())) or None
    return url, caption


def _in_furniture(el: Any) -> bool:
    for ancestor in el.iterancestors():
        tokens = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if ancestor.tag in FOREIGN_TAGS or FOREIGN_CONTAINER.search(tokens):
            return True
    return False


def _absolute(src: Any, base: str) -> str | None:
    if not isinstance(src, str) or not src.strip() or src.strip().startswith("data:"):
        return None
    try:
        url = normalize(src.strip(), base)
    except ValueError:
        return None
    return url if is_http(url) else None


# --- tags ----------------------------------------------------------------------


# Where a tag block's label may stand ("Region / Country", "Topics").
_LABEL_TAGS = ("h2", "h3", "h4", "div", "span", "dt", "strong", "p", "li")
# A class naming a tag block: TAG_CLASS for any one of an element's classes.
_TAG_CLASS_ANY = re.compile(rf"(?:^|\s)(?:{_TAG_CLASS_WORDS})(?=\s|$)", re.IGNORECASE)


def _tag_blocks(tree: Any, classed: list[tuple[Any, int]]) -> list[str]:
    """Link texts of the page's tag blocks ("Region / Country", "Topics", class="tags")."""
    out: list[str] = []
    containers: list[Any] = []
    for el in tree.iter(_LABEL_TAGS):
        # A short text without links or nested structure, saying it labels tags.
        if len(el):
            # With no grandchild, a link can only be a child: one look at each.
            if any(len(child) or child.tag == "a" for child in el):
                continue
            label = el.text_content()
        else:
            label = el.text
        # Matched as it stands, spaces and all: collapsing the whitespace of
        # every paragraph first cost more than the rest of this function.
        if not label or len(label) > 1000 or not _TAG_LABEL_RAW.match(label):
            continue
        following = el.getnext()
        if following is not None and following.xpath(".//a"):
            containers.append(following)
        elif el.getparent() is not None:
            containers.append(el.getparent())
    containers.extend(el for el, kind in classed if kind & _TAGS)
    seen: set[int] = set()
    for container in containers:
        if id(container) in seen or _in_menu(container):
            continue
        seen.add(id(container))
        for a in container.iter("a"):
            label = _text(a.text_content())
            if label and len(label.split()) <= MAX_TAG_WORDS and not TAG_LABEL.match(label):
                out.append(label)
    return unique(out)[:MAX_TAGS]


_MENU_CLASS = re.compile(r"\b(menu|navigation|navbar|site-header|footer)\b")


def _in_menu(el: Any) -> bool:
    for ancestor in [el, *el.iterancestors()]:
        tokens = f"{ancestor.get('class') or ''} {ancestor.get('role') or ''}".lower()
        if ancestor.tag in ("nav", "header", "footer") or _MENU_CLASS.search(tokens):
            return True
    return False


# --- small helpers ---------------------------------------------------------------


def _title_tag(title_elements: list[Any]) -> str | None:
    # The first text node of a <title> (as //title/text() would find it).
    titles = [t for el in title_elements for t in _own_texts(el)][:1]
    return re.sub(r"\s+", " ", titles[0]).strip() or None if titles else None


# What joins a page's title to the site's name in <title>: "Title - Site", "Site | Title".
_TITLE_SEPARATOR = re.compile(r"\s+[-|–—·•:]{1,2}\s+")


def _without_site_name(title: str | None, tree: Any, metas: dict[str, str]) -> str | None:
    """A <title> without the site's name: the part that is the page's <h1> or that is
    left when the other part is og:site_name ("Roads plan - GOV.DEMO" -> "Roads plan").

    >>> import lxml.html
    >>> page = lxml.html.fromstring("<html><body><h1>Roads plan</h1></body></html>")
    >>> _without_site_name("Roads plan - GOV.DEMO", page, {})
    'Roads plan'
    >>> _without_site_name("Roads - the plan", page, {})
    'Roads - the plan'
    """
    if not title or not _TITLE_SEPARATOR.search(title):
        return title
    site = (metas.get("og:site_name") or metas.get("application-name") or "").lower()
    headline = next((t for t in (_text(h.text_content()) for h in tree.iter("h1")) if t), "")
    for match in _TITLE_SEPARATOR.finditer(title):
        head, tail = title[: match.start()].strip(), title[match.end() :].strip()
        if head and (head == headline or (site and tail.lower() == site)):
            return head
        if tail and (tail == headline or (site and head.lower() == site)):
            return tail
    # No <h1> and no site name: the part an element named for a title shows
    # (ASP.NET's <span id="ctl00_lblTitle">), when the other part is not shown so.
    shown = _shown_titles(tree)
    for match in _TITLE_SEPARATOR.finditer(title) if shown else ():
        head, tail = title[: match.start()].strip(), title[match.end() :].strip()
        if (head in shown) != (tail in shown):
            return head if head in shown else tail
    return title


_TITLE_MARK = re.compile(r"title|headline", re.IGNORECASE)


def _shown_titles(tree: Any) -> set[str]:
    """Texts of the small elements whose id or class names a title ("ctl00_lblTitle",
    "page-title"), outside the page's header, menus, footer and teasers."""
    out = set()
    for el in tree.iter(etree.Element):
        marks = f"{el.get('id') or ''} {el.get('class') or ''}"
        if len(el) > 3 or el.tag == "title" or not _TITLE_MARK.search(marks):
            continue
        text = _text(el.text_content())
        if text and not _in_menu(el) and not _in_furniture(el):
            out.add(text)
    return out


def _own_texts(el: Any) -> list[str]:
    """The element's own text nodes: its text and its children's tails."""
    texts = [el.text, *(child.tail for child in el)]
    return [t for t in texts if t]


def _text(value: Any) -> str:
    return re.sub(r"\s+", " ", _unescape(value)).strip() if isinstance(value, str) else ""


def _unescape(value: str) -> str:
    """HTML entities decoded: JSON-LD strings are not HTML-parsed, and some CMSs escape
    meta contents twice ("&amp;quot;"), so "&quot;" and "&#8216;" reached titles (issue 16).
    """
    return html.unescape(value) if "&" in value else value


def unique(values: Any) -> list[str]:
    """Values with whitespace collapsed, empty ones and case-insensitive repeats dropped.

    >>> unique([" Chad ", "chad", "", "Africa"])
    ['Chad', 'Africa']
    """
    seen: dict[str, str] = {}
    for v in values:
        v = re.sub(r"\s+", " ", _unescape(str(v))).strip()
        if v and v.lower() not in seen:
            seen[v.lower()] = v
    return list(seen.values())
