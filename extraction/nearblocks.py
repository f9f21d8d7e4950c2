"""Near-repeated blocks: template text whose details change from page to page.

    >>> index = NearDuplicateIndex(min_pages=3)
    >>> for n, phone in enumerate(["020 7946 0111", "020 7946 0442", "020 7946 0993"]):
    ...     index.add(f"/r{n}", ["tpl:a"], [f"Story {n} text.", "Media enquiries",
    ...                                     f"Press office, Office for Wales, Telephone {phone}"])
    >>> index.strip(["tpl:a"], ["New story.", "Media enquiries",
    ...                         "Press office, Department for Roads, Telephone 020 7946 0118"])
    [False, True, True]
    >>> signature("Press office, Office for Wales, Telephone 020 7946 0111, Email a@b.gov")
    '<name> office <name> <name> <phone> <name> <email>'

The exact profile (:mod:`storage.profiles`) drops blocks repeated word for
word on at least half of a layout's pages. A press office's contact block
names a different department, phone number or officer on each release, and
each department words it its own way, so no spelling of it reaches that
share. This module learns such blocks by their :func:`signature`: the block
with its varying parts masked (URLs, e-mail addresses, numbers and phone
numbers, and runs of capitalised words such as names, departments, months),
case-folded, punctuation dropped.

Rule (what is learned, what is dropped), stated so it can be audited:

1. Only the **edges** of a page are learned: its first :data:`HEAD` blocks
   and its last :data:`TAIL` blocks, each with its edge ("head" or "tail").
2. A signature is a **class** of a group (a layout, a language: the caller's
   group keys, as in the exact profile) when it was at that edge on at least
   :data:`MIN_PAGES` pages of the group and on at least :data:`MIN_SHARE` of
   them (a block that is a class of several groups is judged in the one where
   it is on the largest share of pages, among groups of :data:`MIN_GROUP` pages
   or more: a notice on half of a site's 36 Welsh pages),
   and it is short (under :data:`LONG` tokens) or holds contact details
   or a full date (:func:`learnable`): a long sentence without them is prose,
   which templates and press officers also repeat. Each page counts once, and
   re-adding a page replaces it.
3. A page's blocks are dropped only as a **run from an edge**: walking from
   the last block backwards (and from the first forwards), each block that
   matches a tail (head) class, or that ``known`` says is boilerplate
   already, is dropped; the walk stops at the first block that is neither.
   A sentence repeated in the middle of releases, a quote that opens several
   of them, is therefore never dropped, however often it repeats: something
   that is no class always stands between it and the edge. Within the run, a
   class holding no contact detail (no e-mail, phone, URL or date) is dropped
   only next to one that holds one ("Press office, Department for Roads" over
   "Telephone ..."), or when it is a heading (four words or fewer, no final
   stop) over blocks already dropped ("Media enquiries"), or when it is on
   :data:`COMMON` of its group's pages or more: the formula that
   ends every oral statement ("I commend this statement to the House.")
   repeats at the end of pages too, and is kept.
4. A block of :data:`FUZZY_MIN_TOKENS` tokens or more whose signature is not
   a class also matches one of the same edge when their word-bigram Jaccard
   similarity is at least :data:`SIMILARITY` (a sentence with one word
   changed); shorter blocks match only exactly.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = ["NearDuplicateIndex", "edge_signatures", "signature", "signature_hash"]

HEAD = 3  # blocks at the start of a page that are learned
TAIL = 8  # blocks at its end (a contact block runs to five)
MIN_PAGES = 5  # a class is seen on at least this many pages of its group...
# ...and on this share of them. Low on purpose: one department's contact wording
# is on 1/9 of a newsroom's pages or less; the edge run (rule 3) is the safeguard.
MIN_SHARE = 0.02
SIMILARITY = 0.8
# A signature this long reads as prose: it is learned only when it holds contact
# details or a full date (a press-office sentence, "This release was updated on ...").
# Template-made prose ("Work on the first <n> projects in <name> ...") recurs too.
LONG = 12
_CONTACT_MASKS = {"<email>", "<url>", "<phone>", "<date>"}
# A class on this share of its group's pages needs no contact detail to be dropped
# ("This was published under the 2019 to 2021 Government" tops 40% of releases).
COMMON = 0.5  # as the exact profile: template text is on half of its pages or more
# ...or on this share when the block is no sentence (no final stop): a notice or a
# label; a recommendation shared by a few releases ends with a stop and is kept.
NOTICE = 0.2
FUZZY_MIN_TOKENS = 6
# A language or layout group is judged by its own share only from this size (as the
# exact profile's MIN_GROUP): a few French pages of an English site share a list of
# recommendations far more often than their share of all pages says.
MIN_GROUP = 20

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"\+?\d(?:[\d\s().,/-]*\d)?")
_MONTH_NAMES = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|ionawr|chwefror|mawrth|"
    r"ebrill|mai|mehefin|gorffennaf|awst|medi|hydref|tachwedd|rhagfyr"
)
_DATE = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH_NAMES})\.?,?\s+\d{{4}}\b|"
    rf"\b(?:{_MONTH_NAMES})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b|"
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b",
    re.IGNORECASE,
)
PHONE_DIGITS = 7  # a number with this many digits or more is a phone number
# A run of capitalised words, with the small words names hold ("Office for Trade and
# Development", "Swyddfa'r Prif Ystadegydd", "Ministère de l'Intérieur").
_CONNECT = r"(?:for|of|the|and|on|de|du|des|la|le|l'|d'|für|der|die|das|y|del|di|a|'r|van|von)"
# "the West Midlands" and "Cornwall" are both a name: a leading "the" goes with it.
_NAME = re.compile(
    rf"(?<![\w<])(?:the\s+)?[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*(?:\s+(?:{_CONNECT}\s+)*[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’.-]*)*"
)
_TOKEN = re.compile(r"<\w+>|[^\W_]+", re.UNICODE)
_DIGIT = re.compile(r"\d")  # every number needs one
_DATE_HINT = re.compile(r"\d{4}|\d[./]\d")  # every date needs one (a year, or 1/2 of 1/2/24)


def signature(text: str) -> str:
    """The block's text with its varying parts masked: what its variants share.

    >>> signature("Journalists should contact Sam Patel in the Ministry of Coastal Affairs "
    ...           "press office on 020 7946 0445 or at press.office@coast.gov.demo.")
    '<name> should contact <name> in <name> press office on <phone> or at <email>'
    >>> signature("Facebook (1,204)") == signature("Facebook (7)")
    True
    """
    return _signature(text)


# Memoised: a site's template blocks repeat from page to page, and a crawl computes a
# block's signature while extracting it and again for the writer. Bounded (about 1 MB).
@functools.lru_cache(maxsize=2048)
def _signature(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # Each pattern runs only when the text holds what every match of it needs (a
    # "://" or "www.", an "@", a year, a digit): the same result, without scanning prose
    # that has none at every position (the date pattern tries every month there).
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" <url> ", text)
    if "@" in text:
        text = _EMAIL.sub(" <email> ", text)
    if _DATE_HINT.search(text):
        text = _DATE.sub(" <date> ", text)
    if _DIGIT.search(text):
        text = _NUMBER.sub(_number, text)
    text = _NAME.sub(" <name> ", text)
    return " ".join(_TOKEN.findall(text.casefold()))


def _number(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return " <phone> " if digits >= PHONE_DIGITS else " <n> "


def learnable(sig: str) -> bool:
    """Whether a signature may become a class (rule 2): short, or holding contact details.

    >>> learnable("<name> office <name> telephone <phone> email <email>")
    True
    >>> learnable(signature("Work on the first 11 projects in Yorkshire is due to begin "
    ...                     "before the end of 2028 and will be finished by 2030."))
    False
    """
    tokens = sig.split()
    return len(tokens) < LONG or any(t in _CONTACT_MASKS for t in tokens)


def _contact(sig: str) -> bool:
    return any(t in _CONTACT_MASKS for t in sig.split())


def signature_hash(text: str) -> int:
    """A signed 64-bit hash of :func:`signature` (an SQLite INTEGER, like the exact profile's).

    >>> signature_hash("Telephone 020 7946 0110") == signature_hash("Telephone 020 7946 0229")
    True
    """
    digest = hashlib.blake2b(signature(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _bigrams(sig: str) -> frozenset[tuple[str, str]]:
    tokens = sig.split()
    return frozenset(zip(tokens, tokens[1:], strict=False))


# Memoised: every edge block of every page is compared with the same few classes
# (bench/crawl.py's end-of-crawl re-clean: 8,600 matches made 74,000 bigram sets).
@functools.lru_cache(maxsize=4096)
def _class_bigrams(sig: str) -> frozenset[tuple[str, str]] | None:
    """A class's :func:`_bigrams`, or None when it is too short to match fuzzily (rule 4).

    >>> _class_bigrams("call us") is None, len(_class_bigrams("call the press office on weekdays"))
    (True, 5)
    """
    if len(sig.split()) < FUZZY_MIN_TOKENS:
        return None
    return _bigrams(sig)


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def edges(
    blocks: Sequence[str],
    head: int = HEAD,
    tail: int = TAIL,
    signatures: Sequence[str | None] | None = None,
) -> set[tuple[str, str]]:
    """The (edge, signature) pairs a page holds, each once.

    ``signatures``: the blocks' signatures computed already (:func:`edge_signatures`).

    >>> sorted(edges(["A 1", "b", "c"], head=1, tail=1))
    [('head', '<name> <n>'), ('tail', 'c')]
    """
    sig = _signer(blocks, signatures)
    out: set[tuple[str, str]] = set()
    for i in range(min(head, len(blocks))):
        out.add(("head", sig(i)))
    for i in range(max(0, len(blocks) - tail), len(blocks)):
        out.add(("tail", sig(i)))
    return {(edge, sig) for edge, sig in out if sig}


def edge_signatures(blocks: Sequence[str], head: int = HEAD, tail: int = TAIL) -> list[str | None]:
    """The :func:`signature` of each block at a page's edges, None for the others.

    Computed where the page is extracted (a crawl's worker processes), the
    writer learns and re-cleans from them instead of computing them again
    (pure-Python regular expressions: a third of the writer thread's time).

    >>> edge_signatures(["A 1", "b", "c"], head=1, tail=1)
    ['<name> <n>', None, 'c']
    """
    n = len(blocks)
    return [signature(text) if i < head or i >= n - tail else None for i, text in enumerate(blocks)]


def _signer(blocks: Sequence[str], signatures: Sequence[str | None] | None) -> Callable[[int], str]:
    """``i -> signature(blocks[i])``, read from ``signatures`` where given (the same value)."""
    if signatures is None or len(signatures) != len(blocks):
        return lambda i: signature(blocks[i])

    def sig(i: int) -> str:
        known = signatures[i]
        return known if known is not None else signature(blocks[i])

    return sig


def groups(language: str | None, template: str | None) -> list[str]:
    """The groups a page's edge blocks count in: all pages, its language, its layout.

    >>> groups("cy", "3f2a")
    ['*', 'lang:cy', 'tpl:3f2a']
    """
    out = ["*"]
    if language:
        out.append(f"lang:{language}")
    if template:
        out.append(f"tpl:{template}")
    return out


@dataclass(frozen=True)
class Match:
    """Why a block was dropped: its edge, the class it matched and that class's pages."""

    index: int
    edge: str
    group: str
    signature: str
    pages: int
    similarity: float = 1.0


class NearDuplicateIndex:
    """Edge signatures counted per group; learns classes and strips pages (see the module doc).

    In memory, deterministic: the same pages give the same classes in any order.
    ``add`` returns nothing; ``strip`` and ``explain`` read.
    """

    def __init__(
        self,
        *,
        min_pages: int = MIN_PAGES,
        min_share: float = MIN_SHARE,
        head: int = HEAD,
        tail: int = TAIL,
        similarity: float = SIMILARITY,
    ) -> None:
        self.min_pages = min_pages
        self.min_share = min_share
        self.head = head
        self.tail = tail
        self.similarity = similarity
        self._counts: dict[str, Counter[tuple[str, str]]] = {}
        self._pages: Counter[str] = Counter()
        self._seen: dict[str, tuple[tuple[str, ...], frozenset[tuple[str, str]]]] = {}
        self._learned: dict[str, dict[tuple[str, str], int]] | None = None
        # Per group, the keys counted on ``min_pages`` pages or more: the only
        # candidates for a class. A crawl re-learns its classes after every batch
        # of 50 pages; scanning every signature ever counted (100,000 on a
        # 6,000-page crawl, nearly all seen once) took 4% of the crawl process.
        self._frequent: dict[str, dict[tuple[str, str], None]] = {}

    @classmethod
    def from_counts(
        cls,
        pages: dict[str, int],
        counts: dict[str, dict[tuple[str, str], int]],
        **options: float,
    ) -> NearDuplicateIndex:
        """An index from stored counts (pages per group; pages per (edge, signature)
        per group), as an archive keeps them: for matching only, not for ``add``.

        >>> index = NearDuplicateIndex.from_counts({"g": 6}, {"g": {("tail", "<name>"): 6}})
        >>> index.strip(["g"], ["Own words of this page.", "Contact"])
        [False, True]
        """
        index = cls(**options)  # type: ignore[arg-type]
        index._pages = Counter(pages)
        index._counts = {group: Counter(found) for group, found in counts.items()}
        index._frequent = {
            group: {key: None for key, n in found.items() if n >= index.min_pages}
            for group, found in index._counts.items()
        }
        return index

    # ---------------------------------------------------------------- learning

    def add(
        self,
        page: str,
        groups: Iterable[str],
        blocks: Sequence[str],
        *,  # by name: a vote's readings passed as signatures were silently ignored
        signatures: Sequence[str | None] | None = None,
        also: Iterable[Sequence[str]] = (),
    ) -> None:
        """Count ``page``'s edge blocks in each of ``groups`` (replacing its earlier count).

        ``signatures``: the blocks' signatures if known (:func:`edge_signatures`).
        ``also``: other readings of the page (an extraction vote's losing
        candidates); their edge blocks count too, the page still once.
        """
        groups = tuple(groups)
        found = frozenset(edges(blocks, self.head, self.tail, signatures)).union(
            *(edges(view, self.head, self.tail) for view in also)
        )
        old = self._seen.get(page)
        if old is not None:
            for group in old[0]:
                self._pages[group] -= 1
                self._counts[group].subtract(old[1])
                self._sift(group, old[1])
        for group in groups:
            self._pages[group] += 1
            self._counts.setdefault(group, Counter()).update(found)
            self._sift(group, found)
        self._seen[page] = (groups, found)
        self._learned = None

    def _sift(self, group: str, keys: Iterable[tuple[str, str]]) -> None:
        """Keep ``group``'s frequent keys current for ``keys``, whose counts just changed."""
        counts, frequent = self._counts[group], self._frequent.setdefault(group, {})
        for key in keys:
            if counts[key] >= self.min_pages:
                frequent[key] = None
            else:
                frequent.pop(key, None)

    def compact(self) -> NearDuplicateIndex:
        """The learned classes only, with the group sizes: what matching reads, small
        enough to hand to every extraction (a crawl passes it to its workers).

        >>> index = NearDuplicateIndex(min_pages=2)
        >>> for n, words in enumerate(["Rain fell.", "Sun rose.", "Wind blew."]):
        ...     index.add(f"/r{n}", ["g"], [words, "Contact us"])
        >>> small = index.compact()
        >>> small.strip(["g"], ["New body.", "Contact us"]), small.pages("g")
        ([False, True], 3)
        """
        options = {
            "min_pages": self.min_pages,
            "min_share": self.min_share,
            "head": self.head,
            "tail": self.tail,
            "similarity": self.similarity,
        }
        learned = {group: self.classes(group) for group in self._counts}
        return NearDuplicateIndex.from_counts(
            dict(self._pages), {g: c for g, c in learned.items() if c}, **options
        )

    def __bool__(self) -> bool:
        """Whether any class is learned (an empty index drops nothing)."""
        return any(self.classes(group) for group in self._counts)

    def pages(self, group: str) -> int:
        return self._pages.get(group, 0)

    def classes(self, group: str) -> dict[tuple[str, str], int]:
        """The learned (edge, signature) classes of ``group`` and on how many pages each is."""
        if self._learned is None:
            self._learned = {}
        if group not in self._learned:
            total = self._pages.get(group, 0)
            need = max(self.min_pages, self.min_share * total)
            counts = self._counts.get(group, Counter())
            self._learned[group] = {
                key: n
                for key in self._frequent.get(group, ())
                if (n := counts[key]) >= need and learnable(key[1])
            }
        return self._learned[group]

    # ---------------------------------------------------------------- matching

    def match(
        self, groups: Iterable[str], edge: str, text: str, sig: str | None = None
    ) -> Match | None:
        """The class ``text`` matches at ``edge`` in any of ``groups``, or None.

        When several groups hold it, the one where it is on the largest share of
        pages speaks (rule 2): a notice on half of a site's Welsh pages is on a
        twentieth of all its pages, and rule 3 judges it by the half.
        ``sig``: ``text``'s signature, if computed already.
        """
        sig = signature(text) if sig is None else sig
        if not sig:
            return None
        best: Match | None = None
        grams = None
        for group in groups:
            learned = self.classes(group)
            pages = learned.get((edge, sig))
            if pages:
                hit = Match(-1, edge, group, sig, pages)
                if best is None or best.similarity < 1.0 or self._share(hit) > self._share(best):
                    best = hit
                continue
            if len(sig.split()) < FUZZY_MIN_TOKENS or (best is not None and best.similarity == 1.0):
                continue
            grams = grams if grams is not None else _bigrams(sig)
            for (class_edge, class_sig), pages in learned.items():
                if class_edge != edge or (class_grams := _class_bigrams(class_sig)) is None:
                    continue
                score = _jaccard(grams, class_grams)
                if score < self.similarity:
                    continue
                hit = Match(-1, edge, group, class_sig, pages, round(score, 3))
                if best is None or (score, self._share(hit)) > (best.similarity, self._share(best)):
                    best = hit
        return best

    def _share(self, match: Match) -> float:
        """The share of its group's pages a matched class is on; 0 for a language or
        layout group under :data:`MIN_GROUP` pages, which never outranks another."""
        total = self._pages.get(match.group, 0)
        if match.group != "*" and total < MIN_GROUP:
            return 0.0
        return match.pages / total if total else 0.0

    def explain(
        self,
        groups: Iterable[str],
        blocks: Sequence[str],
        known: Callable[[str], bool] | None = None,
        signatures: Sequence[str | None] | None = None,
    ) -> list[Match]:
        """The blocks :meth:`strip` drops, each with the class it matched."""
        groups = tuple(groups)
        sig = _signer(blocks, signatures)
        found: dict[int, Match] = {}
        for edge, order in (("tail", range(len(blocks) - 1, -1, -1)), ("head", range(len(blocks)))):
            run: list[int] = []  # the edge run: matches and known boilerplate, from the edge
            matches: dict[int, Match] = {}
            for i in order:
                if i in found:
                    break
                hit = self.match(groups, edge, blocks[i], sig(i))
                if hit is not None:
                    matches[i] = Match(i, edge, hit.group, hit.signature, hit.pages,
                                       hit.similarity)  # fmt: skip
                elif not (known is not None and known(blocks[i])):
                    break
                run.append(i)
            for i in run:  # from the edge inwards; the first refused block ends the run
                if i not in matches:
                    continue  # known boilerplate: the exact profile drops it
                if not self._accepted(i, matches, found, blocks, edge):
                    break
                found[i] = matches[i]
        return [found[i] for i in sorted(found)]

    def _accepted(
        self,
        i: int,
        matches: dict[int, Match],
        found: dict[int, Match],
        blocks: Sequence[str],
        edge: str,
    ) -> bool:
        """Rule 3: a class holding no contact detail is dropped only on many pages, beside
        one that holds one, or as a heading over blocks already dropped ("Media enquiries")."""
        match = matches[i]
        total = self._pages[match.group]
        if _contact(match.signature) or match.pages >= COMMON * total:
            return True
        sentence = blocks[i].strip().endswith((".", "!", "?", '"', "”", "»"))
        if not sentence and match.pages >= NOTICE * total:
            return True
        for j in (i - 1, i + 1):
            if j in matches and _contact(matches[j].signature):
                return True
        outer = i + 1 if edge == "tail" else i - 1  # the neighbour nearer the edge
        text = blocks[i].strip()
        heading = len(text.split()) <= 4 and not text.endswith((".", "!", "?", ":"))
        return heading and (outer in found or not 0 <= outer < len(blocks))

    def strip(
        self,
        groups: Iterable[str],
        blocks: Sequence[str],
        known: Callable[[str], bool] | None = None,
        signatures: Sequence[str | None] | None = None,
    ) -> list[bool]:
        """For each block, whether it is a near-repeated edge block (to drop).

        ``signatures``: the blocks' signatures if known (:func:`edge_signatures`).
        """
        dropped = {m.index for m in self.explain(groups, blocks, known, signatures)}
        return [i in dropped for i in range(len(blocks))]
