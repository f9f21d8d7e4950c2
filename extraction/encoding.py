"""Decode an HTML page the way its author meant, even when the server says otherwise.

    >>> decode_html("Caf\u00e9 \u201cnews\u201d".encode(), "text/html; charset=iso-8859-1")
    'Café “news”'
    >>> decode_html(b"Caf\\xc3\\xa9 \\x93quoted\\x94", "text/html; charset=utf-8")
    'Café “quoted”'

Browsers and Scrapy trust the Content-Type charset first. On the web that is
often wrong: a CMS that writes UTF-8 behind a server that still says
ISO-8859-1, pages that mix UTF-8 with windows-1252 quotes pasted from a word
processor, no charset at all. Trusting the label turns every accented letter
into mojibake, and a nightly crawl would then store that as a new version of a
good release. The rules here, in order:

1. a byte-order mark decides (UTF-8, UTF-16, UTF-32);
2. an HTTP Content-Type charset that is not UTF-8 or Latin-1/windows-1252 is
   trusted (Shift_JIS, KOI8-R ...), as is UTF-16 sniffed from NULs;
3. a body that is valid UTF-8 is UTF-8, whatever a label says: windows-1252
   text with accents is practically never valid UTF-8, and a ``<meta charset>``
   copied into a UTF-8 template (iso-8859-15, gb18030) is common (issue 16);
4. then the ``<meta>`` charset; a body labelled Latin-1/windows-1252 is
   windows-1252 (what browsers do);
5. anything else is UTF-8, and each byte that is not is read as windows-1252
   (mixed encodings), undefined ones as U+FFFD.

One policy for the crawl, ``pressroom extract`` and ``pressroom reextract``.

:func:`looks_binary` tells an image or archive served as text/html from a page;
:func:`is_pdf` a PDF from both (here, not in :mod:`extraction.pdf`: the crawl
process asks it of every response, and importing pdf.py loads the metadata
readers it would otherwise never load, some 0.1 s of each crawl's start).
"""

from __future__ import annotations

import codecs
import re

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

_ERRORS = "pressroom-cp1252-fallback"
# What w3lib resolves ISO-8859-1, Latin-1, US-ASCII and windows-1252 to.
_LATIN = {"cp1252", "latin-1", "latin_1", "iso8859-1", "ascii"}


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bad.decode("cp1252", "replace"), error.end


codecs.register_error(_ERRORS, _cp1252_fallback)


def decode_html(body: bytes, content_type: str | bytes | None = None) -> str:
    """The text of an HTML ``body`` served with ``content_type`` (see the module rules)."""
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom) :].decode(bom_encoding, "replace")
    declared = http_content_type_encoding(content_type or "") or _sniff_utf16(body)
    if declared and declared != "utf-8" and declared not in _LATIN:
        try:
            return body.decode(declared, "replace")
        except LookupError:
            declared = None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = declared or html_body_declared_encoding(body[:4096])
    if declared and declared != "utf-8" and declared not in _LATIN:
        try:
            return body.decode(declared, "replace")
        except LookupError:
            declared = None
    if declared in _LATIN:
        return body.decode("cp1252", "replace")
    return body.decode("utf-8", _ERRORS)


def _sniff_utf16(body: bytes) -> str | None:
    """UTF-16 without a BOM or a label: every other byte of ASCII markup is NUL."""
    sample = body[:400]
    if len(sample) < 16:
        return None
    odd_nuls = sample[1::2].count(0) / (len(sample) // 2)
    even_nuls = sample[0::2].count(0) / ((len(sample) + 1) // 2)
    if odd_nuls > 0.4 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.4 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


# How a failure for a body that is no page starts (the raw body is not kept).
BINARY = "binary content"
# Control characters other than whitespace, and the replacement character.
_ODD = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")


def looks_binary(text: str) -> bool:
    """True for decoded bytes that are no page: NULs or many control characters.

    >>> looks_binary("<html><body><p>Hello</p></body></html>"), looks_binary("\\x89PNG\\x00\\x00")
    (False, True)
    """
    sample = text[:4096]
    if not sample:
        return False
    if "\x00" in sample:
        return True
    return len(_ODD.findall(sample)) / len(sample) > 0.05


def is_pdf(content_type: str, body: bytes) -> bool:
    """Whether a response is a PDF, by its Content-Type or its first bytes.

    >>> is_pdf("application/pdf", b""), is_pdf("text/html", b"%PDF-1.7"), is_pdf("", b"<html>")
    (True, True, False)
    """
    return "application/pdf" in (content_type or "").lower() or body.lstrip()[:5] == b"%PDF-"
