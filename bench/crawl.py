"""Crawl throughput: pressroom vs a naive Scrapy project vs trafilatura alone, same pages.

    python bench/crawl.py                          # 5,000 releases, every measurement once
    python bench/crawl.py --repeat 3               # medians of 3 interleaved runs
    python bench/crawl.py --only pressroom --only naive -s CONCURRENT_ITEMS=100
    python bench/crawl.py --memory                 # pressroom's peak RSS at 5,000 and 20,000

The fixture site (:mod:`fixtures.demo`, pages of 60-65 KB with the boilerplate
blocks) is served by ``python -m fixtures.demo.server`` in its own process on
127.0.0.1; its own throughput is measured first, on pages it renders fresh. The
server then keeps every page it has rendered, and every page is fetched once before
the measurements: on two cores the server shares the CPU with the crawl, and a
real site renders its pages on its own machine. Every measurement then runs in
a subprocess of its own and is timed from outside: wall time, CPU time of the
whole process tree (``RUSAGE_CHILDREN`` deltas, so extraction workers count),
and peak RSS of the tree (the RSS of the process and all its descendants,
summed, sampled every 0.1 s from /proc). The server's CPU is reported apart.

Measurements (``--only`` picks some):

pressroom     ``pressroom crawl --sitemap URL/sitemap.xml --db fresh.db``
naive         a Scrapy ``SitemapSpider``; its item pipeline calls
              ``trafilatura.extract(html, url=..., with_metadata=True)`` and inserts
              each row with sqlite-utils. Scrapy's defaults except ROBOTSTXT_OBEY=True
              (pressroom obeys robots.txt too) and LOG_LEVEL=INFO (the default DEBUG
              prints a line per request and per item: console work, not crawl work)
fetch-only    the naive spider with no pipeline: Scrapy fetching every page and keeping
              nothing (the crawl's cost with no extraction and no archive)
ceiling-1     the same ``trafilatura.extract`` call over the same pages read from disk,
              one process
ceiling-pool  the same, in a pool of as many processes as cores (the goal's ceiling)
analyse-pool  pressroom's own extraction (``extraction.extract.analyse``) from disk, in a
              pool of as many processes as cores: the crawl's cost minus fetch and store

Goals (issue 5): pressroom >= 1.8x naive and >= 80% of ceiling-pool; peak RSS
< 400 MB, and at most 10% higher for 20,000 releases than for 5,000.

With fetch-only, analyse-pool and pressroom in one run, pressroom's CPU a page is
split three ways: fetching, extraction, and the rest (the archive, the profile,
captures, links, the re-vote). ``bound`` is the ceiling's CPU a page over
fetching plus extraction: what pressroom/ceiling-pool would be, the CPU being the
limit, if the rest cost nothing.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import gzip
import http.client
import json
import multiprocessing
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

ROOT = Path(__file__).resolve().parents[1]
# run as a script: make `crawler` importable; first, before bench/ (whose extraction.py
# would shadow the extraction package).
sys.path.insert(0, str(ROOT))

MEASUREMENTS = ("pressroom", "naive", "fetch-only", "ceiling-1", "ceiling-pool", "analyse-pool")
CORES = os.cpu_count() or 1
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SAMPLE_EVERY = 0.1  # seconds between RSS samples


# --- the fixture site, in its own process ------------------------------------


class Server:
    """``python -m fixtures.demo.server`` in a subprocess; ``url`` is its base URL."""

    def __init__(self, releases: int) -> None:
        self.releases = releases
        # Room for every page of the site (releases, translations, listings, static).
        cache = 2 * releases + 1000
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fixtures.demo.server",
                "--releases",
                str(releases),
                "--page-cache",
                str(cache),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"the demo server did not start (said {self.url!r})")

    def cpu_seconds(self) -> float:
        return _proc_cpu(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def page_urls(base: str) -> list[str]:
    """Every HTML page the sitemaps list and robots.txt allows: what each crawl fetches."""
    robots = RobotFileParser()
    robots.parse(_get(base + "/robots.txt").decode().splitlines())
    index = _get(base + "/sitemap.xml").decode()
    urls: list[str] = []
    for child in re.findall(r"<loc>(.*?)</loc>", index):
        body = _get(child)
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        urls += re.findall(r"<loc>(.*?)</loc>", body.decode())
    return [u for u in dict.fromkeys(urls) if robots.can_fetch("*", u)]


def _get(url: str) -> bytes:
    parts = urlsplit(url)
    conn = _connection(parts.netloc)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    for attempt in range(2):
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            break
        except (http.client.HTTPException, OSError):
            # A kept-alive connection the server closed: reconnect once.
            conn.close()
            conn = _connection(parts.netloc, fresh=True)
            if attempt:
                raise
    if response.status != 200:
        raise RuntimeError(f"{url}: HTTP {response.status}")
    return body


_local = threading.local()


def _connection(netloc: str, fresh: bool = False) -> http.client.HTTPConnection:
    """One keep-alive connection per thread."""
    conn = getattr(_local, "conn", None)
    if conn is None or fresh:
        conn = _local.conn = http.client.HTTPConnection(netloc, timeout=30)
    return conn


def fetch(urls: list[str], threads: int = 8, save_to: Path | None = None) -> tuple[float, float]:
    """GET every URL with a thread pool (saving bodies as NNNNNN.html); return (pages/s, MB)."""

    def one(item: tuple[int, str]) -> int:
        i, url = item
        body = _get(url)
        if save_to is not None:
            (save_to / f"{i:06d}.html").write_bytes(body)
        return len(body)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        sizes = list(pool.map(one, enumerate(urls)))
    seconds = time.perf_counter() - start
    if save_to is not None:
        (save_to / "urls.json").write_text(json.dumps(urls))
    return len(urls) / seconds, sum(sizes) / 1e6


# --- measuring a process tree -------------------------------------------------


@dataclass
class Measure:
    name: str
    pages: int
    wall: float
    cpu: float
    peak_rss_mb: float
    server_cpu: float = 0.0
    peak_pss_mb: float = 0.0
    main_cpu: float = 0.0  # the top process alone (the reactor, for a crawl)
    stored: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += children.get(pid, [])
    return pids


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return 0


def _pss(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def run_measured(name: str, argv: list[str], pages: int, server: Server | None) -> Measure:
    """Run ``argv`` to completion; its wall time, tree CPU and peak tree RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = server.cpu_seconds() if server else 0.0
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = peak_pss = 0
    cpu_seen: dict[int, float] = {}  # pid -> its own CPU seconds, last sample
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not done.is_set():
            pids = _tree(proc.pid)
            peak = max(peak, sum(_rss(pid) for pid in pids))
            peak_pss = max(peak_pss, sum(_pss(pid) for pid in pids))
            for pid in pids:
                cpu_seen[pid] = _proc_cpu(pid) or cpu_seen.get(pid, 0.0)
            done.wait(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Two lower bounds of the tree's CPU; the larger is the better one. RUSAGE_CHILDREN
    # is exact for every process reaped inside the tree, but misses processes that
    # outlive their parent (multiprocessing's fork server exits after the crawl, so
    # its workers are reaped by init). The samples see every process, but lose the
    # last 0.1 s of each.
    reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu = max(reaped, sum(cpu_seen.values()))
    main_cpu = cpu_seen.get(proc.pid, 0.0)
    server_cpu = (server.cpu_seconds() - server_before) if server else 0.0
    if proc.returncode != 0:
        tail = (err or out).decode(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{name} exited with {proc.returncode}: " + " | ".join(tail))
    measure = Measure(name, pages, wall, cpu, peak / 2**20, server_cpu, peak_pss / 2**20, main_cpu)
    lines = out.decode(errors="replace").strip().splitlines()
    measure.notes = [line for line in lines if line.startswith(("run ", "stored "))]
    return measure


def stored_rows(db: Path, table: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- the measurements ---------------------------------------------------------


def measure_pressroom(
    server: Server, pages: int, work: Path, extra: list[str], tag: str = "pressroom"
) -> Measure:
    db = work / f"{tag}.db"
    _remove_db(db)
    argv = [sys.executable, "-m", "crawler", "crawl", "--sitemap", f"{server.url}/sitemap.xml"]
    argv += ["--db", str(db), *extra]
    measure = run_measured(tag, argv, pages, server)
    measure.stored = stored_rows(db, "articles")
    return measure


def measure_naive(server: Server, pages: int, work: Path, store: bool = True) -> Measure:
    if not store:  # fetch-only
        argv = [sys.executable, __file__, "_naive", f"{server.url}/sitemap.xml", ""]
        return run_measured("fetch-only", argv, pages, server)
    db = work / "naive.db"
    _remove_db(db)
    argv = [sys.executable, __file__, "_naive", f"{server.url}/sitemap.xml", str(db)]
    measure = run_measured("naive", argv, pages, server)
    measure.stored = stored_rows(db, "articles")
    return measure


def measure_ceiling(name: str, pages_dir: Path, pages: int, workers: int, how: str) -> Measure:
    argv = [sys.executable, __file__, "_ceiling", str(pages_dir), str(workers), how]
    measure = run_measured(name, argv, pages, None)
    counts = [line for line in measure.notes if line.startswith("stored ")]
    measure.stored = int(counts[0].split()[1]) if counts else None
    return measure


def _remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


# --- the naive baseline (runs in its own process) -------------------------------


def naive_main(sitemap_url: str, db_path: str) -> None:
    """A Scrapy project as the tutorials write it: extraction in an item pipeline.

    With no ``db_path``, no pipeline: the pages are fetched and dropped (fetch-only).
    """
    import scrapy
    import sqlite_utils
    import trafilatura
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiders import SitemapSpider

    class NaiveSpider(SitemapSpider):
        name = "naive"
        sitemap_urls = [sitemap_url]

        def parse(self, response: scrapy.http.Response):  # type: ignore[override]
            if db_path:
                yield {"url": response.url, "html": response.text}

    class NaivePipeline:
        def open_spider(self) -> None:
            self.db = sqlite_utils.Database(db_path)

        def process_item(self, item: dict) -> dict:
            doc = trafilatura.extract(
                item["html"], url=item["url"], with_metadata=True, output_format="json"
            )
            if doc:
                data = json.loads(doc)
                row = {key: data.get(key) for key in ("title", "author", "date", "text")}
                self.db["articles"].insert({"url": item["url"], **row}, pk="url", replace=True)
            return {"url": item["url"]}

        def close_spider(self) -> None:
            self.db.close()

    process = CrawlerProcess(
        {
            "ROBOTSTXT_OBEY": True,
            "LOG_LEVEL": "INFO",
            "ITEM_PIPELINES": {NaivePipeline: 300} if db_path else {},
        }
    )
    process.crawl(NaiveSpider)
    process.start()


# --- the ceiling (runs in its own process) ---------------------------------------


def _trafilatura_file(job: tuple[str, str]) -> bool:
    import trafilatura

    path, url = job
    html = Path(path).read_bytes().decode("utf-8")
    return trafilatura.extract(html, url=url, with_metadata=True) is not None


def _analyse_file(job: tuple[str, str]) -> bool:
    from extraction.extract import analyse
    from extraction.rules import Rules

    path, url = job
    html = Path(path).read_bytes().decode("utf-8")
    return analyse(html, url, Rules(), release=None).kind == "article"


def ceiling_main(pages_dir: str, workers: int, how: str) -> None:
    """Extract every saved page; print how many gave an article."""
    folder = Path(pages_dir)
    urls = json.loads((folder / "urls.json").read_text())
    jobs = [(str(folder / f"{i:06d}.html"), url) for i, url in enumerate(urls)]
    extract = _analyse_file if how == "analyse" else _trafilatura_file
    if workers <= 1:
        results = list(map(extract, jobs))
    else:
        # fork: this process is single-threaded, and the ceiling should not pay
        # for spawning interpreters.
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            results = list(pool.map(extract, jobs, chunksize=8))
    print(f"stored {sum(results)}")


# --- reporting -------------------------------------------------------------------


def print_header(args: argparse.Namespace) -> None:
    import scrapy
    import trafilatura

    print(
        f"bench/crawl.py: {CORES} cores, Python {platform.python_version()}, "
        f"Scrapy {scrapy.__version__}, trafilatura {trafilatura.__version__}, "
        f"load average {_load()}"
    )
    if args.pressroom_args:
        print(f"pressroom crawl extra arguments: {' '.join(args.pressroom_args)}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_table(measures: list[Measure]) -> None:
    width = max(14, *(len(m.name) for m in measures))
    print(
        f"  {'measurement':<{width}} {'pages':>6} {'stored':>6} {'wall s':>7} {'pages/s':>8} "
        f"{'CPU s':>7} {'CPU ms/page':>11} {'main ms/page':>12} {'peak RSS MB':>11} "
        f"{'peak PSS MB':>11} {'server CPU s':>12}"
    )
    for m in measures:
        stored = "" if m.stored is None else str(m.stored)
        server = f"{m.server_cpu:12.1f}" if m.server_cpu else f"{'':>12}"
        print(
            f"  {m.name:<{width}} {m.pages:>6} {stored:>6} {m.wall:7.1f} {m.pages_per_s:8.1f} "
            f"{m.cpu:7.1f} {1000 * m.cpu / m.pages:11.1f} {1000 * m.main_cpu / m.pages:12.1f} "
            f"{m.peak_rss_mb:11.0f} {m.peak_pss_mb:11.0f} {server}"
        )


def ratios(by_name: dict[str, Measure]) -> dict[str, float]:
    out = {}
    ours = by_name.get("pressroom")
    if ours is None:
        return out
    for other, label in (
        ("naive", "pressroom/naive"),
        ("ceiling-pool", "pressroom/ceiling-pool"),
        ("analyse-pool", "pressroom/analyse-pool"),
    ):
        if other in by_name:
            out[label] = ours.pages_per_s / by_name[other].pages_per_s
    return out


GOALS = {"pressroom/naive": 1.8, "pressroom/ceiling-pool": 0.8}


def print_ratios(values: dict[str, float]) -> None:
    for label, value in values.items():
        goal = GOALS.get(label)
        verdict = ""
        if goal is not None:
            verdict = f"   (goal >= {goal:.2f}: {'met' if value >= goal else 'NOT met'})"
        print(f"  {label:<24} {value:5.2f}{verdict}")


def split(by_name: dict[str, Measure]) -> dict[str, float] | None:
    """pressroom's CPU ms a page as fetching, extraction and the rest; and the bound."""
    names = ("pressroom", "fetch-only", "analyse-pool", "ceiling-pool")
    if not all(name in by_name for name in names):
        return None
    ours, fetching, extraction, ceiling = (by_name[n].cpu / by_name[n].pages for n in names)
    return {
        "fetching": 1000 * fetching,
        "extraction": 1000 * extraction,
        "the rest": 1000 * (ours - fetching - extraction),
        "bound": ceiling / (fetching + extraction),
    }


def print_split(by_name: dict[str, Measure]) -> None:
    parts = split(by_name)
    if parts is None:
        return
    print(
        f"  pressroom's CPU a page: fetching {parts['fetching']:.1f} ms (fetch-only), "
        f"extraction {parts['extraction']:.1f} ms (analyse-pool), the rest "
        f"{parts['the rest']:.1f} ms (archive, profile, captures, links, re-vote)"
    )
    print(
        f"  bound: pressroom/ceiling-pool with the rest at 0 ms, the CPU the limit: "
        f"{parts['bound']:.2f}"
    )


def _spread(values: list[float]) -> str:
    med = statistics.median(values)
    if len(values) < 2 or med == 0:
        return f"{med:8.1f}"
    return f"{med:8.1f} ({min(values):.1f}-{max(values):.1f})"


def print_medians(runs: list[list[Measure]]) -> None:
    print(f"\nmedians of {len(runs)} runs (min-max in brackets):")
    names = [m.name for m in runs[0]]
    width = max(14, *(len(name) for name in names))
    for name in names:
        rows = [m for run in runs for m in run if m.name == name]
        print(
            f"  {name:<{width}} pages/s {_spread([m.pages_per_s for m in rows])}   "
            f"CPU s {_spread([m.cpu for m in rows])}   "
            f"peak RSS MB {_spread([m.peak_rss_mb for m in rows])}   "
            f"peak PSS MB {_spread([m.peak_pss_mb for m in rows])}"
        )
    per_run = [ratios({m.name: m for m in run}) for run in runs]
    if per_run and per_run[0]:
        print("ratios (each from one run; median, min-max):")
        for label in per_run[0]:
            values = [r[label] for r in per_run]
            goal = GOALS.get(label)
            med = statistics.median(values)
            verdict = ""
            if goal is not None:
                verdict = f"   (goal >= {goal:.2f}: {'met' if med >= goal else 'NOT met'})"
            print(f"  {label:<24} {med:5.2f} ({min(values):.2f}-{max(values):.2f}){verdict}")


# --- main ------------------------------------------------------------------------


def bench(args: argparse.Namespace, work: Path) -> None:
    wanted = args.only or list(MEASUREMENTS)
    server = Server(args.releases)
    try:
        urls = page_urls(server.url)
        pages = len(urls)
        sample = urls[: args.server_sample]
        rate, megabytes = fetch(sample)
        print(
            f"fixture site: {args.releases} releases, {pages} HTML pages in the sitemaps, "
            f"served from a separate process at {server.url}"
        )
        print(
            f"server throughput: {rate:.0f} pages/s "
            f"({len(sample)} fresh pages, 8 client threads, "
            f"{megabytes / len(sample) * 1000:.0f} KB/page)"
        )
        pages_dir = work / "pages"
        if any(name.startswith(("ceiling", "analyse")) for name in wanted):
            pages_dir.mkdir(exist_ok=True)
            _, megabytes = fetch(urls, save_to=pages_dir)
            print(f"saved {pages} pages ({megabytes:.0f} MB) to disk for the ceilings")
        else:
            fetch(urls)  # renders every page once; the server keeps them
        rate, _ = fetch(sample)
        print(f"server throughput, pages already rendered: {rate:.0f} pages/s")
        runs: list[list[Measure]] = []
        for k in range(args.repeat):
            print(f"\nrun {k + 1}/{args.repeat} (load average before: {_load()})")
            run = []
            for name in wanted:
                if name == "pressroom":
                    m = measure_pressroom(server, pages, work, args.pressroom_args)
                    run.append(m)
                    for label, extra in args.variant:
                        tag = f"pressroom[{label}]"
                        run.append(measure_pressroom(server, pages, work, extra, tag))
                    continue
                elif name == "naive":
                    m = measure_naive(server, pages, work)
                elif name == "fetch-only":
                    m = measure_naive(server, pages, work, store=False)
                elif name == "ceiling-1":
                    m = measure_ceiling(name, pages_dir, pages, 1, "trafilatura")
                elif name == "ceiling-pool":
                    m = measure_ceiling(name, pages_dir, pages, CORES, "trafilatura")
                else:
                    m = measure_ceiling(name, pages_dir, pages, CORES, "analyse")
                run.append(m)
            print_table(run)
            for m in run:
                for note in m.notes:
                    if note.startswith("run "):
                        print(f"  {m.name}: {note}")
            print_ratios(ratios({m.name: m for m in run}))
            print_split({m.name: m for m in run})
            runs.append(run)
        if args.repeat > 1:
            print_medians(runs)
    finally:
        server.stop()


def memory(args: argparse.Namespace, work: Path) -> None:
    sizes = (5000, 20000)
    peaks: dict[int, list[float]] = {size: [] for size in sizes}
    for size in sizes:
        server = Server(size)
        try:
            urls = page_urls(server.url)
            pages = len(urls)
            fetch(urls)  # render every page once, as bench() does
            print(f"\n{size} releases ({pages} pages), load average {_load()}")
            for _ in range(args.repeat):
                m = measure_pressroom(server, pages, work, args.pressroom_args, f"pressroom-{size}")
                print_table([m])
                peaks[size].append(m.peak_rss_mb)
        finally:
            server.stop()
    small, large = (statistics.median(peaks[s]) for s in sizes)
    ratio = large / small
    print(
        f"\npeak RSS (median of {args.repeat}): {small:.0f} MB at {sizes[0]} releases, "
        f"{large:.0f} MB at {sizes[1]}; ratio {ratio:.2f} "
        f"(goals: < 400 MB: {'met' if max(small, large) < 400 else 'NOT met'}; "
        f"<= 1.10: {'met' if ratio <= 1.10 else 'NOT met'})"
    )


def _variant(text: str) -> tuple[str, list[str]]:
    label, sep, extra = text.partition("=")
    if not sep or not label:
        raise argparse.ArgumentTypeError(f"expected LABEL=ARGS, got {text!r}")
    return label, shlex.split(extra)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_naive"]:
        naive_main(argv[1], argv[2])
        return 0
    if argv[:1] == ["_ceiling"]:
        ceiling_main(argv[1], int(argv[2]), argv[3])
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[3:]),
    )
    parser.add_argument("--releases", type=int, default=5000, help="English releases (+1/5 fr)")
    parser.add_argument("--repeat", type=int, default=1, help="runs; medians when > 1")
    parser.add_argument(
        "--only", action="append", choices=MEASUREMENTS, help="run only this (repeatable)"
    )
    parser.add_argument(
        "--memory", action="store_true", help="pressroom's peak RSS at 5,000 and 20,000 releases"
    )
    parser.add_argument("--workers", type=int, help="pressroom crawl --workers N")
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="pressroom crawl -s NAME=VALUE (repeatable)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        type=_variant,
        metavar="LABEL=ARGS",
        help="also run pressroom crawl with these extra arguments, right after the plain one, "
        "e.g. --variant 'w3=--workers 3' (repeatable)",
    )
    parser.add_argument("--server-sample", type=int, default=500, help="pages for server check")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    args.pressroom_args = (["--workers", str(args.workers)] if args.workers is not None else []) + [
        part for setting in args.set for part in ("-s", setting)
    ]
    print_header(args)
    from extraction import language

    # The first crawl on a machine unpacks the language model into a cache
    # (extraction/language.py), once; do it here so that no timed run includes it.
    language.prepare()
    work = args.keep or Path(tempfile.mkdtemp(prefix="pressroom-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.memory:
            memory(args, work)
        else:
            bench(args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
