"""Fault injection (issue 7): every fault, how often it was tried, how often pressroom coped.

    python bench/faults.py                  # 2 rounds of hostile crawls, 20 SIGKILLs
    python bench/faults.py --rounds 1 --kills 5

Serves the fault site (``fixtures.faults``) on 127.0.0.1 and runs the real
``pressroom crawl`` in subprocesses:

- each round, a healthy crawl, then the hostile site crawled twice: into a
  fresh archive, and ``--full`` into the healthy one; every fault is judged
  by ``fixtures.faults.judge``, the rules ``tests/test_faults.py`` asserts;
- robots.txt with Crawl-delay, failing with 503 and never answering; the
  crawler traps (calendar, session IDs, growing queries, a link farm);
- the archive read-only, on a full disk (a tmpfs, when run as root), locked by
  another writer, corrupt in its header and in its pages;
- SIGKILL at a random moment of a crawl, ``--kills`` times, each followed by a
  run that must complete the archive.

Prints one row per fault: runs, passed, and data lost (stored articles lost or
changed for the worse; must be 0). Exits 1 if any run failed or lost data.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.demo.site import build_site  # noqa: E402
from fixtures.faults import (  # noqa: E402
    FAULTS,
    Snapshot,
    corrupt_archive,
    judge,
    kill_during,
    serve_faults,
    snapshot,
)
from fixtures.sources import write_source  # noqa: E402

BACKOFF = 0.5
OPTIONS = ("-s", "DOWNLOAD_TIMEOUT=2", "-s", f"PRESSROOM_RETRY_BACKOFF={BACKOFF}")


class Table:
    def __init__(self) -> None:
        self.rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # runs, passed, lost
        self.problems: list[str] = []

    def add(self, fault: str, passed: bool, lost: int = 0, problem: str = "") -> None:
        row = self.rows[fault]
        row[0] += 1
        row[1] += bool(passed)
        row[2] += lost
        if not passed or lost:
            self.problems.append(f"{fault}: {problem or 'failed'}")

    def print(self) -> None:
        width = max(len(name) for name in self.rows)
        print(f"\n{'fault':<{width}}  {'runs':>5}  {'passed':>6}  {'data lost':>9}")
        for name, (runs, passed, lost) in self.rows.items():
            print(f"{name:<{width}}  {runs:>5}  {passed:>6}  {lost:>9}")
        runs = sum(r[0] for r in self.rows.values())
        passed = sum(r[1] for r in self.rows.values())
        lost = sum(r[2] for r in self.rows.values())
        print(f"{'total':<{width}}  {runs:>5}  {passed:>6}  {lost:>9}")
        for problem in self.problems:
            print(f"  ! {problem}")


def crawl(
    source: Path, db: Path, *args: str, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crawler", "crawl", "--source", str(source)]
    return subprocess.run(
        [*prefix, *command, "--db", str(db), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


def one_line_error(result: subprocess.CompletedProcess, *words: str) -> bool:
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    return (
        result.returncode == 1
        and "Traceback" not in result.stderr
        and len(errors) == 1
        and all(word in errors[0] for word in words)
    )


def stored(db: Path) -> dict[str, str]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT url, text_hash FROM articles"))
    except sqlite3.Error:
        return {}
    finally:
        con.close()


def lost(before: dict[str, str], after: dict[str, str]) -> int:
    return sum(1 for url, h in before.items() if after.get(url) != h)


# --- the hostile site ---------------------------------------------------------------


def hostile_rounds(table: Table, work: Path, rounds: int) -> None:
    for round_ in range(rounds):
        with serve_faults() as server:
            here = work / f"round{round_}"
            here.mkdir()
            source = here / "faults.toml"
            source.write_text(server.source_text())
            healthy, fresh = here / "healthy.db", here / "fresh.db"
            started = time.monotonic()
            done = crawl(source, healthy, *OPTIONS)
            table.add("healthy crawl", done.returncode == 0, 0, done.stderr[-200:])
            before = snapshot(healthy)
            server.hostile = True
            for db, full, was in ((fresh, (), Snapshot()), (healthy, ("--full",), before)):
                server.clear_hits()  # judge each crawl's retries on its own requests
                server.hostile = True  # and reset the faults that recover after a few tries
                result = crawl(source, db, *full, *OPTIONS)
                table.add(
                    "hostile run finishes ok",
                    result.returncode == 0 and "Traceback" not in result.stderr,
                    0,
                    result.stderr[-300:],
                )
                after = snapshot(db)
                for verdict in judge(server, was, after, backoff=BACKOFF):
                    table.add(verdict.fault, verdict.passed, verdict.lost, verdict.problem)
            print(f"round {round_ + 1}: {time.monotonic() - started:.0f} s", file=sys.stderr)


# --- robots.txt and traps ---------------------------------------------------------------


def robots_and_traps(table: Table, work: Path) -> None:
    def source_for(*servers) -> Path:
        sitemaps = [f"{s.url}/sitemap.xml" for s in servers]
        return write_source(work / "robots.toml", "robots", sitemaps=sitemaps)

    site = build_site(4, translations_every=0)
    with serve_faults(site, robots="crawl-delay:1", faults=False) as server:
        result = crawl(source_for(server), work / "delay.db", "--workers", "0")
        times = [h.at for h in server.hits() if h.path != "/robots.txt"]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        ok = result.returncode == 0 and len(gaps) >= 4 and min(gaps) >= 0.9
        table.add("robots.txt Crawl-delay: 1", ok, 0, f"gaps {gaps}")
    one, two = (build_site(3, seed=n, translations_every=0) for n in (1, 2))
    with (
        serve_faults(one, robots="503", faults=False) as a,
        serve_faults(two, robots="stall", faults=False) as b,
    ):
        db = work / "robots.db"
        options = ("--workers", "0", "-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1")
        result = crawl(source_for(a, b), db, *options)
        ok = result.returncode == 0 and len(stored(db)) == 6
        table.add("robots.txt 503 and timeout", ok, 0, result.stderr[-300:])
    with serve_faults(faults=False) as server:
        source = work / "traps.toml"
        source.write_text(server.walk_source_text())
        db = work / "traps.db"
        result = crawl(
            source, db, "--workers", "0", "--depth", "30", "-s", "PRESSROOM_MAX_PER_TEMPLATE=40"
        )
        paths = [h.path for h in server.hits()]
        for trap, bound in (("calendar", 41), ("session", 4), ("grow", 21), ("farm", 41)):
            count = sum(
                1 for p in paths if p.split("?")[0].split(";")[0].startswith(f"/traps/{trap}")
            )
            table.add(f"trap: {trap}", result.returncode == 0 and count <= bound, 0, f"{count}")
        longest = max(len(p) for p in paths)
        table.add("trap: URL length", longest <= 2000, 0, f"{longest} characters")


# --- the archive ------------------------------------------------------------------------


def archive_faults(table: Table, work: Path) -> None:
    with serve_faults(build_site(12, translations_every=0), faults=False) as server:
        source = write_source(work / "site.toml", "site", sitemaps=[f"{server.url}/sitemap.xml"])
        base = work / "base.db"
        crawl(source, base, "--workers", "0", "--max-pages", "6")
        kept = stored(base)

        def copy(name: str, directory: Path = work) -> Path:
            db = directory / f"{name}.db"
            shutil.copy(base, db)
            return db

        db = copy("readonly")
        db.chmod(0o444)
        prefix: tuple[str, ...] = ()
        if os.geteuid() == 0 and shutil.which("setpriv"):
            caps = "-dac_override,-dac_read_search"
            prefix = ("setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}")
        if os.geteuid() != 0 or prefix:
            digest = _digest(db)
            result = crawl(source, db, "--workers", "0", prefix=prefix)
            ok = one_line_error(result, "cannot write") and _digest(db) == digest
            table.add("archive read-only", ok, lost(kept, stored(db)), result.stderr[-200:])

        point = work / "tiny"
        point.mkdir()
        size = base.stat().st_size + 96 * 1024
        mount = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)]
        if os.geteuid() == 0 and subprocess.run(mount, capture_output=True).returncode == 0:
            try:
                db = copy("full", point)
                result = crawl(source, db, "--workers", "0")
                ok = one_line_error(result, "disk is full") and _integrity(db) == "ok"
                table.add("archive on a full disk (tmpfs)", ok, lost(kept, stored(db)))
            finally:
                subprocess.run(["umount", str(point)], check=False)

        db = copy("locked")
        other = sqlite3.connect(db)
        other.execute("BEGIN IMMEDIATE")
        try:
            result = crawl(source, db, "--workers", "0")
        finally:
            other.rollback()
            other.close()
        ok = one_line_error(result, "locked by another writer")
        table.add("archive locked by another writer", ok, lost(kept, stored(db)))

        for where, words in (("header", "not a pressroom archive"), ("pages", "is corrupt")):
            db = copy(f"corrupt-{where}")
            corrupt_archive(db, where)
            digest = _digest(db)
            result = crawl(source, db, "--workers", "0")
            ok = one_line_error(result, words) and _digest(db) == digest
            table.add(f"archive corrupt ({where})", ok, 0, result.stderr[-200:])


def sigkills(table: Table, work: Path, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    releases = 30
    with serve_faults(build_site(releases, translations_every=0), faults=False) as server:
        source = write_source(work / "kill.toml", "site", sitemaps=[f"{server.url}/sitemap.xml"])
        truth = {server.release_url(i): server.releases[i].title for i in range(releases)}
        db = work / "killed.db"
        command = [sys.executable, "-m", "crawler", "crawl", "--source", str(source)]
        command += ["--db", str(db), "--workers", "0", "-s", "PRESSROOM_BATCH_SIZE=3"]
        landed = {"before its first article": 0, "after some articles": 0, "after it ended": 0}
        for kill in range(kills):
            before = stored(db) if db.exists() else {}
            # A random moment: before the run is recorded, or after n of its articles.
            target, jitter = rng.randrange(-2, releases), rng.uniform(0, 0.5)
            full = ["--full"] if before else []  # so that every killed run has work to do
            moment = kill_during(command + full, db, target, jitter, ROOT)
            landed[_landed(moment)] += 1
            problem = _consistent(db, truth, before) if db.exists() else ""
            after = stored(db) if db.exists() else {}
            done = crawl(source, db, "--workers", "0")
            complete = stored(db)
            if done.returncode != 0:
                problem += f" next run failed: {done.stderr.strip()[-200:]}"
            elif set(complete) != set(truth) or _consistent(db, truth, after):
                problem += " next run did not complete the archive"
            table.add(
                f"SIGKILL at a random moment (seed {seed})",
                not problem,
                lost(before, after),
                f"kill {kill + 1} {moment}:{problem}",
            )
            if kill % 4 == 3:  # now and then, start again from no archive at all
                for path in db.parent.glob(db.name + "*"):
                    path.unlink()
        print(f"{kills} SIGKILLs landed: {landed}", file=sys.stderr)


def _landed(moment: str) -> str:
    if "already finished" in moment:
        return "after it ended"
    return "after some articles" if moment.startswith("after ") else "before its first article"


def _consistent(db: Path, truth: dict[str, str], before: dict[str, str]) -> str:
    con = sqlite3.connect(db)
    try:
        if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return " integrity_check failed"
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master")}
        if "articles" not in tables:
            return ""
        con.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
        rows = con.execute("SELECT url, title, text_hash FROM articles").fetchall()
    except sqlite3.Error as exc:
        return f" {exc}"
    finally:
        con.close()
    if len({h for _, _, h in rows}) != len(rows):
        return " duplicated article"
    if any(truth.get(url) != title for url, title, _ in rows):
        return " wrong article"
    now = {url: h for url, _, h in rows}
    if any(now.get(url) != h for url, h in before.items()):
        return " article lost"
    return ""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _integrity(db: Path) -> str:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="healthy + 2 hostile crawls each")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs, each then completed")
    parser.add_argument("--seed", type=int, default=7, help="for the kill moments")
    args = parser.parse_args()
    table = Table()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pressroom-faults-") as tmp:
        work = Path(tmp)
        hostile_rounds(table, work, args.rounds)
        robots_and_traps(table, work)
        archive_faults(table, work)
        sigkills(table, work, args.kills, args.seed)
    print(
        f"{len(FAULTS)} server faults; {time.monotonic() - started:.0f} s in all", file=sys.stderr
    )
    table.print()
    bad = any(runs != passed or lost for runs, passed, lost in table.rows.values())
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
