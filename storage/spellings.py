"""A search query's words in every spelling the index holds, whatever their accents.

    >>> fold("Αθήνα ΑΘΗΝΑΣ Ещё Đà Łódź Straße")
    'αθηνα αθηνασ еще da lodz strasse'

The index (FTS5 unicode61 with remove_diacritics 2, storage/migrations.py)
ignores case, a final ς (it is σ) and the accents of Latin letters, combining
marks too (учи́тель, with a stress mark, is учитель); but it keeps, measured:

- the Greek tonos and dialytika on precomposed letters: a headline in capitals
  carries no tonos (ΑΘΗΝΑ, indexed αθηνα), body text does (Αθήνα, αθήνα);
- the Russian ё, which is mostly printed е (ещё, еще);
- Latin letters that are not a base letter with an accent: đ ð ł ø ß æ œ þ ı
  ħ (Đà Nẵng is đa nang, Łódź is łodz).

``expand()`` rewrites each word of a query into an OR of its spellings that
the index holds: its letters folded (Greek tonos and dialytika off, ё to е, đ
and ð to d, ł to l, ø to o, ß to ss, æ to ae, œ to oe, þ to th, ı to i, ħ to
h), then put back one letter at a time, walking the index's list of terms
(an ``fts5vocab`` table in the connection's temp schema) and dropping every
spelling no term begins with. Typed with accents or without, a word finds the
same releases: ``αθηνα`` and ``αθήνα`` both search for ``("αθηνα" OR "αθήνα")``
when the index holds both.

Why the query and not a second, folded index: FTS5 cannot fold at index time
without a custom tokenizer, and the archive must stay readable by plain
sqlite3, Datasette and pandas; a folded copy of the texts kept by triggers
would need an SQL function (Python) in the triggers, or double the archive's
text. The rewrite needs no migration, works on any archive, read-only ones
too, and costs a few term look-ups (0.03 ms each over 20,000 releases).
Checking the candidates against the index, rather than generating every
spelling the rules allow, keeps the query short (typical words have two
spellings in an archive, not n + 1 for n vowels) and leaves a query whose
words have a single spelling in the index exactly as typed; the English ``d``
that could be ``đ`` costs a look-up, not a longer query.

What the rewrite does not do: polytonic Greek (ἀθῆναι) is not folded to
monotonic (news is monotonic since 1982); Bulgarian ѐ and ѝ (a word of their
own), Ukrainian ї, й and ў stay letters; ø is o (not oe), đ is d (not dj, as
English writes Đoković). A word inside NEAR(...), after ^ or joined by + is
searched as typed (FTS5 allows no OR there), as is a query with Chinese,
Japanese, Korean or Thai characters (matched as substrings, storage/unspaced.py).
bm25 ranks each spelling as a word of its own: a release holding the rarer
spelling gets that spelling's higher weight.

Bounded: a word keeps at most MAX_SPELLINGS spellings, and its walk stops
after MAX_LOOKUPS look-ups. A quoted phrase is an OR of the combinations of
its words' spellings; past MAX_PHRASES of them, only those some text holds
(checked word by word, a phrase no text begins with is not extended), at most
MAX_PHRASES. A query holds at most MAX_ALTERNATIVES spellings in all. Past a
bound the first ones are kept (as typed, then unaccented, then one accent at a
time from the left) and a note says so; the search still answers.
"""

from __future__ import annotations

import itertools
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .clitics import attached
from .fts import OPERATORS, closing_quote, shown
from .migrations import token_char

MAX_SPELLINGS = 16
MAX_PHRASES = 32
MAX_ALTERNATIVES = 64
MAX_LOOKUPS = 256
# A word or phrase quoted in a note is cut after this many characters.
_IN_NOTE = 40

# The letters the index keeps, as it stores them (lower case), and what each folds to.
_MARKED = {
    "ά": "α",
    "έ": "ε",
    "ή": "η",
    "ί": "ι",
    "ό": "ο",
    "ύ": "υ",
    "ώ": "ω",
    "ϊ": "ι",
    "ϋ": "υ",
    "ΐ": "ι",
    "ΰ": "υ",
    "ё": "е",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ø": "o",
    "ı": "i",
    "ħ": "h",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}
# Folded letters (one or two) and the marked letters each may stand for.
_ALTERNATIVES: dict[str, tuple[str, ...]] = {}
for _marked, _plain in _MARKED.items():
    _ALTERNATIVES[_plain] = (*_ALTERNATIVES.get(_plain, ()), _marked)
_LONGEST = max(len(plain) for plain in _ALTERNATIVES)
_LAST = "\U0010ffff"  # sorts after every character: prefix + _LAST bounds a prefix's terms
_TERMS = "temp.pressroom_terms"
# FTS5's query syntax: characters that are tokens of their own; barewords are ASCII
# letters, digits, _ and \x1a, and every non-ASCII character.
_PUNCTUATION = "(){}:,+*-^"


def fold(text: str) -> str:
    """``text`` as the index would store it, with the letters it keeps folded."""
    return "".join(_MARKED.get(char, char) for char in token_form(text))


def token_form(text: str) -> str:
    """``text`` with the folding unicode61 does: lower case, ς as σ, no Latin accents.

    >>> token_form("ΑΘΉΝΑΣ Réseau Huyện")
    'αθήνασ reseau huyen'
    """
    out = []
    for char in unicodedata.normalize("NFC", text.lower()):
        if char == "ς":
            out.append("σ")
        elif _is_latin(char) or "\u0300" <= char <= "\u036f":
            # A Latin letter's accents, and a combining accent on its own, are dropped.
            out.append("".join(c for c in unicodedata.normalize("NFD", char) if not _accent(c)))
        else:
            out.append(char)
    return "".join(out)


def words(text: str) -> list[str]:
    """The tokens unicode61 (as m009 configures it) cuts ``text`` into, in token form.

    >>> words("Ευρωπαϊκή Ένωση: human-rights")
    ['ευρωπαϊκή', 'ένωση', 'human', 'rights']
    """
    found, current = [], []
    for char in unicodedata.normalize("NFC", text):
        if token_char(char):
            current.append(char)
        elif current:
            found.append("".join(current))
            current = []
    if current:
        found.append("".join(current))
    return [form for form in (token_form(word) for word in found) if form]


def expand(conn: sqlite3.Connection, query: str, notes: list[str] | None = None) -> str:
    """``query`` with each word or phrase an OR of the spellings the index holds.

        >>> conn = sqlite3.connect(":memory:")
        >>> _ = conn.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, text)")
        >>> _ = conn.execute("INSERT INTO articles_fts VALUES ('ΑΘΗΝΑ', 'στην Αθήνα')")
        >>> expand(conn, "αθην* Αθήνα")
        '((αθην* OR "αθήν" *) AND (Αθήνα OR "αθηνα"))'
        >>> expand(conn, "detention")
        'detention'

    Returns ``query`` itself (the same string) when no word has another
    spelling in the index, or when FTS5 would not parse it (its error is then
    FTS5's own). Lines for the user (a bound reached) are appended to ``notes``.
    """
    tokens = _lex(query)
    items = _items(tokens) if tokens is not None else None
    if items is None:
        return query
    expansion = _Expansion(_Vocabulary(conn), notes if notes is not None else [])
    texts: dict[int, str] = {}  # item index -> its rewritten text
    for index, (start, end, phrase, _) in enumerate(items):
        if phrase is not None:
            p_start, p_end, text, prefix = phrase
            group = expansion.phrase(query[p_start:p_end], text, prefix)
            if group is not None:
                texts[index] = query[start:p_start] + group + query[p_end:end]
    if expansion.full:
        count = len(expansion.full)
        named = list(dict.fromkeys(expansion.full))
        listed = ", ".join(shown(t, _IN_NOTE) for t in named[:3]) + (", ..." if named[3:] else "")
        expansion.notes.append(
            f"{count} word{'s' * (count > 1)} searched as typed ({listed}): the query "
            f"already holds {MAX_ALTERNATIVES} spellings"
        )
    if not texts:
        return query
    out, last = [], 0
    for run in _runs(items):
        if not any(index in texts for index in run):
            continue
        first, final = items[run[0]][0], items[run[-1]][1]
        # An empty phrase ("") matches nothing when joined by AND, and is ignored when
        # joined implicitly: it is left out, as FTS5 leaves it out of the query as typed.
        parts = [
            texts.get(index, query[items[index][0] : items[index][1]])
            for index in run
            if index in texts or not items[index][3]
        ]
        # FTS5 joins adjacent phrases with an implicit AND, but not a bracketed group:
        # a run holding one is written out with AND, bracketed to keep its precedence.
        joined = parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"
        out += [query[last:first], joined]
        last = final
    return "".join(out) + query[last:]


def register_query_function(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the SQL function ``pressroom_query(q)``: :func:`expand`'s rewrite of
    ``q`` (``'""'``, which matches nothing, for an empty one), for SQL that cannot call
    Python otherwise (the canned search of ``pressroom serve``).

        >>> conn = sqlite3.connect(":memory:")
        >>> _ = conn.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, text)")
        >>> _ = conn.execute("INSERT INTO articles_fts VALUES ('ΑΘΗΝΑ', 'στην Αθήνα')")
        >>> register_query_function(conn)
        >>> conn.execute("SELECT pressroom_query('αθηνα'), pressroom_query('')").fetchone()
        ('(αθηνα OR "αθήνα")', '""')
    """

    def rewritten(query: str | None) -> str:
        return expand(conn, query) if query else '""'

    conn.create_function("pressroom_query", 1, rewritten)


@dataclass
class _Vocabulary:
    """The index's terms, looked up through an fts5vocab table in the temp schema.

    Each look-up returns the first term at or after a prefix; the terms seen
    answer later questions about their own prefixes without another look-up.
    """

    conn: sqlite3.Connection
    lookups: int = 0
    seen: set[str] = field(default_factory=set)
    _ready: bool = False

    def has_prefix(self, prefix: str) -> bool:
        if any(term.startswith(prefix) for term in self.seen):
            return True
        return self._first("term >= ? AND term < ?", [prefix, prefix + _LAST])

    def has_term(self, term: str) -> bool:
        return term in self.seen or self._first("term = ?", [term])

    def has_phrase(self, phrase: str) -> bool:
        self.lookups += 1
        sql = "SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? LIMIT 1"
        return self.conn.execute(sql, [phrase]).fetchone() is not None

    def _first(self, condition: str, params: list[str]) -> bool:
        if not self._ready:
            # A temp table: no write to the archive, so read-only archives work too.
            # 'instance' reads one entry of a term; 'row' would count its whole doclist.
            self.conn.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {_TERMS}"
                " USING fts5vocab(main, articles_fts, instance)"
            )
            self._ready = True
        self.lookups += 1
        sql = f"SELECT term FROM {_TERMS} WHERE {condition} LIMIT 1"
        row = self.conn.execute(sql, params).fetchone()
        if row is None:
            return False
        self.seen.add(row[0])
        return True


@dataclass
class _Expansion:
    vocabulary: _Vocabulary
    notes: list[str]
    alternatives: int = 0
    full: list[str] = field(default_factory=list)  # words met once the query was full
    _cache: dict[tuple[str, bool, bool], list[str]] = field(default_factory=dict)

    def phrase(self, typed: str, text: str, prefix: bool) -> str | None:
        """The OR group replacing ``typed`` (a word or "phrase", * included), or None."""
        tokens = words(text)
        if not tokens:
            return None
        # Only a phrase's first word takes attached prefixes: inside it, "rights and-humans"
        # for "human rights" would be another phrase.
        last = len(tokens) - 1
        per_token = [
            self.spellings(token, prefix and i == last, attach=i == 0)
            for i, token in enumerate(tokens)
        ]
        if all(len(spellings) == 1 for spellings in per_token):
            return None
        total = 1
        for spellings in per_token:
            total *= len(spellings)
        room = MAX_ALTERNATIVES - self.alternatives
        if room < 2:
            self.full.append(typed)  # one note for them all (see expand())
            return None
        if total <= MAX_PHRASES:
            combos = list(itertools.product(*per_token))
        else:
            # Too many to search them all: only those the texts hold, as typed first.
            combos = self._occurring(per_token, prefix)
            if len(combos) > MAX_PHRASES:
                self.notes.append(
                    f"{shown(typed, _IN_NOTE)} is in the archive in {len(combos)} spellings; "
                    f"searched for {MAX_PHRASES}"
                )
                combos = combos[:MAX_PHRASES]
        if len(combos) > room:
            self.notes.append(
                f"{shown(typed, _IN_NOTE)}: searched for {room} of its {len(combos)} spellings "
                f"(a query holds at most {MAX_ALTERNATIVES})"
            )
            combos = combos[:room]
        if len(combos) < 2:
            return None
        self.alternatives += len(combos)
        star = " *" if prefix else ""
        # The first combination is the phrase as typed: keep the user's own text.
        spelled = [typed] + ['"' + " ".join(combo) + '"' + star for combo in combos[1:]]
        return "(" + " OR ".join(spelled) + ")"

    def _occurring(self, per_token: list[list[str]], prefix: bool) -> list[tuple[str, ...]]:
        """The phrase as typed, then the combinations of spellings that some text holds,
        found word by word (a phrase no text begins with is not extended)."""
        typed = tuple(spellings[0] for spellings in per_token)
        partial: list[tuple[str, ...]] = [()]
        for k, spellings in enumerate(per_token):
            last = k == len(per_token) - 1
            longer = [done + (spelling,) for done in partial for spelling in spellings]
            if k:
                star = " *" if prefix and last else ""
                longer = [
                    combo
                    for combo in longer
                    if self.vocabulary.has_phrase('"' + " ".join(combo) + '"' + star)
                ]
            partial = longer
        return [typed, *(combo for combo in partial if combo != typed)]

    def spellings(self, token: str, prefix: bool, attach: bool = True) -> list[str]:
        """``token`` first, then its other spellings that the index holds (a prefix's: that
        some term begins with), and with ``attach`` its forms with attached prefixes
        (storage/clitics.py), at most MAX_SPELLINGS."""
        key = (token, prefix, attach)
        if key not in self._cache:
            found = self._walk(token, prefix)
            self._cache[key] = self._attached(found, prefix) if attach else found
        return self._cache[key]

    def _holds(self, form: str, prefix: bool) -> bool:
        vocabulary = self.vocabulary
        return vocabulary.has_prefix(form) if prefix else vocabulary.has_term(form)

    def _attached(self, found: list[str], prefix: bool) -> list[str]:
        """``found`` and the forms of its first spelling with an attached prefix (Arabic,
        Hebrew: storage/clitics.py) that the index holds, at most MAX_SPELLINGS in all."""
        forms = [form for form in attached(found[0]) if form not in found]
        if not forms:
            return found
        # One look-up a form, each reading one entry of the index (an IN list over the
        # 'instance' table read every occurrence of every form: 0.5 s a word at 50,000).
        held = [form for form in forms if self._holds(form, prefix)]
        room = MAX_SPELLINGS - len(found)
        if len(held) > room:
            word = shown(found[0], _IN_NOTE)
            self.notes.append(
                f"{word}: searched with {room} of its {len(held)} prefixed forms "
                f"(at most {MAX_SPELLINGS} spellings a word)"
            )
        return found + held[:room]

    def _walk(self, token: str, prefix: bool) -> list[str]:
        folded = fold(token)
        if not any(plain in folded for plain in _ALTERNATIVES):
            return [token]
        vocabulary = self.vocabulary
        budget = vocabulary.lookups + MAX_LOOKUPS
        stopped = ""

        def has_prefix(text: str) -> bool:
            nonlocal stopped
            if vocabulary.lookups >= budget:
                stopped = f"after {MAX_LOOKUPS} look-ups in the index"
                return False
            return vocabulary.has_prefix(text)

        found = [token]
        for spelling in _candidates(folded, has_prefix):
            if spelling == token or not (prefix or vocabulary.has_term(spelling)):
                continue
            if len(found) == MAX_SPELLINGS:
                stopped = f"at {MAX_SPELLINGS} spellings"
                break
            found.append(spelling)
        if stopped:
            word = shown(token, _IN_NOTE)
            self.notes.append(f"{word}: the search for its spellings stopped {stopped}")
        return found


def _candidates(folded: str, has_prefix: Callable[[str], bool]) -> Iterator[str]:
    """Spellings of ``folded`` that some term begins with: depth first, unmarked letters
    first, so the unaccented spelling comes out first, then one mark from the left.
    A stack, not recursion: a pasted token may be thousands of letters long."""
    stack = [("", 0)]
    while stack:
        done, i = stack.pop()
        j = _next_choice(folded, i)
        done += folded[i:j]
        if j == len(folded):
            yield done
            continue
        branches = []
        for letters, used in _options_at(folded, j):
            # Probe with the fixed letters that follow, up to the next choice.
            after = _next_choice(folded, j + used)
            if has_prefix(done + letters + folded[j + used : after]):
                branches.append((done + letters, j + used))
        stack.extend(reversed(branches))


def _next_choice(folded: str, i: int) -> int:
    while i < len(folded) and not _options_at(folded, i):
        i += 1
    return i


def _options_at(folded: str, i: int) -> list[tuple[str, int]]:
    """The letters that may stand at ``folded[i:]``, with how many folded letters each covers."""
    options: list[tuple[str, int]] = []
    for size in range(1, _LONGEST + 1):
        plain = folded[i : i + size]
        if len(plain) == size and plain in _ALTERNATIVES:
            if not options:
                options.append((folded[i], 1))
            options += [(marked, size) for marked in _ALTERNATIVES[plain]]
    return options


def _lex(query: str) -> list[tuple[str, int, int, str]] | None:
    """FTS5's tokens of ``query`` as (kind, start, end, text); None if FTS5 would not parse it."""
    tokens = []
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
        elif char in _PUNCTUATION:
            tokens.append((char, i, i + 1, char))
            i += 1
        elif char == '"':
            end = closing_quote(query, i)
            if end is None:
                return None  # unterminated: FTS5 says so
            tokens.append(("string", i, end + 1, query[i + 1 : end].replace('""', '"')))
            i = end + 1
        elif _bareword_char(char):
            start = i
            while i < n and _bareword_char(query[i]):
                i += 1
            word = query[start:i]
            kind = word if word in OPERATORS else "bareword"
            tokens.append((kind, start, i, word))
        else:
            return None  # a syntax error FTS5 reports itself
    return tokens


# An item: (start, end, phrase, wordless) of a run of FTS5 syntax; phrase is (start,
# end, text, prefix) of a word or "phrase" an OR group may replace, else None;
# wordless: a phrase with no word ("", ^"", ""+"", title:""), which FTS5 leaves out
# of an implicit AND. Operators and brackets are items with end == -1.
_Item = tuple[int, int, "tuple[int, int, str, bool] | None", bool]


def _items(tokens: list[tuple[str, int, int, str]]) -> list[_Item] | None:
    """``tokens`` as operators and FTS5's cnearsets ([columns:] phrase, ^phrase, a+b,
    NEAR(...)); None for syntax this does not follow (FTS5 will report it).

    Only a cnearset that is one word or "phrase" (optionally with * and a column
    filter) may become an OR group: FTS5 takes only phrases inside NEAR(), after ^
    and around +.
    """
    items: list[_Item] = []
    n = len(tokens)

    def kind(j: int) -> str | None:
        return tokens[j][0] if j < n else None

    i = 0
    while i < n:
        if kind(i) in ("AND", "OR", "NOT", "(", ")"):
            items.append((tokens[i][1], -1, None, False))
            i += 1
            continue
        start = tokens[i][1]
        j = i + 1 if kind(i) == "-" else i
        if kind(j) == "{":
            while kind(j) not in ("}", None):
                j += 1
            j += 1
            if kind(j) != ":":
                return None
            j += 1
        elif kind(j) in ("bareword", "string") and kind(j + 1) == ":":
            j += 2
        elif j != i:
            return None  # a - that starts no column filter
        if j != i and kind(j) == "(":  # columns:(expr) is a bracket, not a cnearset
            items.append((start, -1, None, False))
            i = j + 1
            continue
        if kind(j) == "bareword" and tokens[j][3] == "NEAR" and kind(j + 1) == "(":
            while kind(j) not in (")", None):
                j += 1
            if j == n:
                return None
            items.append((start, tokens[j][2], None, False))
            i = j + 1
            continue
        caret = kind(j) == "^"
        first = j + 1 if caret else j
        j = first
        while True:
            if kind(j) not in ("bareword", "string"):
                return None
            j += 2 if kind(j + 1) == "*" else 1
            if kind(j) != "+":
                break
            j += 1
        end = tokens[j - 1][2]
        single = not caret and j - first == (2 if kind(first + 1) == "*" else 1)
        phrase = (tokens[first][1], end, tokens[first][3], kind(first + 1) == "*")
        texts = (tokens[k][3] for k in range(first, j) if kind(k) in ("bareword", "string"))
        wordless = not any(words(text) for text in texts)
        items.append((start, end, phrase if single else None, wordless))
        i = j
    return items


def _runs(items: list[_Item]) -> Iterator[list[int]]:
    """Indexes of the items that are adjacent cnearsets (FTS5's implicit AND), run by run."""
    run: list[int] = []
    for index, item in enumerate(items):
        if item[1] == -1:
            if run:
                yield run
            run = []
        else:
            run.append(index)
    if run:
        yield run


def _bareword_char(char: str) -> bool:
    return char >= "\x80" or char.isalnum() or char in "_\x1a"


def _is_latin(char: str) -> bool:
    return "a" <= char <= "z" or "\u00c0" <= char < "\u0250" or "\u1e00" <= char < "\u1f00"


def _accent(char: str) -> bool:
    return "\u0300" <= char <= "\u036f"
