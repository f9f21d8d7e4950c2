"""A crawl that archives no release says what happened, in the summary line's counts.

A review crawled new sites ad hoc: 53 pages were judged not releases and 2
failed, and the error line said `no release archived; every page failed`; a
start URL that answered 200 was quoted as `nothing could be fetched: ...: HTTP
404` (a link to it without its trailing slash had got the 404); a source whose
patterns matched nothing said `1 pages that are not releases` (its listing page)
while the summary line said 0 and `pressroom pages` listed none. The site here,
written into the test, is that shape: a start page answered only with its
trailing slash, linking to itself without it, to pages that are no releases and
to a page that is gone; and a sitemap of one release among topic and people
pages, which `--allow` leaves out: a review found such URLs neither fetched
nor counted nor listed (the summary line said `0 not releases`). Real crawls
through the installed program.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from helpers import QuietHandler, run_cli, serving

RELEASE = (
    b"<html><head><title>Port works</title><script type='application/ld+json'>"
    b'{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Port works",'
    b' "datePublished": "2024-11-02T09:00:00Z"}</script></head><body><article>'
    b"<h1>Port works</h1>"
    + b"".join(
        b"<p>The harbour authority published its inspection of the northern terminals, "
        b"where repairs to the sea wall had been delayed for several winters, part %d.</p>" % k
        for k in range(6)
    )
    + b"</article></body></html>"
)
LEFT_OUT = ["/topics/ports", "/topics/fisheries", "/people/anna-berg"]
SITEMAP = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    + b"".join(
        b"<url><loc>http://HOST" + path.encode() + b"</loc></url>"
        for path in ["/news/2024/port-works", *LEFT_OUT]
    )
    + b"</urlset>"
)
PAGES = {
    "/news/2024/port-works": RELEASE,
    "/robots.txt": b"User-agent: *\nAllow: /\n",
    "/news/": (
        b"<html><body><h1>News</h1><a href='/news'>News</a><a href='/about'>About</a>"
        b"<a href='/contact'>Contact</a><a href='/gone'>Gone</a></body></html>"
    ),
    "/about": b"<html><body><h1>About us</h1><p>We are a harbour trust.</p></body></html>",
    "/contact": b"<html><body><h1>Contact</h1><p>Write to the office.</p></body></html>",
}


@pytest.fixture
def site() -> Iterator[str]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = PAGES.get(self.path)
            if self.path == "/sitemap.xml":
                body = SITEMAP.replace(b"HOST", self.headers["Host"].encode())
            elif self.path in LEFT_OUT:
                body = b"<html><body><h1>A topic</h1></body></html>"
            if body is None:
                self.send_error(404)
                return
            self.send_body(body, "text/html; charset=utf-8")

    with serving(Handler) as url:
        yield url


def _count(line: str, what: str) -> int:
    found = re.search(rf"(\d+) {what}", line)
    assert found, (what, line)
    return int(found.group(1))


def test_no_release_archived_is_told_in_the_summary_lines_counts(site, tmp_path):
    db = tmp_path / "news.db"
    result = run_cli("crawl", "--start-url", f"{site}/news/", "--db", str(db))
    assert result.returncode == 1, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    error = result.stderr.strip().splitlines()[-1]
    not_releases, failed = _count(summary, "not releases"), _count(summary, "failed")
    assert not_releases >= 2 and failed == 1, summary  # /about, /contact (+ /news/); /gone
    assert error.startswith(
        f"Error: no release archived: {_count(summary, 'responses')} responses, "
        f"{not_releases} not releases, {failed} failed"
    ), error
    # Each page counted as not a release is listed.
    listed = run_cli("pages", "--not-releases", "--db", str(db)).stdout.strip().splitlines()
    assert len(listed) - 1 == not_releases, listed


def test_a_source_whose_patterns_match_nothing_counts_no_listing_as_a_page(site, tmp_path):
    source = tmp_path / "x.toml"
    source.write_text(
        f'name = "x"\nallowed_domains = ["127.0.0.1"]\n[discover]\nlistings = ["{site}/news/"]\n'
        'next_page = "a.does-not-exist"\n[articles]\nallow = ["/press-releases/\\\\d+"]\n'
    )
    db = tmp_path / "x.db"
    result = run_cli("crawl", "--source", str(source), "--db", str(db))
    assert result.returncode == 1, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    error = result.stderr.strip().splitlines()[-1]
    assert _count(summary, "not releases") == 0, summary
    # The listing's links the pattern leaves out (/about, /contact, /gone; not the
    # listing itself) are counted and listed; no page is said to be a not-release.
    assert ", 0 not releases, 0 failed, 3 outside --allow" in error, error
    assert _count(summary, "outside --allow") == 3, summary
    assert "--not-releases" not in error, error  # it would list nothing


def test_urls_the_allow_patterns_leave_out_are_counted_and_listed(site, tmp_path):
    db = tmp_path / "allow.db"
    args = ("crawl", "--sitemap", f"{site}/sitemap.xml", "--allow", r"/news/\d{4}/")
    first = run_cli(*args, "--db", str(db))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "1 new" in first.stdout and ", 3 outside --allow (" in first.stdout, first.stdout
    listed = run_cli("pages", "--outside-allow", "--db", str(db)).stdout.strip().splitlines()
    assert sorted(line.split("\t")[5] for line in listed[1:]) == sorted(
        f"{site}{path}" for path in LEFT_OUT
    ), listed
    assert all(line.endswith("matches no allow pattern") for line in listed[1:]), listed
    # A rerun counts them again, and leaves their rows as they were (run 1's).
    again = run_cli(*args, "--db", str(db))
    assert ", 3 outside --allow (" in again.stdout, again.stdout
    rows = run_cli("pages", "--outside-allow", "--json", "--db", str(db)).stdout
    assert {row["run_id"] for row in json.loads(rows)} == {1}, rows
