"""A real ``redis-server`` for the cluster tests: free 127.0.0.1 port, temp dir, password.

Example::

    >>> server = RedisServer(tmp_path).start()
    >>> server.client().ping()
    True
    >>> server.stop(kill=True)          # SIGKILL, as a crash would
    >>> server.start().client().ping()  # same port, same dir: the append-only file is replayed
    True
    >>> server.stop()

Persistence is on (``appendonly yes``), as the cluster's docs ask of a real
deployment, so a restart keeps the frontier. ``fsync="always"`` makes a
SIGKILL lose nothing either (the default ``everysec`` may lose the last second).

The :func:`redis_server` fixture skips the test, saying why, where Debian's
``redis-server`` is not installed.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import free_port

REDIS_SERVER = shutil.which("redis-server")
SKIP_REASON = "redis-server is not installed (apt-get install redis-server)"


class RedisServer:
    def __init__(
        self,
        directory: Path,
        *,
        password: str | None = None,
        fsync: str = "everysec",
        tls: bool = False,
    ) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.password = password if password is not None else secrets.token_hex(12)
        self.fsync = fsync
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        # tls: TLS only (no plain port), a certificate for 127.0.0.1 signed by a CA of
        # its own, ``ca``, which clients must trust (SSL_CERT_FILE, as the README says).
        self.ca = make_certificates(self.dir) if tls else None

    @property
    def url(self) -> str:
        scheme = "rediss" if self.ca else "redis"
        return f"{scheme}://:{self.password}@127.0.0.1:{self.port}/0"

    def client(self, **options: object):  # -> redis.Redis
        import redis

        if self.ca:
            options.setdefault("ssl_ca_certs", str(self.ca))
        return redis.Redis.from_url(self.url, **options)  # type: ignore[arg-type]

    def start(self, timeout: float = 10.0) -> RedisServer:
        if REDIS_SERVER is None:
            raise RuntimeError(SKIP_REASON)
        if self.ca:
            ports = ["--port", "0", "--tls-port", str(self.port), "--tls-auth-clients", "no"]
            ports += ["--tls-cert-file", str(self.dir / "server.crt")]
            ports += ["--tls-key-file", str(self.dir / "server.key")]
            ports += ["--tls-ca-cert-file", str(self.ca)]
        else:
            ports = ["--port", str(self.port)]
        args = [
            REDIS_SERVER,
            *ports,
            "--bind", "127.0.0.1",
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", self.fsync,
            "--save", "",
            "--requirepass", self.password,
            "--daemonize", "no",
            "--logfile", str(self.dir / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        client = self.client(socket_connect_timeout=0.5, socket_timeout=0.5)
        while True:
            if self.process.poll() is not None:
                log = (self.dir / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server exited ({self.process.returncode}): {log}")
            try:
                if client.ping():
                    client.close()
                    return self
            except Exception:  # noqa: BLE001 (not up yet, or still loading the AOF)
                if time.monotonic() > deadline:
                    self.stop(kill=True)
                    raise RuntimeError(f"redis-server not answering on port {self.port}") from None
                time.sleep(0.05)

    def stop(self, *, kill: bool = False) -> None:
        """SHUTDOWN (the AOF is flushed) or, with ``kill``, SIGKILL as a crash would."""
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            with contextlib.suppress(Exception):  # SHUTDOWN closes the link: an error
                self.client(socket_timeout=5).shutdown()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, *, kill: bool = False) -> RedisServer:
        self.stop(kill=kill)
        return self.start()


def make_certificates(directory: Path) -> Path:
    """A CA and a server certificate for 127.0.0.1 signed by it (openssl); the CA's path."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (it makes the TLS test's certificates)")
    d = Path(directory)
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    for args in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test CA",
         "-keyout", "ca.key", "-out", "ca.crt"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-keyout", "server.key", "-out", "server.csr"],
        ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-days", "2", "-extfile", "san.cnf", "-out", "server.crt"],
    ):  # fmt: skip
        subprocess.run([openssl, *args], cwd=d, check=True, capture_output=True)
    return d / "ca.crt"


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for a test module (each test flushes it through ``redis_client``)."""
    if REDIS_SERVER is None:
        pytest.skip(SKIP_REASON)
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop(kill=True)


@pytest.fixture
def redis_client(redis_server: RedisServer):  # -> Iterator[redis.Redis]
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()
