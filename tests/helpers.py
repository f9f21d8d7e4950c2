"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from fixtures.demo.site import Response

ROOT = Path(__file__).resolve().parents[1]

# The console script that `pip install` put on PATH: what users run. Tests go
# through it, not `python -m crawler` or click's CliRunner, so that start-up
# code, entry points and the installed environment are exercised too.
PROGRAM = shutil.which("pressroom")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for a server a test starts)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def without_root_powers() -> tuple[str, ...]:
    """The prefix that runs a command without root's power to ignore file modes (setpriv),
    for tests of folders a command may not write; () when not root. Skips without setpriv."""
    import os

    import pytest

    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root ignores file modes, and setpriv is not installed to drop that")
    caps = "-dac_override,-dac_read_search"
    return (setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}")


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 240, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Run the installed `pressroom ARGS...` in a fresh process and capture its output.

    ``prefix`` runs it through another program, such as setpriv.
    """
    if PROGRAM is None:
        raise RuntimeError("the pressroom program is not installed: pip install -e '.[test]'")
    return subprocess.run(
        [*prefix, PROGRAM, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
    )


class Clock:
    """Deterministic clock: each call returns one second later than the last."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 27, 21, 3, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


def gov_release(slug: str, title: str, text: str, language: str) -> dict[str, str]:
    """The fields of a release of the "gov" source (archive_holding), its text headed by
    its title as a crawl stores it: what the search tests index."""
    return {
        "url": f"https://gov.example/{language}/{slug}",
        "source": "gov",
        "title": title,
        "text": f"{title}\n\n{text}",
        "date_published": "2024-03-01",
        "language": language,
    }


def archive_holding(path: Path, articles: list[dict], source: str = "gov") -> Path:
    """An archive at ``path`` holding ``articles`` (dicts of article fields), stored by one
    finished run of ``source``, as a crawl would leave them; returns ``path``."""
    from storage import Archive

    with Archive(path) as archive:
        run = archive.start_run(source, {})
        archive.save_articles([a | {"extractor": "test"} for a in articles], run)
        archive.finish_run(run, "ok", {})
    return path


# A saved real page whose body the vote takes from readability-lxml (tests/pages/README.md).
VOTED_PAGE = ROOT / "tests" / "pages" / "cleaneval-final-157-link-boxes-outvoted.html.gz"


def store_voted_page(db: Path, **stored: object) -> tuple[str, dict]:
    """Store VOTED_PAGE in the archive ``db`` with its capture, as a crawl would, with
    the article fields in ``stored`` replaced (an older text, an older reader's name);
    return its url and the article a fresh reading gives."""
    import gzip

    from article.fields import stored_row
    from crawler.spiders.release import rules_version
    from extraction.extract import analyse
    from extraction.rules import Rules
    from storage import Archive

    body = gzip.decompress(VOTED_PAGE.read_bytes())
    url = "https://example.org/news/157"
    article = analyse(body, url, Rules(), release=True, content_type="text/html").article
    assert article is not None
    with Archive(db) as archive:
        run = archive.start_run("mysite", {})
        capture = archive.save_capture(url, 200, {}, body, "text/html")
        where = {"url": url, "fetched_url": url, "source": "mysite", "capture_hash": capture}
        where.update(etag=None, http_last_modified=None, rules_version=rules_version(Rules()))
        row = stored_row({**article, **stored}, where)
        assert archive.save_articles([row], run)["new"] == 1
        archive.finish_run(run, "ok", {})
    return url, article


def json_when_served(url: str, process: subprocess.Popen, wait: float = 60) -> object:
    """The JSON at ``url`` once the server ``process`` started answers it; fails the test
    if the process ends first or nothing answers within ``wait`` seconds."""
    import json
    import time
    import urllib.request

    deadline = time.monotonic() + wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except OSError:
            assert process.poll() is None, "the server ended before it answered"
            assert time.monotonic() < deadline, f"nothing answered {url} in {wait:g} s"
            time.sleep(0.2)


@dataclass
class Served:
    """A `pressroom serve` process: its base URL, then (once stopped) what it printed."""

    url: str
    process: subprocess.Popen
    stdout: str = ""
    stderr: str = ""


@contextlib.contextmanager
def program_serving(db: Path) -> Iterator[Served]:
    """The installed `pressroom serve --db DB` on a free port, stopped with SIGTERM after."""
    port = free_port()
    process = subprocess.Popen(
        [PROGRAM or "pressroom", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        served.stdout, served.stderr = process.communicate(timeout=30)


class QuietHandler(BaseHTTPRequestHandler):
    """A test site's request handler: no log lines on stderr, and one call to answer."""

    def send_body(self, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A site served by ``handler`` on a free 127.0.0.1 port: yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def harbour_release(slug: str) -> bytes:
    """A release page (JSON-LD NewsArticle, an <article>, a date line, five paragraphs)
    titled "Harbour works at ``slug``": what the pager and link-count sites link to."""
    data = {"@type": "NewsArticle", "headline": f"Harbour works at {slug}"}
    sentence = (
        "The ministry published its inspection of the northern terminals, "
        "where repairs to the sea wall had been delayed for several winters. "
    )
    body = "".join(f"<p>{sentence * 2}Site {slug}, part {k}.</p>" for k in range(5))
    return (
        f"<html><head><title>Harbour works at {slug}</title>"
        f'<script type="application/ld+json">{json.dumps(data)}</script></head>'
        f"<body><article><h1>Harbour works at {slug}</h1>"
        '<p class="date">Published 2 November 2024</p>'
        f"{body}</article></body></html>"
    ).encode()


@contextlib.contextmanager
def pages_serving(pages: Mapping[str, bytes]) -> Iterator[tuple[str, list[str]]]:
    """``pages`` (path -> HTML bytes) on a free 127.0.0.1 port, robots.txt allowing all and
    a 404 for the rest: yields the base URL and the paths requested, in order."""
    requests: list[str] = []

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            requests.append(self.path)
            body = pages.get(self.path)
            if self.path == "/robots.txt":
                body = b"User-agent: *\nAllow: /\n"
            if body is None:
                self.send_error(404)
                return
            self.send_body(body, "text/html; charset=utf-8")

    with serving(Handler) as url:
        yield url, requests


class ServedSite:
    """A site for fixtures.demo.server.serve: ``render`` gives a page or None, a 404 then."""

    def render(self, path: str, base: str) -> Response | None:
        raise NotImplementedError

    def not_found(self, path: str, base: str) -> Response:
        return Response(404, {"Content-Type": "text/plain"}, b"not found\n", "text/plain")


class SitemapSite(ServedSite):
    """``pages`` (path -> HTML) and /sitemap.xml listing them all, each with ``lastmod``."""

    def __init__(self, pages: Mapping[str, str], lastmod: str) -> None:
        self.pages, self.lastmod = pages, lastmod

    def render(self, path: str, base: str) -> Response | None:
        if path == "/sitemap.xml":
            return ok(sitemap_body(base, self.pages, self.lastmod).decode(), "application/xml")
        if path in self.pages:
            return ok(self.pages[path], "text/html; charset=utf-8")
        return None


def sitemap_body(base: str, paths: Iterable[str], lastmod: str) -> bytes:
    """A sitemap listing ``base`` + each of ``paths``, each with ``lastmod``."""
    entries = "".join(f"<url><loc>{base}{p}</loc><lastmod>{lastmod}</lastmod></url>" for p in paths)
    return (
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()
    )


def answered_robots_or_sitemap(handler: QuietHandler, listed: Iterable[str], lastmod: str) -> bool:
    """Answer ``handler``'s request if it is for /robots.txt (all allowed) or /sitemap.xml
    (``listed`` paths, each with ``lastmod``); whether it was."""
    if handler.path == "/robots.txt":
        handler.send_body(b"User-agent: *\nAllow: /\n", "text/plain")
    elif handler.path == "/sitemap.xml":
        base = f"http://{handler.headers['Host']}"
        handler.send_body(sitemap_body(base, listed, lastmod), "application/xml")
    else:
        return False
    return True


def sitemap_source(path: Path, name: str, sitemap: str, allow: str = "/news/") -> Path:
    """Write at ``path`` a source file ``name`` reading ``sitemap``, its releases the URLs
    ``allow`` matches, on 127.0.0.1; return ``path``."""
    path.write_text(
        f'name = "{name}"\nallowed_domains = ["127.0.0.1"]\n'
        f'[discover]\nsitemaps = ["{sitemap}"]\n'
        f"[articles]\nallow = ['{allow}']\n"
    )
    return path


def ok(text: str, content_type: str) -> Response:
    """A 200 response of ``text``."""
    return Response(200, {"Content-Type": content_type}, text.encode(), content_type)


# Release prose for generated test sites: long sentences, different on every page.
SENTENCES = (
    "The department confirmed a programme of repairs to the harbour wall at {place} with "
    "support from the regional fund, after months of talks with local councils.",
    "Inspectors reviewed the state of {n} ferry terminals along the coast and said that "
    "work on the most damaged ones would begin before the summer season.",
    "Officials published the annual report on bathing water quality for {place}, which "
    "found that {n} beaches met the new standard for the second year running.",
    "The minister said that the plan for {place} would protect homes and businesses from "
    "the winter storms that flooded the lower town twice in the last ten years.",
)
PLACES = ("Kerlaz", "Brieg", "Dunmore", "Tresco", "Varna", "Ostby", "Penmarch", "Hallam")


def prose(seed: int, paragraphs: int = 4, kinds: int = len(SENTENCES)) -> str:
    """``paragraphs`` <p> of three sentences each, drawn from the first ``kinds`` SENTENCES."""
    out = []
    for k in range(paragraphs):
        place, n = PLACES[(seed + k) % len(PLACES)], 10 + seed * 7 + k
        sentences = (SENTENCES[(seed + k + j) % kinds].format(place=place, n=n) for j in range(3))
        out.append(f"<p>{' '.join(sentences)}</p>")
    return "".join(out)
