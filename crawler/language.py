"""The language of a text, detected offline, checked against what the page declares.

    >>> detect("Les autorités doivent libérer sans délai les militants détenus et enquêter.")[0]
    'fr'
    >>> choose("The authorities must release the detained activists at once and open "
    ...        "an independent investigation into their arrest.", "fr")
    'en'

Detection uses py3langid, a naive Bayes model over byte n-grams (97 languages)
that ships inside the package: no network, no download at run time. The model
is loaded once per process, on first use (about half a second).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

# Below this many letters a text says too little to overrule the page.
MIN_LETTERS = 60
# Confidence (a probability) the detector needs to overrule a declared language.
OVERRULE = 0.9
# Detection reads at most this much text: a few paragraphs are plenty.
SAMPLE = 1200

_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str | None, float]:
    """(ISO 639-1 code, probability) of ``text``; (None, 0.0) when it is too short."""
    sample = text[:SAMPLE]
    if len(_LETTERS.findall(sample)) < MIN_LETTERS:
        return None, 0.0
    code, probability = _identifier().classify(sample)
    return code, float(probability)


def declared(value: str | None) -> str | None:
    """The ISO 639-1 part of a declared language ("en-GB", "fr_FR", "EN").

    >>> declared("en-GB"), declared("fr_FR"), declared(""), declared("x-default")
    ('en', 'fr', None, None)
    """
    match = re.match(r"\s*([a-zA-Z]{2,3})(?:$|[-_\s])", value or "")
    if not match or match.group(1).lower() in ("x", "und", "mul", "zxx"):
        return None
    return match.group(1).lower()


def choose(text: str, page_lang: str | None) -> str | None:
    """The language to store: the page's, unless the text clearly says otherwise.

    A page's ``lang`` is often a site-wide default (an English template around a
    French release), so a confident detection wins; a short or ambiguous text
    keeps the declared language; with no declaration the detection is used.
    """
    page = declared(page_lang)
    code, probability = detect(text)
    if code is None:
        return page
    if page is None or code == page:
        return code
    return code if probability >= OVERRULE else page
