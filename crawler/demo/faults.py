"""A web server that misbehaves on purpose: the fault-injection site (issue 7).

    >>> with serve_faults() as server:  # doctest: +SKIP
    ...     crawl(server.source_text())            # healthy: every release archived
    ...     server.hostile = True                  # now each fault misbehaves
    ...     crawl(server.source_text(), "--full")
    ...     problems = judge(server, before, after)

The server wraps a demo :class:`~crawler.demo.site.Site` on 127.0.0.1. While
``hostile`` is False every release is served normally. Once it is True, each
release assigned to a fault (:data:`FAULTS`) misbehaves in that way (stalls,
drops the connection mid-body, sends a gzip bomb, the wrong charset, ...), and
the extra pages of the "page" faults appear (binary served as HTML, a
script-only page, hostile links, broken sitemaps, conflicting canonical links).

Each :class:`Fault` says what pressroom must do about it, so that the tests and
``bench/faults.py`` judge a crawl by the same rules (:func:`judge`):

``fail``      the URL is recorded as failed with a reason matching ``reason``, and
              the article stored for it before (if any) is unchanged
``same``      the URL is archived with exactly the text of its healthy version
``archived``  a new page, archived under its own URL with the release's title
``either``    a new page, archived (right title) or recorded as failed with a reason

A second server on 127.0.0.2 (another host: off-site for the crawler) is the
sentinel: any request it receives is a request that left the source's domains.

Standard library only; handler threads are daemons and every stall ends when
the server stops.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import random
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from crawler.demo.site import Site, build_site

__all__ = [
    "FAULTS",
    "Fault",
    "FaultServer",
    "Snapshot",
    "judge",
    "kill_during",
    "serve_faults",
    "snapshot",
]

PAGE_PREFIX = "/news/2030/01/01/"  # new pages of "page" faults (they look like releases)
SOURCE_NAME = "faults"
# Bodies bigger than the default DOWNLOAD_MAXSIZE (20 MB); sent fast, from memory.
HUGE_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 200 * 1024 * 1024  # decompressed size of the gzip bomb (~200 KB on the wire)
ENDLESS_LIMIT = 400 * 1024 * 1024  # the "endless" stream gives up here, whatever happens
STALL_SECONDS = 60.0  # longer than any DOWNLOAD_TIMEOUT a test uses
SLOW_SECONDS = 0.6  # a slow response that still fits in a 2 s timeout
RETRY_AFTER = 1  # seconds asked for by the 429/503 faults that recover
BACKOFF_429S = 3  # 429s without Retry-After before the page comes back

_PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + bytes(range(256)) * 8


@dataclass(frozen=True)
class Fault:
    """One way a server misbehaves, and what pressroom must do about it."""

    name: str
    group: str
    expect: str  # "fail", "same", "archived" or "either" (see the module docstring)
    reason: str = ""  # regex the recorded failure reason must match (expect="fail")
    page: bool = False  # a new page (hostile mode only) rather than an existing release
    about: str = ""


FAULTS: tuple[Fault, ...] = (
    # --- transport -------------------------------------------------------------
    Fault("slow", "transport", "same", about="body trickles in over 0.6 s"),
    Fault("stall-headers", "transport", "fail", r"^timed out", about="never answers"),
    Fault("stall-body", "transport", "fail", r"^timed out", about="half a body, then silence"),
    Fault(
        "drop-mid-body",
        "transport",
        "fail",
        r"connection closed before the whole body",
        about="Content-Length, half the body, then the connection closes",
    ),
    Fault(
        "drop-mid-chunked",
        "transport",
        "fail",
        r"connection closed before the whole body",
        about="chunked, a few chunks, then the connection closes",
    ),
    Fault(
        "drop-no-response",
        "transport",
        "fail",
        r"connection closed by the server",
        about="reads the request, closes without a word",
    ),
    Fault(
        "truncated-gzip",
        "transport",
        "fail",
        r"truncated gzip",
        about="Content-Encoding: gzip, stream cut short",
    ),
    Fault("gzip-bomb", "transport", "fail", r"too big", about="200 MB of zeros, gzipped"),
    Fault("huge-page", "transport", "fail", r"too big", about="50 MB with Content-Length"),
    Fault("huge-chunked", "transport", "fail", r"too big", about="50 MB, chunked"),
    Fault("endless", "transport", "fail", r"too big|timed out", about="a chunked stream"),
    # --- status codes and retries ---------------------------------------------
    Fault("http-500", "retry", "fail", r"^HTTP 500$", about="500 every time"),
    Fault("burst-500", "retry", "same", about="500 twice, then the page"),
    Fault("http-503", "retry", "fail", r"^HTTP 503$", about="503 every time, no Retry-After"),
    Fault("retry-after-429", "retry", "same", about="429 Retry-After: 1 twice, then the page"),
    Fault("retry-after-date-503", "retry", "same", about="503 with an HTTP-date, then the page"),
    Fault("backoff-429", "retry", "same", about="429 without Retry-After 3 times, then the page"),
    Fault(
        "retry-after-too-long",
        "retry",
        "fail",
        r"^HTTP 429 \(asked to wait 3600 s",
        about="429 Retry-After: 3600",
    ),
    # --- redirects ---------------------------------------------------------------
    Fault("redirect-loop", "redirect", "fail", r"redirect loop", about="a -> b -> a"),
    Fault("redirect-chain", "redirect", "fail", r"too many redirects", about="a -> a/1 -> ..."),
    Fault("redirect-offsite", "redirect", "fail", r"redirected off-site", about="301 to 127.0.0.2"),
    Fault(
        "redirect-file",
        "redirect",
        "fail",
        r"redirected to a non-HTTP URL",
        about="302 to file:///etc/passwd",
    ),
    # --- encodings (the text must come out exactly as from the healthy page) ----
    Fault("charset-wrong", "encoding", "same", about="UTF-8 body, header says ISO-8859-1"),
    Fault("charset-missing", "encoding", "same", about="UTF-8, no charset anywhere"),
    Fault("cp1252-declared", "encoding", "same", about="windows-1252, declared"),
    Fault("utf16-bom", "encoding", "same", about="UTF-16 with BOM, declared"),
    Fault("utf16-undeclared", "encoding", "same", about="UTF-16 with BOM, no charset"),
    Fault("bom-beats-header", "encoding", "same", about="UTF-8 BOM, header says windows-1252"),
    Fault("mixed-encodings", "encoding", "same", about="UTF-8 with some windows-1252 quotes"),
    Fault(
        "invalid-bytes",
        "encoding",
        "same",
        about="no charset anywhere, invalid UTF-8 bytes in a comment and an attribute",
    ),
    # --- what a healthy release page turned into ----------------------------------
    Fault("empty-body", "content", "fail", r"^empty page$", about="200, zero bytes"),
    Fault("script-only", "content", "fail", r"too little text|no title", about="only <script>"),
    Fault(
        "error-page-200",
        "content",
        "fail",
        r"too little text",
        about="'temporarily unavailable', status 200",
    ),
    Fault(
        "binary-as-html",
        "content",
        "fail",
        r"binary content served as text/html",
        about="PNG bytes, text/html",
    ),
    Fault(
        "canonical-other",
        "content",
        "fail",
        r"canonical link points to .* which holds a different",
        about="the page now names another archived release as canonical",
    ),
    # --- new pages (hostile mode only) ------------------------------------------------
    Fault("deep-nesting", "page", "either", page=True, about="a release inside 50,000 <div>s"),
    Fault("malformed-html", "page", "archived", page=True, about="unclosed and stray tags"),
    Fault(
        "invalid-bytes-in-text",
        "page",
        "archived",
        page=True,
        about="invalid UTF-8 inside paragraphs",
    ),
    Fault(
        "broken-dates", "page", "archived", page=True, about="dates like 2024-13-45, 'yesterday'"
    ),
    Fault("truncated-html", "page", "either", page=True, about="the HTML stops mid-paragraph"),
    Fault("canonical-duplicate", "page", "archived", page=True, about="two identical canonicals"),
    Fault(
        "canonical-conflicting",
        "page",
        "either",
        page=True,
        about="first canonical names another release, second its own URL",
    ),
    Fault("canonical-offsite", "page", "archived", page=True, about="canonical on another host"),
    Fault("canonical-file", "page", "archived", page=True, about="canonical file:///etc/passwd"),
    Fault("canonical-home", "page", "archived", page=True, about="canonical is the home page"),
    Fault(
        "sitemap-not-xml",
        "discovery",
        "fail",
        r"not a sitemap",
        page=True,
        about="an HTML page where a sitemap should be",
    ),
    Fault(
        "sitemap-bomb",
        "discovery",
        "fail",
        r"too big",
        page=True,
        about="a .xml.gz that inflates to 200 MB",
    ),
    Fault(
        "sitemap-truncated",
        "discovery",
        "fail",
        r"broken gzip sitemap",
        page=True,
        about="a .xml.gz cut short",
    ),
    Fault(
        "sitemap-odd-locs",
        "discovery",
        "archived",
        page=True,
        about="file:, ftp:, javascript:, invalid and off-site <loc>s before a good one",
    ),
    Fault(
        "feed-broken-dates",
        "discovery",
        "archived",
        page=True,
        about="RSS with unparseable pubDates; its release must still be archived",
    ),
    Fault(
        "hostile-links",
        "security",
        "archived",
        page=True,
        about="a listing linking file:, ftp:, javascript:, data:, mailto: and off-site URLs",
    ),
)
_BY_NAME = {f.name: f for f in FAULTS}
# Faults whose healthy release must hold non-ASCII text, or the test proves nothing.
_NEEDS_NON_ASCII = {f.name for f in FAULTS if f.group == "encoding"}
# Faults whose URL is a sitemap or listing rather than a page.
DISCOVERY_PATHS = {
    "sitemap-not-xml": "/faults/not-a-sitemap.xml",
    "sitemap-bomb": "/faults/bomb.xml.gz",
    "sitemap-truncated": "/faults/truncated.xml.gz",
    "sitemap-odd-locs": "/faults/odd-locs.xml",
    "feed-broken-dates": "/faults/feed.xml",
    "hostile-links": "/faults/links",
}
GOOD = 6  # releases that never misbehave: "the rest of the site"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FaultyDemo/1.0"
    sys_version = ""
    timeout = 120
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        self.server.app.handle(self)

    def do_HEAD(self) -> None:  # noqa: N802
        self.server.app.handle(self)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], app: Any) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall offline.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a crawler hanging up on a hostile response is the point


@dataclass
class Hit:
    """One request the server saw."""

    at: float  # time.monotonic()
    method: str
    path: str
    note: str  # what was served: a status code or a fault name


class _Base:
    """Thread, log and lifecycle shared by the fault server and the sentinel."""

    def __init__(self, host: str) -> None:
        self._stop = threading.Event()
        self._log: list[Hit] = []
        self._log_lock = threading.Lock()
        self._httpd = _Server((host, 0), self)
        self.host, self.port = self._httpd.server_name, self._httpd.server_port
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def start(self) -> _Base:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()  # ends every stall and stream in the handler threads
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> _Base:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def clear_hits(self) -> None:
        """Forget the requests seen so far (between two crawls of one server)."""
        with self._log_lock:
            self._log.clear()

    def hits(self, prefix: str = "") -> list[Hit]:
        with self._log_lock:
            return [h for h in self._log if h.path.startswith(prefix)]

    def _note(self, h: BaseHTTPRequestHandler, note: str) -> None:
        with self._log_lock:
            self._log.append(Hit(time.monotonic(), h.command, h.path, note))

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError


class Sentinel(_Base):
    """A server on another host: every request it sees left the source's domains."""

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        self._note(h, "200")
        _send(h, 200, "text/plain", b"you should not be here\n")


class FaultServer(_Base):
    """The fault site. ``hostile`` switches the faults on; ``robots`` picks robots.txt.

    robots: "normal", "crawl-delay:<seconds>", "503", "stall" (never answers).
    """

    def __init__(
        self,
        site: Site | None = None,
        *,
        robots: str = "normal",
        sentinel: Sentinel | None = None,
        faults: bool = True,
    ) -> None:
        super().__init__("127.0.0.1")
        self.robots = robots
        self.sentinel = sentinel
        self._hostile = False
        self._counts: dict[str, int] = {}
        self._counts_lock = threading.Lock()
        release_faults = [f for f in FAULTS if not f.page] if faults else []
        page_faults = [f for f in FAULTS if f.page] if faults else []
        if site is None:
            site = build_site(GOOD + len(release_faults) + len(page_faults), translations_every=0)
        self.site = site
        self.releases = releases = list(site.releases)
        if faults and len(releases) < GOOD + len(release_faults) + len(page_faults):
            raise ValueError("the site is too small for the faults: pass faults=False")
        # Assign releases: encoding faults get releases with non-ASCII text.
        free = list(range(len(releases)))
        non_ascii = [i for i in free if any(ord(c) > 127 for c in releases[i].text)]
        self.assigned: dict[str, int] = {}
        for fault in release_faults:
            pool = non_ascii if fault.name in _NEEDS_NON_ASCII and non_ascii else free
            index = pool[-1]
            self.assigned[fault.name] = index
            free.remove(index)
            if index in non_ascii:
                non_ascii.remove(index)
        # Page faults get releases of their own, never listed under their own URL, so
        # their text is new to the archive (a copy of a stored text is a "duplicate").
        self.page_release: dict[str, int] = {}
        for fault in page_faults:
            index = free.pop()
            self.page_release[fault.name] = index
        self.good = sorted(free)  # releases that never misbehave
        self._by_path = {releases[i].path: name for name, i in self.assigned.items()}
        self._pages = {PAGE_PREFIX + f.name: f.name for f in page_faults}
        self._bomb: bytes | None = None
        self._bomb_lock = threading.Lock()

    # -- what a test needs to know -------------------------------------------------

    @property
    def hostile(self) -> bool:
        return self._hostile

    @hostile.setter
    def hostile(self, value: bool) -> None:
        with self._counts_lock:
            self._counts.clear()
        self._hostile = value

    def fault_url(self, name: str) -> str:
        """The URL a crawler should record for fault ``name``."""
        fault = _BY_NAME[name]
        if fault.name in DISCOVERY_PATHS and fault.expect == "fail":
            return self.url + DISCOVERY_PATHS[fault.name]
        if fault.page:
            return self.url + PAGE_PREFIX + fault.name
        return self.url + self.releases[self.assigned[name]].path

    def release_url(self, index: int) -> str:
        return self.url + self.releases[index].path

    def expected_title(self, name: str) -> str:
        fault = _BY_NAME[name]
        index = self.page_release[name] if fault.page else self.assigned[name]
        return self.releases[index].title

    def source_text(self, name: str = SOURCE_NAME) -> str:
        """A source file for this server, as a user would write it."""
        base = self.url
        sitemaps = [f"{base}/sitemap.xml"] + [
            base + DISCOVERY_PATHS[n]
            for n in ("sitemap-not-xml", "sitemap-bomb", "sitemap-truncated", "sitemap-odd-locs")
        ]
        return (
            f'name = "{name}"\n'
            'allowed_domains = ["127.0.0.1"]\n\n'
            "[discover]\n"
            f"sitemaps = {_toml_list(sitemaps)}\n"
            f'feeds = ["{base}/faults/feed.xml"]\n'
            f'listings = ["{base}/faults/links"]\n\n'
            "[articles]\n"
            f"allow = ['^{re.escape(base)}/news/\\d{{4}}/\\d{{2}}/\\d{{2}}/[^/]+$']\n"
        )

    def walk_source_text(self, name: str = "traps") -> str:
        """A source that walks links from /traps (the crawler-trap scenario)."""
        return (
            f'name = "{name}"\n'
            'allowed_domains = ["127.0.0.1"]\n\n'
            "[discover]\n"
            f'start_urls = ["{self.url}/traps"]\n'
            "follow_links = true\n"
        )

    def requests_for(self, name: str) -> list[Hit]:
        """The requests the server saw for fault ``name``'s URL (and its redirect hops)."""
        path = urlsplit(self.fault_url(name)).path
        return [h for h in self.hits() if urlsplit(h.path).path.startswith(path)]

    # -- serving -----------------------------------------------------------------------

    def _count(self, key: str) -> int:
        with self._counts_lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]

    def _wait(self, seconds: float) -> None:
        self._stop.wait(seconds)

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        path = parts.path
        base = self.url
        try:
            if path == "/robots.txt":
                self._robots(h)
            elif path == "/sitemap.xml":
                self._note(h, "200")
                _send(h, 200, "application/xml", self._sitemap())
            elif path.startswith("/faults/"):
                self._discovery(h, path)
            elif path.startswith("/traps"):
                self._trap(h, path, parts.query)
            elif path in self._pages and self._hostile:
                self._page(h, self._pages[path])
            elif path.startswith(PAGE_PREFIX + "redirect-"):
                self._redirect_hop(h, path)
            elif path in self._by_path and self._hostile:
                self._release_fault(h, self._by_path[path], path)
            else:
                response = self.site.render(h.path, base)
                if response is None:
                    self._note(h, "404")
                    _send(
                        h, 404, "text/html; charset=utf-8", b"<html><body>Not found</body></html>"
                    )
                    return
                self._note(h, str(response.status))
                _send(
                    h,
                    response.status,
                    response.headers["Content-Type"],
                    response.body,
                    response.headers,
                )
        except (ConnectionError, TimeoutError, OSError):
            h.close_connection = True

    # robots.txt ------------------------------------------------------------------------

    def _robots(self, h: BaseHTTPRequestHandler) -> None:
        mode = self.robots
        self._note(h, f"robots:{mode}")
        if mode == "503":
            _send(h, 503, "text/html", b"<html><body>Service Unavailable</body></html>")
            return
        if mode == "stall":
            self._wait(STALL_SECONDS)
            h.close_connection = True
            return
        body = "User-agent: *\nDisallow: /private/\n"
        if mode.startswith("crawl-delay:"):
            body += f"Crawl-delay: {mode.split(':', 1)[1]}\n"
        _send(h, 200, "text/plain; charset=utf-8", body.encode())

    def _sitemap(self) -> bytes:
        urls = [self.release_url(i) for i in (*self.good, *self.assigned.values())]
        if self._hostile:
            urls += [
                self.url + PAGE_PREFIX + f.name
                for f in FAULTS
                if f.page and f.name not in DISCOVERY_PATHS
            ]
        return _urlset(urls)

    # release faults ----------------------------------------------------------------

    def _healthy(self, path: str) -> tuple[bytes, dict[str, str]]:
        response = self.site.render(path, self.url)
        assert response is not None and response.status == 200, path
        return response.body, dict(response.headers)

    def _release_fault(self, h: BaseHTTPRequestHandler, name: str, path: str) -> None:
        body, headers = self._healthy(path)
        html = body.decode("utf-8")
        self._note(h, name)
        hit = self._count(name)
        ctype = "text/html; charset=utf-8"
        if name == "slow":
            _send_slowly(h, ctype, body, SLOW_SECONDS, self._stop)
        elif name == "stall-headers":
            self._wait(STALL_SECONDS)
            h.close_connection = True
        elif name == "stall-body":
            _head(h, 200, {"Content-Type": ctype, "Content-Length": str(len(body))})
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            self._wait(STALL_SECONDS)
            h.close_connection = True
        elif name == "drop-mid-body":
            _head(h, 200, {"Content-Type": ctype, "Content-Length": str(len(body))})
            h.wfile.write(body[: len(body) // 2])
            _hang_up(h)
        elif name == "drop-mid-chunked":
            _head(h, 200, {"Content-Type": ctype, "Transfer-Encoding": "chunked"})
            for start in range(0, len(body) // 2, 4096):
                _chunk(h, body[start : start + 4096])
            _hang_up(h)
        elif name == "drop-no-response":
            _hang_up(h)
        elif name == "truncated-gzip":
            packed = gzip.compress(body)
            cut = packed[: len(packed) * 2 // 3]
            _send(h, 200, ctype, cut, {"Content-Encoding": "gzip"})
        elif name == "gzip-bomb":
            _send(h, 200, ctype, self._gzip_bomb(), {"Content-Encoding": "gzip"})
        elif name == "huge-page":
            _head(h, 200, {"Content-Type": ctype, "Content-Length": str(HUGE_BYTES)})
            _stream(h, HUGE_BYTES, self._stop, chunked=False)
        elif name == "huge-chunked":
            _head(h, 200, {"Content-Type": ctype, "Transfer-Encoding": "chunked"})
            _stream(h, HUGE_BYTES, self._stop, chunked=True)
        elif name == "endless":
            _head(h, 200, {"Content-Type": ctype, "Transfer-Encoding": "chunked"})
            _stream(h, ENDLESS_LIMIT, self._stop, chunked=True)
        elif name == "http-500":
            _send(h, 500, ctype, b"<html><body>Internal Server Error</body></html>")
        elif name == "burst-500":
            if hit <= 2:
                _send(h, 500, ctype, b"<html><body>Internal Server Error</body></html>")
            else:
                _send(h, 200, ctype, body, headers)
        elif name == "http-503":
            _send(h, 503, ctype, b"<html><body>Service Unavailable</body></html>")
        elif name == "retry-after-429":
            if hit <= 2:
                _send(h, 429, ctype, b"slow down", {"Retry-After": str(RETRY_AFTER)})
            else:
                _send(h, 200, ctype, body, headers)
        elif name == "retry-after-date-503":
            if hit <= 1:
                when = format_datetime(
                    _utcnow_plus(RETRY_AFTER + 1), usegmt=True
                )  # whole seconds: ask for 1-2 s
                _send(h, 503, ctype, b"maintenance", {"Retry-After": when})
            else:
                _send(h, 200, ctype, body, headers)
        elif name == "backoff-429":
            if hit <= BACKOFF_429S:
                _send(h, 429, ctype, b"slow down")
            else:
                _send(h, 200, ctype, body, headers)
        elif name == "retry-after-too-long":
            _send(h, 429, ctype, b"come back tomorrow", {"Retry-After": "3600"})
        elif name == "redirect-loop":
            _send(h, 302, ctype, b"", {"Location": PAGE_PREFIX + "redirect-loop-b?back=" + path})
        elif name == "redirect-chain":
            _send(h, 302, ctype, b"", {"Location": PAGE_PREFIX + "redirect-chain/1"})
        elif name == "redirect-offsite":
            target = (self.sentinel.url if self.sentinel else "http://127.0.0.2:9") + path
            _send(h, 301, ctype, b"", {"Location": target})
        elif name == "redirect-file":
            _send(h, 302, ctype, b"", {"Location": "file:///etc/passwd"})
        elif name == "canonical-other":
            other = self.release_url(self.good[0])
            page = re.sub(
                r'<link rel="canonical" href="[^"]*">',
                f'<link rel="canonical" href="{other}">',
                html,
            )
            _send(h, 200, ctype, page.encode("utf-8"), headers)
        elif name in _ENCODINGS:
            data, content_type = _ENCODINGS[name](html)
            _send(h, 200, content_type, data)
        elif name == "empty-body":
            _send(h, 200, ctype, b"")
        elif name == "script-only":
            page = (
                "<!DOCTYPE html><html><head><title></title><script>var x = 1;</script></head>"
                "<body><script>document.body.innerHTML = '<p>' + 'text '.repeat(500);"
                "</script></body></html>"
            )
            _send(h, 200, ctype, page.encode())
        elif name == "error-page-200":
            page = (
                "<!DOCTYPE html><html><head><title>Sorry</title></head><body><h1>Sorry</h1>"
                "<p>This service is temporarily unavailable. Please try again later.</p>"
                "</body></html>"
            )
            _send(h, 200, ctype, page.encode())
        elif name == "binary-as-html":
            _send(h, 200, "text/html", _PNG)
        else:  # pragma: no cover - a fault without a behaviour is a bug here
            raise AssertionError(name)

    def _redirect_hop(self, h: BaseHTTPRequestHandler, path: str) -> None:
        self._note(h, "302")
        if path.startswith(PAGE_PREFIX + "redirect-loop-b"):
            back = parse_qs(urlsplit(h.path).query).get("back", ["/"])[0]
            _send(h, 302, "text/html", b"", {"Location": back})
            return
        depth = path.rsplit("/", 1)[-1]
        step = int(depth) + 1 if depth.isdigit() else 1
        _send(h, 302, "text/html", b"", {"Location": f"{PAGE_PREFIX}redirect-chain/{step}"})

    def _gzip_bomb(self) -> bytes:
        with self._bomb_lock:
            if self._bomb is None:
                packer = zlib.compressobj(9, zlib.DEFLATED, 31)
                block = b"<p>" + b" " * (1024 * 1024 - 3)
                parts = [packer.compress(b"<html><body>")]
                parts += [packer.compress(block) for _ in range(BOMB_BYTES // len(block))]
                parts.append(packer.flush())
                self._bomb = b"".join(parts)
            return self._bomb

    # page faults -----------------------------------------------------------------------

    def _page_html(self, name: str) -> str:
        """The release given to page fault ``name``, moved to the fault's own URL."""
        release = self.releases[self.page_release[name]]
        body, _ = self._healthy(release.path)
        return body.decode("utf-8").replace(release.path, PAGE_PREFIX + name)

    def _page(self, h: BaseHTTPRequestHandler, name: str) -> None:
        self._note(h, name)
        ctype = "text/html; charset=utf-8"
        html = self._page_html(name)
        own = self.url + PAGE_PREFIX + name
        canonical = f'<link rel="canonical" href="{own}">'
        if name == "deep-nesting":
            start = html.index("<body")
            html = html[:start] + "<div>" * 50_000 + html[start:]
        elif name == "malformed-html":
            html = (
                html.replace("</p>", "", 7)
                .replace("</div>", "</span></table>", 5)
                .replace("<p>", "<p <<>", 3)
                .replace("</body>", "<<< </b></i> <!-- a comment never closed </body>", 1)
            )
        elif name == "invalid-bytes-in-text":
            data = html.encode("utf-8")
            data = data.replace(b"</p>", b" \xff\xfe\x81 \xc3(</p>", 4)
            _send(h, 200, ctype, data)
            return
        elif name == "broken-dates":
            html = re.sub(r'(published_time" content=")[^"]*', r"\g<1>2024-13-45T99:99", html)
            html = re.sub(r'(modified_time" content=")[^"]*', r"\g<1>yesterday", html)
            html = re.sub(r'("datePublished":")[^"]*', r"\g<1>not a date", html)
            html = re.sub(r'("dateModified":")[^"]*', r"\g<1>31/02/2024", html)
            html = re.sub(r'(<time[^>]*datetime=")[^"]*', r"\g<1>soon", html)
        elif name == "truncated-html":
            html = html[: len(html) * 2 // 5]
        elif name == "canonical-duplicate":
            html = html.replace(canonical, canonical + canonical)
        elif name == "canonical-conflicting":
            other = self.release_url(self.good[1])
            html = html.replace(canonical, f'<link rel="canonical" href="{other}">' + canonical)
        elif name == "canonical-offsite":
            html = html.replace(
                canonical, f'<link rel="canonical" href="http://127.0.0.2{PAGE_PREFIX}x">'
            )
        elif name == "canonical-file":
            html = html.replace(canonical, '<link rel="canonical" href="file:///etc/passwd">')
        elif name == "canonical-home":
            html = html.replace(canonical, f'<link rel="canonical" href="{self.url}/">')
        _send(h, 200, ctype, html.encode("utf-8"))

    def _discovery(self, h: BaseHTTPRequestHandler, path: str) -> None:
        self._note(h, path)
        hostile = self._hostile
        sentinel = self.sentinel.url if self.sentinel else "http://127.0.0.2:9"
        if path == DISCOVERY_PATHS["sitemap-not-xml"]:
            if hostile:
                _send(h, 200, "text/html", b"<html><body><h1>Sitemap moved</h1></body></html>")
            else:
                _send(h, 200, "application/xml", _urlset([]))
        elif path == DISCOVERY_PATHS["sitemap-bomb"]:
            if hostile:
                _send(h, 200, "application/x-gzip", self._gzip_bomb())
            else:
                _send(h, 200, "application/x-gzip", gzip.compress(_urlset([])))
        elif path == DISCOVERY_PATHS["sitemap-truncated"]:
            packed = gzip.compress(_urlset([self.release_url(i) for i in self.good]))
            _send(h, 200, "application/x-gzip", packed[: len(packed) // 2] if hostile else packed)
        elif path == DISCOVERY_PATHS["sitemap-odd-locs"]:
            locs = ["file:///etc/passwd", "ftp://127.0.0.1/etc/passwd", "javascript:alert(1)"]
            locs += ["http://[::1", "http://127.0.0.1:99999/x", "   ", "data:text/html,<p>x</p>"]
            locs += [f"{sentinel}{PAGE_PREFIX}offsite", self.url + "/news/" + "x" * 3000]
            if hostile:
                locs.append(self.url + PAGE_PREFIX + "sitemap-odd-locs")
            _send(h, 200, "application/xml", _urlset(locs))
        elif path == DISCOVERY_PATHS["feed-broken-dates"]:
            items = []
            if hostile:
                link = self.url + PAGE_PREFIX + "feed-broken-dates"
                for date in ("yesterday", "Mon, 45 Foo 2024 99:99:99 +9999", ""):
                    items.append(
                        f"<item><title>x</title><link>{escape(link)}</link>"
                        f"<pubDate>{escape(date)}</pubDate></item>"
                    )
            feed = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Faults</title><lastBuildDate>not a date</lastBuildDate>{''.join(items)}"
                "</channel></rss>"
            )
            _send(h, 200, "application/rss+xml", feed.encode())
        elif path == DISCOVERY_PATHS["hostile-links"]:
            links = [
                "file:///etc/passwd",
                "FILE:///etc/shadow",
                "ftp://127.0.0.1/pub/file.txt",
                "javascript:alert(document.cookie)",
                "data:text/html;base64,PHA+aGk8L3A+",
                "mailto:press@example.org",
                "tel:+15550100",
                f"{sentinel}{PAGE_PREFIX}offsite-link",
                f"//127.0.0.2:{urlsplit(sentinel).port}{PAGE_PREFIX}protocol-relative",
                "http://[::1",
            ]
            if hostile:
                links.append(PAGE_PREFIX + "hostile-links")
            anchors = "".join(f'<li><a href="{escape(u)}">link</a></li>' for u in links)
            _send(h, 200, "text/html; charset=utf-8", _html("Links", f"<ul>{anchors}</ul>"))
        else:
            _send(h, 404, "text/html", b"<html><body>Not found</body></html>")

    # crawler traps ---------------------------------------------------------------------

    @property
    def trap_release(self) -> Any:
        """The release linked from /traps (the last one of the site)."""
        return self.releases[-1]

    def _trap_release(self, h: BaseHTTPRequestHandler) -> None:
        _send(h, 200, "text/html; charset=utf-8", _trap_release_html(self.trap_release))

    def _trap(self, h: BaseHTTPRequestHandler, path: str, query: str) -> None:
        self._note(h, "trap")
        args = parse_qs(query)
        links: list[str] = []
        title = "Trap"
        if path == "/traps":
            links = [
                "/traps/calendar?month=2031-07",
                "/traps/session?sid=a1",
                "/traps/session;jsessionid=B2",
                "/traps/grow?q=" + "a" * 100,
                "/traps/farm/1",
                "/traps/release",
                "file:///etc/passwd",
                "javascript:void(0)",
                "ftp://127.0.0.1/",
            ]
        elif path == "/traps/release":
            self._trap_release(h)
            return
        elif path == "/traps/calendar":
            year, month = (int(x) for x in args.get("month", ["2031-07"])[0].split("-")[:2])
            nxt = (year + month // 12, month % 12 + 1)
            prev = (year - (month == 1), (month - 2) % 12 + 1)
            links = [f"/traps/calendar?month={y:04d}-{m:02d}" for y, m in (nxt, prev)]
            title = f"Events {year}-{month:02d}"
        elif path.startswith("/traps/session"):
            n = self._count("session-ids")
            links = [f"/traps/session?sid=s{n}x", f"/traps/session/item?id=1&PHPSESSID=p{n}"]
        elif path == "/traps/grow":
            q = args.get("q", [""])[0]
            links = [f"/traps/grow?q={q}{'b' * 100}"]
        elif path.startswith("/traps/farm/"):
            seed = path.rsplit("/", 1)[-1]
            links = [
                f"/traps/farm/{(int(seed or 0) * 7919 + k * 104729) % 10**9}" for k in range(12)
            ]
        anchors = "".join(f'<a href="{escape(u)}">more</a> ' for u in links)
        _send(h, 200, "text/html; charset=utf-8", _html(title, f"<p>{anchors}</p>"))


def _trap_release_html(release: Any) -> bytes:
    """A release page with no links: what a walk through the traps should find."""
    ld = (
        '{"@context": "https://schema.org", "@type": "NewsArticle", '
        f'"headline": {json.dumps(release.title)}, "datePublished": "{release.date_published}"}}'
    )
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in release.paragraphs)
    body = f"<article><h1>{escape(release.title)}</h1>{paragraphs}</article>"
    head = f'<script type="application/ld+json">{ld}</script>'
    return _html(escape(release.title), body).replace(b"</head>", head.encode() + b"</head>")


def _utcnow_plus(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)


# --- encodings -------------------------------------------------------------------

_META_UTF8 = '<meta charset="utf-8">'


def _cp1252_quotes(html: str) -> bytes:
    """UTF-8, except that the curly quotes of the first paragraphs are windows-1252 bytes."""
    data = html.encode("utf-8")
    start = data.find(b"<p>")
    head, tail = data[:start], data[start:]
    for char in ("\u201c", "\u201d", "\u2013", "\u2019"):
        tail = tail.replace(char.encode("utf-8"), char.encode("cp1252"), 2)
    return head + tail


def _invalid_bytes(html: str) -> bytes:
    data = html.replace(_META_UTF8, "").encode("utf-8")
    return data.replace(b"<body", b'<!-- \xff\xfe\x81\xc3( --><i data-x="\xff\xfe"></i><body', 1)


_ENCODINGS: dict[str, Callable[[str], tuple[bytes, str]]] = {
    "charset-wrong": lambda html: (
        html.replace(_META_UTF8, "").encode("utf-8"),
        "text/html; charset=iso-8859-1",
    ),
    "charset-missing": lambda html: (html.replace(_META_UTF8, "").encode("utf-8"), "text/html"),
    "cp1252-declared": lambda html: (
        html.replace(_META_UTF8, '<meta charset="windows-1252">').encode(
            "cp1252", "xmlcharrefreplace"
        ),
        "text/html; charset=windows-1252",
    ),
    "utf16-bom": lambda html: (
        html.replace(_META_UTF8, "").encode("utf-16"),
        "text/html; charset=utf-16",
    ),
    "utf16-undeclared": lambda html: (html.replace(_META_UTF8, "").encode("utf-16"), "text/html"),
    "bom-beats-header": lambda html: (
        b"\xef\xbb\xbf" + html.replace(_META_UTF8, "").encode("utf-8"),
        "text/html; charset=windows-1252",
    ),
    "mixed-encodings": lambda html: (_cp1252_quotes(html), "text/html; charset=utf-8"),
    "invalid-bytes": lambda html: (_invalid_bytes(html), "text/html"),
}


# --- raw HTTP ---------------------------------------------------------------------


def _head(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str]) -> None:
    h.send_response(status)
    for name, value in headers.items():
        h.send_header(name, value)
    h.end_headers()


def _send(
    h: BaseHTTPRequestHandler,
    status: int,
    content_type: str,
    body: bytes,
    headers: dict[str, str] | None = None,
) -> None:
    extra = {
        k: v
        for k, v in (headers or {}).items()
        if k.lower() not in ("content-type", "content-length")
    }
    _head(h, status, {"Content-Type": content_type, **extra, "Content-Length": str(len(body))})
    if h.command != "HEAD" and body:
        h.wfile.write(body)


def _send_slowly(
    h: BaseHTTPRequestHandler, content_type: str, body: bytes, seconds: float, stop: threading.Event
) -> None:
    _head(h, 200, {"Content-Type": content_type, "Content-Length": str(len(body))})
    steps = 10
    size = len(body) // steps + 1
    for start in range(0, len(body), size):
        h.wfile.write(body[start : start + size])
        h.wfile.flush()
        if stop.wait(seconds / steps):
            return


def _chunk(h: BaseHTTPRequestHandler, data: bytes) -> None:
    h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")


def _stream(h: BaseHTTPRequestHandler, total: int, stop: threading.Event, *, chunked: bool) -> None:
    block = (b"<p>" + b"all work and no play " * 3000 + b"</p>\n")[: 64 * 1024]
    sent = 0
    while sent < total and not stop.is_set():
        data = block[: total - sent]
        if chunked:
            _chunk(h, data)
        else:
            h.wfile.write(data)
        sent += len(data)
    if chunked and sent >= total:
        h.wfile.write(b"0\r\n\r\n")


def _hang_up(h: BaseHTTPRequestHandler) -> None:
    h.wfile.flush()
    with contextlib.suppress(OSError):
        h.connection.shutdown(socket.SHUT_RDWR)
    h.close_connection = True


def _html(title: str, body: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>"
    ).encode()


def _urlset(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{escape(u)}</loc></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    ).encode()


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


# --- starting servers ----------------------------------------------------------------


@contextlib.contextmanager
def serve_faults(
    site: Site | None = None, *, robots: str = "normal", faults: bool = True
) -> Iterator[FaultServer]:
    """Start a fault server (and its off-site sentinel) in daemon threads.

    ``faults=False`` serves ``site`` with no fault assigned (the robots.txt,
    crawler-trap and archive scenarios need only a few healthy releases).
    """
    with contextlib.ExitStack() as stack:
        sentinel = stack.enter_context(_start_sentinel())
        server = FaultServer(site, robots=robots, sentinel=sentinel, faults=faults)
        server.start()
        stack.callback(server.stop)
        yield server


@contextlib.contextmanager
def _start_sentinel() -> Iterator[Sentinel]:
    try:
        sentinel = Sentinel("127.0.0.2")  # another host on the loopback interface (Linux)
    except OSError:  # pragma: no cover - 127.0.0.2 is not configured (macOS)
        sentinel = Sentinel("localhost")
    sentinel.start()
    try:
        yield sentinel
    finally:
        sentinel.stop()


# --- judging a crawl -----------------------------------------------------------------


@dataclass
class Snapshot:
    """What an archive held after a run: articles by URL, the run's failures."""

    articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)  # url -> reason (last run)
    revisions: int = 0
    run: dict[str, Any] = field(default_factory=dict)
    # Article or failure URLs that are not http(s), and texts holding /etc/passwd.
    non_http: list[str] = field(default_factory=list)


def snapshot(db: str | Path) -> Snapshot:
    """Read ``db`` with plain sqlite3 (read-only): what :func:`judge` compares."""
    con = sqlite3.connect(f"file:{Path(db).resolve()}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        articles = {
            row["url"]: dict(row)
            for row in con.execute(
                "SELECT url, fetched_url, title, text, text_hash, date_published FROM articles"
            )
        }
        run = con.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        failures = {}
        if run is not None:
            for row in con.execute(
                "SELECT url, reason FROM failures WHERE run_id = ? ORDER BY id", [run["id"]]
            ):
                failures[row["url"]] = row["reason"]
        revisions = con.execute("SELECT count(*) FROM revisions").fetchone()[0]
        non_http = [
            url
            for (url,) in con.execute(
                "SELECT url FROM articles UNION ALL SELECT fetched_url FROM articles"
                " UNION ALL SELECT url FROM failures UNION ALL SELECT url FROM captures"
            )
            if url and not url.lower().startswith(("http://", "https://"))
        ]
        non_http += [
            f"/etc/passwd in {url}"
            for (url,) in con.execute("SELECT url FROM articles WHERE text LIKE '%root:x:0:0%'")
        ]
    finally:
        con.close()
    return Snapshot(articles, failures, revisions, dict(run) if run is not None else {}, non_http)


def newest_run(db: str | Path) -> int:
    """The id of the archive's newest run, 0 if none (or no archive yet)."""
    try:
        con = sqlite3.connect(f"file:{Path(db).resolve()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return con.execute("SELECT coalesce(max(id), 0) FROM runs").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        con.close()


def progress(db: str | Path, after_run: int) -> int:
    """Articles stored or confirmed by runs newer than ``after_run``; -1 before such a run."""
    if not Path(db).exists():
        return -2
    try:
        con = sqlite3.connect(f"file:{Path(db).resolve()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return -2
    try:
        if con.execute("SELECT count(*) FROM runs WHERE id > ?", [after_run]).fetchone()[0] == 0:
            return -1
        return con.execute(
            "SELECT count(*) FROM articles WHERE run_id > ?", [after_run]
        ).fetchone()[0]
    except sqlite3.Error:
        return -1  # the schema is being created
    finally:
        con.close()


def corrupt_archive(db: str | Path, where: str) -> None:
    """Damage an archive file in place: its ``"header"``, or some of its ``"pages"``.

    A broken header makes the file "not a pressroom archive"; random bytes over
    pages 3-6 make SQLite report it corrupt. Deterministic (seeded).
    """
    with open(db, "r+b") as fp:
        if where == "header":
            fp.write(b"this is not SQLite" * 4)
        elif where == "pages":
            fp.seek(4096 * 2)
            fp.write(random.Random(7).randbytes(4096 * 4))
        else:
            raise ValueError(f"where must be 'header' or 'pages', not {where!r}")


def kill_during(
    command: list[str], db: str | Path, target: int, jitter: float, cwd: str | Path
) -> str:
    """Run ``command`` (a crawl into ``db``) and SIGKILL it at a chosen moment.

    ``target`` -2: as soon as the archive file exists; -1: once the run is recorded;
    n >= 0: once the run has stored n articles; then ``jitter`` seconds more.
    Returns when the kill landed, for messages ("after 4 articles + 0.12 s").
    """
    before = newest_run(db)
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    reached = -3
    while proc.poll() is None and time.monotonic() < deadline:
        reached = progress(db, before)
        if reached >= target:
            break
        time.sleep(0.01)
    time.sleep(jitter)
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stage = {-3: "at start", -2: "once the file existed", -1: "once the run was recorded"}
    where = stage.get(reached, f"after {reached} articles")
    return f"{where} + {jitter:.2f} s" + (" (it had already finished)" if finished else "")


@dataclass
class Verdict:
    fault: str
    passed: bool
    lost: int  # stored articles lost or changed for the worse because of this fault
    problem: str = ""


def judge(
    server: FaultServer, before: Snapshot, after: Snapshot, *, backoff: float = 1.0
) -> list[Verdict]:
    """Judge a hostile crawl (``after``) against the healthy archive before it (``before``).

    ``before`` may be an empty Snapshot (a hostile crawl into a fresh archive);
    ``backoff`` is the crawl's PRESSROOM_RETRY_BACKOFF.
    Returns one Verdict per fault, plus "rest of the site" and "off-site requests".
    """
    verdicts = [_judge_one(server, fault, before, after, backoff) for fault in FAULTS]
    lost = 0
    problems = []
    for index in server.good:
        url = server.release_url(index)
        was, now = before.articles.get(url), after.articles.get(url)
        if now is None:
            problems.append(f"good release missing: {url}")
            lost += was is not None
        elif was is not None and was["text_hash"] != now["text_hash"]:
            problems.append(f"good release changed: {url}")
            lost += 1
    if after.revisions != before.revisions:
        problems.append(f"{after.revisions - before.revisions} revisions created by faults")
    verdicts.append(Verdict("rest of the site", not problems, lost, "; ".join(problems)))
    offsite = [h.path for h in server.sentinel.hits()] if server.sentinel else []
    verdicts.append(Verdict("off-site requests", not offsite, 0, ", ".join(offsite[:3])))
    verdicts.append(Verdict("non-HTTP URLs", not after.non_http, 0, ", ".join(after.non_http[:3])))
    return verdicts


def _judge_one(
    server: FaultServer, fault: Fault, before: Snapshot, after: Snapshot, backoff: float
) -> Verdict:
    url = server.fault_url(fault.name)
    was, now = before.articles.get(url), after.articles.get(url)
    reason = after.failures.get(url)
    problems: list[str] = []
    lost = 0
    if was is not None and (now is None or now["text_hash"] != was["text_hash"]):
        lost += 1
        problems.append("stored article lost or changed")
    if fault.expect == "fail":
        if reason is None:
            problems.append("not recorded as failed")
        elif not re.search(fault.reason, reason):
            problems.append(f"reason {reason!r} does not match {fault.reason!r}")
    elif fault.expect == "same":
        if reason is not None:
            problems.append(f"recorded as failed: {reason}")
        if now is None:
            problems.append("not archived")
        elif was is not None and now["text_hash"] != was["text_hash"]:
            pass  # counted above
        elif now["title"] != server.expected_title(fault.name):
            problems.append(f"wrong title {now['title']!r}")
    elif fault.expect in ("archived", "either"):
        archived = now is not None and now["title"] == server.expected_title(fault.name)
        failed = reason is not None and reason.strip() and "\n" not in reason
        if fault.expect == "archived" and not archived:
            problems.append(f"not archived (failure: {reason})" if reason else "not archived")
        if fault.expect == "either" and not (archived or failed):
            problems.append("neither archived nor recorded as failed")
    if fault.name == "canonical-other" or fault.name == "canonical-conflicting":
        other = server.release_url(server.good[0 if fault.name == "canonical-other" else 1])
        was_other, now_other = before.articles.get(other), after.articles.get(other)
        if now_other is None or (was_other and was_other["text_hash"] != now_other["text_hash"]):
            lost += 1
            problems.append(f"the release its canonical names was overwritten: {other}")
        elif (
            now_other["title"]
            != server.releases[server.good[0 if fault.name == "canonical-other" else 1]].title
        ):
            lost += 1
            problems.append(f"the release its canonical names holds another text: {other}")
    problems += _timing_problems(server, fault, backoff)
    return Verdict(fault.name, not problems, lost, "; ".join(problems))


def _timing_problems(server: FaultServer, fault: Fault, backoff: float) -> list[str]:
    """Retry-After honoured; exponential backoff without it (gaps are lower bounds)."""
    if fault.name not in ("retry-after-429", "retry-after-date-503", "backoff-429"):
        return []
    times = [h.at for h in server.requests_for(fault.name) if h.note == fault.name]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    if fault.name == "retry-after-429":
        if len(gaps) < 2 or min(gaps[:2]) < RETRY_AFTER * 0.9:
            return [f"Retry-After {RETRY_AFTER} s not honoured: gaps {_fmt(gaps)}"]
    elif fault.name == "retry-after-date-503":
        # An HTTP-date has whole seconds: asked for RETRY_AFTER + 1, at least RETRY_AFTER.
        if not gaps or gaps[0] < RETRY_AFTER * 0.9:
            return [f"Retry-After date not honoured: gaps {_fmt(gaps)}"]
    else:
        wanted = [backoff * 2**i for i in range(BACKOFF_429S)]
        if len(gaps) < BACKOFF_429S or any(
            gap < 0.9 * want for gap, want in zip(gaps, wanted, strict=False)
        ):
            return [f"no exponential backoff: gaps {_fmt(gaps)}, wanted {_fmt(wanted)}"]
    return []


def _fmt(gaps: list[float]) -> str:
    return "[" + ", ".join(f"{g:.2f}" for g in gaps) + "]"
