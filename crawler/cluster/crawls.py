"""Which crawls are running, and what workers need to join one: the coordinator publishes it.

Example::

    >>> src = sources.load("hrw")
    >>> config = CrawlConfig(crawl="hrw-1a2b", source=source_to_dict(src), delay=0.5)
    >>> publish(server, config)                 # coordinator, at start (and refresh())
    >>> [found] = running(server)               # worker: what it can join
    >>> found.source_obj().name
    'hrw'
    >>> finish(server, found.keys)              # coordinator, at the end: every key goes
    1

A worker on another machine may not have the source file, so the source
travels whole (its fields as JSON), with the settings that must be the same on
every worker: the per-domain delay, link-walking depth, --full, the User-Agent.
The config key expires ``TTL`` seconds after the coordinator last refreshed it:
workers of a coordinator that died (SIGKILL, power cut) leave its crawl by themselves.
The crawl's other keys expire ``KEYS_TTL`` seconds after the last refresh, so a
crawl whose coordinator died and is never run again leaves nothing for good (a
rerun deletes them at once: crawler.cluster.coordinator).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from crawler import sources
from crawler.cluster.keys import CRAWLS, CrawlKeys

TTL = 60  # seconds the config outlives its coordinator's last refresh
KEYS_TTL = 3600  # seconds the crawl's other keys outlive it (the per-domain slots: a day)


@dataclass
class CrawlConfig:
    crawl: str
    source: dict[str, Any]
    delay: float = 0.0  # seconds between requests to one domain, for the whole cluster
    settings: dict[str, Any] = field(default_factory=dict)  # Scrapy settings for workers

    @property
    def keys(self) -> CrawlKeys:
        return CrawlKeys(self.crawl)

    def source_obj(self) -> sources.Source:
        return source_from_dict(self.source)


def source_to_dict(source: sources.Source) -> dict[str, Any]:
    """A source's fields as JSON-able values (its path dropped: workers do not have the file).

    >>> src = sources.adhoc(sitemap="https://example.org/sitemap.xml")
    >>> source_from_dict(source_to_dict(src)) == dataclasses.replace(src, path=None)
    True
    """
    values = dataclasses.asdict(source)
    values["path"] = None
    return values


def source_from_dict(values: dict[str, Any]) -> sources.Source:
    def tuples(data: dict[str, Any], cls: type) -> dict[str, Any]:
        out = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                value = data[f.name]
                out[f.name] = tuple(value) if isinstance(value, list) else value
        return out

    fields = tuples(values, sources.Source)
    fields["rules"] = sources.Rules(**tuples(values.get("rules") or {}, sources.Rules))
    return sources.Source(**fields)


def publish(server: Any, config: CrawlConfig) -> None:
    keys = config.keys
    pipe = server.pipeline(transaction=True)
    pipe.set(keys.config, json.dumps(dataclasses.asdict(config)), ex=TTL)
    pipe.sadd(CRAWLS, config.crawl)
    pipe.execute()


def refresh(server: Any, keys: CrawlKeys) -> None:
    """The coordinator's heartbeat: its crawl's keys live on (a missing key is skipped)."""
    pipe = server.pipeline(transaction=False)
    pipe.expire(keys.config, TTL)
    for name in keys.all_fixed():
        if name != keys.config:
            pipe.expire(name, KEYS_TTL)
    pipe.execute()


def load(server: Any, crawl: str) -> CrawlConfig | None:
    raw = server.get(CrawlKeys(crawl).config)
    if raw is None:
        return None
    return CrawlConfig(**json.loads(raw))


def running(server: Any) -> list[CrawlConfig]:
    """The crawls a worker may join, oldest name first; names whose config expired are dropped."""
    out = []
    for name in sorted(_text(n) for n in server.smembers(CRAWLS)):
        config = load(server, name)
        if config is None:
            server.srem(CRAWLS, name)  # its coordinator died: nobody refreshes it
        else:
            out.append(config)
    return out


def finish(server: Any, keys: CrawlKeys) -> int:
    """Delete every key of the crawl (frontier, seen-set, results, slots); how many there were."""
    names = keys.all_fixed()
    names += [_text(k) for k in server.scan_iter(match=keys.domain("*"), count=1000)]
    pipe = server.pipeline(transaction=False)
    pipe.srem(CRAWLS, keys.crawl)
    pipe.delete(*names)
    return int(pipe.execute()[1])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
