"""The cluster path's cost: one machine vs a coordinator and 2 workers, same site, same run.

    python bench/cluster.py                     # the 5,000-release fixture site
    python bench/cluster.py --releases 1000     # quicker
    python bench/cluster.py --no-faults         # skip the kill and restart runs
    python bench/cluster.py --repeat 3          # 3 pairs, alternated; the median ratio

The fixture site (:mod:`fixtures.demo`) is served and warmed as in bench/crawl.py
(:class:`bench.crawl.Server`). Then, each crawl into a fresh archive:

one machine   ``pressroom crawl --sitemap URL`` (2 extraction processes)
cluster       ``pressroom crawl --sitemap URL --redis URL`` and two
              ``pressroom worker --workers 1 --exit-when-idle --allow-private-addresses``,
              started together, against a fresh ``redis-server`` (appendonly, as deployed)

Reported: pages/s (timed from start to the coordinator's exit), CPU of all
processes, Redis's peak memory (INFO memory) and commands per page (INFO stats
``total_commands_processed`` delta / pages: top-level commands, of which a
pipelined batch is one round trip for many), the writer alone (articles/s into
a fresh archive in batches of 50, captures included: the limit of one archive),
and a scale table computed from those. Then the fault run: 2 workers, one
SIGKILLed and replaced 5 times at random moments, Redis restarted once; it
prints URLs lost and rows duplicated against the one-machine archive.

Everything runs on this machine: on 2 cores the site, Redis, the coordinator
and both workers share the CPU, so the cluster cannot be faster here; the
question is its overhead.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from redis_server import RedisServer  # noqa: E402

from bench.crawl import CORES, Server, _load, _proc_cpu, _tree, fetch, page_urls  # noqa: E402

PROGRAM = shutil.which("pressroom") or "pressroom"


def cpu_of(pids: set[int], seen: dict[int, float], owner: dict[int, int] | None = None) -> None:
    for root in list(pids):
        for pid in _tree(root):
            seen[pid] = _proc_cpu(pid) or seen.get(pid, 0.0)
            if owner is not None:
                owner[pid] = root


class Run:
    """Processes started together; CPU sampled over their trees until they end."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.cpu: dict[int, float] = {}
        self.owner: dict[int, int] = {}  # pid -> the started process whose tree holds it
        self.redis_peak = 0
        self._done = threading.Event()
        self._redis: RedisServer | None = None
        self.before = resource.getrusage(resource.RUSAGE_CHILDREN)

    def start(self, argv: list[str], log: Path) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def sample(self, redis: RedisServer | None = None) -> None:
        self._redis = redis
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        client = self._redis.client(socket_timeout=1) if self._redis else None
        while not self._done.is_set():
            cpu_of({p.pid for p in self.procs}, self.cpu, self.owner)
            if client is not None:
                if self._redis and self._redis.process is not None:
                    pid = self._redis.process.pid
                    self.cpu[pid] = _proc_cpu(pid) or self.cpu.get(pid, 0.0)
                    self.owner[pid] = pid
                with contextlib.suppress(Exception):  # restarting
                    used = client.info("memory")["used_memory"]
                    self.redis_peak = max(self.redis_peak, int(used))
            self._done.wait(0.1)

    def stop(self) -> float:
        self._done.set()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        reaped = (after.ru_utime - self.before.ru_utime) + (after.ru_stime - self.before.ru_stime)
        return max(reaped, sum(self.cpu.values()))

    def by_root(self, roots: dict[int, str]) -> dict[str, float]:
        """CPU seconds by role: {name: seconds} for the processes' trees named in ``roots``."""
        out: dict[str, float] = {}
        for pid, seconds in self.cpu.items():
            root = self.owner.get(pid, pid)
            name = roots.get(root, "other") + ("" if pid == root else " (its processes)")
            out[name] = out.get(name, 0.0) + seconds
        return out


# Commands only pressroom's Lua scripts run (counted by INFO commandstats too).
INSIDE_SCRIPTS = set(
    [
        "setbit",
        "incr",
        "zrangebyscore",
        "zpopmin",
        "time",
        "xadd",
        "hexists",
        "hmget",
        "lpop",
        "rpush",
        "zscore",
        "hget",
        "hdel",
        "zrem",
        "zadd",
        "hset",
        "expire",
    ]
)


def commands(redis: RedisServer) -> dict[str, int]:
    stats = redis.client().info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def calls(before: dict[str, int], after: dict[str, int]) -> tuple[int, int, int]:
    """(Lua scripts run, other commands sent, commands the scripts ran inside) between two reads."""
    delta = {k: v - before.get(k, 0) for k, v in after.items()}
    scripts = delta.get("evalsha", 0) + delta.get("eval", 0)
    inside = sum(v for k, v in delta.items() if k in INSIDE_SCRIPTS)
    plain = sum(v for k, v in delta.items() if k not in INSIDE_SCRIPTS) - scripts
    plain -= delta.get("info", 0)  # this benchmark's own sampling
    return scripts, plain, inside


def by_name(before: dict[str, int], after: dict[str, int]) -> list[tuple[str, int]]:
    """Commands sent between two reads, most first (scripts' inner commands included)."""
    delta = {k: v - before.get(k, 0) for k, v in after.items() if k != "info"}
    return sorted(((k, v) for k, v in delta.items() if v), key=lambda kv: -kv[1])


def stored(db: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT url, text_hash FROM articles"))


def failed(db: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {u for (u,) in conn.execute("SELECT url FROM failures")}


def duplicated(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        a = conn.execute("SELECT count(*) - count(DISTINCT url) FROM articles").fetchone()[0]
        f = conn.execute("SELECT count(*) - count(DISTINCT url) FROM failures").fetchone()[0]
        p = conn.execute("SELECT count(*) - count(DISTINCT url) FROM pages").fetchone()[0]
    return int(a + f + p)


def summary(log: Path) -> str:
    lines = [x for x in log.read_text(errors="replace").splitlines() if x.startswith("run ")]
    return lines[-1] if lines else log.read_text(errors="replace")[-500:]


def one_machine(server: Server, work: Path) -> dict:
    db = work / "one.db"
    run = Run()
    start = time.perf_counter()
    proc = run.start([PROGRAM, "crawl", "--sitemap", f"{server.url}/sitemap.xml", "--db", str(db)],
                     work / "one.log")  # fmt: skip
    run.sample()
    proc.wait()
    wall = time.perf_counter() - start
    cpu = run.stop()
    roles = run.by_root({proc.pid: "crawl"})
    if proc.returncode:
        raise SystemExit(f"one-machine crawl failed: {summary(work / 'one.log')}")
    return {"db": db, "wall": wall, "cpu": cpu, "line": summary(work / "one.log"), "roles": roles}


def _median(runs: list[dict]) -> dict:
    """The run of median wall time (the lower middle of an even count)."""
    return sorted(runs, key=lambda m: m["wall"])[(len(runs) - 1) // 2]


def worker_argv(url: str) -> list[str]:
    return [PROGRAM, "worker", "--redis", url, "--workers", "1", "--exit-when-idle",
            "--allow-private-addresses"]  # fmt: skip


def cluster(server: Server, work: Path, name: str, extra: list[str], faults: bool = False) -> dict:
    db = work / f"{name}.db"
    redis = RedisServer(work / f"{name}-redis").start()
    try:
        before = commands(redis)
        run = Run()
        start = time.perf_counter()
        argv = [PROGRAM, "crawl", "--sitemap", f"{server.url}/sitemap.xml", "--db", str(db)]
        coordinator = run.start([*argv, "--redis", redis.url, *extra], work / f"{name}.log")
        workers = [run.start(worker_argv(redis.url), work / f"{name}-w{i}.log") for i in range(2)]
        run.sample(redis)
        events = []
        if faults:
            events = _faults(run, redis, coordinator, workers, work / name)
        coordinator.wait()
        wall = time.perf_counter() - start
        for proc in run.procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        cpu = run.stop()
        names = {p.pid: "worker" for p in run.procs}
        names[coordinator.pid] = "coordinator"
        if redis.process is not None:
            names[redis.process.pid] = "redis-server"
        roles = run.by_root(names)
        after = commands(redis)
        memory = redis.client().info("memory")
        left = len(list(redis.client().scan_iter(match="pressroom:*")))
    finally:
        redis.stop(kill=True)
    if coordinator.returncode:
        line = summary(work / f"{name}.log")
        raise SystemExit(f"{name} failed ({coordinator.returncode}): {line}")
    return {
        "db": db, "wall": wall, "cpu": cpu, "line": summary(work / f"{name}.log"),
        "calls": calls(before, after), "by_name": by_name(before, after),
        "redis_peak": run.redis_peak,
        "redis_after": int(memory["used_memory"]), "keys_left": left, "events": events,
        "roles": roles,
    }  # fmt: skip


def _faults(
    run: Run, redis: RedisServer, coordinator: subprocess.Popen[bytes], workers: list, prefix: Path
) -> list[str]:
    """Kill a worker 5 times (a fresh one replaces it) and restart Redis once, at random moments."""
    rng = random.Random(18)
    events = []
    kills, restarted, started = 0, False, time.monotonic()
    restart_at = rng.randrange(2, 5)  # after this many kills
    while coordinator.poll() is None and (kills < 5 or not restarted):
        time.sleep(rng.uniform(2.0, 6.0))
        if coordinator.poll() is not None:
            break
        if kills == restart_at and not restarted:
            redis.stop(kill=rng.random() < 0.5 and redis.fsync == "always")
            time.sleep(0.5)
            redis.start()
            restarted = True
            events.append(f"{time.monotonic() - started:5.1f}s Redis restarted")
            continue
        victim = rng.choice([w for w in workers if w.poll() is None] or [None])
        if victim is None:
            break
        victim.kill()
        victim.wait()
        kills += 1
        workers.remove(victim)
        log = prefix.with_name(f"{prefix.name}-r{kills}.log")
        workers.append(run.start(worker_argv(redis.url), log))
        events.append(f"{time.monotonic() - started:5.1f}s worker {victim.pid} SIGKILLed")
    return events


def writer_alone(source_db: Path, work: Path) -> tuple[int, float]:
    """Articles/s the single writer stores: the one-machine archive's rows and captures again."""
    from storage import Archive
    from storage.captures import Packed
    from storage.records import JSON_FIELDS

    with contextlib.closing(sqlite3.connect(source_db)) as conn:
        conn.row_factory = sqlite3.Row
        skip = {"id", "run_id", "first_seen", "last_fetched", "last_changed", "capture_hash"}
        rows = [{k: r[k] for k in r.keys() if k not in skip} for r in  # noqa: SIM118 (a Row)
                conn.execute("SELECT * FROM articles")]  # fmt: skip
        caps = {r["url"]: r for r in conn.execute("SELECT * FROM captures")}
    for row in rows:
        for key in JSON_FIELDS:
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
    db = work / "writer.db"
    start = time.perf_counter()
    with Archive(db) as archive:
        run_id = archive.start_run("bench")
        for i in range(0, len(rows), 50):
            batch = rows[i : i + 50]
            with archive.transaction():
                for row in batch:
                    cap = caps.get(row["fetched_url"]) or caps.get(row["url"])
                    if cap is not None:
                        packed = Packed(cap["hash"], cap["size"], cap["body"])
                        row["capture_hash"] = archive.save_capture(
                            row["url"], cap["status"], json.loads(cap["headers"] or "{}"),
                            packed, cap["content_type"])  # fmt: skip
                archive.save_articles(batch, run_id)
        archive.finish_run(run_id, "ok")
    return len(rows), len(rows) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--releases", type=int, default=5000)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="pairs of runs, alternated; medians reported"
    )
    args = parser.parse_args(argv)
    import redis as redis_py

    print(f"bench/cluster.py: {CORES} cores, load average {_load()} (shared machine), "
          f"{args.releases} releases, redis-py {redis_py.__version__}")  # fmt: skip
    server = Server(args.releases)
    work = Path(tempfile.mkdtemp(prefix="pressroom-cluster-"))
    status = 0  # 1 when the fault run lost, duplicated or changed anything
    try:
        urls = page_urls(server.url)
        fetch(urls)  # the server renders and keeps every page (see bench/crawl.py)
        pages = len(urls)
        ones, twos = [], []
        for i in range(max(1, args.repeat)):
            # Alternated, so a slow spell of this shared machine hits both sides alike.
            (work / f"pair{i}").mkdir()
            ones.append(one_machine(server, work / f"pair{i}"))
            twos.append(cluster(server, work / f"pair{i}", "cluster", []))
        one, two = _median(ones), _median(twos)
        print(f"\n{pages} pages listed by the sitemaps\n")
        if len(ones) > 1:
            pairs = ", ".join(
                f"{100 * a['wall'] / b['wall']:.0f}%" for a, b in zip(ones, twos, strict=True)
            )
            print(f"{len(ones)} pairs, cluster/one machine pages/s per pair: {pairs}; medians:")
        print(f"{'':14} {'wall s':>8} {'pages/s':>8} {'CPU s':>7} {'CPU ms/page':>11}")
        for name, m in (("one machine", one), ("coord+2 work", two)):
            print(f"{name:14} {m['wall']:8.1f} {pages / m['wall']:8.1f} {m['cpu']:7.1f} "
                  f"{1000 * m['cpu'] / pages:11.1f}")  # fmt: skip
        ratio = one["wall"] / two["wall"]
        print(f"\ncluster pages/s = {100 * ratio:.0f}% of one machine (goal >= 85%)")
        for name, m in (("one machine", one), ("coord+2 work", two)):
            roles = ", ".join(f"{k} {v:.1f}" for k, v in sorted(m["roles"].items()))
            print(f"CPU s by process, {name}: {roles}")
        print(f"one machine: {one['line']}\ncluster:     {two['line']}")
        same = stored(one["db"]) == stored(two["db"])
        print(f"same URLs and text hashes as one machine: {same}")
        scripts, plain, inside = two["calls"]
        per_page = (scripts + plain) / pages
        print(
            f"Redis: peak used_memory {two['redis_peak'] / 2**20:.1f} MB, after the crawl "
            f"{two['redis_after'] / 2**20:.1f} MB, crawl keys left {two['keys_left']}"
        )
        print(f"Redis calls per page: {per_page:.1f} ({scripts / pages:.1f} Lua scripts + "
              f"{plain / pages:.1f} plain commands; pipelined ones share a round trip); "
              f"the scripts ran {inside / pages:.1f} commands inside")  # fmt: skip
        top = ", ".join(f"{k} {v / pages:.2f}" for k, v in two["by_name"][:30])
        print(f"per page, by command (inner ones included): {top}")
        n, rate = writer_alone(one["db"], work)
        print(f"writer alone: {n} articles with captures in batches of 50: {rate:.0f} articles/s")
        worker_ms = 1000 * (two["cpu"] - 0) / pages  # whole-cluster CPU per page, upper bound
        print(
            "\nscale (computed): a worker machine of 2 cores at this CPU per page "
            f"({worker_ms:.1f} ms, whole cluster) fetches ~{2000 / worker_ms:.0f} pages/s"
        )
        print(f"{'workers':>8} {'pages/s':>9} {'writer load':>12} {'Redis cmds/s':>13}")
        for workers in (1, 2, 4, 8, 16, 32, 64):
            rate_all = workers * 2000 / worker_ms
            print(f"{workers:8d} {rate_all:9.0f} {100 * rate_all / rate:11.0f}% "
                  f"{rate_all * per_page:13.0f}")  # fmt: skip
        print(
            f"one coordinator feeds about {rate / (2000 / worker_ms):.0f} such workers before "
            "its writer is the limit; Redis (one thread, ~100k simple commands/s) is not"
        )
        if not args.no_faults:
            expected, expected_failed = stored(one["db"]), failed(one["db"])
            faulty = cluster(server, work, "faults", ["-s", "PRESSROOM_CLUSTER_LEASE=5"], True)
            print("\nfault run: " + "; ".join(e.strip() for e in faulty["events"]))
            got = stored(faulty["db"])
            lost = (set(expected) - set(got)) | (expected_failed - failed(faulty["db"]))
            changed = sum(1 for u, h in expected.items() if u in got and got[u] != h)
            twice = duplicated(faulty["db"])
            print(f"fault run: {faulty['line']}")
            print(f"URLs lost: {len(lost)} (must be 0); duplicated rows: "
                  f"{twice} (must be 0); texts differing: {changed}; "
                  f"wall {faulty['wall']:.1f} s")  # fmt: skip
            if lost or twice or changed:
                print("fault run: FAILED (something was lost, duplicated or changed)")
                status = 1
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
