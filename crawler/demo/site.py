"""A fake press-release website, rendered lazily, with the truth behind every page.

    >>> site = build_site(36)
    >>> response = site.render("/robots.txt", "http://127.0.0.1:8000")
    >>> response.status, response.content_type
    (200, 'text/plain; charset=utf-8')
    >>> release = site.releases[0]
    >>> site.render(release.path, "http://127.0.0.1:8000").status
    200

Nothing is rendered in advance: a page is built when it is asked for (and kept
in a small LRU), so a site of 20,000 releases costs no more memory than one of
36. ``site.releases`` holds the truth for every release page (English originals
and their French translations), ``site.boilerplate_strings()`` every template
string that must never reach clean text, and ``site.foreign_strings(release)``
the titles and summaries of *other* releases shown on a release's page.

URL layout (kept stable: crawler sources and tests are written against it)::

    /robots.txt                      Disallow /private/ and /search; Sitemap line
    /sitemap.xml                     index -> sitemaps/news-1.xml.gz, news-2.xml.gz, pages.xml
    /news/feed.xml                   RSS 2.0, 20 newest English releases, links with utm_*
    /news, /news?page=N              listing, newest first, 10 per page
    /news?topic=KEY&country=SLUG     faceted listing (combinations galore)
    /news/YYYY/MM/DD/slug            English release (trailing slash and query tolerated)
    /fr/news/YYYY/MM/DD/slug-fr      French translation
    /news/old/<slug>                 301 to the release
    /node/<index>                    alias: same page, canonical to the real URL
    /news/2025/12/31/withdrawn-statement             linked, but 404
    /private/news/2026/01/01/embargoed-release       served, but robots.txt disallows it
    /sites/default/files/reports/annual-report.pdf   a small PDF
    /about, /about/policies/privacy, /about/policies/cookies, /about/contact,
    /donate, /get-involved, /reports                 prose pages (not articles)
    /topic/<slug>, /<region>, /<region>/<country>    teaser lists of tagged releases
    /search?q=...                    search results (robots.txt disallows it)
    /events/calendar?month=YYYY-MM   endless calendar: every month links to the next
    /, /fr, /es, /de, /ja, /ru       home pages
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import gzip
import hashlib
import random
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape as _xml_escape

from crawler.demo import templates as T
from crawler.demo.templates import a, t
from crawler.demo.text import (
    ABOUT_PARAGRAPHS,
    CONTACT_PARAGRAPHS,
    COOKIE_PARAGRAPHS,
    COUNTRIES,
    COUNTRY_BY_SLUG,
    DONATE_PARAGRAPHS,
    GET_INVOLVED_PARAGRAPHS,
    MAX_OFFSET_HOURS,
    MIN_OFFSET_HOURS,
    MONTHS,
    ORG_NAME,
    PRIVACY_PARAGRAPHS,
    REGIONS,
    REPORTS_PARAGRAPHS,
    TOPIC_BY_KEY,
    TOPIC_BY_SLUG,
    TOPICS,
    Block,
    FrenchCore,
    ReleaseCore,
    display_time,
    english_blocks,
    english_date,
    french_blocks,
    french_core,
    french_date,
    index_range_for_utc,
    release_core,
)

__all__ = ["Release", "Response", "Site", "build_site"]

PER_PAGE = 10
VARIANTS = ("default", "alt")
FEED_SIZE = 20
# Faceted listings, topic/country/region pages and search look at this many newest releases.
SCAN_WINDOW = 1000
SITE_UPDATED = datetime(2021, 11, 15, 9, 30, tzinfo=UTC)
WITHDRAWN_PATH = "/news/2025/12/31/withdrawn-statement"
EMBARGOED_PATH = "/private/news/2026/01/01/embargoed-release"
FACET_PATH = "/news?topic=refugees&country=chad"
PDF_PATH = T.PDF_PATH
CALENDAR_PATH = T.CALENDAR_PATH
SITEMAP_PATHS = ("/sitemaps/news-1.xml.gz", "/sitemaps/news-2.xml.gz", "/sitemaps/pages.xml")
LANGUAGE_HOMES = ("/fr", "/es", "/de", "/ja", "/ru")

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"

_RELEASE_RE = re.compile(r"^/(?:(fr)/)?news/(\d{4})/(\d{2})/(\d{2})/([a-z0-9-]+)$")
_OLD_RE = re.compile(r"^/news/old/([a-z0-9-]+)$")
_NODE_RE = re.compile(r"^/node/(\d{1,9})$")
_TOPIC_RE = re.compile(r"^/topic/([a-z0-9-]+)$")
_REGION_RE = re.compile(r"^/([a-z-]+)(?:/([a-z-]+))?$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class Response:
    """A rendered resource. ``headers`` holds Content-Type, and for 200s ETag and
    Last-Modified; redirects carry Location."""

    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str
    last_modified: datetime | None = None

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


@dataclass
class Release:
    """The truth about one release page (treat as read-only: instances are cached).

    ``path`` == ``url_path`` == ``canonical_path``: the release's own path (the
    listing, the feed, ``/node/<index>`` and ``/news/old/<slug>`` reach the same
    page under other URLs, all pointing back here with rel=canonical).
    ``paragraphs`` are the exact body text blocks in page order: paragraphs
    (the first one opens with the dateline), ``<h2>`` subheadings, list items
    and block quotes, each one a separate string. ``translations`` maps *other*
    languages to their paths. Dates are ISO 8601 with the dateline city's UTC
    offset; ``date_modified`` is None unless the release was updated.
    """

    index: int
    path: str
    url_path: str
    title: str
    dek: str
    paragraphs: list[str]
    authors: list[str]
    org_byline: str | None
    tags: list[str]
    language: str
    date_published: str
    date_modified: str | None
    template: str
    translations: dict[str, str]
    canonical_path: str
    last_modified: datetime = field(repr=False)  # UTC, what Last-Modified/lastmod say
    blocks: list[Block] = field(repr=False, default_factory=list)
    region: str = ""  # region slug
    country: str | None = None  # country slug
    topics: list[str] = field(default_factory=list)  # topic slugs
    image_path: str | None = None  # the lead image (alt variant only)
    image_caption: str | None = None

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path

    @property
    def text(self) -> str:
        """The body as a clean extraction should give it: blocks joined by blank lines."""
        return "\n\n".join(self.paragraphs)


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def _x(text: str) -> str:
    return _xml_escape(text, {'"': "&quot;"})


def _ok(body: str | bytes, content_type: str, last_modified: datetime) -> Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {
        "Content-Type": content_type,
        "ETag": '"' + hashlib.sha1(data).hexdigest() + '"',
        "Last-Modified": http_date(last_modified),
        "Cache-Control": "public, max-age=0, must-revalidate",
    }
    return Response(200, headers, data, content_type, last_modified)


# The annual report served at PDF_PATH: a small but real two-page PDF with text and
# document metadata, so PDF extraction can be checked against this truth.
PDF_TITLE = "Annual Report 2025"
PDF_AUTHOR = f"{ORG_NAME} Research Division"
PDF_SUBJECT = "A review of human rights developments in 2025"
PDF_CREATED = "2026-01-15T09:00:00+01:00"
PDF_PARAGRAPHS = (
    f"{ORG_NAME} documented abuses in more than 90 countries during 2025. This report "
    "summarizes the main developments, the investigations our researchers carried out, and "
    "the changes that governments made, or failed to make, in response.",
    "Arbitrary detention remained the most common abuse we recorded. In at least 40 countries "
    "people were held without charge for weeks or months, often for peaceful criticism of the "
    "authorities, and families were not told where their relatives were held.",
    "Conflicts in several regions displaced millions of people. Civilians were killed in "
    "attacks on markets, schools and hospitals, and humanitarian agencies were repeatedly "
    "denied access to the areas where needs were greatest.",
    "There was progress too. Courts in several countries ordered the release of detained "
    "journalists, two governments repealed laws that criminalized peaceful protest, and an "
    "international investigation began into grave crimes committed during past conflicts.",
    "In 2026 we will continue to investigate abuses, expose the facts widely, and press those "
    "with power to respect rights and secure justice for victims.",
)


def _pdf_lines(paragraph: str, width: int = 78) -> list[str]:
    lines: list[str] = []
    for word in paragraph.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _make_pdf() -> bytes:
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    pages: list[list[str]] = [[f"BT /F1 18 Tf 72 730 Td ({esc(PDF_TITLE)}) Tj ET"], []]
    halves = (PDF_PARAGRAPHS[:3], PDF_PARAGRAPHS[3:])
    for ops, paragraphs in zip(pages, halves, strict=True):
        y = 700 if ops else 730
        for paragraph in paragraphs:
            for line in _pdf_lines(paragraph):
                ops.append(f"BT /F1 11 Tf 72 {y} Td ({esc(line)}) Tj ET")
                y -= 15
            y -= 15  # a blank line between paragraphs
    streams = ["\n".join(ops).encode("latin-1") for ops in pages]
    info = (
        f"<< /Title ({PDF_TITLE}) /Author ({PDF_AUTHOR}) /Subject ({PDF_SUBJECT}) "
        "/Keywords (human rights, annual report) /Producer (pressroom demo) "
        "/CreationDate (D:20260115090000+01'00') >>"
    ).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
        b"/Resources << /Font << /F1 7 0 R >> >> >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 6 0 R "
        b"/Resources << /Font << /F1 7 0 R >> >> >>",
        *(
            b"<< /Length " + str(len(st)).encode() + b" >>\nstream\n" + st + b"\nendstream"
            for st in streams
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(out)


PDF_BYTES = _make_pdf()


class _LRU:
    """A tiny thread-safe LRU of rendered responses."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[object, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> object | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: object, value: object) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class _ReleaseList(Sequence):
    """Lazy sequence of every release page: each English release (by index)
    followed by its French translation, if it has one."""

    def __init__(self, site: Site) -> None:
        self._site = site

    def __len__(self) -> int:
        site = self._site
        return site.n_releases + site._n_translated(site.n_releases)

    def _locate(self, position: int) -> tuple[int, str]:
        site = self._site
        k = bisect.bisect_right(range(site.n_releases), position, key=site._position) - 1
        return k, ("en" if site._position(k) == position else "fr")

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("release index out of range")
        k, lang = self._locate(i)
        return self._site.release(k, lang)

    def __iter__(self) -> Iterator[Release]:
        site = self._site
        for k in range(site.n_releases):
            yield site.release(k, "en")
            if site.has_translation(k):
                yield site.release(k, "fr")


class Site:
    """The demo site. Build it with :func:`build_site`."""

    def __init__(
        self,
        n_releases: int,
        seed: int,
        translations_every: int,
        variant: str = "default",
        page_cache: int = 192,
        date_only_lastmod: bool = False,
        clock_offset: timedelta = timedelta(0),
    ) -> None:
        if n_releases < 0:
            raise ValueError("n_releases must be >= 0")
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}")
        self.variant = variant
        self.date_only_lastmod = date_only_lastmod
        self.clock_offset = clock_offset
        self.seed = seed
        self.translations_every = translations_every
        self._n = n_releases
        self.version = 0  # bumped by every edit_release/add_releases
        self._lock = threading.RLock()
        self._edits: dict[tuple[int, str], tuple[tuple[str, datetime], ...]] = {}
        # Rendered responses; a benchmark sizes this to the whole site so that serving
        # a page costs the HTTP exchange, not the rendering (see bench/crawl.py).
        self._pages = _LRU(page_cache)
        self._sitemaps = _LRU(8)
        self._old_slugs: dict[str, int] = {}
        self._old_slugs_n = 0
        # Per-instance caches of pure functions of (seed, index).
        self._core = functools.lru_cache(maxsize=8192)(self._make_core)
        self._fr = functools.lru_cache(maxsize=4096)(self._make_fr)
        self._slug = functools.lru_cache(maxsize=None)(self._make_slug)
        self._release = functools.lru_cache(maxsize=512)(self._make_release)
        self._most_viewed_for = functools.lru_cache(maxsize=16)(self._make_most_viewed)
        self._sidebar_for = functools.lru_cache(maxsize=4096)(self._make_sidebar)
        self.releases: Sequence[Release] = _ReleaseList(self)

    # ---------------------------------------------------------------- truth ---------

    @property
    def n_releases(self) -> int:
        """Number of English releases (translations not counted)."""
        return self._n

    def has_translation(self, index: int) -> bool:
        te = self.translations_every
        return te > 0 and index % te == 0

    def _n_translated(self, n: int) -> int:
        te = self.translations_every
        return 0 if te <= 0 else (n + te - 1) // te

    def _position(self, k: int) -> int:
        return k + self._n_translated(k)

    def _make_core(self, k: int) -> ReleaseCore:
        return release_core(self.seed, k)

    def _make_fr(self, k: int) -> FrenchCore:
        return french_core(self._core(k), self.seed)

    def _day_candidates(self, day: date) -> range:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        t0 = start - timedelta(hours=MAX_OFFSET_HOURS)
        t1 = start + timedelta(days=1, hours=-MIN_OFFSET_HOURS)
        try:
            lo, hi = index_range_for_utc(t0, t1)
        except OverflowError:
            return range(0)
        return range(lo, hi + 1)

    def _make_slug(self, k: int, lang: str) -> str:
        core = self._core(k)
        base = core.slug if lang == "en" else self._fr(k).slug
        day = core.published.date()
        same = 0
        for j in self._day_candidates(day):
            if j >= k:
                break
            if lang == "fr" and not self.has_translation(j):
                continue
            other = self._core(j)
            if other.published.date() != day:
                continue
            if (other.slug if lang == "en" else self._fr(j).slug) == base:
                same += 1
        return base if same == 0 else f"{base}-{same + 1}"

    def path(self, index: int, language: str = "en") -> str:
        """Path of release ``index`` in ``language`` ('en' or 'fr')."""
        day = self._core(index).published
        prefix = "/fr/news" if language == "fr" else "/news"
        return f"{prefix}/{day:%Y/%m/%d}/{self._slug(index, language)}"

    def find(self, path: str) -> tuple[int, str] | None:
        """(index, language) of the release at ``path`` (a trailing slash is tolerated)."""
        path = urlsplit(path).path
        if len(path) > 1:
            path = path.rstrip("/")
        m = _RELEASE_RE.match(path)
        if not m:
            return None
        lang = m.group(1) or "en"
        try:
            day = date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
        except ValueError:
            return None
        slug = m.group(5)
        for k in self._day_candidates(day):
            if k >= self._n:
                break
            if lang == "fr" and not self.has_translation(k):
                continue
            if self._slug(k, lang) == slug and self._core(k).published.date() == day:
                return k, lang
        return None

    def _edits_for(self, k: int, lang: str) -> tuple[tuple[str, datetime], ...]:
        return self._edits.get((k, lang), ())

    def _last_modified(self, k: int, lang: str = "en") -> datetime:
        edits = self._edits_for(k, lang)
        if edits:
            return edits[-1][1].astimezone(UTC)
        core = self._core(k)
        return (core.modified or core.published).astimezone(UTC)

    def release(self, index: int, language: str = "en") -> Release:
        """The truth for release ``index`` in ``language`` ('en', or 'fr' if translated)."""
        if not 0 <= index < self._n:
            raise IndexError(f"no release {index} (site has {self._n})")
        if language == "fr" and not self.has_translation(index):
            raise KeyError(f"release {index} has no French translation")
        if language not in ("en", "fr"):
            raise KeyError(language)
        return self._release(index, language, len(self._edits_for(index, language)))

    def release_for_path(self, path: str) -> Release | None:
        found = self.find(path)
        return self.release(*found) if found and found[0] < self._n else None

    def _make_release(self, k: int, lang: str, _n_edits: int) -> Release:
        core = self._core(k)
        if lang == "en":
            title, dek, tags = core.title, core.dek, core.tags
            blocks = english_blocks(core, self.seed)
        else:
            fr = self._fr(k)
            title, dek, tags = fr.title, fr.dek, core.tags_fr
            blocks = french_blocks(core, fr, self.seed)
        edits = self._edits_for(k, lang)
        blocks = blocks + [Block("p", text) for text, _ in edits]
        modified = edits[-1][1].astimezone(core.city.tz) if edits else core.modified
        translations = {}
        if self.has_translation(k):
            other = "fr" if lang == "en" else "en"
            translations[other] = self.path(k, other)
        path = self.path(k, lang)
        image_path = image_caption = None
        if self.variant == "alt" and k % 3 != 2:
            image_path = f"/sites/default/files/styles/lead/public/release-{k}-{lang}.jpg"
            if lang == "fr":
                image_caption = f"Photographie prise le {french_date(core.published)}."
            else:
                image_caption = (
                    f"A street in {core.subject_in}, photographed on "
                    f"{english_date(core.published)}."
                )
        return Release(
            index=k,
            path=path,
            url_path=path,
            title=title,
            dek=dek,
            paragraphs=[b.text for b in blocks],
            authors=list(core.authors),
            org_byline=core.org_byline,
            tags=tags,
            language=lang,
            date_published=core.published.isoformat(),
            date_modified=modified.isoformat() if modified else None,
            template=core.template,
            translations=translations,
            canonical_path=path,
            last_modified=(modified or core.published).astimezone(UTC),
            blocks=blocks,
            region=core.region.slug,
            country=core.country.slug if core.country else None,
            topics=[tp.slug for tp in core.topics],
            image_path=image_path,
            image_caption=image_caption,
        )

    @functools.cached_property
    def embargoed(self) -> Release:
        """The embargoed release at EMBARGOED_PATH: served, but not meant to be crawled."""
        base = release_core(self.seed, 999_999)
        when = datetime(2026, 1, 1, 0, 1, tzinfo=base.city.tz)
        title = "EMBARGOED: Global Review Finds Detention Conditions Worsening in 40 Countries"
        core = dataclasses.replace(
            base,
            index=-1,
            published=when,
            modified=None,
            title=title,
            dek="Not for publication before January 1, 2026, 00:01 CET.",
            template="article",
        )
        blocks = english_blocks(core, self.seed)
        return Release(
            index=-1,
            path=EMBARGOED_PATH,
            url_path=EMBARGOED_PATH,
            title=title,
            dek=core.dek,
            paragraphs=[b.text for b in blocks],
            authors=list(core.authors),
            org_byline=None,
            tags=core.tags,
            language="en",
            date_published=when.isoformat(),
            date_modified=None,
            template="article",
            translations={},
            canonical_path=EMBARGOED_PATH,
            last_modified=when.astimezone(UTC),
            blocks=blocks,
            region=core.region.slug,
            country=core.country.slug if core.country else None,
            topics=[tp.slug for tp in core.topics],
        )

    def traps(self) -> dict[str, object]:
        """Where the crawler traps and oddities are, for the current size of the site."""
        out: dict[str, object] = {
            "withdrawn_404": WITHDRAWN_PATH,
            "embargoed": EMBARGOED_PATH,
            "pdf": PDF_PATH,
            "facet": FACET_PATH,
            "calendar": CALENDAR_PATH,
            "search": "/search?q=refugees",
        }
        if self._n:
            old = self._old_redirect_index()
            out["old_redirect"] = (f"/news/old/{self._slug(old, 'en')}", self.path(old))
            alias = self._alias_index()
            out["alias"] = (f"/node/{alias}", self.path(alias))
        return out

    def _old_redirect_index(self) -> int:
        return max(0, self._n - 3)

    def _alias_index(self) -> int:
        return max(0, self._n - 5)

    def boilerplate_strings(self) -> list[str]:
        """Template text on every page that must never appear in clean extracted text.

        Compare case-sensitively: release text uses words like "donate" or "share"
        in passing, but never these strings."""
        if self.variant == "alt":
            return [*T.BOILERPLATE_STRINGS, *T.ALT_BOILERPLATE_STRINGS]
        return list(T.BOILERPLATE_STRINGS)

    def foreign_strings(self, release: Release) -> list[str]:
        """Titles and summaries of *other* releases shown on ``release``'s page
        ("Most Viewed", "Related Content"); none belongs in its clean text."""
        own = "\n".join([release.title, release.dek, *release.paragraphs])
        mv, related = self._sidebar_indices(release.index, release.language)
        out: list[str] = []
        for j in mv:
            out.append(self._teaser(j, release.language)[0])
        for j in related:
            title, dek, *_ = self._teaser(j, release.language)
            out.extend((title, dek))
        return [s for s in dict.fromkeys(out) if s not in own]

    # ---------------------------------------------------------------- changes -------

    def edit_release(
        self,
        index: int,
        new_paragraph: str,
        *,
        language: str = "en",
        when: datetime | None = None,
    ) -> Release:
        """Append ``new_paragraph`` to a release and bump its modification date
        (by default one day after its current Last-Modified). Returns the new truth.

        ``when`` is read by the site's clock: ``clock_offset`` is added to it."""
        self.release(index, language)  # validates
        with self._lock:
            previous = self._last_modified(index, language)
            stamp = when + self.clock_offset if when is not None else previous + timedelta(days=1)
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            stamp = stamp.replace(microsecond=0)
            key = (index, language)
            self._edits[key] = (*self._edits.get(key, ()), (new_paragraph, stamp))
            self.version += 1
        return self.release(index, language)

    def add_releases(self, k: int) -> list[Release]:
        """Publish ``k`` new releases (newer than all others). Returns their truth."""
        if k < 0:
            raise ValueError("k must be >= 0")
        with self._lock:
            first = self._n
            self._n += k
            self.version += 1
        return [self.release(i) for i in range(first, first + k)]

    # ---------------------------------------------------------------- rendering -----

    def render(self, path_with_query: str, base_url: str) -> Response | None:
        """Render one resource; None when nothing lives there (the server sends 404)."""
        base = base_url.rstrip("/")
        key = (path_with_query, base)
        version = self.version
        cached = self._pages.get(key)
        if cached is not None and cached[0] == version:  # type: ignore[index]
            return cached[1]  # type: ignore[index]
        response = self._route(path_with_query, base)
        self._pages.put(key, (version, response))
        return response

    def not_found(self, path_with_query: str, base_url: str) -> Response:
        base = base_url.rstrip("/")
        main = (
            '<div class="page-content"><h1>Page not found</h1>'
            "<p>The page you requested could not be found. It may have been moved or "
            'withdrawn. Try the <a href="/news">latest news</a> or the search form.</p></div>'
        )
        body = self._frame_page(
            base=base,
            path="/404",
            title="Page not found",
            description="Page not found",
            main=main,
        )
        data = body.encode("utf-8")
        return Response(404, {"Content-Type": HTML}, data, HTML, None)

    def _route(self, raw: str, base: str) -> Response | None:
        parts = urlsplit(raw)
        path = parts.path or "/"
        if len(path) > 1:
            path = path.rstrip("/") or "/"
        query = parse_qs(parts.query)
        simple = {
            "/robots.txt": self._robots,
            "/sitemap.xml": self._sitemap_index,
            "/sitemaps/news-1.xml.gz": lambda b: self._news_sitemap(b, 1),
            "/sitemaps/news-2.xml.gz": lambda b: self._news_sitemap(b, 2),
            "/sitemaps/pages.xml": self._pages_sitemap,
            "/news/feed.xml": self._feed,
            PDF_PATH: lambda b: _ok(PDF_BYTES, "application/pdf", SITE_UPDATED),
            EMBARGOED_PATH: lambda b: self._release_page(self.embargoed, b),
            "/": self._home,
            "/fr": self._french_home,
        }
        if path in simple:
            return simple[path](base)
        if path == "/news":
            return self._listing(base, query)
        if path == "/search":
            return self._search(base, query)
        if path == "/events/calendar":
            return self._calendar(base, query)
        if path in _STATIC_PAGES:
            return self._static(base, path)
        if path in LANGUAGE_HOMES:
            return self._language_home(base, path[1:])
        found = self.find(path)
        if found:
            return self._release_page(self.release(*found), base)
        m = _OLD_RE.match(path)
        if m:
            return self._old_redirect(base, m.group(1))
        m = _NODE_RE.match(path)
        if m:
            k = int(m.group(1))
            return self._release_page(self.release(k), base) if k < self._n else None
        m = _TOPIC_RE.match(path)
        if m and m.group(1) in TOPIC_BY_SLUG:
            return self._term_page(base, topic=TOPIC_BY_SLUG[m.group(1)].slug)
        m = _REGION_RE.match(path)
        if m and m.group(1) in REGIONS:
            if m.group(2) is None:
                return self._term_page(base, region=m.group(1))
            country = COUNTRY_BY_SLUG.get(m.group(2))
            if country and country.region == m.group(1):
                return self._term_page(base, country=country.slug)
        return None

    # -- shared pieces ---------------------------------------------------------------

    def _teaser(self, k: int, lang: str = "en") -> tuple[str, str, str, datetime, str]:
        """(title, dek, path, published, language) of release k as shown in lists."""
        core = self._core(k)
        if lang == "fr" and self.has_translation(k):
            fr = self._fr(k)
            return fr.title, fr.dek, self.path(k, "fr"), core.published, "fr"
        return core.title, core.dek, self.path(k), core.published, "en"

    def _make_most_viewed(self, n: int) -> tuple[int, ...]:
        window = range(max(0, n - 60), n)
        rng = random.Random(f"rwd:{self.seed}:most-viewed:{n}")
        return tuple(rng.sample(window, min(6, len(window))))

    def _sidebar_indices(self, k: int, lang: str = "en") -> tuple[list[int], list[int]]:
        """Indices shown in "Most Viewed" (5, site-wide) and "Related Content" (3)."""
        mv, related = self._sidebar_for(k, self._n)
        return list(mv), list(related)

    def _make_sidebar(self, k: int, n: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
        mv = tuple(j for j in self._most_viewed_for(n) if j != k)[:5]
        if k < 0:
            return mv, ()
        core = self._core(k)
        related: list[int] = []
        for j in range(k - 1, max(-1, k - 80), -1):
            other = self._core(j)
            if (core.country and other.country == core.country) or (
                other.topics[0] == core.topics[0]
            ):
                related.append(j)
                if len(related) == 3:
                    return mv, tuple(related)
        d = 1
        while len(related) < 3 and (k - d >= 0 or k + d < n):
            for j in (k + d, k - d):
                if 0 <= j < n and j not in related and len(related) < 3:
                    related.append(j)
            d += 1
        return mv, tuple(related)

    def _teaser_html(self, k: int, lang: str, href: str | None = None) -> str:
        title, dek, path, published, tlang = self._teaser(k, lang)
        day = french_date(published) if tlang == "fr" else english_date(published)
        return (
            f'<li class="teaser"><h3 class="teaser__title"><a href="{a(href or path)}">'
            f"{t(title)}</a></h3>"
            f'<div class="teaser__meta"><time datetime="{published.isoformat()}">{day}</time>'
            f'</div><p class="teaser__dek">{t(dek)}</p></li>'
        )

    def _mv_html(self, k: int, lang: str, modern: bool) -> str:
        mv, _ = self._sidebar_indices(k, lang)
        items = "".join(
            f'<li><a href="{a(path)}">{t(title)}</a></li>'
            for title, _, path, *_ in (self._teaser(j, lang) for j in mv)
        )
        if modern:
            return (
                f'<section class="most-viewed"><h2 class="most-viewed__title">{T.MOST_VIEWED}'
                f'</h2><ol class="most-viewed__list">{items}</ol></section>'
            )
        return (
            f'<div class="block block-most-viewed"><h2>{T.MOST_VIEWED}</h2>'
            f'<div class="content"><ol>{items}</ol></div></div>'
        )

    def _related_html(self, k: int, lang: str, modern: bool) -> str:
        _, related = self._sidebar_indices(k, lang)
        if modern:
            items = "".join(
                f'<div class="related-content__item teaser"><h3 class="teaser__title">'
                f'<a href="{a(p)}">{t(ti)}</a></h3><p class="teaser__dek">{t(d)}</p></div>'
                for ti, d, p, *_ in (self._teaser(j, lang) for j in related)
            )
            return (
                f'<section class="related-content"><h2 class="related-content__title">'
                f"{T.RELATED}</h2>{items}</section>"
            )
        items = "".join(
            f'<div class="views-row"><div class="views-field-title"><a href="{a(p)}">{t(ti)}'
            f'</a></div><div class="views-field-body"><p>{t(d)}</p></div></div>'
            for ti, d, p, *_ in (self._teaser(j, lang) for j in related)
        )
        return (
            f'<div class="block block-related"><h2>{T.RELATED}</h2>'
            f'<div class="content">{items}</div></div>'
        )

    def _frame(
        self,
        *,
        head: str,
        main: str,
        sidebar: str,
        lang: str,
        lang_targets: dict[str, str],
        settings: dict,
        modern: bool,
        body_class: str,
    ) -> str:
        switcher = T.language_switcher(lang, lang_targets, modern)
        if modern:
            return (
                f'{head}\n<body class="{body_class}">\n'
                f'<div class="dialog-off-canvas-main-canvas">{T.header_modern(switcher)}\n'
                f'<main id="main-content" class="main" role="main">{main}\n'
                f'<aside class="sidebar" role="complementary">{sidebar}</aside>\n'
                f"{T.newsletter(True)}</main>\n{T.footer(True)}</div>\n"
                f"{T.cookie_notice(True)}\n{T.tail(settings)}"
            )
        return (
            f'{head}\n<body class="html not-front {body_class}">\n{T.cookie_notice(False)}\n'
            f"{T.header_legacy(switcher)}\n"
            '<div id="main-wrapper"><div id="main" class="clearfix">'
            f'<div id="content" class="column"><div class="section"><a id="main-content"></a>'
            f"{main}</div></div>\n"
            '<div id="sidebar-second" class="column sidebar"><div class="section">'
            f"{sidebar}{T.newsletter(False)}</div></div></div></div>\n"
            f"{T.footer(False)}</div></div>\n{T.tail(settings)}"
        )

    def _frame_page(
        self,
        *,
        base: str,
        path: str,
        title: str,
        description: str,
        main: str,
        lang: str = "en",
        canonical: str | None = None,
        sidebar: str | None = None,
        links: list[str] | None = None,
    ) -> str:
        """A non-release page: og:type website, no dates, no JSON-LD article."""
        canonical = canonical or base + path
        meta = [
            ("property", "og:type", "website"),
            ("property", "og:url", canonical),
            ("property", "og:title", title),
            ("property", "og:description", description),
            ("property", "og:locale", "fr_FR" if lang == "fr" else "en_US"),
        ]
        head = T.head(
            title=title,
            lang=lang,
            canonical=canonical,
            description=description,
            meta=meta,
            links=links or [],
            json_ld={
                "@context": "https://schema.org",
                "@type": "WebPage",
                "name": title,
                "url": canonical,
                "publisher": {"@type": "Organization", "name": ORG_NAME},
            },
            base=base,
        )
        if sidebar is None:
            sidebar = self._mv_html(-1, lang, True)
        return self._frame(
            head=head,
            main=main,
            sidebar=sidebar,
            lang=lang,
            lang_targets={},
            settings=T.drupal_settings(path, lang, None, base),
            modern=True,
            body_class="path-page page-type-basic",
        )

    # -- releases ---------------------------------------------------------------------

    def _blocks_html(self, blocks: list[Block]) -> str:
        out: list[str] = []
        in_list = False
        for block in blocks:
            if block.kind == "li":
                if not in_list:
                    out.append("<ul>")
                    in_list = True
                out.append(f"<li>{t(block.text)}</li>")
                continue
            if in_list:
                out.append("</ul>")
                in_list = False
            text = t(block.text)
            if block.link_text and block.link_target is not None:
                if block.link_target == "pdf":
                    href = PDF_PATH
                else:
                    j = int(block.link_target)
                    href = self.path(j) if j >= 0 else "/news"
                anchor = t(block.link_text)
                text = text.replace(anchor, f'<a href="{a(href)}">{anchor}</a>', 1)
            if block.kind == "h2":
                out.append(f"<h2>{text}</h2>")
            elif block.kind == "blockquote":
                out.append(f"<blockquote><p>{text}</p></blockquote>")
            else:
                out.append(f"<p>{text}</p>")
        if in_list:
            out.append("</ul>")
        return "\n".join(out)

    def _release_page(self, rel: Release, base: str) -> Response:
        modern = rel.template == "article"
        k, lang = rel.index, rel.language
        canonical = base + rel.canonical_path
        core = self._core(k) if k >= 0 else None
        tz_label = core.city.tz_label if core else "CET"
        published = datetime.fromisoformat(rel.date_published)
        modified = datetime.fromisoformat(rel.date_modified) if rel.date_modified else None

        # <head>
        links = []
        lang_targets: dict[str, str] = {}
        if rel.translations:
            versions = {lang: rel.path, **rel.translations}
            lang_targets = dict(versions)
            for code in ("en", "fr"):
                links.append(
                    f'<link rel="alternate" hreflang="{code}" href="{a(base + versions[code])}">'
                )
            links.append(
                f'<link rel="alternate" hreflang="x-default" href="{a(base + versions["en"])}">'
            )
        meta = [
            ("property", "og:type", "article"),
            ("property", "og:url", canonical),
            ("property", "og:title", rel.title),
            ("property", "og:description", rel.dek),
            ("property", "og:locale", "fr_FR" if lang == "fr" else "en_US"),
            ("property", "article:published_time", rel.date_published),
        ]
        if rel.date_modified:
            meta.append(("property", "article:modified_time", rel.date_modified))
        meta.append(("property", "article:section", "News"))
        meta.extend(("property", "article:tag", tag) for tag in rel.tags)
        meta.append(("name", "author", ", ".join(rel.authors)))
        meta.append(("name", "twitter:title", rel.title))
        if rel.image_path:
            meta.append(("property", "og:image", base + rel.image_path))
        if not modern:
            meta.append(("name", "dcterms.date", rel.date_published))
        article = {
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
            "headline": rel.title,
            "description": rel.dek,
            "inLanguage": lang,
            "datePublished": rel.date_published,
            **({"dateModified": rel.date_modified} if rel.date_modified else {}),
            "author": [{"@type": "Person", "name": name} for name in rel.authors],
            "publisher": {
                "@type": "Organization",
                "name": ORG_NAME,
                "url": base + "/",
                "logo": {"@type": "ImageObject", "url": base + "/themes/rwd/logo.png"},
            },
            "keywords": ", ".join(rel.tags),
            "articleSection": "News",
        }
        if rel.image_path:
            article["image"] = {"@type": "ImageObject", "url": base + rel.image_path}
        if modern:
            json_ld: dict = {"@context": "https://schema.org", **article}
        else:
            json_ld = {
                "@context": "https://schema.org",
                "@graph": [
                    article,
                    {"@type": "WebSite", "name": ORG_NAME, "url": base + "/"},
                ],
            }
        head = T.head(
            title=rel.title,
            lang=lang,
            canonical=canonical,
            description=rel.dek,
            meta=meta,
            links=links,
            json_ld=json_ld,
            base=base,
        )

        # byline
        names = rel.authors
        by = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        if lang == "fr":
            shown = f"{french_date(published)} {published:%H:%M} {tz_label}"
        else:
            shown = display_time(published, tz_label)
        time_html = f'<time datetime="{rel.date_published}">{t(shown)}</time>'
        updated = ""
        if modified:
            mshown = french_date(modified) if lang == "fr" else display_time(modified, tz_label)
            updated = (
                f' <span class="byline__updated">Updated <time datetime="{rel.date_modified}">'
                f"{t(mshown)}</time></span>"
            )
        org = f'<span class="byline__org">{t(rel.org_byline)}</span>' if rel.org_byline else ""
        translations = ""
        if rel.translations:
            other = next(iter(rel.translations))
            label = dict(T.LANGUAGES)[other]
            translations = (
                f'<div class="translations">{T.ALSO_AVAILABLE}: <a href="'
                f'{a(rel.translations[other])}" hreflang="{other}" lang="{other}">{label}</a></div>'
            )

        # tags
        region_tags: list[tuple[str, str]] = []
        topic_tags: list[tuple[str, str]] = []
        if rel.region:
            region = REGIONS[rel.region]
            region_tags.append((f"/{region.slug}", region.name_fr if lang == "fr" else region.name))
            if rel.country:
                country = COUNTRY_BY_SLUG[rel.country]
                region_tags.append(
                    (
                        f"/{region.slug}/{country.slug}",
                        country.name_fr if lang == "fr" else country.name,
                    )
                )
        for slug in rel.topics:
            topic = TOPIC_BY_SLUG[slug]
            topic_tags.append((f"/topic/{slug}", topic.name_fr if lang == "fr" else topic.name))

        body = self._blocks_html(rel.blocks)
        share = T.share_buttons(canonical, rel.title, modern)
        figure = ""
        if self.variant == "alt":
            body += "\n" + T.alt_rail()
            if rel.image_path and rel.image_caption:
                figure = T.alt_figure(rel.image_path, rel.title, rel.image_caption) + "\n"
        appeal = T.donation_modern() if modern else T.donation_legacy()
        if self.variant == "alt":
            appeal = T.alt_appeal(modern)
        if modern:
            main = (
                f'<article class="article node node--type-news-release" role="article" '
                f'data-history-node-id="{k}" lang="{lang}">\n'
                f'<header class="article-header"><h1 class="article-header__title">'
                f"{t(rel.title)}</h1>\n"
                f'<p class="lead">{t(rel.dek)}</p>\n'
                f'<div class="byline"><span class="byline__authors">By {t(by)}</span> {org} '
                f"{time_html}{updated}</div>{translations}</header>\n"
                f'{figure}<div class="article-body">\n{body}\n</div>\n'
                f"{appeal}\n{share}\n"
                f"{T.tag_block(region_tags, topic_tags, True)}\n</article>"
            )
        else:
            main = (
                f'<div id="node-{k}" class="node node--news node-full clearfix">\n'
                f'<h1 class="title" id="page-title">{t(rel.title)}</h1>\n'
                '<div class="field field--subtitle"><div class="field-items">'
                f'<div class="field-item even"><p>{t(rel.dek)}</p></div></div></div>\n'
                f'<div class="submitted"><span class="by">By {t(by)}</span> {org} '
                f"{time_html}{updated}</div>{translations}\n"
                f'{figure}<div class="field field--body"><div class="field-items">'
                f'<div class="field-item even">\n{body}\n</div></div></div>\n'
                f"{appeal}\n"
                f"{T.tag_block(region_tags, topic_tags, False)}\n{share}\n</div>"
            )
        sidebar = self._mv_html(k, lang, modern) + self._related_html(k, lang, modern)
        html = self._frame(
            head=head,
            main=main,
            sidebar=sidebar,
            lang=lang,
            lang_targets=lang_targets,
            settings=T.drupal_settings(rel.path, lang, k, base),
            modern=modern,
            body_class="path-node page-node-type-news-release" if modern else "node-type-news",
        )
        return _ok(html, HTML, rel.last_modified)

    def _old_redirect(self, base: str, slug: str) -> Response | None:
        with self._lock:
            if self._old_slugs_n < self._n:
                for k in range(self._old_slugs_n, self._n):
                    self._old_slugs.setdefault(self._slug(k, "en"), k)
                self._old_slugs_n = self._n
        k = self._old_slugs.get(slug)
        if k is None or k >= self._n:
            return None
        location = base + self.path(k)
        body = (
            f"<!DOCTYPE html>\n<html><head><title>Moved Permanently</title></head><body>"
            f'<p>This page has moved to <a href="{a(location)}">{t(location)}</a>.</p>'
            "</body></html>\n"
        ).encode()
        return Response(301, {"Content-Type": HTML, "Location": location}, body, HTML, None)

    # -- machine-readable resources ----------------------------------------------------

    def _robots(self, base: str) -> Response:
        body = (
            "# robots.txt for the Rights Watch Demo site\n"
            "User-agent: *\n"
            "Disallow: /private/\n"
            "Disallow: /search\n"
            "\n"
            f"Sitemap: {base}/sitemap.xml\n"
        )
        return _ok(body, "text/plain; charset=utf-8", SITE_UPDATED)

    def _news_sitemap_xml(self, base: str, part: int) -> tuple[bytes, datetime]:
        key = ("news", part, base, self.version)
        cached = self._sitemaps.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        n = self._n
        half = (n + 1) // 2
        indices = range(0, half) if part == 1 else range(half, n)
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:xhtml="http://www.w3.org/1999/xhtml">',
        ]
        newest = SITE_UPDATED
        for k in indices:
            langs = ("en", "fr") if self.has_translation(k) else ("en",)
            paths = {lang: self.path(k, lang) for lang in langs}
            for lang in langs:
                lastmod = self._last_modified(k, lang)
                newest = max(newest, lastmod)
                core = self._core(k)
                local = lastmod.astimezone(core.city.tz)
                stamp = local.date().isoformat() if self.date_only_lastmod else local.isoformat()
                alternates = ""
                if len(langs) > 1:
                    alternates = "".join(
                        f'<xhtml:link rel="alternate" hreflang="{code}" '
                        f'href="{_x(base + paths[code])}"/>'
                        for code in langs
                    )
                lines.append(
                    f"<url><loc>{_x(base + paths[lang])}</loc><lastmod>{stamp}</lastmod>"
                    f"{alternates}</url>"
                )
        lines.append("</urlset>\n")
        result = ("\n".join(lines).encode("utf-8"), newest)
        self._sitemaps.put(key, result)
        return result

    def _news_sitemap(self, base: str, part: int) -> Response:
        xml, newest = self._news_sitemap_xml(base, part)
        return _ok(gzip.compress(xml, compresslevel=6, mtime=0), "application/gzip", newest)

    def _listing_lastmod(self) -> datetime:
        n = self._n
        stamps = [self._last_modified(k) for k in range(max(0, n - PER_PAGE), n)]
        return max(stamps, default=SITE_UPDATED)

    def _pages_sitemap_entries(self) -> list[tuple[str, datetime]]:
        fresh = self._listing_lastmod()
        entries = [("/", fresh), ("/news", fresh)]
        entries += [(p, SITE_UPDATED) for p in _STATIC_PAGES]
        entries += [(f"/topic/{tp.slug}", fresh) for tp in TOPICS]
        entries += [(f"/{r}", fresh) for r in REGIONS]
        entries += [(f"/{c.region}/{c.slug}", fresh) for c in COUNTRIES]
        return entries

    def _pages_sitemap(self, base: str) -> Response:
        entries = self._pages_sitemap_entries()
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        ]
        for path, stamp in entries:
            lines.append(
                f"<url><loc>{_x(base + path)}</loc><lastmod>{stamp.isoformat()}</lastmod></url>"
            )
        lines.append("</urlset>\n")
        newest = max(stamp for _, stamp in entries)
        return _ok("\n".join(lines), XML, newest)

    def _sitemap_index(self, base: str) -> Response:
        stamps = [
            self._news_sitemap_xml(base, 1)[1],
            self._news_sitemap_xml(base, 2)[1],
            max(stamp for _, stamp in self._pages_sitemap_entries()),
        ]
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        ]
        for path, stamp in zip(SITEMAP_PATHS, stamps, strict=True):
            lines.append(
                f"<sitemap><loc>{_x(base + path)}</loc><lastmod>{stamp.isoformat()}</lastmod>"
                "</sitemap>"
            )
        lines.append("</sitemapindex>\n")
        return _ok("\n".join(lines), XML, max(stamps))

    def _feed(self, base: str) -> Response:
        n = self._n
        newest = list(range(n - 1, max(-1, n - 1 - FEED_SIZE), -1))
        build = max((self._last_modified(k) for k in newest), default=SITE_UPDATED)
        items = []
        for k in newest:
            core = self._core(k)
            link = f"{base}{self.path(k)}?utm_source=rss&utm_medium=feed"
            categories = "".join(f"<category>{_x(tag)}</category>" for tag in core.tags)
            items.append(
                "<item>"
                f"<title>{_x(core.title)}</title>"
                f"<link>{_x(link)}</link>"
                f"<description>{_x(core.dek)}</description>"
                f"<pubDate>{format_datetime(core.published)}</pubDate>"
                f"<dc:creator>{_x(', '.join(core.authors))}</dc:creator>"
                f"{categories}"
                f'<guid isPermaLink="false">rights-watch-demo-release-{k}</guid>'
                "</item>"
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
            f"<title>{ORG_NAME}: News</title>\n"
            f"<link>{_x(base)}/news</link>\n"
            f"<description>The latest news releases from {ORG_NAME}.</description>\n"
            "<language>en</language>\n"
            f'<atom:link href="{_x(base)}/news/feed.xml" rel="self" '
            'type="application/rss+xml"/>\n'
            f"<lastBuildDate>{http_date(build)}</lastBuildDate>\n"
            + "\n".join(items)
            + "\n</channel>\n</rss>\n"
        )
        return _ok(body, "application/rss+xml; charset=utf-8", build)

    # -- listings ---------------------------------------------------------------------

    def _matches(self, k: int, topic: str | None, country: str | None, region: str | None):
        core = self._core(k)
        if topic and all(tp.slug != topic for tp in core.topics):
            return False
        if country and (core.country is None or core.country.slug != country):
            return False
        return not (region and core.region.slug != region)

    def _scan(
        self,
        *,
        topic: str | None = None,
        country: str | None = None,
        region: str | None = None,
        limit: int | None = None,
    ) -> list[int]:
        """Newest-first indices among the newest SCAN_WINDOW releases that carry the tags."""
        out = []
        n = self._n
        for k in range(n - 1, max(-1, n - 1 - SCAN_WINDOW), -1):
            if self._matches(k, topic, country, region):
                out.append(k)
                if limit is not None and len(out) >= limit:
                    break
        return out

    def _pager(self, page: int, last: int, params: dict[str, str]) -> str:
        def href(p: int) -> str:
            q = dict(params)
            if p > 0:
                q["page"] = str(p)
            return "/news" + ("?" + urlencode(q) if q else "")

        items = []
        if page > 0:
            items.append(
                f'<li class="pager__item pager__item--first"><a href="{a(href(0))}" '
                'title="Go to first page">« First</a></li>'
            )
            items.append(
                f'<li class="pager__item pager__item--previous"><a rel="prev" class="pager__prev"'
                f' href="{a(href(page - 1))}" title="Go to previous page">‹ Previous</a></li>'
            )
        items.append(f'<li class="pager__item is-active">Page {page + 1}</li>')
        if page < last:
            items.append(
                f'<li class="pager__item pager__item--next"><a rel="next" class="pager__next" '
                f'href="{a(href(page + 1))}" title="Go to next page">Next ›</a></li>'
            )
            items.append(
                f'<li class="pager__item pager__item--last"><a href="{a(href(last))}" '
                'title="Go to last page">Last »</a></li>'
            )
        return (
            '<nav class="pager" role="navigation" aria-labelledby="pagination-heading">'
            '<h4 id="pagination-heading" class="visually-hidden">Pagination</h4>'
            f'<ul class="pager__items js-pager__items">{"".join(items)}</ul></nav>'
        )

    def _highlights(self) -> str:
        n = self._n
        items = [
            f'<li><a href="{WITHDRAWN_PATH}">Statement on the Closure of Independent Radio '
            "Stations</a></li>",
        ]
        if n:
            old = self._old_redirect_index()
            alias = self._alias_index()
            items.append(
                f'<li><a href="/news/old/{self._slug(old, "en")}">{t(self._core(old).title)}'
                "</a> (archived link)</li>"
            )
            items.append(f'<li><a href="/node/{alias}">{t(self._core(alias).title)}</a></li>')
        items += [
            f'<li><a href="{EMBARGOED_PATH}">Coming soon: global review of detention '
            "conditions</a></li>",
            f'<li><a href="{PDF_PATH}">Annual Report 2025 (PDF)</a></li>',
            f'<li><a href="{a(FACET_PATH)}">Refugees and migrants in Chad</a></li>',
        ]
        return (
            '<div class="highlights"><h2 class="highlights__title">Highlights</h2>'
            f'<ul class="highlights__list">{"".join(items)}</ul></div>'
        )

    def _facets(self, params: dict[str, str], shown: list[int]) -> str:
        def href(**kw: str) -> str:
            q = {**params, **kw}
            return "/news?" + urlencode(q)

        topics = "".join(
            f'<li><a href="{a(href(topic=tp.key))}" rel="nofollow">{t(tp.name)}</a></li>'
            for tp in TOPICS
        )
        slugs = list(dict.fromkeys(c.slug for k in shown if (c := self._core(k).country)))
        if "chad" not in slugs:
            slugs.append("chad")
        countries = "".join(
            f'<li><a href="{a(href(country=s))}" rel="nofollow">'
            f"{t(COUNTRY_BY_SLUG[s].name)}</a></li>"
            for s in slugs
        )
        return (
            '<div class="facets"><h2 class="facets__title">Filter by topic</h2>'
            f'<ul class="facets__list">{topics}</ul>'
            '<h2 class="facets__title">Filter by country</h2>'
            f'<ul class="facets__list">{countries}</ul></div>'
        )

    def _listing(self, base: str, query: dict[str, list[str]]) -> Response | None:
        raw_page = query.get("page", ["0"])[0]
        if not raw_page.isdigit():
            return None
        page = int(raw_page)
        topic_key = query.get("topic", [None])[0]
        country = query.get("country", [None])[0]
        params: dict[str, str] = {}
        if topic_key is not None:
            if topic_key not in TOPIC_BY_KEY:
                return None
            params["topic"] = topic_key
        if country is not None:
            if country not in COUNTRY_BY_SLUG:
                return None
            params["country"] = country
        n = self._n
        if params:
            topic = TOPIC_BY_KEY[topic_key].slug if topic_key else None
            matches = self._scan(topic=topic, country=country)
            total = len(matches)
            chosen = matches[page * PER_PAGE : (page + 1) * PER_PAGE]
        else:
            total = n
            top = n - 1 - page * PER_PAGE
            chosen = list(range(top, max(-1, top - PER_PAGE), -1))
        last = max(0, (total - 1) // PER_PAGE)
        if page > last:
            return None
        items = []
        for position, k in enumerate(chosen):
            href = self.path(k)
            if not params and page == 0 and position == 1:
                href += "#comments"
            elif k % 4 == 1:
                href += "/"
            items.append(self._teaser_html(k, "en", href))
        title = "News"
        if params:
            labels = []
            if topic_key:
                labels.append(TOPIC_BY_KEY[topic_key].name)
            if country:
                labels.append(COUNTRY_BY_SLUG[country].name)
            title = "News: " + ", ".join(labels)
        if page:
            title += f" (page {page + 1})"
        canonical_q = dict(params)
        if page:
            canonical_q["page"] = str(page)
        canonical = base + "/news" + ("?" + urlencode(canonical_q) if canonical_q else "")
        main = (
            f'<div class="page-header"><h1 class="page-header__title">{t(title)}</h1></div>'
            + (self._highlights() if page == 0 and not params else "")
            + '<div class="view-content"><ul class="listing">'
            + "".join(items)
            + ("" if items else "<li>No releases match these filters.</li>")
            + "</ul></div>"
            + self._pager(page, last, params)
        )
        links = []
        if page > 0:
            prev_q = {**params, **({"page": str(page - 1)} if page > 1 else {})}
            prev_href = base + "/news" + ("?" + urlencode(prev_q) if prev_q else "")
            links.append(f'<link rel="prev" href="{a(prev_href)}">')
        if page < last:
            next_href = base + "/news?" + urlencode({**params, "page": str(page + 1)})
            links.append(f'<link rel="next" href="{a(next_href)}">')
        html = self._frame_page(
            base=base,
            path="/news",
            title=title,
            description=f"The latest news releases from {ORG_NAME}.",
            main=main,
            canonical=canonical,
            sidebar=self._facets(params, chosen) + self._mv_html(-1, "en", True),
            links=links,
        )
        lastmod = max((self._last_modified(k) for k in chosen), default=SITE_UPDATED)
        return _ok(html, HTML, lastmod)

    def _term_page(
        self,
        base: str,
        *,
        topic: str | None = None,
        country: str | None = None,
        region: str | None = None,
    ) -> Response:
        found = self._scan(topic=topic, country=country, region=region, limit=20)
        if topic:
            tp = TOPIC_BY_SLUG[topic]
            title, path, more = tp.name, f"/topic/{topic}", f"/news?topic={tp.key}"
            intro = f"News releases and reports from {ORG_NAME} about {tp.name.lower()}."
        elif country:
            c = COUNTRY_BY_SLUG[country]
            title, path, more = c.name, f"/{c.region}/{c.slug}", f"/news?country={c.slug}"
            intro = f"News releases and reports from {ORG_NAME} about {c.in_sentence}."
        else:
            assert region is not None
            r = REGIONS[region]
            title, path, more = r.name, f"/{region}", "/news"
            countries = [c for c in COUNTRIES if c.region == region]
            intro = f"Our work in {r.name}: " + ", ".join(c.name for c in countries) + "."
        items = "".join(self._teaser_html(k, "en") for k in found)
        main = (
            f'<div class="page-header"><h1 class="page-header__title">{t(title)}</h1>'
            f'<p class="page-header__intro">{t(intro)}</p></div>'
            f'<div class="view-content"><ul class="listing">{items}</ul></div>'
            f'<p class="more-link"><a href="{a(more)}">More news</a></p>'
        )
        html = self._frame_page(base=base, path=path, title=title, description=intro, main=main)
        lastmod = max((self._last_modified(k) for k in found), default=SITE_UPDATED)
        return _ok(html, HTML, lastmod)

    def _home(self, base: str) -> Response:
        n = self._n
        newest = list(range(n - 1, max(-1, n - 7), -1))
        items = "".join(self._teaser_html(k, "en") for k in newest)
        topics = "".join(
            f'<li><a href="/topic/{tp.slug}">{t(tp.name)}</a></li>' for tp in TOPICS[:8]
        )
        main = (
            f'<div class="hero"><h1 class="hero__title">{ORG_NAME}</h1>'
            '<p class="hero__text">Investigating abuses, demanding accountability: an imaginary '
            "organization on a demonstration website.</p></div>"
            f'<section class="latest"><h2>Latest News</h2><ul class="listing">{items}</ul>'
            '<p class="more-link"><a href="/news">All news</a></p></section>'
            f'<section class="featured-topics"><h2>Featured Topics</h2><ul>{topics}</ul></section>'
        )
        html = self._frame_page(
            base=base,
            path="/",
            title="Defending Human Rights Worldwide",
            description=f"{ORG_NAME}: an imaginary organization on a demonstration website.",
            main=main,
        )
        lastmod = max((self._last_modified(k) for k in newest), default=SITE_UPDATED)
        return _ok(html, HTML, lastmod)

    def _french_home(self, base: str) -> Response:
        n = self._n
        te = self.translations_every
        translated: list[int] = []
        if te > 0 and n:
            top = (n - 1) // te * te
            translated = list(range(top, max(-1, top - 20 * te), -te))
        items = "".join(self._teaser_html(k, "fr") for k in translated)
        main = (
            '<div class="page-header"><h1 class="page-header__title">Actualités</h1>'
            f'<p class="page-header__intro">Les derniers communiqués de {ORG_NAME} en '
            "français.</p></div>"
            f'<div class="view-content"><ul class="listing">{items}</ul></div>'
        )
        html = self._frame_page(
            base=base,
            path="/fr",
            title="Actualités",
            description=f"Les derniers communiqués de {ORG_NAME} en français.",
            main=main,
            lang="fr",
            sidebar=self._mv_html(-1, "fr", True),
        )
        lastmod = max((self._last_modified(k, "fr") for k in translated), default=SITE_UPDATED)
        return _ok(html, HTML, lastmod)

    def _language_home(self, base: str, code: str) -> Response:
        name = dict(T.LANGUAGES)[code]
        main = (
            f'<div class="page-content"><h1>{t(name)}</h1>'
            f"<p>This edition of the {ORG_NAME} website is not part of the demonstration. "
            'Please read the <a href="/news">English news releases</a> instead.</p></div>'
        )
        html = self._frame_page(
            base=base, path=f"/{code}", title=name, description=name, main=main, lang=code
        )
        return _ok(html, HTML, SITE_UPDATED)

    def _static(self, base: str, path: str) -> Response:
        title, paragraphs = _STATIC_PAGES[path]
        body = "".join(f"<p>{t(p)}</p>" for p in paragraphs)
        extra = ""
        if path == "/reports":
            extra = (
                '<ul class="reports"><li><a href="' + PDF_PATH + '">Annual Report 2025 '
                "(PDF)</a></li></ul>"
            )
        elif path == "/donate":
            extra = (
                '<form class="donate-form" action="/donate/checkout" method="post">'
                '<label for="amount">Amount</label><input id="amount" name="amount" '
                f'type="number" value="50"><button type="submit">{T.DONATE_BUTTON}</button>'
                "</form>"
            )
        elif path == "/about/contact":
            extra = f"<address>{t(T.ADDRESS)}</address>"
        main = (
            f'<div class="page-content"><h1 class="page-title">{t(title)}</h1>'
            f'<div class="page-body">{body}{extra}</div></div>'
        )
        html = self._frame_page(
            base=base, path=path, title=title, description=paragraphs[0][:150], main=main
        )
        return _ok(html, HTML, SITE_UPDATED)

    def _search(self, base: str, query: dict[str, list[str]]) -> Response | None:
        q = query.get("q", [""])[0].strip()
        raw_page = query.get("page", ["0"])[0]
        if not raw_page.isdigit():
            return None
        page = int(raw_page)
        words = [w for w in re.findall(r"\w+", q.lower()) if len(w) > 1]
        hits: list[int] = []
        if words:
            n = self._n
            for k in range(n - 1, max(-1, n - 1 - SCAN_WINDOW), -1):
                core = self._core(k)
                hay = f"{core.title} {core.dek}".lower()
                if all(w in hay for w in words):
                    hits.append(k)
        shown = hits[page * PER_PAGE : (page + 1) * PER_PAGE]
        items = "".join(self._teaser_html(k, "en") for k in shown)
        more = ""
        if len(hits) > (page + 1) * PER_PAGE:
            more = (
                f'<a rel="next" href="{a("/search?" + urlencode({"q": q, "page": page + 1}))}">'
                "More results</a>"
            )
        summary = f"{len(hits)} results for “{q}”" if q else "Enter a search term."
        main = (
            '<div class="page-header"><h1 class="page-header__title">Search</h1></div>'
            '<form class="search-page-form" action="/search" method="get">'
            f'<input type="search" name="q" value="{a(q)}"><button type="submit">Go</button>'
            f'</form><p class="search-summary">{t(summary)}</p>'
            f'<ul class="listing search-results">{items}</ul>{more}'
        )
        html = self._frame_page(
            base=base,
            path="/search",
            title="Search",
            description="Search results",
            main=main,
            canonical=base + "/search",
        )
        return _ok(html, HTML, SITE_UPDATED)

    def _calendar(self, base: str, query: dict[str, list[str]]) -> Response | None:
        raw = query.get("month", [T.CALENDAR_DEFAULT_MONTH])[0]
        m = _MONTH_RE.match(raw)
        if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
            return None
        year, month = int(m.group(1)), int(m.group(2))
        prev_ym = (year, month - 1) if month > 1 else (year - 1, 12)
        next_ym = (year, month + 1) if month < 12 else (year + 1, 1)
        first = date(year, month, 1)
        days = (date(*next_ym, 1) - first).days if next_ym[0] <= 9999 else 31
        rng = random.Random(f"rwd:{self.seed}:calendar:{year:04d}-{month:02d}")
        kinds = (
            "Film festival screening",
            "Panel discussion",
            "Webinar",
            "Book launch",
            "Benefit dinner",
            "Community meeting",
        )
        events = {
            d: f"{rng.choice(kinds)}: {rng.choice(TOPICS).name}"
            for d in rng.sample(range(1, days + 1), rng.randint(2, 6))
        }
        cells = ["<td></td>"] * first.weekday()
        for d in range(1, days + 1):
            event = events.get(d)
            inner = f'<span class="calendar__day">{d}</span>'
            if event:
                inner += f'<span class="calendar__event">{t(event)}</span>'
            cells.append(f"<td>{inner}</td>")
        while len(cells) % 7:
            cells.append("<td></td>")
        rows = "".join(
            "<tr>" + "".join(cells[i : i + 7]) + "</tr>" for i in range(0, len(cells), 7)
        )
        label = f"{MONTHS[month - 1]} {year}"
        nav = []
        if prev_ym[0] >= 1:
            py, pm = prev_ym
            nav.append(
                f'<a class="calendar__prev" rel="prev" href="/events/calendar?month={py:04d}-'
                f'{pm:02d}">‹ {MONTHS[pm - 1]} {py}</a>'
            )
        if next_ym[0] <= 9999:
            ny, nm = next_ym
            nav.append(
                f'<a class="calendar__next" rel="next" href="/events/calendar?month={ny:04d}-'
                f'{nm:02d}">{MONTHS[nm - 1]} {ny} ›</a>'
            )
        head_row = "".join(
            f"<th>{d}</th>" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        )
        main = (
            f'<div class="page-header"><h1 class="page-header__title">Events: {label}</h1></div>'
            f'<nav class="calendar__nav">{" ".join(nav)}</nav>'
            f'<table class="calendar"><thead><tr>{head_row}</tr></thead><tbody>{rows}</tbody>'
            "</table>"
        )
        html = self._frame_page(
            base=base,
            path="/events/calendar",
            title=f"Events: {label}",
            description=f"Events in {label}",
            main=main,
            canonical=f"{base}/events/calendar?month={year:04d}-{month:02d}",
        )
        return _ok(html, HTML, SITE_UPDATED)


_STATIC_PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "/about": ("About Us", ABOUT_PARAGRAPHS),
    "/about/policies/privacy": ("Privacy Policy", PRIVACY_PARAGRAPHS),
    "/about/policies/cookies": ("Cookie Policy", COOKIE_PARAGRAPHS),
    "/about/contact": ("Contact", CONTACT_PARAGRAPHS),
    "/donate": ("Support Our Work", DONATE_PARAGRAPHS),
    "/get-involved": ("Take Action", GET_INVOLVED_PARAGRAPHS),
    "/reports": ("Reports", REPORTS_PARAGRAPHS),
}


def build_site(
    n_releases: int = 36,
    *,
    seed: int = 7,
    translations_every: int = 5,
    variant: str = "default",
    page_cache: int = 192,
    date_only_lastmod: bool = False,
    clock_offset: timedelta = timedelta(0),
) -> Site:
    """A demo site of ``n_releases`` English releases; every ``translations_every``-th
    one (index 0, 5, 10, ...) also has a French translation (0 disables them).
    Cheap whatever the size: pages and truth are generated on demand.

    ``variant="alt"`` is the same site after a redesign: a reworded donation appeal
    and a new "About" box in every release body (strings no cleaning rule names,
    listed by ``boilerplate_strings()``), and a lead image with a caption on two
    releases in three. The default site is unchanged by the option.

    ``page_cache`` is how many rendered responses are kept (least recently used
    go first); edits to the site invalidate them whatever the size.

    ``date_only_lastmod`` writes release sitemap ``<lastmod>`` as a bare date
    (the release's local day), as many CMSs do; ``clock_offset`` is how far the
    site's clock is off (negative: behind), applied to edits made with ``when``."""
    return Site(
        n_releases, seed, translations_every, variant, page_cache, date_only_lastmod, clock_offset
    )
