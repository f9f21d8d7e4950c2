"""The Scrapy project and its settings: polite by default, fast only on the loopback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawler import sources
from crawler.run import build_settings
from crawler.spiders.release import ReleaseSpider
from extraction.urls import is_loopback
from fixtures.demo.site import Site
from storage import Archive

ROOT = Path(__file__).resolve().parents[1]


def test_scrapy_list_and_check_work_from_the_repo():
    for command, expected in (("list", "release"), ("check", "OK")):
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", command],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout + result.stderr


def crawl_settings(src: sources.Source, **overrides: Any) -> Settings:
    """The settings a crawl of ``src`` runs with, once the spider has applied its own."""
    settings = build_settings(src, "x.db", overrides={"PRESSROOM_EXTRACT_WORKERS": 0, **overrides})
    crawler = Crawler(ReleaseSpider, settings)
    ReleaseSpider.from_crawler(crawler, source=src)
    return crawler.settings


def test_real_sites_get_polite_settings():
    settings = crawl_settings(sources.load("hrw"))
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0  # the source file asks for 1 s
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert settings.get("USER_AGENT").startswith("pressroom/")
    assert settings["ITEM_PIPELINES"] == {"crawler.pipelines.StorePipeline": 800}


def test_contact_goes_into_the_user_agent():
    settings = build_settings(sources.load("hrw"), "x.db", contact="ops@example.org")
    assert settings.get("USER_AGENT").endswith("(+ops@example.org)")


def test_loopback_sites_are_crawled_at_full_speed():
    src = sources.adhoc(sitemap="http://127.0.0.1:8000/sitemap.xml")
    settings = crawl_settings(src)
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getbool("ROBOTSTXT_OBEY")  # robots.txt still applies


def test_overrides_win():
    src = sources.adhoc(sitemap="http://127.0.0.1:8000/sitemap.xml")
    settings = crawl_settings(src, DOWNLOAD_TIMEOUT="5", DOWNLOAD_DELAY="2")
    assert settings.getint("DOWNLOAD_TIMEOUT") == 5
    assert settings.getfloat("DOWNLOAD_DELAY") == 2  # -s beats the loopback rule


def scrapy_crawl(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    """`scrapy crawl release ARGS...` from the repository, as the README shows it."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "release", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_scrapy_crawl_of_a_loopback_site_runs_at_full_speed(
    site_url: str, site: Site, fixture_source: Path, tmp_path: Path
) -> None:
    db = tmp_path / "scrapy.db"
    started = time.monotonic()
    result = scrapy_crawl(
        "-a", f"source={fixture_source}", "-s", f"PRESSROOM_DB={db}", "-s", "LOG_LEVEL=WARNING"
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    with Archive(db, readonly=True) as archive:
        run = archive.runs()[0]
        assert run["status"] == "ok"
        assert run["articles_new"] == len(site.releases)
    # With the 0.5 s delay and AutoThrottle that `scrapy crawl` used to keep on
    # the loopback, these ~150 responses took minutes; at full speed, ~10 s.
    assert elapsed < 60, f"scrapy crawl took {elapsed:.0f} s"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Error: scrapy crawl release needs -a source=NAME"),
        (("-a", "sitemap=notaurl"), "Error: -a sitemap: not an http(s) URL: 'notaurl'"),
        (("-a", "source=nosuchsource"), "Error: unknown source 'nosuchsource'"),
    ],
)
def test_scrapy_crawl_with_bad_arguments_is_a_one_line_error(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    db = tmp_path / "x.db"
    result = scrapy_crawl(*args, "-s", f"PRESSROOM_DB={db}", timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(message), result.stderr[-500:]
    assert not db.exists()


def test_is_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("127.5.5.5") and is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("10.0.0.1") and not is_loopback("www.hrw.org")
