"""The extraction pool: same results as inline; a dead or stuck worker costs one page, no more.

Every test runs the pool in its own event loop (``asyncio.run``), as the
spider's coroutine would, with real worker processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.pool import CRASHED, ExtractionPool
from extraction.nearblocks import edge_signatures
from extraction.rules import Rules
from fixtures.demo.site import build_site

BASE = "http://127.0.0.1:8000"
SITE = build_site(12)
ROOT = Path(__file__).resolve().parents[1]


def pages(count: int) -> list[tuple[str, str]]:
    """(html, url) of the first ``count`` English releases of the fixture site."""
    out = []
    for release in SITE.releases:
        if release.language == "en":
            out.append((SITE.render(release.path, BASE).body.decode("utf-8"), BASE + release.path))
        if len(out) == count:
            return out
    raise AssertionError("the fixture site has too few releases")


def analyse_all(pool: ExtractionPool, batch: list[tuple[str, str]]) -> list:
    async def run() -> list:
        try:
            return await asyncio.gather(
                *(pool.analyse(html, url, Rules(), release=True) for html, url in batch)
            )
        finally:
            pool.close()

    return asyncio.run(run())


def _pandas_imported() -> bool:
    return sys.modules.get("pandas") is not None


def test_workers_give_the_same_results_as_inline():
    batch = pages(4)
    inline = analyse_all(ExtractionPool(0), batch)
    pooled = analyse_all(ExtractionPool(2), batch)
    assert [r.kind for r in inline] == ["article"] * 4
    assert pooled == inline


def test_the_profile_sent_once_gives_the_same_results_as_inline():
    # Two profiles taking turns (a page judged before an update is read with the one
    # before): each is pickled once, and every page is read with its own.
    from article.text import block_hash
    from extraction.nearblocks import NearDuplicateIndex, groups

    batch = pages(6)
    first = analyse_all(ExtractionPool(0), batch)
    near = NearDuplicateIndex(min_pages=2)
    for result in first:
        texts = [b[1] for b in result.blocks]
        near.add(result.url, groups(result.article["language"], result.template), texts)
    last_two = frozenset(block_hash(b[1]) for b in first[0].blocks[-2:])
    first_two = frozenset(block_hash(b[1]) for b in first[0].blocks[:2])
    profiles = [last_two, first_two, last_two, first_two, last_two, last_two]
    assert near  # the fixture's contact blocks are learned: the profile drops something

    def run(pool: ExtractionPool) -> list:
        async def each() -> list:
            try:
                return await asyncio.gather(
                    *(
                        pool.analyse(
                            html,
                            url,
                            Rules(),
                            release=True,
                            boilerplate=profile,
                            near=near,
                            pack=True,
                        )
                        for (html, url), profile in zip(batch, profiles, strict=True)
                    )
                )
            finally:
                pool.close()

        return asyncio.run(each())

    pooled_pool = ExtractionPool(2)
    inline, pooled = run(ExtractionPool(0)), run(pooled_pool)
    assert [r.kind for r in inline] == ["article"] * 6
    assert [r.article["text"] for r in inline] != [r.article["text"] for r in first]
    assert pooled == inline
    sent = pooled_pool._sent["boilerplate"]  # one Shared a profile, each pickled once
    assert [s.value for s in sent] == [last_two, first_two]
    assert len({s._state[0] for s in sent}) == 2


def test_workers_pack_kept_pages_for_the_archive():
    from storage.captures import capture_row, decompress

    html, url = pages(1)[0]
    body = html.encode("utf-8")
    binary = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    pool = ExtractionPool(2)

    async def run() -> list:
        try:
            return await asyncio.gather(
                pool.analyse(body, url, Rules(), release=True, pack=True),
                pool.analyse(body, url, Rules(), release=True),
                pool.analyse(binary, url + "x", Rules(), release=True, pack=True),
            )
        finally:
            pool.close()

    packed, plain, png = asyncio.run(run())
    assert packed.kind == "article" and plain.packed is None
    assert decompress(packed.packed.blob) == body and packed.packed.size == len(body)
    # The same captures row as packing in the writer would give.
    here = capture_row(url, 200, {}, body, "text/html", fetched_at="t")
    assert capture_row(url, 200, {}, packed.packed, "text/html", fetched_at="t") == here
    assert png.kind == "failed" and png.packed is None  # binary bodies are never kept
    # The writer learns the near-repeated blocks from signatures the worker computed.
    texts = [b[1] for b in packed.blocks]
    assert packed.signatures == edge_signatures(texts) and plain.signatures is None


def test_a_worker_crash_fails_its_page_only_and_the_pool_recovers():
    batch = pages(6)
    pool = ExtractionPool(2)

    async def run() -> tuple[list, object, list]:
        try:
            first = pool.analyse(*batch[0], Rules(), release=True)  # the executor is warm
            await first
            # The crash breaks the executor under the pages in flight beside it;
            # they are retried, and only the crashing call is recorded as failed.
            crash = pool.run(f"{BASE}/crash", os._exit, 1)
            during = [pool.analyse(html, url, Rules(), release=True) for html, url in batch[:3]]
            results = await asyncio.gather(crash, *during)
            after = [
                await pool.analyse(html, url, Rules(), release=True) for html, url in batch[3:]
            ]
            return results[1:], results[0], after
        finally:
            pool.close()

    during, crashed, after = asyncio.run(run())
    assert crashed.kind == "failed" and crashed.reason == CRASHED
    assert crashed.url == f"{BASE}/crash"
    assert [r.kind for r in during] == ["article"] * 3
    assert [r.kind for r in after] == ["article"] * 3
    assert pool.crashes >= 1


def test_a_stuck_worker_is_a_failed_page_not_a_hung_crawl():
    html, url = pages(1)[0]
    pool = ExtractionPool(1, timeout=3)

    async def run() -> tuple:
        try:
            stuck = await pool.run(f"{BASE}/stuck", time.sleep, 3600)
            return stuck, await pool.analyse(html, url, Rules(), release=True)
        finally:
            pool.close()

    stuck, next_page = asyncio.run(run())
    assert stuck.kind == "failed" and "timed out" in stuck.reason
    assert next_page.kind == "article"


def test_workers_do_not_load_pandas():
    # sqlite-utils imports pandas whenever it is installed: ~70 MB a process.
    pool = ExtractionPool(1)

    async def run() -> bool:
        try:
            return await pool.run(BASE, _pandas_imported)
        finally:
            pool.close()

    assert asyncio.run(run()) is False


# What the crawl process imports to run a crawl (crawler/run.py, the spider, the writer).
CRAWL_IMPORTS = (
    "from crawler.startup import load_sqlite_utils; load_sqlite_utils(); import sys; "
    "import crawler.run, crawler.spiders.release, crawler.pipelines, crawler.extensions; "
    "print(sorted({'trafilatura', 'pypdf', 'extraction.pdf', 'extraction.metadata', "
    "'extraction.language'} & set(sys.modules)))"
)


def test_the_crawl_process_does_not_load_the_page_readers():
    # Workers read the pages; the crawl process only asks whether a response is a PDF.
    # Importing extraction.pdf for that loaded the metadata and language readers: some
    # 0.1 s of CPU at every crawl's start, and memory the crawl process never uses.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", CRAWL_IMPORTS], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


KILLED_PARENT = """
import asyncio, os, sys, time
from crawler.pool import ExtractionPool

async def main():
    pool = ExtractionPool(2)
    pids = await asyncio.gather(*(pool.run("x", os.getpid) for _ in range(4)))
    print(" ".join(map(str, sorted(set(pids)))), flush=True)
    time.sleep(3600)

asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent has not looked yet


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads process ids")
def test_workers_exit_when_the_crawl_process_is_killed():
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        workers = [int(pid) for pid in proc.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # A liveness deadline, not a speed check: each worker looks once a second.
    deadline = time.monotonic() + 60
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


CRASH_WHILE_SUBMITTING = """
import asyncio, os
from fixtures.demo.site import build_site
from crawler.pool import ExtractionPool
from extraction.nearblocks import edge_signatures
from extraction.rules import Rules

site = build_site(12)
pages = [
    (site.render(r.path, "http://127.0.0.1:8000").body.decode(), "http://127.0.0.1:8000" + r.path)
    for r in site.releases if r.language == "en"
][:4]

async def main():
    pool = ExtractionPool(2)
    for _ in range(10):
        await pool.analyse(*pages[0], Rules(), release=True)
        # A worker dies while more pages are being handed to the executor.
        results = await asyncio.gather(
            pool.run("crash", os._exit, 1),
            *(pool.analyse(html, url, Rules(), release=True) for html, url in pages[1:]),
        )
        assert [r.kind for r in results] == ["failed", "article", "article", "article"], results
    pool.close()
    print("closed", pool.crashes, flush=True)

asyncio.run(main())
"""


def test_a_crash_while_pages_are_submitted_leaves_nothing_hanging():
    # CPython's executor, after a crash, could wait forever for a worker that
    # submit() started meanwhile: the crawl then hung at exit. 10 rounds made
    # the old pool hang in most runs.
    done = subprocess.run(
        [sys.executable, "-c", CRASH_WHILE_SUBMITTING],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[:1] == ["closed"]
    assert int(done.stdout.split()[1]) >= 10
