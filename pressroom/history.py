"""Readable views of a release's versions, for `pressroom history`.

Example::

    >>> versions = archive.history(url)           # doctest: +SKIP
    >>> print(diff(versions, 1, 2))               # doctest: +SKIP
"""

from __future__ import annotations

import difflib
from typing import Any

from storage import BadInput


def describe(versions: list[dict[str, Any]]) -> list[str]:
    """One line per version: number, when it was current, hash, size, title."""
    lines = []
    for v in versions:
        since = (v.get("first_fetched") or "")[:19]
        until = "now" if v.get("current") else (v.get("superseded_at") or "")[:19]
        words = len((v.get("text") or "").split())
        lines.append(
            f"v{v['version']}  {since} -> {until}  {(v.get('text_hash') or '')[:12]}  "
            f"{words} words  {v.get('title') or ''}"
        )
    return lines


def diff(versions: list[dict[str, Any]], a: int, b: int) -> str:
    """A unified diff, paragraph by paragraph, between versions ``a`` and ``b`` (1-based)."""
    for n in (a, b):
        if not 1 <= n <= len(versions):
            has = f"versions 1 to {len(versions)}" if len(versions) > 1 else "only version 1"
            raise BadInput(f"no version {n}: this release has {has}")
    old, new = versions[a - 1], versions[b - 1]

    def lines(v: dict[str, Any]) -> list[str]:
        head = [f"title: {v.get('title')}", f"date_modified: {v.get('date_modified')}"]
        return head + [p for p in (v.get("text") or "").split("\n\n") if p.strip()]

    out = difflib.unified_diff(
        lines(old), lines(new), fromfile=f"v{a}", tofile=f"v{b}", lineterm="", n=1
    )
    text = "\n".join(out)
    return text or f"v{a} and v{b} have the same title, dates and text"
