"""The Redis link: a password unless on loopback, and one-line errors."""

from __future__ import annotations

import doctest

import pytest
from redis_server import redis_server

from crawler.cluster import link

__all__ = ["redis_server"]  # fixture, used by name


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://localhost/0",
        "redis://[::1]:6379",
        "redis://:pw@10.0.0.5:6379/0",
        "redis://bot:pw@redis.lan/2",
        "rediss://:pw@redis.example.org:6380/0",
        "unix:///run/redis/redis.sock",
    ],
)
def test_accepted_urls(url):
    link.check_url(url)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis://10.0.0.5:6379/0", "needs a password"),
        ("redis://bot@redis.lan/0", "needs a password"),  # a user without a password
        ("rediss://redis.example.org/0", "needs a password"),
        ("http://127.0.0.1:6379", "not a Redis URL"),
        ("redis://127.0.0.1:99999", "not a Redis URL"),
        ("redis:///0", "no host"),
    ],
)
def test_refused_urls(url, says):
    with pytest.raises(link.LinkError) as refused:
        link.check_url(url)
    message = str(refused.value)
    assert says in message and "\n" not in message


def test_password_from_the_environment_and_never_shown(monkeypatch):
    monkeypatch.setenv(link.PASSWORD_ENV, "s3cr:t")
    url = link.with_password("redis://10.0.0.5:6379/0")
    link.check_url(url)
    assert link._shown(url) == "redis://:***@10.0.0.5:6379/0"


def test_connect_errors_are_one_line(redis_server, monkeypatch):
    monkeypatch.delenv(link.PASSWORD_ENV, raising=False)
    assert link.connect(redis_server.url).ping()
    port = redis_server.port
    with pytest.raises(link.LinkError, match="refused the password") as wrong:
        link.connect(f"redis://:wrong@127.0.0.1:{port}/0")
    assert "wrong" not in str(wrong.value)  # the password is not printed
    with pytest.raises(link.LinkError, match="wants a password"):
        link.connect(f"redis://127.0.0.1:{port}/0")  # loopback: allowed, but Redis says no
    with pytest.raises(link.LinkError, match="cannot reach Redis"):
        link.connect("redis://127.0.0.1:1/0", timeout=1, retry_seconds=1)


def test_examples_in_the_docstrings():
    from crawler.cluster import addresses, seen

    for module in (link, addresses):
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for test in finder.find(seen.bloom_size, "bloom_size", globs={"bloom_size": seen.bloom_size}):
        assert runner.run(test).failed == 0


def test_the_rights_are_probed_once_a_process_for_each_url(redis_server, monkeypatch):
    # A coordinator connects twice at its start and a worker three times: the
    # probe (four round trips) runs for the first connection to each URL only.
    monkeypatch.delenv(link.PASSWORD_ENV, raising=False)
    monkeypatch.setattr(link, "_PERMITTED", set())
    probes: list[object] = []
    real = link.check_permissions
    monkeypatch.setattr(link, "check_permissions", lambda c: probes.append(c) or real(c))
    other = redis_server.url.rsplit("/", 1)[0] + "/1"
    for url in (redis_server.url, redis_server.url, other, redis_server.url):
        link.connect(url).close()
    assert len(probes) == 2
