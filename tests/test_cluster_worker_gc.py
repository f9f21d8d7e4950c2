"""A worker's crawl runs with the collector of a one-machine crawl, and gives it back after."""

from __future__ import annotations

import gc
from typing import Any

from crawler.cluster import crawls, worker


class _Signals:
    def connect(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Crawler:
    signals, stats, spider = _Signals(), None, None


class _Process:
    stop_signal = None

    def __init__(self) -> None:
        self.during: tuple[Any, ...] = ()

    def create_crawler(self, cls: type) -> _Crawler:
        return _Crawler()

    def crawl(self, crawler: _Crawler, **kwargs: Any) -> None:
        pass

    def start(self) -> None:
        self.during = (gc.get_threshold(), gc.get_freeze_count() > 0)


def test_the_crawl_collects_less_then_gives_the_collector_back(monkeypatch) -> None:
    process = _Process()
    monkeypatch.setattr(worker.stopping, "crawler_process", lambda settings: process)
    config = crawls.CrawlConfig(crawl="t-1", source={"name": "t"})
    before = gc.get_threshold()
    code, summary = worker._run_crawl("redis://127.0.0.1:1/0", config, 0, False, True)
    assert (code, "crawl t-1 not started") == (0, summary.split(": ", 1)[1].split(" - ")[0])
    # Startup objects frozen and a gen-0 threshold of 10,000, as crawler.run.crawl does:
    # the default cost the two workers of bench/cluster.py 1.24 s of 11.85 s CPU.
    assert process.during == ((10_000, 10, 10), True)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
