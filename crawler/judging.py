"""One crawl's judgement of the pages no rule decides: markup, looks, then the site's habits.

    >>> judge = ReleaseJudge(mature=0)
    >>> for slug in ("a-plan", "b-plan", "c-plan"):
    ...     judge.decide(Seen(f"https://gov.demo/news/{slug}", "tpl", "article", by_markup=True))
    'store'
    'store'
    'store'
    >>> short = Seen("https://gov.demo/news/short", "tpl", "page", reason="no article markup")
    >>> judge.decide(short), judge.reasons[short.url][:24]
    ('release', 'URL pattern /news/<slug>')

The extractor's ``classify`` accepts a page without article markup when it has a
date and several long paragraphs: short statements fail it, and topic or
browse pages with teaser lists pass it. The spider asks :meth:`ReleaseJudge.decide`
what to do with each such page, and :class:`crawler.release_patterns.SiteLearner`
answers from the confident verdicts seen so far:

- ``"store"``: keep the page as extracted (a release by markup or by looks and
  not on the site's generic layout nor a listing).
- ``"release"``: classify said no, but URL pattern and template match
  confident releases: extract it again as a release.
- ``"not"``: not a release; :attr:`ReleaseJudge.reasons` says why.
- ``"hold"``: too early to tell (fewer than ``mature`` pages seen, no
  release pattern learned yet, a short page of a pattern with too few
  confident releases so far, or a page that looks like a release on a
  template seen in several sections of the site, or on a few undated one-off
  pages (home, /about), but not yet enough to call it the generic layout (see
  :mod:`crawler.release_patterns`), or any unsure page while the sections
  of the site listed for the crawl were not all sampled).
  :meth:`ReleaseJudge.settle` re-judges the held pages when the crawl is
  otherwise done, and the spider fetches them again with the verdict.

Holding (not storing) the first pages of a site is what lets a generic template
veto a topic page fetched before the other sections showed the template is
generic: nothing stored has to be taken back. It costs at most ``mature`` plus
``MAX_HELD`` extra fetches.

Whether a template is the generic layout shows only across sections, so no page is
cleared before the crawl has seen the site's breadth: every section of the URLs
listed for the crawl (:meth:`ReleaseJudge.expect`) must have answered its first
:data:`SAMPLE` pages (:meth:`ReleaseJudge.reached`), or :data:`ENOUGH_SECTIONS` of
them, for a site whose every page is a section of its own (``/<slug>``). Without
it, a crawl that read the sitemap file of ``/government/...`` first stored the 11th
people page, on the generic layout then seen in one section only (issue 17); the
spider feeds the listed URLs section by section in turn, so the sample is reached
within the first few dozen pages whatever order the sitemaps list them in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from crawler.release_patterns import (
    GENERIC_SECTIONS,
    MAX_RELEASE_LINKS,
    SiteLearner,
    section,
    url_pattern,
)
from extraction.results import NO_DATE, NOT_AN_ARTICLE

__all__ = ["JUDGE_VERSION", "ReleaseJudge", "Seen"]

# Stored with each page verdict (crawler.spiders.release.verdict_version): a change
# here judges the pages known as no release again on the next crawl. Bump it when
# the verdicts of pages that decide for themselves change.
JUDGE_VERSION = "2"  # 2: text dates count; the generic layout carries undated one-offs
# Pages observed before a verdict on an unsure page is final: enough for the
# site's sections to have shown which template is the generic one.
MATURE = 50
# Pages that look like releases (a date, long paragraphs) but carry no article
# markup are held until this many pages of their URL pattern and template were
# seen: a handful of topic pages fetched before the site's browse, people and
# help pages showed their template is the generic one are then judged at the end.
ESTABLISHED = 10
# Pages answered in each listed section of the site before a template may be
# cleared of being the generic layout (or all of the section's, if fewer).
SAMPLE = 3
# Sections sampled that show the site's breadth even when more are listed (three
# times GENERIC_SECTIONS): a site of /<slug> pages lists one section per page.
ENOUGH_SECTIONS = 12
# Rejected pages held for the end-of-crawl re-judgement, at most (a bound on memory).
MAX_HELD = 5000


@dataclass
class Seen:
    """What the spider knows of an extracted page whose URL no rule judged."""

    url: str
    template: str | None
    kind: str  # the extractor's: "article" or "page"
    by_markup: bool = False
    reason: str | None = None  # the extractor's, for a "page"
    links: list[str] = field(default_factory=list)
    paginated: bool = False

    @property
    def undated(self) -> bool:
        """Whether the extractor found no date on the page (what the generic layout's
        home, about and listing pages have in common, and a release seldom has)."""
        return self.kind == "page" and self.reason in (NO_DATE, NOT_AN_ARTICLE)


class ReleaseJudge:
    def __init__(self, mature: int = MATURE) -> None:
        self.learner = SiteLearner()
        self.mature = mature
        self.observed = 0
        self.held: dict[str, Seen] = {}
        self.reasons: dict[str, str] = {}
        self.shapes: Counter[tuple[str, str | None]] = Counter()  # (URL pattern, template)
        self._listed: Counter[str] = Counter()  # section -> URLs listed for the crawl
        self._reached: Counter[str] = Counter()  # section -> of them answered (fetched or failed)
        self._unsampled: set[str] = set()  # listed sections short of their sample

    def archived(self, url: str, template: str | None) -> None:
        """Learn a release the archive holds from an earlier crawl: confident evidence
        for its URL pattern and template, so that a rerun, which fetches only new
        and edited pages, judges an edited short or undated release as the first
        crawl did, not by the few pages it fetched."""
        self.learner.add(url, True, template)

    def expect(self, url: str) -> None:
        """Note a URL the crawl will fetch (a sitemap entry made a request)."""
        key = section(url)
        self._listed[key] += 1
        if self._reached[key] < min(SAMPLE, self._listed[key]):
            self._unsampled.add(key)

    def reached(self, url: str) -> None:
        """Note a page read (and observed, if judged) or failed: one more of its section."""
        key = section(url)
        self._reached[key] += 1
        if key in self._unsampled and self._reached[key] >= min(SAMPLE, self._listed[key]):
            self._unsampled.discard(key)

    def broad(self) -> bool:
        """Whether every listed section answered its first :data:`SAMPLE` pages.

        >>> judge = ReleaseJudge()
        >>> judge.expect("https://gov.demo/news/a-b"); judge.expect("https://gov.demo/topic/c")
        >>> judge.reached("https://gov.demo/news/a-b"); judge.broad()
        False
        >>> judge.reached("https://gov.demo/topic/c"); judge.broad()
        True
        """
        if not self._unsampled:
            return True
        return len(self._listed) - len(self._unsampled) >= ENOUGH_SECTIONS

    def decide(self, page: Seen) -> str:
        """ "store", "release", "not" or "hold" (see the module doc)."""
        self.learner.observe(page.url, page.template)
        if page.undated:
            self.learner.undated(page.url, page.template)
        self.observed += 1
        if page.by_markup or (page.kind == "page" and (page.reason or "").startswith("og:type")):
            # Confident either way: what the site's habits are learned from.
            self.learner.add(page.url, page.kind == "article", page.template)
            if page.kind != "article":
                self.reasons[page.url] = page.reason or "not a release"
            return "store" if page.kind == "article" else "not"
        shape = (url_pattern(page.url), page.template)
        self.shapes[shape] += 1
        if page.kind == "article":
            # A tentative seed: what lets short pages of the same shape be judged,
            # and listings linking to such pages be told apart.
            self.learner.add(page.url, True, page.template)
            early = (
                self.observed < self.mature
                or not self.broad()
                or self.shapes[shape] <= ESTABLISHED
                or self._maybe_generic(page.template)
            )
        else:
            # A short page of a section whose first releases were just seen (one or two
            # statements) waits for the rest of that section: judged now, it would be
            # refused for its pattern's few confident releases, not for what it is.
            early = (
                self.observed < self.mature
                or not self.broad()
                or not self.learner.release_patterns()
                or self.learner.young(page.url)
                # As for pages that look like releases: a page of a section with no
                # verdict yet (/browse), on a template not yet known as generic, must
                # not pass for a release of a sibling section (/topic's tentative ones).
                or (self._maybe_generic(page.template) and not self.learner.known(page.url))
            )
        if early and len(self.held) < MAX_HELD:
            self.held[page.url] = page
            return "hold"
        return self._final(page)

    def _maybe_generic(self, template: str | None) -> bool:
        """Whether ``template`` may turn out to be the site's generic layout: it spans
        several sections of the site, not yet many, or carries undated one-off pages
        (home, /about), not yet enough to call it generic. Pages that look like
        releases on it wait for the pages still to come (people pages fetched before
        the topic and browse pages)."""
        if self.learner.generic(template):
            return False
        if 1 < self.learner.sections(template) < GENERIC_SECTIONS:
            return True
        return bool(self.learner.one_offs(template))

    def _final(self, page: Seen) -> str:
        if page.kind == "article":
            veto = self._veto(page)
            if veto:
                self.reasons[page.url] = veto
                self.learner.add(page.url, False, page.template)
                return "not"
            self.learner.add(page.url, True, page.template)
            return "store"
        verdict = self.learner.judge(
            page.url,
            page.template,
            links=page.links,
            paginated=page.paginated,
            dated=not page.undated,
        )
        if verdict.release:
            self.reasons[page.url] = verdict.reason
            return "release"
        why = verdict.reason
        self.reasons[page.url] = f"{page.reason}; {why}" if page.reason else why
        return "not"

    def _veto(self, page: Seen) -> str | None:
        """Why a page that looks like a release (a date, long paragraphs) is none."""
        if page.paginated:
            return "the page has pagination: a listing"
        if self.learner.generic(page.template):
            return self.learner.generic_reason(page.template)
        linked = self.learner.release_links(page.links)
        if linked >= MAX_RELEASE_LINKS:
            return f"links to {linked} releases: a listing"
        return None

    def settle(self) -> dict[str, bool]:
        """The held pages re-judged with all that was learned: url -> release or not.

        Pages that looked like releases are judged first, so that they count as
        confident releases when the short ones are judged.
        """
        held, self.held = self.held, {}
        self.observed = max(self.observed, self.mature)
        out: dict[str, bool] = {}
        for page in sorted(held.values(), key=lambda p: p.kind != "article"):
            out[page.url] = self._final(page) in ("store", "release")
        return out
