"""Plain-text tables for the terminal: `pressroom stats` and `pressroom runs`.

>>> print(aligned(["source", "articles"], [["hrw", 1204], ["amnesty", 87]], right={1}))
source   articles
hrw          1204
amnesty        87
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any


def aligned(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    right: Collection[int] = (),
    *,
    right_headers: bool = True,
) -> str:
    """``rows`` under ``headers`` in columns two spaces apart; the columns numbered in
    ``right`` (counts) right-aligned, their headers too unless ``right_headers`` is False
    (a header wider than its numbers then reads from the left, as the others)."""
    cells = [[str(h) for h in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        ragged = [
            cell.rjust(widths[i]) if i in right and (n or right_headers) else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(ragged).rstrip())
    return "\n".join(lines)
