"""The forms an Arabic or Hebrew word takes with its attached prefixes.

    >>> attached("تطعيم")[:4]
    ['التطعيم', 'وتطعيم', 'فتطعيم', 'بتطعيم']
    >>> attached("قدس")[:4]
    ['القدس', 'والقدس', 'بالقدس', 'للقدس']
    >>> "للقدس" in attached("القدس"), "בבית" in attached("הבית"), "מספר" in attached("ספר")
    (True, True, False)
    >>> attached("ים"), attached("news")
    ([], [])

Arabic writes "and", "so", "in", "like", "for", the future's "will" and the
article "the" as one word with the word they go with (والقدس: and the
Jerusalem; للأمم: for the nations); Hebrew does the same with "and", "the",
"in", "like", "to", "from" and "that" (בירושלים: in Jerusalem; והמורים: and
the teachers). The index (FTS5 unicode61) keeps each written word as one term,
so a search for القدس does not find والقدس. storage/spellings.py looks each
form up in the index and searches for those it holds.

Only prefixes are added, never taken off: a word typed with one (والقدس) is
searched as typed. Words under MIN_LETTERS letters are left alone, as light
stemmers do: a short word with a letter in front is often another word (Hebrew
ים "sea" and שים "put"); words under MIN_ANY take only the forms with the
article. What is not done: suffixes (pronouns: كتابه, ספרו),
spelling variants (Hebrew full and defective spelling; Arabic hamza seats, ة
and ه, ى and ي), and the prefixes' rarer combinations.
"""

from __future__ import annotations

# Most frequent first: past the bound on spellings (storage/spellings.py) the first stay.
_ARABIC = (
    "ال",
    "و",
    "ف",
    "ب",
    "ك",
    "ل",
    "وال",
    "بال",
    "لل",
    "فال",
    "كال",
    "وب",
    "ول",
    "وك",
    "فب",
    "فل",
    "فك",
    "وبال",
    "ولل",
    "وكال",
    "فبال",
    "فلل",
    "فكال",
    "س",
    "وس",
    "فس",
)
# ل before the article drops its alif: ل + القدس is للقدس.
_ARABIC_ARTICLE = "ال"
_ARABIC_LI = ("لل", "ولل", "فلل")
_HEBREW = (
    "ה",
    "ו",
    "ב",
    "ל",
    "מ",
    "ש",
    "כ",
    "וה",
    "וב",
    "ול",
    "ומ",
    "וש",
    "וכ",
    "שה",
    "שב",
    "של",
    "שמ",
    "שכ",
    "מה",
    "כש",
    "ומה",
    "ושה",
    "ושב",
    "ושל",
    "וכש",
    "לכש",
)
# ב, כ and ל before the article take its place: ב + הבית is בבית.
_HEBREW_ARTICLE = "ה"
_HEBREW_IN_ARTICLE = ("ב", "ל", "כ", "וב", "ול", "וכ", "שב", "של", "שכ", "ושב", "ושל")
MIN_LETTERS = 3
# From this length every prefix; shorter words take only the article and the forms that
# hold it: ספר (book) is also in מספר (number), جنة (paradise) in لجنة (committee),
# كرة (ball) in فكرة (idea).
MIN_ANY = 4


def attached(word: str) -> list[str]:
    """``word`` with each attached prefix its script has, most frequent first; [] for a
    word of another script or shorter than MIN_LETTERS letters."""
    if len(word) < MIN_LETTERS:
        return []
    if all("\u0621" <= char <= "\u064a" for char in word):  # Arabic's own letters
        prefixes, article, merged = _ARABIC, _ARABIC_ARTICLE, _ARABIC_LI
    elif all("\u05d0" <= char <= "\u05ea" for char in word):
        prefixes, article, merged = _HEBREW, _HEBREW_ARTICLE, _HEBREW_IN_ARTICLE
    else:
        return []
    if len(word) < MIN_ANY:
        # A three-letter word with a letter in front is often another word: only the
        # forms that hold the article ("the") are taken for it (Arabic's لل is ل + ال;
        # Hebrew's ב, כ, ל that take the article's place are also "in", "as", "to").
        prefixes = tuple(p for p in prefixes if article in p or p in _ARABIC_LI)
    forms = [prefix + word for prefix in prefixes]
    if word.startswith(article) and len(word) - len(article) >= MIN_LETTERS:
        forms += [prefix + word[len(article) :] for prefix in merged]
    return list(dict.fromkeys(form for form in forms if form != word))
