"""Serve a demo :class:`~crawler.demo.site.Site` over HTTP on the loopback interface.

    >>> from crawler.demo.site import build_site
    >>> with serve(build_site(12)) as server:  # doctest: +SKIP
    ...     urllib.request.urlopen(server.url + "/robots.txt").status
    200

Standard library only: a ``ThreadingHTTPServer`` in a daemon thread, HTTP/1.1
keep-alive, GET and HEAD, strong ETags (quoted SHA-1 of the body) and
Last-Modified on every 200, conditional requests answered with 304, and a
thread-safe log of every request in ``server.requests``.

From a shell (prints the URL on its first line, serves until SIGTERM/SIGINT)::

    python -m crawler.demo.server --releases 500 --port 8000
"""

from __future__ import annotations

import argparse
import contextlib
import re
import signal
import socket
import sys
import threading
import traceback
from datetime import UTC
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

from crawler.demo.site import Response, Site, build_site

__all__ = ["DemoServer", "RequestLog", "RequestRecord", "serve"]

_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")


class RequestRecord(NamedTuple):
    method: str
    path: str  # as requested, with the query string
    status: int


class RequestLog(list):
    """The list of (method, path, status) records the server appended, in order.

    A plain ``list`` subclass (compare it, index it, ``clear()`` it); appends
    happen under a lock, and :meth:`snapshot` gives a stable copy while the
    server is still busy."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:  # type: ignore[override]
        with self._lock:
            super().append(record)

    def clear(self) -> None:
        with self._lock:
            super().clear()

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self)

    def paths(self, method: str | None = None) -> list[str]:
        """Requested paths (with query strings), optionally for one method only."""
        return [r.path for r in self.snapshot() if method is None or r.method == method]

    def hits(self, path: str) -> int:
        """How many times ``path`` (exactly as requested) was asked for."""
        return sum(1 for r in self.snapshot() if r.path == path)


def _not_modified(response: Response, headers) -> bool:  # type: ignore[no-untyped-def]
    """RFC 9110 conditional GET/HEAD: If-None-Match wins over If-Modified-Since."""
    inm = headers.get("If-None-Match")
    if inm is not None:
        if inm.strip() == "*":
            return True
        etag = response.headers.get("ETag", "")
        tags = [tag.strip().removeprefix("W/") for tag in inm.split(",")]
        return etag in tags
    ims = headers.get("If-Modified-Since")
    if ims and response.last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            return False
        if since is None:
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        last = response.last_modified.astimezone(UTC).replace(microsecond=0)
        return last <= since
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RightsWatchDemo/1.0"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after this many seconds
    server: _Server

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):  # not a TCP socket
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # quiet: tests and benchmarks read server.requests instead

    def _base_url(self) -> str:
        host = self.headers.get("Host", "")
        if host and _HOST_RE.match(host):
            return f"http://{host}"
        return self.server.demo_url

    def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.server.log.append(RequestRecord(self.command, self.path, status))
        self.end_headers()
        if body and not head and status != 304:
            self.wfile.write(body)

    def _serve(self, head: bool) -> None:
        site = self.server.site
        base = self._base_url()
        try:
            response = site.render(self.path, base)
            if response is None:
                response = site.not_found(self.path, base)
        except Exception:  # a bug in the site: say so loudly, keep serving
            traceback.print_exc(file=sys.stderr)
            body = b"Internal Server Error\n"
            self._send(500, {"Content-Type": "text/plain; charset=utf-8"}, body, head)
            return
        if response.status == 200 and _not_modified(response, self.headers):
            keep = {k: v for k, v in response.headers.items() if k in _304_HEADERS}
            self._send(304, keep, b"", head)
            return
        self._send(response.status, response.headers, response.body, head)

    def do_GET(self) -> None:  # noqa: N802
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def _not_allowed(self) -> None:
        self.close_connection = True  # the request body, if any, is not read
        body = b"Method Not Allowed\n"
        headers = {"Content-Type": "text/plain; charset=utf-8", "Allow": "GET, HEAD"}
        self._send(405, headers, body, False)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed  # noqa: N815


_304_HEADERS = ("ETag", "Last-Modified", "Cache-Control")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024  # Scrapy opens many connections at once

    def __init__(self, address: tuple[str, int], site: Site) -> None:
        self.site = site
        self.log = RequestLog()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        self.demo_url = f"http://{host}:{port}"

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall offline.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), port

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up mid-response (a crawler stopping early) are normal here.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def track(self, conn: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            if is_open:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_connections(self) -> None:
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class DemoServer:
    """A running demo server. Use :func:`serve` to start one."""

    def __init__(self, site: Site, host: str = "127.0.0.1", port: int = 0) -> None:
        self.site = site
        self._httpd = _Server((host, port), site)
        self.host = self._httpd.server_name
        self.port = self._httpd.server_port
        self.url = self._httpd.demo_url
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"demo-server-{self.port}",
            daemon=True,
        )
        self._stopped = False

    @property
    def requests(self) -> RequestLog:
        """Every request served so far: (method, path-with-query, status) records."""
        return self._httpd.log

    def start(self) -> DemoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<DemoServer {self.url} releases={self.site.n_releases}>"


def serve(site: Site, host: str = "127.0.0.1", port: int = 0) -> DemoServer:
    """Start serving ``site`` in a daemon thread; port 0 picks a free port."""
    return DemoServer(site, host, port).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demo.server",
        description="Serve the fake press-release site until SIGTERM or SIGINT.",
    )
    parser.add_argument("--releases", type=int, default=36, help="number of English releases")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--translations-every", type=int, default=5)
    parser.add_argument(
        "--variant", choices=["default", "alt"], default="default", help="alt: a redesigned site"
    )
    parser.add_argument(
        "--page-cache",
        type=int,
        default=192,
        help="rendered responses kept in memory (a benchmark keeps the whole site)",
    )
    args = parser.parse_args(argv)

    site = build_site(
        args.releases,
        seed=args.seed,
        translations_every=args.translations_every,
        variant=args.variant,
        page_cache=args.page_cache,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    with serve(site, args.host, args.port) as server:
        print(server.url, flush=True)
        print(
            f"serving {args.releases} releases (seed {args.seed}); SIGTERM or Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
