"""What travels through Redis: items and requests round-trip; pickles and unknown classes do not."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from scrapy import Spider
from scrapy.http import Request

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


@pytest.mark.parametrize("fast", [True, False], ids=["orjson", "stdlib json"])
def test_what_orjson_cannot_hold_round_trips_exactly(fast: bool, monkeypatch) -> None:
    # orjson writes NaN as null, refuses ints past 64 bits and reads them back as floats:
    # those messages go through the standard library, both ways.
    if not fast:
        monkeypatch.setattr(serial, "orjson", None)
    elif serial.orjson is None:
        pytest.skip("orjson not installed")
    message = {
        "big": [2**64, -(2**63) - 1, 2**64 - 1, 10**30],
        "floats": (1e20, 0.5, float("inf")),
        "stats": {"pressroom/x": 3, 7: "int key", "$tag": "a $ key"},
    }
    back = serial.loads(serial.dumps(message))
    assert back == message
    assert [type(v) for v in back["big"]] == [int] * 4
    nan = serial.loads(serial.dumps({"share": float("nan")}))["share"]
    assert nan != nan


def test_a_message_reads_the_same_with_or_without_orjson(monkeypatch) -> None:
    if serial.orjson is None:
        pytest.skip("orjson not installed")
    item = ArticleItem({"url": "https://x.org/a"}, blocks=[("p", "é", "h1")], removed_share=0.25)
    fast = serial.dumps({"items": [item], "n": 2**70})
    monkeypatch.setattr(serial, "orjson", None)
    slow = serial.dumps({"items": [item], "n": 2**70})
    assert serial.loads(fast) == serial.loads(slow) == {"items": [item], "n": 2**70}


class _Spider(Spider):
    name = "t"

    def parse_page(self, response: Any) -> None:
        pass

    def on_error(self, failure: Any) -> None:
        pass

    also_parse = parse_page  # an alias: Scrapy names it by getmembers' order


@pytest.mark.parametrize(
    "callbacks",
    [("parse_page", "on_error"), ("parse_page", None), (None, None), ("also_parse", None)],
)
def test_request_dict_is_scrapys_to_dict(callbacks: tuple[str | None, str | None]) -> None:
    spider = _Spider()
    callback, errback = (getattr(spider, n) if n else None for n in callbacks)
    for url in ("https://x.org/a", "https://x.org/b"):  # the second from the names kept
        request = Request(url, callback=callback, errback=errback, meta={"k": 1})
        assert serial.request_dict(request, spider) == request.to_dict(spider=spider)
    assert len(serial._NAMES[spider]) == len({n for n in callbacks if n})  # names kept


def test_request_dict_refuses_what_scrapy_refuses() -> None:
    request = Request("https://x.org/a", callback=lambda response: None)
    with pytest.raises(ValueError, match="not an instance method"):
        serial.request_dict(request, _Spider())
