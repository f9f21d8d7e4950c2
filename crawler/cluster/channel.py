"""Results from the workers to the coordinator: a Redis stream of zstd-compressed messages.

Example::

    >>> from crawler.cluster.frontier import Frontier
    >>> keys = CrawlKeys("hrw-1")
    >>> frontier, channel = Frontier(server, keys), ResultChannel(server, keys)
    >>> _ = frontier.push(b"request bytes", priority=0)
    >>> [lease] = frontier.lease("worker-a")
    >>> frontier.complete([lease.id], channel.encode({"items": ["an article"]}))  # worker
    1
    >>> [(message_id, message)] = channel.receive("coordinator-1")  # coordinator
    >>> message
    {'items': ['an article']}
    >>> channel.ack([message_id])  # after the commit

A worker's message is the outcome of one leased request: its article or
failure items, captures included. A capture is the page's bytes (up to
DOWNLOAD_MAXSIZE, 20 MB) and is usually already packed by the extraction
worker; each message is serialized and compressed with zstd once more, and one
over ``MAX_MESSAGE`` (64 MB, far below Redis's 512 MB bulk limit) is refused.

The stream is read by a consumer group: a message stays pending until
:meth:`ack`, after the coordinator committed it to SQLite, so a coordinator
that dies re-reads what it had not committed (:meth:`receive` returns its
pending messages first). It is never trimmed by length (that would drop
unread results); instead :meth:`wait_for_room` holds a worker back while
``max_backlog`` messages wait: Redis's memory is bounded by the backlog
times the message size (e.g. 2,000 x ~60 KB = ~120 MB).

Messages are encoded by :mod:`crawler.cluster.serial` (JSON and raw byte
frames, never pickle): a forged message can lie, but cannot run code.
"""

from __future__ import annotations

import time
from typing import Any

import zstandard

from crawler.cluster import serial
from crawler.cluster.keys import CrawlKeys

GROUP = "coordinator"
MAX_MESSAGE = 64 * 1024 * 1024
MAX_PLAIN = 4 * MAX_MESSAGE  # what one message may decompress to


class MessageTooBig(Exception):
    """A result message is bigger than MAX_MESSAGE once compressed"""


class ChannelFull(Exception):
    """The coordinator has not read the backlog in time"""


class ResultChannel:
    def __init__(
        self, server: Any, keys: CrawlKeys, *, max_backlog: int = 2000, level: int = 3
    ) -> None:
        self.server, self.key = server, keys.results
        self.max_backlog = max_backlog
        self._compress = zstandard.ZstdCompressor(level=level)
        self._decompress = zstandard.ZstdDecompressor()
        self._recovered: set[str] = set()  # consumers whose pending messages were re-read
        # The crawl ended: a read that finds the stream deleted must not make it again.
        self.closed = False

    def encode(self, message: Any) -> bytes:
        data = self._compress.compress(serial.dumps(message))
        if len(data) > MAX_MESSAGE:
            raise MessageTooBig(f"result message of {len(data) / 2**20:.0f} MB (compressed)")
        return data

    def decode(self, data: bytes) -> Any:
        # Bounded: a forged frame header cannot make us allocate more than a message may hold.
        return serial.loads(self._decompress.decompress(data, max_output_size=MAX_PLAIN))

    def wait_for_room(self, timeout: float = 300.0) -> None:
        """Block while ``max_backlog`` messages wait; raise ChannelFull after ``timeout``."""
        deadline = time.monotonic() + timeout
        pause = 0.01
        while self.server.xlen(self.key) >= self.max_backlog:
            if time.monotonic() > deadline:
                raise ChannelFull(f"{self.max_backlog} results unread for {timeout:.0f} s")
            time.sleep(pause)
            pause = min(0.5, pause * 2)

    def send(self, message: Any) -> str:
        """Add one message (outside a lease: the coordinator's own notes, tests)."""
        self.wait_for_room()
        return _text(self.server.xadd(self.key, {"d": self.encode(message)}))

    def create_group(self) -> None:
        """Create the coordinator's consumer group (and the stream) if they do not exist."""
        try:
            self.server.xgroup_create(self.key, GROUP, id="0", mkstream=True)
        except Exception as exc:  # redis.ResponseError: BUSYGROUP when it exists
            if "BUSYGROUP" not in str(exc):
                raise

    def receive(
        self, consumer: str, *, count: int = 100, block: float = 1.0
    ) -> list[tuple[str, Any]]:
        """Messages for ``consumer``: first its pending ones (read before a crash), then new ones.

        Pending ones are re-read only until none are left, so messages read
        but not yet acknowledged (a batch being written) are not handed out twice.
        """
        starts = (">",) if consumer in self._recovered else ("0", ">")
        for start in starts:
            reply = self._read(consumer, start, count, None if start == "0" else int(block * 1000))
            entries = reply[0][1] if reply else []
            out = [(_text(mid), self.decode(fields[b"d"])) for mid, fields in entries if fields]
            if out:
                return out
            self._recovered.add(consumer)
        return []

    def _read(self, consumer: str, start: str, count: int, block: int | None) -> Any:
        try:
            return self.server.xreadgroup(
                GROUP, consumer, {self.key: start}, count=count, block=block
            )
        except Exception as exc:  # redis.ResponseError: NOGROUP (new stream, or Redis lost it)
            if "NOGROUP" not in str(exc):
                raise
            if self.closed:
                return []
        # Created on demand, not before every read: that was one more round trip per read.
        self.create_group()
        return self.server.xreadgroup(GROUP, consumer, {self.key: start}, count=count, block=block)

    def ack(self, message_ids: list[str]) -> None:
        """The coordinator committed these: forget them (XACK and XDEL, in one transaction)."""
        if not message_ids:
            return
        pipe = self.server.pipeline(transaction=True)
        pipe.xack(self.key, GROUP, *message_ids).xdel(self.key, *message_ids)
        pipe.execute()

    def backlog(self) -> int:
        """Messages not yet acknowledged (read or not)."""
        return int(self.server.xlen(self.key))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
