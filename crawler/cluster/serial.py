"""Safe serialization for what travels through Redis: JSON plus raw byte frames, never pickle.

Example::

    >>> data = dumps({"url": "https://x.org/a", "body": b"<p>hi</p>", "tags": ("a", "b")})
    >>> loads(data)["body"], loads(data)["tags"]
    (b'<p>hi</p>', ('a', 'b'))
    >>> loads(b"cos\\nsystem\\n(S'echo pwned'\\ntR.")  # a pickle is refused, not run
    Traceback (most recent call last):
    ...
    crawler.cluster.serial.BadMessage: not a pressroom message (bad magic)

scrapy-redis pickles requests, and pickles run code when loaded: whoever can
write to the crawl's Redis could run code in every worker and the coordinator.
Here a message is a small JSON document whose byte strings (page bodies, request
bodies, headers) are sent as raw frames after it, so pages are not inflated by
base64. The types that can come back are fixed: JSON's, bytes, tuples, sets,
frozensets, :class:`storage.captures.Packed` and the crawl's item classes; any
other tag is an error. A writer to Redis can still queue URLs for the workers
(the address guard limits which) or forge results, but not run code.

Wire format: ``PRM1``, the JSON's length (4 bytes, big-endian), the JSON, then
each frame as its length (4 bytes) and its bytes.

This module is also a scrapy-redis ``SCHEDULER_SERIALIZER`` (``loads`` and ``dumps``).
"""

from __future__ import annotations

import dataclasses
import json
import struct
from typing import Any

from crawler.items import ArticleItem, Capture, FailureItem, NotModifiedItem, NotReleaseItem
from storage.captures import Packed

MAGIC = b"PRM1"
_LEN = struct.Struct(">I")
# Classes that may be rebuilt from a message, by name; nothing else is.
_CLASSES = (ArticleItem, Capture, FailureItem, NotModifiedItem, NotReleaseItem)
ITEMS: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}


class BadMessage(ValueError):
    """Bytes from Redis that are not a message this module wrote"""


def dumps(obj: Any) -> bytes:
    """Encode ``obj`` (see the module's docstring for the types allowed)."""
    frames: list[bytes] = []
    doc = json.dumps(_enc(obj, frames), separators=(",", ":"), ensure_ascii=False).encode()
    parts = [MAGIC, _LEN.pack(len(doc)), doc]
    for frame in frames:
        parts += [_LEN.pack(len(frame)), frame]
    return b"".join(parts)


def loads(data: bytes) -> Any:
    """Decode what :func:`dumps` wrote; :class:`BadMessage` for anything else."""
    view = memoryview(data)
    if bytes(view[:4]) != MAGIC:
        raise BadMessage("not a pressroom message (bad magic)")
    try:
        (size,) = _LEN.unpack_from(view, 4)
        doc = json.loads(bytes(view[8 : 8 + size]))
        frames, at = [], 8 + size
        while at < len(view):
            (n,) = _LEN.unpack_from(view, at)
            frames.append(bytes(view[at + 4 : at + 4 + n]))
            at += 4 + n
        return _dec(doc, frames)
    except (struct.error, ValueError, TypeError, KeyError, IndexError) as exc:
        if isinstance(exc, BadMessage):
            raise
        raise BadMessage(f"a damaged pressroom message ({type(exc).__name__}: {exc})") from None


def _enc(obj: Any, frames: list[bytes]) -> Any:
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (bytes, bytearray, memoryview)):
        frames.append(bytes(obj))
        return {"$b": len(frames) - 1}
    if isinstance(obj, Packed):  # a NamedTuple: before tuple
        return {"$p": [obj.hash, obj.size, _enc(obj.blob, frames)]}
    if isinstance(obj, list):
        return [_enc(v, frames) for v in obj]
    if isinstance(obj, tuple):
        return {"$t": [_enc(v, frames) for v in obj]}
    if isinstance(obj, frozenset):
        return {"$f": [_enc(v, frames) for v in obj]}
    if isinstance(obj, set):
        return {"$s": [_enc(v, frames) for v in obj]}
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in obj):
            return {k: _enc(v, frames) for k, v in obj.items()}
        return {"$d": [[_enc(k, frames), _enc(v, frames)] for k, v in obj.items()]}
    name = type(obj).__name__
    if ITEMS.get(name) is type(obj):
        fields = {f.name: _enc(getattr(obj, f.name), frames) for f in dataclasses.fields(obj)}
        return {"$i": name, "v": fields}
    raise TypeError(f"cannot send a {name} through Redis (not JSON, bytes or a crawl item)")


def _dec(doc: Any, frames: list[bytes]) -> Any:
    if isinstance(doc, list):
        return [_dec(v, frames) for v in doc]
    if not isinstance(doc, dict):
        return doc
    if len(doc) == 1:
        ((tag, value),) = doc.items()
        if tag == "$b":
            return frames[value]
        if tag == "$p":
            return Packed(str(value[0]), int(value[1]), _dec(value[2], frames))
        if tag == "$t":
            return tuple(_dec(v, frames) for v in value)
        if tag == "$f":
            return frozenset(_dec(v, frames) for v in value)
        if tag == "$s":
            return {_dec(v, frames) for v in value}
        if tag == "$d":
            return {_dec(k, frames): _dec(v, frames) for k, v in value}
    if "$i" in doc:
        cls = ITEMS.get(doc["$i"])
        if cls is None:
            raise BadMessage(f"a message names an unknown class {doc['$i']!r}")
        return cls(**{k: _dec(v, frames) for k, v in doc["v"].items()})
    if any(k.startswith("$") for k in doc):
        raise BadMessage(f"a message holds an unknown tag {sorted(doc)!r}")
    return {k: _dec(v, frames) for k, v in doc.items()}
