"""jusText's reading of a page, as blocks: the vote's fourth voice on pages without article markup.

    >>> page = ("<html><body><div><a href='/'>Home</a> | <a href='/news'>News</a></div><p>"
    ...         + "The council approved the budget for the new school after a long debate. " * 4
    ...         + "</p><div>Copyright 2024</div></body></html>")
    >>> [kind for kind, _text, _md in justext_blocks(page, "en")]
    ['p']

jusText (Pomikálek, 2011) classifies a page's paragraphs by their length,
link density and share of the language's stop words; it was built for
CleanEval's pages. It fails differently from trafilatura and readability-lxml,
which is what a vote needs: pressroom's own pass and trafilatura's defaults are
two readings of one algorithm, and share its blind spots. On the 2,425 real pages
of bench/extraction.py, choosing the best reading with the truth known scores 0.9023
pooled F1 among three readings and 0.9237 with jusText's as a fourth on the pages
without article markup (``python bench/vote_lab.py``).
"""

from __future__ import annotations

import re
from functools import cache

from article.text import Block

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
# jusText's stop lists by ISO 639-1 code, for the languages pressroom meets most;
# any other language is read with every list at once (as trafilatura does).
_LISTS = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi",
    "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ko": "Korean",
    "lt": "Lithuanian", "lv": "Latvian", "nl": "Dutch", "no": "Norwegian_Bokmal",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak",
    "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
}  # fmt: skip


def _stoplist(language: str | None) -> frozenset[str]:
    return _named_stoplist(_LISTS.get((language or "")[:2]))


@cache  # at most one a list name, and one union of all (~19 MB)
def _named_stoplist(name: str | None) -> frozenset[str]:
    import justext

    if name is not None:
        return frozenset(justext.get_stoplist(name))
    return frozenset(w for each in justext.get_stoplists() for w in justext.get_stoplist(each))


def justext_blocks(html: str, language: str | None) -> list[Block]:
    """The paragraphs jusText keeps, as (kind, plain text, Markdown) blocks; [] on failure."""
    try:
        import justext
    except ImportError:  # pragma: no cover - installed with trafilatura
        return []
    # Control characters out, as for the other readings (extraction/parse.py): they
    # would reach the text (and NUL becomes U+FFFD).
    page = _CONTROL.sub(" ", html)
    try:
        paragraphs = justext.justext(page.encode("utf-8"), _stoplist(language), encoding="utf-8")
    except Exception:  # noqa: BLE001 - a voice that fails is no voice; the vote goes on
        return []
    out: list[Block] = []
    for paragraph in paragraphs:
        text = " ".join(paragraph.text.split())
        if paragraph.is_boilerplate or not text:
            continue
        out.append(("h2", text, f"## {text}") if paragraph.heading else ("p", text, text))
    return out
