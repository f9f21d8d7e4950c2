"""Extraction, pure: a page's bytes (HTML or PDF) and a source's rules in, an article out.

Example::

    >>> from extraction.extract import analyse
    >>> from extraction.rules import Rules
    >>> analyse("<html><body><p>Too short.</p></body></html>", "https://x.org/a",
    ...         Rules(), release=True).kind
    'failed'

Owns, a module a stage: decoding (encoding), parsing (parse), pruning (prune),
the trafilatura call (engine, its only importer), text blocks (blocks),
cleaning, the vote (ensemble), the dek (dek), the layout (template), links,
metadata, language, PDFs (pdf), URLs; extract.analyse walks a page through
them. May import :mod:`article` and third-party parsers; never Scrapy, SQLite,
click, :mod:`storage`, :mod:`crawler` or :mod:`pressroom`
(tests/test_architecture.py).
"""
