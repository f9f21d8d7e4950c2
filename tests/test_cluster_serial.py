"""What travels through Redis: items and requests round-trip; pickles and unknown classes do not."""

from __future__ import annotations

import pickle

import pytest

from crawler.cluster import serial
from crawler.items import ArticleItem, Capture, FailureItem
from storage.captures import pack


def test_items_with_packed_captures_round_trip() -> None:
    capture = Capture("https://x.org/a", 200, {"ETag": '"1"'}, pack(b"<p>hi</p>"), "text/html")
    item = ArticleItem(
        {"url": "https://x.org/a", "tags": ["a"], "translations": {"fr": "https://x.org/fr/a"}},
        capture,
        blocks=[("p", "hi", "h1")],
        profile=frozenset({1, 2}),
        listed="https://x.org/a",
    )
    message = {
        "lease": "000000000001",
        "items": [item, FailureItem("https://x.org/b", "HTTP 404", 404)],
    }
    assert serial.loads(serial.dumps(message)) == message


def test_a_pickle_or_an_unknown_class_is_refused_not_run() -> None:
    with pytest.raises(serial.BadMessage):
        serial.loads(pickle.dumps({"a": 1}))
    forged = serial.dumps({"x": 1}).replace(b'{"x":1}', b'{"$i":"Popen","v":{}}')
    forged = forged[:4] + len(b'{"$i":"Popen","v":{}}').to_bytes(4, "big") + forged[8:]
    with pytest.raises(serial.BadMessage, match="unknown class"):
        serial.loads(forged)
    with pytest.raises(TypeError):
        serial.dumps({"f": open})
