"""The real-page sets bench/extraction.py scores, read from ``../shared/data``.

    >>> sets = load_sets(DATA, ["cleaneval"], limit=5)  # doctest: +SKIP
    >>> len(sets["cleaneval"]), sets["cleaneval"][0].truth[:40]  # doctest: +SKIP

Each set is a list of :class:`Page`: the raw bytes as saved (gzipped on disk),
the page's URL when the set knows it, the hand-checked body text and, for the
news set, the expected metadata. A set whose folder is missing is left out.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
# name -> folder under DATA, in the order the tables print them.
SETS = {
    "aeb": "article-extraction-benchmark",
    "cleaneval": "web-extraction-dev/cleaneval",
    "dragnet": "web-extraction-dev/dragnet",
    "news": "news-pages-dev",
}


@dataclass(frozen=True)
class Page:
    """One page: its set and id, the file, its URL (or None), body truth, expected fields."""

    set: str
    id: str
    path: Path
    url: str | None
    truth: str
    expected: dict[str, Any] = field(default_factory=dict)

    def raw(self) -> bytes:
        return gzip.decompress(self.path.read_bytes())


def load_sets(data: Path, names: list[str], limit: int | None = None) -> dict[str, list[Page]]:
    """The pages of each named set found under ``data``; ``limit``: a seeded sample of each."""
    out: dict[str, list[Page]] = {}
    for name in names:
        folder = data / SETS[name]
        pages = _news(folder) if name == "news" else _benchmark(name, folder)
        if pages is None:
            continue
        if limit is not None and limit < len(pages):
            pages = sorted(random.Random(name).sample(pages, limit), key=lambda p: p.id)
        out[name] = pages
    return out


def _benchmark(name: str, folder: Path) -> list[Page] | None:
    """AEB layout: ground-truth.json {id: {articleBody, url}} and html/<id>.html.gz."""
    truth_file = folder / "ground-truth.json"
    if not truth_file.is_file():
        return None
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    return [
        Page(name, page_id, folder / "html" / f"{page_id}.html.gz", entry.get("url"),
             entry["articleBody"])
        for page_id, entry in sorted(truth.items())
    ]  # fmt: skip


def _news(folder: Path) -> list[Page] | None:
    """news-pages-dev: expected.jsonl lines, the body joined from summary and sections."""
    lines_file = folder / "expected.jsonl"
    if not lines_file.is_file():
        return None
    pages = []
    for line in lines_file.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        expected = entry["expected"]
        pages.append(
            Page("news", entry["file"], folder / "html" / entry["file"], entry.get("url"),
                 news_body(expected.get("body") or {}), expected)
        )  # fmt: skip
    return pages


def news_body(body: dict[str, Any]) -> str:
    """
    >>> news_body({"summary": ["S."], "sections": [{"headline": ["H"], "paragraphs": ["P."]}]})
    'S.\\n\\nH\\n\\nP.'

    The article text of a news-pages-dev body: summary, then each section's headlines
    and paragraphs.
    """
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n\n".join(parts)
