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
each frame as its length (4 bytes) and its bytes. The JSON is orjson's when it
is installed (the ``cluster`` extra), else the standard library's; each reads
the other's (a NaN or an integer past 64 bits always goes the standard way).

This module is also a scrapy-redis ``SCHEDULER_SERIALIZER`` (``loads`` and ``dumps``).
"""

from __future__ import annotations

import dataclasses
import json
import struct
import weakref
from typing import Any

from crawler import items
from storage.captures import Packed

try:  # the cluster extra's; a message is read and written 2-3x faster with it
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

MAGIC = b"PRM1"
_LEN = struct.Struct(">I")
# Classes that may be rebuilt from a message, by name; nothing else is.
_CLASSES = (
    items.ArticleItem,
    items.Capture,
    items.FailureItem,
    items.LaterPageItem,
    items.LeftOutItem,
    items.NotModifiedItem,
    items.NotReleaseItem,
)
ITEMS: dict[str, type] = {cls.__name__: cls for cls in _CLASSES}


class BadMessage(ValueError):
    """Bytes from Redis that are not a message this module wrote"""


def dumps(obj: Any) -> bytes:
    """Encode ``obj`` (see the module's docstring for the types allowed)."""
    frames = _Frames()
    tree = _enc(obj, frames)
    doc = b""
    if orjson is not None and not frames.nonfinite:
        try:
            doc = orjson.dumps(tree)
        except TypeError:  # an int past 64 bits: the standard library writes it
            doc = b""
    if not doc:  # no orjson; or NaN/Infinity, which orjson would write as null
        doc = json.dumps(tree, separators=(",", ":"), ensure_ascii=False).encode()
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
        text = bytes(view[8 : 8 + size])
        frames, at = [], 8 + size
        while at < len(view):
            (n,) = _LEN.unpack_from(view, at)
            frames.append(bytes(view[at + 4 : at + 4 + n]))
            at += 4 + n
        if orjson is not None:
            try:
                return _dec(orjson.loads(text), frames, True)
            except (ValueError, _Inexact):  # NaN, Infinity, ints past 64 bits: read below
                pass
        return _dec(json.loads(text), frames, False)
    except (struct.error, ValueError, TypeError, KeyError, IndexError) as exc:
        if isinstance(exc, BadMessage):
            raise
        raise BadMessage(f"a damaged pressroom message ({type(exc).__name__}: {exc})") from None


class _Frames(list):  # type: ignore[type-arg]
    nonfinite = False  # a NaN or an infinity was met: JSON by the standard library


class _Inexact(Exception):
    """orjson read an integer past 64 bits as a float"""


_PLAIN = (str, int, bool, type(None))  # returned as they are (float: see _enc)
_BIG = float(2**63)


def _enc(obj: Any, frames: _Frames) -> Any:
    # Exact types first, strings left as they are: on the fixture site's messages this
    # walk took 0.064 ms where the isinstance chain took 0.18 (most nodes are strings).
    kind = type(obj)
    if kind in _PLAIN:
        return obj
    if kind is dict:
        for key in obj:
            if not isinstance(key, str) or key[:1] == "$":
                return {"$d": [[_enc(k, frames), _enc(v, frames)] for k, v in obj.items()]}
        return {k: v if type(v) is str else _enc(v, frames) for k, v in obj.items()}
    if kind is list:
        return [v if type(v) is str else _enc(v, frames) for v in obj]
    if kind is tuple:
        return {"$t": [v if type(v) is str else _enc(v, frames) for v in obj]}
    return _enc_other(obj, frames)


def _enc_other(obj: Any, frames: _Frames) -> Any:
    if isinstance(obj, float):
        if obj - obj != 0:  # NaN or an infinity
            frames.nonfinite = True
        return obj
    if obj is None or isinstance(obj, (bool, int, str)):
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


def _dec(doc: Any, frames: list[bytes], exact: bool) -> Any:
    # ``exact``: doc is orjson's, which reads an integer past 64 bits as a float
    # (the standard library's reading is the reference; such floats send it there).
    kind = type(doc)
    if kind is str or kind is int:
        return doc
    if kind is list:
        return [v if type(v) is str else _dec(v, frames, exact) for v in doc]
    if kind is not dict:
        if exact and kind is float and abs(doc) >= _BIG:
            raise _Inexact
        return doc
    if len(doc) == 1:
        ((tag, value),) = doc.items()
        if tag == "$b":
            return frames[value]
        if tag == "$t":
            return tuple(v if type(v) is str else _dec(v, frames, exact) for v in value)
        if tag == "$p":
            return Packed(str(value[0]), int(value[1]), _dec(value[2], frames, exact))
        if tag == "$f":
            return frozenset(_dec(v, frames, exact) for v in value)
        if tag == "$s":
            return {_dec(v, frames, exact) for v in value}
        if tag == "$d":
            return {_dec(k, frames, exact): _dec(v, frames, exact) for k, v in value}
    if "$i" in doc:
        cls = ITEMS.get(doc["$i"])
        if cls is None:
            raise BadMessage(f"a message names an unknown class {doc['$i']!r}")
        return cls(**{k: _dec(v, frames, exact) for k, v in doc["v"].items()})
    for key in doc:
        if key[:1] == "$":
            raise BadMessage(f"a message holds an unknown tag {sorted(doc)!r}")
    return {k: v if type(v) is str else _dec(v, frames, exact) for k, v in doc.items()}


def request_dict(request: Any, spider: Any) -> dict[str, Any]:
    """``request.to_dict(spider=spider)``, the callbacks' names remembered per spider.

    Scrapy finds each callback's name with ``inspect.getmembers(spider)``,
    every attribute of the spider read: 154 us a request for ReleaseSpider,
    callback and errback (the coordinator sends one a page, workers the links
    they find). The first request with a method goes Scrapy's way; its name is
    kept for the next ones, which look through that method alone.
    """
    if spider is None:
        return request.to_dict()  # type: ignore[no-any-return]
    names = _NAMES.setdefault(spider, {})
    found = _Callbacks()
    for func in (request.callback, request.errback):
        if not callable(func):
            continue
        name = names.get(getattr(func, "__func__", None))
        if name is None:  # first seen, or not a method (Scrapy says why)
            return _learn(request, spider, names)
        setattr(found, name, func)
    return request.to_dict(spider=found)  # type: ignore[no-any-return]


def _learn(request: Any, spider: Any, names: dict[Any, str]) -> dict[str, Any]:
    out: dict[str, Any] = request.to_dict(spider=spider)
    for func, key in ((request.callback, "callback"), (request.errback, "errback")):
        if callable(func):
            names[func.__func__] = out[key]  # Scrapy found it, so a method
    return out


_NAMES: weakref.WeakKeyDictionary[Any, dict[Any, str]] = weakref.WeakKeyDictionary()


class _Callbacks:
    """What Request.to_dict looks through for a callback's name: the request's only."""
