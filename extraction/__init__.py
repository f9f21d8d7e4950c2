"""Extraction, pure: a page's bytes (HTML or PDF) and a source's rules in, an article out.

Example::

    >>> from extraction.extract import analyse
    >>> from extraction.rules import Rules
    >>> analyse("<html><body><p>Too short.</p></body></html>", "https://x.org/a",
    ...         Rules(), release=True).kind
    'failed'

Owns: decoding (encoding), parsing and pruning, the trafilatura call (only
in extract.py), text blocks (blocks), cleaning, metadata, language, PDFs,
URLs. May import :mod:`article` and third-party parsers; never Scrapy,
SQLite, click, :mod:`storage`, :mod:`crawler` or :mod:`pressroom`
(tests/test_architecture.py).
"""
