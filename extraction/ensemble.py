"""Per-page choice between candidate bodies: the one the other extractors agree with.

    >>> a = [("p", "The council approved the budget on Monday after a long debate.", "")]
    >>> b = [("p", "Menu Home News", ""), *a]
    >>> c = [("p", "Cookies help us.", "")]
    >>> choose([c, a, b])  # c agrees with nobody; a and b agree with each other
    1

Extractors fail in different ways on different pages: one keeps a teaser box,
another the whole page, a third the article. On the pages of the Web Content
Extraction Benchmark (Bevendorff et al., SIGIR 2023) a simple vote between
extractors beats every single one of them. pressroom's own pass (trafilatura
fast and precision-minded on a pruned tree, then pressroom's cleaning) is the
best single extractor on news and release pages; when it looks doubtful (see
:func:`in_doubt`), the page is also read by trafilatura with its defaults on the
unpruned page and by readability-lxml, each cleaned the same way, and the body
kept is the candidate whose text overlaps most with the others' (4-token
shingle F1, the benchmark's own measure). A candidate that only one extractor
finds, a teaser, a menu or a whole-page dump, loses that vote.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

from article.text import Block
from extraction import cleaning
from extraction.parse import controls_out

SHINGLE = 4
DOUBT_WORDS = 150
DOUBT_SHARE = 0.5
DOUBT_WHOLE, WHOLE_LINKED = 0.85, 0.02
READINGS_AGREE = 0.99
SCRAP_SHARE = 0.1
PRUNED_AWAY = 0.5
# links_outvoted: readability's reading is (nearly) all inside the chosen one, from
# SUBSET_SIZE to SUBSET_MAX of its length, and the rest is LINKED_SURPLUS links or more.
SUBSET_SIZE, SUBSET_MAX, SUBSET_INSIDE = 0.2, 0.95, 0.9
LINKED_SURPLUS = 0.3
_TOKEN = re.compile(r"\w+")


def shingles(blocks: Sequence[Block]) -> Counter[int]:
    """The multiset of hashed 4-token shingles of the blocks' plain text.

    >>> sum(shingles([("p", "one two three four five", "")]).values())
    2
    """
    tokens = [t for b in blocks for t in _TOKEN.findall(b[1])]
    if not tokens:
        return Counter()
    if len(tokens) < SHINGLE:
        return Counter([hash(tuple(tokens))])
    return Counter(map(hash, _windows(tokens)))


def agreement(a: Counter[int], b: Counter[int]) -> float:
    """Shingle F1 of two texts: 1.0 for the same text (or two empty ones), 0.0 for nothing shared.

    >>> agreement(Counter([1, 2]), Counter([2, 3]))
    0.5
    """
    size = sum(a.values()) + sum(b.values())
    if not size:
        return 1.0
    return 2 * sum((a & b).values()) / size


def choose(
    candidates: Sequence[Sequence[Block]],
    agree: Callable[[Counter[int], Counter[int]], float] = agreement,
    scraps: Collection[int] = (),
) -> int:
    """The index of the candidate with the highest mean agreement with the others.

    Ties go to the earlier candidate: put the one to keep by default first. An
    empty candidate never wins over text: when the extractors share nothing, the
    vote says nothing about which one read the page. When only two candidates
    have text, the longer one wins. ``agree`` scores two candidates' shingles
    (bench/vote_lab.py tries other measures). A candidate whose index is in
    ``scraps`` and that read less than SCRAP_SHARE of the longest reading counts as
    having read nothing: it is a scrap its extractor fell back on, not a voice.

    >>> choose([[], [("p", "one two three four", "")], [("p", "five six seven eight", "")]])
    1
    >>> short, long = [("p", "Sun Mon Tue Wed", "")], [("p", "The article, all of it.", "")]
    >>> choose([short, long, []])
    1
    >>> teaser, article = [("p", "Read the story now", "")], [("p", "The story. " * 20, "")]
    >>> choose([teaser, article, teaser]), choose([teaser, article, teaser], scraps=[2])
    (0, 1)
    """
    if len(candidates) < 3:
        return 0  # two candidates cannot outvote each other
    counts = [shingles(c) for c in candidates]
    longest = max(sum(c.values()) for c in counts)
    for i in scraps:
        if sum(counts[i].values()) < SCRAP_SHARE * longest:
            counts[i] = Counter()
    full = [i for i, mine in enumerate(counts) if mine]
    if len(full) == 2:
        # One extractor read nothing: two readings cannot outvote each other. The first
        # pass is in doubt for being short or a small share of the page, so the longer
        # reading is kept: on 2,425 real pages (bench/extraction.py, 17 pages changed)
        # CleanEval and Dragnet rose 0.002 each, the article sets did not move.
        return max(full, key=lambda i: (sum(counts[i].values()), -i))
    best, best_score = 0, -1.0
    for i, mine in enumerate(counts):
        if not mine and any(counts):
            continue
        score = sum(agree(mine, other) for j, other in enumerate(counts) if j != i)
        if score > best_score + 1e-9:
            best, best_score = i, score
    return best


def surplus(chosen: Sequence[Block], reading: Sequence[Block]) -> list[str] | None:
    """The texts of ``chosen``'s blocks that ``reading`` lacks, when ``reading`` is a
    part of ``chosen``: SUBSET_INSIDE of its shingles in it, SUBSET_SIZE to SUBSET_MAX
    of its length. None when it is not.

    >>> story = [("p", f"The council met on day {n} to vote on a budget.", "") for n in range(3)]
    >>> surplus([("p", "Home News Sport Weather About us", ""), *story], story)
    ['Home News Sport Weather About us']
    >>> surplus(story, [("p", "Another text, not a part of the story at all.", "")]) is None
    True
    """
    mine, theirs = shingles(chosen), shingles(reading)
    size, part = sum(mine.values()), sum(theirs.values())
    if not size or not part or not SUBSET_SIZE * size <= part <= SUBSET_MAX * size:
        return None
    if sum((mine & theirs).values()) < SUBSET_INSIDE * part:
        return None
    held = set().union(*(_own_shingles(b[1]) for b in reading))
    own = [(b[1], _own_shingles(b[1])) for b in chosen]
    # A block of under 4 tokens has no shingle of its own: a menu's word, a caption.
    return [text for text, sh in own if not sh or len(sh & held) < 0.5 * len(sh)]


def pruned_away(blocks: Sequence[Block], page: Counter[int]) -> bool:
    """Whether most of a reading (PRUNED_AWAY of its shingles) is not in ``page``, the
    shingles of the pruned page's text: it read the furniture pruning took away.

    >>> page = shingles([("p", "The photo of the day, a bowling ball of people.", "")])
    >>> pruned_away([("p", "I live. I learn. I teach. And I write here.", "")], page)
    True
    >>> pruned_away([("p", "The photo of the day, a bowling ball.", "")], page)
    False
    """
    mine = shingles(blocks)
    if not mine:
        return False
    inside = sum(n for key, n in mine.items() if key in page)
    return inside < (1 - PRUNED_AWAY) * sum(mine.values())


def link_share(texts: Sequence[str], anchors: Collection[str]) -> float:
    """The share of the texts' characters (spaces aside) that are the page's link texts
    (``anchors``, as :func:`extraction.cleaning.norm` writes them).

    >>> round(link_share(["Home | News | Contact us", "A sentence."], {"home", "news"}), 2)
    0.28
    """
    total = rest = 0
    for text in texts:
        line = cleaning.norm(text)
        total += len(line.replace(" ", ""))
        for anchor in sorted((a for a in anchors if a in line), key=len, reverse=True):
            line = line.replace(anchor, " ")
        rest += len(line.replace(" ", ""))
    return 1 - rest / total if total else 0.0


def links_outvoted(
    chosen: Sequence[Block], reading: Sequence[Block], anchors: Callable[[], Collection[str]]
) -> bool:
    """Whether readability-lxml's ``reading`` is the article and the vote's ``chosen`` is it
    plus the page's link boxes: ``reading`` is a part of ``chosen`` (:func:`surplus`) and
    LINKED_SURPLUS or more of the rest is the text of links (``anchors()``: the page's link
    texts, asked only then).

    On old table layouts trafilatura's two settings both read the whole page, its menus,
    lists of other stories and shop boxes with the article; they agree, so they outvote
    readability-lxml's article (CleanEval final-157, a river cruise site's page: its phone
    box and footer menu around two paragraphs; F1 0.71, readability 1.00). Measured on
    2,425 real pages (bench/extraction.py), on top of the vote: dragnet 0.8458 -> 0.8471,
    cleaneval 0.8863 -> 0.8864, aeb and news unchanged; pages more than 0.05 below plain
    trafilatura 86 -> 90 (dragnet pages whose dropped boxes the truth holds). A link share
    of 0.5 gained less (dragnet 0.8469), 0.7 almost nothing; with readability's reading at
    least 0.4 of the chosen: dragnet 0.8462.

    >>> story = [("p", f"The council met on day {n} to vote on a budget.", "") for n in range(3)]
    >>> menu = ("p", "Home News Sport Weather", "")
    >>> links_outvoted([menu, *story], story, lambda: {"home", "news", "sport", "weather"})
    True
    >>> links_outvoted([("p", "Photo: the council", ""), *story], story, lambda: {"home"})
    False
    """
    extra = surplus(chosen, reading)
    return bool(extra) and link_share(extra, anchors()) >= LINKED_SURPLUS


def _own_shingles(text: str) -> set[int]:
    """A block's 4-token shingles, hashed; none for a block of fewer than 4 tokens."""
    return set(map(hash, _windows(_TOKEN.findall(text))))


def _windows(tokens: list[str]) -> Iterator[tuple[str, ...]]:
    """Each run of SHINGLE tokens, in order: the tuples ``tokens[i : i + SHINGLE]`` would
    make, made by zip in C, which stops at the shortest (a text of 3,000 tokens: 1.4 ->
    0.95 ms; a doubtful real page is compared in several such readings).

    >>> list(_windows("a b c d e".split()))
    [('a', 'b', 'c', 'd'), ('b', 'c', 'd', 'e')]
    """
    return zip(*(tokens[i:] for i in range(SHINGLE)), strict=False)


def in_doubt(
    words: int,
    chars: int,
    page_chars: int,
    readings: float = 1.0,
    linked: Callable[[], float] = lambda: 1.0,
) -> bool:
    """Whether a first pass of ``words`` words (``chars`` characters) needs a vote.

    ``page_chars``: the length of the page's text outside links and scripts. A
    short body, or one holding less than half of the page's text, may be a teaser
    or a fragment. Measured on 2,425 real pages (bench/extraction.py): the vote runs
    on 37% of them and on 1 of 88 fixture releases (whose bodies hold 49-90% of the
    page's text); share 0.3 runs it on 22% and gains half as much.

    ``readings``: the :func:`agreement` of trafilatura's precise and balanced
    readings of the page (:mod:`extraction.firstpass`). When the two settings of one
    extractor read different text, the first pass is unsure of its container even
    if its body is long: the vote is asked too. At READINGS_AGREE 0.95 the vote ran on
    42% of 2,425 real pages; at 0.99 on 49%, and (bench/extraction.py) cleaneval rose
    0.8855 -> 0.8863, dragnet 0.8456 -> 0.8458, news 0.9529 -> 0.9534, aeb 0.9791 ->
    0.9792, pages more than 0.05 below plain trafilatura 89 -> 86: readings that differ
    by a caption still often differ by a box of furniture one of them kept (CleanEval
    dev-16: a "Home > CHOICE Magazine" trail and the site's other stories; F1 0.49 ->
    0.97).

    A body of DOUBT_WHOLE or more of the page's text is in doubt too when it holds the
    page's link texts (``linked()``: their share of the body, :func:`link_share`; asked
    only then) for WHOLE_LINKED or more: a page holds its menus, teasers and footer
    around the article, so a body that is (nearly) the whole page, links and all, kept
    them, as old table layouts make trafilatura do (one cell holds the whole page). A
    page that is its article alone, with no links in the text, is read whole rightly.
    On 2,425 real pages (bench/extraction.py) the vote runs on 345 more of them (63%,
    214 CleanEval's), and cleaneval rose 0.8864 -> 0.8883, dragnet 0.8471 -> 0.8473,
    aeb 0.9792 -> 0.9793, news stayed 0.9534; 90 pages more than 0.05 below plain
    trafilatura before and after (CleanEval final-60: a film review with the site's
    menus, its "Recently in film" list and copyright line; F1 0.93 -> 1.00). At
    DOUBT_WHOLE 0.8 aeb lost 0.001 (articles whose furniture is small: 81% of the
    page's text), at 0.9 cleaneval gained 0.0017 (bench/vote_lab.py); without the link
    share (every whole-page body) the real pages gain as much (cleaneval 0.8884), but
    a synthetic page made of its article alone lost an embedded tweet to the vote
    (tests/test_extract_quality.py). The demo site's releases hold at most 80% of their
    page's text: none is asked.

    >>> in_doubt(400, 2_500, 4_000), in_doubt(400, 2_500, 4_000, readings=0.8)
    (False, True)
    >>> in_doubt(400, 3_600, 4_000, linked=lambda: 0.1)  # 90% of the page, menus too
    True
    >>> in_doubt(400, 3_600, 4_000, linked=lambda: 0.0)  # the page is the article
    False
    """
    if words < DOUBT_WORDS or chars < DOUBT_SHARE * page_chars or readings < READINGS_AGREE:
        return True
    return chars >= DOUBT_WHOLE * page_chars and linked() >= WHOLE_LINKED


# --- readability-lxml, as a second opinion ----------------------------------

_BLOCKS = {
    "p": "p", "div": "p", "section": "p", "article": "p", "main": "p", "header": "p",
    "footer": "p", "aside": "p", "figure": "p", "figcaption": "p", "center": "p",
    "form": "p", "fieldset": "p", "dl": "p", "dd": "p", "dt": "p", "address": "p",
    "h1": "h1", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h5", "h6": "h6",
    "li": "li", "ul": "p", "ol": "p", "blockquote": "quote", "pre": "code",
    "table": "p", "tbody": "p", "thead": "p", "tr": "row", "td": "p", "th": "p",
}  # fmt: skip
_MD_START = re.compile(r"^([#>+-]|\d+[.)])(?=\s)")


def readability_blocks(html: str, url: str) -> list[Block]:
    """readability-lxml's article of the page, as blocks; [] when it finds none or fails."""
    try:
        from readability import Document
        from readability.readability import Unparseable
    except ImportError:  # pragma: no cover - a dependency, but the vote works without it
        return []
    # readability logs a traceback for every page it gives up on: a crawl's log is
    # not the place (the vote goes on without it).
    logging.getLogger("readability.readability").setLevel(logging.CRITICAL)
    try:
        # lxml refuses control characters in text that readability sets.
        # No url: readability would make every link absolute (a fifth of its time), and
        # only the text of its reading is used.
        summary = Document(controls_out(html)).summary(html_partial=True)
    except (Unparseable, ValueError, TypeError):
        return []
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return []
    return html_blocks(root)


def html_blocks(root: Any) -> list[Block]:
    """The blocks of an HTML tree, in order: one per paragraph, heading, list item, row.

    >>> import lxml.html
    >>> html_blocks(lxml.html.fromstring("<div><h2>Title</h2><p>One <b>two</b>.</p>"
    ...                                 "<ul><li>a</li></ul>Tail</div>"))
    [('h2', 'Title', '## Title'), ('p', 'One two.', 'One two.'), ('li', 'a', '- a'), \
('p', 'Tail', 'Tail')]
    """
    out: list[Block] = []
    parts: list[str] = []

    def flush(kind: str) -> None:
        text = " ".join("".join(parts).split())
        parts.clear()
        if not text:
            return
        if kind == "row":
            kind = "p"  # cells were flattened: one line, not a Markdown table row
        if kind.startswith("h") and kind[1:].isdigit():
            md = f"{'#' * int(kind[1])} {text}"
        elif kind == "li":
            md = f"- {text}"
        elif kind == "quote":
            md = f"> {text}"
        else:
            md = _MD_START.sub(r"\\\1", text)
        out.append((kind, text, md))

    def walk(el: Any, kind: str) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "noscript", "template"):
            return
        own = _BLOCKS.get(tag)
        if own:
            flush(kind)
            kind = own
        if tag == "br":
            parts.append(" ")
        parts.append(el.text or "")
        for child in el:
            walk(child, kind)
            parts.append(child.tail or "")
        if own:
            flush(kind)

    walk(root, "p")
    flush("p")
    return out
