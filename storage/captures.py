"""Prepare raw HTTP responses for the captures table, and read them back.

>>> row = capture_row("https://x.org/", 200, {"Content-Type": "text/html"}, b"<p>hi</p>",
...                   "text/html", fetched_at="2026-01-01T00:00:00+00:00")
>>> row["hash"][:12], row["size"], row["compression"]
('0a4735281db7', 9, 'zstd')
>>> decompress(row["body"])
b'<p>hi</p>'
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import zstandard

from .records import dump_json

COMPRESSION = "zstd"
# Level 3 is zstd's default: news HTML still shrinks ~5x, and compressing
# stays far cheaper than the fetch that produced the body.
_LEVEL = 3


class Packed(NamedTuple):
    """A body as the captures table keeps it: its sha256, its size, zstd-compressed."""

    hash: str
    size: int
    blob: bytes


def pack(body: bytes) -> Packed:
    """Hash and compress a body, wherever that is cheapest (a crawl does it in its workers).

    >>> packed = pack(b"<p>hi</p>")
    >>> packed.size, decompress(packed.blob)
    (9, b'<p>hi</p>')
    """
    return Packed(hashlib.sha256(body).hexdigest(), len(body), compress(body))


def capture_row(
    url: str,
    status: int | None,
    headers: Mapping[Any, Any] | None,
    body: bytes | Packed,
    content_type: str | None,
    *,
    fetched_at: str,
) -> dict[str, Any]:
    """Return the captures row for one response; the key is the body's sha256."""
    packed = body if isinstance(body, Packed) else pack(body)
    return {
        "hash": packed.hash,
        "url": url,
        "status": status,
        "headers": dump_json(normalise_headers(headers or {})),
        "content_type": content_type,
        "size": packed.size,
        "compression": COMPRESSION,
        "body": packed.blob,
        "fetched_at": fetched_at,
    }


_local = threading.local()


def compress(data: bytes) -> bytes:
    """zstd at level 3, with one compressor per thread.

    zstandard objects are not thread-safe, and building one costs about a
    quarter of compressing a 60 KB page: each thread keeps its own.
    """
    compressor = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=_LEVEL)
    return compressor.compress(data)


def decompress(blob: bytes) -> bytes:
    """Return the original body of a stored capture.

    >>> decompress(zstandard.ZstdCompressor().compress(b"x"))
    b'x'
    """
    # compress() records the content size in the frame, so no max size is needed.
    return zstandard.ZstdDecompressor().decompress(blob)


def normalise_headers(headers: Mapping[Any, Any]) -> dict[str, str | list[str]]:
    """Return headers as JSON-ready text, whatever str/bytes/list mix they came in.

        >>> normalise_headers({b"Set-Cookie": [b"a=1", b"b=2"], "Server": "nginx"})
        {'Set-Cookie': ['a=1', 'b=2'], 'Server': 'nginx'}

    HTTP libraries hand headers over as bytes (Scrapy) or str (most others);
    header bytes are latin-1 by the HTTP spec, so that decoding never fails.
    """
    result: dict[str, str | list[str]] = {}
    for key, value in headers.items():
        if isinstance(value, (str, bytes)):
            result[_text(key)] = _text(value)
        elif isinstance(value, Iterable):
            values = [_text(item) for item in value]
            result[_text(key)] = values[0] if len(values) == 1 else values
        else:
            result[_text(key)] = str(value)
    return result


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)
