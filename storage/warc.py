"""Write an archive's raw captures as a standard WARC file, for web archivists.

Example::

    >>> with Archive("hrw.db", readonly=True) as archive, open("hrw.warc.gz", "wb") as fp:
    ...     write_warc(archive, fp)                                  # doctest: +SKIP
    942

One ``response`` record per distinct capture, with its HTTP status line and
headers, dated when it was fetched. warcio is imported here only, so the rest
of the archive works without it. Nothing in a record depends on the time or a
random draw (its WARC-Record-ID is named from the capture), so the same
archive gives the same bytes.
"""

from __future__ import annotations

import io
import uuid
from http import HTTPStatus
from typing import Any, BinaryIO

from .archive import Archive

# The stored body is already decoded, so headers that describe the wire
# encoding would make the record lie about its payload.
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def write_warc(archive: Archive, fp: BinaryIO, *, source: str | None = None) -> int:
    """Write every capture (of ``source``) to ``fp`` as gzipped WARC; return the count."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(fp, gzip=True)
    count = 0
    for capture in archive.captures(source=source):
        body: bytes = capture["body"]
        headers = [
            (name, value)
            for name, value in (capture["headers"] or {}).items()
            if name.lower() not in _WIRE_HEADERS
        ]
        headers.append(("Content-Length", str(len(body))))
        status = int(capture["status"] or 200)
        http_headers = StatusAndHeaders(f"{status} {_reason(status)}", headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(
            capture["url"],
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict=_warc_headers(capture),
        )
        writer.write_record(record)
        count += 1
    return count


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _warc_headers(capture: dict[str, Any]) -> dict[str, str]:
    # warcio would draw a random uuid4 per record: a name-based UUID of what
    # identifies the capture is unique as well, and the same at every export.
    # (Archive.save_capture dates every capture; warcio dates one without a date now.)
    fetched = capture.get("fetched_at") or ""
    name = f"pressroom capture {capture['hash']} {capture['url']} {fetched}"
    headers = {"WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}>"}
    if fetched:
        headers["WARC-Date"] = fetched.replace("+00:00", "Z")
    return headers
