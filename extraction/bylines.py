"""Organisations and people in a byline, told apart.

    >>> found = read_byline("Department for Roads, Office for Trade and Development and Jo Doe MP")
    >>> found.org_author, found.authors
    (['Department for Roads', 'Office for Trade and Development'], ['Jo Doe MP'])
    >>> read_byline("By Birgit Baumann and Anna Giulia Fink").authors
    ['Birgit Baumann', 'Anna Giulia Fink']
    >>> classify("Ministère de l'Intérieur"), classify("Baroness Ellery"), classify("Rural Affairs")
    ('org', 'person', 'unknown')

Names are kept as the page prints them, titles and post-nominals included
("Jane Doe MP", "Dr Helen Kirby", "Baroness Ellery", Welsh "Jane Doe AS"): that
is what the government fixture's truth holds and what a reader cites.
:func:`bare_name` strips them ("Jane Doe") for matching a person across pages.

Splitting rules (an organisation is never cut into people):

- A list is cut at commas and semicolons, then at "and" (and its translations:
  "&", "et", "und", "y", "e", "en", "og", "och", "i", Welsh "a").
- After an organisation, "and" only starts a new name when what follows is a
  name on its own: an organisation ("... and Ministry of Coastal Affairs") or
  a person marked by a title or post-nominal ("... and Jane Doe MP"); so
  "Office for Trade and Development" and "Ministry of Victims and Courts" stay
  whole.
- After an organisation, a comma-separated part that is no name at all
  ("Culture", "Media and Sport") belongs to it: "Department for Digital,
  Culture, Media and Sport" is one organisation.
- A name that is neither recognisably an organisation nor a person goes to
  ``authors`` (as bylines did before) and is listed in ``unsure``.

When the byline is made of links (one per name, as on gov.uk), pass the link
texts to :func:`sort_names` instead: no splitting is needed at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "Bylines",
    "bare_name",
    "classify",
    "outside_body",
    "read_byline",
    "read_element",
    "sort_names",
]

Kind = Literal["org", "person", "unknown"]

# Words that open an organisation's name, in many languages (after an optional "The").
_ORG_HEAD = (
    r"department|ministry|office|agency|commission|council|committee|secretariat|directorate|"
    r"authority|board|government|embassy|consulate|high commission|cabinet office|"
    r"united nations|un|eu|european|world|international|national|federal|royal|state|hm|"
    r"minist(?:ère|ere|erio|ero|erie|erium|érium)|\w*ministerium|bundesamt|landesamt|"
    r"bundesregierung|landesregierung|senatsverwaltung|staatskanzlei|auswärtiges amt|"
    r"direction|département|agence|conseil|gouvernement|préfecture|secrétariat|"
    r"secretaría|comisión|consejo|gobierno|ayuntamiento|junta|"
    r"governo|comune|regione|presidenza|rijksoverheid|gemeente|"
    r"llywodraeth|adran|swyddfa|gweinyddiaeth|asiantaeth|senedd|cyngor|comisiwn"
)
# Words that close one ("Human Rights Watch", "Maritime Safety Agency").
_ORG_TAIL = (
    r"watch|international|agency|commission|council|committee|office|service|services|"
    r"authority|board|trust|foundation|institute|institution|association|society|group|"
    r"network|unit|police|bank|court|tribunal|executive|inspectorate|ombudsman|parliament|"
    r"assembly|government|department|ministry|secretariat|union|federation|alliance|"
    r"coalition|centre|center|university|college|school|press|newsroom|desk|team|staff|"
    r"partnership|programme|program|fund|forum|organi[sz]ation|corporation|company|"
    r"ltd|limited|inc|plc|llc|gmbh|ag|sa|redaktion|rédaction|redacción|redazione|redactie"
)
# Words anywhere in a name that make it an organisation's.
_ORG_ANY = (
    r"press office|news desk|newsroom|human rights|united nations|government|ministry|"
    r"minist(?:ère|ere|erio|ero|erie|erium|érium)|\w+ministerium|department|agency|"
    r"commission|secretariat|editorial|redaktion|rédaction|redacción|redazione|redactie|"
    r"nachrichtenagentur|agence|agencia|agenzia"
)
# News agencies and wires, whole names.
_AGENCIES = {
    "afp", "ap", "dpa", "reuters", "associated press", "pa", "pa media", "ansa", "efe", "kyodo",
    "yonhap", "xinhua", "tass", "bloomberg", "kna", "epd", "apa", "sda", "keystone-sda", "ntb",
    "tt", "ritzau", "belga", "anp", "lusa", "afp/dpa", "dpa/afp", "reuters/dpa", "jiji",
}  # fmt: skip
_ORG_HEAD_RE = re.compile(rf"^(?:the\s+)?(?:{_ORG_HEAD})(?![\w-])", re.IGNORECASE)
_ORG_TAIL_RE = re.compile(rf"(?<![\w-])(?:{_ORG_TAIL})\.?$", re.IGNORECASE)
_ORG_ANY_RE = re.compile(rf"(?<![\w-])(?:{_ORG_ANY})(?![\w-])", re.IGNORECASE)

# Titles before a name and post-nominals after it (kept in the name, see the module doc).
_TITLES = (
    "the rt hon", "rt hon", "the right honourable", "right honourable", "rt. hon.", "hon",
    "dr", "prof", "professor", "sir", "dame", "lord", "lady", "baroness", "baron", "viscount",
    "earl", "mr", "mrs", "ms", "miss", "mx", "cllr", "councillor", "judge", "minister",
    "secretary", "ambassador", "president", "senator", "rep", "gov", "mayor", "madame",
    "monsieur", "m", "mme", "herr", "frau", "señor", "señora", "sra", "sr", "dott", "dott.ssa",
    "barwnes", "arglwydd", "y gwir anrhydeddus", "yr arglwydd", "y farwnes",
)  # fmt: skip
_POSTNOMINALS = (
    "mp", "ms", "msp", "mla", "as", "am", "mep", "kc", "qc", "obe", "mbe", "cbe", "kbe", "dbe",
    "cb", "phd", "frs", "bt", "jr", "sr", "ii", "iii", "td", "pc", "기자", "記者", "특파원",
)  # fmt: skip
_TITLE_RE = re.compile(
    r"^(?:" + "|".join(re.escape(t) for t in sorted(_TITLES, key=len, reverse=True)) + r")\.?\s+",
    re.IGNORECASE,
)
_POST_RE = re.compile(
    r",?\s+(?:" + "|".join(re.escape(t) for t in _POSTNOMINALS) + r")\.?$", re.IGNORECASE
)
# A role before a name: "Roads Minister Jane Doe", "Secretary of State for Wales Gareth Morgan".
_ROLE_RE = re.compile(
    r"^.*?\b(?i:minister|secretary|spokes(?:person|man|woman)|chair|director|commissioner|"
    r"ambassador|statistician)\s+(?=[A-Z])"
)
_PARTICLES = {
    "van", "von", "de", "der", "den", "du", "da", "di", "del", "della", "le", "la", "bin",
    "binti", "al", "el", "ter", "ten", "zu", "dos", "das", "do", "y", "ibn", "ap", "af", "st",
}  # fmt: skip
# Nouns of policy areas: part of a department's name, never of a person's.
_POLICY = {
    "affairs", "services", "development", "trade", "health", "education", "justice", "culture",
    "media", "sport", "environment", "food", "energy", "transport", "housing", "communities",
    "defence", "defense", "work", "pensions", "business", "industry", "science", "technology",
    "innovation", "security", "treasury", "finance", "economy", "agriculture", "fisheries",
    "labour", "employment", "infrastructure", "rights", "statistics", "safety", "care",
    "courts", "victims", "roads", "digital", "rural", "levelling", "policy", "planning",
}  # fmt: skip
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_BY = re.compile(
    r"^\s*(?:by|from|par|por|von|di|da|door|av|af|gan|oddi wrth|written by|words by)\s*:?\s+",
    re.IGNORECASE,
)
_LIST_SEP = re.compile(r"\s*[;|]\s*|\s*,\s*(?![^()]*\))")  # not inside parentheses
_AND = re.compile(r"\s+(?:and|et|und|y|e|en|og|och|i|a)\s+|\s*&\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Bylines:
    """People (``authors``) and organisations (``org_author``), in byline order."""

    authors: list[str] = field(default_factory=list)
    org_author: list[str] = field(default_factory=list)
    unsure: list[str] = field(default_factory=list)  # in authors, neither kind recognised

    def as_dict(self) -> dict[str, list[str]]:
        return {"authors": self.authors, "org_author": self.org_author, "unsure": self.unsure}


def _clean(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    return " ".join(name.split()).strip(" ,;:|·-–—")


def is_org(name: str) -> bool:
    """Whether ``name`` reads as an organisation's (see the module doc).

    >>> is_org("Human Rights Watch"), is_org("UN Human Rights Council"), is_org("Jane Doe MP")
    (True, True, False)
    """
    name = _clean(name)
    if not name:
        return False
    if name.casefold() in _AGENCIES:
        return True
    if _ORG_HEAD_RE.search(name) or _ORG_TAIL_RE.search(name) or _ORG_ANY_RE.search(name):
        return not _has_title(name)  # "Minister for Wales" and "Sir X" are people's
    tokens = name.split()
    # An acronym: "DfR", "UNHCR", "OTD".
    return len(tokens) == 1 and 2 <= len(name) <= 8 and sum(c.isupper() for c in name) >= 2


def _has_title(name: str) -> bool:
    return bool(_TITLE_RE.match(name)) and not _ORG_HEAD_RE.match(name)


def bare_name(name: str) -> str:
    """``name`` without titles, post-nominals or a role before it.

    >>> bare_name("The Rt Hon Tom Hale MP"), bare_name("Roads Minister Jane Doe MP")
    ('Tom Hale', 'Jane Doe')
    >>> bare_name("Dr Helen Kirby OBE"), bare_name("Barwnes Ellery")
    ('Helen Kirby', 'Ellery')
    """
    return _strip(_clean(name))[0]


def _strip(name: str) -> tuple[str, bool]:
    """The bare name, and whether a title, post-nominal or role was taken off."""
    marked = False
    while True:
        before = name
        name = _TITLE_RE.sub("", name, count=1)
        name = _POST_RE.sub("", name, count=1)
        role = _ROLE_RE.match(name)
        if role and len(name[role.end() :].split()) >= 1:
            name = name[role.end() :]
        if name == before:
            return name, marked
        marked = True


def _person(name: str) -> tuple[bool, bool]:
    """(looks like a person's name, and is marked by a title or post-nominal)."""
    name = _clean(name)
    if not name or any(ch.isdigit() for ch in name) or "@" in name:
        return False, False
    bare, marked = _strip(name)
    if _CJK.search(bare):
        return 1 <= len(bare.replace(" ", "")) <= 12, marked
    tokens = bare.split()
    if not tokens or len(tokens) > 5 or (len(tokens) == 1 and not marked):
        return False, False
    for position, token in enumerate(tokens):
        word = token.strip(".,'’")
        if word.lower() in _PARTICLES and position:
            continue
        if word.lower() in _POLICY or not word or not word[0].isupper():
            return False, False
        if not all(ch.isalpha() or ch in "-'’." for ch in token):
            return False, False
    return True, marked


def classify(name: str) -> Kind:
    """ "org", "person" or "unknown" for one name (a byline part, already split)."""
    if is_org(name):
        return "org"
    return "person" if _person(name)[0] else "unknown"


def _strong(name: str) -> bool:
    """A name that stands on its own after "and": an organisation, or a marked person."""
    return is_org(name) or _person(name)[1]


def _and_groups(chunk: str) -> list[str]:
    pieces = [p for p in _AND.split(chunk) if p.strip()]
    joiners = _AND.findall(chunk)
    if not pieces:
        return []
    groups = [pieces[0]]
    for joiner, piece in zip(joiners, pieces[1:], strict=False):
        current = groups[-1]
        if is_org(current):
            split = _strong(piece)
        elif _person(piece)[1] or classify(current) == "person":
            split = True  # "... and Jane Doe MP"; a person's name holds no "and"
        else:
            # "Food and Agriculture Organization" is one name: an organisation after
            # something that is no name on its own is the rest of that name.
            split = classify(current) != "unknown" and classify(piece) != "unknown"
        if split:
            groups.append(piece)
        else:
            groups[-1] = f"{current}{joiner}{piece}"
    return groups


def split_byline(text: str) -> list[str]:
    """The names in one byline string, organisations kept whole.

    >>> split_byline("Department for Digital, Culture, Media and Sport and Sir Jon Smith")
    ['Department for Digital, Culture, Media and Sport', 'Sir Jon Smith']
    >>> split_byline("Ministry of Victims and Courts")
    ['Ministry of Victims and Courts']
    """
    text = _BY.sub("", _clean(text))
    names: list[str] = []
    for chunk in _LIST_SEP.split(text):
        if not chunk.strip():
            continue
        for group in _and_groups(chunk.strip()):
            group = _clean(group)
            if (
                names
                and is_org(names[-1])
                and classify(group) == "unknown"
                and not _CJK.search(group)
            ):
                names[-1] = f"{names[-1]}, {group}"  # "Department for Digital, Culture"
            elif group:
                names.append(group)
    return names


def sort_names(names: Iterable[str]) -> Bylines:
    """Names already split (link texts, JSON-LD authors) sorted into people and organisations.

    >>> sort_names(["Department for Roads", "Jane Doe MP", "Jane Doe MP"]).as_dict()
    {'authors': ['Jane Doe MP'], 'org_author': ['Department for Roads'], 'unsure': []}
    """
    authors: list[str] = []
    orgs: list[str] = []
    unsure: list[str] = []
    for raw in names:
        name = _BY.sub("", _clean(raw))
        if not name:
            continue
        kind = classify(name)
        target = orgs if kind == "org" else authors
        if name not in target:
            target.append(name)
            if kind == "unknown":
                unsure.append(name)
    return Bylines(authors, orgs, unsure)


def read_byline(text: str | Iterable[str]) -> Bylines:
    """People and organisations from byline text(s): each is split, then sorted."""
    texts = [text] if isinstance(text, str) else list(text)
    return sort_names(name for t in texts for name in split_byline(t))


def read_element(el: Any) -> Bylines:
    """From a byline element of an lxml tree: its links' texts when it has links
    (one name each), else its text split.

    >>> import lxml.html
    >>> el = lxml.html.fromstring('<dd><a href="/o/t">Office for Trade and Development</a>'
    ...                           ' and <a href="/p/j">Jane Doe MP</a></dd>')
    >>> read_element(el).as_dict()
    {'authors': ['Jane Doe MP'], 'org_author': ['Office for Trade and Development'], 'unsure': []}
    """
    links = [" ".join(a.text_content().split()) for a in el.iter("a")]
    links = [t for t in links if t]
    if links:
        return sort_names(links)
    return read_byline(el.text_content())


def outside_body(names: Iterable[str], blocks: Iterable[tuple[str, str, str]]) -> list[str]:
    """The guessed author names that are not the page's own text.

    An extractor's author guess (trafilatura reads one from the page when the
    metadata gives none) is sometimes a heading of the body, or its first
    words: "What the changes mean" from "What the changes mean for local
    authorities". A name that is a whole block of the body, or the start of one
    of its headings, is text, not a byline. A person named at the start of a
    paragraph ("Jane Doe MP said ...") is kept: only headings count by their start.

    >>> body = [("h2", "What the changes mean for local authorities", ""),
    ...         ("p", "Jane Doe MP said the plan would help.", "")]
    >>> outside_body(["What the changes mean", "Jane Doe MP"], body)
    ['Jane Doe MP']
    """
    wholes: set[str] = set()
    heads: list[str] = []
    for kind, text, _markup in blocks:
        key = _fold(text)
        wholes.add(key)
        if kind.startswith("h") and kind[1:].isdigit():
            heads.append(key)
    out = []
    for name in names:
        key = _fold(name)
        if not key or key in wholes or any(h == key or h.startswith(key + " ") for h in heads):
            continue
        out.append(name)
    return out


def _fold(text: str) -> str:
    """Case- and punctuation-folded words, for comparing a name with body text."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))
