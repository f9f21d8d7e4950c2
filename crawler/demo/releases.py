"""Archive-ready release dicts from the demo text generator, for benchmarks and tests.

    >>> first = next(releases(1))
    >>> first["source"], first["language"], first["text"].startswith(first["title"])
    ('rwd', 'fr', True)

Release ``i`` is the same on every call (text.py is a pure function of seed
and index), so archives built from ``releases(n)`` are reproducible. Four
invented sources, each with its own seed and share of French releases; texts
of 200-800 words like real press releases. About 0.2 ms per release.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crawler.demo.text import english_blocks, french_blocks, french_core, release_core

# (source, seed, share of releases in French)
SOURCES: tuple[tuple[str, int, float], ...] = (
    ("rwd", 1, 0.3),
    ("ministry", 2, 0.6),
    ("unwire", 3, 0.1),
    ("eudesk", 4, 0.4),
)
EXTRACTOR = "trafilatura 2.3.1"


def releases(count: int, start: int = 0) -> Iterator[dict[str, Any]]:
    """Yield releases ``start`` .. ``start + count - 1`` as dicts for Archive.save_articles()."""
    for i in range(start, start + count):
        name, seed, french_share = SOURCES[i % len(SOURCES)]
        k = i // len(SOURCES)
        core = release_core(seed, k)
        if (k * 7919) % 100 < french_share * 100:
            fr = french_core(core, seed)
            title, dek, tags, language = fr.title, fr.dek, core.tags_fr, "fr"
            blocks = french_blocks(core, fr, seed)
        else:
            title, dek, tags, language = core.title, core.dek, core.tags, "en"
            blocks = english_blocks(core, seed)
        yield {
            "url": f"https://{name}.example/{language}/news/{k}",
            "source": name,
            "title": title,
            "description": dek,
            "authors": list(core.authors),
            "date_published": core.published.isoformat(),
            "language": language,
            "tags": tags,
            "text": "\n\n".join([title, dek, *(block.text for block in blocks)]),
            "extractor": EXTRACTOR,
        }
