"""Dump every field ``analyse()`` returns, one JSON line per page, for before/after checks.

    python bench/dump_extraction.py OUT.jsonl
    python bench/dump_extraction.py OUT.jsonl --without links   # drop a field new since

The pages: the article-extraction benchmark's 181 (when ``../shared/data`` is
present) and every page of the fixture site (both variants), each analysed as
a release with its links asked for, then once more with the profile of
boilerplate a crawl would learn. A restructuring must leave the file
byte-identical; ``cmp`` says whether it did.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# run as a script: make the `bench` package importable; first, before bench/ (whose extraction.py
# would shadow the extraction package).
sys.path.insert(0, str(ROOT))

from bench.datasets import DATA, load_sets  # noqa: E402
from extraction.extract import analyse  # noqa: E402
from extraction.rules import Rules  # noqa: E402
from fixtures.demo.site import build_site  # noqa: E402
from storage import Archive, profiles  # noqa: E402

BASE = "http://127.0.0.1:8000"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


def _row(name: str, result: Any, without: set[str]) -> str:
    data = _plain(result)
    for key in without:
        data.pop(key, None)
        if data.get("article"):
            data["article"].pop(key, None)
    return json.dumps({"page": name, **data}, sort_keys=True, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--without", action="append", default=[], help="drop this field")
    args = parser.parse_args(argv)
    without = set(args.without)
    lines = []
    for page in load_sets(DATA, ["aeb"]).get("aeb", []):
        url = page.url or f"https://example.org/{page.id}"
        result = analyse(page.raw(), url, Rules(min_words=0), release=True, want_links=True)
        lines.append(_row(f"bench/{page.id}", result, without))
    for variant in ("default", "alt"):
        site = build_site(36, variant=variant)
        pages = [(BASE + r.path, site.render(r.path, BASE).text) for r in site.releases]
        first = [analyse(h, u, Rules(), release=True, want_links=True) for u, h in pages]
        lines += [
            _row(f"{variant}{u[len(BASE) :]}", r, without)
            for (u, _), r in zip(pages, first, strict=True)
        ]
        with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "f.db") as archive:
            rows = [{**(r.article or {}), "url": r.url, "source": "fixture"} for r in first]
            archive.save_articles(rows, None)
            learnt = [(r.url, r.article["language"], r.template, r.blocks) for r in first]
            profiles.record(archive, "fixture", learnt)
            hashes = profiles.boilerplate(archive, "fixture")
        for url, html in pages:
            result = analyse(html, url, Rules(), release=True, want_links=True, boilerplate=hashes)
            lines.append(_row(f"{variant}+profile{url[len(BASE) :]}", result, without))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} pages -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
