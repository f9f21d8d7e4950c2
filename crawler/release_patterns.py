"""Releases recognised by the site's own habits: URL pattern and page template.

    >>> learner = SiteLearner()
    >>> for slug in ("roads-plan", "new-bus-lanes", "flood-money"):
    ...     learner.add(f"https://gov.demo/government/news/{slug}", True, "tpl-release")
    >>> verdict = learner.judge("https://gov.demo/government/news/short-one", "tpl-release")
    >>> verdict.release, verdict.reason[:35]
    (True, 'URL pattern /government/news/<slug>')
    >>> learner.judge("https://gov.demo/topic/roads", "tpl-topic").release
    False

The page classifier (``classify`` in extraction) accepts a page without
article markup only when it has a date and a long body, so short statements
fail it. Once some pages of a site are confidently releases, their URL shapes
and layouts are learned here, and an unsure page is a release when **both**
its URL pattern and its template match confident releases, however short it
is. Everything else stays out, with the reason.

- :func:`url_pattern` generalises a URL path segment by segment: numbers
  become ``<id>``, years ``<year>``, ISO days ``<date>``, hex or UUID ids
  ``<id>``, hyphenated or long words ``<slug>``; other segments stay literal
  (``government``, ``news``, ``press-releases``: only the last segment is a
  slug); a two-letter language suffix (``.cy``) is
  dropped; query parameter names are kept (``?page``), values not.
- A pattern counts when it holds at least :data:`MIN_RELEASES` confident
  releases and, among the confident pages of that pattern, at most
  :data:`MAX_OTHER_SHARE` are confident non-releases.
- A pattern with no confident page at all (a section not yet seen, such as
  ``/government/statements/<slug>`` when only news was confidently judged)
  borrows from a **sibling**: a release pattern differing in one literal
  segment only (``/government/news/<slug>``); then the template alone decides,
  and it must be a template of that sibling's releases and of no confident
  non-release.
- The template must have been seen on at least :data:`MIN_TEMPLATE` confident
  releases of that pattern, and not be a template of confident non-releases
  more often than of releases.
- A template that carries :data:`GENERIC_PAGES` or more **undated one-off
  pages** (no date on the page, alone in their URL pattern: the home page,
  ``/about``, ``/contact``, a section's front page; pass every fetched page to
  :meth:`SiteLearner.observe`, and the undated ones to
  :meth:`SiteLearner.undated`) is the site's generic layout, shared by topic,
  browse, people and help pages: nothing is accepted for having it. A release
  template carries dated pages in patterns of many pages, however many language
  or section folders share it (``/newsroom/<year>/..``, ``/fr/communiques/..``,
  ``/de/pressemitteilungen/..``); counting the sections a template spans took
  such a template for the generic one and refused every release.
- A page that shows a date, in a pattern with too few confident pages to
  count and no sibling, is a release when its template is that of at least
  :data:`TEMPLATE_RELEASES` confident releases and (almost) no confident
  non-release: short statements of a section whose other pages are not yet
  known (``/media/statements/<slug>``, ``/de/pressemitteilungen/<slug>``) on the
  site's one release layout. An undated page needs its URL pattern too.
- Listing-like pages stay out whatever their URL: a page with pagination,
  or with at least :data:`MAX_RELEASE_LINKS` links to URLs of learned release
  patterns (a listing, topic or search page links to many releases; a
  release's "related" box to a few).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

__all__ = ["SiteLearner", "Verdict", "section", "url_pattern"]

MIN_RELEASES = 3
MAX_OTHER_SHARE = 0.05
MIN_TEMPLATE = 2
MAX_RELEASE_LINKS = 8
# A template seen in this many top-level sections of a site (/topic, /browse,
# /government/people ...) may be the site's generic page layout: pages that look
# like releases on a template seen in fewer wait (crawler.judging).
GENERIC_SECTIONS = 4
# A dated page of an unknown pattern is a release on a template of this many confident
# releases (and almost no other page): the site's release layout, well established.
TEMPLATE_RELEASES = 10
# A template carrying this many undated one-off pages (/, /about, /contact) is the
# site's generic page layout, not a release's.
GENERIC_PAGES = 3

_ID = re.compile(r"^\d+$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_DATE = re.compile(r"^(?:19|20)\d\d-?[01]\d-?[0-3]\d$")
_HEX = re.compile(r"^(?=.*\d)[0-9a-f]{8,}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-", re.IGNORECASE)
_LANG_SUFFIX = re.compile(r"\.[a-z]{2}(?:-[a-z]{2})?$", re.IGNORECASE)
_EXTENSION = re.compile(r"\.(?:html?|php|aspx?|jsp|shtml)$", re.IGNORECASE)
_PAGING = {"page", "p", "pg", "start", "offset", "paged"}


def segment_class(segment: str, last: bool = True) -> str:
    """The class of one path segment; only the last one may be a ``<slug>``
    (a section such as ``press-releases`` or ``uk-politics`` stays literal).

    >>> [segment_class(s) for s in ("news", "123", "2023", "2023-04-11", "roads-plan", "a1b2c3d4")]
    ['news', '<id>', '<year>', '<date>', '<slug>', '<id>']
    """
    segment = _EXTENSION.sub("", _LANG_SUFFIX.sub("", segment))
    if _DATE.match(segment):
        return "<date>"
    if _YEAR.match(segment):
        return "<year>"
    if _ID.match(segment):
        return "<id>"
    if _HEX.match(segment):
        return "<id>"
    words = [w for w in re.split(r"[-_+]", segment) if w]
    if last and (len(words) >= 2 or len(segment) > 24):
        # "12-million-to-improve-roads", "press_release_42": a slug, digits or not
        return "<slug>"
    return segment.lower()


# Memoised, as section(): the judge asks for a page's pattern and section three to
# five times (when it is listed, reached, observed, counted), and segment_class's
# regular expressions were a third of the judge's time in the crawl process.
# Bounded: a few hundred KB.
@functools.lru_cache(maxsize=4096)
def url_pattern(url: str) -> str:
    """The URL's path generalised segment by segment (see the module doc).

    >>> url_pattern("https://gov.demo/government/news/roads-plan.cy")
    '/government/news/<slug>'
    >>> url_pattern("https://gov.demo/statements/2023/04/11/4417?ref=rss")
    '/statements/<year>/<id>/<id>/<id>?ref'
    >>> url_pattern("https://gov.demo/government/news?page=3")
    '/government/news?page'
    """
    parts = urlsplit(url)
    names = [s for s in parts.path.split("/") if s]
    segments = [segment_class(s, i == len(names) - 1) for i, s in enumerate(names)]
    query = sorted({name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return "/" + "/".join(segments) + (("?" + "&".join(query)) if query else "")


@functools.lru_cache(maxsize=4096)
def section(url: str) -> str:
    """The first literal path segment that is not a language code ("" for none): a
    site's news under /2024/05/slug or /en/, /fr/ is still one section.

    >>> section("https://x.org/2024/05/slug"), section("https://x.org/fr/topic/roads")
    ('', 'topic')
    """
    segments = [s for s in urlsplit(url).path.split("/") if s]
    for segment in segments[:-1] or segments:  # the last one names the page itself
        literal = segment and not segment_class(segment, False).startswith("<")
        if literal and not re.fullmatch(r"[a-z]{2}(?:[-_][a-z]{2})?", segment, re.IGNORECASE):
            return segment.lower()
    return ""


def _siblings(a: str, b: str) -> bool:
    """Patterns that differ in one literal segment only (/government/speeches/<slug>
    and /government/news/<slug>): the same CMS, another section."""
    sa, sb = a.split("/"), b.split("/")
    if len(sa) != len(sb) or a.partition("?")[2] != b.partition("?")[2]:
        return False
    diff = [(x, y) for x, y in zip(sa, sb, strict=True) if x != y]
    return len(diff) == 1 and not diff[0][0].startswith("<") and not diff[0][1].startswith("<")


def _with_slug_tail(pattern: str) -> str:
    """The pattern with a literal last segment taken as a slug ("/statements/update")."""
    path, _, query = pattern.partition("?")
    head, _, last = path.rpartition("/")
    if not last or last.startswith("<"):
        return pattern
    return f"{head}/<slug>" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class Verdict:
    """``release``: True (a release), False (not one); ``reason`` says why, for the log."""

    release: bool
    reason: str


class SiteLearner:
    """Confident verdicts of one site, learned; unsure pages judged (see the module doc)."""

    def __init__(self) -> None:
        self._patterns: dict[str, Counter[bool]] = {}
        self._templates: dict[str, Counter[str]] = {}  # pattern -> templates of releases
        self._other_templates: Counter[str] = Counter()
        self._release_templates: Counter[str] = Counter()
        self._seen: dict[str, tuple[bool, str | None]] = {}  # url -> its verdict, template
        self._sections: dict[str, set[str]] = {}  # template -> sections it was seen in
        self._pattern_urls: dict[str, set[str]] = {}  # pattern -> up to 2 of its URLs
        self._undated: dict[str, set[str]] = {}  # template -> patterns of its undated pages

    def observe(self, url: str, template: str | None) -> None:
        """Note the template of any fetched page, judged or not (to spot generic layouts)."""
        urls = self._pattern_urls.setdefault(url_pattern(url), set())
        if len(urls) < 2:  # enough to tell a one-off page from a pattern of many
            urls.add(url)
        if template:
            self._sections.setdefault(template, set()).add(section(url))

    def undated(self, url: str, template: str | None) -> None:
        """Note a page with no date on it (a home, about, contact or listing page)."""
        if template:
            self._undated.setdefault(template, set()).add(url_pattern(url))

    def sections(self, template: str | None) -> int:
        """In how many top-level sections of the site ``template`` was seen so far."""
        return len(self._sections.get(template or "", ())) if template else 0

    def one_offs(self, template: str | None) -> list[str]:
        """The URL patterns of the undated one-off pages on ``template`` (/, /about ...).

        >>> learner = SiteLearner()
        >>> for path in ("/", "/about", "/news/a-b", "/news/c-d"):
        ...     learner.observe("https://x.org" + path, "G")
        ...     learner.undated("https://x.org" + path, "G")
        >>> learner.one_offs("G")
        ['/', '/about']
        """
        patterns = self._undated.get(template or "", set())
        return sorted(p for p in patterns if len(self._pattern_urls.get(p, ())) == 1)

    def generic(self, template: str | None) -> bool:
        """Whether ``template`` is the site's generic layout (see :data:`GENERIC_PAGES`)."""
        return bool(template) and len(self.one_offs(template)) >= GENERIC_PAGES

    def generic_reason(self, template: str | None) -> str:
        """Why ``template`` is the generic layout, for the log."""
        shown = self.one_offs(template)
        return (
            f"template {template} is the site's generic layout: it carries "
            f"{len(shown)} undated one-off pages ({', '.join(shown[:4])})"
        )

    def add(self, url: str, release: bool, template: str | None) -> None:
        """Record a confident verdict on ``url``; a later one replaces it.

        A page that looked like a release counts as one at once (a tentative
        seed), and is vetoed later when its template turns out to be the site's
        generic one: the veto must take its vote back, or sibling pages are
        judged releases for a seed that no longer stands, depending on crawl order.

        >>> learner = SiteLearner()
        >>> learner.add("https://gov.demo/topic/a-b", True, "G")
        >>> learner.add("https://gov.demo/topic/a-b", False, "G")
        >>> learner.release_patterns(), learner._patterns["/topic/<slug>"][True]
        ([], 0)
        """
        old = self._seen.get(url)
        if old is not None:
            if old == (release, template):
                return
            self._count(url, *old, step=-1)
        self._seen[url] = (release, template)
        self.observe(url, template)
        self._count(url, release, template, step=1)

    def _count(self, url: str, release: bool, template: str | None, step: int) -> None:
        pattern = url_pattern(url)
        self._patterns.setdefault(pattern, Counter())[release] += step
        if template:
            if release:
                self._templates.setdefault(pattern, Counter())[template] += step
                self._release_templates[template] += step
            else:
                self._other_templates[template] += step

    def release_patterns(self) -> list[str]:
        """The patterns that count as release patterns now."""
        return sorted(p for p in self._patterns if self._pattern_ok(p))

    def known(self, url: str) -> bool:
        """Whether ``url``'s pattern has any verdict yet (else it is judged by its siblings)."""
        return bool(+self._patterns.get(url_pattern(url), Counter()))

    def young(self, url: str) -> bool:
        """Whether ``url``'s pattern has confident releases, still too few to count,
        and no confident non-release: a verdict on it now would be premature.

        >>> learner = SiteLearner()
        >>> learner.add("https://gov.demo/statements/a-b", True, "R")
        >>> learner.young("https://gov.demo/statements/c-d"), learner.young("https://gov.demo/x/y-z")
        (True, False)
        """
        counts = self._patterns.get(url_pattern(url))
        return bool(counts) and 0 < counts[True] < MIN_RELEASES and not counts[False]

    def _pattern_ok(self, pattern: str) -> bool:
        counts = self._patterns.get(pattern)
        if not counts or counts[True] < MIN_RELEASES:
            return False
        return counts[False] <= MAX_OTHER_SHARE * (counts[True] + counts[False])

    def release_links(self, urls: Iterable[str]) -> int:
        """How many of a page's links point to URLs of learned release patterns."""
        patterns = set(self.release_patterns())
        return sum(url_pattern(u) in patterns for u in set(urls))

    def judge(
        self,
        url: str,
        template: str | None,
        *,
        links: Iterable[str] = (),
        paginated: bool = False,
        dated: bool = False,
    ) -> Verdict:
        """Whether the unsure page at ``url`` is a release, and why (see the module doc).

        ``links``: the page's links (to spot listings); ``paginated``: it has
        next/previous page links; ``dated``: it shows a date.
        """
        pattern = url_pattern(url)
        if any(name in _PAGING for name in pattern.partition("?")[2].split("&")):
            return Verdict(False, f"URL pattern {pattern} is a paginated listing")
        if paginated:
            return Verdict(False, "the page has pagination: a listing")
        if not self._pattern_ok(pattern) and self._pattern_ok(_with_slug_tail(pattern)):
            pattern = _with_slug_tail(pattern)
        if self.generic(template):
            return Verdict(False, self.generic_reason(template))
        siblings: list[str] = []
        if not self._pattern_ok(pattern) and not self._patterns.get(pattern):
            siblings = [q for q in self.release_patterns() if _siblings(pattern, q)]
        if siblings:
            return self._judge_by_siblings(pattern, siblings, template, links)
        if not self._pattern_ok(pattern) and dated and self._release_layout(template):
            linked = self.release_links(links)
            if linked >= MAX_RELEASE_LINKS:
                return Verdict(False, f"links to {linked} releases: a listing")
            n = self._release_templates[template or ""]
            return Verdict(True, f"a dated page on template {template} of {n} confident releases")
        if not self._pattern_ok(pattern):
            counts = self._patterns.get(pattern, Counter())
            return Verdict(
                False,
                f"URL pattern {pattern} has {counts[True]} confident releases and "
                f"{counts[False]} other pages (needs {MIN_RELEASES}, almost no others)",
            )
        seen = self._templates.get(pattern, Counter())
        if not template or seen[template] < MIN_TEMPLATE:
            return Verdict(
                False,
                f"template {template} is not that of the confident releases of {pattern} "
                f"({', '.join(t for t, _ in seen.most_common(3))})",
            )
        if self._other_templates[template] > self._release_templates[template]:
            return Verdict(False, f"template {template} is mostly that of pages not releases")
        linked = self.release_links(links)
        if linked >= MAX_RELEASE_LINKS:
            return Verdict(False, f"links to {linked} releases: a listing")
        n = self._patterns[pattern][True]
        return Verdict(
            True,
            f"URL pattern {pattern} and template {template} match {n} confident releases",
        )

    def _release_layout(self, template: str | None) -> bool:
        """Whether ``template`` is that of :data:`TEMPLATE_RELEASES` confident releases
        or more, and almost never of a confident non-release."""
        if not template:
            return False
        releases, others = self._release_templates[template], self._other_templates[template]
        return releases >= TEMPLATE_RELEASES and others <= MAX_OTHER_SHARE * (releases + others)

    def _judge_by_siblings(
        self, pattern: str, siblings: list[str], template: str | None, links: Iterable[str]
    ) -> Verdict:
        """An unseen section of the site: a release when its template is that of the
        confident releases of a sibling pattern (and of no confident non-release)."""
        for sibling in siblings:
            seen = self._templates.get(sibling, Counter())
            if template and seen[template] >= MIN_TEMPLATE:
                if self._other_templates[template] > 0:
                    return Verdict(False, f"template {template} is also that of pages not releases")
                linked = self.release_links(links)
                if linked >= MAX_RELEASE_LINKS:
                    return Verdict(False, f"links to {linked} releases: a listing")
                return Verdict(
                    True,
                    f"URL pattern {pattern} is a sibling of {sibling}, whose "
                    f"{seen[template]} confident releases share template {template}",
                )
        return Verdict(
            False,
            f"URL pattern {pattern} has no confident releases and template {template} is not "
            f"that of the releases of {', '.join(siblings)}",
        )
