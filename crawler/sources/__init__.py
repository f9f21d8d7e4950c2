"""Sources: one short TOML file per site, validated into a :class:`Source`.

Example::

    >>> src = load("hrw")                      # a bundled source, by name
    >>> src.allowed_domains
    ('www.hrw.org',)
    >>> src = load("path/to/site.toml")        # or a file of your own  # doctest: +SKIP

A source says where releases are discovered (sitemaps, feeds, listing pages),
which URLs are releases, and how to clean them. Bad files raise
:class:`SourceError` with one line naming the file and the field.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from extraction.rules import Rules  # filled here from [extract]; re-exported

BUNDLED_DIR = Path(__file__).parent


class SourceError(ValueError):
    """A source file is missing, unreadable or invalid."""


@dataclass(frozen=True)
class Source:
    """A site to archive. Build one with :func:`load` or :func:`adhoc`."""

    name: str
    allowed_domains: tuple[str, ...]
    title: str = ""
    path: str | None = None  # the file it came from; None for bundled-by-code or ad hoc
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    next_page: str = 'a[rel="next"]'  # CSS selector of a listing's "next page" link
    max_listing_pages: int = 1000
    follow_links: bool = False  # walk every in-domain link (start-url mode)
    stop_when_known: bool = True  # stop paging a listing at a page of archived releases
    allow: tuple[str, ...] = ()  # regexes: URLs that are releases
    deny: tuple[str, ...] = ()  # regexes: URLs never fetched
    sitemap_allow: tuple[str, ...] = ()  # regexes: child sitemaps to read (default: all)
    rules: Rules = field(default_factory=Rules)
    delay: float | None = None  # seconds between requests to one domain
    concurrency: int | None = None  # parallel requests per domain

    def is_release_url(self, url: str) -> bool | None:
        """True/False when the source's patterns decide, None when the page must decide.

        >>> adhoc(sitemap="https://example.org/sitemap.xml").is_release_url("https://example.org/x")
        """
        if not self.allow:
            return None
        return any(re.search(p, url) for p in self.allow)

    def is_denied(self, url: str) -> bool:
        return any(re.search(p, url) for p in self.deny)

    @property
    def entry_points(self) -> tuple[str, ...]:
        return self.sitemaps + self.feeds + self.listings + self.start_urls


# --- loading ---------------------------------------------------------------

# Each TOML table and the keys it may hold, mapped to Source/Rules field names.
_SCHEMA: dict[str, dict[str, tuple[str, type]]] = {
    "": {
        "name": ("name", str),
        "title": ("title", str),
        "allowed_domains": ("allowed_domains", list),
    },
    "discover": {
        "sitemaps": ("sitemaps", list),
        "feeds": ("feeds", list),
        "listings": ("listings", list),
        "start_urls": ("start_urls", list),
        "next_page": ("next_page", str),
        "max_listing_pages": ("max_listing_pages", int),
        "follow_links": ("follow_links", bool),
        "stop_when_known": ("stop_when_known", bool),
        "sitemap_allow": ("sitemap_allow", list),
    },
    "articles": {
        "allow": ("allow", list),
        "deny": ("deny", list),
    },
    "extract": {
        "prune": ("prune", list),
        "prune_xpath": ("prune_xpath", list),
        "drop_phrases": ("drop_phrases", list),
        "min_words": ("min_words", int),
    },
    "crawl": {
        "delay": ("delay", float),
        "concurrency": ("concurrency", int),
    },
}
_RULE_FIELDS = {f.name for f in fields(Rules)}
# Field name -> how the file spells it, for error messages ("articles.allow").
_WHERE = {
    name: f"{t}.{k}" if t else k for t, keys in _SCHEMA.items() for k, (name, _) in keys.items()
}
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def bundled() -> dict[str, Path]:
    """Names and paths of the sources shipped with pressroom.

    >>> "hrw" in bundled()
    True
    """
    return {p.stem: p for p in sorted(BUNDLED_DIR.glob("*.toml"))}


def load(name_or_path: str | Path) -> Source:
    """Load a bundled source by name, or a source file by path."""
    text = str(name_or_path)
    path = Path(text)
    if not text.endswith(".toml") and path.suffix == "" and "/" not in text:
        found = bundled().get(text)
        if found is None:
            known = ", ".join(bundled()) or "none"
            raise SourceError(f"unknown source {text!r} (bundled: {known}; or give a .toml path)")
        path = found
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such source file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read source file ({exc})") from None
    return parse(raw, origin=str(path))


def parse(raw: str, origin: str = "<source>") -> Source:
    """Validate TOML text into a Source; errors name ``origin`` and the field.

    >>> parse('name = "x"\\nallowed_domains = ["x.org"]\\n[discover]\\nfeeds = ["https://x.org/rss"]').feeds
    ('https://x.org/rss',)
    """
    try:
        doc = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{origin}: not valid TOML ({exc})") from None

    values: dict[str, Any] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            if key not in _SCHEMA or key == "":
                raise SourceError(f"{origin}: unknown table [{key}]")
            for sub, subvalue in value.items():
                values.update(_check(origin, key, sub, subvalue))
        else:
            values.update(_check(origin, "", key, value))

    for required in ("name", "allowed_domains"):
        if required not in values:
            raise SourceError(f"{origin}: missing required field '{required}'")
    if not _NAME_RE.match(values["name"]):
        raise SourceError(
            f"{origin}: field 'name' must be lower-case letters, digits, '-' or '_' "
            f"(got {values['name']!r})"
        )
    if not values["allowed_domains"]:
        raise SourceError(f"{origin}: field 'allowed_domains' must list at least one domain")
    for url_field in ("sitemaps", "feeds", "listings", "start_urls"):
        for url in values.get(url_field, ()):
            _check_url(origin, _WHERE[url_field], url, values["allowed_domains"])
    for pattern_field in ("allow", "deny", "sitemap_allow"):
        for pattern in values.get(pattern_field, ()):
            try:
                re.compile(pattern)
            except re.error as exc:
                where = _WHERE[pattern_field]
                raise SourceError(
                    f"{origin}: field '{where}' has an invalid regex {pattern!r} ({exc})"
                ) from None
    if not any(values.get(k) for k in ("sitemaps", "feeds", "listings", "start_urls")):
        raise SourceError(
            f"{origin}: [discover] needs at least one of sitemaps, feeds, listings, start_urls"
        )
    _check_selectors(origin, values)
    if values.get("delay") is not None and not 0 <= values["delay"] < math.inf:
        raise SourceError(f"{origin}: field 'crawl.delay' must be >= 0 and finite (seconds)")
    for name, least in (("concurrency", 1), ("max_listing_pages", 1), ("min_words", 0)):
        if values.get(name) is not None and values[name] < least:
            raise SourceError(f"{origin}: field '{_WHERE[name]}' must be >= {least}")

    rules = Rules(**{k: v for k, v in values.items() if k in _RULE_FIELDS})
    kwargs = {k: v for k, v in values.items() if k not in _RULE_FIELDS}
    return Source(**kwargs, rules=rules, path=None if origin == "<source>" else origin)


def _check(origin: str, table: str, key: str, value: Any) -> dict[str, Any]:
    where = f"{table}.{key}" if table else key
    spec = _SCHEMA[table].get(key)
    if spec is None:
        known = ", ".join(_SCHEMA[table])
        raise SourceError(f"{origin}: unknown field '{where}' (known: {known})")
    name, kind = spec
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise SourceError(
            f"{origin}: field '{where}' must be {_kind_name(kind)}, got {type(value).__name__}"
        )
    if kind is list:
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise SourceError(f"{origin}: field '{where}' must be a list of non-empty strings")
        value = tuple(v.strip() for v in value)
        if name == "allowed_domains":
            value = tuple(v.lower() for v in value)
    return {name: value}


def _check_selectors(origin: str, values: dict[str, Any]) -> None:
    """CSS and XPath expressions compile: a bad one is the file's mistake (exit 2), not
    a crawl where every page fails with a selector error."""
    from lxml import etree

    from extraction.parse import selector

    css = [("prune", c) for c in values.get("prune", ())]
    css += [("next_page", values["next_page"])] if "next_page" in values else []
    for name, expression in css:
        try:
            selector(expression)
        except Exception as exc:  # cssselect's SelectorError and ExpressionError
            raise SourceError(
                f"{origin}: field '{_WHERE[name]}' has an invalid CSS selector "
                f"{expression!r} ({type(exc).__name__}: {exc})"
            ) from None
    for expression in values.get("prune_xpath", ()):
        try:
            etree.XPath(expression)
        except etree.XPathSyntaxError as exc:
            raise SourceError(
                f"{origin}: field '{_WHERE['prune_xpath']}' has an invalid XPath "
                f"{expression!r} ({exc})"
            ) from None


def _kind_name(kind: type) -> str:
    return {str: "a string", list: "a list", int: "an integer", bool: "true or false"}.get(
        kind, "a number"
    )


def _check_url(origin: str, where: str, url: str, domains: tuple[str, ...]) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        raise SourceError(f"{origin}: field '{where}' has an invalid URL: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"{origin}: field '{where}' has a URL that is not http(s): {url!r}")
    if not domain_allowed(parts.hostname, domains):
        raise SourceError(f"{origin}: field '{where}' has a URL outside allowed_domains: {url!r}")


def domain_allowed(host: str, domains: tuple[str, ...] | list[str]) -> bool:
    """True if ``host`` is one of ``domains`` or a subdomain of one.

    >>> domain_allowed("www.hrw.org", ["hrw.org"])
    True
    """
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def adhoc(
    *,
    sitemap: str | None = None,
    feed: str | None = None,
    start_url: str | None = None,
    allow: tuple[str, ...] = (),
    deny: tuple[str, ...] = (),
    name: str | None = None,
) -> Source:
    """A source built from command-line flags, with no file.

    Without ``allow`` patterns every page decides for itself whether it is a
    release (see ``extraction.extract.classify``).

    >>> adhoc(sitemap="http://127.0.0.1:8000/sitemap.xml").allowed_domains
    ('127.0.0.1',)
    """
    urls = [u for u in (sitemap, feed, start_url) if u]
    if not urls:
        raise SourceError("give --sitemap, --feed or --start-url (or a source name)")
    for where, url in (("--sitemap", sitemap), ("--feed", feed), ("--start-url", start_url)):
        if url:
            try:
                parts = urlsplit(url)
                valid = parts.scheme in ("http", "https") and bool(parts.hostname)
                parts.port  # noqa: B018 (raises ValueError for a port out of range)
            except ValueError:  # "http://[::1", "http://x:99999"
                valid = False
            if not valid:
                raise SourceError(f"{where}: not an http(s) URL: {url!r}")
    for flag, patterns in (("--allow", allow), ("--deny", deny)):
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise SourceError(f"{flag}: invalid regex {pattern!r} ({exc})") from None
    hosts = tuple(dict.fromkeys(urlsplit(u).hostname or "" for u in urls))
    return Source(
        name=name or re.sub(r"[^a-z0-9_-]+", "-", hosts[0].lower()).strip("-") or "adhoc",
        allowed_domains=hosts,
        sitemaps=(sitemap,) if sitemap else (),
        feeds=(feed,) if feed else (),
        start_urls=(start_url,) if start_url else (),
        follow_links=bool(start_url),
        allow=tuple(allow),
        deny=tuple(deny),
    )


def adhoc_flags(source: Source) -> dict[str, Any]:
    """The keyword arguments of :func:`adhoc` that build ``source`` again.

    >>> flags = adhoc_flags(adhoc(feed="https://x.org/rss", allow=("/news/",)))
    >>> flags["feed"], flags["allow"], flags["sitemap"]
    ('https://x.org/rss', ['/news/'], None)
    """
    return {
        "sitemap": next(iter(source.sitemaps), None),
        "feed": next(iter(source.feeds), None),
        "start_url": next(iter(source.start_urls), None),
        "allow": list(source.allow),
        "deny": list(source.deny),
    }
