"""--recheck-older-than goes round every archived release, removed ones included.

It re-validates the releases not fetched for the longest time, up to
--recheck-batch a run. A release the site has removed (404) is never fetched
again, so it stayed the oldest: it took a place in every night's batch, and as
many removed releases as the batch holds stopped the recheck for good (the
edits it exists to catch, under an unchanged lastmod, were never seen). The
batch is now taken by when each release was last asked for, failed or not.
"""

from __future__ import annotations

import time

from helpers import (
    QuietHandler,
    answered_robots_or_sitemap,
    harbour_release,
    run_cli,
    serving,
    sitemap_source,
)

RELEASES = [f"/news/{slug}" for slug in "abcdef"]


def _site(requests: list[str], gone: set[str]) -> type[QuietHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            requests.append(self.path)
            listed = [path for path in RELEASES if path not in gone]
            if answered_robots_or_sitemap(self, listed, "2024-11-02"):
                return
            if self.path in RELEASES and self.path not in gone:
                self.send_body(harbour_release(self.path.rsplit("/", 1)[1]))
            else:
                self.send_error(404)

    return Handler


def test_releases_the_site_removed_do_not_hold_the_recheck_batch_forever(tmp_path):
    requests: list[str] = []
    gone: set[str] = set()
    with serving(_site(requests, gone)) as url:
        source = sitemap_source(tmp_path / "rota.toml", "rota", f"{url}/sitemap.xml")
        db = tmp_path / "a.db"
        first = run_cli("crawl", "--source", str(source), "--db", str(db))
        assert first.returncode == 0, first.stderr
        assert "6 new" in first.stdout
        gone.update(RELEASES[:2])  # removed from the site (404) and from its sitemap
        asked = []
        for _ in range(3):
            time.sleep(1.1)  # last_fetched has one-second resolution
            requests.clear()
            again = run_cli(
                "crawl", "--source", str(source), "--db", str(db),
                "--recheck-older-than", "0h", "--recheck-batch", "2",
            )  # fmt: skip
            assert again.returncode == 0, again.stderr
            asked.append(sorted(p for p in requests if p in RELEASES))
    # Two a run, each release once in three runs: the removed ones in one of them only.
    assert [len(run) for run in asked] == [2, 2, 2], asked
    assert sorted(sum(asked, [])) == RELEASES, asked
