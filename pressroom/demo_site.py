"""Serve the bundled, pre-rendered demo site on 127.0.0.1 (what ``pressroom demo`` crawls).

Example::

    >>> with serve() as server:  # doctest: +SKIP
    ...     urllib.request.urlopen(server.url + "/robots.txt").status
    200

The site (``demo_site.json.xz``, written by ``fixtures/demo/bundle.py``) holds
each resource rendered with :data:`PLACEHOLDER` as its base URL; the server
puts its own address there. Standard library only: GET and HEAD, strong ETags,
Last-Modified, and 304 for conditional requests, as a real newsroom answers.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import json
import lzma
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BUNDLE = Path(__file__).with_name("demo_site.json.xz")
PLACEHOLDER = "http://demo.pressroom.invalid"
RELEASES = 36  # English releases in the bundle; every fifth also in French


@dataclass(frozen=True)
class Resource:
    """One served file: its bytes and the headers a 200 carries."""

    body: bytes
    headers: dict[str, str]


@functools.cache
def _bundle() -> dict[str, Any]:
    return json.loads(lzma.decompress(BUNDLE.read_bytes()))


def translations() -> int:
    """How many of the :data:`RELEASES` the bundle also holds in French (a page each).

    >>> translations()
    8
    """
    return sum(1 for path in _bundle()["pages"] if path.startswith("/fr/news/"))


def resources(base: str) -> dict[str, Resource]:
    """Every path of the site, rendered for ``base`` (e.g. ``http://127.0.0.1:8000``)."""
    out = {}
    for path, page in _bundle()["pages"].items():
        body = page["text"].replace(PLACEHOLDER, base).encode("utf-8")
        if page["gzip"]:
            body = gzip.compress(body, mtime=0)
        headers = {
            "Content-Type": page["type"],
            "ETag": f'"{hashlib.sha1(body).hexdigest()}"',
            "Last-Modified": page["last_modified"],
            "Cache-Control": "public, max-age=0, must-revalidate",
        }
        out[path] = Resource(body, headers)
    return out


def _not_modified(resource: Resource, request: Any) -> bool:
    """RFC 9110: If-None-Match wins over If-Modified-Since."""
    tags = request.get("If-None-Match")
    if tags is not None:
        etag = resource.headers["ETag"]
        return tags.strip() == "*" or etag in [
            t.strip().removeprefix("W/") for t in tags.split(",")
        ]
    since = request.get("If-Modified-Since")
    if not since:
        return False
    with contextlib.suppress(TypeError, ValueError, IndexError):
        modified = parsedate_to_datetime(resource.headers["Last-Modified"])
        return modified <= parsedate_to_datetime(since)
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy expects
    server_version = "pressroom-demo"
    sys_version = ""
    timeout = 60
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the demo prints its own progress

    def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and status != 304:
            self.wfile.write(body)

    def _serve(self, head: bool) -> None:
        resource = self.server.site.get(self.path.split("?")[0])
        if resource is None:
            self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, b"Not Found\n", head)
        elif _not_modified(resource, self.headers):
            keep = ("ETag", "Last-Modified", "Cache-Control")
            self._send(304, {k: resource.headers[k] for k in keep}, b"", head)
        else:
            self._send(200, resource.headers, resource.body, head)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # Scrapy opens many connections at once

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall offline.
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]


@dataclass
class DemoServer:
    """A running server: ``url`` is its base, e.g. ``http://127.0.0.1:41234``."""

    url: str


@contextlib.contextmanager
def serve(host: str = "127.0.0.1", port: int = 0) -> Iterator[DemoServer]:
    """Serve the bundled site from a daemon thread until the block ends; port 0 picks one."""
    httpd = _Server((host, port), _Handler)
    url = f"http://{httpd.server_name}:{httpd.server_port}"
    httpd.site = resources(url)  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield DemoServer(url)
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
        httpd.server_close()
