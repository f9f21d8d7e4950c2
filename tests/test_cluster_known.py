"""Workers' view of the archive (known URLs, validators) and the cluster-wide --max-pages budget."""

from __future__ import annotations

import threading

from redis_server import redis_client, redis_server

from crawler.cluster.budget import SharedBudget
from crawler.cluster.keys import CrawlKeys
from crawler.cluster.known import KnownUrls, WorkerArchive
from storage import Archive

__all__ = ["redis_client", "redis_server"]  # fixtures, used by name


def test_the_coordinator_publishes_what_the_archive_knows(redis_client, tmp_path):
    rows = [
        {"url": "https://x.org/a", "title": "A", "text": "a", "source": "x", "etag": '"e1"'},
        {
            "url": "https://x.org/b",
            "fetched_url": "https://x.org/node/2",
            "title": "B",
            "text": "b",
            "source": "x",
            "http_last_modified": "Mon, 12 Jan 2026 09:30:00 GMT",
        },
        {"url": "https://y.org/c", "title": "C", "text": "c", "source": "y"},
    ]
    with Archive(tmp_path / "a.db") as archive:
        archive.save_articles(rows, None)
        known = KnownUrls(redis_client, CrawlKeys("k"))
        assert known.publish(archive, "x") == 3  # a, b and b's alias; not source y's
        asked = ["https://x.org/a", "https://x.org/node/2", "https://x.org/new", "https://y.org/c"]
        assert known.known(asked) == archive.known(asked) - {"https://y.org/c"}
        for url in ("https://x.org/a", "https://x.org/b"):
            mine, theirs = known.validators(url), archive.validators(url)
            assert (mine["etag"], mine["http_last_modified"]) == (
                theirs["etag"],
                theirs["http_last_modified"],
            )
    assert known.validators("https://x.org/new") is None
    view = WorkerArchive(known)
    view.prefetch(["https://x.org/a", "https://x.org/new"])
    known.add([{"url": "https://x.org/new", "etag": None}])  # written by the coordinator meanwhile
    assert view.known(["https://x.org/new"]) == set()  # the prefetched answer, for this page
    view.forget()
    assert view.known(["https://x.org/new", "https://x.org/a"]) == {
        "https://x.org/new",
        "https://x.org/a",
    }


def test_max_pages_is_one_budget_for_every_process(redis_server, redis_client):
    keys = CrawlKeys("b")
    admitted: list[str] = []
    lock = threading.Lock()

    def process(name: str) -> None:
        budget = SharedBudget(redis_server.client(), keys, limit=25)
        for i in range(40):  # every process tries 40 pages, half of them shared
            url = f"https://x.org/{i if i % 2 else name + str(i)}"
            if budget.admit(url):
                with lock:
                    admitted.append(url)

    threads = [threading.Thread(target=process, args=(n,)) for n in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(admitted)) == 25  # not 4 x 25
    assert SharedBudget(redis_client, keys, limit=25).spent() == 25
    assert SharedBudget(redis_client, keys, limit=25).admit(admitted[0])  # counted already
