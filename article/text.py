"""An article's body as blocks, and the plain text and Markdown rendered from them.

Example::

    >>> render("Title", [("p", "One.", "One.")])
    ('Title\\n\\nOne.', '# Title\\n\\nOne.')

Extraction cuts a page into blocks; the archive keeps them and counts them
per source (:mod:`storage.profiles`, keyed by :func:`block_hash`) and rebuilds
a stored text with :func:`render` when the profile changes. Both sides use
these definitions, so a block dropped at extraction and a block counted by
the archive are the same block.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

# (kind, plain text, markdown). kind: "p", "h1".."h6", "li" (a list item),
# "quote", "code" or "row" (a table row). Plain text of a list item has no marker;
# render() adds "- ".
Block = tuple[str, str, str]


def normalise(text: str) -> str:
    """The form of a block that is compared: case-folded, whitespace collapsed.

    >>> normalise("  Donate\\u00a0NOW ")
    'donate now'
    """
    return " ".join(text.split()).casefold()


def block_hash(text: str) -> int:
    """A signed 64-bit hash of the normalised block text (an SQLite INTEGER).

    >>> block_hash("Donate now") == block_hash("donate  NOW")
    True
    """
    digest = hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def render(title: str | None, blocks: Sequence[Block]) -> tuple[str, str]:
    """Plain text and Markdown of a release: title, then blocks.

    >>> text, md = render("T", [("p", "One.", "One."), ("li", "a", "- a"), ("li", "b", "- b")])
    >>> text
    'T\\n\\nOne.\\n\\n- a\\n\\n- b'
    >>> md
    '# T\\n\\nOne.\\n\\n- a\\n- b'

    Plain text separates every block by a blank line (list items keep a "- ");
    Markdown keeps list items and table rows of one run on consecutive lines and
    adds the header rule a table needs.
    """
    plain: list[str] = [title] if title else []
    md: list[str] = [f"# {title}"] if title else []
    previous = ""
    for kind, text, markdown in blocks:
        plain.append(f"- {text}" if kind == "li" else text)
        if kind == "row" and not markdown.startswith("|"):
            kind = "p"  # a layout table's cell: its paragraphs (extraction/blocks.py)
        if kind == previous and kind in ("li", "row"):
            md[-1] += "\n" + markdown
        elif kind == "row":
            cells = max(1, len(re.findall(r"(?<!\\)\|", markdown)) - 1)
            md.append(markdown + "\n|" + "---|" * cells)
        else:
            md.append(markdown)
        previous = kind
    return "\n\n".join(plain), "\n\n".join(md)
