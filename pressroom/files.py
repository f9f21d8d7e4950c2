"""Extraction on saved files: the same analysis as a crawl, without the network.

    >>> for record in extract_paths(["saved/"], Rules()):  # doctest: +SKIP
    ...     print(record["path"], record["title"], record["word_count"])

Files are HTML (``.html``, ``.htm``, ``.xhtml``), PDF, or either gzipped
(``.gz``); folders are walked for them, in name order. Each gives one record:
the path, the URL the page names for itself (its canonical link, else the
file's own ``file://`` URI), the kind ("article" or "failed"), the verdict
(``release``: true or false, and the ``reason`` when false), and every article
field extraction produced: a page refused as a release (too little text) still
shows the text that was read.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

from extraction import extract
from extraction.results import PageResult
from extraction.rules import Rules

SUFFIXES = (".html", ".htm", ".xhtml", ".pdf")


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files named, and the HTML/PDF files under the folders named, in order.

    Raises FileNotFoundError for a path that does not exist.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = (p for p in sorted(path.rglob("*")) if p.is_file() and _wanted(p))
            yield from found
        elif path.is_file():
            yield path
        else:
            raise FileNotFoundError(f"{raw}: no such file or folder")


def _wanted(path: Path) -> bool:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(SUFFIXES)


def read_page(path: Path) -> bytes:
    """The bytes of the page in a file, gunzipped when the file is gzip.

    Raises OSError for a file that cannot be read or a broken gzip (EOFError and
    zlib.error for a truncated or corrupt one).
    """
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def analyse_file(
    path: Path,
    rules: Rules,
    boilerplate: Collection[int] = frozenset(),
    url: str | None = None,
    near: Any = None,
    release: bool | None = True,
) -> PageResult:
    """The analysis of one file, as `pressroom extract` runs it (``url``: its file URI);
    ``release``: None lets the page decide, as a crawl without patterns does.

    bench/extraction.py scores this function, so that its numbers are the command's.
    """
    url = url or path.resolve().as_uri()
    try:
        data = read_page(path)
    except (OSError, EOFError, zlib.error) as exc:
        # One bad file of a folder is a failed record, not the end of the run. A file is
        # gzip by its first bytes, whatever its name: its errors say so.
        broken_gzip = isinstance(exc, (EOFError, zlib.error, gzip.BadGzipFile))
        what = "unreadable gzip" if broken_gzip else "unreadable file"
        return PageResult(url, "failed", reason=f"{what}: {exc}")
    if data.lstrip()[:5] == b"%PDF-":
        release = True  # a PDF given to extract is read as one; no verdict judges it
    # Bytes, as a crawl hands them over: extraction decodes them (the crawl's policy,
    # valid UTF-8 before a <meta> charset), reads a PDF as one, and refuses binary data.
    return extract.analyse(data, url, rules, release=release, boilerplate=boilerplate, near=near)


def extract_file(
    path: Path, rules: Rules, boilerplate: Collection[int] = frozenset(), near: Any = None
) -> dict[str, Any]:
    """One record for one file (see the module docstring); ``near``: the source's
    near-repeated edge blocks (:func:`crawler.profile.learned_near`)."""
    url = path.resolve().as_uri()
    # The page's own verdict, the crawl's (one function, extraction's classify). A page
    # it accepts is read exactly as a release is; a refused one is read again as one,
    # so that its text is shown beside the reason.
    result = analyse_file(path, rules, boilerplate, url, near, release=None)
    refused = result.reason if result.kind == "page" else None
    if refused:
        result = analyse_file(path, rules, boilerplate, url, near)
        if result.kind != "article":
            refused = None  # nothing to read as a release either: its failure says why
    release = result.kind == "article" and result.article is not None and not refused
    record: dict[str, Any] = {
        "path": str(path),
        "url": url,
        "kind": result.kind,
        "release": release,
        "reason": None if release else (refused or result.reason),
    }
    if result.article is None:
        return record
    article = dict(result.article)
    record["url"] = article.pop("canonical_url", None) or url
    article.pop("url", None)
    record.update(article)
    return record


def extract_paths(
    paths: Iterable[str | Path],
    rules: Rules,
    boilerplate: Collection[int] = frozenset(),
    near: Any = None,
) -> Iterator[dict[str, Any]]:
    """Records for every file in ``paths`` (folders walked), in order."""
    for path in iter_files(paths):
        yield extract_file(path, rules, boilerplate, near)
