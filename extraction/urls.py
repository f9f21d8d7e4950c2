"""URL normalisation: one release, one URL, however many ways a site links to it.

Example::

    >>> normalize("HTTPS://Example.org:443/news/a-b/?utm_source=rss&page=2#top")
    'https://example.org/news/a-b?page=2'
    >>> normalize("https://example.org/news/a-b/"), normalize("https://example.org/")
    ('https://example.org/news/a-b', 'https://example.org/')
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote_plus, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Query keys that only say how someone arrived, never what the page is.
TRACKING_KEYS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|"
    r"_ga|_gl|_hsenc|_hsmi|mkt_tok|ref_src|s_kwcid|cmpid|at_medium|at_campaign)$",
    re.IGNORECASE,
)
# Session identifiers make every visit look like a new URL (a classic crawler trap).
SESSION_KEYS = re.compile(
    r"^(phpsessid|jsessionid|sid|sessionid|session_id|aspsessionid\w*)$", re.I
)
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2000
# A URL already in normal form, as nearly every sitemap entry and link is: lower-case
# scheme and host, plain path segments (none empty, none starting with a dot), no
# query or fragment. normalize() returns it as it is, without taking it apart
# (a tenth of the time; a sitemap of 50,000 entries is read on the reactor thread).
_NORMAL = re.compile(
    r"(https?)://[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"(?::([1-9][0-9]{0,4}))?(?:/|(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+)"
)


def normalize(url: str, base: str | None = None) -> str:
    """Absolute, canonical form of ``url`` (resolved against ``base`` if relative).

    Lower-cases scheme and host, drops default ports, fragments, tracking and
    session parameters, a trailing slash (except the root) and ``;jsessionid=``
    path parameters; keeps the order of the remaining query parameters, since
    some sites care.
    """
    if base and is_path_absolute(url):
        # A path-absolute link ("/news/a-b"), as most links on a page are: it
        # joins its page's origin with no dot segments or query to resolve, so
        # when the joined URL is already normal it is the answer.
        joined = origin(base) + url
        if _is_normal(joined):
            return joined
    if _is_normal(url):
        return url
    if url[-1:] == "/" and _is_normal(url[:-1]):
        # "/news/a-b/", as sites that end their paths with a slash link everything:
        # requests keep the slash (fetchable), so the key is asked for often.
        return url[:-1]
    return _normalize(url, base)


def normal_form(url: str, base: str | None = None) -> str | None:
    """:func:`normalize`, or None for what cannot be a URL (``http://[::1``, port 99999).

    >>> normal_form("https://x.org/a/"), normal_form("http://[::1")
    ('https://x.org/a', None)
    """
    try:
        return normalize(url, base)
    except ValueError:
        return None


def is_path_absolute(url: str) -> bool:
    """Whether ``url`` is a path from its site's root ("/news/a"), resolved against
    the origin alone; "//host/a" is not: it names another host.

    >>> is_path_absolute("/news/a"), is_path_absolute("//cdn.x.org/a"), is_path_absolute("a")
    (True, False, False)
    """
    return url[:1] == "/" and url[1:2] != "/"


def _is_normal(url: str) -> bool:
    normal = _NORMAL.fullmatch(url)
    if normal is None:
        return False
    port = normal.group(2)
    return port is None or (int(port) <= 65535 and int(port) != DEFAULT_PORTS[normal.group(1)])


@lru_cache(maxsize=64)
def origin(base: str) -> str:
    """``scheme://netloc`` of ``base``, as ``urljoin`` keeps them for a path-absolute link.

    >>> origin("https://x.org:8080/a/b?c=1#d")
    'https://x.org:8080'
    """
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def _normalize(url: str, base: str | None) -> str:
    if base:
        url = urljoin(base, url.strip())
    parts = urlsplit(safe_url_string(url.strip()))
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    netloc = host
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    path = re.sub(r";jsessionid=[^/?]*", "", parts.path, flags=re.I)
    path = re.sub(r"/{2,}", "/", path) or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not TRACKING_KEYS.match(k) and not SESSION_KEYS.match(k)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def fetchable(url: str, base: str | None = None) -> str:
    """The URL to request for a link: as the site wrote it, resolved against ``base``,
    less its fragment and tracking parameters.

    A trailing slash, the path's case, session and other parameters are kept: a
    server may answer only the form it links (``/a/`` and not ``/a``, with no
    redirect). Only the archive's key (:func:`normalize`) makes the forms one.
    A fragment is never sent to a server; tracking parameters say how someone
    arrived, never what the page is, and fetching with them would count the
    crawler's visits in the site's campaign statistics (the RSS feed's
    ``utm_source=rss`` on every page of the feed).

    >>> fetchable("/news/a-b/?utm_source=rss&page=2#top", "https://example.org/news/")
    'https://example.org/news/a-b/?page=2'
    >>> fetchable("a", "https://example.org/news/"), fetchable("/a", "https://example.org/news/")
    ('https://example.org/news/a', 'https://example.org/a')
    """
    url = url.strip()
    if base:
        url = origin(base) + url if is_path_absolute(url) else urljoin(base, url)
    url = url.partition("#")[0]
    if "?" not in url:
        return url
    head, _, query = url.partition("?")
    kept = [
        part
        for part in query.split("&")
        if part and not TRACKING_KEYS.match(unquote_plus(part.partition("=")[0]))
    ]
    return f"{head}?{'&'.join(kept)}" if kept else head


def is_http(url: str) -> bool:
    """Only http(s) is ever fetched: never file:, ftp:, javascript:, mailto: or data:."""
    if url.startswith(("http://", "https://")):
        return True  # normalize()'s output, without taking it apart again
    return urlsplit(url).scheme.lower() in ("http", "https")


def template(url: str) -> str:
    """The shape of a URL, to spot traps that mint endless variants of one page.

    >>> template("https://x.org/events/calendar?month=2031-07")
    'x.org/events/calendar?month'
    """
    parts = urlsplit(url)
    path = re.sub(r"\d+", "N", parts.path)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.hostname}{path}" + ("?" + "&".join(keys) if keys else "")


LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1, without resolving anything: this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("[::1]"), is_loopback("www.hrw.org")
    (True, True, False)
    """
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
