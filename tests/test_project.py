"""The Scrapy project and its settings: polite by default, fast only on the loopback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler import sources
from crawler.run import build_settings, is_loopback

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


def test_real_sites_get_polite_settings():
    settings = build_settings(sources.load("hrw"), "x.db")
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
    settings = build_settings(src, "x.db")
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getbool("ROBOTSTXT_OBEY")  # robots.txt still applies


def test_overrides_win():
    src = sources.adhoc(sitemap="http://127.0.0.1:8000/sitemap.xml")
    settings = build_settings(src, "x.db", overrides={"DOWNLOAD_TIMEOUT": "5"})
    assert settings.getint("DOWNLOAD_TIMEOUT") == 5


def test_is_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("127.5.5.5") and is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("10.0.0.1") and not is_loopback("www.hrw.org")
