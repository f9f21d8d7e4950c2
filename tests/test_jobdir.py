"""Scrapy's JOBDIR (disk queue and seen-set, for very large sites) works with pressroom crawl.

One crawl of the fixture site with ``-s JOBDIR=...`` must archive exactly what
a crawl without it archives, and leave its seen-set on disk.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def _urls(db: Path) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {url for (url,) in conn.execute("SELECT url FROM articles")}


def test_a_crawl_with_a_job_directory_archives_the_same_releases(cli, site_url, tmp_path):
    plain = cli("crawl", "--sitemap", f"{site_url}/sitemap.xml", "--db", str(tmp_path / "a.db"))
    assert plain.returncode == 0, plain.stderr
    jobdir = tmp_path / "job"
    with_jobdir = cli(
        "crawl",
        "--sitemap",
        f"{site_url}/sitemap.xml",
        "--db",
        str(tmp_path / "b.db"),
        "-s",
        f"JOBDIR={jobdir}",
    )
    assert with_jobdir.returncode == 0, with_jobdir.stderr
    assert _urls(tmp_path / "b.db") == _urls(tmp_path / "a.db") != set()
    assert (jobdir / "requests.seen").stat().st_size > 0
    assert (jobdir / "requests.queue").is_dir()
