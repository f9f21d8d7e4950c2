"""Measure reading an archive: size, search latency, export time and memory, against baselines.

    python bench/query.py                      # 100,000 releases (about 5 minutes)
    python bench/query.py --articles 20000     # a quick run
    python bench/query.py --keep bench-out     # keep the archive and exports there

Builds an archive of generated releases (fixtures/demo/releases.py: four
sources, English and French, 200-800 words each), then prints:

- archive size per 1,000 releases;
- search latency (median, 95th percentile, max) over QUERIES, for
  ``Archive.search`` (also with two filters, which takes its other path, see
  storage/search.py) and, as the baseline, sqlite-utils' own ``Table.search``
  on the same file (ranked by FTS5's plain ``rank``, no snippets);
- time and peak memory to export everything to JSONL and Parquet, for
  ``storage.export`` and, as baselines, a plain ``SELECT *`` written row by row
  with json.dumps (JSONL) or fetched whole into pyarrow (Parquet). Each export
  runs in a fresh child process; memory is its peak RSS (VmHWM) minus its RSS
  just before the export began, measured at a smaller size first (``--small``)
  and at the full size, so that flat memory shows as equal numbers. The four
  exports run ``--rounds`` times, interleaved (each round in a rotated order),
  so that a burst of load elsewhere on the machine hits pressroom and its
  baseline alike; the table shows medians, and the ratio is that of the
  medians, with the range of the per-round ratios beside it.

Goals (issue 6): median search under 20 ms (with and without filters); export
at least as fast as the plain baseline (the goal line says in how many rounds
it was), with memory flat in archive size. Numbers are from a warm page cache
(the archive was just written), which is how a researcher re-running exports
sees it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# run as a script: make the packages importable; first, before bench/ (whose extraction.py
# would shadow the extraction package).
sys.path.insert(0, str(ROOT))

from fixtures.demo.releases import releases  # noqa: E402
from storage import Archive, export  # noqa: E402

# A researcher's mix: names, phrases, prefixes, booleans, title-only, French,
# and a few very common words (which the median should survive, and the p95 shows).
QUERIES = (
    "Chad",
    "Burundi",
    "Kenya",
    "Tchad",
    '"enforced disappearances"',
    '"sexual violence"',
    '"tear gas"',
    '"human rights"',
    "refug*",
    "journalist*",
    "torture AND police",
    "election* NOT Russia",
    "title:Chad",
    "title:(Kenya OR Uganda)",
    "amnesties",
    "spyware",
    "evictions",
    "femmes",
    "justice",
    "independent investigation",
)
# Every query above matches something in the generated archive (from 0.4% to 77%
# of releases): a query that finds nothing costs nothing and would flatter the median.
BATCH = 5000
EXPORTS = ("pressroom jsonl", "plain SELECT jsonl", "pressroom parquet", "plain SELECT parquet")


def build(path: Path, start: int, count: int) -> float:
    """Add releases start..start+count-1 to the archive; return the seconds it took."""
    began = time.perf_counter()
    with Archive(path) as archive:
        run = archive.start_run("bench", {"source_file": "bench.toml"})
        for first in range(start, start + count, BATCH):
            size = min(BATCH, start + count - first)
            archive.save_articles(releases(size, first), run)
        archive.finish_run(run, "ok", {})
        archive.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - began


def time_searches(path: Path, repeat: int) -> dict[str, list[float]]:
    """Milliseconds per search, for pressroom and for sqlite-utils' Table.search."""
    timings: dict[str, list[float]] = {
        "pressroom search": [],
        "pressroom search, source + since": [],
        "sqlite-utils Table.search": [],
    }
    with Archive(path, readonly=True) as archive:
        table = archive.db["articles"]
        # sqlite-utils recognises content="articles" or content=[articles], not the
        # content='articles' our migration wrote; tell it the index by hand.
        table.detect_fts = lambda: "articles_fts"  # type: ignore[method-assign]
        runs = {
            "pressroom search": lambda q: archive.search(q, limit=20),
            "pressroom search, source + since": lambda q: archive.search(
                q, source="rwd", since="2023-01-01", limit=20
            ),
            "sqlite-utils Table.search": lambda q: list(table.search(q, limit=20)),
        }
        for name, run in runs.items():
            for query in QUERIES:  # warm-up, not timed
                run(query)
            for _ in range(repeat):
                for query in QUERIES:
                    began = time.perf_counter()
                    run(query)
                    timings[name].append((time.perf_counter() - began) * 1000)
    return timings


def child(kind: str, db: str, out: str) -> None:
    """Run one export in this (fresh) process and print its time and memory as JSON."""
    import pyarrow  # noqa: F401  imported before the baseline RSS, for every kind alike
    import pyarrow.parquet as pq

    rss_before = _status_kb("VmRSS")
    began = time.perf_counter()
    if kind == "pressroom jsonl":
        with Archive(db, readonly=True) as archive, open(out, "w", encoding="utf-8") as fp:
            rows = export(archive, fp, "jsonl")
    elif kind == "pressroom parquet":
        with Archive(db, readonly=True) as archive, open(out, "wb") as fp:
            rows = export(archive, fp, "parquet")
    else:
        import sqlite3

        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        cursor = conn.execute("SELECT * FROM articles")
        names = [column[0] for column in cursor.description]
        if kind == "plain SELECT jsonl":
            rows = 0
            with open(out, "w", encoding="utf-8") as fp:
                for row in cursor:
                    fp.write(
                        json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False) + "\n"
                    )
                    rows += 1
        else:
            table = pyarrow.Table.from_pylist(
                [dict(zip(names, row, strict=True)) for row in cursor]
            )
            pq.write_table(table, out, compression="zstd")
            rows = table.num_rows
        conn.close()
    seconds = time.perf_counter() - began
    peak = _status_kb("VmHWM")
    print(json.dumps({"rows": rows, "seconds": seconds, "rss_kb": peak - rss_before}))


def _status_kb(field: str) -> int:
    # VmHWM, not getrusage()'s ru_maxrss: Linux carries ru_maxrss over from the
    # parent process across fork and exec, so a child of a big parent reports
    # the parent's size. VmHWM belongs to this process's own memory map.
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status (Linux only)")


def measure_exports(db: Path, folder: Path, rounds: int) -> dict[str, list[dict[str, Any]]]:
    """Every export kind ``rounds`` times, interleaved; one result per round and kind."""
    results: dict[str, list[dict[str, Any]]] = {kind: [] for kind in EXPORTS}
    for round_ in range(rounds):
        shift = round_ % len(EXPORTS)
        for kind in EXPORTS[shift:] + EXPORTS[:shift]:
            suffix = ".parquet" if "parquet" in kind else ".jsonl"
            out = folder / (kind.replace(" ", "-") + suffix)
            done = subprocess.run(
                [sys.executable, __file__, "--child", kind, str(db), str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            results[kind].append({**json.loads(done.stdout), "bytes": out.stat().st_size})
            out.unlink()
    return results


def median_of(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="releases (default 100000)")
    parser.add_argument("--small", type=int, default=None, help="first size (default N/5)")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes over QUERIES")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved export rounds")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "DB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    small = args.small or args.articles // 5
    folder = args.keep or Path(tempfile.mkdtemp(prefix="pressroom-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bench.db"
    for leftover in (db, db.with_name("bench.db-wal"), db.with_name("bench.db-shm")):
        leftover.unlink(missing_ok=True)

    print(f"building {small:,} releases ...", file=sys.stderr)
    build_seconds = build(db, 0, small)
    exports = {small: measure_exports(db, folder, args.rounds)}
    print(f"building {args.articles:,} releases ...", file=sys.stderr)
    build_seconds += build(db, small, args.articles - small)
    exports[args.articles] = measure_exports(db, folder, args.rounds)
    print("searching ...", file=sys.stderr)
    searches = time_searches(db, args.repeat)

    n = args.articles
    size = db.stat().st_size
    with Archive(db, readonly=True) as archive:
        text_bytes = archive.db.execute("SELECT sum(length(text)) FROM articles").fetchone()[0]
        languages = dict(archive.db.execute("SELECT language, count(*) FROM articles GROUP BY 1"))
        sources = archive.db.execute("SELECT count(DISTINCT source) FROM articles").fetchone()[0]
    print()
    print(f"archive: {n:,} releases, {sources} sources, languages {languages}")
    print(f"  built in {build_seconds:.0f} s ({n / build_seconds:,.0f} releases/s)")
    print(
        f"  file: {size / 1e6:,.0f} MB = {size / 1e3 / (n / 1000):,.0f} kB per 1,000 releases"
        f" (text alone: {text_bytes / 1e3 / (n / 1000):,.0f} kB per 1,000)"
    )
    print()
    print(f"search, {len(QUERIES)} queries x {args.repeat}, limit 20   median      p95      max")
    for name, values in searches.items():
        print(
            f"  {name:<44}{statistics.median(values):7.1f} ms"
            f"{percentile(values, 0.95):7.1f} ms{max(values):7.1f} ms"
        )
    for name in ("pressroom search", "pressroom search, source + since"):
        met = statistics.median(searches[name]) < 20
        print(f"  goal median < 20 ms, {name}: {'met' if met else 'NOT met'}")
    print()
    title = f"export all, median of {args.rounds} rounds"
    print(f"{title:<34}releases   seconds  releases/s   peak RSS   file")
    for count, results in exports.items():
        for kind, runs in results.items():
            seconds = median_of(runs, "seconds")
            print(
                f"  {kind:<30}{count:>10,}{seconds:9.2f}{runs[0]['rows'] / seconds:12,.0f}"
                f"{median_of(runs, 'rss_kb') / 1024:9.0f} MB{runs[0]['bytes'] / 1e6:7.0f} MB"
            )
    full = exports[n]
    for fmt in ("jsonl", "parquet"):
        ours, plain = full[f"pressroom {fmt}"], full[f"plain SELECT {fmt}"]
        ratio = median_of(ours, "seconds") / median_of(plain, "seconds")
        # Each round's pressroom run against the same round's baseline run.
        rounds = [o["seconds"] / p["seconds"] for o, p in zip(ours, plain, strict=True)]
        faster = sum(r < 1 for r in rounds)
        growth = median_of(ours, "rss_kb") - median_of(exports[small][f"pressroom {fmt}"], "rss_kb")
        print(
            f"  {fmt}: pressroom takes {ratio:.2f}x the plain baseline's time"
            f" (rounds: {min(rounds):.2f}x-{max(rounds):.2f}x); its memory grew"
            f" {growth / 1024:+.0f} MB from {small:,} to {n:,}"
        )
        print(
            f"  goal {fmt} at least as fast as the baseline: "
            f"{'met' if ratio <= 1 else 'NOT met'} (faster in {faster} of {len(rounds)} rounds);"
            f" memory flat (grew < 10 MB): {'met' if growth < 10 * 1024 else 'NOT met'}"
        )
    if not args.keep:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
