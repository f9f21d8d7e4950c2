"""Workers refuse private, loopback and link-local addresses: after DNS, and on every redirect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import ROOT

from crawler.cluster.addresses import (
    AddressRefused,
    check_host,
    parse_networks,
    refused_reason,
    resolve,
)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),  # carrier-grade NAT
        ("fc00::1", "private"),
        ("fd00:ec2::254", "private"),  # AWS's IPv6 metadata service
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("::ffff:169.254.169.254", "link-local"),  # IPv4-mapped IPv6
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ],
)
def test_refused_addresses(address, kind):
    reason = refused_reason(address)
    assert reason is not None and reason.startswith(f"{kind} address")


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
def test_public_addresses_pass(address):
    assert refused_reason(address) is None


def test_allowed_networks_open_only_themselves():
    allowed = parse_networks(["127.0.0.1/32"])
    assert refused_reason("127.0.0.1", allowed) is None
    assert refused_reason("127.0.0.2", allowed) == "loopback address 127.0.0.2"
    assert refused_reason("::ffff:127.0.0.1", allowed) is None
    with pytest.raises(ValueError, match="not an address or network: 'nope'"):
        parse_networks(["nope"])


def test_localhost_is_refused_after_real_resolution():
    assert any(ip.is_loopback for ip in resolve("localhost"))
    with pytest.raises(AddressRefused, match="^localhost resolves to loopback address"):
        check_host("localhost")
    with pytest.raises(AddressRefused, match=r"^link-local address 169\.254\.169\.254$"):
        check_host("169.254.169.254")
    with pytest.raises(AddressRefused, match="loopback"):
        check_host("[::1]")
    assert check_host("localhost", allowed=parse_networks(["127.0.0.0/8", "::1"]))


class Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        port = self.server.server_address[1]
        targets = {
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/to-ipv6-loopback": f"http://[::1]:{port}/ok",
            "/to-localhost": f"http://localhost:{port}/ok",
        }
        if self.path in targets:
            self.send_response(302)
            self.send_header("Location", targets[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


# A real Scrapy crawl with the middleware, as a worker would run it; one JSON line a URL.
CRAWL = """
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

class Probe(scrapy.Spider):
    name = "probe"
    async def start(self):
        for url in json.loads(sys.argv[1]):
            yield scrapy.Request(url, callback=self.ok, errback=self.refused, dont_filter=True)
    def ok(self, response):
        print(json.dumps({"asked": response.meta.get("redirect_urls", [response.url])[0],
                          "fetched": response.url}), flush=True)
    def refused(self, failure):
        request = failure.request
        print(json.dumps({"asked": request.meta.get("redirect_urls", [request.url])[0],
                          "error": str(failure.value)}), flush=True)

settings = json.loads(sys.argv[2])
settings.update(LOG_LEVEL="ERROR", ROBOTSTXT_OBEY=False, TELNETCONSOLE_ENABLED=False,
                DOWNLOADER_MIDDLEWARES={"crawler.cluster.guard.AddressGuardMiddleware": 50})
process = CrawlerProcess(settings)
process.crawl(Probe)
process.start()
"""


def crawl(urls: list[str], settings: dict) -> dict[str, dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CRAWL, json.dumps(urls), json.dumps(settings)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {row["asked"]: row for row in rows}


def test_middleware_checks_every_redirect_hop(site):
    urls = [f"{site}/ok", f"{site}/to-metadata", f"{site}/to-ipv6-loopback", f"{site}/to-localhost"]
    seen = crawl(urls, {"PRESSROOM_ALLOWED_ADDRESSES": ["127.0.0.1/32"]})
    assert seen[f"{site}/ok"]["fetched"] == f"{site}/ok"
    assert seen[f"{site}/to-metadata"]["error"] == "refused: link-local address 169.254.169.254"
    assert seen[f"{site}/to-ipv6-loopback"]["error"] == "refused: loopback address ::1"
    # localhost resolves to 127.0.0.1 only on this machine (getent ahosts localhost)...
    if all(str(ip) == "127.0.0.1" for ip in resolve("localhost")):
        assert seen[f"{site}/to-localhost"]["fetched"].endswith("/ok")
    else:  # ...elsewhere also to ::1, which is not allowed
        assert "refused: localhost resolves to loopback" in seen[f"{site}/to-localhost"]["error"]


def test_middleware_refuses_loopback_unless_allowed(site):
    refused = crawl([f"{site}/ok"], {})
    assert refused[f"{site}/ok"]["error"] == "refused: loopback address 127.0.0.1"
    allowed = crawl([f"{site}/ok"], {"PRESSROOM_ALLOW_PRIVATE_ADDRESSES": True})
    assert allowed[f"{site}/ok"]["fetched"] == f"{site}/ok"
