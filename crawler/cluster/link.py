"""The Redis link: refused without a password or ACL user unless Redis is on this machine.

Example::

    >>> check_url("redis://127.0.0.1:6379/0")                 # loopback: no password needed
    >>> check_url("redis://10.0.0.5:6379/0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crawler.cluster.link.InsecureLink: redis://10.0.0.5:6379/0: a Redis link to another ...

Whoever can write to the crawl's Redis can make every worker fetch what they
like and forge results (with scrapy-redis, whose requests are pickled, also run
code in the workers; pressroom's messages are JSON, :mod:`crawler.cluster.serial`).
So a link to another machine must authenticate; ``rediss://``
(TLS) also encrypts it. A password on the command line shows in ``ps``:
``PRESSROOM_REDIS_PASSWORD`` in the environment is used when the URL has none.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from extraction.urls import is_loopback

SCHEMES = ("redis", "rediss", "unix")
PASSWORD_ENV = "PRESSROOM_REDIS_PASSWORD"
# What a cluster crawl's Redis user needs, as ACL SETUSER rules (README: Several machines).
ACL_CATEGORIES = "+@read +@write +@stream +@scripting +@transaction +@connection +time +info"


class LinkError(Exception):
    """The Redis link cannot be used (bad input: the CLI exits 2)"""

    exit_code = 2


class InsecureLink(LinkError):
    """A Redis link to another machine without a password"""


class NotPermitted(LinkError):
    """The Redis user's ACL lacks a command a cluster crawl sends (the CLI exits 2)"""


class Unreachable(LinkError):
    """Redis did not answer, or refused the password (the run failed: the CLI exits 1)"""

    exit_code = 1


def with_password(url: str, env: Mapping[str, str] | None = None) -> str:
    """``url`` with the password from PRESSROOM_REDIS_PASSWORD when it has none.

    >>> with_password("redis://10.0.0.5/0", {"PRESSROOM_REDIS_PASSWORD": "s3cret"})
    'redis://:s3cret@10.0.0.5/0'
    """
    env = os.environ if env is None else env
    parts = urlsplit(url)
    password = env.get(PASSWORD_ENV)
    if parts.password or not password or parts.scheme not in ("redis", "rediss"):
        return url
    user = quote(unquote(parts.username or ""), safe="")
    netloc = f"{user}:{quote(password, safe='')}@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit(parts._replace(netloc=netloc))


def check_url(url: str) -> None:
    """Raise :class:`LinkError` for a URL pressroom will not use (one line, says why)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as exc:
        raise LinkError(f"{_shown(url)}: not a Redis URL ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise LinkError(f"{_shown(url)}: not a Redis URL (redis://, rediss:// or unix://)")
    if parts.scheme == "unix":
        return  # a socket file: this machine, guarded by file permissions
    if not host:
        raise LinkError(f"{_shown(url)}: no host")
    db = parts.path.strip("/")
    if db and not db.isdigit():  # redis-py would quietly use database 0
        raise LinkError(f"{_shown(url)}: {db!r} is not a database number (redis://host:6379/0)")
    if not parts.password and not is_loopback(host):
        raise InsecureLink(
            f"{_shown(url)}: a Redis link to another machine needs a password "
            "(redis://:PASSWORD@host or redis://USER:PASSWORD@host, or "
            f"{PASSWORD_ENV})"
        )


def connect(url: str, *, timeout: float = 10.0, retry_seconds: float = 30.0) -> Any:
    """A checked, working client (bytes in and out) for ``url``, or a one-line :class:`LinkError`.

    Commands are retried with backoff for about ``retry_seconds`` when the
    connection drops, so a Redis restart mid-crawl is waited out.
    """
    import redis
    from redis.backoff import ExponentialBackoff, NoBackoff
    from redis.retry import Retry

    url = with_password(url)
    check_url(url)
    options: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    # The first PING without retries: a wrong password (an AuthenticationError,
    # which is a ConnectionError) or a wrong address is said at once.
    probe = redis.Redis.from_url(url, retry=Retry(NoBackoff(), 0), **options)
    try:
        probe.ping()
    except redis.AuthenticationError:
        if urlsplit(url).password is None:
            raise Unreachable(f"{_shown(url)}: Redis wants a password or user") from None
        raise Unreachable(f"{_shown(url)}: Redis refused the password or user") from None
    except redis.exceptions.NoPermissionError as exc:  # PING refused: no +@connection
        raise _not_permitted(url, exc) from None
    except redis.ResponseError as exc:
        if "DB index is out of range" in str(exc):  # a database number Redis does not have
            db = urlsplit(url).path.strip("/")
            raise LinkError(f"{_shown(url)}: Redis has no database {db} ({exc})") from None
        if "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
            raise Unreachable(f"{_shown(url)}: Redis wants a password or user ({exc})") from None
        raise Unreachable(f"{_shown(url)}: {exc}") from None
    except redis.RedisError as exc:
        raise Unreachable(f"{_shown(url)}: cannot reach Redis ({exc})") from None
    finally:
        probe.close()
    client = redis.Redis.from_url(
        url,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=2.0, base=0.1), max(1, int(retry_seconds / 2))),
        retry_on_error=[redis.ConnectionError, redis.TimeoutError],
        **options,
    )
    try:
        if url not in _PERMITTED:  # once a process: a crawl connects two or three times
            check_permissions(client)
            _PERMITTED.add(url)
    except redis.exceptions.NoPermissionError as exc:
        client.close()
        raise _not_permitted(url, exc) from None
    return client


def _not_permitted(url: str, exc: Exception) -> NotPermitted:
    return NotPermitted(
        f"{_shown(url)}: the Redis user may not run what a cluster crawl needs ({exc}); "
        f"give it {ACL_CATEGORIES} on keys ~pressroom:*"
    )


# The URLs whose user passed check_permissions in this process. Rights lost later
# are said by the command that needs them (the crawl then fails, it does not hang).
_PERMITTED: set[str] = set()


def check_permissions(client: Any) -> None:
    """Run one command of each kind a cluster crawl sends, on a scratch key under
    ``pressroom:``: an ACL user without one of them fails here, at the process's
    first connection to the URL, and not halfway through the crawl
    (redis.exceptions.NoPermissionError). Rights taken away later fail the command
    that needs them, and the run with it.

    >>> check_permissions(server)  # a client: None, or NoPermissionError  # doctest: +SKIP
    """
    key = f"pressroom:probe:{secrets.token_hex(6)}"
    with client.pipeline(transaction=True) as pipe:  # MULTI/EXEC
        pipe.set(key, 1, ex=10).get(key).delete(key)
        pipe.xadd(key, {"probe": 1}, maxlen=1).xlen(key).delete(key)
        pipe.execute()
    client.eval("return 1", 0)
    client.time()
    client.info("server")


def run_scripts(server: Any, calls: Sequence[tuple[Any, list[Any], list[Any]]]) -> list[Any]:
    """Run (script, keys, args) calls in one round trip; their results, in order.

    redis-py's pipeline asks SCRIPT EXISTS before every pipeline holding a script:
    a second round trip each time (measured: 1.0 per page a worker finishes).
    Here scripts go by their SHA; when Redis lost them (a restart) they are loaded
    and the calls sent again. That is safe: no script ran (each answered NOSCRIPT),
    and pressroom's scripts are safe to send twice (a push meets the seen filter, a
    completion a finished lease, a heartbeat pushes an expiry on again).
    """
    from redis.exceptions import NoScriptError

    for attempt in (1, 2):
        pipe = server.pipeline(transaction=False)
        for script, keys, args in calls:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        try:
            return list(pipe.execute())
        except NoScriptError:
            if attempt == 2:
                raise
            for script in {id(c[0]): c[0] for c in calls}.values():
                script.sha = server.script_load(script.script)
    raise AssertionError("unreachable")


def _shown(url: str) -> str:
    """The URL without its password, for messages and logs.

    >>> _shown("redis://bot:s3cret@10.0.0.5:6379/0")
    'redis://bot:***@10.0.0.5:6379/0'
    """
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{parts.netloc.rpartition('@')[2]}"))
    except ValueError:
        return "the Redis URL"
