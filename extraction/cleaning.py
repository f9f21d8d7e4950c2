"""Block-level cleaning of extracted text: the residue trafilatura leaves in a body.

    >>> drop = residue(blocks, links, title)  # doctest: +SKIP

The rules here judge one short block of text (a paragraph, list item or
heading) on its words and its place in the body, whatever the site: calls to
action ("Donate now", "Follow us on Twitter", "Subscribe to our newsletters"),
"Related:" and "Read more:" lines and the link lists under them, sign-offs
("Reporting by ...; Editing by ...", "... contributed to this report"), photo
credits, share prompts, and a first block that repeats the headline or is a
dateline, byline or reading time. A rule fires only on a *short* block, so a
body paragraph that mentions donations or newsletters in a sentence is kept
(see tests/test_extract.py). Each rule stayed because it raised F1 on the
article benchmark (``python bench/extraction.py``) without costing recall.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from article.text import Block, word_count

# Short lines that are calls to action or furniture wherever they appear.
FURNITURE_LINE = re.compile(
    r"^(skip to (main )?content|donate( now)?|print|share( this)?( via \w+)?|subscribe|"
    r"sign up( for .*)?|accept( all)?( cookies)?|read more|most viewed|related content|"
    r"region ?/ ?country|topics?|tags?|email|facebook|twitter|x|linkedin|whatsapp|"
    r"comments?|advertisement|advertising|sponsored|anzeige|publicidad|"
    r"(©|ⓒ|\(c\)|copyright|all rights reserved)\b.*|all rights reserved\.?|"
    # A blog's furniture: the comment form and its labels, a "back to top" link.
    r"(back |return |go |scroll )?to (the )?top( of (the |this )?page)?|"
    r"leave a (reply|comment)|post (a )?comment|no comments( yet)?|hide caption|"
    r"trackback( ur[li])?( for this (entry|post))?|"
    r"(name|e-?mail|website)( \((required|will not be published)\))*)\W*$",
    re.IGNORECASE,
)
FURNITURE_PHRASE = re.compile(
    r"tax[- ]deductible (gift|donation)|we use cookies|by continuing.{0,40}(cookie|agree)|"
    r"cookie policy|sign up for (our|the) .{0,40}(newsletter|brief|updates)|"
    r"your (gift|donation) (can|will) help",
    re.IGNORECASE,
)
MAX_FURNITURE_WORDS = 40

# "Related: <title>", "READ MORE: ...", "Don't miss", "Also on rt.com ...".
RELATED = re.compile(
    r"^\W*(?:(?:related( articles?| stories| content| coverage| posts?| reading| links?)?|"
    r"read more|read next|read also|also read|see more|see also|more from [\w ]{1,30}|"
    r"more on this( story)?|don[’']?t miss|recommended( reading| for you)?|"
    r"you (may|might) also like|more stories|lire aussi|à lire aussi|leia também|leia mais|"
    r"veja também|mehr zum thema|lesen sie auch|ver también|lee también|leggi anche)"
    # ...then a colon or the like, after at most two more words ("See more photos:"),
    # or nothing at all; "Related abuses were found" is a sentence.
    r"(?:\s+[\w’']+){0,2}\s*(?:[:|>»…\-–—]|\.\.\.|$)|also on \w+\.\w+\b)",
    re.IGNORECASE,
)
# Sign-offs, calls to action, credits: a whole short block that says so.
SIGN_OFF = re.compile(
    r"|".join(
        (
            r"^follow\b.{0,60}\bon (twitter|facebook|instagram|linkedin|youtube|tiktok|threads)",
            r"\b(follow|like|find) us on (twitter|facebook|instagram|linkedin)",
            r"^have a (news )?tip\b",
            r"\bsubscribe (to|for)\b.{0,60}\b(newsletters?|channel|podcast|updates|magazine)",
            r"^(get|receive) (the|our)\b.{0,60}\b(in|to) your inbox",
            r"\bsign up\b.{0,40}\b(newsletter|today|for free|free)\b",
            r"^like this (story|article)\?|\bshare (it|this( story| article)?) with (a friend|"
            r"your friends)",
            r"\bcontributed (to )?this (report|story)\.?$",
            r"^\(?(reporting|additional reporting|writing|editing|compiled) by\b",
            r"^(contributing|with (post |wire )?wires?)\b",
            r"^(filed under|tagged( with)?|posted in)\s*:",
            r"^(e-?mail) [\w .'’-]{2,40} at \S+@",
            r"^\(?(ap|afp) photo\b|\((ap|afp|reuters|getty images)\)$",
            r"^this copy is for your personal, non-commercial use",
            r"^(more ap \w+|follow ap's)\b",
            r"^if you enjoyed this (article|story|post)\b",
        )
    ),
    re.IGNORECASE,
)
MAX_SIGN_OFF_WORDS = 40
# The first blocks of a body: "By Ann Lee | 3 min read", "Updated 5:45 AM PST 11/19/2019".
READING_TIME = re.compile(
    r"^(\d+\s*(min(ute)?s?|mins?)\.? read|(reading time|tempo de leitura|temps de lecture|"
    r"lesezeit|tiempo de lectura)\s*:?\s*\d+)",
    re.IGNORECASE,
)
_MONTH = (
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|janv|févr|mars|avr|mai|juin|juil|"
    r"août|sept|déc|ene|abr|ago|dic|fev|out|dez|märz|okt|gen|mag|giu|lug|ott|set)[a-zéû]*\.?"
)
DATELINE = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b(19|20)\d{2}-\d{2}-\d{2}\b|"
    rf"\b{_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+(19|20)\d{{2}}\b|"
    rf"\b\d{{1,2}}\.?\s+(de\s+)?{_MONTH}\s+(de\s+)?(19|20)\d{{2}}\b",
    re.IGNORECASE,
)
BYLINE = re.compile(r"^(by|por|par|von|di|door)\s+\S", re.IGNORECASE)
MAX_META_WORDS = 15
DIRECTORY_LINKS = 10  # fewer lone links than this are a related list, never a directory
DIRECTORY_SHARE = 1.0
ENTRY_WORDS = 8  # a lone link followed by a paragraph this long may head an entry
LINK_LIST_WORDS = 15  # a whole-link block longer than this is prose, not a link list
URL_TEXT = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?][\"'’”)]*(\s|$|[A-Z])|[。！？]")

_NON_WORD = re.compile(r"\W+")


def is_furniture(text: str) -> bool:
    """A short line that is page furniture (menus, share buttons, cookie and donation asks)."""
    if word_count(text) > MAX_FURNITURE_WORDS:
        return False
    return bool(FURNITURE_LINE.match(text) or FURNITURE_PHRASE.search(text))


def is_residue(text: str) -> bool:
    """A block that is not part of the release wherever it stands."""
    if not re.search(r"\w", text):  # "* * *", "|": no word at all
        return True
    if is_furniture(text):
        return True
    words = word_count(text)
    if words > MAX_SIGN_OFF_WORDS:
        return False
    # "RELATED: <a headline>" is one line; "RELATED: X did not fare well. Aside from ..."
    # is the writer's own paragraph under that label (Dragnet R716).
    related = RELATED.match(text) and len(SENTENCE_END.findall(text)) < 2
    return bool(related or SIGN_OFF.search(text))


EYEBROW_WORDS = 4  # "News release", "Press statement", "Opinion"


def is_meta_line(text: str) -> bool:
    """A dateline, byline or reading time, as found at the top of a body."""
    words = text.split()
    if len(words) > MAX_META_WORDS or _ends_sentence(text):
        return False
    return bool(READING_TIME.match(text) or DATELINE.search(text) or BYLINE.match(text))


def residue(blocks: Sequence[Block], links: Sequence[bool], title: str | None) -> list[bool]:
    """For each block, whether it is residue. ``links[i]``: block i is a whole link."""
    drop = [is_residue(b[1]) for b in blocks]
    listed = [
        i
        for i, (block, link) in enumerate(zip(blocks, links, strict=True))
        if link and not drop[i] and (block[0] == "row" or _link_list_item(block[1]))
    ]
    if not _directory(blocks, drop, listed):
        for i in listed:
            if not _entry_head(blocks, links, drop, i):
                drop[i] = True  # a link on its own: a related story, a tag, a "read more"
    # The top of the body: the headline again (once), a dateline or byline.
    headline = False
    for i, block in enumerate(blocks[:4]):
        if drop[i]:
            continue
        text = block[1]
        if title and not headline and _is_headline(text, title):
            drop[i] = headline = True
        elif is_meta_line(text):
            drop[i] = True
        elif not (title and not headline and _eyebrow(blocks, drop, i, title)):
            break
    return drop


def _is_headline(text: str, title: str) -> bool:
    return same_text(text, title) or _title_variant(text, title)


def _eyebrow(blocks: Sequence[Block], drop: Sequence[bool], i: int, title: str) -> bool:
    """Whether block ``i`` is a label over the headline ("News release", "Analysis"):
    a few words, no sentence, and the headline next. Kept (the profile learns a
    site's), but the headline under it is still the title repeated."""
    text = blocks[i][1]
    if len(text.split()) > EYEBROW_WORDS or _ends_sentence(text):
        return False
    following = next((b[1] for j, b in enumerate(blocks[i + 1 : 4], i + 1) if not drop[j]), None)
    return following is not None and _is_headline(following, title)


def _directory(blocks: Sequence[Block], drop: Sequence[bool], listed: Sequence[int]) -> bool:
    """Whether the lone links are the page itself: a glossary, an index, a table of contents.

    A related list trails an article; when the links outweigh the rest of the
    body DIRECTORY_SHARE to one, dropping them would leave a page without its text.
    """
    if len(listed) < DIRECTORY_LINKS:
        return False
    linked = sum(word_count(blocks[i][1]) for i in listed)
    rest = sum(word_count(b[1]) for i, b in enumerate(blocks) if not drop[i]) - linked
    return linked > DIRECTORY_SHARE * rest


def _entry_head(
    blocks: Sequence[Block], links: Sequence[bool], drop: Sequence[bool], i: int
) -> bool:
    """Whether lone link ``i`` heads an entry of a list of them: a paragraph of its own
    text follows it, and the link before that paragraph or after it heads one too.

    A round-up of posts ("<a>Preparing for the Worst</a>" then "Ine looks at ...") is
    the page's text; a related headline between an article's paragraphs heads no
    series, and a related list is a run of links. Measured on 2,425 real pages
    (bench/extraction.py, 21 pages changed, 15 up): pooled F1 0.8753 -> 0.8755,
    pages > 0.05 below trafilatura 94 -> 92. Without the series (any lone link
    followed by a paragraph kept) the article benchmark fell 0.0007: FOX puts
    related headlines between its paragraphs.
    """
    return _described(blocks, links, drop, i) and (
        (i >= 2 and links[i - 2] and _described(blocks, links, drop, i - 2))
        or (i + 2 < len(blocks) and links[i + 2] and _described(blocks, links, drop, i + 2))
    )


def _described(
    blocks: Sequence[Block], links: Sequence[bool], drop: Sequence[bool], i: int
) -> bool:
    if i + 1 >= len(blocks) or links[i + 1] or drop[i + 1]:
        return False
    after = blocks[i + 1]
    return after[0] == "p" and word_count(after[1]) >= ENTRY_WORDS


def _link_list_item(text: str) -> bool:
    # A sentence that happens to be one link ("...continuum.' Click To Tweet") is prose.
    if word_count(text) > LINK_LIST_WORDS or URL_TEXT.match(text):
        return False
    return not SENTENCE_END.search(text)


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip("\"'’”»)]").endswith((".", "!", "?", ":"))


def _title_variant(text: str, title: str) -> bool:
    words = _words(text)
    if len(text.split()) > 25 or _ends_sentence(text):
        return False
    heading = _words(title)
    if not words or not heading:
        return False
    return len(words & heading) / len(words | heading) >= 0.55


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", text)}


def norm(text: str) -> str:
    """Case-folded, whitespace collapsed: how block and link texts are compared."""
    return " ".join(text.split()).casefold()


def same_text(a: str, b: str) -> bool:
    """Equal once punctuation, spacing and case are ignored."""
    return simple(a) == simple(b)


def simple(text: str) -> str:
    """``text`` less punctuation, spacing and case.

    >>> simple("Hi,  there!")
    'hi there'
    """
    return _NON_WORD.sub(" ", text).strip().lower()
