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
two readings of one algorithm, and share its blind spots. On the 1,034 real
pages without article markup whose body was put to the vote (bench/vote_lab.py),
the best of four readings scores 0.03 F1 higher than the best of three.
"""

from __future__ import annotations

from functools import lru_cache

from article.text import Block

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


@lru_cache(maxsize=64)
def _stoplist(language: str | None) -> frozenset[str]:
    import justext

    name = _LISTS.get((language or "")[:2])
    if name is not None:
        return frozenset(justext.get_stoplist(name))
    return frozenset(w for name in justext.get_stoplists() for w in justext.get_stoplist(name))


def justext_blocks(html: str, language: str | None) -> list[Block]:
    """The paragraphs jusText keeps, as (kind, plain text, Markdown) blocks; [] on failure."""
    try:
        import justext
    except ImportError:  # pragma: no cover - installed with trafilatura
        return []
    try:
        paragraphs = justext.justext(html.encode("utf-8"), _stoplist(language), encoding="utf-8")
    except Exception:  # noqa: BLE001 - a voice that fails is no voice; the vote goes on
        return []
    out: list[Block] = []
    for paragraph in paragraphs:
        text = " ".join(paragraph.text.split())
        if paragraph.is_boilerplate or not text:
            continue
        out.append(("h2", text, f"## {text}") if paragraph.heading else ("p", text, text))
    return out
