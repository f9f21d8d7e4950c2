"""Benchmark: how much a nightly rerun costs when little changed (issue 4).

    python bench/recrawl.py                  # 5,000 releases, 5% edited, 2% added
    python bench/recrawl.py --releases 2000  # the smallest site issue 4 allows
    python bench/recrawl.py --only date-only # just the date-only-lastmod run

Serves the fixture site on 127.0.0.1 (ETag, Last-Modified, sitemap lastmod),
crawls it into a fresh archive with a source file (sitemaps + feed + listing),
edits 5% of the releases and adds 2%, crawls again, and prints both runs side by
side with their ratio. It also prints what keeping raw captures costs.

Then the same on a site whose sitemap ``<lastmod>`` is a bare date (read as
midnight), with releases edited later the same day as the first crawl: a
rerun must revise exactly those (issue 14; comparing lastmods with the
crawler's clock revised none of them).

5,000 releases by default, the size bench/crawl.py uses. A rerun that finds
nothing to fetch still costs about 0.75 s on this machine's 2 cores (Python,
Scrapy and the extraction workers starting, robots.txt, the sitemaps), which
is 4% of a first crawl of 2,000 releases but under 2% of one of 5,000: at
2,000 the time ratio is 0.11-0.12, at 5,000 0.08-0.09.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extraction import language  # noqa: E402
from fixtures.demo.server import serve  # noqa: E402
from fixtures.demo.site import build_site  # noqa: E402
from fixtures.sources import RELEASE_PATTERN, source_toml  # noqa: E402


def _source(base: str) -> str:
    # The fixture's source file as the recrawl measurements were made with: no
    # next_page (the /news listing's first page is enough), the appeal kept.
    return source_toml(
        "bench",
        discover={
            "sitemaps": [f"{base}/sitemap.xml"],
            "feeds": [f"{base}/news/feed.xml"],
            "listings": [f"{base}/news"],
        },
        articles={"allow": [RELEASE_PATTERN.format(base=base)]},
    )


def crawl(source: Path, db: Path, server) -> dict:
    before = len(server.requests.snapshot())
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "--source", str(source), "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stderr.strip().splitlines()[-1:]}")
    seen = server.requests.snapshot()[before:]
    return {"wall": wall, "seen": seen, "summary": result.stdout.strip()}


def describe(run: dict, release_paths: set[str]) -> dict[str, float]:
    seen = run["seen"]
    full = [p for _, p, s in seen if s == 200]
    return {
        "wall time (s)": run["wall"],
        "requests": len(seen),
        "200 responses": len(full),
        "304 responses": sum(1 for _, _, s in seen if s == 304),
        "releases downloaded": sum(1 for p in full if p in release_paths),
        "other pages downloaded": sum(1 for p in full if p not in release_paths),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=5000)
    parser.add_argument("--edit", type=float, default=0.05, help="share of releases edited")
    parser.add_argument("--add", type=float, default=0.02, help="share of releases added")
    parser.add_argument("--only", choices=["default", "date-only"], help="run one site only")
    args = parser.parse_args()

    # The first crawl on a machine unpacks the language model into a cache
    # (extraction/language.py), once; do it here so that neither timed run includes it.
    language.prepare()
    if args.only != "date-only":
        default_run(args)
    if args.only != "default":
        date_only_run(args)


def date_only_run(args: argparse.Namespace) -> None:
    """Bare-date lastmods, releases edited the same day after the first crawl."""
    site = build_site(args.releases, date_only_lastmod=True)
    with tempfile.TemporaryDirectory() as tmp, serve(site) as server:
        source = Path(tmp) / "bench.toml"
        source.write_text(_source(server.url))
        db = Path(tmp) / "bench.db"
        print(f"\nsite with date-only <lastmod>: {args.releases} releases")
        first = crawl(source, db, server)
        n_edit = int(args.releases * args.edit)
        edited = random.Random(2).sample(range(args.releases), n_edit)
        now = datetime.now(UTC)  # the same day as the first crawl, after it
        for index in edited:
            site.edit_release(index, f"Update: corrected later the same day ({index}).", when=now)
        print(f"  first crawl done; {n_edit} releases edited at {now:%Y-%m-%d %H:%M} UTC")
        second = crawl(source, db, server)
        paths = {r.path for r in site.releases}
        a, b = describe(first, paths), describe(second, paths)
        con = sqlite3.connect(db)
        revised = {u for (u,) in con.execute("select distinct url from revisions")}
        con.close()
        expected = {server.url + site.release(i).path for i in edited}
        print(
            f"  edited {len(expected)}, revised {len(revised)}: exactly the edited ones: ", end=""
        )
        print(revised == expected)
        print(
            f"  downloads (200 responses): first {a['200 responses']}, "
            f"rerun {b['200 responses']} (ratio {b['200 responses'] / a['200 responses']:.3f}); "
            f"releases downloaded on the rerun: {b['releases downloaded']}"
        )
        print(f"  wall time: first {a['wall time (s)']:.1f} s, rerun {b['wall time (s)']:.1f} s")
        print(f"  {second['summary']}")


def default_run(args: argparse.Namespace) -> None:
    site = build_site(args.releases)
    with tempfile.TemporaryDirectory() as tmp, serve(site) as server:
        source = Path(tmp) / "bench.toml"
        source.write_text(_source(server.url))
        db = Path(tmp) / "bench.db"
        print(f"site: {args.releases} releases ({len(site.releases)} pages with translations)")

        first = crawl(source, db, server)
        first_paths = {r.path for r in site.releases}
        n_edit = int(args.releases * args.edit)
        edited = random.Random(1).sample(range(args.releases), n_edit)
        now = datetime.now(UTC)
        for index in edited:
            site.edit_release(
                index, f"Update: this release was corrected (edit {index}).", when=now
            )
        added = site.add_releases(int(args.releases * args.add))
        second = crawl(source, db, server)
        paths = {r.path for r in site.releases}

        a, b = describe(first, first_paths), describe(second, paths)
        print(f"\nchange: {n_edit} releases edited, {len(added)} added\n")
        print(f"{'':26}{'first run':>12}{'second run':>12}{'ratio':>8}")
        for key in a:
            ratio = b[key] / a[key] if a[key] else float("nan")
            fmt = "{:>12.1f}" if isinstance(a[key], float) else "{:>12d}"
            print(f"{key:26}" + fmt.format(a[key]) + fmt.format(b[key]) + f"{ratio:>8.3f}")
        print(f"\n  {first['summary']}\n  {second['summary']}")

        con = sqlite3.connect(db)
        revised = {u for (u,) in con.execute("select distinct url from revisions")}
        expected = {server.url + site.release(i).path for i in edited}
        (n_articles,) = con.execute("select count(*) from articles").fetchone()
        n_caps, raw, packed = con.execute(
            "select count(*), sum(size), sum(length(body)) from captures"
        ).fetchone()
        con.close()
        extracted_only_changes = b["releases downloaded"] <= n_edit + len(added) + 40
        print("\ngoals:")
        print(
            f"  exactly the edited releases gained a revision: {revised == expected} "
            f"({len(revised)} revised, {len(expected)} edited)"
        )
        print(
            f"  second run downloads <= 10% of the first: "
            f"{b['200 responses'] <= 0.1 * a['200 responses']} "
            f"({b['200 responses']} vs {a['200 responses']})"
        )
        fast = b["wall time (s)"] <= a["wall time (s)"] / 10
        print(
            f"  second run time <= 1/10 of the first: {fast} "
            f"({b['wall time (s)']:.1f} s vs {a['wall time (s)']:.1f} s)"
        )
        print(
            f"  releases extracted ~ only edited + new (+ feed/listing pages): "
            f"{extracted_only_changes} ({b['releases downloaded']} vs "
            f"{n_edit} + {len(added)})"
        )
        print(
            f"\nraw captures: {n_caps} bodies, {raw / 1e6:.1f} MB raw -> {packed / 1e6:.1f} MB "
            f"zstd ({packed / raw:.1%}); {packed / n_articles * 1000 / 1e6:.1f} MB per 1,000 "
            f"articles ({n_articles} articles)"
        )


if __name__ == "__main__":
    main()
